// wirestack public API (platform-neutral part). src/node.ts and src/browser.ts add loadCore().

export * from "./core/flow.js";
export { Core, CoreAbortError, instantiateCore, type WasmSource } from "./core/wasm.js";
export * as layout from "./generated/layout.js";
export * from "./kernel/index.js";
export type { LinkFaults, LinkOptions } from "./net/link.js";
export { NetStack } from "./net/stack.js";
export {
  type CapturedFrame,
  type CaptureOptions,
  capture,
  DeviceCapture,
  type ReplayOptions,
  replay,
} from "./tools/capture.js";
export * from "./tools/pcap.js";
export { HostViews, views } from "./tools/views/index.js";
export {
  formatTimeline,
  type PacketTrace,
  type StageRecord,
  startTrace,
  type TimelineOptions,
  type TimelineStyle,
  Tracer,
  type TracerOptions,
} from "./trace/index.js";
export { Host, World, type WorldOptions } from "./world/world.js";
