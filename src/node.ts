// Node entry: finds build/wirestack.wasm next to the package and instantiates it.
import { readFile } from "node:fs/promises";
import { type Core, instantiateCore } from "./core/wasm.js";

export * from "./index.js";

let compiled: Promise<WebAssembly.Module> | undefined;

async function findWasm(name: string): Promise<Uint8Array<ArrayBuffer>> {
  // src/node.ts (tests) sits one level below the package root, dist/src/node.js two.
  for (const up of ["../", "../../"]) {
    try {
      return (await readFile(new URL(`${up}build/${name}`, import.meta.url))) as Uint8Array<ArrayBuffer>;
    } catch {}
  }
  throw new Error(`wirestack: build/${name} not found; run \`npm run build\``);
}

/** A fresh core instance (its own linear memory). The compiled module is cached. */
export async function loadCore(opts: { debug?: boolean } = {}): Promise<Core> {
  if (opts.debug) return instantiateCore(await findWasm("wirestack.debug.wasm"));
  compiled ??= findWasm("wirestack.wasm").then((b) => WebAssembly.compile(b));
  return instantiateCore(await compiled);
}
