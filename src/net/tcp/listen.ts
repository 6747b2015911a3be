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
  count(name: "ListenOverflows" | "ListenDrops" | "PassiveOpens" | "TCPReqQFullDrop" | "OutRsts"): void;
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
    // SYN queue full (inet_csk_reqsk_queue_is_full: qlen >= backlog). SYN cookies are the TCP issue's;
    // until then a full SYN queue drops the SYN as Linux does with tcp_syncookies = 0.
    if (this.synQueue.size >= Math.max(this.backlog, 1)) {
      this.io.count("TCPReqQFullDrop");
      this.io.count("ListenDrops");
      return;
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
    req.timer = this.io.timer(() => this.onSynAckTimer(req));
    this.synQueue.set(TcpListener.key(req.saddr, req.sport, req.daddr, req.dport), req);
    this.sendSynAck(req);
    req.timer.mod(this.io.now() + TCP_TIMEOUT_INIT);
  }

  /** The window in a SYN-ACK is never scaled (RFC 7323 2.2): at most 65535. */
  private synAckWindow(req: RequestSock): number {
    return Math.min(req.rcvWnd, 65535);
  }

  private sendSynAck(req: RequestSock): void {
    const options: TcpOptions = { mss: req.advMss };
    if (req.sackOk) options.sackOk = true;
    if (req.tsOk)
      options.ts = { val: (Math.floor(this.io.now() / MS) + req.tsOffset) >>> 0, ecr: req.tsRecent };
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
      options.ts = { val: (Math.floor(this.io.now() / MS) + req.tsOffset) >>> 0, ecr: req.tsRecent };
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
