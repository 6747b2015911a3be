// wirestack public API (platform-neutral part). src/node.ts and src/browser.ts add loadCore().

export * from "./core/flow.js";
export { Core, CoreAbortError, instantiateCore, type WasmSource } from "./core/wasm.js";
export * as layout from "./generated/layout.js";
export * from "./kernel/index.js";
export type { LinkFaults, LinkOptions } from "./net/link.js";
export { NetStack } from "./net/stack.js";
export * from "./tools/pcap.js";
export { Host, World, type WorldOptions } from "./world/world.js";
