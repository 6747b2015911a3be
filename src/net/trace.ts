// The trace hook points of the receive path (src/trace/ builds the per-packet timeline on them).
//
// Each point is one line in the engine: `this.trace?.(stage, { ... })` (or a local copy of the
// field checked once). With no tracer attached that is one undefined check per stage and nothing
// else: the detail object is never built. A tracer sets the hook on a stack and its devices
// (NetStack.setTrace) and measures the host time between consecutive points.
//
// The points, in the order one TCP segment meets them (Linux's names in parentheses):
//   ring     the device took a frame from the wire into its RX ring (NIC DMA)
//   irq      an interrupt was raised, or NAPI was already scheduled and none was (coalesced)
//   napi     a NAPI poll round took the frame off the ring (net_rx_action -> napi_poll)
//   eth      the stack got the frame (__netif_receive_skb_core; parseFrame checks every layer here)
//   drop     the frame was dropped (reason: a DROP_* code)
//   ip       IPv4 receive for a local destination (ip_rcv -> ip_local_deliver)
//   tcp      TCP receive (tcp_v4_rcv)
//   lookup   socket lookup starts (__inet_lookup_established, then __inet_lookup_listener)
//   input    the lookup's result, and the state machine starts (tcp_rcv_established / tcp_v4_do_rcv)
//   enqueue  in-order payload joined a connection's receive queue (tcp_queue_rcv)
//   wakeup   the socket's wait queue was woken (sk_data_ready / sk_state_change ...)
//   xmit     a segment was sent while processing (an ACK from tcp_ack_snd_check)
//   end      the end of one synchronous run: a device's receive, or one frame's NAPI processing
//   sched    a process that slept in recv() runs again (schedule() returned)
//   copy     recv() copies from the receive queue (skb_copy_datagram_msg)
//   copied   the copy is done
import type { Process } from "../kernel/process.js";
import type { NetDevice } from "./device.js";
import type { RxFrame } from "./frame.js";
import type { InetSock } from "./inet/sock.js";
import type { TcpConn } from "./tcp/conn.js";
import type { ListenEntry } from "./tcp/proto.js";
import type { TcpOutSeg } from "./tcp/segment.js";

export type TraceStage =
  | "ring"
  | "irq"
  | "napi"
  | "eth"
  | "drop"
  | "ip"
  | "tcp"
  | "lookup"
  | "input"
  | "enqueue"
  | "wakeup"
  | "xmit"
  | "end"
  | "sched"
  | "copy"
  | "copied";

/** What a hook point knows; each stage fills the fields that mean something for it. */
export interface TraceDetail {
  dev?: NetDevice;
  skb?: number;
  len?: number;
  /** ring: frames waiting in the ring after this one went in. irq: whether one was raised. */
  queued?: number;
  raised?: boolean;
  /** napi: the frame's position in this poll round, and the round's budget. */
  n?: number;
  budget?: number;
  /** drop: the DROP_* reason. */
  reason?: number;
  frame?: RxFrame;
  /** input: what the lookup found (neither: no socket). */
  conn?: TcpConn;
  listener?: ListenEntry;
  /** wakeup: the socket, the wake key, and the wait-queue entries present before the wake. */
  sk?: InetSock;
  events?: number;
  waiters?: readonly unknown[];
  /** xmit: the segment and its addresses. */
  seg?: TcpOutSeg;
  laddr?: number;
  lport?: number;
  raddr?: number;
  rport?: number;
  /** sched / copy / copied: the process in recv(). */
  task?: Process;
}

/** The hook a tracer installs (NetStack.setTrace). */
export type TraceFn = (stage: TraceStage, detail: TraceDetail) => void;

/** The detail of points that carry none (shared, so an "end" builds no object). */
export const NO_DETAIL: TraceDetail = Object.freeze({});
