// An AF_INET socket's protocol state (Linux struct inet_sock on struct sock): the host's network
// stack it lives in, its bound and connected addresses, and the protocol object underneath — a TCP
// connection, a TCP listener, or a UDP socket. It turns protocol events into wait-queue wakeups.

import {
  AF_INET,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
} from "../../kernel/constants.js";
import { ECONNABORTED, ECONNREFUSED, ECONNRESET, EINVAL, EPIPE, ETIMEDOUT } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { Sock } from "../../kernel/sock.js";
import type { SockAddr, SockAddrIn } from "../../kernel/socket.js";
import { WaitOn } from "../../kernel/wait.js";
import { ipToNumber, ipToString } from "../addr.js";
import type { BindOwner } from "../bind.js";
import type { NetStack } from "../stack.js";
import type { TcpConn } from "../tcp/conn.js";
import type { ListenEntry } from "../tcp/proto.js";
import type { TcpError } from "../tcp/sock.js";
import type { UdpSock } from "../udp.js";

export const TCP_ERRNO: Record<TcpError, number> = {
  ECONNREFUSED,
  ECONNRESET,
  ETIMEDOUT,
  EPIPE,
  ECONNABORTED,
};

export class InetSock extends Sock {
  laddr = 0;
  lport = 0;
  raddr = 0;
  rport = 0;
  bindOwner: BindOwner | undefined;
  tcp: TcpConn | undefined;
  /** TCP_INQ: recvmsg reports the bytes left to read (TCP_CM_INQ). */
  recvmsgInq = false;
  /** Core epitem cells watching this socket (the RX fast path runs their callbacks), or null. */
  coreEpitems: Set<number> | null = null;
  listen: ListenEntry | undefined;
  udp: UdpSock | undefined;
  /** TCP_NODELAY, TCP_CORK, TCP_MAXSEG, TCP_USER_TIMEOUT ... as set before the connection exists. */
  nodelay = false;
  userMss = 0;
  cork = false;
  /** TCP_USER_TIMEOUT in ms (0 = off). */
  userTimeout = 0;
  /** TCP_NOTSENT_LOWAT (undefined: net.ipv4.tcp_notsent_lowat). */
  notsentLowat: number | undefined;
  /** TCP_LINGER2 in seconds (0: tcp_fin_timeout; -1: no FIN_WAIT2). */
  linger2 = 0;
  /** TCP_DEFER_ACCEPT in seconds as set (Linux keeps it as SYN-ACK retransmissions). */
  deferAccept = 0;
  /** TCP_WINDOW_CLAMP (0 = none). */
  windowClamp = 0;
  /** IP_TOS, IP_TTL (-1: net.ipv4.ip_default_ttl), IP_MTU_DISCOVER (Linux struct inet_sock). */
  tos = 0;
  ttl = -1;
  pmtudisc = 1; // IP_PMTUDISC_WANT, net.ipv4.ip_no_pmtu_disc = 0
  /** Per-socket keepalive settings (TCP_KEEPIDLE / KEEPINTVL / KEEPCNT) over the host's sysctls. */
  keep: { tcp_keepalive_time?: number; tcp_keepalive_intvl?: number; tcp_keepalive_probes?: number } = {};
  /** The connection whose error has been copied into sk_err (each connection reports once). */
  private tcpErrReported: unknown = undefined;
  readonly readWait: WaitOn;
  readonly writeWait: WaitOn;
  readonly acceptWait: WaitOn;
  readonly connectWait: WaitOn;

  constructor(
    kernel: Kernel,
    readonly net: NetStack,
    type: number,
    protocol: number,
  ) {
    super(kernel, AF_INET, type, protocol);
    // Errors and hang-ups end every wait (Linux's task waiters ignore the wake key altogether).
    const EH = POLLERR | POLLHUP;
    this.readWait = new WaitOn(this.wq, POLLIN | POLLRDNORM | EH, false, "wait_woken");
    this.writeWait = new WaitOn(this.wq, POLLOUT | POLLWRNORM | EH, false, "sk_stream_wait_memory");
    // Linux inet_csk_wait_for_connect: prepare_to_wait_exclusive — one acceptor per connection.
    this.acceptWait = new WaitOn(this.wq, POLLIN | POLLRDNORM | EH, true, "inet_csk_accept");
    this.connectWait = new WaitOn(this.wq, POLLOUT | POLLWRNORM | EH, false, "inet_wait_for_connect");
  }

  /** Copy a TCP connection's error into sk_err, once (Linux tcp_reset / tcp_write_err set sk_err). */
  syncTcpError(): void {
    const e = this.tcp?.sk.err;
    if (e && this.tcpErrReported !== this.tcp) {
      this.tcpErrReported = this.tcp;
      this.err = TCP_ERRNO[e];
    }
  }

  /** A child of a listener takes its socket options (Linux sk_clone_lock copies the whole sock). */
  inheritFrom(p: InetSock): void {
    this.sndbuf = p.sndbuf;
    this.rcvbuf = p.rcvbuf;
    this.userlocks = p.userlocks;
    this.reuse = p.reuse;
    this.reuseport = p.reuseport;
    this.keepopen = p.keepopen;
    this.linger = p.linger;
    this.lingertime = p.lingertime;
    this.rcvtimeo = p.rcvtimeo;
    this.sndtimeo = p.sndtimeo;
    this.rcvlowat = p.rcvlowat;
    this.priority = p.priority;
    this.mark = p.mark;
    this.nodelay = p.nodelay;
    this.userMss = p.userMss;
    this.cork = p.cork;
    this.userTimeout = p.userTimeout;
    this.keep = { ...p.keep };
  }

  /** SO_KEEPALIVE changed (Linux sk_prot->keepalive = tcp_set_keepalive). */
  override keepalive(on: boolean): void {
    if (!this.tcp) return;
    this.tcp.sk.cfg.keepalive = on;
    if (on) this.tcp.sk.armKeepalive();
    else this.tcp.sk.keepaliveTimer.del();
  }

  /** A readiness change from the protocol: wake sleepers and pollers (sk_data_ready & co). */
  wakeAll(events: number): void {
    const trace = this.net.trace;
    if (trace !== undefined) trace("wakeup", { sk: this, events, waiters: this.wq.entries() });
    if (this.wq.active) this.wq.wake(events, 1);
  }
}

/** Parse a sockaddr_in; returns [addr, port] or a negative errno. */
export function inAddr(addr: SockAddr): [number, number] | number {
  if (addr.family !== AF_INET) return -EINVAL;
  const a = ipToNumber((addr as SockAddrIn).addr);
  const port = (addr as SockAddrIn).port;
  if (Number.isNaN(a) || !Number.isInteger(port) || port < 0 || port > 65535) return -EINVAL;
  return [a, port];
}

export function toSockAddrIn(addr: number, port: number): SockAddrIn {
  return { family: AF_INET, addr: ipToString(addr), port };
}

// SOL_IP option numbers (include/uapi/linux/in.h).
const IP_TOS = 1;
const IP_TTL = 2;
const IP_MTU_DISCOVER = 10;

/**
 * SOL_IP options shared by TCP and UDP (Linux do_ip_setsockopt): IP_TOS (the ECN bits stay the
 * transport's), IP_TTL (1..255, -1 for the default), IP_MTU_DISCOVER (0..5). 0 or -errno; null when
 * the option is not one of these.
 */
export function ipSetsockopt(sk: InetSock, optname: number, val: number): number | null {
  switch (optname) {
    case IP_TOS:
      sk.tos = val & 0xfc;
      return 0;
    case IP_TTL:
      if (val !== -1 && (val < 1 || val > 255)) return -EINVAL;
      sk.ttl = val;
      return 0;
    case IP_MTU_DISCOVER:
      if (val < 0 || val > 5) return -EINVAL;
      sk.pmtudisc = val;
      return 0;
    default:
      return null;
  }
}

/** Linux do_ip_getsockopt() for the options ipSetsockopt knows; null otherwise. */
export function ipGetsockopt(sk: InetSock, optname: number): number | null {
  switch (optname) {
    case IP_TOS:
      return sk.tos;
    case IP_TTL:
      return sk.ttl === -1 ? 64 : sk.ttl;
    case IP_MTU_DISCOVER:
      return sk.pmtudisc;
    default:
      return null;
  }
}
