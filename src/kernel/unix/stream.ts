// AF_UNIX connections: listen, connect, accept (SOCK_STREAM and SOCK_SEQPACKET) and the byte
// stream itself (Linux net/unix/af_unix.c unix_listen, unix_stream_connect, unix_accept,
// unix_stream_sendmsg, unix_stream_read_generic, unix_poll).
//
// A connect() completes at once: it creates the server-side sock ("embryo"), joins it to the
// connector and queues it on the listener, where accept() finds it. When the listener's queue
// holds more than `backlog` embryos, connect() sleeps (or fails with EAGAIN) until accept()
// makes room — there is no handshake to drop.

import {
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  O_NONBLOCK,
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
  SIGPIPE,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SS_CONNECTED,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_LISTEN,
} from "../constants.js";
import { EAGAIN, ECONNREFUSED, EINTR, EINVAL, EISCONN, ENOTCONN, EOPNOTSUPP, EPIPE } from "../errno.js";
import type { SysResult } from "../file.js";
import { copyFromIov, copyToIov } from "../iov.js";
import type { Process } from "../process.js";
import type { MsgHdr, ProtoOps, SockAddr, Socket } from "../socket.js";
import { blockOn, type WaitOn } from "../wait.js";
import { toSockAddr, unixName } from "./addr.js";
import { unixBind, unixGetname, unixIoctl, unixRelease, unixShutdown, unixSocketpair } from "./af_unix.js";
import { skbTruesize, UNIX_STREAM_SKB_MAX, type UnixSock } from "./sock.js";

/** Linux unix_listen(). */
export function unixListen(sock: Socket, backlog: number, task: Process): number {
  const sk = sock.sk as UnixSock;
  if (sock.type !== SOCK_STREAM && sock.type !== SOCK_SEQPACKET) return -EOPNOTSUPP;
  if (!sk.addr) return -EINVAL; // no listens on an unbound socket
  if (sk.state !== TCP_CLOSE && sk.state !== TCP_LISTEN) return -EINVAL;
  if (backlog > sk.maxAckBacklog) sk.peerWait.wakeAll(); // connectors waiting for room may go on
  sk.maxAckBacklog = backlog;
  sk.state = TCP_LISTEN;
  sk.peerCred = sk.kernel.unix.cred(task);
  return 0;
}

/** Linux unix_stream_connect() (also SOCK_SEQPACKET). */
export function unixStreamConnect(sock: Socket, addr: SockAddr, fileFlags: number, task: Process): SysResult {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  const a = unixName(addr);
  if (typeof a === "number") return a;
  if (sk.passcred && !sk.addr) {
    const err = unix.autobind(sk);
    if (err) return err;
  }
  const timeo = sk.sndTimeo((fileFlags & O_NONBLOCK) !== 0);
  const step = (): number | WaitOn => {
    const other = unix.findOther(a, sk.type, task);
    if (typeof other === "number") return other;
    if (other.state !== TCP_LISTEN || other.shutdown & RCV_SHUTDOWN) return -ECONNREFUSED;
    if (other.recvqFull()) return other.peerWaitOn; // unix_wait_for_peer()
    // Self-connect and simultaneous connect are impossible: a listener never connects.
    if (sk.state !== TCP_CLOSE) return sk.state === TCP_ESTABLISHED ? -EISCONN : -EINVAL;
    // The way is open: the server side of the connection, queued on the listener.
    const newsk = unix.create1(sk.type);
    newsk.peer = sk;
    newsk.state = TCP_ESTABLISHED;
    newsk.peerCred = unix.cred(task);
    newsk.listener = other;
    newsk.addr = other.addr;
    newsk.inode = other.inode;
    newsk.passcred = other.passcred;
    sk.peerCred = other.peerCred ? { ...other.peerCred } : null;
    sock.state = SS_CONNECTED;
    sk.state = TCP_ESTABLISHED;
    sk.peer = newsk;
    other.queue.push(unix.allocSkb(newsk, new Uint8Array(0), skbTruesize(1)));
    other.dataReady();
    return 0;
  };
  return blockOn(
    task,
    timeo,
    step,
    () => -EAGAIN,
    () => -EINTR,
  );
}

/** Linux unix_accept(): take an embryo off the listener's queue (waiting exclusively). */
export function unixAccept(sock: Socket, newsock: Socket, fileFlags: number, task: Process): SysResult {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  if (sock.type !== SOCK_STREAM && sock.type !== SOCK_SEQPACKET) return -EOPNOTSUPP;
  if (sk.state !== TCP_LISTEN) return -EINVAL;
  const noblock = (fileFlags & O_NONBLOCK) !== 0;
  // skb_recv_datagram(): a pending error first, then the queue, else wait.
  const step = (): number | WaitOn => {
    const err = sk.sockError();
    if (err) return err;
    const skb = sk.queue.shift();
    if (!skb) {
      // __skb_wait_for_more_packets() returns at once on a shut-down listener: accept says EINVAL.
      if (!noblock && sk.shutdown & RCV_SHUTDOWN) return -EINVAL;
      return sk.dgramReadWait;
    }
    const tsk = skb.sk;
    unix.freeSkb(skb);
    if (sk.peerWait.active) sk.peerWait.wake(-1, 1); // a connector waiting for room may go on
    newsock.state = SS_CONNECTED;
    newsock.sk = tsk; // sock_graft()
    tsk.socket = newsock;
    tsk.listener = null;
    return 0;
  };
  return blockOn(
    task,
    sk.rcvTimeo(noblock),
    step,
    () => -EAGAIN,
    () => -EINTR,
  );
}

/** Linux unix_stream_sendmsg(). */
function unixStreamSendmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  if (flags & MSG_OOB) return -EOPNOTSUPP; // CONFIG_AF_UNIX_OOB is not modelled
  if (msg.name) return sk.state === TCP_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
  const other = sk.peer;
  if (!other) return -ENOTCONN;
  const sigpipe = () => {
    if (!(flags & MSG_NOSIGNAL)) task.signal(SIGPIPE);
  };
  if (sk.shutdown & SEND_SHUTDOWN) {
    sigpipe();
    return -EPIPE;
  }
  let sent = 0;
  const step = (): number | WaitOn => {
    while (sent < len) {
      // sock_alloc_send_pskb(): error, shutdown, then room in the send buffer.
      const err = sk.sockError();
      if (err) return sent || err;
      if (sk.shutdown & SEND_SHUTDOWN) return sent || -EPIPE;
      if (sk.wmemAlloc >= sk.sndbuf) return sk.writeWait;
      // Keep two messages in the pipe so it schedules better (Linux).
      const size = Math.min(len - sent, (sk.sndbuf >> 1) - 64, UNIX_STREAM_SKB_MAX);
      const skb = unix.allocSkb(sk, copyFromIov(msg.iov, sent, size));
      if (other.dead || other.shutdown & RCV_SHUTDOWN) {
        unix.freeSkb(skb);
        if (!sent) sigpipe();
        return sent || -EPIPE;
      }
      other.queue.push(skb);
      other.dataReady();
      sent += size;
    }
    return sent;
  };
  return blockOn(
    task,
    sk.sndTimeo((flags & MSG_DONTWAIT) !== 0),
    step,
    () => sent || -EAGAIN,
    () => sent || -EINTR,
  );
}

/** Linux unix_stream_read_generic() with the copy-to-msg actor. */
function unixStreamRecvmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as UnixSock;
  const unix = sk.kernel.unix;
  if (sk.state !== TCP_ESTABLISHED) return -EINVAL;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const target = sk.rcvLowat((flags & MSG_WAITALL) !== 0, len);
  const peek = (flags & MSG_PEEK) !== 0;
  let copied = 0;
  let size = len;
  let addrDone = false;
  const step = (): number | WaitOn => {
    do {
      let skb = sk.queue.at(0);
      if (!skb) {
        if (copied >= target) return copied;
        // POSIX 1003.1g mandates this order: pending error, then end of file.
        const err = sk.sockError();
        if (err) return copied || err;
        if (sk.shutdown & RCV_SHUTDOWN) return copied;
        return sk.streamReadWait;
      }
      if (!addrDone) {
        msg.name = skb.sk.addr ? toSockAddr(skb.sk.addr) : null;
        addrDone = true;
      }
      let chunk = Math.min(skb.data.length - skb.consumed, size);
      copyToIov(msg.iov, copied, skb.data, skb.consumed, chunk);
      copied += chunk;
      size -= chunk;
      if (!peek) {
        skb.consumed += chunk;
        if (skb.data.length - skb.consumed > 0) break;
        sk.queue.shift();
        unix.freeSkb(skb);
      } else {
        // Peeking walks on through the queue without consuming, and never waits for more.
        for (let i = 1; size > 0; i++) {
          skb = sk.queue.at(i);
          if (!skb) break;
          chunk = Math.min(skb.data.length - skb.consumed, size);
          copyToIov(msg.iov, copied, skb.data, skb.consumed, chunk);
          copied += chunk;
          size -= chunk;
        }
        break;
      }
    } while (size > 0);
    return copied;
  };
  return blockOn(
    task,
    sk.rcvTimeo((flags & MSG_DONTWAIT) !== 0),
    step,
    () => copied || -EAGAIN,
    () => copied || -EINTR,
  );
}

/** Linux unix_poll() (stream). */
function unixPoll(sock: Socket): number {
  const sk = sock.sk as UnixSock;
  const shutdown = sk.shutdown;
  const state = sk.state;
  let mask = 0;
  if (sk.err) mask |= POLLERR;
  if (shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
  if (shutdown & RCV_SHUTDOWN) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
  if (sk.queue.length > 0) mask |= POLLIN | POLLRDNORM;
  // Connection-based: an unconnected (or closed) socket reports hang-up.
  if (state === TCP_CLOSE) mask |= POLLHUP;
  // Writable also when the peer has shut down, so writers are not stuck (they get EPIPE).
  if (sk.writable(state)) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
  return mask;
}

export const unixStreamOps: ProtoOps = {
  family: 1,
  release: unixRelease,
  bind: unixBind,
  connect: unixStreamConnect,
  socketpair: unixSocketpair,
  accept: unixAccept,
  getname: unixGetname,
  poll: unixPoll,
  ioctl: unixIoctl,
  listen: unixListen,
  shutdown: unixShutdown,
  sendmsg: unixStreamSendmsg,
  recvmsg: unixStreamRecvmsg,
};
