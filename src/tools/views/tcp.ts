// TCP sockets of one host as /proc/net/tcp, ss and lsof see them, read from the host's tables
// (listeners, the established hash, the listeners' SYN queues) and its processes' fd tables.
//
// Which kernel object a row stands for follows Linux: a listener and every connection a process
// holds (or will hold once accepted, or held before close) is a full socket; TIME_WAIT, and an
// orphaned FIN_WAIT2 (closed by its process, waiting tcp_fin_timeout), are inet_timewait_socks; a
// half-open connection in a listener's SYN queue is a request sock (SYN_RECV).
import type { Sock } from "../../kernel/sock.js";
import type { InetSock } from "../../net/inet/sock.js";
import type { NetStack } from "../../net/stack.js";
import type { TcpConn } from "../../net/tcp/conn.js";
import type { RequestSock } from "../../net/tcp/listen.js";
import type { ListenEntry } from "../../net/tcp/proto.js";
import { seqDiff } from "../../net/tcp/seq.js";
import type { TimerLike } from "../../net/tcp/sock.js";
import { TCP_CLOSE, TCP_FIN_WAIT2, TCP_LISTEN, TCP_SYN_RECV, TCP_TIME_WAIT } from "../../net/tcp/state.js";
import {
  TCP_INIT_CWND,
  TCP_RTO_MAX,
  TCP_TIMEOUT_INIT,
  TCPOLEN_TSTAMP_ALIGNED,
} from "../../net/tcp/sysctl.js";
import type { World } from "../../world/world.js";
import {
  emptyTcpInfo,
  type InetSockInfo,
  type SkMemInfo,
  type SockTimer,
  type TcpInfo,
  type TcpiOption,
  TIMER_KEEPALIVE,
  TIMER_OFF,
  TIMER_PROBE0,
  TIMER_RETRANSMIT,
  TIMER_TIMEWAIT,
} from "../model.js";
import { objectId, skAddr } from "./ids.js";
import type { SockHolders } from "./owners.js";

/** The sockets of one host found through its processes: which InetSock owns which protocol object. */
export interface InetIndex {
  holders: Map<Sock, SockHolders>;
  byConn: Map<TcpConn, InetSock>;
  byListen: Map<ListenEntry, InetSock>;
}

/** Linux IP_MAX_MTU: a route's MTU as the kernel reports it is at most 65535 (lo has 65536). */
const IP_MAX_MTU = 65535;

/**
 * The same truesize model AF_UNIX uses (src/kernel/unix/sock.ts): the payload rounded to a cache
 * line plus the sk_buff and skb_shared_info overhead, so skmem's r and w look like Linux's.
 */
const SKB_OVERHEAD = 576;
function truesize(bytes: number, skbs: number): number {
  return bytes === 0 ? 0 : ((bytes + 63) & ~63) + skbs * SKB_OVERHEAD;
}

/** How long until a pending timer fires, in ms (0 when it is not pending). */
export function timerLeftMs(world: World, t: TimerLike): number {
  // The world's timers are the kernel's (src/kernel/timers.ts Timer): `expires` is in jiffies.
  const expires = (t as { expires?: number }).expires;
  if (!t.pending || expires === undefined) return 0;
  return Math.max(0, expires * world.kernel.tickNs - world.kernel.now()) / 1e6;
}

/** The route MTU towards `daddr` (Linux icsk_pmtu_cookie). */
function pathMtu(net: NetStack, daddr: number): number {
  if (net.isLocal(daddr)) return Math.min(net.lo.mtu, IP_MAX_MTU);
  const r = net.routes.lookup(daddr);
  return Math.min(r ? net.device(r.dev).mtu : 1500, IP_MAX_MTU);
}

/**
 * Linux /proc/net/tcp and inet_diag show one pending timer: the retransmit or zero-window probe
 * timer (they share icsk_retransmit_timer), else sk_timer (keepalive, or FIN_WAIT2 for a full
 * socket). The delayed-ACK timer is never shown.
 */
function connTimer(world: World, conn: TcpConn): SockTimer {
  const sk = conn.sk;
  if (sk.rtxTimer.pending) return { kind: TIMER_RETRANSMIT, expiresMs: timerLeftMs(world, sk.rtxTimer) };
  if (sk.persistTimer.pending) return { kind: TIMER_PROBE0, expiresMs: timerLeftMs(world, sk.persistTimer) };
  if (sk.keepaliveTimer.pending)
    return { kind: TIMER_KEEPALIVE, expiresMs: timerLeftMs(world, sk.keepaliveTimer) };
  return { kind: TIMER_OFF, expiresMs: 0 };
}

const OFF: SockTimer = { kind: TIMER_OFF, expiresMs: 0 };

/**
 * struct tcp_info for a connection, from the state machine's fields. Where the engine keeps no
 * such value, the field holds what Linux shows for an equivalent socket, as each comment says.
 */
export function connTcpInfo(world: World, net: NetStack, conn: TcpConn): TcpInfo {
  const sk = conn.sk;
  const now = world.kernel.now();
  const t = emptyTcpInfo();
  t.congestion = sk.congestionName;
  const opts: TcpiOption[] = [];
  if (sk.tsOk) opts.push("ts");
  if (sk.sackOk) opts.push("sack");
  if (sk.wscaleOk) opts.push("wscale");
  t.options = opts;
  t.sndWscale = sk.sndWscale;
  t.rcvWscale = sk.rcvWscale;
  // icsk_rto, which already carries the exponential backoff (as Linux's).
  t.rto = Math.min(sk.rtt.rto, TCP_RTO_MAX) / 1000;
  // Linux leaves icsk_ack.ato at 0 until the first data segment arrives (tcp_event_data_recv).
  t.ato = sk.dataSegsIn > 0 ? sk.ackTimeout / 1000 : 0;
  t.backoff = sk.backoff;
  t.rtt = Math.round(sk.rtt.srtt / 1000);
  t.rttvar = Math.round(sk.rtt.rttvar / 1000);
  t.sndMss = sk.mssCache;
  t.rcvMss = sk.rcvMss;
  // Linux's tp->advmss leaves room for the timestamp option when it was negotiated.
  const advmss = sk.cfg.advMss - (sk.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
  t.advmss = advmss;
  t.pmtu = pathMtu(net, conn.raddr);
  t.sndCwnd = sk.cwnd;
  t.sndSsthresh = sk.ssthresh;
  // Data bytes sent once; Linux also adds the bytes it retransmitted, which the engine does not count.
  t.bytesSent = Math.max(0, seqDiff(sk.sndNxt, sk.iss) - 1 - (sk.finSent ? 1 : 0));
  // Linux's bytes_acked is snd_una's progress: the SYN counts on an active open, the FIN once acked.
  t.bytesAcked = Math.max(0, seqDiff(sk.sndUna, sk.iss) - (sk.activeOpen ? 0 : 1));
  t.bytesReceived = sk.bytesReceived;
  t.segsOut = sk.segsOut;
  t.segsIn = sk.segsIn;
  t.dataSegsOut = sk.dataSegsOut;
  t.dataSegsIn = sk.dataSegsIn;
  // The engine keeps the time of the last segment sent and of the last one received; Linux keeps
  // the last data sent, data received and ACK received separately.
  t.lastDataSent = Math.floor((now - sk.lastSend) / 1e6);
  t.lastDataRecv = Math.floor((now - sk.lastRecv) / 1e6);
  t.lastAckRecv = Math.floor((now - sk.lastRecv) / 1e6);
  // sk_pacing_rate as tcp_update_pacing_rate keeps it (the engine sizes TSO bursts with it).
  t.pacingRate = sk.pacingRate;
  t.unacked = sk.packetsOut;
  t.totalRetrans = sk.totalRetrans;
  // No receive-buffer autotuning in the engine: rcv_space stays at Linux's initial value
  // (tcp_init_buffer_space: min(window space, 10 * advmss)); rcv_ssthresh is not kept (not shown).
  t.rcvSpace = Math.min(Math.floor(conn.rcvbuf / 2), TCP_INIT_CWND * advmss);
  t.notsentBytes = Math.max(0, seqDiff(sk.writeSeq, sk.sndNxt));
  t.minRtt = Number.isFinite(sk.rtt.minRtt) ? Math.round(sk.rtt.minRtt / 1000) : 0;
  t.sndWnd = sk.sndWnd;
  t.ackQuick = sk.quickAcksLeft;
  return t;
}

/** A listener's tcp_info: Linux fills it from the listening tcp_sock's initial values. */
function listenerTcpInfo(): TcpInfo {
  const t = emptyTcpInfo();
  t.congestion = "reno";
  t.rto = TCP_TIMEOUT_INIT / 1000;
  t.sndCwnd = TCP_INIT_CWND;
  return t;
}

function skmemOf(rmem: number, rcvbuf: number, sndbuf: number, wqueued: number, drops = 0): SkMemInfo {
  return {
    rmemAlloc: rmem,
    rcvbuf,
    wmemAlloc: 0, // frames leave through the device at once: none waits in a qdisc
    sndbuf,
    fwdAlloc: 0,
    wmemQueued: wqueued,
    optmem: 0,
    backlog: 0,
    drops,
  };
}

/** The listener a connection still waits in (accept queue), if any. */
function acceptingListener(net: NetStack, conn: TcpConn): ListenEntry | undefined {
  for (const g of net.tcp.listeners.values()) for (const e of g) if (e.acceptQ.includes(conn)) return e;
  return undefined;
}

function listenerRow(e: ListenEntry, idx: InetIndex): InetSockInfo {
  const sk = idx.byListen.get(e);
  const h = sk ? idx.holders.get(sk) : undefined;
  return {
    proto: "tcp",
    form: "full",
    state: TCP_LISTEN,
    local: { addr: e.addr, port: e.port },
    remote: { addr: 0, port: 0 },
    txQueue: 0,
    rxQueue: e.acceptQ.length,
    backlog: e.tl.backlog,
    timer: OFF,
    retransmits: 0,
    probesOut: 0,
    uid: h?.uid ?? 0,
    inode: h?.inode ?? 0,
    // Every request sock (SYN queue and accept queue) holds a reference on its listener.
    refcnt: 1 + e.tl.synQueue.size + e.acceptQ.length,
    skAddr: skAddr(e),
    cookie: objectId(e),
    owners: h?.owners ?? [],
    tcp: listenerTcpInfo(),
    skmem: skmemOf(0, sk?.rcvbuf ?? 0, sk?.sndbuf ?? 0, 0),
    cgroup: "/",
    shutdown: sk?.shutdown ?? 0,
  };
}

function requestRow(world: World, req: RequestSock, listenerUid: number): InetSockInfo {
  return {
    proto: "tcp",
    form: "request",
    state: TCP_SYN_RECV,
    local: { addr: req.saddr, port: req.sport },
    remote: { addr: req.daddr, port: req.dport },
    txQueue: 0,
    rxQueue: 0,
    backlog: 0,
    timer: { kind: TIMER_RETRANSMIT, expiresMs: timerLeftMs(world, req.timer) },
    retransmits: req.retries,
    probesOut: 0,
    uid: listenerUid,
    inode: 0,
    refcnt: 0,
    skAddr: skAddr(req),
    cookie: objectId(req),
    owners: [],
  };
}

function connRow(world: World, net: NetStack, conn: TcpConn, idx: InetIndex): InetSockInfo {
  const sk = conn.sk;
  const local = { addr: conn.laddr, port: conn.lport };
  const remote = { addr: conn.raddr, port: conn.rport };
  const id = { skAddr: skAddr(conn), cookie: objectId(conn) };
  const owner = idx.byConn.get(conn);
  // Linux turns a connection closed by its process into a timewait sock in TIME_WAIT, and in
  // FIN_WAIT2 too while it waits tcp_fin_timeout (tcp_time_wait with TCP_FIN_WAIT2).
  if (sk.state === TCP_TIME_WAIT || (sk.state === TCP_FIN_WAIT2 && sk.orphan && !owner)) {
    return {
      proto: "tcp",
      form: "timewait",
      state: sk.state,
      local,
      remote,
      txQueue: 0,
      rxQueue: 0,
      backlog: 0,
      timer: { kind: TIMER_TIMEWAIT, expiresMs: timerLeftMs(world, sk.keepaliveTimer) },
      retransmits: 0,
      probesOut: 0,
      uid: 0,
      inode: 0,
      refcnt: 3, // the hash, the death row timer and the bind bucket
      ...id,
      owners: [],
    };
  }
  const h = owner ? idx.holders.get(owner) : undefined;
  // An unaccepted child belongs to its listener's owner; an orphan (closed, still finishing) to nobody.
  let uid = h?.uid ?? 0;
  if (!owner) {
    const l = acceptingListener(net, conn);
    const lsk = l ? idx.byListen.get(l) : undefined;
    uid = (lsk && idx.holders.get(lsk)?.uid) ?? 0;
  }
  const timer = connTimer(world, conn);
  const finOut = sk.finQueued ? 1 : 0;
  const mss = Math.max(sk.mssCache, 1);
  return {
    proto: "tcp",
    form: "full",
    state: sk.state,
    local,
    remote,
    // write_seq - snd_una: unacknowledged and unsent bytes, plus the FIN once queued.
    txQueue: Math.max(0, seqDiff((sk.writeSeq + finOut) >>> 0, sk.sndUna)),
    rxQueue: conn.rcvBytes,
    backlog: 0,
    timer,
    retransmits: sk.retransmits,
    probesOut: sk.probesOut,
    uid,
    inode: h?.inode ?? 0,
    refcnt: 1 + (timer.kind !== TIMER_OFF ? 1 : 0), // a pending timer holds a reference
    ...id,
    owners: h?.owners ?? [],
    tcp: connTcpInfo(world, net, conn),
    skmem: skmemOf(
      truesize(conn.rcvBytes, conn.rcvQueueLen),
      conn.rcvbuf,
      conn.sndbuf,
      truesize(conn.sndBytes, Math.ceil(conn.sndBytes / mss)),
    ),
    cgroup: "/",
    // sk_shutdown: RCV_SHUTDOWN once the peer's FIN arrived, SEND_SHUTDOWN once ours is queued.
    shutdown: (sk.rcvShutdown ? 1 : 0) | (sk.finQueued ? 2 : 0) | (owner?.shutdown ?? 0),
  };
}

/**
 * Every TCP socket of a host, in the order Linux dumps them: listeners first, then the
 * established hash (connections, timewait socks), then half-open requests.
 */
export function tcpSockets(world: World, net: NetStack, idx: InetIndex): InetSockInfo[] {
  const out: InetSockInfo[] = [];
  const requests: InetSockInfo[] = [];
  for (const group of net.tcp.listeners.values()) {
    for (const e of group) {
      const row = listenerRow(e, idx);
      out.push(row);
      for (const req of e.tl.synQueue.values()) requests.push(requestRow(world, req, row.uid));
    }
  }
  for (const conn of net.tcp.ehash.values()) {
    if (conn.sk.state === TCP_CLOSE) continue;
    out.push(connRow(world, net, conn, idx));
  }
  return out.concat(requests);
}
