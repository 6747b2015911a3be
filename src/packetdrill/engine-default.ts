// The engine `wirestack packetdrill` runs scripts against. The adapter from the wirestack engine to the
// packetdrill Engine interface (engine.ts) is written by the integrator; until it exists this module
// says so instead of running scripts against nothing.

import type { Engine } from "./engine.js";

export function createEngine(): Engine {
  throw new Error(
    "the engine adapter for packetdrill is not wired yet: src/packetdrill/engine-default.ts must return an Engine (see src/packetdrill/engine.ts)",
  );
}
