// TCP's socket operations (Linux inet_stream_ops + tcp_prot): connect (__inet_stream_connect),
// listen (inet_listen), accept (inet_csk_accept), sendmsg (tcp_sendmsg_locked), recvmsg
// (tcp_recvmsg_locked), poll (tcp_poll), shutdown, close (tcp_close) and the SOL_TCP options.

import {
  AF_UNSPEC,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_MORE,
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
  SIOCINQ,
  SIOCOUTQ,
  SOCK_STREAM,
  SOL_IP,
  SOL_TCP,
  SS_CONNECTED,
  SS_CONNECTING,
  SS_UNCONNECTED,
  TCP_CM_INQ,
  TCP_CORK,
  TCP_INQ,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_LISTEN,
  TCP_MAXSEG,
  TCP_NODELAY,
  TCP_USER_TIMEOUT,
} from "../../kernel/constants.js";
import {
  EADDRINUSE,
  EADDRNOTAVAIL,
  EAGAIN,
  EALREADY,
  ECONNABORTED,
  ECONNREFUSED,
  EINPROGRESS,
  EINTR,
  EINVAL,
  EISCONN,
  ENETUNREACH,
  ENOBUFS,
  ENOIOCTLCMD,
  ENOPROTOOPT,
  ENOTCONN,
  EOPNOTSUPP,
  EPIPE,
} from "../../kernel/errno.js";
import type { SysResult } from "../../kernel/file.js";
import { copyFromIov } from "../../kernel/iov.js";
import type { Process } from "../../kernel/process.js";
import { SOCK_RCVBUF_LOCK } from "../../kernel/sock.js";
import { type MsgHdr, type ProtoOps, putCmsg, type SockAddr, type Socket } from "../../kernel/socket.js";
import type { OptOut, OptVal } from "../../kernel/sockopt.js";
import { blockOn, type WaitOn } from "../../kernel/wait.js";
import { WAKE_CORE_LINKED } from "../../kernel/waitqueue.js";
import type { TcpConn } from "../tcp/conn.js";
import { TcpListener } from "../tcp/listen.js";
import type { ListenEntry } from "../tcp/proto.js";
import {
  TCP_CLOSE_WAIT,
  TCP_SYN_RECV,
  TCP_TIME_WAIT,
  TCP_CLOSE as TCPS_CLOSE,
  TCP_ESTABLISHED as TCPS_ESTABLISHED,
  TCP_SYN_SENT as TCPS_SYN_SENT,
} from "../tcp/state.js";
import { inetBind, inetBindAddr, inetGetname, inetShutdown, inetUnbind } from "./af_inet.js";
import { InetSock, inAddr, ipGetsockopt, ipSetsockopt } from "./sock.js";

const TCP_MIN_MSS = 88;
const MAX_TCP_WINDOW = 32767;

/** Wire a connection to its socket: protocol events become sk state, sk_err and wakeups. */
function attach(sk: InetSock, conn: TcpConn): void {
  const x = sk.net.core.x;
  const prev = sk.tcp;
  if (sk.coreEpitems !== null) {
    // the core runs this socket's epitem callbacks from the new connection's cell from now on
    for (const item of sk.coreEpitems) {
      if (prev !== undefined && prev !== conn && prev.tsk !== 0) x.tskUnwatch(prev.tsk, item);
      if (conn.tsk !== 0) x.tskWatch(conn.tsk, item);
    }
  }
  sk.tcp = conn;
  conn.bindBuffers(sk, SOCK_RCVBUF_LOCK);
  // The core queued data and already ran the callbacks of the epitems it watches: wake the rest
  // (blocked readers, poll/select, exclusive epitems) with sk_data_ready's key.
  conn.onCoreData = () => sk.wakeAll(POLLIN | POLLRDNORM | WAKE_CORE_LINKED);
  // Linux sk_stream_write_space(): room again (with TCP_NOTSENT_LOWAT's wake rule) clears
  // SOCK_NOSPACE and wakes writers with EPOLLOUT's key.
  conn.onWriteSpace = () => {
    if (!writeable(sk, conn)) return;
    conn.sk.noSpace = false;
    sk.wakeAll(POLLOUT | POLLWRNORM | POLLWRBAND);
  };
  conn.onWake = (key) => {
    sk.state = conn.sk.state;
    sk.syncTcpError();
    if (conn.sk.state === TCPS_CLOSE && sk.tcp === conn) {
      // Linux tcp_done(): sk_shutdown = SHUTDOWN_MASK, then sk_state_change wakes every sleeper
      // (a writer blocked on a full send buffer included).
      sk.shutdown = SHUTDOWN_MASK;
      sk.stateChange();
      return;
    }
    sk.wakeAll(key ?? tcpPollSk(sk));
  };
}

/** Release what a finished connection holds: buffers and the port (after TIME_WAIT for orphans). */
function onConnGone(sk: InetSock, conn: TcpConn, orphaned: boolean): void {
  conn.onDestroy = () => {
    if (orphaned || sk.dead) {
      conn.purge();
      inetUnbind(sk);
    }
  };
  if (conn.destroyed) conn.onDestroy();
}

function tcpConfig(sk: InetSock, daddr: number) {
  const net = sk.net;
  return net.tcp.config({
    sysctl: Object.keys(sk.keep).length > 0 ? { ...net.sysctl, ...sk.keep } : net.sysctl,
    advMss: net.tcp.advMssFor(daddr),
    rcvbuf: sk.rcvbuf,
    rcvbufLocked: (sk.userlocks & SOCK_RCVBUF_LOCK) !== 0,
    nodelay: sk.nodelay,
    cork: sk.cork,
    keepalive: sk.keepopen,
    userMss: sk.userMss,
    userTimeout: sk.userTimeout,
    linger2: sk.linger2,
    windowClamp: sk.windowClamp,
    tos: sk.tos,
  });
}

// ---- connect ---------------------------------------------------------------------------------

/** Linux __inet_stream_connect() + tcp_v4_connect(). */
function tcpConnect(sock: Socket, addr: SockAddr, fileFlags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  const net = sk.net;
  if (addr.family === AF_UNSPEC) {
    // Linux tcp_disconnect(): abort whatever the socket had and make it unconnected again.
    if (sk.listen) closeListener(sk);
    if (sk.tcp) {
      sk.tcp.sk.sendActiveReset();
      sk.tcp.sk.done();
      sk.tcp.purge();
      sk.tcp = undefined;
    }
    sock.state = SS_UNCONNECTED;
    sk.state = TCPS_CLOSE;
    sk.raddr = 0;
    sk.rport = 0;
    sk.shutdown = 0;
    return 0;
  }
  const nonblock = (fileFlags & O_NONBLOCK) !== 0;
  switch (sock.state) {
    case SS_CONNECTED:
      return -EISCONN;
    case SS_CONNECTING: {
      // Linux __inet_stream_connect: still handshaking -> EALREADY (non-blocking) or wait; done -> the
      // result below (0 and SS_CONNECTED, or the error).
      const st = sk.tcp ? sk.tcp.sk.state : TCPS_CLOSE;
      if (nonblock && (st === TCPS_SYN_SENT || st === TCP_SYN_RECV)) return -EALREADY;
      break;
    }
    case SS_UNCONNECTED: {
      if (sk.state !== TCPS_CLOSE) return -EISCONN;
      const a = inAddr(addr);
      if (typeof a === "number") return a;
      const [daddr, dport] = a;
      if (!net.hasRoute(daddr)) return -ENETUNREACH;
      // tcp_v4_connect(): a broadcast (or multicast) route is not a peer
      if (net.isBroadcast(daddr) && !net.isLocal(daddr)) return -ENETUNREACH;
      const saddr = sk.laddr || net.sourceFor(daddr);
      if (sk.lport === 0) {
        // Linux __inet_hash_connect: an ephemeral port whose 4-tuple is free.
        const err = pickConnectPort(sk, saddr, daddr, dport, task.uid);
        if (err) return err;
      } else if (!net.tcp.tupleFree(saddr, sk.lport, daddr, dport)) {
        return -EADDRNOTAVAIL;
      }
      sk.raddr = daddr;
      sk.rport = dport;
      sk.shutdown = 0;
      const conn = net.tcp.newConn(saddr, sk.lport, daddr, dport, tcpConfig(sk, daddr), sk.sndbuf);
      if (conn === undefined) {
        sk.raddr = 0;
        sk.rport = 0;
        return -ENOBUFS;
      }
      attach(sk, conn);
      sk.laddr = saddr; // Linux tcp_v4_connect sets inet_saddr from the route
      conn.laddr = saddr;
      net.tcp.hash(conn);
      sock.state = SS_CONNECTING;
      sk.state = TCPS_SYN_SENT;
      net.snmp.inc("Tcp", "ActiveOpens");
      const { iss, tsOffset } = net.tcp.isn(saddr, sk.lport, daddr, dport);
      conn.sk.connect(iss, tsOffset);
      if (nonblock) return -EINPROGRESS;
      break;
    }
    default:
      return -EINVAL;
  }
  const step = (): number | WaitOn => {
    const conn = sk.tcp;
    if (!conn) return -ECONNREFUSED;
    const st = conn.sk.state;
    if (st === TCPS_SYN_SENT || st === TCP_SYN_RECV) return sk.connectWait;
    if (st === TCPS_CLOSE) {
      // Linux: the connect failed; report sk_err and become unconnected.
      sock.state = SS_UNCONNECTED;
      sk.syncTcpError();
      const err = sk.sockError();
      sk.tcp = undefined;
      conn.purge();
      return err || -ECONNABORTED;
    }
    sock.state = SS_CONNECTED;
    return 0;
  };
  return blockOn(
    task,
    sk.sndTimeo(nonblock),
    step,
    () => -EINPROGRESS,
    () => -EINTR,
  );
}

function pickConnectPort(sk: InetSock, saddr: number, daddr: number, dport: number, uid: number): number {
  const net = sk.net;
  const table = net.tcp.bind;
  const range = net.sysctl.ip_local_port_range;
  const port = table.pickPort(range, net.env.random(), (p) => {
    // a port another socket bound explicitly is not for connect(); ours are shared by 4-tuple
    const owners = table.owners(p);
    if (owners.some((o) => !(o as { auto?: boolean }).auto)) return false;
    return net.tcp.tupleFree(saddr, p, daddr, dport);
  });
  if (port === 0) return -EADDRNOTAVAIL;
  const owner = {
    addr: 0,
    port,
    reuseaddr: sk.reuse,
    reuseport: false,
    uid,
    listening: false,
    timewait: false,
    auto: true,
  };
  table.add(owner);
  sk.bindOwner = owner;
  sk.lport = port;
  return 0;
}

// ---- listen / accept ---------------------------------------------------------------------------

/** Linux inet_listen() + inet_csk_listen_start(). */
function tcpListen(sock: Socket, backlog: number, task: Process): number {
  const sk = sock.sk as InetSock;
  const net = sk.net;
  if (sock.state !== SS_UNCONNECTED || sock.type !== SOCK_STREAM) return -EINVAL;
  if (backlog < 0) backlog = 0;
  if (sk.state === TCP_LISTEN && sk.listen) {
    sk.listen.tl.backlog = backlog;
    sk.maxAckBacklog = backlog;
    return 0;
  }
  if (sk.state !== TCPS_CLOSE) return -EINVAL;
  if (sk.lport === 0) {
    const err = inetBindAddr(sk, 0, 0, task.uid); // inet_autobind
    if (err) return err;
  }
  const owner = sk.bindOwner!;
  owner.listening = true;
  if (net.tcp.bind.conflicts(owner)) {
    owner.listening = false;
    return -EADDRINUSE;
  }
  const e: ListenEntry = {
    addr: sk.laddr,
    port: sk.lport,
    tl: undefined as unknown as TcpListener,
    acceptQ: [],
    childConfig: (daddr) => ({ cfg: tcpConfig(sk, daddr), sndbuf: sk.sndbuf }),
    uid: task.uid,
    reuseport: sk.reuseport,
    onChild: () => {
      sk.ackBacklog = e.acceptQ.length;
      sk.wakeAll(POLLIN | POLLRDNORM);
    },
  };
  e.tl = new TcpListener(
    net.tcp.listenIo(() => e),
    net.sysctl,
    backlog,
  );
  e.tl.deferAccept = sk.deferAccept;
  net.tcp.addListener(e);
  sk.listen = e;
  sk.maxAckBacklog = backlog;
  sk.state = TCP_LISTEN;
  return 0;
}

/** Linux inet_accept() -> inet_csk_accept(): waits exclusively, one acceptor per connection. */
function tcpAccept(sock: Socket, newsock: Socket, fileFlags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  if (sk.state !== TCP_LISTEN || !sk.listen) return -EINVAL;
  const e = sk.listen;
  const step = (): number | WaitOn => {
    // Linux inet_csk_wait_for_connect: a listener shut down or closed meanwhile -> EINVAL.
    if (sk.state !== TCP_LISTEN || sk.listen !== e) return -EINVAL;
    const err = sk.sockError();
    if (err) return err;
    const child = e.acceptQ.shift();
    if (!child) return sk.acceptWait;
    e.tl.acceptQueueLen--;
    sk.ackBacklog = e.acceptQ.length;
    const nsk = new InetSock(sk.kernel, sk.net, SOCK_STREAM, sk.protocol);
    nsk.inheritFrom(sk);
    nsk.laddr = child.laddr;
    nsk.lport = child.lport;
    nsk.raddr = child.raddr;
    nsk.rport = child.rport;
    nsk.state = child.sk.state;
    // Linux inet_inherit_port: the child joins the listener's bind bucket.
    const owner = { ...sk.bindOwner!, listening: false, addr: child.laddr };
    sk.net.tcp.bind.add(owner);
    nsk.bindOwner = owner;
    attach(nsk, child);
    nsk.syncTcpError();
    nsk.socket = newsock;
    newsock.sk = nsk;
    newsock.state = SS_CONNECTED;
    if (child.destroyed) onConnGone(nsk, child, false);
    return 0;
  };
  return blockOn(
    task,
    sk.rcvTimeo((fileFlags & O_NONBLOCK) !== 0),
    step,
    () => -EAGAIN,
    () => -EINTR,
  );
}

// ---- send / receive ----------------------------------------------------------------------------

/** Linux tcp_nagle flag for a push that must not wait for Nagle (TCP_NAGLE_PUSH). */
const TCP_NAGLE_PUSH = 4;

/** The socket's TCP_NOTSENT_LOWAT, else net.ipv4.tcp_notsent_lowat (Linux tcp_notsent_lowat). */
function notsentLowat(sk: InetSock): number {
  return sk.notsentLowat ?? sk.net.sysctl.tcp_notsent_lowat;
}

/** Linux tcp_stream_memory_free(): unsent bytes below the low-water mark (wake: shifted by one). */
function notsentBelowLowat(sk: InetSock, conn: TcpConn, wake = 0): boolean {
  const lowat = notsentLowat(sk);
  if (lowat >= 0xffffffff) return true;
  return conn.sk.notsentBytes() * 2 ** wake < lowat;
}

/** Linux sk_stream_is_writeable(): free space at least half of what is queued, and below notsent_lowat. */
function writeable(sk: InetSock, conn: TcpConn): boolean {
  const ok = conn.sndSpace() > 0 && conn.sndSpace() >= conn.sndBytes / 2 && notsentBelowLowat(sk, conn, 1);
  // tcp_poll sets SOCK_NOSPACE when it reports no room (only sk_stream_write_space clears it); ACKs
  // then try to grow the buffer and wake writers.
  if (!ok) conn.sk.noSpace = true;
  return ok;
}

/** Linux tcp_sendmsg_locked(). */
function tcpSendmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  if (flags & MSG_OOB) return -EOPNOTSUPP; // urgent data is in the README's not-yet list
  const sigpipe = (err: number): number => {
    if (err === -EPIPE && !(flags & MSG_NOSIGNAL)) task.signal(SIGPIPE);
    return err;
  };
  let copied = 0;
  const step = (): number | WaitOn => {
    const conn = sk.tcp;
    sk.syncTcpError();
    // sk_stream_wait_connect(): error first, then not-connecting -> EPIPE, else wait for the handshake
    const st = conn ? conn.sk.state : TCPS_CLOSE;
    // Linux sk_stream_error(): a pending error is reported as is; EPIPE (also as sk_err, e.g. an RST
    // in CLOSE_WAIT) raises SIGPIPE unless MSG_NOSIGNAL.
    if (st !== TCPS_ESTABLISHED && st !== TCP_CLOSE_WAIT) {
      if (sk.err) return copied || sigpipe(sk.sockError());
      if (st === TCPS_SYN_SENT || st === TCP_SYN_RECV) return sk.connectWait;
      return copied || sigpipe(-EPIPE);
    }
    const c = conn!;
    while (copied < len) {
      if (sk.err) return copied || sigpipe(sk.sockError());
      if (sk.shutdown & SEND_SHUTDOWN || c.sk.finQueued) return copied || sigpipe(-EPIPE);
      // sk_stream_memory_free(): send buffer and TCP_NOTSENT_LOWAT, checked per new skb.
      const memoryFree = () => c.sndBytes < c.sndbuf && notsentBelowLowat(sk, c);
      if (c.sk.tailRoom() <= 0 && !memoryFree()) {
        c.sk.noSpace = true; // SOCK_NOSPACE
        // wait_for_space: what was copied is pushed (PSH-marked) before sleeping.
        if (copied) c.sk.push(false, c.sk.nonagle | TCP_NAGLE_PUSH);
        return sk.writeWait;
      }
      const n = c.append(copyFromIov(msg.iov, copied, len - copied), copied === 0, memoryFree);
      if (n === 0) {
        c.sk.noSpace = true; // out of skbs: wait for acknowledgements to free some
        if (copied) c.sk.push(false, c.sk.nonagle | TCP_NAGLE_PUSH);
        return sk.writeWait;
      }
      copied += n;
    }
    if (flags & MSG_EOR) c.sk.markEor();
    if (copied) c.sk.push((flags & MSG_MORE) !== 0);
    return copied;
  };
  return blockOn(
    task,
    sk.sndTimeo((flags & MSG_DONTWAIT) !== 0),
    step,
    () => copied || -EAGAIN,
    () => copied || -EINTR,
  );
}

/** Copy from the receive queue into an iovec (tcp_recvmsg's skb_copy_datagram_msg loop). */
function readInto(
  conn: TcpConn,
  iov: readonly Uint8Array[],
  off: number,
  len: number,
  peek: boolean,
): number {
  let done = 0;
  let skip = off;
  for (const b of iov) {
    if (done >= len) break;
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    const want = Math.min(b.length - skip, len - done);
    if (peek) {
      // peek must see the bytes after those already peeked into earlier buffers
      const tmp = new Uint8Array(off + done + want);
      const n = conn.read(tmp, true);
      const got = Math.max(0, n - (off + done));
      b.set(tmp.subarray(off + done, off + done + got), skip);
      done += got;
      if (got < want) break;
    } else {
      const n = conn.read(b.subarray(skip, skip + want), false);
      done += n;
      if (n < want) break;
    }
    skip = 0;
  }
  return done;
}

/** Linux tcp_recvmsg_locked(). */
function tcpRecvmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult {
  const sk = sock.sk as InetSock;
  if (sk.state === TCP_LISTEN) return -ENOTCONN;
  if (flags & MSG_OOB) return -EINVAL; // no urgent data is ever queued
  const peek = (flags & MSG_PEEK) !== 0;
  const target = sk.rcvLowat((flags & MSG_WAITALL) !== 0, len);
  msg.name = null;
  msg.flags = 0;
  let copied = 0;
  let slept = false;
  const step = (): number | WaitOn => {
    const conn = sk.tcp;
    const trace = peek ? undefined : sk.net.trace; // a peek consumes nothing: not a copy to trace
    if (slept) {
      slept = false;
      if (trace !== undefined) trace("sched", { sk, conn, task });
    }
    if (!conn) return copied || -ENOTCONN; // never connected
    if (conn.rcvBytes > 0) {
      if (trace !== undefined) trace("copy", { sk, conn, task });
      const n = readInto(conn, msg.iov, copied, len - copied, peek);
      copied += n;
      if (trace !== undefined) trace("copied", { sk, conn, task, len: n });
      if (copied >= target || peek) return copied;
    }
    if (copied >= target) return copied;
    sk.syncTcpError();
    if (sk.err) return copied || sk.sockError();
    if (conn.sk.rcvShutdown || sk.shutdown & RCV_SHUTDOWN) return copied;
    const st = conn.sk.state;
    if (st === TCPS_CLOSE) return copied;
    slept = true;
    return sk.readWait;
  };
  const r = blockOn(
    task,
    sk.rcvTimeo((flags & MSG_DONTWAIT) !== 0),
    step,
    () => copied || -EAGAIN,
    () => copied || -EINTR,
  );
  if (!sk.recvmsgInq) return r;
  // TCP_INQ: with any result that is not an error, the bytes left to read (Linux tcp_recvmsg)
  const inq = (n: number): number => {
    if (n >= 0) putCmsg(msg, SOL_TCP, TCP_CM_INQ, tcpInqHint(sk));
    return n;
  };
  return typeof r === "number" ? inq(r) : r.then(inq);
}

/**
 * Linux tcp_inq_hint(): rcv_nxt - copied_seq, the bytes received and not yet read; once the peer's
 * FIN is in, at least 1, so a reader knows to read on (and get its 0).
 */
function tcpInqHint(sk: InetSock): number {
  const conn = sk.tcp;
  if (!conn) return 0;
  const fin = conn.sk.rcvShutdown && !conn.sk.userRcvShutdown ? 1 : 0;
  return conn.rcvBytes + fin;
}

// ---- poll / ioctl / shutdown / release -----------------------------------------------------------

/** Linux tcp_poll(). */
export function tcpPollSk(sk: InetSock): number {
  if (sk.state === TCP_LISTEN) return sk.listen && sk.listen.acceptQ.length > 0 ? POLLIN | POLLRDNORM : 0;
  const conn = sk.tcp;
  const st = conn ? conn.sk.state : TCPS_CLOSE;
  let mask = 0;
  // tcp_fin() sets RCV_SHUTDOWN in sk_shutdown: the peer's FIN counts as our receive side shut.
  const shut = sk.shutdown | (conn?.sk.rcvShutdown ? RCV_SHUTDOWN : 0);
  if (shut === SHUTDOWN_MASK || st === TCPS_CLOSE) mask |= POLLHUP;
  if (shut & RCV_SHUTDOWN) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (st !== TCPS_SYN_SENT && st !== TCP_SYN_RECV) {
    if (conn && conn.rcvBytes > 0) mask |= POLLIN | POLLRDNORM;
    if (!(sk.shutdown & SEND_SHUTDOWN)) {
      if (!conn || writeable(sk, conn)) mask |= POLLOUT | POLLWRNORM;
    } else {
      mask |= POLLOUT | POLLWRNORM;
    }
  }
  if (sk.err) mask |= POLLERR;
  return mask;
}

function tcpPoll(sock: Socket): number {
  return tcpPollSk(sock.sk as InetSock);
}

/** FileOperations.coreWatch for TCP: the epitem joins (or leaves) the watchers of the socket's TSK. */
function tcpCoreWatch(sock: Socket, item: number, add: boolean): boolean {
  const sk = sock.sk as InetSock;
  const x = sk.net.core.x;
  const tsk = sk.tcp?.tsk ?? 0;
  if (add) {
    sk.coreEpitems ??= new Set<number>();
    sk.coreEpitems.add(item);
    if (tsk !== 0) x.tskWatch(tsk, item);
  } else {
    sk.coreEpitems?.delete(item);
    if (tsk !== 0) x.tskUnwatch(tsk, item);
  }
  return true;
}

/** Linux tcp_ioctl(): SIOCINQ (FIONREAD) and SIOCOUTQ. */
function tcpIoctl(sock: Socket, cmd: number): number {
  const sk = sock.sk as InetSock;
  if (cmd === SIOCINQ) {
    if (sk.state === TCP_LISTEN) return -EINVAL;
    return sk.tcp ? sk.tcp.rcvBytes : 0;
  }
  if (cmd === SIOCOUTQ) {
    if (sk.state === TCP_LISTEN) return -EINVAL;
    return sk.tcp ? sk.tcp.sndBytes : 0;
  }
  return -ENOIOCTLCMD;
}

function tcpShutdown(sock: Socket, how: number): number {
  const sk = sock.sk as InetSock;
  // SHUT_RD (0) / SHUT_RDWR (2): data arriving after close() will be refused (RCV_SHUTDOWN).
  if ((how === 0 || how === 2) && sk?.tcp) sk.tcp.sk.shutdownRead();
  return inetShutdown(
    sock,
    how,
    (sk) => sk.tcp?.sk.shutdownWrite(),
    (sk) => {
      if (sk.listen) closeListener(sk);
      else if (sk.tcp) {
        sk.tcp.sk.done();
        sk.tcp.purge();
        sk.tcp = undefined;
      }
      sk.state = TCPS_CLOSE;
    },
  );
}

/** Linux inet_csk_listen_stop(): children never accepted are reset and freed. */
function closeListener(sk: InetSock): void {
  const e = sk.listen!;
  sk.net.tcp.removeListener(e);
  e.tl.close();
  for (const child of e.acceptQ) {
    child.sk.sendActiveReset();
    child.sk.done();
    child.purge();
  }
  e.acceptQ.length = 0;
  e.tl.acceptQueueLen = 0;
  sk.listen = undefined;
  sk.bindOwner!.listening = false;
}

/** Linux tcp_close() (via inet_release). */
function tcpRelease(sock: Socket): SysResult {
  const sk = sock.sk as InetSock;
  if (!sk) return 0;
  sk.dead = true;
  if (sk.listen) {
    closeListener(sk);
    inetUnbind(sk);
  } else if (sk.tcp) {
    const conn = sk.tcp;
    conn.onWake = () => {};
    const lingerZero = sk.linger && sk.lingertime === 0;
    conn.sk.close(conn.rcvBytes, lingerZero);
    if (conn.sk.state === TCP_TIME_WAIT && sk.bindOwner) sk.bindOwner.timewait = true;
    onConnGone(sk, conn, true);
  } else {
    inetUnbind(sk);
  }
  sk.state = TCPS_CLOSE;
  sock.sk = null;
  sk.socket = null;
  return 0;
}

// ---- options -------------------------------------------------------------------------------------

function tcpSetsockopt(sock: Socket, level: number, optname: number, optval: OptVal): number {
  const sk = sock.sk as InetSock;
  const val =
    typeof optval === "boolean" ? (optval ? 1 : 0) : typeof optval === "number" ? optval : Number.NaN;
  if (level === SOL_IP) {
    if (Number.isNaN(val)) return -EINVAL;
    const r = ipSetsockopt(sk, optname, val);
    if (sk.tcp) sk.tcp.sk.cfg.tos = sk.tos;
    return r ?? -ENOPROTOOPT;
  }
  if (level !== SOL_TCP) return -ENOPROTOOPT;
  if (Number.isNaN(val)) return -EINVAL;
  switch (optname) {
    case TCP_NODELAY:
      sk.nodelay = val !== 0;
      if (sk.tcp) {
        sk.tcp.sk.cfg.nodelay = sk.nodelay;
        sk.tcp.sk.setNagle(sk.nodelay, sk.cork);
      }
      return 0;
    case TCP_MAXSEG:
      // Linux: 0 resets; otherwise TCP_MIN_MSS..MAX_TCP_WINDOW
      if (val !== 0 && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW)) return -EINVAL;
      sk.userMss = val;
      if (sk.tcp) sk.tcp.sk.cfg.userMss = val;
      return 0;
    case TCP_CORK:
      sk.cork = val !== 0;
      if (sk.tcp) sk.tcp.sk.setNagle(sk.nodelay, sk.cork);
      return 0;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
      if (val < 1 || val > MAX_TCP_KEEP) return -EINVAL;
      setKeep(sk, optname === TCP_KEEPIDLE ? "tcp_keepalive_time" : "tcp_keepalive_intvl", val);
      return 0;
    case TCP_KEEPCNT:
      if (val < 1 || val > 127) return -EINVAL;
      setKeep(sk, "tcp_keepalive_probes", val);
      return 0;
    case TCP_USER_TIMEOUT:
      if (val < 0) return -EINVAL;
      sk.userTimeout = val;
      if (sk.tcp) sk.tcp.sk.cfg.userTimeout = val;
      return 0;
    case TCP_NOTSENT_LOWAT:
      sk.notsentLowat = val >>> 0 || undefined;
      sk.wakeAll(POLLOUT | POLLWRNORM);
      return 0;
    case TCP_LINGER2:
      // Linux: negative -> -1 (no FIN_WAIT2), else seconds, capped at TCP_FIN_TIMEOUT_MAX (120 s).
      sk.linger2 = val < 0 ? -1 : Math.min(val, TCP_FIN_TIMEOUT_MAX);
      if (sk.tcp) sk.tcp.sk.cfg.linger2 = sk.linger2;
      return 0;
    case TCP_DEFER_ACCEPT:
      sk.deferAccept = val <= 0 ? 0 : secsToRetrans(val, 1, 120);
      if (sk.listen) sk.listen.tl.deferAccept = sk.deferAccept;
      return 0;
    case TCP_WINDOW_CLAMP:
      if (!val) {
        if (sk.state !== TCPS_CLOSE) return -EINVAL;
        sk.windowClamp = 0;
      } else sk.windowClamp = Math.max(val, SOCK_MIN_RCVBUF_HALF);
      if (sk.tcp) sk.tcp.sk.cfg.windowClamp = sk.windowClamp;
      return 0;
    case TCP_QUICKACK:
      if (sk.tcp) sk.tcp.sk.setQuickack(val !== 0);
      return 0;
    case TCP_INQ:
      if (val < 0 || val > 1) return -EINVAL;
      sk.recvmsgInq = val === 1;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

// SOL_TCP option numbers the kernel constants do not name (include/uapi/linux/tcp.h).
const TCP_LINGER2 = 8;
const TCP_DEFER_ACCEPT = 9;
const TCP_WINDOW_CLAMP = 10;
const TCP_QUICKACK = 12;
const TCP_NOTSENT_LOWAT = 25;
/** Linux TCP_FIN_TIMEOUT_MAX / HZ. */
const TCP_FIN_TIMEOUT_MAX = 120;
/** Linux SOCK_MIN_RCVBUF / 2: the smallest TCP_WINDOW_CLAMP. */
const SOCK_MIN_RCVBUF_HALF = 1152;

/** Linux secs_to_retrans(): seconds to the number of SYN-ACK retransmissions that cover them. */
function secsToRetrans(seconds: number, timeout: number, rtoMax: number): number {
  let res = 0;
  if (seconds > 0) {
    let period = timeout;
    res = 1;
    while (seconds > period && res < 255) {
      res++;
      timeout <<= 1;
      if (timeout > rtoMax) timeout = rtoMax;
      period += timeout;
    }
  }
  return res;
}

/** Linux retrans_to_secs(). */
function retransToSecs(retrans: number, timeout: number, rtoMax: number): number {
  let period = 0;
  if (retrans > 0) {
    period = timeout;
    while (--retrans) {
      timeout <<= 1;
      if (timeout > rtoMax) timeout = rtoMax;
      period += timeout;
    }
  }
  return period;
}

const MAX_TCP_KEEP = 32767;

function setKeep(
  sk: InetSock,
  key: "tcp_keepalive_time" | "tcp_keepalive_intvl" | "tcp_keepalive_probes",
  v: number,
): void {
  sk.keep[key] = v;
  if (sk.tcp) {
    sk.tcp.sk.cfg.sysctl = { ...sk.tcp.sk.cfg.sysctl, ...sk.keep };
    sk.tcp.sk.armKeepalive();
  }
}

function tcpGetsockopt(sock: Socket, level: number, optname: number, out: OptOut): number {
  const sk = sock.sk as InetSock;
  if (level === SOL_IP) {
    const v = ipGetsockopt(sk, optname);
    if (v === null) return -ENOPROTOOPT;
    out.value = v;
    return 0;
  }
  if (level !== SOL_TCP) return -ENOPROTOOPT;
  const sysctl = sk.net.sysctl;
  switch (optname) {
    case TCP_NODELAY:
      out.value = sk.nodelay ? 1 : 0;
      return 0;
    case TCP_MAXSEG:
      // Linux: the current MSS once connected, else user_mss or TCP_MSS_DEFAULT (536)
      out.value = sk.tcp && sk.tcp.sk.state !== TCPS_CLOSE ? sk.tcp.sk.mssCache : sk.userMss || 536;
      return 0;
    case TCP_CORK:
      out.value = sk.cork ? 1 : 0;
      return 0;
    case TCP_KEEPIDLE:
      out.value = sk.keep.tcp_keepalive_time ?? sysctl.tcp_keepalive_time;
      return 0;
    case TCP_KEEPINTVL:
      out.value = sk.keep.tcp_keepalive_intvl ?? sysctl.tcp_keepalive_intvl;
      return 0;
    case TCP_KEEPCNT:
      out.value = sk.keep.tcp_keepalive_probes ?? sysctl.tcp_keepalive_probes;
      return 0;
    case TCP_USER_TIMEOUT:
      out.value = sk.userTimeout;
      return 0;
    case TCP_NOTSENT_LOWAT:
      out.value = sk.notsentLowat ?? 0;
      return 0;
    case TCP_LINGER2:
      out.value = sk.linger2 >= 0 ? sk.linger2 || sysctl.tcp_fin_timeout : -1;
      return 0;
    case TCP_DEFER_ACCEPT:
      out.value = retransToSecs(sk.deferAccept, 1, 120);
      return 0;
    case TCP_WINDOW_CLAMP:
      out.value = sk.tcp ? sk.tcp.sk.windowClamp : sk.windowClamp;
      return 0;
    case TCP_INQ:
      out.value = sk.recvmsgInq ? 1 : 0;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

export const tcpStreamOps: ProtoOps = {
  family: 2,
  release: tcpRelease,
  bind: inetBind,
  connect: tcpConnect,
  socketpair: () => -EOPNOTSUPP,
  accept: tcpAccept,
  getname: inetGetname,
  poll: tcpPoll,
  coreWatch: tcpCoreWatch,
  ioctl: tcpIoctl,
  listen: tcpListen,
  shutdown: tcpShutdown,
  setsockopt: tcpSetsockopt,
  getsockopt: tcpGetsockopt,
  sendmsg: tcpSendmsg,
  recvmsg: tcpRecvmsg,
};
