// Per-packet timelines of the receive path (see tracer.ts).
export { endpoint, STAGE_TITLES, segmentSummary } from "./describe.js";
export { formatTimeline, type TimelineOptions, type TimelineStyle, tPlus } from "./format.js";
export { type PacketTrace, type StageRecord, startTrace, Tracer, type TracerOptions } from "./tracer.js";
