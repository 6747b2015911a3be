// UDP's socket operations (Linux inet_dgram_ops + udp_prot): connect (ip4_datagram_connect),
// sendmsg (udp_sendmsg), recvmsg (udp_recvmsg, MSG_TRUNC and MSG_PEEK), poll (udp_poll on
// datagram_poll), ioctl (FIONREAD = size of the next datagram), shutdown and close.

import {
  AF_UNSPEC,
  MSG_DONTWAIT,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDHUP,
  POLLRDNORM,
  POLLWRNORM,
  RCV_SHUTDOWN,
  SHUTDOWN_MASK,
  SIOCINQ,
  SIOCOUTQ,
  SS_CONNECTED,
  SS_UNCONNECTED,
  TCP_CLOSE,
  TCP_ESTABLISHED,
} from "../../kernel/constants.js";
import {
  EACCES,
  EAGAIN,
  EDESTADDRREQ,
  EINTR,
  EMSGSIZE,
  ENETUNREACH,
  ENOBUFS,
  ENOIOCTLCMD,
  EOPNOTSUPP,
} from "../../kernel/errno.js";
import type { SysResult } from "../../kernel/file.js";
import { copyFromIov, copyToIov, iovLength } from "../../kernel/iov.js";
import type { Process } from "../../kernel/process.js";
import type { MsgHdr, ProtoOps, SockAddr, Socket } from "../../kernel/socket.js";
import { blockOn, type WaitOn } from "../../kernel/wait.js";
import { INADDR_ANY } from "../addr.js";
import { UdpSock } from "../udp.js";
import { inetBind, inetBindAddr, inetGetname, inetShutdown, inetUnbind } from "./af_inet.js";
import { type InetSock, inAddr, toSockAddrIn } from "./sock.js";

/** Largest UDP payload over IPv4: 65535 - 20 - 8. */
const UDP_MAX_PAYLOAD = 65507;

function udpOf(sk: InetSock): UdpSock {
  if (!sk.udp) {
    const u = new UdpSock();
    u.rcvbufFn = () => sk.rcvbuf;
    u.onError = (errno) => {
      sk.err = errno;
      sk.errorReport();
      sk.wakeAll(udpPollSk(sk));
    };
    u.onWake = () => sk.wakeAll(udpPollSk(sk));
    sk.udp = u;
  }
  return sk.udp;
}

/** inet_autobind for datagram sockets: an ephemeral port on first send or connect. */
function autobind(sk: InetSock, task: Process): number {
  if (sk.lport !== 0) return 0;
  udpOf(sk);
  return inetBindAddr(sk, sk.laddr, 0, task.uid);
}

function udpBind(sock: Socket, addr: SockAddr, task: Process): number {
  udpOf(sock.sk as InetSock);
  return inetBind(sock, addr, task);
}

/** Linux ip4_datagram_connect(): set (or with AF_UNSPEC, clear) the default destination. */
function udpConnect(sock: Socket, addr: SockAddr, _fileFlags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  const u = udpOf(sk);
  if (addr.family === AF_UNSPEC) {
    sk.net.udp.rehash(u, () => {
      u.connected = false;
      u.raddr = 0;
      u.rport = 0;
    });
    sk.raddr = 0;
    sk.rport = 0;
    sock.state = SS_UNCONNECTED;
    sk.state = TCP_CLOSE;
    return 0;
  }
  const a = inAddr(addr);
  if (typeof a === "number") return a;
  const [daddr, dport] = a;
  if (!sk.net.hasRoute(daddr) && daddr !== 0xffffffff) return -ENETUNREACH;
  // ip4_datagram_connect(): a broadcast peer needs SO_BROADCAST
  if (!sk.broadcast && sk.net.isBroadcast(daddr) && !sk.net.isLocal(daddr)) return -EACCES;
  const err = autobind(sk, task);
  if (err) return err;
  sk.net.udp.rehash(u, () => {
    // Linux sets the source address the route chose (inet_saddr) and rehashes.
    if (sk.laddr === INADDR_ANY) u.laddr = sk.net.sourceFor(daddr);
    u.raddr = daddr;
    u.rport = dport;
    u.connected = true;
  });
  if (sk.laddr === INADDR_ANY) sk.laddr = u.laddr; // getsockname shows the chosen source (inet_saddr)
  sk.raddr = daddr;
  sk.rport = dport;
  sock.state = SS_CONNECTED;
  sk.state = TCP_ESTABLISHED;
  return 0;
}

/** Take a pending ICMP-reported error (sk_err) once. */
function takeError(sk: InetSock): number {
  return sk.sockError();
}

/** Linux udp_sendmsg(). UDP never blocks here: a full device queue drops, as Linux does. */
function udpSendmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  const u = udpOf(sk);
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (len > UDP_MAX_PAYLOAD) return -EMSGSIZE;
  let daddr: number;
  let dport: number;
  if (msg.name) {
    const a = inAddr(msg.name);
    if (typeof a === "number") return a;
    [daddr, dport] = a;
    if (dport === 0) return -22; // EINVAL: Linux refuses port 0 as a destination
  } else {
    if (!u.connected) return -EDESTADDRREQ;
    daddr = u.raddr;
    dport = u.rport;
  }
  // sock_alloc_send_pskb() reports a pending error first (e.g. ECONNREFUSED from ICMP).
  const err = takeError(sk);
  if (err) return err;
  const berr = autobind(sk, task);
  if (berr) return berr;
  const r = sk.net.udp.send(u, copyFromIov(msg.iov, 0, len), daddr, dport, sk.broadcast);
  if (r === "EACCES") return -EACCES;
  if (r === "EMSGSIZE") return -EMSGSIZE;
  if (r === "ENOBUFS") return -ENOBUFS;
  if (r === "ENETUNREACH") return -ENETUNREACH;
  return len;
}

/** Linux udp_recvmsg(): one datagram per call; MSG_TRUNC reports the real length. */
function udpRecvmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  const u = udpOf(sk);
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const peek = (flags & MSG_PEEK) !== 0;
  const step = (): number | WaitOn => {
    const d = sk.net.udp.dequeue(u, peek);
    if (!d) {
      const err = takeError(sk);
      if (err) return err;
      if (sk.shutdown & RCV_SHUTDOWN) return 0;
      return sk.readWait;
    }
    const x = sk.net.core.x;
    const at = x.skbDataPtr(d.skb);
    const n = Math.min(len, d.len, iovLength(msg.iov));
    copyToIov(msg.iov, 0, sk.net.core.u8.subarray(at, at + d.len), 0, n);
    msg.name = toSockAddrIn(d.from, d.fromPort);
    msg.flags = d.len > n ? MSG_TRUNC : 0;
    if (!peek) x.consumeSkb(d.skb);
    return flags & MSG_TRUNC ? d.len : n;
  };
  return blockOn(
    task,
    sk.rcvTimeo((flags & MSG_DONTWAIT) !== 0),
    step,
    () => -EAGAIN,
    () => -EINTR,
  );
}

/** Linux udp_poll() / datagram_poll(). */
function udpPollSk(sk: InetSock): number {
  let mask = 0;
  if (sk.err) mask |= POLLERR;
  if (sk.shutdown & RCV_SHUTDOWN) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
  if (sk.shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
  if (sk.udp && sk.udp.rcvQ.length > 0) mask |= POLLIN | POLLRDNORM;
  mask |= POLLOUT | POLLWRNORM; // sock_writeable: UDP's send buffer never fills here
  return mask;
}

function udpIoctl(sock: Socket, cmd: number): number {
  const sk = sock.sk as InetSock;
  if (cmd === SIOCINQ) return sk.udp?.rcvQ[0]?.len ?? 0; // Linux: the next datagram's size
  if (cmd === SIOCOUTQ) return 0;
  return -ENOIOCTLCMD;
}

function udpRelease(sock: Socket): SysResult {
  const sk = sock.sk as InetSock;
  if (!sk) return 0;
  sk.dead = true;
  if (sk.udp) {
    sk.net.udp.unhash(sk.udp);
    sk.net.udp.purge(sk.udp);
  }
  inetUnbind(sk);
  sock.sk = null;
  sk.socket = null;
  return 0;
}

export const udpDgramOps: ProtoOps = {
  family: 2,
  release: udpRelease,
  bind: udpBind,
  connect: udpConnect,
  socketpair: () => -EOPNOTSUPP,
  accept: () => -EOPNOTSUPP,
  getname: inetGetname,
  poll: (sock) => udpPollSk(sock.sk as InetSock),
  ioctl: udpIoctl,
  listen: () => -EOPNOTSUPP,
  shutdown: (sock, how) =>
    inetShutdown(
      sock,
      how,
      () => {},
      () => {},
    ),
  sendmsg: udpSendmsg,
  recvmsg: udpRecvmsg,
};
