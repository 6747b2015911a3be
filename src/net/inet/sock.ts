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
  listen: ListenEntry | undefined;
  udp: UdpSock | undefined;
  /** TCP_NODELAY, TCP_CORK, TCP_MAXSEG, TCP_USER_TIMEOUT ... as set before the connection exists. */
  nodelay = false;
  userMss = 0;
  cork = false;
  /** TCP_USER_TIMEOUT in ms (0 = off); the TCP issue makes the retransmit timer honour it. */
  userTimeout = 0;
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
