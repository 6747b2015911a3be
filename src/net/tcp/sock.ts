// The TCP state machine for one connection (Linux struct tcp_sock), kept free of bytes and clocks:
// it takes parsed segments and the time, and calls its TcpIo for everything else (transmit, timers,
// payload storage, wakeups). Read RFC 9293 section 3.10 (event processing) first; where Linux and the
// RFC differ we follow Linux (net/ipv4/tcp_input.c, tcp_output.c, tcp_timer.c, tcp_recovery.c).
//
// Layout of the file, in the order a connection lives:
//   helpers, MSS and windows (tcp_current_mss, __tcp_select_window)
//   transmit (tcp_transmit_skb with GSO-style segmentation, tcp_send_ack, delayed ACKs)
//   the write path (tcp_sendmsg's skb building, tcp_write_xmit, Nagle, TSO sizing, tcp_send_fin)
//   connect / SYN_SENT (tcp_connect, tcp_rcv_synsent_state_process)
//   input (tcp_rcv_state_process, tcp_validate_incoming, PAWS)
//   ACK processing (tcp_ack, tcp_clean_rtx_queue, SACK scoreboard, RACK, F-RTO, PRR, undo)
//   data reception (tcp_data_queue, out-of-order queue and SACK blocks, tcp_fin)
//   timers (retransmit/TLP/RACK/zero-window probe, delayed ACK, keepalive, TIME_WAIT, FIN_WAIT2)
//   close / shutdown / abort
//
// Segmentation. Skbs are sized as Linux sizes them with TSO (up to size_goal bytes when queued, up to
// tcp_tso_autosize() segments when sent); the device has no TSO, so each skb leaves as MSS-sized
// segments the way GSO would cut it: the header (window, options) computed once, FIN and PSH on the
// last segment only. Linux forces PSH on every multi-segment skb it transmits (a GRO flush hint,
// tcp_output.c __tcp_transmit_skb); a single-segment skb carries PSH only when it was marked (the end
// of a write, a forced push).
import {
  CA_EVENT_COMPLETE_CWR,
  CA_EVENT_CWND_RESTART,
  CA_EVENT_LOSS,
  CA_EVENT_TX_START,
  type CcSock,
  type CongestionOps,
  createCongestionOps,
  createCubic,
  TCP_CA_CWR,
  TCP_CA_Disorder,
  TCP_CA_Loss,
  TCP_CA_Open,
  TCP_CA_Recovery,
  TCP_INFINITE_SSTHRESH,
} from "./cc.js";
import { RttEstimator, usToJiffiesNs } from "./rtt.js";
import {
  segEnd,
  TCPF_ACK,
  TCPF_CWR,
  TCPF_ECE,
  TCPF_FIN,
  TCPF_PSH,
  TCPF_RST,
  TCPF_SYN,
  type TcpOptions,
  type TcpOutSeg,
  type TcpSegment,
} from "./segment.js";
import { after, before, between, seqAdd, seqDiff } from "./seq.js";
import {
  setTsoSegs,
  skbLen,
  splitSkb,
  TCPCB_EVER_RETRANS,
  TCPCB_LOST,
  TCPCB_RETRANS,
  TCPCB_SACKED_ACKED,
  TCPCB_SACKED_RETRANS,
  type TcpSkb,
} from "./skbq.js";
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
  TCP_DELACK_MIN,
  TCP_FASTRETRANS_THRESH,
  TCP_INIT_CWND,
  TCP_MAX_QUICKACKS,
  TCP_MAX_WSCALE,
  TCP_MIN_MSS,
  TCP_MIN_SND_MSS,
  TCP_MSS_DEFAULT,
  TCP_NUM_SACKS,
  TCP_PAWS_WINDOW,
  TCP_RACK_RECOVERY_THRESH,
  TCP_RESOURCE_PROBE_INTERVAL,
  TCP_RTO_MAX,
  TCP_RTO_MIN,
  TCP_TIMEOUT_INIT,
  TCP_TIMEOUT_MIN,
  TCP_TIMEWAIT_LEN,
  TCPOLEN_SACK_BASE_ALIGNED,
  TCPOLEN_SACK_PERBLOCK,
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
  | "TCPLossProbes"
  | "TCPSackRecovery"
  | "TCPRenoRecovery"
  | "TCPChallengeACK"
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
  /**
   * Readiness may have changed: wake waiters. `key` says what happened, as Linux's wake keys do:
   * WAKE_DATA for data queued (sk_data_ready); none for a state change or error (sk_state_change).
   * Freed send space goes through writeSpace instead.
   */
  wake(key?: number): void;
  /**
   * Linux tcp_new_space -> sk_write_space: called only while a writer is short of space (noSpace,
   * SOCK_NOSPACE); the socket layer wakes writers if there is room now and clears noSpace.
   * Optional: without it, wake() is called.
   */
  writeSpace?(): void;
  /** The connection reached a final state and may be freed (TCP_CLOSE after close()). */
  destroy(): void;
  /** A connection created from a listener became ESTABLISHED (move to the accept queue). */
  established?(): void;
  /** Grow the send buffer to `bytes` unless the user fixed it (SO_SNDBUF), at most tcp_wmem[2]. */
  expandSndbuf?(bytes: number): void;
  /** Count an event in the host's MIB (optional: a bare machine in a unit test counts nothing). */
  count?(name: TcpCounter): void;
  /**
   * Publish what the core's header prediction compares against (the socket's TSK, see
   * assembly/tcp/fastpath.ts): pred 0 turns prediction off. Optional: a bare machine has no core.
   */
  publish?(
    pred: number,
    rcvNxt: number,
    rcvWup: number,
    rcvWnd: number,
    sndUna: number,
    tsRecent: number,
    tsOk: boolean,
  ): void;
}

export interface TcpConfig {
  sysctl: TcpSysctl;
  /** MSS from our route's MTU (MTU - 40). */
  advMss: number;
  /** Receive buffer size (SO_RCVBUF as Linux reports it). */
  rcvbuf: number;
  /** SO_RCVBUF was set by the user (SOCK_RCVBUF_LOCK): the window is clamped to the buffer. */
  rcvbufLocked?: boolean;
  nodelay: boolean;
  keepalive: boolean;
  userMss: number; // TCP_MAXSEG, 0 = none
  /** TCP_CORK. */
  cork?: boolean;
  /** TCP_USER_TIMEOUT, ms (0 = off). */
  userTimeout?: number;
  /** TCP_LINGER2 in seconds (0 = tcp_fin_timeout; negative: no FIN_WAIT2 lingering). */
  linger2?: number;
  /** TCP_WINDOW_CLAMP (0 = none). */
  windowClamp?: number;
  /** IP_TOS (the ECN bits are TCP's own). */
  tos?: number;
  /**
   * The most payload one segment may carry on this path (0 = no limit). Our skbs are linear (no
   * page frags), so a segment must fit one 64 KiB buffer after its headroom; Linux's loopback MSS
   * (65483) is larger than that, so on lo our segments are somewhat smaller than Linux's.
   */
  segCap?: number;
}

/** Linux icsk_ack.pending bits. */
const ICSK_ACK_SCHED = 1;
const ICSK_ACK_TIMER = 2;
const ICSK_ACK_PUSHED = 4;
const ICSK_ACK_PUSHED2 = 8;
const ICSK_ACK_NOW = 16;

/** tp->ecn_flags (RFC 3168 ECN). */
const TCP_ECN_OK = 1;
const TCP_ECN_QUEUE_CWR = 2;
const TCP_ECN_DEMAND_CWR = 4;
const TCP_ECN_SEEN = 8;
const INET_ECN_ECT_0 = 2;
const INET_ECN_CE = 3;

/** icsk_pending: what the retransmit timer is armed for. */
const ICSK_TIME_RETRANS = 1;
const ICSK_TIME_PROBE0 = 3;
const ICSK_TIME_LOSS_PROBE = 5;
const ICSK_TIME_REO_TIMEOUT = 6;

/** tcp_ack flags (tcp_input.c FLAG_*). */
const FLAG_DATA = 0x01;
const FLAG_WIN_UPDATE = 0x02;
const FLAG_DATA_ACKED = 0x04;
const FLAG_RETRANS_DATA_ACKED = 0x08;
const FLAG_SYN_ACKED = 0x10;
const FLAG_DATA_SACKED = 0x20;
const FLAG_ECE = 0x40;
const FLAG_LOST_RETRANS = 0x80;
const FLAG_SLOWPATH = 0x100;
const FLAG_ORIG_SACK_ACKED = 0x200;
const FLAG_SND_UNA_ADVANCED = 0x400;
const FLAG_DSACKING_ACK = 0x800;
const FLAG_SET_XMIT_TIMER = 0x1000;
const FLAG_UPDATE_TS_RECENT = 0x4000;
const FLAG_NO_CHALLENGE_ACK = 0x8000;
const FLAG_DSACK_TLP = 0x20000;
const FLAG_ACKED = FLAG_DATA_ACKED | FLAG_SYN_ACKED;
const FLAG_NOT_DUP = FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED;
const FLAG_CA_ALERT = FLAG_DATA_SACKED | FLAG_ECE | FLAG_DSACKING_ACK;
const FLAG_FORWARD_PROGRESS = FLAG_ACKED | FLAG_DATA_SACKED;

const REXMIT_NONE = 0;
const REXMIT_LOST = 1;
const REXMIT_NEW = 2;

/** tp->nonagle bits. */
const TCP_NAGLE_OFF = 1;
const TCP_NAGLE_CORK = 2;
const TCP_NAGLE_PUSH = 4;

/** sk_gso_max_size as Linux derives it for a device without TSO limits (GSO_LEGACY_MAX_SIZE - MAX_TCP_HEADER - 1). */
const GSO_MAX_SIZE = 65536 - 1 - 320;
const GSO_MAX_SEGS = 65535;

interface SackBlock {
  start: number;
  end: number;
}

interface OooSeg {
  seq: number;
  end: number;
  payload: unknown;
  fin: boolean;
}

/** Linux tcp_select_initial_window(): the window scale we offer from the largest buffer we may grow to. */
export function selectWscale(sysctl: TcpSysctl, rcvbufMax: number, windowClamp = 0): number {
  let space = Math.max(sysctl.tcp_rmem[2], rcvbufMax);
  const clamp = windowClamp || 65535 * 2 ** TCP_MAX_WSCALE;
  space = Math.min(space, clamp);
  const ilog2 = space > 0 ? Math.floor(Math.log2(space)) : 0;
  return Math.max(0, Math.min(TCP_MAX_WSCALE, ilog2 - 15));
}

/** Linux tcp_win_from_space() with tcp_adv_win_scale. */
export function winFromSpace(sysctl: TcpSysctl, space: number): number {
  const s = sysctl.tcp_adv_win_scale;
  if (s <= 0) return space >> -s;
  return space - (space >> s);
}

/** Linux tcp_select_initial_window(): rcv_wnd, window_clamp and rcv_wscale for a SYN or SYN-ACK. */
export function initialWindow(
  sysctl: TcpSysctl,
  fullSpace: number,
  mss: number,
  clamp: number,
  wscaleOk: boolean,
): { rcvWnd: number; windowClamp: number; rcvWscale: number } {
  let windowClamp = clamp || 65535 * 2 ** TCP_MAX_WSCALE;
  let space = Math.min(windowClamp, Math.max(0, fullSpace));
  if (space > mss) space = Math.floor(space / mss) * mss;
  // The first window fits the unscaled field of a SYN / SYN-ACK; it grows later with rcv_ssthresh.
  const rcvWnd = Math.min(space, sysctl.tcp_workaround_signed_windows ? 32767 : 65535);
  let rcvWscale = 0;
  if (wscaleOk) {
    let sp = Math.max(space, sysctl.tcp_rmem[2]);
    sp = Math.min(sp, windowClamp);
    rcvWscale = Math.max(0, Math.min(TCP_MAX_WSCALE, Math.floor(Math.log2(Math.max(sp, 1))) - 15));
  }
  windowClamp = Math.min(65535 * 2 ** rcvWscale, windowClamp);
  return { rcvWnd, windowClamp, rcvWscale };
}

/** sk_data_ready's wake key: EPOLLIN | EPOLLRDNORM. */
export const WAKE_DATA = 0x41;

/** Linux TCP_FLAG_ACK in the header's 4th word (host order), for pred_flags. */
const TCP_FLAG_ACK_WORD = 0x0010_0000;

export class TcpSock {
  private st = TCP_CLOSE;
  /** The TCP state (include/net/tcp_states.h). Every change republishes the prediction state. */
  get state(): number {
    return this.st;
  }
  set state(v: number) {
    this.st = v;
    this.publishFast();
  }
  // ---- send sequence space (RFC 9293 3.3.1)
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndWnd = 0; // already scaled
  sndWl1 = 0;
  sndMaxWnd = 0; // tp->max_window
  sndSml = 0; // end of the last small segment sent (Minshall's Nagle)
  sndUp = 0;
  writeSeq = 0; // sequence number after the last byte the user queued
  pushedSeq = 0;
  // ---- receive sequence space
  irs = 0;
  rcvNxt = 0;
  rcvWnd = 0; // the window we last advertised (scaled)
  rcvWup = 0; // rcv_nxt when rcvWnd was advertised
  windowClamp = 0;
  rcvSsthresh = 0;
  copiedSeq = 0;
  // ---- options negotiated
  mssCache = TCP_MSS_DEFAULT; // effective send MSS (payload per segment, minus option space)
  mssClamp = 0; // the peer's MSS (rx_opt.mss_clamp)
  peerMss = TCP_MSS_DEFAULT;
  advMss = TCP_MSS_DEFAULT;
  sndWscale = 0;
  rcvWscale = 0;
  wscaleOk = false;
  tsOk = false;
  sackOk = false;
  ecnFlags = 0;
  tsRecent = 0;
  tsRecentStamp = 0; // ns
  tsOffset = 0;
  /** The timestamp option of the segment being processed (rx_opt.saw_tstamp / rcv_tsval / rcv_tsecr). */
  private sawTstamp = false;
  private rcvTsval = 0;
  private rcvTsecr = 0;
  // ---- queues
  /** Unsent skbs (sk_write_queue); writeQ[0] is tcp_send_head. */
  writeQ: TcpSkb[] = [];
  /** Sent, unacknowledged skbs in sequence order (tcp_rtx_queue). */
  rtxQ: TcpSkb[] = [];
  /** The same skbs in transmit order (tsorted_sent_queue), for RACK. */
  private tsorted: TcpSkb[] = [];
  packetsOut = 0;
  sackedOut = 0;
  lostOut = 0;
  retransOut = 0;
  private highestSack: TcpSkb | null = null;
  // ---- congestion control
  ca: CongestionOps;
  caState = TCP_CA_Open;
  cwnd = TCP_INIT_CWND;
  ssthresh = TCP_INFINITE_SSTHRESH;
  cwndCnt = 0;
  cwndClamp = 0xffffffff;
  priorCwnd = 0;
  priorSsthresh = 0;
  cwndStamp = 0; // jiffies
  cwndUsed = 0;
  isCwndLimited = false;
  maxPacketsOut = 0;
  private cwndUsageSeq = 0;
  highSeq = 0;
  undoMarker = 0;
  undoRetrans = -1;
  retransStamp = 0; // ms timestamp of the first retransmission (tcp_time_stamp)
  prrDelivered = 0;
  prrOut = 0;
  reordering: number;
  reordSeen = 0;
  frto = false;
  tlpHighSeq = 0;
  private tlpRetrans = false;
  delivered = 0;
  lost = 0;
  pacingRate = 0; // bytes/s
  private rack = {
    mstamp: 0,
    rttUs: 0,
    endSeq: 0,
    advanced: false,
    reoWndSteps: 1,
    reoWndPersist: 0,
    dsackSeen: false,
    lastDelivered: 0,
  };
  // ---- timers and their state
  rtt = new RttEstimator();
  backoff = 0; // icsk_backoff
  retransmits = 0; // icsk_retransmits
  probesOut = 0;
  private probesTstamp = 0;
  totalRetrans = 0;
  totalRto = 0;
  private pending = 0; // icsk_pending
  private xmitTimerAt = 0;
  nonagle = 0;
  // delayed ACK (icsk_ack)
  private ackPending = 0;
  private ackQuick = 0;
  private ackPingpong = 0;
  private ackAto = 0;
  private ackTimeoutAt = 0;
  private ackLrcvtime = 0; // jiffies
  rcvMss = TCP_MSS_DEFAULT; // icsk_ack.rcv_mss
  private lastSegSize = 0;
  private lastOowAckTime = 0; // jiffies + 1 (0 = never)
  // receiver SACK state
  private ooo: OooSeg[] = [];
  private selectiveAcks: SackBlock[] = [];
  private dsack: SackBlock | null = null;
  private dupAckCounter = 0;
  private compressedAckRcvNxt = 0;
  // ---- misc
  lastRecv = 0; // ns of the last segment received (ss -i lastrcv, keepalive idle)
  lastSend = 0; // ns of the last segment sent
  lsndtime = 0; // jiffies of the last data sent
  private keepaliveProbes = 0;
  /** SOCK_NOSPACE: a writer found the send buffer full (set by the socket layer). */
  noSpace = false;
  // user side
  finQueued = false; // close()/shutdown(SHUT_WR) asked for a FIN
  finSent = false;
  rcvShutdown = false; // FIN received (or SHUT_RD)
  sndShutdown = false;
  orphan = false; // closed by the user: nobody will read
  userRcvShutdown = false; // shutdown(SHUT_RD) / close(): data arriving later is refused
  err: TcpError | undefined;
  /** A soft error (ICMP) reported only if the connection later times out (sk_err_soft). */
  errSoft: TcpError | undefined;
  private synSentAt = 0;
  private synRetransmitted = false;
  // statistics for ss -i and /proc
  bytesAcked = 0;
  bytesReceived = 0;
  bytesRetrans = 0;
  segsOut = 0;
  segsIn = 0;
  dataSegsOut = 0;
  dataSegsIn = 0;
  lastDataRecv = 0;
  /** Opened by connect() (tcp_info counts the SYN in bytes_acked only then). */
  activeOpen = false;

  readonly rtxTimer: TimerLike;
  readonly delackTimer: TimerLike;
  readonly keepaliveTimer: TimerLike; // also TIME_WAIT / FIN_WAIT2 timer, as Linux's sk_timer
  /** Kept for callers that stop every timer; the zero-window probe shares the retransmit timer. */
  readonly persistTimer: TimerLike;

  constructor(
    readonly io: TcpIo,
    readonly cfg: TcpConfig,
  ) {
    this.rtxTimer = io.timer(() => this.onXmitTimer());
    this.delackTimer = io.timer(() => this.onDelackTimer());
    this.keepaliveTimer = io.timer(() => this.onKeepaliveTimer());
    this.persistTimer = io.timer(() => {});
    this.reordering = cfg.sysctl.tcp_reordering;
    this.ca = createCongestionOps(cfg.sysctl.tcp_congestion_control) ?? createCubic();
    if (cfg.nodelay) this.nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
    if (cfg.cork) this.nonagle |= TCP_NAGLE_CORK;
  }

  // ---- read-only views for the tools (ss -i, /proc/net/tcp) ------------------------------------------

  /** icsk_ack.ato, in ns. */
  get ackTimeout(): number {
    return this.ackAto;
  }

  /** icsk_ack.quick: ACKs still to send at once before delayed ACKs start. */
  get quickAcksLeft(): number {
    return this.ackQuick;
  }

  /** The congestion-control algorithm's name (tcp_info's tcpi_ca_name). */
  get congestionName(): string {
    return this.ca.name;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private get sysctl(): TcpSysctl {
    return this.cfg.sysctl;
  }

  private now(): number {
    return this.io.now();
  }

  /** tcp_jiffies32 (HZ = 1000). */
  private jiffies(): number {
    return Math.floor(this.io.now() / MS);
  }

  /** tcp_time_stamp_ts: the ms clock without the connection's offset. */
  private tsRaw(): number {
    return Math.floor(this.io.now() / MS) >>> 0;
  }

  private tsNow(): number {
    // Linux tcp_time_stamp_ms plus the per-connection random offset (tcp_timestamps = 1).
    return (Math.floor(this.io.now() / MS) + this.tsOffset) >>> 0;
  }

  /** Linux tcp_packets_in_flight(). */
  packetsInFlight(): number {
    return this.packetsOut - (this.sackedOut + this.lostOut) + this.retransOut;
  }

  /** Bytes sent and not yet acknowledged, in sequence space. */
  inFlight(): number {
    return seqDiff(this.sndNxt, this.sndUna);
  }

  private leftOut(): number {
    return this.sackedOut + this.lostOut;
  }

  private isSack(): boolean {
    return this.sackOk;
  }

  private isReno(): boolean {
    return !this.sackOk;
  }

  private isRack(): boolean {
    return (this.sysctl.tcp_recovery & 1) !== 0;
  }

  private inSlowStart(): boolean {
    return this.cwnd < this.ssthresh;
  }

  private inCwndReduction(): boolean {
    return this.caState === TCP_CA_CWR || this.caState === TCP_CA_Recovery;
  }

  /** Linux tcp_current_ssthresh(). */
  private currentSsthresh(): number {
    if (this.inCwndReduction()) return this.ssthresh;
    return Math.max(this.ssthresh, (this.cwnd >> 1) + (this.cwnd >> 2));
  }

  private minRttUs(): number {
    return this.rtt.minRttUs;
  }

  /** The header length every established segment carries beyond 20 bytes. */
  private tcpHeaderOptLen(): number {
    return this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0;
  }

  /** Linux tcp_sync_mss() + tcp_current_mss(): the send MSS. */
  private syncMss(): void {
    let mss = this.peerMss;
    mss = Math.min(mss, this.cfg.advMss);
    if (this.cfg.userMss) mss = Math.min(mss, this.cfg.userMss);
    mss -= this.tcpHeaderOptLen();
    // tcp_bound_to_half_wnd(): no segment larger than half the peer's largest window.
    const cutoff = this.sndMaxWnd > TCP_MSS_DEFAULT ? this.sndMaxWnd >> 1 : this.sndMaxWnd;
    if (cutoff && mss > cutoff) mss = Math.max(cutoff, 68 - 20 - this.tcpHeaderOptLen());
    if (this.cfg.segCap) mss = Math.min(mss, this.cfg.segCap);
    this.mssCache = Math.max(mss, TCP_MIN_SND_MSS);
  }

  /** Linux tcp_current_mss(): the MSS now, less the SACK blocks an ACK would carry. */
  currentMss(): number {
    let mss = this.mssCache;
    const sacks = this.sackBlocksToSend().length;
    if (sacks) mss -= TCPOLEN_SACK_BASE_ALIGNED + sacks * TCPOLEN_SACK_PERBLOCK;
    return Math.max(mss, 1);
  }

  private ccSock: CcSock | null = null;

  /** The connection as its congestion-control algorithm sees it (struct tcp_sock fields it may use). */
  private ccView(): CcSock {
    if (this.ccSock) return this.ccSock;
    const tp = this;
    this.ccSock = {
      get cwnd() {
        return tp.cwnd;
      },
      set cwnd(v: number) {
        tp.cwnd = v;
      },
      get ssthresh() {
        return tp.ssthresh;
      },
      set ssthresh(v: number) {
        tp.ssthresh = v;
      },
      get cwndCnt() {
        return tp.cwndCnt;
      },
      set cwndCnt(v: number) {
        tp.cwndCnt = v;
      },
      get cwndClamp() {
        return tp.cwndClamp;
      },
      get priorCwnd() {
        return tp.priorCwnd;
      },
      get sndUna() {
        return tp.sndUna;
      },
      get sndNxt() {
        return tp.sndNxt;
      },
      jiffies: () => tp.jiffies(),
      nowUs: () => Math.floor(tp.io.now() / 1000),
      get srttUs() {
        return tp.rtt.srttUs;
      },
      cwndLimited: () => tp.cwndLimited(),
      get lsndtime() {
        return tp.lsndtime;
      },
      get pacingRate() {
        return tp.pacingRate;
      },
    };
    return this.ccSock;
  }

  /** Linux tcp_set_ca_state(). */
  private setCaState(state: number): void {
    this.ca.setState?.(this.ccView(), state);
    this.caState = state;
  }

  /** Linux tcp_update_pacing_rate(): 200 % of cwnd*mss/srtt in slow start, 120 % after. */
  private updatePacingRate(): void {
    if (!this.rtt.srttUs) return;
    let rate = this.mssCache * 1e6 * 8; // mss * (USEC_PER_SEC/100 << 3) * 100
    rate *=
      this.cwnd < this.ssthresh / 2
        ? this.sysctl.tcp_pacing_ss_ratio / 100
        : this.sysctl.tcp_pacing_ca_ratio / 100;
    rate *= Math.max(this.cwnd, this.packetsOut);
    this.pacingRate = Math.floor(rate / this.rtt.srttUs);
  }

  // ---- windows ---------------------------------------------------------------------------------------

  /** tcp_full_space(): the window the whole receive buffer allows. */
  private fullSpace(): number {
    return winFromSpace(this.sysctl, this.cfg.rcvbuf);
  }

  /** tcp_space(): the window the free receive buffer allows. */
  private freeSpace(): number {
    return winFromSpace(this.sysctl, this.io.rcvSpace());
  }

  /** Linux __tcp_select_window(). */
  private selectWindowRaw(): number {
    let mss = this.rcvMss;
    let freeSpace = this.freeSpace();
    const allowedSpace = this.fullSpace();
    const fullSpace = Math.min(this.windowClamp, allowedSpace);
    if (mss > fullSpace) {
      mss = fullSpace;
      if (mss <= 0) return 0;
    }
    if (freeSpace < fullSpace >> 1) {
      this.ackQuick = 0;
      freeSpace = Math.floor(freeSpace / 2 ** this.rcvWscale) * 2 ** this.rcvWscale;
      if (freeSpace < allowedSpace >> 4 || freeSpace < mss) return 0;
    }
    if (freeSpace > this.rcvSsthresh) freeSpace = this.rcvSsthresh;
    let window: number;
    if (this.rcvWscale) {
      const g = 2 ** this.rcvWscale;
      window = Math.ceil(freeSpace / g) * g;
    } else {
      window = this.rcvWnd;
      if (window <= freeSpace - mss || window > freeSpace) window = Math.floor(freeSpace / mss) * mss;
      else if (mss === fullSpace && freeSpace > window + (fullSpace >> 1)) window = freeSpace;
    }
    return window;
  }

  /** Linux tcp_select_window(): never shrink the offered window; the raw 16-bit field. */
  private selectWindow(): number {
    const curWin = this.receiveWindow();
    let newWin = this.selectWindowRaw();
    if (newWin < curWin) {
      const g = 2 ** this.rcvWscale;
      newWin = Math.ceil(curWin / g) * g;
    }
    this.rcvWnd = newWin;
    this.rcvWup = this.rcvNxt;
    if (!this.rcvWscale && this.sysctl.tcp_workaround_signed_windows) newWin = Math.min(newWin, 32767);
    else newWin = Math.min(newWin, 65535 * 2 ** this.rcvWscale);
    return Math.floor(newWin / 2 ** this.rcvWscale);
  }

  /** The receive window still open to the peer (Linux tcp_receive_window). */
  private receiveWindow(): number {
    return Math.max(0, this.rcvWnd - seqDiff(this.rcvNxt, this.rcvWup));
  }

  /** Linux tcp_init_buffer_space() (the parts that shape the window). */
  private initBufferSpace(): void {
    const maxwin = this.fullSpace();
    const app = this.sysctl.tcp_app_win;
    if (this.windowClamp >= maxwin) {
      this.windowClamp = maxwin;
      if (app && maxwin > 4 * this.advMss)
        this.windowClamp = Math.max(maxwin - Math.floor(maxwin / 2 ** app), 4 * this.advMss);
    }
    if (app && this.windowClamp > 2 * this.advMss && this.windowClamp + this.advMss > maxwin)
      this.windowClamp = Math.max(2 * this.advMss, maxwin - this.advMss);
    this.rcvSsthresh = Math.min(this.rcvSsthresh, this.windowClamp);
  }

  /** Linux tcp_grow_window() (assuming an skb's truesize fits its data, as for our payload skbs). */
  private growWindow(len: number): void {
    const room = Math.min(this.windowClamp, this.freeSpace()) - this.rcvSsthresh;
    if (room <= 0) return;
    const incr = Math.max(2 * this.advMss, 2 * len);
    this.rcvSsthresh += Math.min(room, incr);
    this.ackQuick |= 1;
  }

  /** Linux tcp_initialize_rcv_mss(). */
  private initRcvMss(): void {
    let hint = Math.min(this.advMss, this.mssCache);
    hint = Math.min(hint, this.rcvWnd >> 1);
    hint = Math.min(hint, TCP_MSS_DEFAULT);
    this.rcvMss = Math.max(hint, TCP_MIN_MSS);
  }

  // ---- transmit --------------------------------------------------------------------------------------

  /** SACK blocks an ACK carries now: a D-SACK first, then the most recent blocks (tcp_established_options). */
  private sackBlocksToSend(): [number, number][] {
    if (!this.sackOk) return [];
    const out: [number, number][] = [];
    if (this.dsack) out.push([this.dsack.start, this.dsack.end]);
    for (const b of this.selectiveAcks) out.push([b.start, b.end]);
    const room = Math.floor((40 - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0) - TCPOLEN_SACK_BASE_ALIGNED) / 8);
    return out.slice(0, Math.min(room, TCP_NUM_SACKS));
  }

  private baseOptions(): TcpOptions {
    const o: TcpOptions = {};
    if (this.tsOk) o.ts = { val: this.tsNow(), ecr: this.tsRecent };
    const sack = this.sackBlocksToSend();
    if (sack.length) o.sack = sack;
    return o;
  }

  private synOptions(): TcpOptions {
    const s = this.sysctl;
    const o: TcpOptions = { mss: this.advMss };
    if (s.tcp_sack) o.sackOk = true;
    if (s.tcp_timestamps) o.ts = { val: this.tsNow(), ecr: this.tsRecent };
    if (s.tcp_window_scaling) o.wscale = this.rcvWscale;
    return o;
  }

  /** Emit one wire segment and account it (the tail of tcp_transmit_skb). */
  private xmit(seg: TcpOutSeg): void {
    // IP_TOS of the socket with the ECN bits TCP chose (Linux keeps them separate: inet->tos & ~ECN).
    const tos = this.cfg.tos ?? 0;
    if (tos) seg.tos = (tos & ~3) | ((seg.tos ?? 0) & 3);
    this.segsOut++;
    if (seg.dataLen > 0) this.dataSegsOut++;
    this.lastSend = this.now();
    this.io.output(seg);
    // the segment carried a new rcv_wup / rcv_wnd (tcp_select_window)
    this.publishFast();
  }

  /** Linux tcp_event_ack_sent(): an ACK left; delayed-ACK state is settled. */
  private ackSent(): void {
    this.decQuickackMode();
    this.ackPending = 0;
    this.delackTimer.del();
    if (this.dsack) this.dsack = null;
  }

  /**
   * tcp_transmit_skb for a data/FIN skb: GSO-style segments of `mss`, header fields shared, FIN and
   * PSH on the last piece. `forcePsh`: Linux's PSH on multi-segment (TSO) skbs of new data.
   */
  private transmitSkb(skb: TcpSkb, forcePsh: boolean): void {
    const now = this.now();
    const window = this.selectWindow();
    const options = this.baseOptions();
    const len = skbLen(skb);
    const mss = skb.pcount > 1 && skb.mss ? skb.mss : Math.max(len, 1);
    const psh = skb.psh || (forcePsh && skb.pcount > 1);
    // tcp_ecn_send(): new data is ECT(0) and carries a queued CWR; ACKs and retransmissions are not-ECT.
    let ecn = 0;
    let ecnFlags = 0;
    if (this.ecnFlags & TCP_ECN_OK) {
      if (len > 0 && !before(skb.seq, this.sndNxt)) {
        ecn = INET_ECN_ECT_0;
        if (this.ecnFlags & TCP_ECN_QUEUE_CWR) {
          this.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
          ecnFlags |= TCPF_CWR;
        }
      }
      if (this.ecnFlags & TCP_ECN_DEMAND_CWR) ecnFlags |= TCPF_ECE;
    }
    let off = 0;
    do {
      const n = Math.min(mss, len - off);
      const last = off + n >= len;
      const seq = seqAdd(skb.seq, off);
      this.xmit({
        seq,
        ack: this.rcvNxt,
        flags: TCPF_ACK | ecnFlags | (last && skb.fin ? TCPF_FIN : 0) | (last && psh ? TCPF_PSH : 0),
        window,
        options,
        dataOff: seqDiff(seq, this.sndUna),
        dataLen: n,
        tos: ecn,
      });
      off += n;
    } while (off < len);
    skb.sentAt = now;
    this.ackSent();
    if (len > 0) this.eventDataSent();
    // tcp_minshall_update
    if (len < skb.pcount * this.mssCache || len < this.mssCache) this.sndSml = skb.end;
  }

  /** Linux tcp_event_data_sent(). */
  private eventDataSent(): void {
    const now = this.jiffies();
    this.lsndtime = now;
    if (now - this.ackLrcvtime < this.ackAto / MS) this.ackPingpong++;
  }

  /** A pure ACK (Linux tcp_send_ack). */
  sendAck(): void {
    if (this.state === TCP_CLOSE || this.state === TCP_SYN_SENT) return;
    const window = this.selectWindow();
    this.xmit({
      seq: this.sndNxt,
      ack: this.rcvNxt,
      flags: TCPF_ACK | (this.ecnFlags & TCP_ECN_OK && this.ecnFlags & TCP_ECN_DEMAND_CWR ? TCPF_ECE : 0),
      window,
      options: this.baseOptions(),
      dataOff: 0,
      dataLen: 0,
    });
    this.ackSent();
  }

  /** A zero-window / keepalive probe: an old sequence number the peer must ACK (tcp_xmit_probe_skb). */
  private sendProbeSkb(urgent: boolean): void {
    const seq = urgent ? this.sndUna : seqAdd(this.sndUna, -1);
    this.xmit({
      seq,
      ack: this.rcvNxt,
      flags: TCPF_ACK,
      window: this.selectWindow(),
      options: this.baseOptions(),
      dataOff: 0,
      dataLen: 0,
    });
    this.ackSent();
  }

  /** Send SYN (active open) or SYN-ACK (simultaneous open). */
  private sendSyn(withAck: boolean): void {
    // tcp_ecn_send_syn(): ECE|CWR on a SYN asks for ECN (net.ipv4.tcp_ecn = 1); a SYN-ACK agrees with ECE.
    let ecn = 0;
    if (this.ecnFlags & TCP_ECN_OK) ecn = withAck ? TCPF_ECE : TCPF_ECE | TCPF_CWR;
    this.xmit({
      seq: this.iss,
      ack: withAck ? this.rcvNxt : 0,
      flags: TCPF_SYN | (withAck ? TCPF_ACK : 0) | ecn,
      window: Math.min(65535, this.rcvWnd),
      options: this.synOptions(),
      dataOff: 0,
      dataLen: 0,
    });
    if (withAck) this.ackSent();
  }

  // ---- delayed ACKs (tcp_input.c / tcp_output.c / inet_connection_sock.h) ----------------------------

  private inPingpong(): boolean {
    return this.ackPingpong >= 1; // TCP_PINGPONG_THRESH
  }

  private inQuickackMode(): boolean {
    return this.ackQuick > 0 && !this.inPingpong();
  }

  /** Linux tcp_incr_quickack(). */
  private incrQuickack(max: number): void {
    let q = Math.floor(this.rcvWnd / (2 * this.rcvMss));
    if (q === 0) q = 2;
    q = Math.min(q, max);
    if (q > this.ackQuick) this.ackQuick = q;
  }

  /** Linux tcp_enter_quickack_mode(). */
  private enterQuickackMode(max: number): void {
    this.incrQuickack(max);
    this.ackPingpong = 0;
    this.ackAto = TCP_ATO_MIN;
  }

  /** Linux tcp_dec_quickack_mode(). */
  private decQuickackMode(): void {
    if (this.ackQuick) {
      const pkts = this.ackPending & ICSK_ACK_SCHED ? 1 : 0;
      if (pkts >= this.ackQuick) {
        this.ackQuick = 0;
        this.ackAto = TCP_ATO_MIN;
      } else this.ackQuick -= pkts;
    }
  }

  private scheduleAck(): void {
    this.ackPending |= ICSK_ACK_SCHED;
  }

  private ackScheduled(): boolean {
    return (this.ackPending & ICSK_ACK_SCHED) !== 0;
  }

  /** Linux tcp_send_delayed_ack(). */
  private sendDelayedAck(): void {
    let ato = this.ackAto;
    if (ato > TCP_DELACK_MIN) {
      let maxAto = 500 * MS;
      if (this.inPingpong() || this.ackPending & ICSK_ACK_PUSHED) maxAto = TCP_DELACK_MAX;
      if (this.rtt.srttUs) {
        const rtt = Math.max(usToJiffiesNs(this.rtt.srttUs >> 3), TCP_DELACK_MIN);
        if (rtt < maxAto) maxAto = rtt;
      }
      ato = Math.min(ato, maxAto);
    }
    ato = Math.min(ato, TCP_DELACK_MAX);
    const now = this.jiffies() * MS;
    let timeout = now + ato;
    if (this.ackPending & ICSK_ACK_TIMER) {
      if (this.ackTimeoutAt <= now + Math.floor(ato / MS / 4) * MS) {
        this.sendAck();
        return;
      }
      if (!(timeout < this.ackTimeoutAt)) timeout = this.ackTimeoutAt;
    }
    this.ackPending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
    this.ackTimeoutAt = timeout;
    this.delackTimer.mod(timeout);
  }

  /** Linux __tcp_ack_snd_check(). */
  private ackSndCheck(ofoPossible: boolean): void {
    if (!this.ackScheduled()) return;
    if (
      (seqDiff(this.rcvNxt, this.rcvWup) > this.rcvMss && this.selectWindowRaw() >= this.rcvWnd) ||
      this.inQuickackMode() ||
      this.ackPending & ICSK_ACK_NOW
    ) {
      this.sendAck();
      return;
    }
    if (!ofoPossible || this.ooo.length === 0) {
      this.sendDelayedAck();
      return;
    }
    // Out-of-order data: the first TCP_FASTRETRANS_THRESH dupacks go at once (SACK compression after).
    if (this.compressedAckRcvNxt !== this.rcvNxt) {
      this.compressedAckRcvNxt = this.rcvNxt;
      this.dupAckCounter = 0;
    }
    if (this.dupAckCounter < TCP_FASTRETRANS_THRESH || !this.isSack()) {
      this.dupAckCounter++;
      this.sendAck();
      return;
    }
    // Linux compresses further SACKs (tcp_comp_sack_*): at most one ACK per 5 % of the RTT (<= 1 ms).
    const rttUs = this.rtt.srttUs ? this.rtt.srttUs >> 3 : 100_000;
    const delay = Math.min(this.sysctl.tcp_comp_sack_delay_ns, Math.floor((rttUs * 1000) / 20));
    if (!(this.ackPending & ICSK_ACK_TIMER) || this.ackTimeoutAt > this.now() + delay) {
      this.ackPending |= ICSK_ACK_TIMER;
      this.ackTimeoutAt = this.now() + delay;
      this.delackTimer.mod(this.ackTimeoutAt);
    }
  }

  private onDelackTimer(): void {
    if (this.state === TCP_CLOSE) return;
    if (!(this.ackPending & ICSK_ACK_TIMER)) return;
    if (this.ackTimeoutAt > this.now()) {
      this.delackTimer.mod(this.ackTimeoutAt);
      return;
    }
    this.ackPending &= ~ICSK_ACK_TIMER;
    if (this.ackScheduled()) {
      if (!this.inPingpong()) {
        // Delayed ACK missed: inflate ATO.
        this.ackAto = Math.min(this.ackAto * 2, this.rtt.rto);
      } else {
        // Delayed ACK missed: leave pingpong mode and deflate ATO.
        this.ackPingpong = 0;
        this.ackAto = TCP_ATO_MIN;
      }
      this.io.count?.("DelayedACKs");
      this.sendAck();
    }
  }

  /** Linux tcp_measure_rcv_mss(). */
  private measureRcvMss(len: number, psh: boolean, gsoSize = 0): void {
    const lss = this.lastSegSize;
    this.lastSegSize = 0;
    const l = gsoSize || len;
    if (l >= this.rcvMss) {
      this.rcvMss = Math.min(l, this.advMss);
    } else {
      const withHdr = l + 20 + this.tcpHeaderOptLen();
      if (withHdr >= TCP_MSS_DEFAULT + 20 || (withHdr >= TCP_MIN_MSS + 20 && !psh)) {
        const inv = withHdr - 20 - this.tcpHeaderOptLen();
        this.lastSegSize = inv;
        if (inv === lss) {
          this.rcvMss = inv;
          return;
        }
      }
      if (this.ackPending & ICSK_ACK_PUSHED) this.ackPending |= ICSK_ACK_PUSHED2;
      this.ackPending |= ICSK_ACK_PUSHED;
    }
  }

  /** Linux tcp_event_data_recv(). */
  private eventDataRecv(len: number, psh: boolean): void {
    this.scheduleAck();
    this.measureRcvMss(len, psh);
    const now = this.jiffies();
    if (!this.ackAto) {
      this.incrQuickack(TCP_MAX_QUICKACKS);
      this.ackAto = TCP_ATO_MIN;
    } else {
      const m = (now - this.ackLrcvtime) * MS;
      if (m <= TCP_ATO_MIN / 2) {
        this.ackAto = Math.floor(this.ackAto / 2) + TCP_ATO_MIN / 2;
      } else if (m < this.ackAto) {
        this.ackAto = Math.floor(this.ackAto / 2) + m;
        if (this.ackAto > this.rtt.rto) this.ackAto = this.rtt.rto;
      } else if (m > this.rtt.rto) {
        this.incrQuickack(TCP_MAX_QUICKACKS);
      }
    }
    this.ackLrcvtime = now;
    if (len >= 128) this.growWindow(len);
  }

  /**
   * After the reader took data (Linux tcp_cleanup_rbuf): ACK now if a full segment is unacknowledged
   * or the read emptied the queue of a small pushed segment, or if the window can open a lot.
   */
  onReadDrained(copied = 1): void {
    if (this.state === TCP_CLOSE || this.state === TCP_SYN_SENT || this.state === TCP_TIME_WAIT) return;
    let timeToAck = false;
    if (this.ackScheduled()) {
      if (
        seqDiff(this.rcvNxt, this.rcvWup) > this.rcvMss ||
        (copied > 0 &&
          (this.ackPending & ICSK_ACK_PUSHED2 || (this.ackPending & ICSK_ACK_PUSHED && !this.inPingpong())) &&
          this.io.rcvSpace() >= this.cfg.rcvbuf)
      )
        timeToAck = true;
    }
    if (copied > 0 && !timeToAck && !this.rcvShutdown) {
      const rcvWindowNow = this.receiveWindow();
      if (2 * rcvWindowNow <= this.windowClamp) {
        const newWindow = this.selectWindowRaw();
        if (newWindow && newWindow >= 2 * rcvWindowNow) timeToAck = true;
      }
    }
    if (timeToAck) this.sendAck();
  }

  // ---- the write path (tcp.c tcp_sendmsg_locked, tcp_output.c tcp_write_xmit) ------------------------

  /** Linux tcp_xmit_size_goal(): how much one new skb may hold. */
  private sizeGoal(mss: number): number {
    let goal = GSO_MAX_SIZE;
    // tcp_bound_to_half_wnd
    const cutoff = this.sndMaxWnd > TCP_MSS_DEFAULT ? this.sndMaxWnd >> 1 : this.sndMaxWnd;
    if (cutoff && goal > cutoff) goal = Math.max(cutoff, 68 - 20 - this.tcpHeaderOptLen());
    const segs = Math.min(Math.floor(goal / mss), GSO_MAX_SEGS);
    return Math.max(segs * mss, mss);
  }

  private forcedPush(): boolean {
    return after(this.writeSeq, seqAdd(this.pushedSeq, this.sndMaxWnd >> 1));
  }

  private markPush(skb: TcpSkb): void {
    skb.psh = true;
    this.pushedSeq = this.writeSeq;
  }

  /** Room left in the unsent tail skb (0 when there is none, it is full, or it carries the FIN). */
  tailRoom(): number {
    const tail = this.writeQ.length ? this.writeQ[this.writeQ.length - 1] : null;
    if (!tail || tail.fin || tail.eor) return 0;
    return Math.max(0, this.sizeGoal(this.currentMss()) - skbLen(tail));
  }

  /** MSG_EOR: the tail skb ends a record (tcp_sendmsg_locked sets TCP_SKB_CB(skb)->eor). */
  markEor(): void {
    const tail = this.writeQ.length ? this.writeQ[this.writeQ.length - 1] : null;
    if (tail) tail.eor = true;
  }

  /** How many bytes a new skb may take now (tcp_send_mss's size_goal). */
  sizeGoalNow(): number {
    return this.sizeGoal(this.currentMss());
  }

  /**
   * The user queued `n` more bytes (the connection already holds them): grow the tail skb or add new
   * ones of up to size_goal bytes, as tcp_sendmsg_locked does, pushing full skbs out as it goes.
   * `first`: these are the first bytes of this send call (the tail skb loses its PSH mark).
   */
  queueData(n: number, first = true, moreFollows = false): void {
    const mss = this.currentMss();
    const goal = this.sizeGoal(mss);
    let copiedAny = !first;
    while (n > 0) {
      let skb = this.writeQ.length ? this.writeQ[this.writeQ.length - 1] : null;
      let copy = skb && !skb.fin && !skb.eor ? goal - skbLen(skb) : 0;
      if (!skb || copy <= 0 || skb.fin || skb.eor) {
        if (this.writeQ.length === 0 && this.rtxQ.length === 0) this.slowStartAfterIdleCheck();
        if (this.nonagle & TCP_NAGLE_PUSH) this.nonagle &= ~TCP_NAGLE_PUSH;
        skb = {
          seq: this.writeSeq,
          end: this.writeSeq,
          fin: false,
          psh: false,
          sacked: 0,
          pcount: 0,
          mss: 0,
          sentAt: 0,
        };
        this.writeQ.push(skb);
        copy = goal;
      }
      const take = Math.min(copy, n);
      if (!copiedAny) skb.psh = false;
      copiedAny = true;
      skb.end = seqAdd(skb.end, take);
      skb.pcount = 0;
      this.writeSeq = seqAdd(this.writeSeq, take);
      n -= take;
      // Linux leaves the loop when the user's message is all copied; otherwise a full skb is pushed.
      if (n === 0 && !moreFollows) break;
      if (skbLen(skb) < goal) continue;
      if (this.forcedPush()) {
        this.markPush(skb);
        this.pushPendingFrames(mss, TCP_NAGLE_PUSH);
      } else if (skb === this.writeQ[0]) {
        this.writeXmit(mss, TCP_NAGLE_PUSH, 1);
      }
      if (n === 0) break;
    }
  }

  /**
   * The end of a send call, or a wait for buffer space (Linux tcp_push): mark PSH on the tail unless
   * MSG_MORE, then send what Nagle, cork, the windows and cwnd allow.
   */
  push(more = false, nonagle = this.nonagle): void {
    const tail = this.writeQ.length ? this.writeQ[this.writeQ.length - 1] : null;
    if (!tail) return;
    if (!more || this.forcedPush()) this.markPush(tail);
    this.pushPendingFrames(this.currentMss(), more ? TCP_NAGLE_CORK : nonagle);
  }

  /** Send what the windows allow (tcp_push with no flags); kept as the socket layer's entry point. */
  pushPending(): boolean {
    const before = this.sndNxt;
    this.push(false);
    return this.sndNxt !== before;
  }

  /** Linux tcp_push_pending_frames() with the socket's Nagle setting (after TCP_NODELAY / TCP_CORK changes). */
  pushPendingFramesNow(): void {
    if (this.writeQ.length) this.pushPendingFrames(this.currentMss(), this.nonagle);
  }

  /** TCP_NODELAY / TCP_CORK changed (tcp_sock_set_nodelay / tcp_sock_set_cork). */
  setNagle(nodelay: boolean, cork: boolean): void {
    if (nodelay) this.nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
    else this.nonagle &= ~TCP_NAGLE_OFF;
    if (cork) this.nonagle |= TCP_NAGLE_CORK;
    else {
      const wasCorked = (this.nonagle & TCP_NAGLE_CORK) !== 0;
      this.nonagle &= ~TCP_NAGLE_CORK;
      if (wasCorked && this.nonagle & TCP_NAGLE_OFF) this.nonagle |= TCP_NAGLE_PUSH;
    }
    this.pushPendingFramesNow();
  }

  /** Linux __tcp_push_pending_frames(). */
  private pushPendingFrames(mss: number, nonagle: number): void {
    if (this.state === TCP_CLOSE) return;
    if (this.writeXmit(mss, nonagle, 0)) this.checkProbeTimer();
  }

  private sendableState(): boolean {
    return (
      this.state === TCP_ESTABLISHED ||
      this.state === TCP_CLOSE_WAIT ||
      this.state === TCP_FIN_WAIT1 ||
      this.state === TCP_CLOSING ||
      this.state === TCP_LAST_ACK
    );
  }

  /** Linux tcp_cwnd_test(). */
  private cwndTest(skb: TcpSkb): number {
    if (skb.fin && skb.pcount === 1) return 1; // not strict about cwnd for the final FIN
    const inFlight = this.packetsInFlight();
    if (inFlight >= this.cwnd) return 0;
    const half = Math.max(this.cwnd >> 1, 1);
    return Math.min(half, this.cwnd - inFlight);
  }

  private wndEnd(): number {
    return seqAdd(this.sndUna, this.sndWnd);
  }

  /** Linux tcp_snd_wnd_test(). */
  private sndWndTest(skb: TcpSkb, mss: number): boolean {
    let end = skb.end;
    if (skbLen(skb) > mss) end = seqAdd(skb.seq, mss);
    return !after(end, this.wndEnd());
  }

  private minshallCheck(): boolean {
    return after(this.sndSml, this.sndUna) && !after(this.sndSml, this.sndNxt);
  }

  /** Linux tcp_nagle_check(). */
  private nagleCheck(partial: boolean, nonagle: number): boolean {
    return (
      partial &&
      ((nonagle & TCP_NAGLE_CORK) !== 0 || (!nonagle && this.packetsOut > 0 && this.minshallCheck()))
    );
  }

  /** Linux tcp_nagle_test(): may this (last, small) skb go now? */
  private nagleTest(skb: TcpSkb, mss: number, nonagle: number): boolean {
    if (nonagle & TCP_NAGLE_PUSH) return true;
    if (skb.fin) return true;
    return !this.nagleCheck(skbLen(skb) < mss, nonagle);
  }

  /** Linux tcp_tso_segs() / tcp_tso_autosize(): segments per TSO skb at the current pacing rate. */
  private tsoSegs(mss: number): number {
    let bytes = this.pacingRate ? Math.floor(this.pacingRate / 1024) : GSO_MAX_SIZE;
    const minRtt = this.minRttUs();
    const r = Math.floor((minRtt === 0xffffffff ? 0xffffffff : minRtt) / 2 ** this.sysctl.tcp_tso_rtt_log);
    if (r < 32) bytes += Math.floor(GSO_MAX_SIZE / 2 ** r);
    bytes = Math.min(bytes, GSO_MAX_SIZE);
    return Math.min(Math.max(Math.floor(bytes / mss), this.sysctl.tcp_min_tso_segs), GSO_MAX_SEGS);
  }

  /** Linux tcp_mss_split_point(). */
  private mssSplitPoint(skb: TcpSkb, mss: number, maxSegs: number, nonagle: number): number {
    const window = seqDiff(this.wndEnd(), skb.seq);
    const maxLen = mss * maxSegs;
    const isTail = skb === this.writeQ[this.writeQ.length - 1];
    if (maxLen <= window && !isTail) return maxLen;
    const needed = Math.min(skbLen(skb), window);
    if (maxLen <= needed) return maxLen;
    const partial = needed % mss;
    if (this.nagleCheck(partial !== 0, nonagle)) return needed - partial;
    return needed;
  }

  /** Linux tcp_tso_should_defer(): wait for more ACKs to send a bigger TSO skb? */
  private tsoShouldDefer(skb: TcpSkb, maxSegs: number): boolean {
    if (this.caState >= TCP_CA_Recovery) return false;
    const now = this.now();
    // Linux defers only if the last transmission was under 1 ms ago. A virtual clock lands exactly on
    // the 1 ms boundary where a real kernel always has a few microseconds more: count it as elapsed.
    if (now - this.lastSend >= MS) return false;
    const inFlight = this.packetsInFlight();
    const sendWin = seqDiff(this.wndEnd(), skb.seq);
    const congWin = (this.cwnd - inFlight) * this.mssCache;
    const limit = Math.min(sendWin, congWin);
    if (limit >= maxSegs * this.mssCache) return false;
    if (skb !== this.writeQ[this.writeQ.length - 1] && limit >= skbLen(skb)) return false;
    const div = this.sysctl.tcp_tso_win_divisor;
    if (div) {
      const chunk = Math.floor(Math.min(this.sndWnd, this.cwnd * this.mssCache) / div);
      if (limit >= chunk) return false;
    } else if (limit > 3 * this.mssCache) return false;
    const head = this.rtxQ[0];
    if (!head) return false;
    if (now - head.sentAt - (this.rtt.srttUs >> 4) * 1000 < 0) return false;
    if (congWin < sendWin) {
      if (congWin <= skbLen(skb)) return true;
    } else if (sendWin <= skbLen(skb)) return true;
    if (skb.fin || skb.eor) return false;
    return true;
  }

  /** Split an unsent skb (tso_fragment): `skb` keeps `len` bytes, the rest becomes the next send head. */
  private fragmentWriteQ(skb: TcpSkb, len: number, mss: number): void {
    const i = this.writeQ.indexOf(skb);
    const buff = splitSkb(skb, len, mss);
    this.writeQ.splice(i + 1, 0, buff);
  }

  /**
   * Linux tcp_write_xmit(): send new data as the congestion window, the peer's window and Nagle allow.
   * pushOne: 1 = at most one skb (tcp_push_one), 2 = a loss probe (may exceed cwnd). Returns true when
   * nothing is in flight yet data waits (the caller arms the zero-window probe timer).
   */
  private writeXmit(mss: number, nonagle: number, pushOne: number): boolean {
    if (!this.sendableState()) return false;
    let sentPkts = 0;
    let isCwndLimited = false;
    const maxSegs = this.tsoSegs(mss);
    while (this.writeQ.length) {
      const skb = this.writeQ[0];
      setTsoSegs(skb, mss);
      let cwndQuota = this.cwndTest(skb);
      if (!cwndQuota) {
        if (pushOne === 2) cwndQuota = 1;
        else {
          isCwndLimited = true;
          break;
        }
      }
      cwndQuota = Math.min(cwndQuota, maxSegs);
      if (!this.sndWndTest(skb, mss)) break;
      if (skb.pcount === 1) {
        const isLast = this.writeQ.length === 1;
        if (!this.nagleTest(skb, mss, isLast ? nonagle : TCP_NAGLE_PUSH)) break;
      } else if (!pushOne && this.tsoShouldDefer(skb, maxSegs)) break;
      let limit = mss;
      if (skb.pcount > 1) limit = this.mssSplitPoint(skb, mss, cwndQuota, nonagle);
      if (skbLen(skb) > limit) this.fragmentWriteQ(skb, limit, mss);
      if (skb.end === skb.seq) break;
      setTsoSegs(skb, mss);
      const wasIdle = this.packetsInFlight() === 0;
      if (wasIdle) this.ca.cwndEvent?.(this.ccView(), CA_EVENT_TX_START);
      this.transmitSkb(skb, true);
      this.eventNewDataSent(skb);
      sentPkts += skb.pcount;
      if (pushOne) break;
    }
    if (sentPkts || isCwndLimited) {
      isCwndLimited ||= this.packetsInFlight() >= this.cwnd;
      this.cwndValidate(isCwndLimited);
    }
    if (sentPkts) {
      if (this.inCwndReduction()) this.prrOut += sentPkts;
      if (pushOne !== 2) this.scheduleLossProbe(false);
      return false;
    }
    return this.packetsOut === 0 && this.writeQ.length > 0;
  }

  /** Linux tcp_event_new_data_sent(): the skb moves to the retransmit queue. */
  private eventNewDataSent(skb: TcpSkb): void {
    const priorPackets = this.packetsOut;
    this.sndNxt = skb.end;
    this.writeQ.shift();
    this.rtxQ.push(skb);
    this.tsorted.push(skb);
    if (skb.fin) this.finSent = true;
    if (!this.highestSack) this.highestSack = skb;
    this.packetsOut += skb.pcount;
    if (!priorPackets || this.pending === ICSK_TIME_LOSS_PROBE) this.rearmRto();
  }

  /** Linux tcp_cwnd_validate(). */
  private cwndValidate(isCwndLimited: boolean): void {
    if (
      !before(this.sndUna, this.cwndUsageSeq) ||
      isCwndLimited ||
      (!this.isCwndLimited && this.packetsOut > this.maxPacketsOut)
    ) {
      this.isCwndLimited = isCwndLimited;
      this.maxPacketsOut = this.packetsOut;
      this.cwndUsageSeq = this.sndNxt;
    }
    if (this.cwndLimited()) {
      this.cwndUsed = 0;
      this.cwndStamp = this.jiffies();
    } else {
      if (this.packetsOut > this.cwndUsed) this.cwndUsed = this.packetsOut;
      if (this.sysctl.tcp_slow_start_after_idle && (this.jiffies() - this.cwndStamp) * MS >= this.rtt.rto)
        this.cwndApplicationLimited();
    }
  }

  /** Linux tcp_is_cwnd_limited(). */
  cwndLimited(): boolean {
    if (this.isCwndLimited) return true;
    if (this.inSlowStart()) return this.cwnd < 2 * this.maxPacketsOut;
    return false;
  }

  /** Linux tcp_cwnd_application_limited(). */
  private cwndApplicationLimited(): void {
    if (this.caState === TCP_CA_Open) {
      const winUsed = Math.max(this.cwndUsed, TCP_INIT_CWND >> 1);
      if (winUsed < this.cwnd) {
        this.ssthresh = this.currentSsthresh();
        this.cwnd = (this.cwnd + winUsed) >> 1;
      }
      this.cwndUsed = 0;
    }
    this.cwndStamp = this.jiffies();
  }

  /** Linux tcp_slow_start_after_idle_check() + tcp_cwnd_restart(). */
  private slowStartAfterIdleCheck(): void {
    if (!this.sysctl.tcp_slow_start_after_idle || this.packetsOut) return;
    let delta = (this.jiffies() - this.lsndtime) * MS;
    if (delta <= this.rtt.rto) return;
    const restart = Math.min(TCP_INIT_CWND, this.cwnd);
    this.ca.cwndEvent?.(this.ccView(), CA_EVENT_CWND_RESTART);
    this.ssthresh = this.currentSsthresh();
    let cwnd = this.cwnd;
    for (delta -= this.rtt.rto; delta > 0 && cwnd > restart; delta -= this.rtt.rto) cwnd >>= 1;
    this.cwnd = Math.max(cwnd, restart);
    this.cwndStamp = this.jiffies();
    this.cwndUsed = 0;
  }

  /** Linux tcp_send_fin(): the FIN rides on the unsent tail, or goes alone. */
  private sendFin(): void {
    if (this.finQueued) return;
    this.finQueued = true;
    const tail = this.writeQ.length ? this.writeQ[this.writeQ.length - 1] : null;
    if (tail) {
      tail.fin = true;
      tail.end = seqAdd(tail.end, 1);
    } else {
      this.writeQ.push({
        seq: this.writeSeq,
        end: seqAdd(this.writeSeq, 1),
        fin: true,
        psh: false,
        sacked: 0,
        pcount: 1,
        mss: 0,
        sentAt: 0,
      });
    }
    this.writeSeq = seqAdd(this.writeSeq, 1);
    this.pushPendingFrames(this.currentMss(), TCP_NAGLE_OFF);
  }

  /** Data the user queued that has not been sent yet (tcp_notsent). */
  notsentBytes(): number {
    return Math.max(0, seqDiff(this.writeSeq, this.sndNxt) - (this.finQueued && !this.finSent ? 1 : 0));
  }

  // ---- active open -------------------------------------------------------------------------------

  /** Window, window scale and clamp for our SYN (tcp_connect_init). */
  private initWindowFromSpace(wscaleOk: boolean): void {
    const clamp = this.cfg.windowClamp || (this.cfg.rcvbufLocked ? this.fullSpace() : 0);
    const w = initialWindow(
      this.sysctl,
      this.fullSpace(),
      this.advMss - (this.sysctl.tcp_timestamps ? TCPOLEN_TSTAMP_ALIGNED : 0),
      clamp,
      wscaleOk,
    );
    this.rcvWnd = w.rcvWnd;
    this.windowClamp = w.windowClamp;
    this.rcvWscale = w.rcvWscale;
    this.rcvSsthresh = this.rcvWnd;
  }

  /** Start an active open (Linux tcp_connect). */
  connect(iss: number, tsOffset: number): void {
    this.iss = iss >>> 0;
    this.tsOffset = tsOffset >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.writeSeq = this.sndNxt;
    this.pushedSeq = this.writeSeq;
    this.sndSml = this.sndNxt;
    this.sndUp = this.sndNxt;
    this.advMss = this.cfg.userMss ? Math.min(this.cfg.userMss, this.cfg.advMss) : this.cfg.advMss;
    this.initWindowFromSpace(this.sysctl.tcp_window_scaling !== 0);
    this.rcvMss = this.advMss;
    this.rcvNxt = 0;
    this.rcvWup = 0;
    this.state = TCP_SYN_SENT;
    this.activeOpen = true;
    this.synSentAt = this.now();
    this.retransStamp = this.tsRaw();
    this.ca.init(this.ccView());
    this.ecnFlags = this.sysctl.tcp_ecn === 1 ? TCP_ECN_OK : 0;
    this.sendSyn(false);
    this.pending = ICSK_TIME_RETRANS;
    this.armXmitTimer(this.rtt.rto);
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
    ecnOk?: boolean;
    windowClamp?: number;
    advMss?: number;
    synSentAt: number;
    synRetransmitted: boolean;
  }): void {
    this.iss = r.iss;
    this.irs = r.irs;
    this.sndUna = r.iss; // the SYN-ACK is acknowledged by the ACK that completes the handshake
    this.sndNxt = seqAdd(r.iss, 1);
    this.writeSeq = this.sndNxt;
    this.pushedSeq = this.writeSeq;
    this.sndSml = this.sndNxt;
    this.sndUp = this.sndNxt;
    this.rcvNxt = seqAdd(r.irs, 1);
    this.copiedSeq = this.rcvNxt;
    this.rcvWup = this.rcvNxt;
    this.rcvWnd = r.rcvWnd;
    this.rcvSsthresh = r.rcvWnd;
    this.windowClamp = r.windowClamp ?? 65535 * 2 ** (r.wscaleOk ? r.rcvWscale : 0);
    this.peerMss = r.peerMss;
    this.mssClamp = r.peerMss;
    this.advMss = r.advMss ?? this.cfg.advMss;
    this.wscaleOk = r.wscaleOk;
    this.sndWscale = r.wscaleOk ? r.sndWscale : 0;
    this.rcvWscale = r.wscaleOk ? r.rcvWscale : 0;
    this.tsOk = r.tsOk;
    this.sackOk = r.sackOk;
    this.tsRecent = r.tsRecent;
    this.tsRecentStamp = this.now();
    this.tsOffset = r.tsOffset;
    this.ecnFlags = r.ecnOk ? TCP_ECN_OK : 0;
    this.state = TCP_SYN_RECV;
    this.synSentAt = r.synSentAt;
    this.synRetransmitted = r.synRetransmitted;
    this.syncMss();
    this.ca.init(this.ccView());
    this.lastRecv = this.now();
  }

  /** Record what the peer's SYN offered and what we agreed (tcp_parse_options + tcp_finish_connect). */
  private negotiate(o: TcpOptions): void {
    const s = this.sysctl;
    this.peerMss = o.mss && o.mss > 0 ? o.mss : TCP_MSS_DEFAULT;
    if (this.cfg.userMss) this.peerMss = Math.min(this.peerMss, this.cfg.userMss);
    this.mssClamp = this.peerMss;
    this.wscaleOk = s.tcp_window_scaling !== 0 && o.wscale !== undefined;
    this.sndWscale = this.wscaleOk ? Math.min(o.wscale!, TCP_MAX_WSCALE) : 0;
    if (!this.wscaleOk) {
      this.rcvWscale = 0;
      this.windowClamp = Math.min(this.windowClamp, 65535);
    }
    this.tsOk = s.tcp_timestamps !== 0 && o.ts !== undefined;
    if (this.tsOk) {
      this.tsRecent = o.ts!.val;
      this.tsRecentStamp = this.now();
    }
    this.sackOk = s.tcp_sack !== 0 && o.sackOk === true;
    this.syncMss();
  }

  /**
   * Linux tcp_sndbuf_expand(): room for two windows of cwnd (or 10) segments, each costing a
   * power-of-two buffer plus skb overhead, as Linux's worst case without TSO.
   */
  private sndbufExpand(): void {
    const perMssRaw = Math.max(this.mssClamp, this.mssCache) + 320 + 320; // + MAX_TCP_HEADER + skb_shared_info
    const perMss = 2 ** Math.ceil(Math.log2(perMssRaw)) + 256; // + sizeof(struct sk_buff)
    let nrSegs = Math.max(TCP_INIT_CWND, this.cwnd);
    nrSegs = Math.max(nrSegs, this.reordering + 1);
    this.io.expandSndbuf?.(2 * nrSegs * perMss);
  }

  /** Linux tcp_init_transfer() for both directions of open: cwnd, buffers, rcv_mss, pacing. */
  private initTransfer(): void {
    this.cwnd = TCP_INIT_CWND;
    this.cwndStamp = this.jiffies();
    this.initBufferSpace();
    this.sndbufExpand();
    if (this.tsOk) this.advMss -= TCPOLEN_TSTAMP_ALIGNED;
    this.initRcvMss();
    this.updatePacingRate();
    this.lsndtime = this.jiffies();
  }

  // ---- input -------------------------------------------------------------------------------------

  /** Read a segment's timestamp option (tcp_fast_parse_options). */
  private parseTs(seg: TcpSegment): void {
    const ts = seg.options.ts;
    this.sawTstamp = this.tsOk && ts !== undefined;
    this.rcvTsval = ts ? ts.val >>> 0 : 0;
    // Linux keeps the echoed value on its own clock, without the per-connection offset.
    this.rcvTsecr = ts?.ecr ? (ts.ecr - this.tsOffset) >>> 0 : 0;
  }

  /** Process one inbound segment addressed to this connection (Linux tcp_rcv_state_process). */
  input(seg: TcpSegment): void {
    this.inputSlow(seg);
    this.publishFast();
  }

  /**
   * Linux tcp_fast_path_on() / tcp_fast_path_check(): publish the header-prediction state to the core.
   * Prediction is on only in ESTABLISHED with nothing out of order, no SACK or D-SACK blocks to send
   * and an open receive window; pred_flags then carry the header length and the raw window we expect
   * (snd_wnd >> snd_wscale), as Linux's do.
   */
  publishFast(): void {
    const publish = this.io.publish;
    if (publish === undefined) return;
    let pred = 0;
    if (
      this.st === TCP_ESTABLISHED &&
      this.ooo.length === 0 &&
      this.selectiveAcks.length === 0 &&
      this.dsack === null &&
      this.rcvWnd > 0 &&
      !this.rcvShutdown &&
      // Linux keeps predicting in recovery too; the core does not run tcp_ack, so while our own
      // data is being recovered every segment takes the full path (a conservative difference)
      this.caState === TCP_CA_Open
    ) {
      const hdrLen = this.tsOk ? 32 : 20;
      pred = (((hdrLen >>> 2) << 28) | TCP_FLAG_ACK_WORD | (this.sndWnd >>> this.sndWscale)) >>> 0;
    }
    publish(pred, this.rcvNxt, this.rcvWup, this.rcvWnd, this.sndUna, this.tsRecent, this.tsOk);
  }

  /**
   * The host's half of a segment the core predicted and queued (Linux tcp_rcv_established, the
   * header-prediction branch for data): the core checked it is in order, acknowledges nothing new,
   * keeps the window, has a valid aligned timestamp, and linked its payload onto the receive queue.
   * What is left is the accounting Linux does there, in the same order: ts_recent, the socket's
   * counters, rcv_nxt, tcp_event_data_recv, tcp_update_wl, and __tcp_ack_snd_check. No wake-up and
   * no MIB counts (TCPHPHits ...): the host wakes each socket and counts once per batch.
   */
  rcvPredicted(len: number, psh: boolean, tsval: number, ecn: number): void {
    this.segsIn++;
    this.dataSegsIn++;
    const now = this.now();
    this.lastRecv = now;
    if (this.tsOk) {
      this.sawTstamp = true;
      this.rcvTsval = tsval >>> 0;
      // tcp_store_ts_recent() when the segment starts at the left edge we last advertised
      if (this.rcvNxt === this.rcvWup) {
        this.tsRecent = this.rcvTsval;
        this.tsRecentStamp = now;
      }
    }
    this.ecnCheckCe(ecn);
    const seq = this.rcvNxt;
    this.rcvNxt = seqAdd(this.rcvNxt, len);
    this.bytesReceived += len;
    this.lastDataRecv = now;
    this.eventDataRecv(len, psh);
    this.sndWl1 = seq; // tcp_update_wl: ack == snd_una, so only wl1 moves
    this.ackSndCheck(false);
  }

  private inputSlow(seg: TcpSegment): void {
    this.segsIn++;
    if (seg.len > 0) this.dataSegsIn++;
    if (this.state === TCP_CLOSE) return;
    if (this.state === TCP_SYN_SENT) {
      this.synSentInput(seg);
      return;
    }
    if (this.state === TCP_TIME_WAIT) {
      this.timeWaitInput(seg);
      return;
    }
    this.lastRecv = this.now();
    this.parseTs(seg);
    if (!(seg.flags & (TCPF_ACK | TCPF_RST | TCPF_SYN))) return; // Linux drops flagless segments
    if (!this.validateIncoming(seg)) return;

    // Step 5: the ACK field.
    if (!(seg.flags & TCPF_ACK)) return;
    if (this.state === TCP_SYN_RECV) {
      if (!between(seg.ack, seqAdd(this.sndUna, 1), this.sndNxt)) {
        this.sendResetFor(seg);
        return;
      }
    }
    const established = this.state === TCP_ESTABLISHED;
    const acceptable = this.tcpAck(
      seg,
      FLAG_SLOWPATH | FLAG_UPDATE_TS_RECENT | (established ? 0 : FLAG_NO_CHALLENGE_ACK),
    );
    if (acceptable < 0) {
      // tcp_rcv_established drops it; tcp_rcv_state_process (other states) sends a challenge ACK.
      if (!established) this.sendChallengeAck();
      return;
    }
    if (this.state === TCP_CLOSE) return;
    switch (this.state) {
      case TCP_SYN_RECV:
        this.synRecvEstablished(seg);
        break;
      case TCP_FIN_WAIT1:
        if (this.sndUna === this.writeSeq) {
          this.state = TCP_FIN_WAIT2;
          this.sndShutdown = true;
          this.io.wake();
          if (this.orphan) {
            if ((this.cfg.linger2 ?? 0) < 0) {
              this.done();
              return;
            }
            if (seg.len > 0 && after(seqAdd(seg.seq, seg.len), this.rcvNxt)) {
              // Data after close(): Linux aborts (tcp_rcv_state_process "Receive out of order FIN after close").
              this.sendResetFor(seg);
              this.done();
              return;
            }
            this.keepaliveTimer.mod(this.now() + this.finTime());
          }
        }
        break;
      case TCP_CLOSING:
        if (this.sndUna === this.writeSeq) {
          this.enterTimeWait();
          return;
        }
        break;
      case TCP_LAST_ACK:
        if (this.sndUna === this.writeSeq) {
          this.done();
          return;
        }
        break;
    }

    // Step 7: segment text.
    const fin = (seg.flags & TCPF_FIN) !== 0;
    // After the peer's FIN only a retransmission of what we already have is processed (and ACKed).
    const afterPeerFin =
      this.state === TCP_CLOSE_WAIT || this.state === TCP_CLOSING || this.state === TCP_LAST_ACK;
    const textState =
      (afterPeerFin && before(seg.seq, this.rcvNxt)) ||
      this.state === TCP_FIN_WAIT1 ||
      this.state === TCP_FIN_WAIT2 ||
      this.state === TCP_ESTABLISHED;
    if (textState) {
      if (
        (this.state === TCP_FIN_WAIT1 || this.state === TCP_FIN_WAIT2) &&
        this.userRcvShutdown &&
        seg.len > 0 &&
        after(seqAdd(seg.seq, seg.len), this.rcvNxt)
      ) {
        // RFC 1122 4.2.2.13: data after close() - reset (Linux tcp_rcv_state_process returns
        // TCP_ABORT_ON_DATA and tcp_v4_do_rcv answers the segment with tcp_v4_send_reset).
        this.io.count?.("TCPAbortOnData");
        this.sendResetFor(seg);
        this.fail("ECONNRESET");
        return;
      }
      if (seg.len > 0 || fin) this.dataQueue(seg);
    }
    if (this.state !== TCP_CLOSE) {
      this.dataSndCheck();
      // tcp_check_space(): an ACK may have freed send space, and sending may have brought the unsent
      // bytes under TCP_NOTSENT_LOWAT; a writer short of space may get a larger buffer (tcp_new_space).
      // Linux wakes writers only here and only after one found no room (SOCK_NOSPACE): an ACK
      // that frees space nobody is waiting for wakes nobody, so EPOLLET | EPOLLOUT stays quiet.
      if (this.noSpace) {
        if (this.packetsInFlight() < this.cwnd) this.sndbufExpand();
        if (this.io.writeSpace) this.io.writeSpace();
        else this.io.wake();
      }
      this.ackSndCheck(true);
    }
  }

  /** SYN_RECV -> ESTABLISHED on an acceptable ACK (tcp_rcv_state_process, TCP_SYN_RECV case). */
  private synRecvEstablished(seg: TcpSegment): void {
    if (!this.rtt.srttUs) {
      // tcp_synack_rtt_meas(): the SYN-ACK's RTT, or the timestamp echo when it was retransmitted.
      const rtt = this.synRetransmitted ? -1 : Math.floor((this.now() - this.synSentAt) / 1000);
      this.ackUpdateRtt(FLAG_SYN_ACKED, rtt, -1, rtt);
    }
    this.retransStamp = 0;
    this.initTransfer();
    this.copiedSeq = this.rcvNxt;
    this.state = TCP_ESTABLISHED;
    this.sndWnd = seg.window << this.sndWscale;
    this.sndWl1 = seg.seq;
    this.sndMaxWnd = Math.max(this.sndMaxWnd, this.sndWnd);
    this.syncMss();
    this.io.established?.();
    this.armKeepalive();
    this.io.wake();
    if (this.finQueued && !this.finSent && this.writeQ.length === 0) this.sendFin();
  }

  /** SYN_SENT (Linux tcp_rcv_synsent_state_process). */
  private synSentInput(seg: TcpSegment): void {
    const hasAck = (seg.flags & TCPF_ACK) !== 0;
    this.parseTs(seg);
    if (hasAck) {
      // RFC 9293: ack must be in (iss, snd_nxt]
      if (!after(seg.ack, this.iss) || after(seg.ack, this.sndNxt)) {
        if (!(seg.flags & TCPF_RST)) this.sendResetFor(seg);
        return;
      }
      const ts = seg.options.ts;
      if (ts?.ecr && this.sysctl.tcp_timestamps) {
        const ecr = (ts.ecr - this.tsOffset) >>> 0;
        if (!between(ecr, this.retransStamp, this.tsRaw())) {
          // PAWS on the SYN-ACK: an echo of a timestamp we never sent (PAWSActiveRejected).
          this.sendResetFor(seg);
          return;
        }
      }
      if (seg.flags & TCPF_RST) {
        this.fail("ECONNREFUSED");
        return;
      }
      if (!(seg.flags & TCPF_SYN)) return;
      this.irs = seg.seq;
      this.rcvNxt = seqAdd(seg.seq, 1);
      this.rcvWup = this.rcvNxt;
      this.copiedSeq = this.rcvNxt;
      this.negotiate(seg.options);
      // tcp_ecn_rcv_synack(): ECN only if the SYN-ACK has ECE without CWR.
      if (this.ecnFlags & TCP_ECN_OK && (!(seg.flags & TCPF_ECE) || seg.flags & TCPF_CWR)) this.ecnFlags = 0;
      this.sndUna = seg.ack;
      this.sndWnd = seg.window; // RFC 7323 2.2: the window field of a SYN-ACK is never scaled
      this.sndMaxWnd = this.sndWnd;
      this.sndWl1 = seg.seq;
      this.syncMss();
      if (!this.synRetransmitted) {
        const ecr = seg.options.ts?.ecr;
        if (this.tsOk && ecr) this.rttSample(Math.max(1, (this.tsNow() - ecr) >>> 0) * 1000, -1);
        else this.rttSample(Math.floor((this.now() - this.synSentAt) / 1000), -1);
      }
      this.clearXmitTimer();
      this.retransmits = 0;
      this.backoff = 0;
      this.retransStamp = 0;
      this.initTransfer();
      this.state = TCP_ESTABLISHED;
      this.lastRecv = this.now();
      this.armKeepalive();
      this.io.wake();
      if (this.inPingpong()) {
        // Save one ACK: data will follow (tcp_rcv_synsent_state_process).
        this.scheduleAck();
        this.enterQuickackMode(TCP_MAX_QUICKACKS);
        this.ackPending |= ICSK_ACK_TIMER;
        this.ackTimeoutAt = this.now() + TCP_DELACK_MAX;
        this.delackTimer.mod(this.ackTimeoutAt);
      } else {
        this.sendAck();
      }
      this.pushPendingFramesNow();
      if (this.finQueued && !this.finSent && this.writeQ.length === 0 && this.state === TCP_ESTABLISHED)
        this.sendFin();
      return;
    }
    if (seg.flags & TCPF_RST) return; // RST without ACK: ignore
    if (!(seg.flags & TCPF_SYN)) return;
    // Simultaneous open: SYN without ACK (RFC 9293 3.5, Linux "simultaneous connect").
    this.state = TCP_SYN_RECV;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.copiedSeq = this.rcvNxt;
    this.negotiate(seg.options);
    if (this.ecnFlags & TCP_ECN_OK && !(seg.flags & TCPF_ECE)) this.ecnFlags = 0;
    this.sndWnd = seg.window;
    this.sndMaxWnd = this.sndWnd;
    this.sndWl1 = seg.seq;
    this.sendSyn(true);
    this.synRetransmitted = true; // no RTT sample from a crossed handshake
  }

  /** Linux tcp_paws_check(). */
  private pawsCheck(win: number): boolean {
    if (((this.tsRecent - this.rcvTsval) | 0) <= win) return true;
    if (this.now() - this.tsRecentStamp >= 24 * 24 * 3600 * 1000 * MS) return true;
    if (!this.tsRecent) return true;
    return false;
  }

  /** Linux tcp_disordered_ack(): a pure duplicate ACK that failed PAWS only because of reordering. */
  private disorderedAck(seg: TcpSegment): boolean {
    const seq = seg.seq;
    const ack = seg.ack;
    return (
      (seg.flags & TCPF_ACK) !== 0 &&
      seg.len === 0 &&
      !(seg.flags & (TCPF_SYN | TCPF_FIN)) &&
      seq === this.rcvNxt &&
      ack === this.sndUna &&
      !this.mayUpdateWindow(ack, seq, seg.window << this.sndWscale) &&
      ((this.tsRecent - this.rcvTsval) | 0) <= Math.floor(((this.rtt.rto / MS) * 1024) / 1000)
    );
  }

  /** Linux tcp_oow_rate_limited(): at most one dupack per tcp_invalid_ratelimit for ACK-only segments. */
  private oowRateLimited(seg: TcpSegment | null): boolean {
    if (seg && segEnd(seg) !== seg.seq && !(seg.flags & TCPF_SYN)) return false;
    return this.oowRateLimitedRaw();
  }

  private oowRateLimitedRaw(): boolean {
    const now = this.jiffies() + 1;
    if (this.lastOowAckTime) {
      const elapsed = now - this.lastOowAckTime;
      if (elapsed >= 0 && elapsed < this.sysctl.tcp_invalid_ratelimit) return true;
    }
    this.lastOowAckTime = now;
    return false;
  }

  /** Linux tcp_send_challenge_ack() (RFC 5961), per-socket rate limited. */
  private sendChallengeAck(): void {
    if (this.oowRateLimitedRaw()) return;
    this.io.count?.("TCPChallengeACK");
    this.sendAck();
  }

  /** Linux tcp_send_dupack(). */
  private sendDupack(seg: TcpSegment): void {
    const end = segEnd(seg);
    if (end !== seg.seq && before(seg.seq, this.rcvNxt)) {
      this.enterQuickackMode(TCP_MAX_QUICKACKS);
      if (this.isSack() && this.sysctl.tcp_dsack) {
        const e = after(end, this.rcvNxt) ? this.rcvNxt : end;
        this.dsackSet(seg.seq, e);
      }
    }
    this.sendAck();
  }

  /**
   * Acceptability, PAWS, RST and SYN checks (Linux tcp_validate_incoming; RFC 9293 3.10.7.4 steps 1-4,
   * RFC 7323 PAWS, RFC 5961 for RST and SYN in synchronised states). Returns false when consumed.
   */
  private validateIncoming(seg: TcpSegment): boolean {
    // RFC 7323 H1: PAWS first.
    if (this.sawTstamp && !this.pawsCheck(TCP_PAWS_WINDOW) && !this.disorderedAck(seg)) {
      if (!(seg.flags & TCPF_RST)) {
        if (seg.flags & TCPF_SYN) {
          this.sendChallengeAck();
          return false;
        }
        if (!this.oowRateLimited(seg)) this.sendDupack(seg);
        return false;
      }
    }
    // Step 1: sequence number (Linux tcp_sequence).
    const end = segEnd(seg);
    const winEnd = seqAdd(this.rcvNxt, this.receiveWindow());
    let bad = false;
    if (before(end, this.rcvWup)) bad = true;
    else if (after(end, winEnd) && after(seqAdd(end, seg.flags & TCPF_FIN ? -1 : 0), winEnd)) {
      // (a FIN may reach one beyond the window: some stacks send bare FINs into a zero window)
      if (after(seg.seq, winEnd)) bad = true;
      else if (this.io.rcvSpace() < this.cfg.rcvbuf) bad = true; // only with an empty receive queue
    }
    if (bad) {
      if (!(seg.flags & TCPF_RST)) {
        if (seg.flags & TCPF_SYN) {
          this.sendChallengeAck();
          return false;
        }
        if (!this.oowRateLimited(seg)) this.sendDupack(seg);
      } else if (this.resetCheck(seg)) {
        this.onReset();
      }
      return false;
    }
    // Step 2: RST. RFC 5961 3.2 as Linux: exact match (or the right edge of the last SACK) resets.
    if (seg.flags & TCPF_RST) {
      if (seg.seq === this.rcvNxt || this.resetCheck(seg)) {
        this.onReset();
        return false;
      }
      if (this.isSack() && this.selectiveAcks.length) {
        let maxSack = this.selectiveAcks[0].end;
        for (const b of this.selectiveAcks) if (after(b.end, maxSack)) maxSack = b.end;
        if (seg.seq === maxSack) {
          this.onReset();
          return false;
        }
      }
      this.sendChallengeAck();
      return false;
    }
    // Step 4: SYN in a synchronised state: RFC 5961 4.2, challenge ACK.
    if (seg.flags & TCPF_SYN) {
      if (
        this.state === TCP_SYN_RECV &&
        seg.flags & TCPF_ACK &&
        seqAdd(seg.seq, 1) === this.rcvNxt &&
        seg.ack === this.sndNxt
      )
        return true;
      this.sendChallengeAck();
      return false;
    }
    return true;
  }

  /** Linux tcp_reset_check(): an RST one below rcv_nxt after the peer's FIN. */
  private resetCheck(seg: TcpSegment): boolean {
    return (
      seg.seq === seqAdd(this.rcvNxt, -1) &&
      (this.state === TCP_CLOSE_WAIT || this.state === TCP_LAST_ACK || this.state === TCP_CLOSING)
    );
  }

  private onReset(): void {
    // Linux tcp_reset(): ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT, else ECONNRESET.
    const e: TcpError =
      this.state === TCP_SYN_SENT ? "ECONNREFUSED" : this.state === TCP_CLOSE_WAIT ? "EPIPE" : "ECONNRESET";
    this.fail(e);
  }

  private mayUpdateWindow(ack: number, ackSeq: number, nwin: number): boolean {
    return (
      after(ack, this.sndUna) ||
      after(ackSeq, this.sndWl1) ||
      (ackSeq === this.sndWl1 && (nwin > this.sndWnd || !nwin))
    );
  }

  /** Linux tcp_replace_ts_recent(). */
  private replaceTsRecent(seq: number): void {
    if (this.sawTstamp && !after(seq, this.rcvWup)) {
      if (this.pawsCheck(0)) {
        this.tsRecent = this.rcvTsval;
        this.tsRecentStamp = this.now();
      }
    }
  }

  // ---- ACK processing (tcp_input.c tcp_ack and the loss-recovery state machine) ----------------------

  /** Linux tcp_highest_sack_seq(): the right edge of the highest SACKed skb (fack). */
  private highestSackSeq(): number {
    if (!this.sackedOut) return this.sndUna;
    if (!this.highestSack) return this.sndNxt;
    return this.highestSack.end;
  }

  /**
   * Linux tcp_ack(). Returns 1 when the ACK was processed, 0 for an old (duplicate-below-snd_una) ACK,
   * -1 when it must be dropped (acknowledges unsent data, or is older than a window).
   */
  private tcpAck(seg: TcpSegment, flagIn: number): number {
    let flag = flagIn;
    const ack = seg.ack;
    const priorSndUna = this.sndUna;
    const priorFack = this.isSack() ? this.highestSackSeq() : this.sndUna;
    const priorPackets = this.packetsOut;
    const priorDelivered = this.delivered;
    const priorLost = this.lost;
    let rexmit = REXMIT_NONE;
    let numDupack = 0;
    const sack = { flag: 0, firstSackt: 0, lastSackt: 0, reord: this.sndNxt };

    if (before(ack, priorSndUna)) {
      const maxWindow = Math.min(this.sndMaxWnd, this.bytesAcked + 1);
      if (before(ack, seqAdd(priorSndUna, -maxWindow))) {
        if (!(flag & FLAG_NO_CHALLENGE_ACK)) this.sendChallengeAck();
        return -1;
      }
      // old_ack: SACK information may still be news.
      if (seg.options.sack?.length && this.isSack()) {
        flag |= this.sacktagWriteQueue(seg, priorSndUna, sack);
        const r = this.fastretransAlert(priorSndUna, numDupack, flag);
        flag = r.flag;
        this.xmitRecovery(r.rexmit);
      }
      return 0;
    }
    if (after(ack, this.sndNxt)) return -1;

    if (after(ack, priorSndUna)) {
      flag |= FLAG_SND_UNA_ADVANCED;
      this.retransmits = 0;
    }
    if (flag & FLAG_UPDATE_TS_RECENT) this.replaceTsRecent(seg.seq);

    if (seg.len > 0 || seg.flags & (TCPF_SYN | TCPF_FIN)) flag |= FLAG_DATA;
    // tcp_ecn_rcv_ecn_echo(): the peer saw congestion (RFC 3168 6.1.2).
    if (seg.flags & TCPF_ECE && !(seg.flags & TCPF_SYN) && this.ecnFlags & TCP_ECN_OK) flag |= FLAG_ECE;
    flag |= this.ackUpdateWindow(seg, ack);
    if (seg.options.sack?.length && this.isSack()) flag |= this.sacktagWriteQueue(seg, priorSndUna, sack);

    this.errSoft = undefined;
    this.probesOut = 0;
    this.lastRecv = this.now();
    if (!priorPackets) {
      // no_queue
      this.ackProbe();
      if (this.tlpHighSeq) this.processTlpAck(ack, flag);
      return 1;
    }
    flag |= this.cleanRtxQueue(priorFack, priorSndUna, sack);
    this.rackUpdateReoWnd();
    if (this.tlpHighSeq) this.processTlpAck(ack, flag);

    if (this.ackIsDubious(flag)) {
      if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK))) numDupack = 1;
      const r = this.fastretransAlert(priorSndUna, numDupack, flag);
      flag = r.flag;
      rexmit = r.rexmit;
    }
    if (flag & FLAG_SET_XMIT_TIMER) this.setXmitTimer();
    const delivered = this.delivered - priorDelivered;
    const lost = this.lost - priorLost;
    this.congControl(ack, delivered, lost, flag);
    this.xmitRecovery(rexmit);
    if (!this.packetsOut && this.writeQ.length) this.ackProbe();
    return 1;
  }

  private ackIsDubious(flag: number): boolean {
    return !(flag & FLAG_NOT_DUP) || (flag & FLAG_CA_ALERT) !== 0 || this.caState !== TCP_CA_Open;
  }

  /** Linux tcp_ack_update_window() + tcp_snd_una_update(). */
  private ackUpdateWindow(seg: TcpSegment, ack: number): number {
    let flag = 0;
    let nwin = seg.window;
    if (!(seg.flags & TCPF_SYN)) nwin = nwin * 2 ** this.sndWscale;
    if (this.mayUpdateWindow(ack, seg.seq, nwin)) {
      flag |= FLAG_WIN_UPDATE;
      this.sndWl1 = seg.seq;
      if (this.sndWnd !== nwin) {
        this.sndWnd = nwin;
        if (this.writeQ.length) this.slowStartAfterIdleCheck();
        if (nwin > this.sndMaxWnd) {
          this.sndMaxWnd = nwin;
          this.syncMss();
        }
      }
    }
    if (after(ack, this.sndUna)) {
      let bytes = seqDiff(ack, this.sndUna);
      // The SYN (of a SYN-ACK we sent) occupies sequence space but no buffer byte.
      if (!after(this.sndUna, this.iss) && after(ack, this.iss)) bytes--;
      if (this.finSent && ack === this.sndNxt && this.sndNxt === this.writeSeq) bytes--;
      bytes = Math.min(Math.max(bytes, 0), this.io.sndBuffered());
      if (bytes > 0) this.io.sndAcked(bytes);
      this.bytesAcked += bytes;
      this.sndUna = ack;
    }
    return flag;
  }

  /** Linux tcp_adjust_pcount(): an skb in the retransmit queue changed its segment count. */
  private adjustPcount(skb: TcpSkb, decr: number): void {
    this.packetsOut -= decr;
    if (skb.sacked & TCPCB_SACKED_ACKED) this.sackedOut -= decr;
    if (skb.sacked & TCPCB_SACKED_RETRANS) this.retransOut -= decr;
    if (skb.sacked & TCPCB_LOST) this.lostOut -= decr;
  }

  /** tcp_fragment() on the retransmit queue: keeps counters and the transmit-order list in step. */
  private fragmentRtx(skb: TcpSkb, len: number, mss: number): TcpSkb {
    const old = skb.pcount;
    const buff = splitSkb(skb, len, mss);
    const i = this.rtxQ.indexOf(skb);
    this.rtxQ.splice(i + 1, 0, buff);
    const j = this.tsorted.indexOf(skb);
    if (j >= 0) this.tsorted.splice(j + 1, 0, buff);
    else this.tsorted.push(buff);
    const diff = old - skb.pcount - buff.pcount;
    if (diff) this.adjustPcount(skb, diff);
    // The new skb carries the same scoreboard bits: count its segments too (tcp_fragment does via pcount).
    return buff;
  }

  private removeFromRtx(skb: TcpSkb): void {
    const i = this.rtxQ.indexOf(skb);
    if (i >= 0) this.rtxQ.splice(i, 1);
    const j = this.tsorted.indexOf(skb);
    if (j >= 0) this.tsorted.splice(j, 1);
    if (this.highestSack === skb) this.highestSack = null;
  }

  /** Linux tcp_clean_rtx_queue(): free what the cumulative ACK covers, take RTT samples. */
  private cleanRtxQueue(
    priorFack: number,
    priorSndUna: number,
    sack: { flag: number; firstSackt: number; lastSackt: number; reord: number },
  ): number {
    const now = this.now();
    let flag = 0;
    let pktsAcked = 0;
    let firstAckt = 0;
    let lastAckt = 0;
    let reord = this.sndNxt;
    const priorSacked = this.sackedOut;
    // The SYN of a SYN-ACK we sent (passive open, or simultaneous open).
    if (this.state === TCP_SYN_RECV && !after(priorSndUna, this.iss) && after(this.sndUna, this.iss)) {
      flag |= FLAG_SYN_ACKED;
      this.delivered++;
    }
    while (this.rtxQ.length) {
      const skb = this.rtxQ[0];
      const startSeq = skb.seq;
      let ackedPcount: number;
      let fullyAcked = true;
      if (after(skb.end, this.sndUna)) {
        if (skb.pcount === 1 || !after(this.sndUna, skb.seq)) break;
        // tcp_tso_acked(): trim the acknowledged head of a multi-segment skb.
        const old = skb.pcount;
        skb.seq = this.sndUna;
        setTsoSegs(skb, skb.mss || this.mssCache);
        ackedPcount = old - skb.pcount;
        if (!ackedPcount) break;
        fullyAcked = false;
      } else {
        ackedPcount = skb.pcount;
      }
      const sacked = skb.sacked;
      if (sacked & TCPCB_RETRANS) {
        if (sacked & TCPCB_SACKED_RETRANS) this.retransOut -= ackedPcount;
        flag |= FLAG_RETRANS_DATA_ACKED;
      } else if (!(sacked & TCPCB_SACKED_ACKED)) {
        lastAckt = skb.sentAt;
        if (!firstAckt) firstAckt = lastAckt;
        if (before(startSeq, reord)) reord = startSeq;
        if (!after(skb.end, this.highSeq)) flag |= FLAG_ORIG_SACK_ACKED;
      }
      if (sacked & TCPCB_SACKED_ACKED) this.sackedOut -= ackedPcount;
      else if (this.isSack()) {
        this.delivered += ackedPcount;
        this.rackAdvance(sacked, skb.end, skb.sentAt);
      }
      if (sacked & TCPCB_LOST) this.lostOut -= ackedPcount;
      this.packetsOut -= ackedPcount;
      pktsAcked += ackedPcount;
      if (!fullyAcked) {
        flag |= FLAG_DATA_ACKED;
        break;
      }
      this.removeFromRtx(skb);
      flag |= FLAG_DATA_ACKED;
    }
    if (!this.sackedOut) this.highestSack = null;
    let seqRttUs = -1;
    let caRttUs = -1;
    let sackRttUs = -1;
    if (firstAckt && !(flag & FLAG_RETRANS_DATA_ACKED)) {
      seqRttUs = Math.floor((now - firstAckt) / 1000);
      caRttUs = Math.floor((now - lastAckt) / 1000);
    }
    if (sack.firstSackt) {
      sackRttUs = Math.floor((now - sack.firstSackt) / 1000);
      caRttUs = Math.floor((now - sack.lastSackt) / 1000);
    }
    const rs = this.ackUpdateRtt(flag, seqRttUs, sackRttUs, caRttUs);
    if (flag & FLAG_ACKED) {
      flag |= FLAG_SET_XMIT_TIMER;
      if (this.isReno()) {
        this.removeRenoSacks(pktsAcked);
        if (flag & FLAG_RETRANS_DATA_ACKED) flag &= ~FLAG_ORIG_SACK_ACKED;
      } else if (before(reord, priorFack)) {
        this.checkSackReordering(reord);
      }
      void priorSacked;
    } else if (
      this.rtxQ.length &&
      rs.updated &&
      sackRttUs >= 0 &&
      sackRttUs * 1000 > now - this.rtxQ[0].sentAt
    ) {
      flag |= FLAG_SET_XMIT_TIMER;
    }
    if (pktsAcked || rs.caRttUs >= 0) this.ca.pktsAcked?.(this.ccView(), pktsAcked, rs.caRttUs);
    return flag;
  }

  /** Linux tcp_ack_update_rtt() (with tcp_rtt_tsopt_us for timestamp echoes). */
  private ackUpdateRtt(
    flag: number,
    seqRttUsIn: number,
    sackRttUs: number,
    caRttUsIn: number,
  ): { updated: boolean; caRttUs: number } {
    let seqRttUs = seqRttUsIn;
    let caRttUs = caRttUsIn;
    if (seqRttUs < 0) seqRttUs = sackRttUs;
    if (seqRttUs < 0 && this.sawTstamp && this.rcvTsecr && flag & FLAG_ACKED) {
      const delta = (this.tsRaw() - this.rcvTsecr) | 0;
      if (delta >= 0 && delta < 0x7fffffff / 1000) seqRttUs = caRttUs = Math.max(delta, 1) * 1000;
    }
    if (seqRttUs < 0) return { updated: false, caRttUs };
    this.rttSample(seqRttUs, caRttUs);
    return { updated: true, caRttUs };
  }

  /** One RTT measurement: min-RTT filter, estimator, RTO; resets the backoff (RFC 6298). */
  private rttSample(seqRttUs: number, caRttUs: number): void {
    this.rtt.updateMin(caRttUs >= 0 ? caRttUs : seqRttUs, this.now(), this.sysctl.tcp_min_rtt_wlen * 1e9);
    this.rtt.sample(seqRttUs, this.sndUna, this.sndNxt);
    this.backoff = 0;
  }

  // -- SACK scoreboard (tcp_sacktag_write_queue)

  private sacktagWriteQueue(
    seg: TcpSegment,
    priorSndUna: number,
    st: { flag: number; firstSackt: number; lastSackt: number; reord: number },
  ): number {
    const blocks = seg.options.sack ?? [];
    if (!blocks.length || !this.packetsOut) return 0;
    let flag = 0;
    const [s0, e0] = blocks[0];
    let dupSack = false;
    if (before(s0, seg.ack)) dupSack = true;
    else if (blocks.length > 1 && !after(e0, blocks[1][1]) && !before(s0, blocks[1][0])) dupSack = true;
    if (dupSack) {
      flag |= FLAG_DSACKING_ACK;
      this.rack.dsackSeen = true;
      if (this.undoMarker && this.undoRetrans > 0 && !after(e0, priorSndUna) && after(e0, this.undoMarker))
        this.undoRetrans = Math.max(0, this.undoRetrans - 1);
      if (this.tlpHighSeq && this.tlpRetrans && !after(e0, this.tlpHighSeq) && after(e0, priorSndUna))
        flag |= FLAG_DSACK_TLP;
    }
    const prevReord = st.reord;
    st.reord = this.sndNxt;
    // Valid blocks, in ascending order (tcp_sacktag_write_queue sorts them).
    const valid: { start: number; end: number; dup: boolean }[] = [];
    blocks.forEach(([start, end], i) => {
      const dup = dupSack && i === 0;
      if (!this.sackBlockValid(dup, start, end)) return;
      if (!after(end, this.sndUna)) {
        // A D-SACK below snd_una (or an old block): nothing left to tag.
        return;
      }
      valid.push({ start, end, dup });
    });
    valid.sort((a, b) => seqDiff(a.start, b.start));
    for (const b of valid) {
      for (let i = 0; i < this.rtxQ.length; i++) {
        const skb = this.rtxQ[i];
        if (!after(skb.end, b.start)) continue;
        if (!before(skb.seq, b.end)) break;
        const inSack = this.matchSkbToSack(skb, b.start, b.end);
        if (inSack <= 0) continue;
        flag |= this.sacktagOne(skb, b.dup, st);
      }
    }
    if (before(st.reord, this.highestSackSeq()) && before(st.reord, this.sndNxt))
      this.checkSackReordering(st.reord);
    if (before(prevReord, st.reord)) st.reord = prevReord;
    return flag | st.flag;
  }

  /** Linux tcp_is_sackblock_valid(). */
  private sackBlockValid(isDsack: boolean, start: number, end: number): boolean {
    if (after(end, this.sndNxt) || !before(start, end)) return false;
    if (!before(start, this.sndNxt)) return false;
    if (after(start, this.sndUna)) return true;
    if (!isDsack || !this.undoMarker) return false;
    if (after(end, this.sndUna)) return false;
    if (!before(start, this.undoMarker)) return true;
    if (!after(end, this.undoMarker)) return false;
    return !before(start, seqAdd(end, -this.sndMaxWnd));
  }

  /** Linux tcp_match_skb_to_sack(): split a multi-segment skb at MSS boundaries; 1 if fully SACKed. */
  private matchSkbToSack(skb: TcpSkb, start: number, end: number): number {
    let inSack = !after(start, skb.seq) && !before(end, skb.end);
    if (skb.pcount > 1 && !inSack && after(skb.end, start)) {
      const mss = skb.mss || this.mssCache;
      inSack = !after(start, skb.seq);
      let pktLen: number;
      if (!inSack) {
        pktLen = seqDiff(start, skb.seq);
        if (pktLen < mss) pktLen = mss;
      } else {
        pktLen = seqDiff(end, skb.seq);
        if (pktLen < mss) return -1;
      }
      if (pktLen > mss) {
        let newLen = Math.floor(pktLen / mss) * mss;
        if (!inSack && newLen < pktLen) newLen += mss;
        pktLen = newLen;
      }
      if (pktLen >= skbLen(skb) && !inSack) return 0;
      this.fragmentRtx(skb, pktLen, mss);
    }
    return inSack ? 1 : 0;
  }

  /** Linux tcp_sacktag_one(). */
  private sacktagOne(
    skb: TcpSkb,
    dupSack: boolean,
    st: { flag: number; firstSackt: number; lastSackt: number; reord: number },
  ): number {
    let sacked = skb.sacked;
    const pcount = skb.pcount;
    if (dupSack && sacked & TCPCB_RETRANS) {
      if (this.undoMarker && this.undoRetrans > 0 && after(skb.end, this.undoMarker))
        this.undoRetrans = Math.max(0, this.undoRetrans - pcount);
      if (sacked & TCPCB_SACKED_ACKED && before(skb.seq, st.reord)) st.reord = skb.seq;
    }
    if (!after(skb.end, this.sndUna)) return 0;
    if (sacked & TCPCB_SACKED_ACKED) return 0;
    this.rackAdvance(sacked, skb.end, skb.sentAt);
    if (sacked & TCPCB_SACKED_RETRANS) {
      if (sacked & TCPCB_LOST) {
        sacked &= ~(TCPCB_LOST | TCPCB_SACKED_RETRANS);
        this.lostOut -= pcount;
        this.retransOut -= pcount;
      }
    } else {
      if (!(sacked & TCPCB_RETRANS)) {
        if (before(skb.seq, this.highestSackSeq()) && before(skb.seq, st.reord)) st.reord = skb.seq;
        if (!after(skb.end, this.highSeq)) st.flag |= FLAG_ORIG_SACK_ACKED;
        if (!st.firstSackt) st.firstSackt = skb.sentAt;
        st.lastSackt = skb.sentAt;
      }
      if (sacked & TCPCB_LOST) {
        sacked &= ~TCPCB_LOST;
        this.lostOut -= pcount;
      }
    }
    sacked |= TCPCB_SACKED_ACKED;
    skb.sacked = sacked;
    this.sackedOut += pcount;
    this.delivered += pcount;
    if (!this.highestSack || after(skb.end, this.highestSack.end)) this.highestSack = skb;
    return FLAG_DATA_SACKED;
  }

  /** Linux tcp_check_sack_reordering(). */
  private checkSackReordering(lowSeq: number): void {
    const fack = this.highestSackSeq();
    if (!before(lowSeq, fack)) return;
    const metric = seqDiff(fack, lowSeq);
    const mss = this.mssCache;
    if (metric > this.reordering * mss && mss)
      this.reordering = Math.min(Math.ceil(metric / mss), this.sysctl.tcp_max_reordering);
    this.reordSeen++;
  }

  // -- Reno "SACK" from duplicate ACKs (tcp_add_reno_sack & co.)

  private limitRenoSacked(): boolean {
    let holes = Math.max(this.lostOut, 1);
    holes = Math.min(holes, this.packetsOut);
    if (this.sackedOut + holes > this.packetsOut) {
      this.sackedOut = this.packetsOut - holes;
      return true;
    }
    return false;
  }

  private addRenoSack(numDupack: number): void {
    if (!numDupack) return;
    const prior = this.sackedOut;
    this.sackedOut += numDupack;
    if (this.limitRenoSacked()) {
      this.reordering = Math.min(this.packetsOut + 0, this.sysctl.tcp_max_reordering);
      this.reordSeen++;
    }
    const delivered = this.sackedOut - prior;
    if (delivered > 0) this.delivered += delivered;
  }

  private removeRenoSacks(acked: number): void {
    if (acked > 0) {
      this.delivered += Math.max(acked - this.sackedOut, 1);
      if (acked - 1 >= this.sackedOut) this.sackedOut = 0;
      else this.sackedOut -= acked - 1;
    }
  }

  private resetRenoSack(): void {
    this.sackedOut = 0;
  }

  // -- RACK (tcp_recovery.c, RFC 8985)

  private skbSentAfter(t1: number, t2: number, seq1: number, seq2: number): boolean {
    return t1 > t2 || (t1 === t2 && after(seq1, seq2));
  }

  /** Linux tcp_rack_advance(). */
  private rackAdvance(sacked: number, endSeq: number, xmitTime: number): void {
    const rttUs = Math.floor((this.now() - xmitTime) / 1000);
    if (rttUs < this.minRttUs() && sacked & TCPCB_RETRANS) return;
    this.rack.advanced = true;
    this.rack.rttUs = rttUs;
    if (this.skbSentAfter(xmitTime, this.rack.mstamp, endSeq, this.rack.endSeq)) {
      this.rack.mstamp = xmitTime;
      this.rack.endSeq = endSeq;
    }
  }

  /** Linux tcp_rack_reo_wnd(), us. */
  private rackReoWnd(): number {
    if (!this.reordSeen) {
      if (this.caState >= TCP_CA_Recovery) return 0;
      if (this.sackedOut >= this.reordering && !(this.sysctl.tcp_recovery & 4)) return 0;
    }
    const minRtt = this.minRttUs() === 0xffffffff ? 0 : this.minRttUs();
    return Math.min((minRtt >> 2) * this.rack.reoWndSteps, this.rtt.srttUs >> 3);
  }

  /** Linux tcp_rack_skb_timeout(), us. */
  private rackSkbTimeout(skb: TcpSkb, reoWnd: number): number {
    return this.rack.rttUs + reoWnd - Math.floor((this.now() - skb.sentAt) / 1000);
  }

  /** Linux tcp_rack_detect_loss(): returns the longest remaining wait (us), 0 for none. */
  private rackDetectLoss(): number {
    let reoTimeout = 0;
    const reoWnd = this.rackReoWnd();
    for (const skb of [...this.tsorted]) {
      if (skb.sacked & TCPCB_LOST && !(skb.sacked & TCPCB_SACKED_RETRANS)) continue;
      if (!this.skbSentAfter(this.rack.mstamp, skb.sentAt, this.rack.endSeq, skb.end)) break;
      if (skb.sacked & TCPCB_SACKED_ACKED) continue;
      const remaining = this.rackSkbTimeout(skb, reoWnd);
      if (remaining <= 0) this.markSkbLost(skb);
      else reoTimeout = Math.max(reoTimeout, remaining);
    }
    return reoTimeout;
  }

  /** Linux tcp_rack_mark_lost(): returns true when a reordering timer was armed. */
  private rackMarkLost(): boolean {
    if (!this.rack.advanced) return false;
    this.rack.advanced = false;
    const timeout = this.rackDetectLoss();
    if (timeout) {
      this.resetXmitTimer(ICSK_TIME_REO_TIMEOUT, usToJiffiesNs(timeout) + TCP_TIMEOUT_MIN);
      return true;
    }
    return false;
  }

  /** Linux tcp_rack_reo_timeout(). */
  private rackReoTimeout(): void {
    const lost = this.lost;
    const priorInflight = this.packetsInFlight();
    this.rackDetectLoss();
    if (priorInflight !== this.packetsInFlight()) {
      if (this.caState !== TCP_CA_Recovery) {
        this.enterRecovery(false);
        this.cwndReduction(1, this.lost - lost, 0);
      }
      this.xmitRetransmitQueue();
    }
    if (this.pending !== ICSK_TIME_RETRANS) this.rearmRto();
  }

  /** Linux tcp_rack_update_reo_wnd() (DSACK-driven growth of the reordering window). */
  private rackUpdateReoWnd(): void {
    if (this.sysctl.tcp_recovery & 2) return;
    if (this.rack.dsackSeen) {
      this.rack.reoWndSteps = Math.min(0xff, this.rack.reoWndSteps + 1);
      this.rack.dsackSeen = false;
      this.rack.lastDelivered = this.delivered;
      this.rack.reoWndPersist = TCP_RACK_RECOVERY_THRESH;
    } else if (!this.rack.reoWndPersist) {
      this.rack.reoWndSteps = 1;
    }
  }

  /** Linux tcp_mark_skb_lost(). */
  private markSkbLost(skb: TcpSkb): void {
    const sacked = skb.sacked;
    if (sacked & TCPCB_SACKED_ACKED) return;
    if (sacked & TCPCB_LOST) {
      if (sacked & TCPCB_SACKED_RETRANS) {
        skb.sacked &= ~TCPCB_SACKED_RETRANS;
        this.retransOut -= skb.pcount;
        this.lost += skb.pcount;
      }
    } else {
      this.lostOut += skb.pcount;
      skb.sacked |= TCPCB_LOST;
      this.lost += skb.pcount;
    }
  }

  /** Linux tcp_newreno_mark_lost(). */
  private newrenoMarkLost(sndUnaAdvanced: boolean): void {
    const state = this.caState;
    if (
      (state < TCP_CA_Recovery && this.sackedOut >= this.reordering) ||
      (state === TCP_CA_Recovery && sndUnaAdvanced)
    ) {
      const skb = this.rtxQ[0];
      if (!skb || skb.sacked & TCPCB_LOST) return;
      const mss = skb.mss || this.mssCache;
      if (skb.pcount > 1 && skbLen(skb) > mss) this.fragmentRtx(skb, mss, mss);
      this.markSkbLost(skb);
    }
  }

  /** Linux tcp_identify_packet_loss(). */
  private identifyPacketLoss(flag: number): number {
    if (!this.rtxQ.length) return flag;
    if (this.isReno()) {
      this.newrenoMarkLost((flag & FLAG_SND_UNA_ADVANCED) !== 0);
    } else if (this.isRack()) {
      const priorRetrans = this.retransOut;
      if (this.rackMarkLost()) flag &= ~FLAG_SET_XMIT_TIMER;
      if (priorRetrans > this.retransOut) flag |= FLAG_LOST_RETRANS;
    }
    return flag;
  }

  private timeToRecover(): boolean {
    if (this.lostOut) return true;
    if (!this.isRack() && this.sackedOut > this.reordering) return true;
    return false;
  }

  private anyRetransDone(): boolean {
    if (this.retransOut) return true;
    const head = this.rtxQ[0];
    return head !== undefined && (head.sacked & TCPCB_EVER_RETRANS) !== 0;
  }

  /** Linux tcp_try_keep_open(). */
  private tryKeepOpen(): void {
    let state = TCP_CA_Open;
    if (this.leftOut() || this.anyRetransDone()) state = TCP_CA_Disorder;
    if (this.caState !== state) {
      this.setCaState(state);
      this.highSeq = this.sndNxt;
    }
  }

  /** Linux tcp_try_to_open(). */
  private tryToOpen(flag: number): void {
    if (!this.anyRetransDone()) this.retransStamp = 0;
    if (flag & FLAG_ECE) this.enterCwr();
    if (this.caState !== TCP_CA_CWR) this.tryKeepOpen();
  }

  /** Linux tcp_enter_cwr(). */
  private enterCwr(): void {
    this.priorSsthresh = 0;
    if (this.caState < TCP_CA_CWR) {
      this.undoMarker = 0;
      this.initCwndReduction();
      this.setCaState(TCP_CA_CWR);
    }
  }

  /** Linux tcp_init_undo(). */
  private initUndo(): void {
    this.undoMarker = this.sndUna;
    this.undoRetrans = this.retransOut;
    if (this.tlpHighSeq && this.tlpRetrans) this.undoRetrans++;
    if (!this.undoRetrans) this.undoRetrans = -1;
  }

  /** Linux tcp_init_cwnd_reduction(). */
  private initCwndReduction(): void {
    this.highSeq = this.sndNxt;
    this.tlpHighSeq = 0;
    this.cwndCnt = 0;
    this.priorCwnd = this.cwnd;
    this.prrDelivered = 0;
    this.prrOut = 0;
    this.ssthresh = this.ca.ssthresh(this.ccView());
    if (this.ecnFlags & TCP_ECN_OK) this.ecnFlags |= TCP_ECN_QUEUE_CWR; // tcp_ecn_queue_cwr
  }

  /** Linux tcp_cwnd_reduction(): Proportional Rate Reduction (RFC 6937). */
  private cwndReduction(newlyAckedSacked: number, newlyLost: number, flag: number): void {
    if (newlyAckedSacked <= 0 || !this.priorCwnd) return;
    const delta = this.ssthresh - this.packetsInFlight();
    let sndcnt: number;
    this.prrDelivered += newlyAckedSacked;
    if (delta < 0) {
      sndcnt =
        Math.floor((this.ssthresh * this.prrDelivered + this.priorCwnd - 1) / this.priorCwnd) - this.prrOut;
    } else {
      sndcnt = Math.max(this.prrDelivered - this.prrOut, newlyAckedSacked);
      if (flag & FLAG_SND_UNA_ADVANCED && !newlyLost) sndcnt++;
      sndcnt = Math.min(delta, sndcnt);
    }
    sndcnt = Math.max(sndcnt, this.prrOut ? 0 : 1);
    this.cwnd = this.packetsInFlight() + sndcnt;
  }

  /** Linux tcp_end_cwnd_reduction(). */
  private endCwndReduction(): void {
    if (this.ssthresh < TCP_INFINITE_SSTHRESH && (this.caState === TCP_CA_CWR || this.undoMarker)) {
      this.cwnd = this.ssthresh;
      this.cwndStamp = this.jiffies();
    }
    this.ca.cwndEvent?.(this.ccView(), CA_EVENT_COMPLETE_CWR);
  }

  /** Linux tcp_enter_recovery(). */
  private enterRecovery(eceAck: boolean): void {
    this.io.count?.(this.isReno() ? "TCPRenoRecovery" : "TCPSackRecovery");
    this.priorSsthresh = 0;
    this.initUndo();
    if (!this.inCwndReduction()) {
      if (!eceAck) this.priorSsthresh = this.currentSsthresh();
      this.initCwndReduction();
    }
    this.setCaState(TCP_CA_Recovery);
  }

  /** Linux tcp_packet_delayed(): the ACK echoes a timestamp from before our first retransmission. */
  private packetDelayed(): boolean {
    if (this.retransStamp && this.sawTstamp && this.rcvTsecr && ((this.rcvTsecr - this.retransStamp) | 0) < 0)
      return true;
    if (!this.retransStamp && this.state !== TCP_SYN_SENT) return true;
    return false;
  }

  private mayUndo(): boolean {
    return this.undoMarker !== 0 && (this.undoRetrans <= 0 || this.packetDelayed());
  }

  /** Linux tcp_undo_cwnd_reduction(). */
  private undoCwndReduction(unmarkLoss: boolean): void {
    if (unmarkLoss) {
      for (const skb of this.rtxQ) skb.sacked &= ~TCPCB_LOST;
      this.lostOut = 0;
    }
    if (this.priorSsthresh) {
      this.cwnd = this.ca.undoCwnd(this.ccView());
      if (this.priorSsthresh > this.ssthresh) this.ssthresh = this.priorSsthresh;
    }
    this.cwndStamp = this.jiffies();
    this.undoMarker = 0;
    this.rack.advanced = true;
  }

  /** Linux tcp_try_undo_recovery(). Returns true when the state must be held (Reno). */
  private tryUndoRecovery(): boolean {
    if (this.mayUndo()) {
      this.undoCwndReduction(false);
    } else if (this.rack.reoWndPersist) {
      this.rack.reoWndPersist--;
    }
    if (this.isReno()) {
      if (!this.anyRetransDone()) this.retransStamp = 0;
      return true;
    }
    this.setCaState(TCP_CA_Open);
    return false;
  }

  /** Linux tcp_try_undo_dsack(). */
  private tryUndoDsack(): boolean {
    if (this.undoMarker && !this.undoRetrans) {
      this.rack.reoWndPersist = Math.min(TCP_RACK_RECOVERY_THRESH, this.rack.reoWndPersist + 1);
      this.undoCwndReduction(false);
      return true;
    }
    return false;
  }

  /** Linux tcp_try_undo_loss(). */
  private tryUndoLoss(frtoUndo: boolean): boolean {
    if (frtoUndo || this.mayUndo()) {
      this.undoCwndReduction(true);
      this.retransmits = 0;
      if (frtoUndo || this.isSack()) {
        this.setCaState(TCP_CA_Open);
      }
      return true;
    }
    return false;
  }

  /** Linux tcp_try_undo_partial(). */
  private tryUndoPartial(priorSndUna: number): { done: boolean; doLost: boolean } {
    if (this.undoMarker && this.packetDelayed()) {
      this.checkSackReordering(priorSndUna);
      if (this.retransOut) return { done: true, doLost: false };
      if (!this.anyRetransDone()) this.retransStamp = 0;
      this.undoCwndReduction(true);
      this.tryKeepOpen();
      return { done: false, doLost: false };
    }
    return { done: false, doLost: this.forceFastRetransmit() };
  }

  private forceFastRetransmit(): boolean {
    return after(this.highestSackSeq(), seqAdd(this.sndUna, this.reordering * this.mssCache));
  }

  /** Linux tcp_process_loss() (F-RTO, RFC 5682). */
  private processLoss(flag: number, numDupack: number): number {
    const recovered = !before(this.sndUna, this.highSeq);
    if (flag & FLAG_SND_UNA_ADVANCED && this.tryUndoLoss(false)) return REXMIT_NONE;
    if (this.frto) {
      if (flag & FLAG_ORIG_SACK_ACKED && this.tryUndoLoss(true)) return REXMIT_NONE;
      if (after(this.sndNxt, this.highSeq)) {
        if (flag & FLAG_DATA_SACKED || numDupack) this.frto = false;
      } else if (flag & FLAG_SND_UNA_ADVANCED && !recovered) {
        this.highSeq = this.sndNxt;
        if (this.writeQ.length && after(this.wndEnd(), this.sndNxt)) return REXMIT_NEW;
        this.frto = false;
      }
    }
    if (recovered) {
      this.tryUndoRecovery();
      return REXMIT_NONE;
    }
    if (this.isReno()) {
      if (after(this.sndNxt, this.highSeq) && numDupack) this.addRenoSack(numDupack);
      else if (flag & FLAG_SND_UNA_ADVANCED) this.resetRenoSack();
    }
    return REXMIT_LOST;
  }

  /** Linux tcp_fastretrans_alert(): the congestion state machine on a dubious ACK. */
  private fastretransAlert(
    priorSndUna: number,
    numDupack: number,
    flagIn: number,
  ): { flag: number; rexmit: number } {
    let flag = flagIn;
    const eceAck = (flag & FLAG_ECE) !== 0;
    let doLost = numDupack > 0 || ((flag & FLAG_DATA_SACKED) !== 0 && this.forceFastRetransmit());
    let rexmit = REXMIT_NONE;
    if (!this.packetsOut && this.sackedOut) this.sackedOut = 0;
    if (eceAck) this.priorSsthresh = 0;

    // D. State exit conditions.
    if (this.caState === TCP_CA_Open) {
      this.retransStamp = 0;
    } else if (!before(this.sndUna, this.highSeq)) {
      switch (this.caState) {
        case TCP_CA_CWR:
          if (this.sndUna !== this.highSeq) {
            this.endCwndReduction();
            this.setCaState(TCP_CA_Open);
          }
          break;
        case TCP_CA_Recovery:
          if (this.isReno()) this.resetRenoSack();
          if (this.tryUndoRecovery()) return { flag, rexmit };
          this.endCwndReduction();
          break;
      }
    }

    // E. Process state.
    let fastRexmit = false;
    const fallToDefault = (): { flag: number; rexmit: number } | null => {
      if (this.isReno()) {
        if (flag & FLAG_SND_UNA_ADVANCED) this.resetRenoSack();
        this.addRenoSack(numDupack);
      }
      if (this.caState <= TCP_CA_Disorder) this.tryUndoDsack();
      flag = this.identifyPacketLoss(flag);
      if (!this.timeToRecover()) {
        this.tryToOpen(flag);
        return { flag, rexmit };
      }
      this.enterRecovery(eceAck);
      fastRexmit = true;
      return null;
    };
    switch (this.caState) {
      case TCP_CA_Recovery: {
        if (!(flag & FLAG_SND_UNA_ADVANCED)) {
          if (this.isReno()) this.addRenoSack(numDupack);
        } else {
          const r = this.tryUndoPartial(priorSndUna);
          if (r.done) return { flag, rexmit };
          doLost = r.doLost;
        }
        if (this.tryUndoDsack()) this.tryToOpen(flag);
        flag = this.identifyPacketLoss(flag);
        if (this.caState !== TCP_CA_Recovery) {
          if (!this.timeToRecover()) return { flag, rexmit };
          this.enterRecovery(eceAck);
        }
        break;
      }
      case TCP_CA_Loss: {
        rexmit = this.processLoss(flag, numDupack);
        flag = this.identifyPacketLoss(flag);
        if (!((this.caState as number) === TCP_CA_Open || flag & FLAG_LOST_RETRANS)) return { flag, rexmit };
        const r = fallToDefault();
        if (r) return r;
        break;
      }
      default: {
        const r = fallToDefault();
        if (r) return r;
      }
    }
    if (!this.isRack() && doLost) this.newrenoMarkLost(fastRexmit);
    rexmit = REXMIT_LOST;
    return { flag, rexmit };
  }

  /** Linux tcp_process_tlp_ack(). */
  private processTlpAck(ack: number, flag: number): void {
    if (before(ack, this.tlpHighSeq)) return;
    if (!this.tlpRetrans) {
      this.tlpHighSeq = 0;
    } else if (flag & FLAG_DSACK_TLP) {
      this.tlpHighSeq = 0;
    } else if (after(ack, this.tlpHighSeq)) {
      // The probe repaired a loss: reduce cwnd once.
      this.initCwndReduction();
      this.setCaState(TCP_CA_CWR);
      this.endCwndReduction();
      this.tryKeepOpen();
    } else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED))) {
      this.tlpHighSeq = 0;
    }
  }

  /** Linux tcp_may_raise_cwnd(). */
  private mayRaiseCwnd(flag: number): boolean {
    if (this.reordering > this.sysctl.tcp_reordering) return (flag & FLAG_FORWARD_PROGRESS) !== 0;
    return (flag & FLAG_DATA_ACKED) !== 0;
  }

  /** Linux tcp_cong_control(). */
  private congControl(ack: number, ackedSacked: number, lost: number, flag: number): void {
    if (this.inCwndReduction()) {
      this.cwndReduction(ackedSacked, lost, flag);
    } else if (this.mayRaiseCwnd(flag)) {
      this.ca.congAvoid(this.ccView(), ack, ackedSacked);
      this.cwndStamp = this.jiffies();
    }
    this.updatePacingRate();
  }

  /** Linux tcp_xmit_recovery(). */
  private xmitRecovery(rexmit: number): void {
    if (rexmit === REXMIT_NONE || this.state === TCP_SYN_SENT) return;
    if (rexmit === REXMIT_NEW) {
      this.pushPendingFrames(this.currentMss(), TCP_NAGLE_OFF);
      if (after(this.sndNxt, this.highSeq)) return;
      this.frto = false;
    }
    this.xmitRetransmitQueue();
  }

  /** Linux tcp_xmit_retransmit_queue(): resend lost segments as cwnd allows. */
  private xmitRetransmitQueue(): void {
    if (!this.packetsOut) return;
    const rtxHead = this.rtxQ[0];
    const maxSegs = this.tsoSegs(this.currentMss());
    let rearm = false;
    for (let i = 0; i < this.rtxQ.length; i++) {
      const skb = this.rtxQ[i];
      let segs = this.cwnd - this.packetsInFlight();
      if (segs <= 0) break;
      segs = Math.min(segs, maxSegs);
      const sacked = skb.sacked;
      if (this.retransOut >= this.lostOut) break;
      if (!(sacked & TCPCB_LOST)) continue;
      if (sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS)) continue;
      if (!this.retransmitSkb(skb, segs)) break;
      if (this.inCwndReduction()) this.prrOut += skb.pcount;
      if (skb === rtxHead && this.pending !== ICSK_TIME_REO_TIMEOUT) rearm = true;
    }
    if (rearm) this.resetXmitTimer(ICSK_TIME_RETRANS, this.rtt.rto);
  }

  /**
   * Linux tcp_retransmit_skb(): resend (the first `segs` segments of) an skb from the retransmit queue.
   * Returns false when it could not be sent (window).
   */
  private retransmitSkb(skb: TcpSkb, segs: number, probe = false): boolean {
    if (before(skb.seq, this.sndUna)) {
      if (before(skb.end, this.sndUna)) return false;
      // tcp_trim_head
      const old = skb.pcount;
      skb.seq = this.sndUna;
      setTsoSegs(skb, skb.mss || this.mssCache);
      const diff = old - skb.pcount;
      if (diff) this.adjustPcount(skb, diff);
    }
    const curMss = this.currentMss();
    let availWnd = seqDiff(this.wndEnd(), skb.seq);
    if (availWnd <= 0) {
      if (skb.seq !== this.sndUna) return false;
      availWnd = curMss;
    }
    let len = curMss * segs;
    if (len > availWnd) {
      len = Math.floor(availWnd / curMss) * curMss;
      if (!len) len = availWnd;
    }
    if (skbLen(skb) > len) {
      this.fragmentRtx(skb, len, curMss);
    } else {
      const old = skb.pcount;
      setTsoSegs(skb, curMss);
      const diff = old - skb.pcount;
      if (diff) this.adjustPcount(skb, diff);
    }
    const pcount = skb.pcount;
    this.totalRetrans += pcount;
    for (let i = 0; i < pcount; i++) this.io.count?.("RetransSegs");
    this.bytesRetrans += skbLen(skb);
    this.transmitSkb(skb, true);
    // The retransmitted skb moves to the tail of the transmit-order list.
    const j = this.tsorted.indexOf(skb);
    if (j >= 0) this.tsorted.splice(j, 1);
    this.tsorted.push(skb);
    skb.sacked |= TCPCB_EVER_RETRANS;
    // A tail loss probe goes out through __tcp_retransmit_skb: it is not a loss repair, so it is not
    // counted in retrans_out and does not start the retransmission clock.
    if (probe) return true;
    skb.sacked |= TCPCB_RETRANS;
    this.retransOut += pcount;
    if (!this.retransStamp) this.retransStamp = this.tsRaw();
    if (this.undoRetrans < 0) this.undoRetrans = 0;
    this.undoRetrans += pcount;
    return true;
  }

  /** Linux tcp_ack_probe(): an ACK while nothing is in flight: is the window open now? */
  private ackProbe(): void {
    const head = this.writeQ[0];
    if (!head) return;
    if (!after(head.end, this.wndEnd())) {
      this.backoff = 0;
      this.probesTstamp = 0;
      if (this.pending === ICSK_TIME_PROBE0) this.clearXmitTimer();
    } else {
      const when = this.clampProbe0ToUserTimeout(this.probe0When());
      this.resetXmitTimer(ICSK_TIME_PROBE0, when);
    }
  }

  /** Linux tcp_data_snd_check(): send what the ACK made room for. */
  private dataSndCheck(): void {
    this.pushPendingFrames(this.currentMss(), this.nonagle);
  }

  // ---- the retransmit timer: RTO, tail loss probe, RACK reordering timeout, zero-window probe ---------

  /** inet_csk_reset_xmit_timer(): arm the retransmit timer for `what`, `whenNs` from now. */
  private resetXmitTimer(what: number, whenNs: number): void {
    const when = Math.min(Math.max(whenNs, 0), TCP_RTO_MAX);
    this.pending = what;
    this.xmitTimerAt = this.now() + when;
    this.rtxTimer.mod(this.xmitTimerAt);
  }

  private armXmitTimer(whenNs: number): void {
    this.resetXmitTimer(ICSK_TIME_RETRANS, whenNs);
  }

  private clearXmitTimer(): void {
    this.pending = 0;
    this.rtxTimer.del();
  }

  /** Linux tcp_rto_delta_us(): how far in the future the RTO of the head is, us. */
  private rtoDeltaUs(): number {
    const head = this.rtxQ[0];
    if (!head) return Math.floor(this.rtt.rto / 1000);
    return Math.floor((head.sentAt + this.rtt.rto - this.now()) / 1000);
  }

  /** Linux tcp_rearm_rto(). */
  private rearmRto(): void {
    if (!this.packetsOut) {
      if (
        this.pending === ICSK_TIME_RETRANS ||
        this.pending === ICSK_TIME_LOSS_PROBE ||
        this.pending === ICSK_TIME_REO_TIMEOUT
      )
        this.clearXmitTimer();
      return;
    }
    let rto = this.rtt.rto;
    if (this.pending === ICSK_TIME_REO_TIMEOUT || this.pending === ICSK_TIME_LOSS_PROBE) {
      const delta = this.rtoDeltaUs();
      rto = usToJiffiesNs(Math.max(delta, 1));
    }
    this.resetXmitTimer(ICSK_TIME_RETRANS, rto);
  }

  /** Linux tcp_set_xmit_timer(). */
  private setXmitTimer(): void {
    if (!this.scheduleLossProbe(true)) this.rearmRto();
  }

  /** Linux tcp_schedule_loss_probe(): TLP (RFC 8985) in about two RTTs. */
  private scheduleLossProbe(advancingRto: boolean): boolean {
    const er = this.sysctl.tcp_early_retrans;
    if (
      (er !== 3 && er !== 4) ||
      !this.packetsOut ||
      !this.isSack() ||
      (this.caState !== TCP_CA_Open && this.caState !== TCP_CA_CWR)
    )
      return false;
    if (this.state === TCP_SYN_SENT || this.state === TCP_SYN_RECV) return false;
    let timeout: number;
    if (this.rtt.srttUs) {
      let us = this.rtt.srttUs >> 2;
      us += this.packetsOut === 1 ? TCP_RTO_MIN / 1000 : TCP_TIMEOUT_MIN / 1000;
      timeout = usToJiffiesNs(us);
    } else timeout = TCP_TIMEOUT_INIT;
    const rtoDelta = advancingRto ? Math.floor(this.rtt.rto / 1000) : this.rtoDeltaUs();
    if (rtoDelta > 0) timeout = Math.min(timeout, usToJiffiesNs(rtoDelta));
    this.resetXmitTimer(ICSK_TIME_LOSS_PROBE, timeout);
    return true;
  }

  /** tcp_write_timer_handler(). */
  private onXmitTimer(): void {
    if (this.state === TCP_CLOSE) return;
    if (this.xmitTimerAt > this.now()) {
      this.rtxTimer.mod(this.xmitTimerAt);
      return;
    }
    const event = this.pending;
    switch (event) {
      case ICSK_TIME_REO_TIMEOUT:
        this.rackReoTimeout();
        break;
      case ICSK_TIME_LOSS_PROBE:
        this.sendLossProbe();
        break;
      case ICSK_TIME_RETRANS:
        this.pending = 0;
        this.retransmitTimer();
        break;
      case ICSK_TIME_PROBE0:
        this.pending = 0;
        this.probeTimer();
        break;
    }
  }

  /** Linux tcp_send_loss_probe(). */
  private sendLossProbe(): void {
    const mss = this.currentMss();
    if (!this.tlpHighSeq) {
      this.tlpRetrans = false;
      const head = this.writeQ[0];
      let sent = false;
      if (head && this.sndWndTest(head, mss)) {
        const pcount = this.packetsOut;
        this.writeXmit(mss, TCP_NAGLE_OFF, 2);
        sent = this.packetsOut > pcount;
      } else {
        let skb = this.rtxQ[this.rtxQ.length - 1];
        if (!skb) {
          this.pending = 0;
          return;
        }
        if (skb.pcount > 1 && skbLen(skb) > (skb.pcount - 1) * mss) {
          skb = this.fragmentRtx(skb, (skb.pcount - 1) * mss, mss);
        }
        if (this.retransmitSkb(skb, 1, true)) {
          this.tlpRetrans = true;
          sent = true;
        }
      }
      if (sent) {
        this.io.count?.("TCPLossProbes");
        this.tlpHighSeq = this.sndNxt;
        this.pending = 0;
      }
    }
    this.rearmRto();
  }

  /** Linux tcp_model_timeout() in ms. */
  private modelTimeout(boundary: number, rtoBase: number): number {
    const thresh = Math.floor(Math.log2(TCP_RTO_MAX / rtoBase));
    const base = rtoBase / MS;
    if (boundary <= thresh) return (2 ** (boundary + 1) - 1) * base;
    return (2 ** (thresh + 1) - 1) * base + (boundary - thresh) * (TCP_RTO_MAX / MS);
  }

  /** Linux retransmits_timed_out(). */
  private retransmitsTimedOut(boundary: number, timeoutMs: number): boolean {
    if (!this.retransmits) return false;
    const start = this.retransStamp;
    let timeout = timeoutMs;
    if (!timeout) {
      const base =
        this.state === TCP_SYN_SENT || this.state === TCP_SYN_RECV ? TCP_TIMEOUT_INIT : TCP_RTO_MIN;
      timeout = this.modelTimeout(boundary, base);
    }
    const delta = (this.tsRaw() - start) | 0;
    return timeout - delta <= 0;
  }

  /** Linux tcp_write_timeout(): give up after tcp_retries2 / TCP_USER_TIMEOUT. */
  private writeTimeout(): boolean {
    const s = this.sysctl;
    let expired = false;
    let retryUntil: number;
    if (this.state === TCP_SYN_SENT || this.state === TCP_SYN_RECV) {
      retryUntil = this.state === TCP_SYN_SENT ? s.tcp_syn_retries : s.tcp_synack_retries;
      expired = this.retransmits >= retryUntil;
    } else {
      retryUntil = s.tcp_retries2;
      if (this.orphan) {
        const alive = this.rtt.rto < TCP_RTO_MAX;
        retryUntil = s.tcp_orphan_retries || 8;
        if (!alive && !this.retransmitsTimedOut(retryUntil, 0)) retryUntil = s.tcp_orphan_retries || 8;
      }
    }
    if (!expired) expired = this.retransmitsTimedOut(retryUntil, this.cfg.userTimeout ?? 0);
    if (expired) {
      this.writeErr();
      return true;
    }
    return false;
  }

  /** Linux tcp_write_err(): ETIMEDOUT (or the pending soft error) and close. */
  private writeErr(): void {
    this.fail(this.errSoft ?? "ETIMEDOUT");
  }

  /** Linux tcp_clamp_rto_to_user_timeout(). */
  private clampRtoToUserTimeout(): number {
    const ut = this.cfg.userTimeout ?? 0;
    if (!ut) return this.rtt.rto;
    const elapsed = (this.tsRaw() - this.retransStamp) | 0;
    const remaining = ut - elapsed;
    if (remaining <= 0) return MS;
    return Math.min(this.rtt.rto, remaining * MS);
  }

  /** Linux tcp_timeout_mark_lost(). */
  private timeoutMarkLost(): void {
    const head = this.rtxQ[0];
    const isReneg = head !== undefined && (head.sacked & TCPCB_SACKED_ACKED) !== 0;
    if (isReneg) {
      this.sackedOut = 0;
    } else if (this.isReno()) this.resetRenoSack();
    for (const skb of this.rtxQ) {
      if (isReneg) skb.sacked &= ~TCPCB_SACKED_ACKED;
      else if (skb !== head && this.rackSkbTimeout(skb, 0) > 0) continue;
      this.markSkbLost(skb);
    }
  }

  /** Linux tcp_enter_loss(). */
  private enterLoss(): void {
    const newRecovery = this.caState < TCP_CA_Recovery;
    this.timeoutMarkLost();
    if (
      this.caState <= TCP_CA_Disorder ||
      !after(this.highSeq, this.sndUna) ||
      (this.caState === TCP_CA_Loss && !this.retransmits)
    ) {
      this.priorSsthresh = this.currentSsthresh();
      this.priorCwnd = this.cwnd;
      this.ssthresh = this.ca.ssthresh(this.ccView());
      this.ca.cwndEvent?.(this.ccView(), CA_EVENT_LOSS);
      this.initUndo();
    }
    this.cwnd = this.packetsInFlight() + 1;
    this.cwndCnt = 0;
    this.cwndStamp = this.jiffies();
    if (this.caState <= TCP_CA_Disorder && this.sackedOut >= this.sysctl.tcp_reordering)
      this.reordering = Math.min(this.reordering, this.sysctl.tcp_reordering);
    this.setCaState(TCP_CA_Loss);
    this.highSeq = this.sndNxt;
    this.tlpHighSeq = 0;
    if (this.ecnFlags & TCP_ECN_OK) this.ecnFlags |= TCP_ECN_QUEUE_CWR;
    this.frto = this.sysctl.tcp_frto !== 0 && (newRecovery || this.retransmits > 0);
  }

  /** Linux tcp_retransmit_timer(). */
  private retransmitTimer(): void {
    if (
      this.state === TCP_SYN_SENT ||
      (this.state === TCP_SYN_RECV && !this.packetsOut && this.sndUna === this.iss)
    ) {
      this.synRetransmitTimer();
      return;
    }
    if (!this.packetsOut) return;
    const head = this.rtxQ[0];
    if (!this.sndWnd && !this.orphan && head) {
      // Receiver shrank the window to zero: our retransmits are zero-window probes.
      const rtxDelta = (this.tsRaw() - (this.retransStamp || Math.floor(head.sentAt / MS))) | 0;
      if (rtxDelta > TCP_RTO_MAX / MS) {
        this.writeErr();
        return;
      }
      this.enterLoss();
      this.retransmitSkb(head, 1);
    } else {
      if (this.writeTimeout()) return;
      this.io.count?.("TCPTimeouts");
      this.enterLoss();
      this.retransmits++;
      this.totalRto++;
      if (!this.retransmitSkb(this.rtxQ[0], 1)) {
        this.resetXmitTimer(ICSK_TIME_RETRANS, TCP_RESOURCE_PROBE_INTERVAL);
        return;
      }
    }
    this.backoff++;
    this.rtt.rto = Math.min(this.rtt.rto * 2, TCP_RTO_MAX);
    this.resetXmitTimer(ICSK_TIME_RETRANS, this.clampRtoToUserTimeout());
  }

  /** SYN or SYN-ACK retransmission in SYN_SENT / simultaneous-open SYN_RECV. */
  private synRetransmitTimer(): void {
    if (this.writeTimeout()) return;
    this.io.count?.("TCPTimeouts");
    this.io.count?.("TCPSynRetrans");
    this.io.count?.("RetransSegs");
    this.retransmits++;
    this.synRetransmitted = true;
    this.totalRetrans++;
    this.sendSyn(this.state === TCP_SYN_RECV);
    this.backoff++;
    this.rtt.rto = Math.min(this.rtt.rto * 2, TCP_RTO_MAX);
    this.resetXmitTimer(ICSK_TIME_RETRANS, this.clampRtoToUserTimeout());
  }

  private probe0Base(): number {
    return Math.max(this.rtt.rto, TCP_RTO_MIN);
  }

  /** Linux tcp_probe0_when(). */
  private probe0When(): number {
    const backoff = Math.min(Math.floor(Math.log2(TCP_RTO_MAX / TCP_RTO_MIN)) + 1, this.backoff);
    return Math.min(this.probe0Base() * 2 ** backoff, TCP_RTO_MAX);
  }

  /** Linux tcp_clamp_probe0_to_user_timeout(). */
  private clampProbe0ToUserTimeout(when: number): number {
    const ut = this.cfg.userTimeout ?? 0;
    if (!ut || !this.probesTstamp) return when;
    const elapsed = (this.jiffies() - this.probesTstamp) * MS;
    const remaining = Math.max(ut * MS - elapsed, TCP_TIMEOUT_MIN);
    return Math.min(when, remaining);
  }

  /** Linux tcp_check_probe_timer(). */
  private checkProbeTimer(): void {
    if (!this.packetsOut && !this.pending) this.resetXmitTimer(ICSK_TIME_PROBE0, this.probe0Base());
  }

  /** Linux tcp_probe_timer(). */
  private probeTimer(): void {
    const head = this.writeQ[0];
    if (this.packetsOut || !head) {
      this.probesOut = 0;
      this.probesTstamp = 0;
      return;
    }
    if (!this.probesTstamp) this.probesTstamp = this.jiffies();
    else {
      const ut = this.cfg.userTimeout ?? 0;
      if (ut && (this.jiffies() - this.probesTstamp) * MS >= ut * MS) {
        this.writeErr();
        return;
      }
    }
    let maxProbes = this.sysctl.tcp_retries2;
    if (this.orphan) {
      const alive = Math.min(this.rtt.rto * 2 ** this.backoff, TCP_RTO_MAX) < TCP_RTO_MAX;
      maxProbes = this.sysctl.tcp_orphan_retries || 8;
      if (!alive && this.backoff >= maxProbes) {
        this.writeErr();
        return;
      }
    }
    if (this.probesOut >= maxProbes) {
      this.writeErr();
      return;
    }
    this.sendProbe0();
  }

  /** Linux tcp_send_probe0(). */
  private sendProbe0(): void {
    this.writeWakeup();
    if (this.packetsOut || !this.writeQ.length) {
      this.probesOut = 0;
      this.backoff = 0;
      this.probesTstamp = 0;
      return;
    }
    this.probesOut++;
    if (this.backoff < this.sysctl.tcp_retries2) this.backoff++;
    const timeout = this.clampProbe0ToUserTimeout(this.probe0When());
    this.resetXmitTimer(ICSK_TIME_PROBE0, timeout);
  }

  /** Linux tcp_write_wakeup(): new data that fits the window, else a probe with an old sequence number. */
  private writeWakeup(): void {
    if (this.state === TCP_CLOSE) return;
    const skb = this.writeQ[0];
    if (skb && before(skb.seq, this.wndEnd())) {
      const mss = this.currentMss();
      let segSize = seqDiff(this.wndEnd(), skb.seq);
      if (before(this.pushedSeq, skb.end)) this.pushedSeq = skb.end;
      if (segSize < seqDiff(skb.end, skb.seq) || skbLen(skb) > mss) {
        segSize = Math.min(segSize, mss);
        skb.psh = true;
        this.fragmentWriteQ(skb, segSize, mss);
      }
      setTsoSegs(skb, mss);
      skb.psh = true;
      this.transmitSkb(skb, false);
      this.eventNewDataSent(skb);
      return;
    }
    this.sendProbeSkb(false);
  }

  // ---- keepalive, FIN_WAIT2 and TIME_WAIT (sk_timer) -------------------------------------------------

  armKeepalive(): void {
    if (!this.cfg.keepalive || this.state !== TCP_ESTABLISHED) return;
    this.keepaliveTimer.mod(this.now() + this.cfg.sysctl.tcp_keepalive_time * 1000 * MS);
  }

  /** Linux tcp_fin_time(): how long an orphaned FIN_WAIT2 lives. */
  private finTime(): number {
    const l2 = this.cfg.linger2 ?? 0;
    let t = l2 > 0 ? l2 * 1000 * MS : this.sysctl.tcp_fin_timeout * 1000 * MS;
    const rto = this.rtt.rto;
    if (t < (rto << 2) - (rto >> 1)) t = (rto << 2) - (rto >> 1);
    return t;
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
    const idle = this.now() - this.lastRecv;
    if (idle < s.tcp_keepalive_time * 1000 * MS && this.keepaliveProbes === 0) {
      this.keepaliveTimer.mod(this.lastRecv + s.tcp_keepalive_time * 1000 * MS);
      return;
    }
    if (this.keepaliveProbes >= s.tcp_keepalive_probes) {
      this.writeErr();
      return;
    }
    this.keepaliveProbes++;
    this.io.count?.("TCPKeepAlive");
    this.writeWakeupKeepalive();
    this.keepaliveTimer.mod(this.now() + s.tcp_keepalive_intvl * 1000 * MS);
  }

  private writeWakeupKeepalive(): void {
    this.sendProbeSkb(false);
  }

  private timeWaitInput(seg: TcpSegment): void {
    // Linux tcp_timewait_state_process: a bare ACK or RST exactly at rcv_nxt is accepted (RST kills the
    // TIME_WAIT socket, RFC 1337 hazard accepted as Linux does by default); other segments are ACKed
    // again (a retransmitted FIN) and restart the timer; a new SYN could reopen (not modelled: ACKed).
    const ts = seg.options.ts;
    if (seg.seq === this.rcvNxt && (segEnd(seg) === seg.seq || seg.flags & TCPF_RST)) {
      if (seg.flags & TCPF_RST) {
        if (!this.sysctl.tcp_rfc1337) {
          this.done();
          return;
        }
      } else this.keepaliveTimer.mod(this.now() + TCP_TIMEWAIT_LEN);
      if (ts && this.tsOk) {
        this.tsRecent = ts.val;
        this.tsRecentStamp = this.now();
      }
      return;
    }
    if (seg.flags & TCPF_RST) return;
    if (seg.flags & TCPF_ACK) this.keepaliveTimer.mod(this.now() + TCP_TIMEWAIT_LEN);
    if (!this.oowRateLimited(seg)) this.sendAck();
  }

  private enterTimeWait(): void {
    this.state = TCP_TIME_WAIT;
    this.clearXmitTimer();
    this.delackTimer.del();
    this.ackPending = 0;
    this.keepaliveTimer.mod(this.now() + TCP_TIMEWAIT_LEN);
    this.io.wake();
  }

  // ---- data reception (tcp_data_queue, tcp_data_queue_ofo, tcp_ofo_queue, tcp_fin) -------------------

  /** Linux tcp_dsack_set(). */
  private dsackSet(seq: number, end: number): void {
    if (this.isSack() && this.sysctl.tcp_dsack) this.dsack = { start: seq, end };
  }

  /** Linux tcp_dsack_extend(). */
  private dsackExtend(seq: number, end: number): void {
    if (!this.dsack) this.dsackSet(seq, end);
    else {
      if (before(seq, this.dsack.start)) this.dsack.start = seq;
      if (after(end, this.dsack.end)) this.dsack.end = end;
    }
  }

  /** Linux tcp_ecn_check_ce(): a CE mark asks the sender to slow down (we echo ECE until its CWR). */
  private ecnCheckCe(ecn: number | undefined): void {
    if (!(this.ecnFlags & TCP_ECN_OK)) return;
    if (!ecn) {
      if (this.ecnFlags & TCP_ECN_SEEN) this.enterQuickackMode(2);
    } else if (ecn === INET_ECN_CE) {
      if (!(this.ecnFlags & TCP_ECN_DEMAND_CWR)) {
        this.enterQuickackMode(2);
        this.ecnFlags |= TCP_ECN_DEMAND_CWR;
      }
      this.ecnFlags |= TCP_ECN_SEEN;
    } else this.ecnFlags |= TCP_ECN_SEEN;
  }

  /** Queue payload and handle FIN (Linux tcp_data_queue). */
  private dataQueue(seg: TcpSegment): void {
    const fin = (seg.flags & TCPF_FIN) !== 0;
    // tcp_ecn_accept_cwr(): the sender reduced its window; stop echoing ECE.
    if (this.ecnFlags & TCP_ECN_OK && seg.flags & TCPF_CWR) {
      this.ecnFlags &= ~TCP_ECN_DEMAND_CWR;
      if (seg.len > 0) this.ackPending |= ICSK_ACK_NOW;
    }
    if (seg.len > 0) this.ecnCheckCe(seg.ecn);
    const end = seqAdd(seg.seq, seg.len);
    const endSeq = segEnd(seg);
    if (seg.seq === endSeq) return;
    if (seg.len > 0) this.dsack = null;
    if (seg.seq === this.rcvNxt) {
      if (this.receiveWindow() === 0) {
        // A bare FIN is accepted even with the window closed (Linux: peers loop sending it otherwise).
        if (!(seg.len === 0 && fin)) {
          this.enterQuickackMode(TCP_MAX_QUICKACKS);
          this.scheduleAck();
          return;
        }
      }
      // tcp_try_rmem_schedule(): over the receive buffer, ACK at once (with the window it leaves);
      // data is dropped unless the queue is empty (a lone skb is always taken).
      if (this.io.rcvSpace() < 0) {
        this.ackPending |= ICSK_ACK_NOW;
        this.scheduleAck();
        if (seg.len > 0 && this.io.rcvSpace() < this.cfg.rcvbuf) return;
      }
      this.queueInOrder(seg, 0, seg.len, (seg.flags & TCPF_PSH) !== 0);
      if (fin) this.onFin();
      if (this.ooo.length) {
        this.ofoQueue();
        if (this.ooo.length === 0) this.ackPending |= ICSK_ACK_NOW;
      }
      if (this.selectiveAcks.length) this.sackRemove();
      this.io.wake(WAKE_DATA);
      return;
    }
    if (!after(endSeq, this.rcvNxt)) {
      // A retransmission of what we have: D-SACK it and ACK at once.
      this.dsackSet(seg.seq, endSeq);
      this.enterQuickackMode(TCP_MAX_QUICKACKS);
      this.scheduleAck();
      return;
    }
    if (!before(seg.seq, seqAdd(this.rcvNxt, this.receiveWindow()))) {
      // Out of window (e.g. a zero-window probe with data).
      this.enterQuickackMode(TCP_MAX_QUICKACKS);
      this.scheduleAck();
      return;
    }
    if (before(seg.seq, this.rcvNxt)) {
      // Partial: seq < rcv_nxt < end_seq.
      this.dsackSet(seg.seq, this.rcvNxt);
      if (!this.receiveWindow()) {
        this.enterQuickackMode(TCP_MAX_QUICKACKS);
        this.scheduleAck();
        return;
      }
      const skip = seqDiff(this.rcvNxt, seg.seq);
      this.queueInOrder(seg, skip, seg.len - skip, (seg.flags & TCPF_PSH) !== 0);
      if (fin) this.onFin();
      if (this.ooo.length) {
        this.ofoQueue();
        if (this.ooo.length === 0) this.ackPending |= ICSK_ACK_NOW;
      }
      if (this.selectiveAcks.length) this.sackRemove();
      this.io.wake(WAKE_DATA);
      return;
    }
    void end;
    this.dataQueueOfo(seg);
  }

  /** In-order bytes [skip, skip+len) of a segment join the receive queue (tcp_queue_rcv + tcp_event_data_recv). */
  private queueInOrder(seg: TcpSegment, skip: number, len: number, psh: boolean): void {
    if (len <= 0) return;
    this.io.rcvQueue(seg.payload, skip, len);
    this.rcvNxt = seqAdd(this.rcvNxt, len);
    this.bytesReceived += len;
    this.lastDataRecv = this.now();
    this.eventDataRecv(len, psh);
  }

  /** Linux tcp_data_queue_ofo(): hold an out-of-order segment and record its SACK block. */
  private dataQueueOfo(seg: TcpSegment): void {
    const seq = seg.seq;
    const end = seqAdd(seg.seq, seg.len);
    const fin = (seg.flags & TCPF_FIN) !== 0;
    this.scheduleAck();
    if (this.io.rcvSpace() <= 0) return; // tcp_try_rmem_schedule failed: drop
    // Duplicate of what the queue already holds: D-SACK it.
    for (const o of this.ooo) {
      if (!before(seq, o.seq) && !after(end, o.end)) {
        this.dsackSet(seq, end);
        if (this.isSack()) this.sackNewOfoSkb(seq, end);
        return;
      }
    }
    this.io.hold(seg.payload);
    const item: OooSeg = { seq, end, payload: seg.payload, fin };
    let i = 0;
    while (i < this.ooo.length && before(this.ooo[i].seq, seq)) i++;
    this.ooo.splice(i, 0, item);
    if (this.isSack()) {
      if (this.ooo.length === 1 && this.selectiveAcks.length === 0)
        this.selectiveAcks = [{ start: seq, end }];
      else this.sackNewOfoSkb(seq, end);
      this.growWindow(seg.len);
    }
  }

  /** Linux tcp_sack_new_ofo_skb(). */
  private sackNewOfoSkb(seq: number, end: number): void {
    const sp = this.selectiveAcks;
    for (let i = 0; i < sp.length; i++) {
      const b = sp[i];
      if (!after(seq, b.end) && !after(b.start, end)) {
        if (before(seq, b.start)) b.start = seq;
        if (after(end, b.end)) b.end = end;
        sp.splice(i, 1);
        sp.unshift(b);
        this.sackMaybeCoalesce();
        return;
      }
    }
    if (sp.length >= TCP_NUM_SACKS) sp.pop();
    sp.unshift({ start: seq, end });
  }

  /** Linux tcp_sack_maybe_coalesce(): merge blocks the first one now touches. */
  private sackMaybeCoalesce(): void {
    const sp = this.selectiveAcks;
    const first = sp[0];
    for (let i = 1; i < sp.length; ) {
      const b = sp[i];
      if (!after(b.start, first.end) && !after(first.start, b.end)) {
        if (before(b.start, first.start)) first.start = b.start;
        if (after(b.end, first.end)) first.end = b.end;
        sp.splice(i, 1);
      } else i++;
    }
  }

  /** Linux tcp_sack_remove(): blocks rcv_nxt has passed go away. */
  private sackRemove(): void {
    if (this.ooo.length === 0) {
      this.selectiveAcks = [];
      return;
    }
    this.selectiveAcks = this.selectiveAcks.filter((b) => before(this.rcvNxt, b.start));
  }

  /** Linux tcp_ofo_queue(): move what became in-order from the out-of-order queue. */
  private ofoQueue(): void {
    while (this.ooo.length > 0 && !after(this.ooo[0].seq, this.rcvNxt)) {
      const o = this.ooo.shift()!;
      if (after(o.end, this.rcvNxt)) {
        const skip = seqDiff(this.rcvNxt, o.seq);
        if (before(o.seq, this.rcvNxt)) this.dsackExtend(o.seq, this.rcvNxt);
        const len = seqDiff(o.end, this.rcvNxt);
        this.io.rcvQueue(o.payload, skip, len);
        this.rcvNxt = o.end;
        this.bytesReceived += len;
        if (o.fin) {
          this.io.release(o.payload);
          this.onFin();
          continue;
        }
      } else {
        this.dsackExtend(o.seq, o.end);
      }
      this.io.release(o.payload);
    }
  }

  /** The peer's FIN, in order (Linux tcp_fin). */
  private onFin(): void {
    this.scheduleAck();
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.rcvShutdown = true;
    switch (this.state) {
      case TCP_SYN_RECV:
      case TCP_ESTABLISHED:
        this.state = TCP_CLOSE_WAIT;
        this.ackPingpong = 1; // inet_csk_enter_pingpong_mode: the ACK of a FIN may wait for our reply
        break;
      case TCP_CLOSE_WAIT:
      case TCP_CLOSING:
        break;
      case TCP_LAST_ACK:
        break;
      case TCP_FIN_WAIT1:
        // Our FIN not yet acknowledged: simultaneous close (RFC 9293 figure 13).
        this.sendAck();
        this.state = TCP_CLOSING;
        break;
      case TCP_FIN_WAIT2:
        this.sendAck();
        this.enterTimeWait();
        break;
    }
    // Out-of-order data beyond the FIN is useless now (tcp_fin purges the ofo queue).
    for (const o of this.ooo) this.io.release(o.payload);
    this.ooo = [];
    this.selectiveAcks = [];
    this.io.wake();
  }

  // ---- close ---------------------------------------------------------------------------------------

  /** shutdown(SHUT_WR) or the FIN part of close() (Linux tcp_shutdown / tcp_close_state). */
  shutdownWrite(): void {
    switch (this.state) {
      case TCP_ESTABLISHED:
        this.state = TCP_FIN_WAIT1;
        break;
      case TCP_SYN_RECV:
        // Linux sends the FIN once the handshake completes (tcp_rcv_state_process checks SEND_SHUTDOWN).
        this.state = TCP_FIN_WAIT1;
        this.sndShutdown = true;
        this.io.wake();
        return;
      case TCP_CLOSE_WAIT:
        this.state = TCP_LAST_ACK;
        break;
      case TCP_SYN_SENT:
        this.sndShutdown = true;
        this.finQueued = true;
        this.io.wake();
        return;
      default:
        return;
    }
    this.sndShutdown = true;
    this.sendFin();
    this.io.wake();
  }

  /** TCP_QUICKACK (Linux __tcp_sock_set_quickack). */
  setQuickack(on: boolean): void {
    if (!on) {
      this.ackPingpong = 1;
      return;
    }
    this.ackPingpong = 0;
    if ((this.state === TCP_ESTABLISHED || this.state === TCP_CLOSE_WAIT) && this.ackScheduled()) {
      this.ackPending |= ICSK_ACK_PUSHED;
      this.onReadDrained(1);
    }
  }

  /** shutdown(SHUT_RD): later data is refused after close() (only the flag; reads return EOF). */
  shutdownRead(): void {
    this.userRcvShutdown = true;
  }

  /**
   * close() (Linux tcp_close): unread data or SO_LINGER 0 -> RST and CLOSE; otherwise FIN after the
   * queued data, and the socket lives on as an orphan until the handshake ends.
   */
  close(unread: number, lingerZero: boolean): void {
    this.orphan = true;
    this.userRcvShutdown = true;
    if (this.state === TCP_SYN_SENT || this.state === TCP_CLOSE) {
      this.done();
      return;
    }
    if (unread > 0) {
      // RFC 2525 2.17: data lost on close -> RST (Linux LINUX_MIB_TCPABORTONCLOSE).
      this.io.count?.("TCPAbortOnClose");
      this.sendActiveReset();
      this.done();
      return;
    }
    if (lingerZero) {
      // SO_LINGER with a zero timeout goes through tcp_disconnect and counts TCPAbortOnData.
      this.io.count?.("TCPAbortOnData");
      this.sendActiveReset();
      this.done();
      return;
    }
    if (this.state === TCP_ESTABLISHED || this.state === TCP_SYN_RECV || this.state === TCP_CLOSE_WAIT) {
      this.shutdownWrite();
    }
    if (this.state === TCP_FIN_WAIT2) {
      if ((this.cfg.linger2 ?? 0) < 0) {
        this.sendActiveReset();
        this.done();
        return;
      }
      this.keepaliveTimer.mod(this.now() + this.finTime());
    }
  }

  /** Send RST for the current connection (Linux tcp_send_active_reset: it carries the timestamp option). */
  sendActiveReset(): void {
    if (this.state === TCP_CLOSE || this.state === TCP_SYN_SENT || this.state === TCP_TIME_WAIT) return;
    const options: TcpOptions = this.tsOk ? { ts: { val: this.tsNow(), ecr: this.tsRecent } } : {};
    // tcp_acceptable_seq(): snd_nxt, unless the peer's window shrank below it.
    const wndEnd = this.wndEnd();
    const seq =
      !before(wndEnd, this.sndNxt) || (this.wscaleOk && seqDiff(this.sndNxt, wndEnd) < 2 ** this.rcvWscale)
        ? this.sndNxt
        : wndEnd;
    // tcp_transmit_skb computes the window for an RST like any other non-SYN segment.
    this.xmit({
      seq,
      ack: this.rcvNxt,
      flags: TCPF_RST | TCPF_ACK,
      window: this.selectWindow(),
      options,
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

  /** An ICMP error about this connection (Linux tcp_v4_err): hard errors abort a SYN_SENT socket. */
  icmpError(e: TcpError, hard: boolean): void {
    if (this.state === TCP_SYN_SENT && hard) {
      this.fail(e);
      return;
    }
    this.errSoft = e;
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
    this.clearXmitTimer();
    this.delackTimer.del();
    this.keepaliveTimer.del();
    this.persistTimer.del();
    for (const o of this.ooo) this.io.release(o.payload);
    this.ooo = [];
    this.rtxQ = [];
    this.tsorted = [];
    this.writeQ = [];
    this.packetsOut = this.sackedOut = this.lostOut = this.retransOut = 0;
    this.state = TCP_CLOSE;
    this.rcvShutdown = true;
    this.io.wake();
    this.io.destroy();
  }

  /** Readiness facts the socket layer turns into poll bits. */
  get sendClosed(): boolean {
    return this.finQueued || this.sndShutdown || this.state === TCP_CLOSE;
  }

  /** For ss -i / TCP_INFO: the congestion state name's number (tcpi_ca_state). */
  get caStateNumber(): number {
    return this.caState;
  }
}
