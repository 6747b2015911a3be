// The TCP state machine for one connection (Linux struct tcp_sock), kept free of bytes and clocks:
// it takes parsed segments and the time, and calls its TcpIo for everything else (transmit, timers,
// payload storage, wakeups). Read RFC 9293 section 3.10 (event processing) first; where Linux and the
// RFC differ we follow Linux and say so.
//
// Layout of the file, in the order a connection lives:
//   connect / SYN_SENT (tcp_rcv_synsent_state_process)
//   input in synchronised states (tcp_rcv_state_process, tcp_validate_incoming, tcp_ack, tcp_data_queue)
//   output (tcp_write_xmit, tcp_send_ack, tcp_send_fin), windows (tcp_select_window)
//   timers (retransmit, delayed ACK, persist, keepalive, TIME_WAIT / FIN_WAIT2)
//   close / shutdown / abort
import { RttEstimator } from "./rtt.js";
import {
  segEnd,
  TCPF_ACK,
  TCPF_FIN,
  TCPF_PSH,
  TCPF_RST,
  TCPF_SYN,
  type TcpOptions,
  type TcpOutSeg,
  type TcpSegment,
} from "./segment.js";
import { after, afterEq, before, between, seqAdd, seqDiff } from "./seq.js";
import {
  TCP_CLOSE,
  TCP_CLOSE_WAIT,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_LAST_ACK,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  TCP_TIME_WAIT,
} from "./state.js";
import {
  MS,
  TCP_ATO_MIN,
  TCP_DELACK_MAX,
  TCP_INIT_CWND,
  TCP_MAX_QUICKACKS,
  TCP_MAX_WSCALE,
  TCP_MSS_DEFAULT,
  TCP_RTO_MAX,
  TCP_TIMEWAIT_LEN,
  TCPOLEN_TSTAMP_ALIGNED,
  type TcpSysctl,
} from "./sysctl.js";

/** A timer from the kernel's wheel (Linux mod_timer / del_timer). */
export interface TimerLike {
  mod(expiresNs: number): void;
  del(): void;
  readonly pending: boolean;
}

/**
 * The MIB counters a connection bumps itself, by their /proc names: the Tcp row's RetransSegs,
 * AttemptFails and EstabResets, the rest TcpExt (include/uapi/linux/snmp.h).
 */
export type TcpCounter =
  | "RetransSegs"
  | "AttemptFails"
  | "EstabResets"
  | "TCPTimeouts"
  | "TCPSynRetrans"
  | "DelayedACKs"
  | "TCPKeepAlive"
  | "TCPAbortOnClose"
  | "TCPAbortOnData"
  | "TW";

/** Errors a connection reports through sk_err (Linux errno names). */
export type TcpError = "ECONNREFUSED" | "ECONNRESET" | "ETIMEDOUT" | "EPIPE" | "ECONNABORTED";

/** What the machine needs from the socket layer around it. */
export interface TcpIo {
  now(): number;
  timer(fn: () => void): TimerLike;
  /** Build and transmit one segment (headers from `seg`, data from the send buffer). */
  output(seg: TcpOutSeg): void;
  /** In-order payload: bytes [skip, skip+len) of the segment's payload join the receive queue. */
  rcvQueue(payload: unknown, skip: number, len: number): void;
  /** Keep / release an out-of-order segment's payload. */
  hold(payload: unknown): void;
  release(payload: unknown): void;
  /** `n` bytes at the front of the send buffer were acknowledged: free them. */
  sndAcked(n: number): void;
  /** Bytes in the send buffer not yet acknowledged (from snd_una, excluding SYN/FIN). */
  sndBuffered(): number;
  /** Free receive-buffer space in bytes (drives the advertised window). */
  rcvSpace(): number;
  /** Readiness may have changed (data, space, state, error): wake waiters. */
  wake(): void;
  /** The connection reached a final state and may be freed (TCP_CLOSE after close()). */
  destroy(): void;
  /** A connection created from a listener became ESTABLISHED (move to the accept queue). */
  established?(): void;
  /** Count an event in the host's MIB (optional: a bare machine in a unit test counts nothing). */
  count?(name: TcpCounter): void;
}

export interface TcpConfig {
  sysctl: TcpSysctl;
  /** MSS from our route's MTU (MTU - 40). */
  advMss: number;
  /** Receive buffer size (SO_RCVBUF as Linux reports it). */
  rcvbuf: number;
  nodelay: boolean;
  keepalive: boolean;
  userMss: number; // TCP_MAXSEG, 0 = none
  /**
   * The most payload one segment may carry on this path (0 = no limit). Our skbs are linear (no
   * page frags), so a segment must fit one 64 KiB buffer after its headroom; Linux's loopback MSS
   * (65483) is larger than that, so on lo our segments are somewhat smaller than Linux's.
   */
  segCap?: number;
}

interface OooSeg {
  seq: number;
  end: number;
  payload: unknown;
  skip: number;
}

interface SentInfo {
  end: number; // sequence just past the segment
  sentAt: number;
  retransmitted: boolean;
}

/** Linux tcp_select_initial_window(): the window scale we offer from the largest buffer we may grow to. */
export function selectWscale(sysctl: TcpSysctl, rcvbufMax: number): number {
  let space = Math.max(sysctl.tcp_rmem[2], rcvbufMax);
  let ws = 0;
  while (space > 65535 && ws < TCP_MAX_WSCALE) {
    space >>>= 1;
    ws++;
  }
  return ws;
}

export class TcpSock {
  state = TCP_CLOSE;
  // send sequence space (RFC 9293 3.3.1)
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndWnd = 0; // already scaled
  sndWl1 = 0;
  sndWl2 = 0;
  sndMaxWnd = 0;
  writeSeq = 0; // sequence number after the last byte the user queued
  // receive sequence space
  irs = 0;
  rcvNxt = 0;
  rcvWnd = 0; // the window we last advertised (scaled)
  rcvWup = 0; // rcv_nxt when rcvWnd was advertised
  // options negotiated
  mssCache = TCP_MSS_DEFAULT; // effective send MSS (payload per segment, minus option space)
  peerMss = TCP_MSS_DEFAULT;
  rcvMss = TCP_MSS_DEFAULT;
  sndWscale = 0;
  rcvWscale = 0;
  wscaleOk = false;
  tsOk = false;
  sackOk = false;
  tsRecent = 0;
  tsRecentStamp = 0;
  tsOffset = 0;
  // congestion control (Reno; issue 5 makes it pluggable with CUBIC)
  cwnd = TCP_INIT_CWND;
  ssthresh = 0x7fffffff;
  cwndCnt = 0;
  dupAcks = 0;
  highSeq = 0; // NewReno recovery point
  inRecovery = false;
  // timers and their state
  rtt = new RttEstimator();
  backoff = 0;
  retransmits = 0; // consecutive RTO expiries (icsk_retransmits)
  totalRetrans = 0;
  private sent: SentInfo[] = [];
  private ooo: OooSeg[] = [];
  private quickAcks = TCP_MAX_QUICKACKS;
  private pendingAck = false;
  private segsSinceAck = 0;
  private ato = TCP_ATO_MIN;
  lastRecv = 0; // ns of the last segment received (ss -i lastrcv, keepalive idle)
  lastSend = 0; // ns of the last segment sent (ss -i lastsnd, slow start after idle)
  private probes = 0;
  // user side
  finQueued = false; // close()/shutdown(SHUT_WR) asked for a FIN
  finSent = false;
  rcvShutdown = false; // FIN received (or SHUT_RD)
  orphan = false; // closed by the user: nobody will read
  err: TcpError | undefined;
  private synRetries = 0;
  // statistics for ss -i and /proc
  bytesAcked = 0;
  bytesReceived = 0;
  segsOut = 0;
  segsIn = 0;
  dataSegsOut = 0;
  dataSegsIn = 0;
  /** Opened by connect() (tcp_info counts the SYN in bytes_acked only then). */
  activeOpen = false;

  readonly rtxTimer: TimerLike;
  readonly delackTimer: TimerLike;
  readonly keepaliveTimer: TimerLike; // also TIME_WAIT / FIN_WAIT2 timer, as Linux's sk_timer
  readonly persistTimer: TimerLike;

  constructor(
    readonly io: TcpIo,
    readonly cfg: TcpConfig,
  ) {
    this.rtxTimer = io.timer(() => this.onRetransmitTimer());
    this.delackTimer = io.timer(() => this.onDelackTimer());
    this.keepaliveTimer = io.timer(() => this.onKeepaliveTimer());
    this.persistTimer = io.timer(() => this.onPersistTimer());
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private tsNow(): number {
    // Linux tcp_time_stamp_ms plus the per-connection random offset (tcp_timestamps = 1).
    return (Math.floor(this.io.now() / MS) + this.tsOffset) >>> 0;
  }

  // ---- read-only views for the tools (ss -i, /proc/net/tcp) ------------------------------------------

  /** icsk_probes_out: unanswered zero-window or keepalive probes. */
  get probesOut(): number {
    return this.probes;
  }

  /** icsk_ack.ato, in ns. */
  get ackTimeout(): number {
    return this.ato;
  }

  /** icsk_ack.quick: ACKs still to send at once before delayed ACKs start. */
  get quickAcksLeft(): number {
    return this.quickAcks;
  }

  /** tp->packets_out: segments sent and not yet acknowledged. */
  get packetsOut(): number {
    return this.sent.length;
  }

  /** Bytes sent and not yet acknowledged, in sequence space (Linux tcp_packets_in_flight in bytes). */
  inFlight(): number {
    return seqDiff(this.sndNxt, this.sndUna);
  }

  /** The send MSS from the peer's MSS, our route and the options every segment carries (tcp_current_mss). */
  private syncMss(): void {
    let mss = Math.min(this.peerMss, this.cfg.advMss);
    if (this.cfg.userMss) mss = Math.min(mss, this.cfg.userMss);
    if (this.tsOk) mss -= TCPOLEN_TSTAMP_ALIGNED;
    if (this.cfg.segCap) mss = Math.min(mss, this.cfg.segCap);
    this.mssCache = Math.max(mss, 8);
  }

  // ---- windows -------------------------------------------------------------------------------------

  /** The window space the receive buffer allows (Linux tcp_space / tcp_full_space with adv_win_scale 1). */
  private windowSpace(): number {
    return Math.max(0, Math.floor(this.io.rcvSpace() / 2));
  }

  /**
   * The window to advertise now, scaled value returned (Linux __tcp_select_window, simplified):
   * free space rounded down to the scale granularity; never shrink the right edge already offered;
   * withhold tiny openings below one MSS (receiver-side silly window avoidance, RFC 1122 4.2.3.3).
   */
  private selectWindow(): number {
    const cur = Math.max(0, this.rcvWnd - seqDiff(this.rcvNxt, this.rcvWup));
    let win = this.windowSpace();
    const maxWin = 65535 << this.rcvWscale;
    if (win > maxWin) win = maxWin;
    if (win < this.rcvMss && win < this.windowSpace()) win = 0;
    if (win < Math.min(this.rcvMss, this.windowSpace()) && win < cur) win = cur;
    win = (win >> this.rcvWscale) << this.rcvWscale;
    if (win < cur) win = cur; // Linux refuses to shrink the offered window
    this.rcvWnd = win;
    this.rcvWup = this.rcvNxt;
    return win >>> this.rcvWscale;
  }

  /** The receive window still open to the peer (Linux tcp_receive_window). */
  private receiveWindow(): number {
    return Math.max(0, this.rcvWnd - seqDiff(this.rcvNxt, this.rcvWup));
  }

  // ---- output --------------------------------------------------------------------------------------

  private baseOptions(): TcpOptions {
    return this.tsOk ? { ts: { val: this.tsNow(), ecr: this.tsRecent } } : {};
  }

  private synOptions(): TcpOptions {
    const s = this.cfg.sysctl;
    const o: TcpOptions = {
      mss: this.cfg.userMss ? Math.min(this.cfg.userMss, this.cfg.advMss) : this.cfg.advMss,
    };
    if (s.tcp_sack) o.sackOk = true;
    if (s.tcp_timestamps) o.ts = { val: this.tsNow(), ecr: 0 };
    if (s.tcp_window_scaling) o.wscale = this.rcvWscale;
    return o;
  }

  /** Emit a segment and account it. */
  private xmit(seg: TcpOutSeg): void {
    this.segsOut++;
    if (seg.dataLen > 0) this.dataSegsOut++;
    this.lastSend = this.io.now();
    if (seg.flags & TCPF_ACK) this.ackSent();
    this.io.output(seg);
  }

  private ackSent(): void {
    this.pendingAck = false;
    this.segsSinceAck = 0;
    this.delackTimer.del();
  }

  /** A pure ACK (Linux tcp_send_ack). */
  sendAck(): void {
    if (this.state === TCP_CLOSE) return;
    const window = this.selectWindow();
    this.xmit({
      seq: this.sndNxt,
      ack: this.rcvNxt,
      flags: TCPF_ACK,
      window,
      options: this.baseOptions(),
      dataOff: 0,
      dataLen: 0,
    });
  }

  /** Send SYN (active open) or SYN-ACK (simultaneous open), retransmittable. */
  private sendSyn(withAck: boolean): void {
    this.xmit({
      seq: this.iss,
      ack: withAck ? this.rcvNxt : 0,
      flags: TCPF_SYN | (withAck ? TCPF_ACK : 0),
      window: Math.min(65535, this.synWindow()),
      options: this.synOptions(),
      dataOff: 0,
      dataLen: 0,
    });
  }

  /** The window in a SYN or SYN-ACK: never scaled, rounded down to a multiple of our MSS as Linux. */
  private synWindow(): number {
    let space = Math.min(this.windowSpace(), 65535);
    const mss = this.cfg.advMss;
    if (space > mss) space = Math.floor(space / mss) * mss;
    this.rcvWnd = space;
    this.rcvWup = this.rcvNxt;
    return space;
  }

  /** Nagle (RFC 896 as Linux tcp_nagle_check): hold a small segment while data is unacknowledged. */
  private nagleHolds(len: number, isLast: boolean): boolean {
    if (this.cfg.nodelay || len >= this.mssCache || !isLast) return false;
    if (this.finQueued) return false;
    return this.inFlight() > 0;
  }

  /** Send what the windows allow (Linux tcp_write_xmit). Returns true when something was sent. */
  pushPending(): boolean {
    if (
      this.state !== TCP_ESTABLISHED &&
      this.state !== TCP_CLOSE_WAIT &&
      this.state !== TCP_FIN_WAIT1 &&
      this.state !== TCP_CLOSING &&
      this.state !== TCP_LAST_ACK
    )
      return false;
    let sent = false;
    const buffered = this.io.sndBuffered();
    for (;;) {
      const off = seqDiff(this.sndNxt, this.sndUna);
      const unsent = buffered - off;
      const cwndBytes = this.cwnd * this.mssCache;
      const sndWndRoom = seqDiff(seqAdd(this.sndUna, this.sndWnd), this.sndNxt);
      const room = Math.min(cwndBytes - off, sndWndRoom);
      if (unsent > 0) {
        let len = Math.min(unsent, this.mssCache);
        if (room <= 0) break;
        if (len > room) {
          // Sender silly window avoidance: only send a partial segment when it is all that is left
          // or half the largest window the peer has offered (RFC 1122 4.2.3.4).
          if (room < this.mssCache && room < this.sndMaxWnd / 2 && room < unsent) break;
          len = room;
        }
        if (this.nagleHolds(len, len === unsent)) break;
        const fin = this.finQueued && !this.finSent && len === unsent;
        this.sendData(off, len, fin);
        sent = true;
        continue;
      }
      if (this.finQueued && !this.finSent && unsent === 0) {
        this.sendData(off, 0, true);
        sent = true;
      }
      break;
    }
    if (!sent && buffered > seqDiff(this.sndNxt, this.sndUna) && this.sndWnd === 0 && this.inFlight() === 0) {
      this.armPersist();
    }
    return sent;
  }

  private sendData(off: number, len: number, fin: boolean): void {
    const seq = this.sndNxt;
    const flags =
      TCPF_ACK | (fin ? TCPF_FIN : 0) | (len > 0 && off + len === this.io.sndBuffered() ? TCPF_PSH : 0);
    const window = this.selectWindow();
    this.sndNxt = seqAdd(this.sndNxt, len + (fin ? 1 : 0));
    if (fin) this.finSent = true;
    this.sent.push({ end: this.sndNxt, sentAt: this.io.now(), retransmitted: false });
    this.xmit({
      seq,
      ack: this.rcvNxt,
      flags,
      window,
      options: this.baseOptions(),
      dataOff: off,
      dataLen: len,
    });
    if (!this.rtxTimer.pending) this.armRetransmit();
  }

  /** Retransmit the first unacknowledged segment (Linux tcp_retransmit_skb for the head). */
  private retransmitHead(): void {
    const buffered = this.io.sndBuffered();
    const first = this.sent[0];
    if (!first) return;
    const span = seqDiff(first.end, this.sndUna);
    const finInSpan =
      this.finSent && first.end === this.sndNxt && span > 0 && seqDiff(first.end, this.sndUna) > buffered;
    const len = Math.min(span - (finInSpan ? 1 : 0), buffered, this.mssCache);
    const fin = finInSpan && len === span - 1;
    const window = this.selectWindow();
    first.retransmitted = true;
    this.totalRetrans++;
    this.io.count?.("RetransSegs");
    this.xmit({
      seq: this.sndUna,
      ack: this.rcvNxt,
      flags: TCPF_ACK | (fin ? TCPF_FIN : 0) | (len > 0 ? TCPF_PSH : 0),
      window,
      options: this.baseOptions(),
      dataOff: 0,
      dataLen: Math.max(0, len),
    });
  }

  // ---- active open -------------------------------------------------------------------------------

  /** Start an active open (Linux tcp_connect). */
  connect(iss: number, tsOffset: number): void {
    this.iss = iss >>> 0;
    this.tsOffset = tsOffset >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.writeSeq = this.sndNxt;
    this.rcvWscale = this.cfg.sysctl.tcp_window_scaling ? selectWscale(this.cfg.sysctl, this.cfg.rcvbuf) : 0;
    this.rcvMss = this.cfg.advMss;
    this.state = TCP_SYN_SENT;
    this.activeOpen = true;
    this.synRetries = 0;
    this.sendSyn(false);
    this.sent.push({ end: this.sndNxt, sentAt: this.io.now(), retransmitted: false });
    this.armRetransmit();
  }

  /**
   * Initialise a connection created by a listener from a request sock (Linux tcp_create_openreq_child):
   * the SYN's options, the SYN-ACK we sent, and the third ACK that completes the handshake.
   */
  initFromRequest(r: {
    iss: number;
    irs: number;
    peerMss: number;
    sndWscale: number;
    rcvWscale: number;
    wscaleOk: boolean;
    tsOk: boolean;
    sackOk: boolean;
    tsRecent: number;
    tsOffset: number;
    rcvWnd: number;
    synSentAt: number;
    synRetransmitted: boolean;
  }): void {
    this.iss = r.iss;
    this.irs = r.irs;
    this.sndUna = seqAdd(r.iss, 1);
    this.sndNxt = this.sndUna;
    this.writeSeq = this.sndNxt;
    this.rcvNxt = seqAdd(r.irs, 1);
    this.rcvWup = this.rcvNxt;
    this.rcvWnd = r.rcvWnd;
    this.peerMss = r.peerMss;
    this.wscaleOk = r.wscaleOk;
    this.sndWscale = r.wscaleOk ? r.sndWscale : 0;
    this.rcvWscale = r.wscaleOk ? r.rcvWscale : 0;
    this.tsOk = r.tsOk;
    this.sackOk = r.sackOk;
    this.tsRecent = r.tsRecent;
    this.tsOffset = r.tsOffset;
    this.rcvMss = this.cfg.advMss;
    this.state = TCP_SYN_RECV;
    this.syncMss();
    if (!r.synRetransmitted) this.rtt.sample(this.io.now() - r.synSentAt);
    this.lastRecv = this.io.now();
  }

  // ---- input -------------------------------------------------------------------------------------

  /** Process one inbound segment addressed to this connection (Linux tcp_rcv_state_process). */
  input(seg: TcpSegment): void {
    this.segsIn++;
    if (seg.len > 0) this.dataSegsIn++;
    if (this.state === TCP_SYN_SENT) {
      this.synSentInput(seg);
      return;
    }
    if (this.state === TCP_CLOSE) return;
    if (this.state === TCP_TIME_WAIT) {
      this.timeWaitInput(seg);
      return;
    }
    if (!this.validateIncoming(seg)) return;

    // Step 5 of RFC 9293 3.10.7.4: the ACK field.
    if (!(seg.flags & TCPF_ACK)) {
      // Linux drops ACK-less segments in synchronised states (except an RST, handled above).
      return;
    }
    if (this.state === TCP_SYN_RECV) {
      if (!between(seg.ack, seqAdd(this.sndUna, 0), this.sndNxt) || seg.ack === this.iss) {
        this.sendResetFor(seg);
        return;
      }
      this.sndUna = seg.ack;
      this.sndWnd = seg.window << this.sndWscale;
      this.sndMaxWnd = Math.max(this.sndMaxWnd, this.sndWnd);
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.sent = this.sent.filter((s) => after(s.end, seg.ack));
      this.rtxTimer.del();
      this.state = TCP_ESTABLISHED;
      this.io.established?.();
      this.io.wake();
    }
    if (!this.processAck(seg)) return;

    // Step 7: segment text. Step 8: FIN.
    if (seg.len > 0 || seg.flags & TCPF_FIN) this.dataQueue(seg);
    this.pushPending();
    this.maybeSendAck();
  }

  /** SYN_SENT (Linux tcp_rcv_synsent_state_process). */
  private synSentInput(seg: TcpSegment): void {
    const hasAck = (seg.flags & TCPF_ACK) !== 0;
    if (hasAck) {
      // RFC 9293: ack must be in (iss, snd_nxt]
      if (!after(seg.ack, this.iss) || after(seg.ack, this.sndNxt)) {
        if (!(seg.flags & TCPF_RST)) this.sendResetFor(seg);
        return;
      }
      if (seg.flags & TCPF_RST) {
        this.fail("ECONNREFUSED");
        return;
      }
    }
    if (seg.flags & TCPF_RST) return; // RST without ACK: ignore
    if (!(seg.flags & TCPF_SYN)) return;

    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.negotiate(seg.options);
    if (hasAck) {
      this.sndUna = seg.ack;
      this.sndWnd = seg.window; // RFC 7323 2.2: the window field of a SYN-ACK is never scaled
      this.sndMaxWnd = this.sndWnd;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      const first = this.sent.shift();
      if (first && !first.retransmitted) this.rtt.sample(this.io.now() - first.sentAt);
      this.rtxTimer.del();
      this.retransmits = 0;
      this.backoff = 0;
      this.state = TCP_ESTABLISHED;
      this.lastRecv = this.io.now();
      this.armKeepalive();
      this.sendAck();
      this.io.wake();
      this.pushPending();
      return;
    }
    // Simultaneous open: SYN without ACK (RFC 9293 3.5, Linux "simultaneous connect").
    this.state = TCP_SYN_RECV;
    this.sndWnd = seg.window;
    this.sndMaxWnd = this.sndWnd;
    this.sendSyn(true);
    this.armRetransmit();
  }

  /** Record what the peer's SYN offered and what we agreed (tcp_parse_options + tcp_finish_connect). */
  private negotiate(o: TcpOptions): void {
    const s = this.cfg.sysctl;
    this.peerMss = o.mss && o.mss > 0 ? o.mss : TCP_MSS_DEFAULT;
    this.wscaleOk = s.tcp_window_scaling !== 0 && o.wscale !== undefined;
    this.sndWscale = this.wscaleOk ? Math.min(o.wscale!, TCP_MAX_WSCALE) : 0;
    if (!this.wscaleOk) this.rcvWscale = 0;
    this.tsOk = s.tcp_timestamps !== 0 && o.ts !== undefined;
    if (this.tsOk) {
      this.tsRecent = o.ts!.val;
      this.tsRecentStamp = this.io.now();
    }
    this.sackOk = s.tcp_sack !== 0 && o.sackOk === true;
    this.syncMss();
  }

  /**
   * Acceptability, RST and SYN checks (Linux tcp_validate_incoming; RFC 9293 3.10.7.4 steps 1-4,
   * RFC 5961 for RST and SYN in synchronised states). Returns false when the segment is consumed.
   */
  private validateIncoming(seg: TcpSegment): boolean {
    const end = segEnd(seg);
    // Step 1: sequence number acceptable? (Linux tcp_sequence: !before(end_seq, rcv_wup) and
    // !after(seq, rcv_nxt + window))
    const winEnd = seqAdd(this.rcvNxt, this.receiveWindow());
    const acceptable = !before(end, this.rcvWup) && !after(seg.seq, winEnd);
    if (!acceptable) {
      if (!(seg.flags & TCPF_RST)) this.sendAck(); // RFC 9293: send ACK for an unacceptable segment
      return false;
    }
    // Step 2: RST. RFC 5961 3.2 as Linux: exact match resets, in-window sends a challenge ACK.
    if (seg.flags & TCPF_RST) {
      if (seg.seq === this.rcvNxt) {
        this.onReset();
      } else {
        this.sendAck(); // challenge ACK
      }
      return false;
    }
    // Timestamps: remember the peer's latest (Linux tcp_replace_ts_recent on segments that cover rcv_wup).
    if (
      this.tsOk &&
      seg.options.ts &&
      !after(seg.seq, this.rcvWup) &&
      afterEq(seg.options.ts.val, this.tsRecent)
    ) {
      this.tsRecent = seg.options.ts.val;
      this.tsRecentStamp = this.io.now();
    }
    // Step 4: SYN in a synchronised state: RFC 5961 4.2, challenge ACK.
    if (seg.flags & TCPF_SYN) {
      this.sendAck();
      return false;
    }
    return true;
  }

  private onReset(): void {
    // Linux tcp_reset(): ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT, else ECONNRESET.
    const e: TcpError =
      this.state === TCP_SYN_SENT ? "ECONNREFUSED" : this.state === TCP_CLOSE_WAIT ? "EPIPE" : "ECONNRESET";
    this.fail(e);
  }

  /** ACK processing (Linux tcp_ack). Returns false when the segment must be dropped. */
  private processAck(seg: TcpSegment): boolean {
    const ack = seg.ack;
    if (after(ack, this.sndNxt)) {
      // Acknowledges something not yet sent: Linux sends an ACK and drops (tcp_ack "invalid ack").
      this.sendAck();
      return false;
    }
    const now = this.io.now();
    this.lastRecv = now;
    if (before(ack, this.sndUna)) {
      // An old duplicate ACK: ignore the ACK field, keep processing the segment's data.
      return true;
    }
    // Window update (RFC 9293 / Linux tcp_may_update_window).
    const nwin = seg.flags & TCPF_SYN ? seg.window : seg.window << this.sndWscale;
    if (
      after(ack, this.sndUna) ||
      after(seg.seq, this.sndWl1) ||
      (seg.seq === this.sndWl1 && nwin > this.sndWnd)
    ) {
      const wasZero = this.sndWnd === 0;
      this.sndWnd = nwin;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      if (nwin > this.sndMaxWnd) this.sndMaxWnd = nwin;
      if (wasZero && nwin > 0) {
        this.persistTimer.del();
        this.probes = 0;
      }
    }
    const acked = seqDiff(ack, this.sndUna);
    if (acked > 0) {
      this.onNewAck(ack, acked, seg);
    } else if (
      acked === 0 &&
      seg.len === 0 &&
      !(seg.flags & TCPF_FIN) &&
      this.inFlight() > 0 &&
      nwin === this.sndWnd
    ) {
      this.onDupAck();
    }
    this.stateAfterAck(ack);
    return this.state !== TCP_CLOSE;
  }

  private onNewAck(ack: number, acked: number, seg: TcpSegment): void {
    // Free acknowledged send-buffer bytes; SYN and FIN occupy sequence space but no buffer bytes.
    let dataAcked = acked;
    if (this.finSent && ack === this.sndNxt) dataAcked -= 1;
    dataAcked = Math.min(dataAcked, this.io.sndBuffered());
    if (dataAcked > 0) this.io.sndAcked(dataAcked);
    this.bytesAcked += Math.max(0, dataAcked);
    this.sndUna = ack;
    // RTT sample: timestamps if negotiated (RFC 7323 RTTM), else the oldest acked segment under Karn's rule.
    let sampled = false;
    if (this.tsOk && seg.options.ts && seg.options.ts.ecr !== 0) {
      const rttMs = (this.tsNow() - seg.options.ts.ecr) >>> 0;
      if (rttMs < 0x7fffffff) {
        this.rtt.sample(Math.max(rttMs * MS, 1000));
        sampled = true;
      }
    }
    while (this.sent.length > 0 && !after(this.sent[0].end, ack)) {
      const s = this.sent.shift()!;
      if (!sampled && !s.retransmitted) {
        this.rtt.sample(this.io.now() - s.sentAt);
        sampled = true;
      }
    }
    this.retransmits = 0;
    this.backoff = 0;
    this.probes = 0;
    // Congestion control: NewReno (RFC 6582) recovery exit, else slow start / congestion avoidance.
    const segs = Math.max(1, Math.round(acked / this.mssCache));
    if (this.inRecovery) {
      if (afterEq(ack, this.highSeq)) {
        this.inRecovery = false;
        this.cwnd = Math.max(this.ssthresh, 2);
      } else {
        this.retransmitHead(); // partial ACK: retransmit the next hole
      }
    } else if (this.cwnd < this.ssthresh) {
      this.cwnd += segs;
    } else {
      this.cwndCnt += segs;
      if (this.cwndCnt >= this.cwnd) {
        this.cwndCnt -= this.cwnd;
        this.cwnd++;
      }
    }
    this.dupAcks = 0;
    if (this.inFlight() === 0) this.rtxTimer.del();
    else this.armRetransmit();
    this.io.wake(); // send-buffer space freed
  }

  private onDupAck(): void {
    this.dupAcks++;
    if (this.dupAcks === 3 && !this.inRecovery) {
      // Fast retransmit (RFC 5681 3.2): ssthresh = max(flight/2, 2), retransmit, enter recovery.
      this.ssthresh = Math.max(Math.floor(this.inFlight() / this.mssCache / 2), 2);
      this.cwnd = this.ssthresh + 3;
      this.inRecovery = true;
      this.highSeq = this.sndNxt;
      this.retransmitHead();
    } else if (this.inRecovery) {
      this.cwnd++; // window inflation
    }
  }

  /** State transitions driven by the ACK of our FIN (RFC 9293 3.10.7.4 step 5, per state). */
  private stateAfterAck(ack: number): void {
    const finAcked = this.finSent && ack === this.sndNxt;
    if (!finAcked) return;
    switch (this.state) {
      case TCP_FIN_WAIT1:
        this.state = TCP_FIN_WAIT2;
        this.rtxTimer.del();
        this.io.wake();
        // An orphaned FIN_WAIT2 lives tcp_fin_timeout (Linux tcp_rcv_state_process, TCP_FIN_WAIT1 case).
        if (this.orphan) this.keepaliveTimer.mod(this.io.now() + this.cfg.sysctl.tcp_fin_timeout * 1000 * MS);
        break;
      case TCP_CLOSING:
        this.enterTimeWait();
        break;
      case TCP_LAST_ACK:
        this.done();
        break;
    }
  }

  /** Queue payload and handle FIN (Linux tcp_data_queue + tcp_fin). */
  private dataQueue(seg: TcpSegment): void {
    if (
      seg.len > 0 &&
      this.orphan &&
      (this.state === TCP_FIN_WAIT1 || this.state === TCP_FIN_WAIT2) &&
      after(seqAdd(seg.seq, seg.len), this.rcvNxt)
    ) {
      // New data after close() (which set RCV_SHUTDOWN): Linux resets (tcp_rcv_state_process,
      // FIN_WAIT1/2 case, LINUX_MIB_TCPABORTONDATA).
      this.io.count?.("TCPAbortOnData");
      this.sendResetFor(seg);
      this.fail("ECONNRESET");
      return;
    }
    const end = seqAdd(seg.seq, seg.len);
    if (seg.len > 0) {
      if (!after(end, this.rcvNxt)) {
        // Entirely old (a retransmission): ACK at once (Linux tcp_data_queue, dsack path).
        this.quickAck();
        return;
      }
      if (after(seg.seq, this.rcvNxt)) {
        this.oooQueue(seg);
        this.quickAck(); // out-of-order: immediate duplicate ACK
        return;
      }
      const skip = seqDiff(this.rcvNxt, seg.seq);
      const room = this.receiveWindow();
      const len = Math.min(seg.len - skip, Math.max(room, 0));
      if (len <= 0) {
        this.quickAck();
        return;
      }
      this.io.rcvQueue(seg.payload, skip, len);
      this.rcvNxt = seqAdd(this.rcvNxt, len);
      this.bytesReceived += len;
      this.rcvMss = Math.max(
        Math.min(len, this.cfg.advMss),
        Math.min(this.rcvMss, len === seg.len ? len : this.rcvMss),
      );
      this.drainOoo();
      this.scheduleAck(len);
      this.io.wake();
    }
    if (seg.flags & TCPF_FIN && seqAdd(seg.seq, seg.len) === this.rcvNxt) this.onFin();
  }

  private oooQueue(seg: TcpSegment): void {
    const end = seqAdd(seg.seq, seg.len);
    if (after(end, seqAdd(this.rcvNxt, this.receiveWindow()))) return; // beyond the window
    for (const o of this.ooo) if (!before(seg.seq, o.seq) && !after(end, o.end)) return; // duplicate
    this.io.hold(seg.payload);
    const item = { seq: seg.seq, end, payload: seg.payload, skip: 0 };
    let i = 0;
    while (i < this.ooo.length && before(this.ooo[i].seq, seg.seq)) i++;
    this.ooo.splice(i, 0, item);
    if (seg.flags & TCPF_FIN) this.oooFin = end;
  }

  private oooFin: number | undefined;

  private drainOoo(): void {
    while (this.ooo.length > 0 && !after(this.ooo[0].seq, this.rcvNxt)) {
      const o = this.ooo.shift()!;
      if (after(o.end, this.rcvNxt)) {
        const skip = seqDiff(this.rcvNxt, o.seq);
        const len = seqDiff(o.end, this.rcvNxt);
        this.io.rcvQueue(o.payload, skip, len);
        this.rcvNxt = o.end;
        this.bytesReceived += len;
      }
      this.io.release(o.payload);
    }
    if (this.oooFin !== undefined && this.oooFin === this.rcvNxt) {
      this.oooFin = undefined;
      this.onFin();
    }
  }

  /** The peer's FIN, in order (Linux tcp_fin). */
  private onFin(): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.rcvShutdown = true;
    this.quickAck();
    switch (this.state) {
      case TCP_SYN_RECV:
      case TCP_ESTABLISHED:
        this.state = TCP_CLOSE_WAIT;
        break;
      case TCP_FIN_WAIT1:
        // Our FIN not yet acknowledged: simultaneous close (RFC 9293 figure 13).
        this.state = TCP_CLOSING;
        break;
      case TCP_FIN_WAIT2:
        this.enterTimeWait();
        break;
    }
    this.io.wake();
  }

  private quickAck(): void {
    this.pendingAck = true;
    this.segsSinceAck = 2;
  }

  /** Delayed ACK (RFC 1122 4.2.3.2, Linux __tcp_ack_snd_check): ACK every second full segment, or
   *  after the delayed-ACK timer; quick-ack mode at the start of a connection. */
  private scheduleAck(len: number): void {
    this.pendingAck = true;
    this.segsSinceAck += len >= this.rcvMss ? 1 : 0.5;
    if (this.quickAcks > 0) {
      this.quickAcks--;
      this.segsSinceAck = 2;
    }
  }

  private maybeSendAck(): void {
    if (!this.pendingAck || this.state === TCP_CLOSE) return;
    if (this.segsSinceAck >= 2) {
      this.sendAck();
      return;
    }
    if (!this.delackTimer.pending) this.delackTimer.mod(this.io.now() + Math.min(this.ato, TCP_DELACK_MAX));
  }

  /** After the reader drained the receive queue: send a window update when the window grew a lot
   *  (Linux tcp_cleanup_rbuf: rcv_window_now*2 <= window_clamp and new window >= 2*rcv_wnd). */
  onReadDrained(): void {
    if (this.state === TCP_CLOSE || this.state === TCP_SYN_SENT || this.state === TCP_TIME_WAIT) return;
    const cur = this.receiveWindow();
    const space = Math.min(this.windowSpace(), 65535 << this.rcvWscale);
    if (space - cur >= Math.max(this.rcvMss, 1) && (cur === 0 || space >= 2 * cur)) this.sendAck();
  }

  private timeWaitInput(seg: TcpSegment): void {
    // Linux tcp_timewait_state_process: a retransmitted FIN is ACKed again and restarts the timer;
    // an RST kills the TIME_WAIT socket (RFC 1337 hazard accepted as Linux does by default).
    if (seg.flags & TCPF_RST) {
      this.done();
      return;
    }
    if (seg.flags & TCPF_FIN) {
      this.sendAck();
      this.keepaliveTimer.mod(this.io.now() + TCP_TIMEWAIT_LEN);
      return;
    }
    if (seg.len > 0 || seg.flags & TCPF_SYN) this.sendAck();
  }

  private enterTimeWait(): void {
    this.state = TCP_TIME_WAIT;
    this.rtxTimer.del();
    this.delackTimer.del();
    this.persistTimer.del();
    this.keepaliveTimer.mod(this.io.now() + TCP_TIMEWAIT_LEN);
    this.io.wake();
  }

  // ---- timers ----------------------------------------------------------------------------------------

  private armRetransmit(): void {
    const rto = Math.min(this.rtt.rto * 2 ** this.backoff, TCP_RTO_MAX);
    this.rtxTimer.mod(this.io.now() + rto);
  }

  private onRetransmitTimer(): void {
    const s = this.cfg.sysctl;
    if (this.state === TCP_SYN_SENT || this.state === TCP_SYN_RECV) {
      if (this.synRetries >= (this.state === TCP_SYN_SENT ? s.tcp_syn_retries : s.tcp_synack_retries)) {
        this.fail("ETIMEDOUT");
        return;
      }
      this.synRetries++;
      this.backoff++;
      this.totalRetrans++;
      this.io.count?.("TCPTimeouts");
      this.io.count?.("TCPSynRetrans");
      this.io.count?.("RetransSegs");
      for (const x of this.sent) x.retransmitted = true;
      this.sendSyn(this.state === TCP_SYN_RECV);
      this.armRetransmit();
      return;
    }
    if (this.inFlight() === 0) return;
    if (this.retransmits >= s.tcp_retries2) {
      this.fail("ETIMEDOUT");
      return;
    }
    // RTO (RFC 5681 3.1 / RFC 6298 5.5): collapse the window, back off, retransmit the head.
    this.io.count?.("TCPTimeouts");
    this.ssthresh = Math.max(Math.floor(this.inFlight() / this.mssCache / 2), 2);
    this.cwnd = 1;
    this.cwndCnt = 0;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.retransmits++;
    this.backoff++;
    for (const x of this.sent) x.retransmitted = true;
    this.retransmitHead();
    this.armRetransmit();
  }

  private onDelackTimer(): void {
    if (!this.pendingAck) return;
    this.io.count?.("DelayedACKs");
    this.sendAck();
  }

  private armPersist(): void {
    if (this.persistTimer.pending) return;
    const t = Math.min(this.rtt.rto * 2 ** this.probes, TCP_RTO_MAX);
    this.persistTimer.mod(this.io.now() + t);
  }

  /** Zero-window probe (Linux tcp_probe_timer / tcp_write_wakeup): a segment the receiver must ACK. */
  private onPersistTimer(): void {
    if (this.sndWnd > 0 || this.state === TCP_CLOSE) return;
    this.probes++;
    if (this.probes > this.cfg.sysctl.tcp_retries2) {
      this.fail("ETIMEDOUT");
      return;
    }
    this.xmit({
      seq: seqAdd(this.sndUna, -1),
      ack: this.rcvNxt,
      flags: TCPF_ACK,
      window: this.selectWindow(),
      options: this.baseOptions(),
      dataOff: 0,
      dataLen: 0,
    });
    this.armPersist();
  }

  armKeepalive(): void {
    if (!this.cfg.keepalive || this.state !== TCP_ESTABLISHED) return;
    this.keepaliveTimer.mod(this.io.now() + this.cfg.sysctl.tcp_keepalive_time * 1000 * MS);
  }

  private onKeepaliveTimer(): void {
    if (this.state === TCP_TIME_WAIT) {
      this.io.count?.("TW"); // Linux tw_timer_handler: LINUX_MIB_TIMEWAITED
      this.done();
      return;
    }
    if (this.state === TCP_FIN_WAIT2 && this.orphan) {
      // tcp_fin_timeout expired for an orphan: Linux sends nothing more and frees it.
      this.done();
      return;
    }
    if (!this.cfg.keepalive || this.state !== TCP_ESTABLISHED) return;
    const s = this.cfg.sysctl;
    const idle = this.io.now() - this.lastRecv;
    if (idle < s.tcp_keepalive_time * 1000 * MS && this.probes === 0) {
      this.keepaliveTimer.mod(this.lastRecv + s.tcp_keepalive_time * 1000 * MS);
      return;
    }
    if (this.probes >= s.tcp_keepalive_probes) {
      this.fail("ETIMEDOUT");
      return;
    }
    this.probes++;
    this.io.count?.("TCPKeepAlive");
    this.xmit({
      seq: seqAdd(this.sndUna, -1),
      ack: this.rcvNxt,
      flags: TCPF_ACK,
      window: this.selectWindow(),
      options: this.baseOptions(),
      dataOff: 0,
      dataLen: 0,
    });
    this.keepaliveTimer.mod(this.io.now() + s.tcp_keepalive_intvl * 1000 * MS);
  }

  // ---- close ---------------------------------------------------------------------------------------

  /** shutdown(SHUT_WR) or the FIN part of close() (Linux tcp_shutdown / tcp_close_state). */
  shutdownWrite(): void {
    switch (this.state) {
      case TCP_ESTABLISHED:
      case TCP_SYN_RECV:
        this.state = TCP_FIN_WAIT1;
        break;
      case TCP_CLOSE_WAIT:
        this.state = TCP_LAST_ACK;
        break;
      default:
        return;
    }
    this.finQueued = true;
    this.pushPending();
    this.io.wake();
  }

  /**
   * close() (Linux tcp_close): unread data or SO_LINGER 0 -> RST and CLOSE; otherwise FIN after the
   * queued data, and the socket lives on as an orphan until the handshake ends.
   */
  close(unread: number, lingerZero: boolean): void {
    this.orphan = true;
    if (this.state === TCP_SYN_SENT || this.state === TCP_CLOSE) {
      this.done();
      return;
    }
    if (unread > 0 || lingerZero) {
      // RFC 2525 2.17: data lost on close -> RST (Linux increments LINUX_MIB_TCPABORTONCLOSE;
      // SO_LINGER with a zero timeout goes through tcp_disconnect and counts TCPAbortOnData).
      this.io.count?.(unread > 0 ? "TCPAbortOnClose" : "TCPAbortOnData");
      this.sendActiveReset();
      this.done();
      return;
    }
    if (this.state === TCP_ESTABLISHED || this.state === TCP_SYN_RECV || this.state === TCP_CLOSE_WAIT) {
      this.shutdownWrite();
    } else if (this.state === TCP_FIN_WAIT2) {
      this.keepaliveTimer.mod(this.io.now() + this.cfg.sysctl.tcp_fin_timeout * 1000 * MS);
    }
  }

  /** Send RST for the current connection (Linux tcp_send_active_reset). */
  sendActiveReset(): void {
    if (this.state === TCP_CLOSE || this.state === TCP_SYN_SENT || this.state === TCP_TIME_WAIT) return;
    this.xmit({
      seq: this.sndNxt,
      ack: this.rcvNxt,
      flags: TCPF_RST | TCPF_ACK,
      window: 0,
      options: {},
      dataOff: 0,
      dataLen: 0,
    });
  }

  /** RST in reply to a segment (RFC 9293 3.10.7.x "reset generation"), used for bad ACKs. */
  private sendResetFor(seg: TcpSegment): void {
    if (seg.flags & TCPF_ACK) {
      this.io.output({
        seq: seg.ack,
        ack: 0,
        flags: TCPF_RST,
        window: 0,
        options: {},
        dataOff: 0,
        dataLen: 0,
      });
    } else {
      this.io.output({
        seq: 0,
        ack: segEnd(seg),
        flags: TCPF_RST | TCPF_ACK,
        window: 0,
        options: {},
        dataOff: 0,
        dataLen: 0,
      });
    }
    this.segsOut++;
  }

  /** Abort with an error (Linux tcp_done after tcp_reset / tcp_write_err). */
  fail(e: TcpError): void {
    this.err = e;
    // Linux tcp_done(): a connection that dies while still opening is a failed attempt.
    if (this.state === TCP_SYN_SENT || this.state === TCP_SYN_RECV) this.io.count?.("AttemptFails");
    this.done();
  }

  /** Enter TCP_CLOSE and stop every timer (Linux tcp_done). */
  done(): void {
    // Linux tcp_set_state(TCP_CLOSE): leaving ESTABLISHED or CLOSE_WAIT for CLOSE is a reset.
    if (this.state === TCP_ESTABLISHED || this.state === TCP_CLOSE_WAIT) this.io.count?.("EstabResets");
    this.rtxTimer.del();
    this.delackTimer.del();
    this.keepaliveTimer.del();
    this.persistTimer.del();
    for (const o of this.ooo) this.io.release(o.payload);
    this.ooo = [];
    this.sent = [];
    this.state = TCP_CLOSE;
    this.rcvShutdown = true;
    this.io.wake();
    this.io.destroy();
  }

  /** Readiness facts the socket layer turns into poll bits. */
  get sendClosed(): boolean {
    return this.finQueued || this.state === TCP_CLOSE;
  }
}
