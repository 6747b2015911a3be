// A World on a fresh core for scenario tests: hosts "client" (10.0.0.1) and "server" (10.0.0.2)
// on one cable unless a test builds its own topology.
import type { LinkOptions } from "../../src/net/link.js";
import { World } from "../../src/world/world.js";
import { freshCore } from "./core.js";

export async function newWorld(seed = 1): Promise<World> {
  return new World(await freshCore(), { seed });
}

export async function clientServer(opts: LinkOptions = {}, seed = 1) {
  const world = await newWorld(seed);
  const client = world.addHost("client");
  const server = world.addHost("server");
  const link = world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24", opts);
  return { world, client, server, link };
}
