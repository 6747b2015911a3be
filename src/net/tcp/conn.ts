// One TCP connection's buffers in linear memory around the pure state machine (TcpSock):
//   - the receive queue: skbs whose data is exactly the in-order payload (headers pulled), read by
//     recv() with a copy, or peeked. It is the sk_buff_head in the connection's TSK cell (the core's
//     half of the socket, assembly/tcp/fastpath.ts), so the core's RX fast path links predicted
//     segments onto it directly and the slow path appends to the same queue; its byte count is rmem;
//   - the write queue: skbs holding the bytes the user queued, from snd_una on (Linux
//     sk_write_queue). Transmission clones the skb that holds a segment and pushes headers into its
//     headroom; when that skb is still cloned by an earlier transmission in flight, it copies instead
//     (Linux tcp_transmit_skb: skb_cloned -> pskb_copy), so the in-flight frame's headers stay intact.
import type { Core } from "../../core/wasm.js";
import {
  DROP_NOT_SPECIFIED,
  SKB_NEXT,
  SKBQ_BYTES,
  SKBQ_QLEN,
  TSK_ID,
  TSK_RCVQ,
  TSKF_TS,
} from "../../generated/layout.js";
import type { TraceFn } from "../trace.js";
import type { TcpOutSeg } from "./segment.js";
import { type TcpConfig, type TcpCounter, TcpSock, type TimerLike } from "./sock.js";
import { MAX_TCP_HEADER } from "./sysctl.js";

/** What a connection needs from the protocol around it. */
export interface ConnHost {
  core: Core;
  now(): number;
  timer(fn: () => void): TimerLike;
  /** Push the TCP/IP headers for `seg` onto `skb` (payload only, or empty) and send it. */
  transmit(conn: TcpConn, seg: TcpOutSeg, skb: number): void;
  /** The connection ended (TCP_CLOSE): unhash it. */
  unhash(conn: TcpConn): void;
  /** Bump a MIB counter (/proc/net/snmp Tcp or /proc/net/netstat TcpExt). */
  count?(name: TcpCounter): void;
  /** Where the trace hook lives (the host's stack), for the enqueue point. */
  readonly stack?: { readonly trace: TraceFn | undefined };
}

export class TcpConn {
  readonly sk: TcpSock;
  /** The core's half of this socket (TSK cell): receive queue and prediction state; 0 once freed. */
  tsk = 0;
  private sndQ: number[] = []; // skb handles, data = unacknowledged payload (from snd_una)
  sndBytes = 0;
  private held = new Set<number>();
  /** Called on every readiness change (the socket layer wakes its wait queue); key as TcpIo.wake. */
  onWake: (key?: number) => void = () => {};
  /** Send space freed while a writer waited (TcpIo.writeSpace); unset: onWake. */
  onWriteSpace: (() => void) | undefined;
  /** Called once per RX batch in which the core queued data on this connection. */
  onCoreData: () => void = () => this.onWake();
  /** Called when a child connection completes its handshake (listener's accept queue). */
  onEstablished: (() => void) | undefined;
  /** Called once when the connection is gone (TCP_CLOSE) and unhashed. */
  onDestroy: () => void = () => {};
  destroyed = false;
  private ownRcvbuf: number;
  private ownSndbuf: number;
  /** Where the buffer sizes live once a socket owns the connection (SO_SNDBUF / SO_RCVBUF apply at once). */
  private bufs: { sndbuf: number; rcvbuf: number; userlocks: number } | null = null;

  get rcvbuf(): number {
    return this.bufs ? this.bufs.rcvbuf : this.ownRcvbuf;
  }
  set rcvbuf(v: number) {
    if (this.bufs) this.bufs.rcvbuf = v;
    else this.ownRcvbuf = v;
  }
  get sndbuf(): number {
    return this.bufs ? this.bufs.sndbuf : this.ownSndbuf;
  }
  set sndbuf(v: number) {
    if (this.bufs) this.bufs.sndbuf = v;
    else this.ownSndbuf = v;
  }

  /** Take the buffer sizes from the owning socket from now on (the TCP machine's too). */
  bindBuffers(owner: { sndbuf: number; rcvbuf: number; userlocks: number }, rcvbufLock: number): void {
    this.bufs = owner;
    Object.defineProperty(this.sk.cfg, "rcvbuf", { get: () => owner.rcvbuf, configurable: true });
    Object.defineProperty(this.sk.cfg, "rcvbufLocked", {
      get: () => (owner.userlocks & rcvbufLock) !== 0,
      configurable: true,
    });
  }
  /** The core's established-table handle while hashed (0 when not). */
  flowHandle = 0;

  constructor(
    readonly host: ConnHost,
    public laddr: number,
    public lport: number,
    public raddr: number,
    public rport: number,
    cfg: TcpConfig,
    sndbuf: number,
    /** The connection's TSK cell (x.tskCreate), which it owns from now on. */
    tsk: number,
  ) {
    this.ownRcvbuf = cfg.rcvbuf;
    this.ownSndbuf = sndbuf;
    this.tsk = tsk;
    this.sk = new TcpSock(
      {
        now: () => host.now(),
        // a timer may change what the core predicts (state, windows): republish after it ran
        timer: (fn) =>
          host.timer(() => {
            fn();
            this.sk.publishFast();
          }),
        output: (seg) => this.output(seg),
        rcvQueue: (payload, skip, len) => this.rcvQueue(payload as number, skip, len),
        hold: (payload) => this.held.add(payload as number),
        release: (payload) => this.release(payload as number),
        sndAcked: (n) => this.sndAcked(n),
        sndBuffered: () => this.sndBytes,
        rcvSpace: () => this.rcvbuf - this.rcvBytes,
        wake: (key) => this.onWake(key),
        writeSpace: () => (this.onWriteSpace ? this.onWriteSpace() : this.onWake()),
        destroy: () => this.destroy(),
        established: () => this.onEstablished?.(),
        expandSndbuf: (bytes) => {
          // SOCK_SNDBUF_LOCK (1): the user set SO_SNDBUF.
          if (this.bufs && this.bufs.userlocks & 1) return;
          const max = cfg.sysctl.tcp_wmem[2];
          if (this.sndbuf < bytes) this.sndbuf = Math.min(bytes, max);
        },
        count: (name) => host.count?.(name),
        publish: (pred, rcvNxt, rcvWup, rcvWnd, sndUna, tsRecent, tsOk) => {
          if (this.tsk !== 0)
            this.x.tskPublish(
              this.tsk,
              pred,
              rcvNxt,
              rcvWup,
              rcvWnd,
              sndUna,
              tsRecent,
              tsOk ? TSKF_TS : 0,
              this.rcvbuf,
            );
        },
      },
      cfg,
    );
  }

  /** Bytes on the receive queue (sk_rmem_alloc). */
  get rcvBytes(): number {
    return this.tsk === 0 ? 0 : this.host.core.u32[(this.tsk + TSK_RCVQ + SKBQ_BYTES) >>> 2];
  }

  /** Tell the core which connection handle this socket has (TSK id), once it is hashed. */
  setCoreId(h: number): void {
    if (this.tsk !== 0) this.host.core.u32[(this.tsk + TSK_ID) >>> 2] = h;
  }

  private get x() {
    return this.host.core.x;
  }

  // ---- receive side ---------------------------------------------------------------------------

  /** The machine accepted bytes [skip, skip+len) of an inbound segment's payload skb. */
  private rcvQueue(skb: number, skip: number, len: number): void {
    const x = this.x;
    // The same skb may be queued once only; a held (out-of-order) skb is queued by reference.
    const q = this.held.has(skb) ? x.skbClone(skb) : skb;
    if (q === 0) return;
    if (q === skb) this.taken.add(skb);
    if (skip > 0) x.skbPull(q, skip);
    if (x.skbLen(q) > len) x.skbTrim(q, len);
    if (this.tsk === 0 || x.skbQueueTail(this.tsk + TSK_RCVQ, q) === 0) {
      x.kfreeSkb(q, DROP_NOT_SPECIFIED);
      this.taken.delete(skb);
      return;
    }
    this.host.stack?.trace?.("enqueue", { conn: this, skb: q, len });
  }

  /** skbs the machine kept (queued or held) during the current input call. */
  readonly taken = new Set<number>();

  private release(skb: number): void {
    if (this.held.delete(skb)) this.x.consumeSkb(skb);
  }

  /** Whether the input path must still free `skb` after TcpSock.input returned. */
  owns(skb: number): boolean {
    return this.taken.has(skb) || this.held.has(skb);
  }

  /**
   * Copy up to `dst.length` bytes out of the receive queue (tcp_recvmsg). With `peek`, nothing is
   * consumed. Returns the number of bytes copied.
   */
  read(dst: Uint8Array, peek: boolean): number {
    if (this.tsk === 0) return 0;
    const x = this.x;
    const core = this.host.core;
    const q = this.tsk + TSK_RCVQ;
    let n = 0;
    let skb = core.u32[(q + SKB_NEXT) >>> 2]; // the queue head's next: the first skb, or q when empty
    while (n < dst.length && skb !== q) {
      const len = x.skbLen(skb);
      const take = Math.min(len, dst.length - n);
      const at = x.skbDataPtr(skb);
      dst.set(core.u8.subarray(at, at + take), n);
      n += take;
      const next = core.u32[(skb + SKB_NEXT) >>> 2];
      if (!peek) {
        if (take === len) {
          x.skbDequeue(q);
          x.consumeSkb(skb);
        } else {
          x.skbPull(skb, take); // the queue's byte count follows
        }
      }
      skb = next;
    }
    if (!peek && n > 0) this.sk.onReadDrained();
    return n;
  }

  // ---- send side ------------------------------------------------------------------------------

  /** Bytes the user may still queue (Linux sk_stream_wspace: sndbuf - wmem_queued). */
  sndSpace(): number {
    return Math.max(0, this.sndbuf - this.sndBytes);
  }

  /**
   * Append user bytes to the write queue (tcp_sendmsg_locked). The bytes go into buffers of up to one
   * MSS with MAX_TCP_HEADER of headroom; the TCP machine groups them into skbs of up to size_goal.
   * As in Linux, the send buffer is checked only when a new skb would be started (sk_stream_memory_free):
   * an skb already started is filled to size_goal even past sndbuf. `memoryFree` is that check
   * (default: sndbuf not yet full). Returns the bytes queued (fewer than asked when memory ran out).
   */
  append(
    src: Uint8Array,
    first = true,
    memoryFree: () => boolean = () => this.sndBytes < this.sndbuf,
  ): number {
    let off = 0;
    while (off < src.length) {
      let allowed = this.sk.tailRoom();
      if (allowed <= 0) {
        if (!memoryFree()) break;
        allowed = this.sk.sizeGoalNow();
      }
      const n = this.copyIn(src.subarray(off, off + Math.min(allowed, src.length - off)));
      if (n === 0) break;
      off += n;
      this.sk.queueData(n, first && off === n, off < src.length);
    }
    return off;
  }

  /** Copy bytes into the send buffers: fill the tail buffer up to one MSS, then new ones. */
  private copyIn(src: Uint8Array): number {
    const x = this.x;
    const core = this.host.core;
    const mss = this.sk.mssCache;
    let off = 0;
    while (off < src.length) {
      let tail = this.sndQ.length ? this.sndQ[this.sndQ.length - 1] : 0;
      let fits = tail ? Math.min(mss - x.skbLen(tail), x.skbTailroom(tail)) : 0;
      // never append into an skb that a transmission still shares
      if (tail && (fits <= 0 || x.skbCloned(tail) || this.tailSent(tail))) fits = 0;
      if (fits <= 0) {
        tail = x.allocSkb(MAX_TCP_HEADER + mss);
        if (tail === 0) break;
        x.skbReserve(tail, MAX_TCP_HEADER);
        this.sndQ.push(tail);
        fits = mss;
      }
      const n = Math.min(fits, src.length - off);
      const at = x.skbPut(tail, n);
      core.u8.set(src.subarray(off, off + n), at);
      off += n;
      this.sndBytes += n;
    }
    return off;
  }

  /** True when bytes of `skb` have already been transmitted (appending would change a sent segment). */
  private tailSent(skb: number): boolean {
    const sentBytes = (this.sk.sndNxt - this.sk.sndUna) >>> 0;
    let before = 0;
    for (const s of this.sndQ) {
      if (s === skb) return sentBytes > before;
      before += this.x.skbLen(s);
    }
    return false;
  }

  private sndAcked(n: number): void {
    const x = this.x;
    this.sndBytes -= n;
    while (n > 0 && this.sndQ.length) {
      const skb = this.sndQ[0];
      const len = x.skbLen(skb);
      if (len <= n) {
        n -= len;
        this.sndQ.shift();
        x.consumeSkb(skb);
      } else {
        x.skbPull(skb, n); // Linux tcp_trim_head
        n = 0;
      }
    }
  }

  /** Build the skb for an outbound segment and hand it to the protocol (tcp_transmit_skb). */
  private output(seg: TcpOutSeg): void {
    const x = this.x;
    let skb = 0;
    if (seg.dataLen === 0) {
      skb = x.allocSkb(MAX_TCP_HEADER);
      if (skb === 0) return; // no memory: the retransmit timer will try again
      x.skbReserve(skb, MAX_TCP_HEADER);
    } else {
      // Find the skb that starts at dataOff and holds exactly dataLen bytes: clone it (or copy it
      // when an earlier clone is still in flight). Anything else is gathered into a new skb.
      let pos = 0;
      for (const s of this.sndQ) {
        const len = x.skbLen(s);
        if (pos === seg.dataOff && len === seg.dataLen && x.skbHeadroom(s) >= MAX_TCP_HEADER) {
          skb = x.skbCloned(s) ? x.skbCopy(s) : x.skbClone(s);
          break;
        }
        if (pos > seg.dataOff) break;
        pos += len;
      }
      if (skb === 0) skb = this.gather(seg.dataOff, seg.dataLen);
      if (skb === 0) return;
    }
    this.host.transmit(this, seg, skb);
  }

  /** Copy send-queue bytes [off, off+len) into a fresh skb with headroom. */
  private gather(off: number, len: number): number {
    const x = this.x;
    const core = this.host.core;
    const skb = x.allocSkb(MAX_TCP_HEADER + len);
    if (skb === 0) return 0;
    x.skbReserve(skb, MAX_TCP_HEADER);
    let dst = x.skbPut(skb, len);
    let skip = off;
    let left = len;
    for (const s of this.sndQ) {
      if (left === 0) break;
      const slen = x.skbLen(s);
      if (skip >= slen) {
        skip -= slen;
        continue;
      }
      const n = Math.min(slen - skip, left);
      const at = x.skbDataPtr(s) + skip;
      core.u8.copyWithin(dst, at, at + n);
      dst += n;
      left -= n;
      skip = 0;
    }
    return skb;
  }

  // ---- teardown -------------------------------------------------------------------------------

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.host.unhash(this);
    this.onDestroy();
    // Nothing left to read: the core's cell goes now (else with purge(), once the reader is done).
    if (this.tsk !== 0 && this.rcvQueueLen === 0) this.freeTsk();
  }

  private freeTsk(): void {
    this.x.tskFree(this.tsk, DROP_NOT_SPECIFIED);
    this.tsk = 0;
  }

  /** Free every buffer the connection holds (after it is gone and nobody will read). */
  purge(): void {
    const x = this.x;
    if (this.tsk !== 0) {
      if (this.destroyed) this.freeTsk();
      else x.skbQueuePurge(this.tsk + TSK_RCVQ, DROP_NOT_SPECIFIED);
    }
    for (const s of this.sndQ) x.consumeSkb(s);
    for (const s of this.held) x.consumeSkb(s);
    this.sndQ = [];
    this.held.clear();
    this.sndBytes = 0;
  }

  get rcvQueueLen(): number {
    return this.tsk === 0 ? 0 : this.host.core.u32[(this.tsk + TSK_RCVQ + SKBQ_QLEN) >>> 2];
  }
}
