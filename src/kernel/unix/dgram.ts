// AF_UNIX datagrams: SOCK_DGRAM, and SOCK_SEQPACKET's data path (Linux net/unix/af_unix.c
// unix_dgram_connect, unix_dgram_sendmsg, __unix_dgram_recvmsg, unix_dgram_poll,
// unix_seqpacket_sendmsg/recvmsg).
//
// Each send is one skb on the receiver's queue; a read takes one whole datagram (the rest of a
// longer one is discarded: MSG_TRUNC). A receiver not connected back to the sender accepts at
// most net.unix.max_dgram_qlen (+1) queued datagrams; past that senders wait on its peer_wait.

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
  POLLWRBAND,
  POLLWRNORM,
  RCV_SHUTDOWN,
  SEND_SHUTDOWN,
  SHUTDOWN_MASK,
  SOCK_SEQPACKET,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_LISTEN,
} from "../constants.js";
import {
  EAGAIN,
  ECONNREFUSED,
  ECONNRESET,
  EINTR,
  EMSGSIZE,
  ENOTCONN,
  EOPNOTSUPP,
  EPERM,
  EPIPE,
} from "../errno.js";
import type { SysResult } from "../file.js";
import { copyFromIov, copyToIov } from "../iov.js";
import type { Process } from "../process.js";
import { WRITABLE_KEY } from "../sock.js";
import type { MsgHdr, ProtoOps, SockAddr, Socket } from "../socket.js";
import { sockNoAccept, sockNoListen } from "../socket.js";
import { blockOn, type WaitOn } from "../wait.js";
import { toSockAddr, unixName } from "./addr.js";
import {
  peerWakeDisconnectWakeup,
  peerWakeMe,
  unixBind,
  unixGetname,
  unixIoctl,
  unixRelease,
  unixShutdown,
  unixSocketpair,
} from "./af_unix.js";
import type { UnixAddress, UnixSkb, UnixSock } from "./sock.js";
import { unixAccept, unixListen, unixStreamConnect } from "./stream.js";

/** Linux unix_may_send(): a receiver connected to someone else takes nothing from us. */
function unixMaySend(sk: UnixSock, other: UnixSock): boolean {
  return other.peer === null || other.peer === sk;
}

/**
 * Linux unix_dgram_disconnected(): forget what the old peer sent; if the link was bidirectional,
 * the other end learns (ECONNRESET).
 */
function dgramDisconnected(sk: UnixSock, other: UnixSock): void {
  if (sk.queue.length === 0) return;
  const unix = sk.kernel.unix;
  for (let skb = sk.queue.shift(); skb; skb = sk.queue.shift()) unix.freeSkb(skb);
  sk.peerWait.wakeAll();
  if (!other.dead && other.peer === sk) {
    other.err = ECONNRESET;
    other.errorReport();
  }
}

/** Linux unix_dgram_connect(): set (or with AF_UNSPEC, dissolve) the default destination. */
function unixDgramConnect(sock: Socket, addr: SockAddr, _fileFlags: number, task: Process): number {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  let other: UnixSock | null = null;
  if (addr.family !== AF_UNSPEC) {
    const a = unixName(addr);
    if (typeof a === "number") return a;
    if (sk.passcred && !sk.addr) {
      const err = unix.autobind(sk);
      if (err) return err;
    }
    const o = unix.findOther(a, sk.type, task);
    if (typeof o === "number") return o;
    if (!unixMaySend(sk, o)) return -EPERM;
    sk.state = TCP_ESTABLISHED;
    o.state = TCP_ESTABLISHED;
    other = o;
  }
  const old = sk.peer;
  sk.peer = other;
  if (old) {
    if (!other) sk.state = TCP_CLOSE;
    peerWakeDisconnectWakeup(sk, old);
    if (other !== old) {
      dgramDisconnected(sk, old);
      if (!old.peer) old.state = TCP_CLOSE;
    }
  }
  return 0;
}

/** Linux unix_dgram_sendmsg(). */
function unixDgramSendmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  let name: UnixAddress | null = null;
  let other: UnixSock | null = null;
  if (msg.name) {
    const a = unixName(msg.name);
    if (typeof a === "number") return a;
    name = a;
  } else {
    other = sk.peer;
    if (!other) return -ENOTCONN;
  }
  if (sk.passcred && !sk.addr) {
    const err = unix.autobind(sk);
    if (err) return err;
  }
  if (len > sk.sndbuf - 32) return -EMSGSIZE;
  let skb: UnixSkb | null = null;
  let full: UnixSock | null = null;
  const drop = (err: number): number => {
    if (skb) unix.freeSkb(skb);
    skb = null;
    return err;
  };
  const step = (): number | WaitOn => {
    full = null;
    if (!skb) {
      // sock_alloc_send_pskb(): the datagram is charged to us before it is queued anywhere.
      const err = sk.sockError();
      if (err) return err;
      if (sk.shutdown & SEND_SHUTDOWN) return -EPIPE;
      if (sk.wmemAlloc >= sk.sndbuf) return sk.writeWait;
      skb = unix.allocSkb(sk, copyFromIov(msg.iov, 0, len));
    }
    for (;;) {
      if (!other) {
        if (!name) return drop(-ECONNRESET);
        const o = unix.findOther(name, sk.type, task);
        if (typeof o === "number") return drop(o);
        other = o;
      }
      if (!unixMaySend(sk, other)) return drop(-EPERM);
      if (other.dead) {
        if (sk.type === SOCK_SEQPACKET) return drop(-EPIPE);
        if (sk.peer === other) {
          // Our connected peer is gone: disconnect, and say so once.
          sk.peer = null;
          peerWakeDisconnectWakeup(sk, other);
          sk.state = TCP_CLOSE;
          dgramDisconnected(sk, other);
          return drop(-ECONNREFUSED);
        }
        other = null;
        continue; // look the name up again (it may have been re-bound)
      }
      if (other.shutdown & RCV_SHUTDOWN) return drop(-EPIPE);
      if (other !== sk && other.peer !== sk && other.recvqFull()) {
        full = other;
        return other.peerWaitOn; // unix_wait_for_peer()
      }
      other.queue.push(skb!);
      skb = null;
      other.dataReady();
      return len;
    }
  };
  const onTimeout = (): number => {
    // Non-blocking (or timed out) on a full receiver: arm the relay so poll() sees POLLOUT later.
    if (full && sk.peer === full) peerWakeMe(sk, full);
    return drop(-EAGAIN);
  };
  return blockOn(task, sk.sndTimeo((flags & MSG_DONTWAIT) !== 0), step, onTimeout, () => drop(-EINTR));
}

/** Linux __unix_dgram_recvmsg(). */
function unixDgramRecvmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const noblock = (flags & MSG_DONTWAIT) !== 0;
  const seqpacket = sk.type === SOCK_SEQPACKET;
  const step = (): number | WaitOn => {
    // __skb_try_recv_datagram(): a pending error is reported before any queued datagram.
    const err = sk.sockError();
    if (err) return err;
    const skb = sk.queue.at(0);
    if (!skb) {
      if (!noblock) {
        // __skb_wait_for_more_packets() returns at once on these.
        if (sk.shutdown & RCV_SHUTDOWN) return 0;
        if (seqpacket && sk.state !== TCP_ESTABLISHED && sk.state !== TCP_LISTEN) return -ENOTCONN;
      }
      return sk.dgramReadWait;
    }
    if (!(flags & MSG_PEEK)) sk.queue.shift();
    if (sk.peerWait.active) sk.peerWait.wake(WRITABLE_KEY, 1); // room for a waiting sender
    msg.name = skb.sk.addr ? toSockAddr(skb.sk.addr) : null;
    const avail = skb.data.length;
    let size = len;
    if (size > avail) size = avail;
    else if (size < avail) msg.flags = (msg.flags ?? 0) | MSG_TRUNC;
    copyToIov(msg.iov, 0, skb.data, 0, size);
    if (!(flags & MSG_PEEK)) unix.freeSkb(skb);
    return flags & MSG_TRUNC ? avail : size;
  };
  // A non-blocking read of a shut-down SEQPACKET socket reports end of file, not EAGAIN.
  const onTimeout = () => (seqpacket && sk.shutdown & RCV_SHUTDOWN ? 0 : -EAGAIN);
  return blockOn(task, sk.rcvTimeo(noblock), step, onTimeout, () => -EINTR);
}

/** Linux unix_dgram_poll() (also SOCK_SEQPACKET). */
function unixDgramPoll(sock: Socket, events: number): number {
  const sk = sock.sk as UnixSock;
  const shutdown = sk.shutdown;
  const state = sk.state;
  let mask = 0;
  if (sk.err) mask |= POLLERR;
  if (shutdown & RCV_SHUTDOWN) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
  if (shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
  if (sk.queue.length > 0) mask |= POLLIN | POLLRDNORM;
  if (sk.type === SOCK_SEQPACKET && state === TCP_CLOSE) mask |= POLLHUP;
  // No write status requested: skip the (side-effecting) peer check, as Linux does.
  if (!(events & (POLLOUT | POLLWRNORM | POLLWRBAND))) return mask;
  let writable = sk.writable(state);
  if (writable) {
    const other = sk.peer;
    if (other && other.peer !== sk && other.recvqFull() && peerWakeMe(sk, other)) writable = false;
  }
  if (writable) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
  return mask;
}

/** Linux unix_seqpacket_sendmsg(): connected only; any address is ignored. */
function unixSeqpacketSendmsg(
  sock: Socket,
  msg: MsgHdr,
  len: number,
  flags: number,
  task: Process,
): SysResult {
  const sk = sock.sk as UnixSock;
  const err = sk.sockError();
  if (err) return err;
  if (sk.state !== TCP_ESTABLISHED) return -ENOTCONN;
  return unixDgramSendmsg(sock, { iov: msg.iov }, len, flags, task);
}

function unixSeqpacketRecvmsg(
  sock: Socket,
  msg: MsgHdr,
  len: number,
  flags: number,
  task: Process,
): SysResult {
  const sk = sock.sk as UnixSock;
  if (sk.state !== TCP_ESTABLISHED) return -ENOTCONN;
  return unixDgramRecvmsg(sock, msg, len, flags, task);
}

export const unixDgramOps: ProtoOps = {
  family: 1,
  release: unixRelease,
  bind: unixBind,
  connect: unixDgramConnect,
  socketpair: unixSocketpair,
  accept: sockNoAccept,
  getname: unixGetname,
  poll: unixDgramPoll,
  ioctl: unixIoctl,
  listen: sockNoListen,
  shutdown: unixShutdown,
  sendmsg: unixDgramSendmsg,
  recvmsg: unixDgramRecvmsg,
};

export const unixSeqpacketOps: ProtoOps = {
  family: 1,
  release: unixRelease,
  bind: unixBind,
  connect: unixStreamConnect,
  socketpair: unixSocketpair,
  accept: unixAccept,
  getname: unixGetname,
  poll: unixDgramPoll,
  ioctl: unixIoctl,
  listen: unixListen,
  shutdown: unixShutdown,
  sendmsg: unixSeqpacketSendmsg,
  recvmsg: unixSeqpacketRecvmsg,
};
