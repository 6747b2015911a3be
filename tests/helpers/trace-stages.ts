// The stages of one data segment's path from the NIC to recv(), in order (the trace's full RX path).
import type { TraceStage } from "../../src/net/trace.js";

export const FULL_RX_PATH: TraceStage[] = [
  "ring",
  "irq",
  "napi",
  "eth",
  "ip",
  "tcp",
  "lookup",
  "input",
  "enqueue",
  "wakeup",
  "xmit",
  "sched",
  "copy",
];
