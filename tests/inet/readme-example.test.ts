// The README's TCP example, run as a test; the code between the markers must match README.md.
import { expect, it } from "vitest";
import { AF_INET, SOCK_STREAM } from "../../src/kernel/index.js";
import { loadCore } from "../../src/node.js";
import { World } from "../../src/world/world.js";
import { readmeExample, testExample } from "../helpers/readme.js";

async function example() {
  const log: string[] = [];
  const console = { log: (s: string) => log.push(s) };
  // README:begin
  const world = new World(await loadCore(), { seed: 1 });
  const client = world.addHost("client");
  const server = world.addHost("server");
  world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24", { latencyNs: 1_000_000 });

  const echod = server.spawn("echod", async (sys) => {
    const fd = sys.socket(AF_INET, SOCK_STREAM);
    sys.bind(fd, { family: AF_INET, addr: "0.0.0.0", port: 7 });
    sys.listen(fd, 128);
    const conn = await sys.accept(fd); // sleeps until the handshake completes
    const buf = new Uint8Array(1500);
    for (;;) {
      const n = await sys.recv(conn, buf);
      if (n === 0) break; // the client's FIN
      await sys.send(conn, buf.subarray(0, n));
    }
    await sys.close(conn); // FIN
  });
  const curl = client.spawn("client", async (sys) => {
    const fd = sys.socket(AF_INET, SOCK_STREAM);
    await sys.connect(fd, { family: AF_INET, addr: "10.0.0.2", port: 7 });
    await sys.send(fd, new TextEncoder().encode("hello over TCP"));
    const buf = new Uint8Array(64);
    const n = await sys.recv(fd, buf);
    const ms = (world.kernel.now() / 1e6).toFixed(3);
    console.log(`${new TextDecoder().decode(buf.subarray(0, n))} after ${ms} ms`); // 6.006 ms
    await sys.close(fd);
  });
  await world.wait(echod, curl);
  // README:end
  return { log, world };
}

it("the README's TCP example runs: ARP, handshake and echo on the virtual clock", async () => {
  const { log, world } = await example();
  // ARP, then the handshake, then the echo: three 2 ms round trips plus serialisation at 1 Gbit/s
  expect(log).toEqual(["hello over TCP after 6.006 ms"]);
  expect(world.kernel.nrSockets).toBe(0);
});

it("the README shows exactly this code", () => {
  expect(readmeExample("tcp")).toEqual(testExample(import.meta.url));
});
