// The engine `wirestack packetdrill` runs scripts against: a fresh wirestack World per script, on a
// fresh core (its own linear memory), through the adapter in world-engine.ts.

import { loadCore } from "../node.js";
import type { Engine } from "./engine.js";
import { WorldEngine } from "./world-engine.js";

export async function createEngine(): Promise<Engine> {
  return new WorldEngine(await loadCore());
}
