// A listening socket's two queues, as Linux keeps them (net/ipv4/inet_connection_sock.c,
// tcp_conn_request, tcp_check_req):
//   - the SYN queue: request socks (TCP_NEW_SYN_RECV) for handshakes in progress, each with its own
//     SYN-ACK retransmit timer (tcp_synack_retries);
//   - the accept queue: children that completed the handshake, waiting for accept().
// Overflow as Linux: a SYN that finds the accept queue full is dropped (ListenOverflows and
// ListenDrops); a third ACK that finds it full is dropped and the request stays, so the SYN-ACK
// retransmit gives the client another chance (tcp_abort_on_overflow = 0).

import {
  segEnd,
  TCPF_ACK,
  TCPF_CWR,
  TCPF_ECE,
  TCPF_RST,
  TCPF_SYN,
  type TcpOptions,
  type TcpOutSeg,
  type TcpSegment,
} from "./segment.js";
import { after, before, seqAdd } from "./seq.js";
import { initialWindow, type TimerLike, winFromSpace } from "./sock.js";
import {
  MS,
  TCP_MAX_WSCALE,
  TCP_MSS_DEFAULT,
  TCP_RTO_MAX,
  TCP_TIMEOUT_INIT,
  TCPOLEN_TSTAMP_ALIGNED,
  type TcpSysctl,
} from "./sysctl.js";

export interface RequestSock {
  saddr: number; // our address (the SYN's destination)
  sport: number;
  daddr: number; // the peer
  dport: number;
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
  windowClamp: number;
  advMss: number;
  synSentAt: number;
  synRetransmitted: boolean;
  retries: number;
  /** The SYN asked for ECN (ECE|CWR, not ECT-marked) and net.ipv4.tcp_ecn allows it. */
  ecnOk: boolean;
  /** The handshake's ACK came but TCP_DEFER_ACCEPT (or a full accept queue) held it (inet_rsk->acked). */
  acked: boolean;
  timer: TimerLike;
}

export interface ListenIo {
  now(): number;
  timer(fn: () => void): TimerLike;
  /** Transmit a segment for a request sock (addresses from the request). */
  output(req: { saddr: number; sport: number; daddr: number; dport: number }, seg: TcpOutSeg): void;
  /** ISN and timestamp offset for a new connection (Linux secure_tcp_seq / secure_tcp_ts_off). */
  isn(saddr: number, sport: number, daddr: number, dport: number): { iss: number; tsOffset: number };
  /** Make the child socket from a completed handshake; returns false when it cannot (no memory). */
  createChild(req: RequestSock, ack: TcpSegment): boolean;
  /** Counters (TcpExt names). */
  count(
    name:
      | "ListenOverflows"
      | "ListenDrops"
      | "PassiveOpens"
      | "TCPReqQFullDrop"
      | "TCPReqQFullDoCookies"
      | "SyncookiesSent"
      | "SyncookiesRecv"
      | "SyncookiesFailed"
      | "OutRsts",
  ): void;
  /** Room in the receive buffer of a new child (for the SYN-ACK window). */
  rcvbuf: number;
  /** SO_RCVBUF was set on the listener: the window is clamped to it. */
  rcvbufLocked: boolean;
  /** TCP_WINDOW_CLAMP of the listener (0: none). */
  windowClamp: number;
  /** The MSS we advertise towards a peer (route MTU - 40). */
  advMss(daddr: number): number;
  userMss: number;
}

export class TcpListener {
  readonly synQueue = new Map<string, RequestSock>();
  acceptQueueLen = 0;
  /** TCP_DEFER_ACCEPT as SYN-ACK retransmissions (rskq_defer_accept). */
  deferAccept = 0;
  private lastOowAck = 0;

  constructor(
    readonly io: ListenIo,
    readonly sysctl: TcpSysctl,
    public backlog: number,
  ) {}

  static key(saddr: number, sport: number, daddr: number, dport: number): string {
    return `${saddr}:${sport}:${daddr}:${dport}`;
  }

  /** Linux sk_acceptq_is_full(): strictly more than the backlog, so backlog + 1 connections fit. */
  acceptQueueFull(): boolean {
    return this.acceptQueueLen > this.backlog;
  }

  /** A segment addressed to the listener (Linux tcp_v4_rcv -> tcp_rcv_state_process in LISTEN). */
  input(seg: TcpSegment): void {
    const key = TcpListener.key(seg.daddr, seg.dport, seg.saddr, seg.sport);
    const req = this.synQueue.get(key);
    if (req) {
      this.requestInput(req, seg);
      return;
    }
    if (seg.flags & TCPF_RST) return;
    if (seg.flags & TCPF_ACK) {
      if (this.cookieCheck(seg)) return;
      // RFC 9293 LISTEN: an ACK gets <SEQ=SEG.ACK><CTL=RST>.
      this.reset(seg);
      return;
    }
    if (!(seg.flags & TCPF_SYN)) return;
    this.onSyn(seg);
  }

  private onSyn(seg: TcpSegment): void {
    // Linux tcp_conn_request(): accept queue full -> drop the SYN.
    if (this.acceptQueueFull()) {
      this.io.count("ListenOverflows");
      this.io.count("ListenDrops");
      return;
    }
    // SYN queue full (inet_csk_reqsk_queue_is_full: qlen >= backlog): with tcp_syncookies = 1 the
    // SYN-ACK carries a cookie and no request is kept (memory stays bounded); with 0 the SYN is dropped.
    let cookie = false;
    if (this.synQueue.size >= Math.max(this.backlog, 1) || this.sysctl.tcp_syncookies === 2) {
      if (this.sysctl.tcp_syncookies === 0) {
        this.io.count("TCPReqQFullDrop");
        this.io.count("ListenDrops");
        return;
      }
      this.io.count("TCPReqQFullDoCookies");
      this.lastOverflow = this.io.now();
      cookie = true;
    }
    const s = this.sysctl;
    const o = seg.options;
    const { iss, tsOffset } = this.io.isn(seg.daddr, seg.dport, seg.saddr, seg.sport);
    const wscaleOk = s.tcp_window_scaling !== 0 && o.wscale !== undefined;
    const tsOk = s.tcp_timestamps !== 0 && o.ts !== undefined;
    // tcp_openreq_init_rwin(): window, clamp and scale from the listener's buffer and our MSS.
    const adv = this.io.advMss(seg.saddr);
    const advMss = this.io.userMss ? Math.min(this.io.userMss, adv) : adv;
    const fullSpace = winFromSpace(s, this.io.rcvbuf);
    let clamp = this.io.windowClamp;
    if (this.io.rcvbufLocked && (clamp > fullSpace || clamp === 0)) clamp = fullSpace;
    const peerMss = o.mss && o.mss > 0 ? o.mss : TCP_MSS_DEFAULT;
    const mss = advMss - (tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
    const win = initialWindow(s, fullSpace, mss, clamp, wscaleOk);
    const req: RequestSock = {
      saddr: seg.daddr,
      sport: seg.dport,
      daddr: seg.saddr,
      dport: seg.sport,
      iss,
      irs: seg.seq,
      peerMss: this.io.userMss ? Math.min(peerMss, this.io.userMss) : peerMss,
      sndWscale: wscaleOk ? Math.min(o.wscale!, TCP_MAX_WSCALE) : 0,
      rcvWscale: wscaleOk ? win.rcvWscale : 0,
      wscaleOk,
      tsOk,
      sackOk: s.tcp_sack !== 0 && o.sackOk === true,
      tsRecent: tsOk ? o.ts!.val : 0,
      tsOffset,
      rcvWnd: win.rcvWnd,
      windowClamp: win.windowClamp,
      advMss,
      synSentAt: this.io.now(),
      synRetransmitted: false,
      retries: 0,
      acked: false,
      // tcp_ecn_create_request(): ECE and CWR on a SYN that is not itself ECT-marked.
      ecnOk: (seg.flags & (TCPF_ECE | TCPF_CWR)) === (TCPF_ECE | TCPF_CWR) && !seg.ecn && s.tcp_ecn !== 0,
      timer: undefined as unknown as TimerLike,
    };
    if (cookie) {
      // Linux cookie_v4_init_sequence + cookie_init_timestamp: the ISN carries the MSS, the timestamp
      // the window scale, SACK and ECN; nothing is stored, nothing is retransmitted.
      const mssIdx = cookieMssIndex(req.peerMss);
      req.iss = this.cookieSeq(req, mssIdx);
      req.peerMss = COOKIE_MSS[mssIdx];
      this.cookieTs = tsOk ? cookieTimestamp(req, this.io.now()) : undefined;
      this.io.count("SyncookiesSent");
      this.sendSynAck(req);
      this.cookieTs = undefined;
      return;
    }
    req.timer = this.io.timer(() => this.onSynAckTimer(req));
    this.synQueue.set(TcpListener.key(req.saddr, req.sport, req.daddr, req.dport), req);
    this.sendSynAck(req);
    req.timer.mod(this.io.now() + TCP_TIMEOUT_INIT);
  }

  /** When the SYN queue last overflowed (Linux tcp_synq_overflow): cookies are checked for 2 minutes. */
  private lastOverflow = Number.NEGATIVE_INFINITY;
  /** The timestamp value of the cookie SYN-ACK being sent (options encoded in its low bits). */
  private cookieTs: number | undefined;
  /** Keys for the cookie hashes, from the host's seeded ISN generator (no other randomness). */
  private cookieKeys: number[] | undefined;
  private get cookieSecret(): number[] {
    if (!this.cookieKeys) {
      const k = this.io.isn(0x7f000001, 1, 0x7f000001, 2);
      this.cookieKeys = [k.iss, k.tsOffset];
    }
    return this.cookieKeys;
  }

  /** Linux __cookie_v4_init_sequence: hash1 + sseq + (count << 24) + ((hash2(count) + data) & mask). */
  private cookieSeq(req: RequestSock, data: number): number {
    const count = Math.floor(this.io.now() / COOKIE_MINUTE);
    const t = req.saddr ^ req.daddr ^ ((req.sport << 16) | req.dport);
    const h1 = cookieHash(t, 0, this.cookieSecret[0]);
    const h2 = cookieHash(t, count, this.cookieSecret[1]);
    return (h1 + req.irs + ((count << COOKIEBITS) >>> 0) + ((h2 + data) & COOKIEMASK)) >>> 0;
  }

  /**
   * Linux cookie_v4_check / __cookie_v4_check: an ACK for no request may complete a handshake whose
   * SYN got a cookie (only within 2 minutes of an overflow). Returns false when it is not a cookie.
   */
  private cookieCheck(seg: TcpSegment): boolean {
    const s = this.sysctl;
    if (s.tcp_syncookies === 0 || this.io.now() - this.lastOverflow > 2 * COOKIE_MINUTE) return false;
    if (seg.flags & (TCPF_SYN | TCPF_RST) || !(seg.flags & TCPF_ACK)) return false;
    const iss = seqAdd(seg.ack, -1);
    const irs = seqAdd(seg.seq, -1);
    const saddr = seg.daddr;
    const sport = seg.dport;
    const t = saddr ^ seg.saddr ^ ((sport << 16) | seg.sport);
    const h1 = cookieHash(t, 0, this.cookieSecret[0]);
    let c = (iss - h1 - irs) >>> 0;
    const count = Math.floor(this.io.now() / COOKIE_MINUTE);
    const diff = (count - (c >>> COOKIEBITS)) & (0xffffffff >>> COOKIEBITS);
    if (diff >= MAX_SYNCOOKIE_AGE) return false;
    c = ((c - cookieHash(t, count - diff, this.cookieSecret[1])) & COOKIEMASK) >>> 0;
    if (c >= COOKIE_MSS.length) {
      this.io.count("SyncookiesFailed");
      return false;
    }
    this.io.count("SyncookiesRecv");
    const o = seg.options;
    // cookie_decode_options: the echoed timestamp carries what the SYN offered.
    let wscaleOk = false;
    let sndWscale = 0;
    let sackOk = false;
    let tsOk = false;
    if (o.ts && s.tcp_timestamps) {
      tsOk = true;
      const bits = o.ts.ecr & TS_OPT_MASK;
      sndWscale = bits & TS_OPT_WSCALE_MASK;
      wscaleOk = sndWscale !== TS_OPT_WSCALE_MASK && s.tcp_window_scaling !== 0;
      if (!wscaleOk) sndWscale = 0;
      sackOk = (bits & TS_OPT_SACK) !== 0 && s.tcp_sack !== 0;
    }
    const adv = this.io.advMss(seg.saddr);
    const advMss = this.io.userMss ? Math.min(this.io.userMss, adv) : adv;
    const fullSpace = winFromSpace(s, this.io.rcvbuf);
    const win = initialWindow(
      s,
      fullSpace,
      advMss - (tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0),
      this.io.windowClamp,
      wscaleOk,
    );
    const req: RequestSock = {
      saddr,
      sport,
      daddr: seg.saddr,
      dport: seg.sport,
      iss,
      irs,
      peerMss: COOKIE_MSS[c],
      sndWscale,
      rcvWscale: wscaleOk ? win.rcvWscale : 0,
      wscaleOk,
      tsOk,
      sackOk,
      tsRecent: tsOk ? o.ts!.val : 0,
      tsOffset: this.io.isn(saddr, sport, seg.saddr, seg.sport).tsOffset,
      rcvWnd: win.rcvWnd,
      windowClamp: win.windowClamp,
      advMss,
      synSentAt: this.io.now(),
      synRetransmitted: true, // no RTT sample from a cookie handshake
      retries: 0,
      acked: false,
      ecnOk: false,
      timer: { mod() {}, del() {}, pending: false },
    };
    if (this.acceptQueueFull()) {
      this.io.count("ListenOverflows");
      this.io.count("ListenDrops");
      return true;
    }
    if (!this.io.createChild(req, seg)) this.io.count("ListenDrops");
    else this.io.count("PassiveOpens");
    return true;
  }

  /** The window in a SYN-ACK is never scaled (RFC 7323 2.2): at most 65535. */
  private synAckWindow(req: RequestSock): number {
    return Math.min(req.rcvWnd, 65535);
  }

  private sendSynAck(req: RequestSock): void {
    const options: TcpOptions = { mss: req.advMss };
    if (req.sackOk) options.sackOk = true;
    if (req.tsOk)
      options.ts = {
        val: this.cookieTs ?? (Math.floor(this.io.now() / MS) + req.tsOffset) >>> 0,
        ecr: req.tsRecent,
      };
    if (req.wscaleOk) options.wscale = req.rcvWscale;
    this.io.output(req, {
      seq: req.iss,
      ack: seqAdd(req.irs, 1),
      flags: TCPF_SYN | TCPF_ACK | (req.ecnOk ? TCPF_ECE : 0),
      window: this.synAckWindow(req),
      options,
      dataOff: 0,
      dataLen: 0,
    });
  }

  /** Linux reqsk_timer_handler() with syn_ack_recalc() for TCP_DEFER_ACCEPT. */
  private onSynAckTimer(req: RequestSock): void {
    const max = this.sysctl.tcp_synack_retries;
    let expire: boolean;
    let resend: boolean;
    if (!this.deferAccept) {
      expire = req.retries >= max;
      resend = true;
    } else {
      expire = req.retries >= max && (!req.acked || req.retries >= this.deferAccept);
      resend = !req.acked || req.retries >= this.deferAccept - 1;
    }
    if (expire) {
      this.drop(req);
      return;
    }
    if (resend) {
      req.synRetransmitted = true;
      this.sendSynAck(req);
    }
    req.retries++;
    req.timer.mod(this.io.now() + Math.min(TCP_TIMEOUT_INIT * 2 ** req.retries, TCP_RTO_MAX));
  }

  /** Per-listener rate limit of out-of-window ACKs (tcp_oow_rate_limited, tcp_invalid_ratelimit). */
  private oowLimited(): boolean {
    const now = Math.floor(this.io.now() / MS) + 1;
    if (this.lastOowAck && now - this.lastOowAck < this.sysctl.tcp_invalid_ratelimit) return true;
    this.lastOowAck = now;
    return false;
  }

  /** An ACK from the request sock (tcp_v4_reqsk_send_ack): our SYN-ACK's sequence space acknowledged. */
  private sendReqAck(req: RequestSock): void {
    const options: TcpOptions = {};
    if (req.tsOk)
      options.ts = {
        val: this.cookieTs ?? (Math.floor(this.io.now() / MS) + req.tsOffset) >>> 0,
        ecr: req.tsRecent,
      };
    this.io.output(req, {
      seq: seqAdd(req.iss, 1),
      ack: seqAdd(req.irs, 1),
      flags: TCPF_ACK,
      window: Math.floor(Math.min(req.rcvWnd, 65535 * 2 ** req.rcvWscale) / 2 ** req.rcvWscale),
      options,
      dataOff: 0,
      dataLen: 0,
    });
  }

  /** A segment for a pending request (Linux tcp_check_req). */
  private requestInput(req: RequestSock, seg: TcpSegment): void {
    const rcvNxt = seqAdd(req.irs, 1);
    const flg = seg.flags & (TCPF_RST | TCPF_SYN | TCPF_ACK);
    if (seg.seq === req.irs && flg === TCPF_SYN) {
      // A retransmitted SYN: resend the SYN-ACK (Linux inet_rtx_syn_ack).
      if (!this.oowLimited()) {
        req.synRetransmitted = true;
        this.sendSynAck(req);
      }
      return;
    }
    if (seg.flags & TCPF_ACK && seg.ack !== seqAdd(req.iss, 1)) {
      this.reset(seg);
      return;
    }
    // tcp_in_window(seq, end_seq, rcv_nxt, rcv_nxt + rcv_wnd)
    const end = segEnd(seg);
    const inWindow =
      seg.seq === rcvNxt || (!before(end, rcvNxt) && !after(seg.seq, seqAdd(rcvNxt, req.rcvWnd)));
    if (!inWindow) {
      if (!(seg.flags & TCPF_RST) && !this.oowLimited()) this.sendReqAck(req);
      return;
    }
    if (seg.flags & (TCPF_RST | TCPF_SYN)) {
      // embryonic_reset: a bad SYN gets an RST; either way the request is dropped.
      if (!(seg.flags & TCPF_RST)) this.reset(seg);
      this.drop(req);
      return;
    }
    if (!(seg.flags & TCPF_ACK)) return;
    // While TCP_DEFER_ACCEPT is active, a bare ACK is dropped (the request waits for data).
    if (req.retries < this.deferAccept && end === rcvNxt) {
      req.acked = true;
      return;
    }
    if (this.acceptQueueFull()) {
      // Linux tcp_check_req "listen_overflow": drop the ACK, keep the request (tcp_abort_on_overflow 0).
      this.io.count("ListenOverflows");
      this.io.count("ListenDrops");
      if (this.sysctl.tcp_abort_on_overflow) {
        this.reset(seg);
        this.drop(req);
      } else req.acked = true;
      return;
    }
    this.synQueue.delete(TcpListener.key(req.saddr, req.sport, req.daddr, req.dport));
    req.timer.del();
    if (!this.io.createChild(req, seg)) {
      this.io.count("ListenDrops");
      return;
    }
    this.io.count("PassiveOpens");
  }

  private drop(req: RequestSock): void {
    req.timer.del();
    this.synQueue.delete(TcpListener.key(req.saddr, req.sport, req.daddr, req.dport));
  }

  /** RST in reply to a segment that matches nothing (Linux tcp_v4_send_reset). */
  private reset(seg: TcpSegment): void {
    const ack = (seg.flags & TCPF_ACK) !== 0;
    this.io.output(
      { saddr: seg.daddr, sport: seg.dport, daddr: seg.saddr, dport: seg.sport },
      {
        seq: ack ? seg.ack : 0,
        ack: ack ? 0 : segEnd(seg),
        flags: ack ? TCPF_RST : TCPF_RST | TCPF_ACK,
        window: 0,
        options: {},
        dataOff: 0,
        dataLen: 0,
      },
    );
    this.io.count("OutRsts");
  }

  /** close() of the listener: every pending request is dropped (children in the accept queue are
   *  reset by the socket layer, as Linux inet_csk_listen_stop). */
  close(): void {
    for (const r of this.synQueue.values()) r.timer.del();
    this.synQueue.clear();
  }
}

// ---- SYN cookies (Linux net/ipv4/syncookies.c) -------------------------------------------------------
const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;
const COOKIE_MINUTE = 60_000 * MS; // the cookie's counter ticks once a minute (jiffies / (60 * HZ))
const MAX_SYNCOOKIE_AGE = 2;
/** Linux msstab: the MSS values a cookie can carry (two bits). */
const COOKIE_MSS = [536, 1300, 1440, 1460];
const TSBITS = 6;
const TS_OPT_WSCALE_MASK = 0xf;
const TS_OPT_SACK = 1 << 4;
const TS_OPT_ECN = 1 << 5;
const TS_OPT_MASK = (1 << TSBITS) - 1;

/** The largest table MSS not above the peer's (cookie_v4_init_sequence). */
function cookieMssIndex(mss: number): number {
  for (let i = COOKIE_MSS.length - 1; i > 0; i--) if (mss >= COOKIE_MSS[i]) return i;
  return 0;
}

/** A keyed mix standing in for Linux's siphash of the 4-tuple and the minute counter. */
function cookieHash(t: number, count: number, secret: number): number {
  let h = (t ^ secret ^ Math.imul(count + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Linux cookie_init_timestamp: the options go in the low 6 bits of a tsval never above now. */
function cookieTimestamp(req: RequestSock, now: number): number {
  let options = req.wscaleOk ? req.sndWscale : TS_OPT_WSCALE_MASK;
  if (req.sackOk) options |= TS_OPT_SACK;
  if (req.ecnOk) options |= TS_OPT_ECN;
  const tsNow = (Math.floor(now / MS) + req.tsOffset) >>> 0;
  let ts = ((tsNow & ~TS_OPT_MASK) | options) >>> 0;
  if (ts > tsNow) ts = (ts - (1 << TSBITS)) >>> 0;
  return ts;
}
