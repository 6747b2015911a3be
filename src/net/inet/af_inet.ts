// The AF_INET family (Linux net/ipv4/af_inet.c): socket creation in the calling process's network
// stack, bind (with Linux's port rules), getname, ioctl and shutdown shared by TCP and UDP.
// The TCP stream ops are in tcp_ops.ts, the UDP datagram ops in udp_ops.ts.

import {
  AF_INET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  RCV_SHUTDOWN,
  SEND_SHUTDOWN,
  SOCK_DGRAM,
  SOCK_STREAM,
  SS_DISCONNECTING,
  SS_UNCONNECTED,
  TCP_CLOSE,
  TCP_LISTEN,
  TCP_SYN_SENT,
} from "../../kernel/constants.js";
import {
  EACCES,
  EADDRINUSE,
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  EINVAL,
  ENOTCONN,
  EPROTONOSUPPORT,
  ESOCKTNOSUPPORT,
} from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { Process } from "../../kernel/process.js";
import type { NetProtoFamily, SockAddr, Socket } from "../../kernel/socket.js";
import { INADDR_ANY } from "../addr.js";
import type { BindOwner, BindTable } from "../bind.js";
import type { NetStack } from "../stack.js";
import { InetSock, inAddr, toSockAddrIn } from "./sock.js";
import { tcpStreamOps } from "./tcp_ops.js";
import { udpDgramOps } from "./udp_ops.js";

/** Linux net.ipv4.ip_unprivileged_port_start. */
export const IP_UNPRIVILEGED_PORT_START = 1024;

/** The AF_INET family for a kernel: `netOf` says which host's stack a process's sockets live in. */
export function createInetFamily(
  kernel: Kernel,
  netOf: (task: Process | null) => NetStack | undefined,
): NetProtoFamily {
  return {
    family: AF_INET,
    create(sock: Socket, protocol: number, task: Process | null): number {
      const net = netOf(task);
      if (!net) return -EAFNOSUPPORT; // a process on no host has no IPv4
      let sk: InetSock;
      if (sock.type === SOCK_STREAM) {
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return -EPROTONOSUPPORT;
        sk = new InetSock(kernel, net, SOCK_STREAM, IPPROTO_TCP);
        // Linux tcp_init_sock: sk_sndbuf = tcp_wmem[1], sk_rcvbuf = tcp_rmem[1]
        sk.sndbuf = net.sysctl.tcp_wmem[1];
        sk.rcvbuf = net.sysctl.tcp_rmem[1];
        sock.ops = tcpStreamOps;
      } else if (sock.type === SOCK_DGRAM) {
        if (protocol !== 0 && protocol !== IPPROTO_UDP) return -EPROTONOSUPPORT;
        sk = new InetSock(kernel, net, SOCK_DGRAM, IPPROTO_UDP);
        sock.ops = udpDgramOps;
      } else {
        // SOCK_RAW and SOCK_SEQPACKET are not offered (raw sockets are in the README's not-yet list).
        return -ESOCKTNOSUPPORT;
      }
      sk.state = TCP_CLOSE;
      sk.socket = sock;
      sock.sk = sk;
      return 0;
    },
    stats() {
      return {};
    },
  };
}

function bindTable(sk: InetSock): BindTable {
  return sk.protocol === IPPROTO_TCP ? sk.net.tcp.bind : sk.net.udp.bind;
}

/**
 * Take (addr, port) for `sk` (Linux inet_bind -> inet_csk_get_port / udp_lib_get_port).
 * Port 0 picks an ephemeral port. Returns 0 or a negative errno.
 */
export function inetBindAddr(sk: InetSock, addr: number, port: number, uid: number, auto = false): number {
  const net = sk.net;
  if (sk.lport !== 0) return -EINVAL;
  if (addr !== INADDR_ANY && !net.isLocal(addr) && !net.isBroadcast(addr)) {
    // net.ipv4.ip_nonlocal_bind = 0; local, broadcast and multicast addresses may be bound (inet_addr_valid_or_nonlocal)
    return -EADDRNOTAVAIL;
  }
  if (port !== 0 && port < IP_UNPRIVILEGED_PORT_START && uid !== 0) return -EACCES;
  const table = bindTable(sk);
  const owner: BindOwner = {
    addr,
    port,
    reuseaddr: sk.reuse,
    reuseport: sk.reuseport,
    uid,
    listening: false,
    timewait: false,
  };
  if (port === 0) {
    owner.port = table.pickPort(net.sysctl.ip_local_port_range, net.env.random(), (p) => {
      owner.port = p;
      return !table.conflicts(owner) && (!auto || table.owners(p).length === 0);
    });
    if (owner.port === 0) return -EADDRINUSE;
  } else if (table.conflicts(owner)) {
    return -EADDRINUSE;
  }
  table.add(owner);
  sk.bindOwner = owner;
  sk.laddr = addr;
  sk.lport = owner.port;
  if (sk.protocol === IPPROTO_UDP && sk.udp) {
    sk.udp.laddr = addr;
    sk.udp.lport = owner.port;
    sk.udp.owner = owner;
    net.udp.hash(sk.udp);
  }
  return 0;
}

/** Give the port back (close). */
export function inetUnbind(sk: InetSock): void {
  if (!sk.bindOwner) return;
  bindTable(sk).remove(sk.bindOwner);
  sk.bindOwner = undefined;
}

/** Linux inet_bind(). */
export function inetBind(sock: Socket, addr: SockAddr, task: Process): number {
  const sk = sock.sk as InetSock;
  // Linux also accepts AF_UNSPEC with INADDR_ANY for old programs; our AF_UNSPEC address carries no
  // address at all, so anything but AF_INET is EAFNOSUPPORT.
  if (addr.family !== AF_INET) return -EAFNOSUPPORT;
  const a = inAddr(addr);
  if (typeof a === "number") return a;
  return inetBindAddr(sk, a[0], a[1], task.uid);
}

/** Linux inet_getname(): the peer only once connected (not during SYN_SENT, not after close). */
export function inetGetname(sock: Socket, peer: boolean): SockAddr | number {
  const sk = sock.sk as InetSock;
  if (peer) {
    if (sk.rport === 0 || sk.state === TCP_CLOSE || sk.state === TCP_SYN_SENT) return -ENOTCONN;
    return toSockAddrIn(sk.raddr, sk.rport);
  }
  return toSockAddrIn(sk.laddr, sk.lport);
}

/**
 * Linux inet_shutdown(): SHUT_RD/WR/RDWR become RCV/SEND shutdown bits; an unconnected socket
 * reports ENOTCONN (after recording the bits, as Linux does).
 */
export function inetShutdown(
  sock: Socket,
  how: number,
  onSendShutdown: (sk: InetSock) => void,
  onDisconnect: (sk: InetSock) => void,
): number {
  const sk = sock.sk as InetSock;
  if (how < 0 || how > 2) return -EINVAL;
  const bits = how + 1; // SHUT_RD -> RCV_SHUTDOWN (1), SHUT_WR -> SEND_SHUTDOWN (2), RDWR -> 3
  let err = 0;
  switch (sk.state) {
    case TCP_CLOSE:
      err = -ENOTCONN;
      sk.shutdown |= bits;
      break;
    case TCP_LISTEN:
      if (!(bits & RCV_SHUTDOWN)) break;
      onDisconnect(sk);
      sock.state = SS_UNCONNECTED;
      break;
    case TCP_SYN_SENT:
      onDisconnect(sk);
      sock.state = SS_UNCONNECTED;
      break;
    default:
      sk.shutdown |= bits;
      if (bits & SEND_SHUTDOWN) onSendShutdown(sk);
      break;
  }
  if (sock.state === SS_DISCONNECTING) sock.state = SS_UNCONNECTED;
  sk.stateChange();
  return err;
}
