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
  TCPF_RST,
  TCPF_SYN,
  type TcpOptions,
  type TcpOutSeg,
  type TcpSegment,
} from "./segment.js";
import { seqAdd } from "./seq.js";
import { selectWscale, type TimerLike } from "./sock.js";
import { MS, TCP_MAX_WSCALE, TCP_MSS_DEFAULT, TCP_TIMEOUT_INIT, type TcpSysctl } from "./sysctl.js";

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
  synSentAt: number;
  synRetransmitted: boolean;
  retries: number;
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
  /** The MSS we advertise towards a peer (route MTU - 40). */
  advMss(daddr: number): number;
  userMss: number;
}

export class TcpListener {
  readonly synQueue = new Map<string, RequestSock>();
  acceptQueueLen = 0;

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
    const req: RequestSock = {
      saddr: seg.daddr,
      sport: seg.dport,
      daddr: seg.saddr,
      dport: seg.sport,
      iss,
      irs: seg.seq,
      peerMss: o.mss && o.mss > 0 ? o.mss : TCP_MSS_DEFAULT,
      sndWscale: wscaleOk ? Math.min(o.wscale!, TCP_MAX_WSCALE) : 0,
      rcvWscale: wscaleOk ? selectWscale(s, this.io.rcvbuf) : 0,
      wscaleOk,
      tsOk,
      sackOk: s.tcp_sack !== 0 && o.sackOk === true,
      tsRecent: tsOk ? o.ts!.val : 0,
      tsOffset,
      rcvWnd: 0,
      synSentAt: this.io.now(),
      synRetransmitted: false,
      retries: 0,
      timer: undefined as unknown as TimerLike,
    };
    req.timer = this.io.timer(() => this.onSynAckTimer(req));
    this.synQueue.set(TcpListener.key(req.saddr, req.sport, req.daddr, req.dport), req);
    this.sendSynAck(req);
    req.timer.mod(this.io.now() + TCP_TIMEOUT_INIT);
  }

  private synAckWindow(req: RequestSock): number {
    let space = Math.min(Math.floor(this.io.rcvbuf / 2), 65535);
    const mss = this.io.advMss(req.daddr);
    if (space > mss) space = Math.floor(space / mss) * mss;
    req.rcvWnd = space;
    return space;
  }

  private sendSynAck(req: RequestSock): void {
    const adv = this.io.advMss(req.daddr);
    const options: TcpOptions = { mss: this.io.userMss ? Math.min(this.io.userMss, adv) : adv };
    if (req.sackOk) options.sackOk = true;
    if (req.tsOk)
      options.ts = { val: (Math.floor(this.io.now() / MS) + req.tsOffset) >>> 0, ecr: req.tsRecent };
    if (req.wscaleOk) options.wscale = req.rcvWscale;
    this.io.output(req, {
      seq: req.iss,
      ack: seqAdd(req.irs, 1),
      flags: TCPF_SYN | TCPF_ACK,
      window: this.synAckWindow(req),
      options,
      dataOff: 0,
      dataLen: 0,
    });
  }

  private onSynAckTimer(req: RequestSock): void {
    if (req.retries >= this.sysctl.tcp_synack_retries) {
      this.drop(req);
      return;
    }
    req.retries++;
    req.synRetransmitted = true;
    this.sendSynAck(req);
    req.timer.mod(this.io.now() + Math.min(TCP_TIMEOUT_INIT * 2 ** req.retries, 120_000 * MS));
  }

  /** A segment for a pending request (Linux tcp_check_req). */
  private requestInput(req: RequestSock, seg: TcpSegment): void {
    if (seg.flags & TCPF_RST) {
      if (seg.seq === seqAdd(req.irs, 1)) this.drop(req);
      return;
    }
    if (seg.flags & TCPF_SYN && !(seg.flags & TCPF_ACK) && seg.seq === req.irs) {
      // A retransmitted SYN: resend the SYN-ACK (Linux inet_rtx_syn_ack).
      req.synRetransmitted = true;
      this.sendSynAck(req);
      return;
    }
    if (!(seg.flags & TCPF_ACK)) return;
    if (seg.ack !== seqAdd(req.iss, 1)) {
      this.reset(seg);
      return;
    }
    if (this.acceptQueueFull()) {
      // Linux tcp_check_req "listen_overflow": drop the ACK, keep the request.
      this.io.count("ListenOverflows");
      this.io.count("ListenDrops");
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
