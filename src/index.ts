// wirestack public API (platform-neutral part). src/node.ts and src/browser.ts add loadCore().
export { Core, CoreAbortError, instantiateCore, type WasmSource } from "./core/wasm.js";
export * as layout from "./generated/layout.js";
