// Shared test setup: a fresh core per call (its own linear memory), from the release build.
import type { Core } from "../../src/core/wasm.js";
import { loadCore } from "../../src/node.js";

export async function freshCore(): Promise<Core> {
  return loadCore();
}
