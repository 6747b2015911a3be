// The protocol-independent part of a socket's network state (Linux struct sock, include/net/sock.h):
// state, shutdown bits, pending error, buffer sizes and accounting, timeouts, the generic
// SOL_SOCKET flags, and the callbacks a protocol calls when readiness may have changed
// (sk_data_ready, sk_write_space, sk_state_change, sk_error_report). Each family extends it
// (UnixSock; InetSock/TcpSock later).

import {
  POLLERR,
  POLLIN,
  POLLOUT,
  POLLPRI,
  POLLRDBAND,
  POLLRDNORM,
  POLLWRBAND,
  POLLWRNORM,
  TCP_CLOSE,
} from "./constants.js";
import type { Kernel } from "./kernel.js";
import type { Socket } from "./socket.js";
import { MAX_SCHEDULE_TIMEOUT } from "./wait.js";
import { WAKE_ALL, WaitQueue } from "./waitqueue.js";

/**
 * Linux SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF: 2 * and 1 * TCP_SKB_MIN_TRUESIZE, where
 * TCP_SKB_MIN_TRUESIZE = 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)) = 2304 on x86-64.
 */
export const SOCK_MIN_SNDBUF = 4608;
export const SOCK_MIN_RCVBUF = 2304;

/** sk_userlocks bits. */
export const SOCK_SNDBUF_LOCK = 1;
export const SOCK_RCVBUF_LOCK = 2;
export const SOCK_BINDADDR_LOCK = 4;
export const SOCK_BINDPORT_LOCK = 8;

/** The events sock_def_readable() wakes with. */
export const READABLE_KEY = POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND;
/** The events write-space callbacks wake with. */
export const WRITABLE_KEY = POLLOUT | POLLWRNORM | POLLWRBAND;

/** struct ucred: SO_PEERCRED. */
export interface Ucred {
  pid: number;
  uid: number;
  gid: number;
}

export class Sock {
  /** sk_state: TCP_* numbering (tcp_states.h); AF_UNIX uses TCP_CLOSE/ESTABLISHED/LISTEN. */
  state = TCP_CLOSE;
  /** sk_shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN. */
  shutdown = 0;
  /** sk_err: pending error (positive errno), reported once. */
  err = 0;
  /** sk_err_soft: reported by SO_ERROR when no hard error is pending. */
  errSoft = 0;
  rcvbuf: number;
  sndbuf: number;
  userlocks = 0;
  /** sk_wmem_alloc: bytes (truesize) of sent buffers not yet freed. */
  wmemAlloc = 0;
  /** sk_rmem_alloc: bytes (truesize) queued for reading. */
  rmemAlloc = 0;
  /** sk_reuse (SO_REUSEADDR). */
  reuse = false;
  /** sk_reuseport (SO_REUSEPORT). */
  reuseport = false;
  /** SOCK_KEEPOPEN (SO_KEEPALIVE). */
  keepopen = false;
  /** SOCK_LINGER and sk_lingertime (jiffies). */
  linger = false;
  lingertime = 0;
  debug = false;
  broadcast = false;
  /** SOCK_LOCALROUTE (SO_DONTROUTE). */
  localroute = false;
  /** SOCK_URGINLINE (SO_OOBINLINE). */
  urginline = false;
  noCheckTx = false;
  /** SO_PASSCRED. */
  passcred = false;
  priority = 0;
  mark = 0;
  rcvlowat = 1;
  /** sk_rcvtimeo / sk_sndtimeo in jiffies (Infinity = MAX_SCHEDULE_TIMEOUT). */
  rcvtimeo = MAX_SCHEDULE_TIMEOUT;
  sndtimeo = MAX_SCHEDULE_TIMEOUT;
  /** sk_max_ack_backlog / sk_ack_backlog. */
  maxAckBacklog = 0;
  ackBacklog = 0;
  /** SOCK_DEAD: orphaned from its struct socket (sock_orphan). */
  dead = false;
  /** sk_peer_cred / sk_peer_pid: SO_PEERCRED. */
  peerCred: Ucred | null = null;
  /** sk_socket: the struct socket this sock is grafted on. */
  socket: Socket | null = null;
  /** sk_wq: where the socket's sleepers and pollers wait. */
  readonly wq = new WaitQueue();

  constructor(
    readonly kernel: Kernel,
    readonly family: number,
    public type: number,
    readonly protocol: number,
  ) {
    this.rcvbuf = kernel.sysctl.net_core_rmem_default;
    this.sndbuf = kernel.sysctl.net_core_wmem_default;
  }

  /** Linux sock_error(): take the pending error (negative errno) or 0. */
  sockError(): number {
    const e = this.err;
    if (e === 0) return 0;
    this.err = 0;
    return -e;
  }

  /** Linux sock_rcvtimeo(). */
  rcvTimeo(noblock: boolean): number {
    return noblock ? 0 : this.rcvtimeo;
  }

  /** Linux sock_sndtimeo(). */
  sndTimeo(noblock: boolean): number {
    return noblock ? 0 : this.sndtimeo;
  }

  /** Linux sock_rcvlowat(): how many bytes a stream read waits for. */
  rcvLowat(waitall: boolean, len: number): number {
    const v = waitall ? len : Math.min(this.rcvlowat, len);
    return v || 1;
  }

  // ---- callbacks (Linux sock_def_*); protocols override ----

  /** sk_data_ready: data arrived. */
  dataReady(): void {
    if (this.wq.active) this.wq.wake(READABLE_KEY, 1);
  }

  /** sk_write_space: send-buffer space freed (Linux sock_def_write_space: once under half in use). */
  writeSpace(): void {
    if (this.wmemAlloc < this.sndbuf >> 1 && this.wq.active) this.wq.wake(WRITABLE_KEY, 1);
  }

  /** sk_state_change: wake everyone (Linux sock_def_wakeup). */
  stateChange(): void {
    if (this.wq.active) this.wq.wakeAll(WAKE_ALL);
  }

  /** sk_error_report. */
  errorReport(): void {
    if (this.wq.active) this.wq.wake(POLLERR, 1);
  }

  /** sk_prot->keepalive: SO_KEEPALIVE changed (TCP arms its keepalive timer). */
  keepalive(_on: boolean): void {}
}
