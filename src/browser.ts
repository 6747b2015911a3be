// Browser entry: fetches the core next to this module (or from a URL you give) and instantiates it.
import { type Core, instantiateCore } from "./core/wasm.js";

export * from "./index.js";

let compiled: Promise<WebAssembly.Module> | undefined;

/** A fresh core instance. `url` defaults to the package's build/wirestack.wasm. */
export async function loadCore(opts: { url?: string | URL } = {}): Promise<Core> {
  compiled ??= WebAssembly.compileStreaming(
    fetch(opts.url ?? new URL("../../build/wirestack.wasm", import.meta.url)),
  );
  return instantiateCore(await compiled);
}
