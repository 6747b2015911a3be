// AF_UNIX: the family, its per-kernel name tables, and the operations shared by its socket types
// (Linux net/unix/af_unix.c: unix_create, unix_bind, unix_autobind, unix_find_other,
// unix_release_sock, unix_getname, unix_ioctl, unix_shutdown, unix_socketpair).
// Stream and seqpacket connections are in stream.ts, datagrams in dgram.ts.

import {
  AF_UNIX,
  PF_UNIX,
  RCV_SHUTDOWN,
  SEND_SHUTDOWN,
  SHUT_RD,
  SHUT_RDWR,
  SHUTDOWN_MASK,
  SIOCINQ,
  SIOCOUTQ,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SS_CONNECTED,
  SS_UNCONNECTED,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_LISTEN,
} from "../constants.js";
import {
  EADDRINUSE,
  ECONNREFUSED,
  ECONNRESET,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOIOCTLCMD,
  ENOSPC,
  ENOTCONN,
  EPROTONOSUPPORT,
  EPROTOTYPE,
  ESOCKTNOSUPPORT,
} from "../errno.js";
import type { SysResult } from "../file.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import type { Ucred } from "../sock.js";
import { WRITABLE_KEY } from "../sock.js";
import type { NetProtoFamily, ProtoOps, SockAddr, Socket } from "../socket.js";
import { MAY_WRITE } from "../vfs.js";
import { isAutobindAddr, toSockAddr, unixName } from "./addr.js";
import { skbTruesize, type UnixAddress, type UnixSkb, UnixSock } from "./sock.js";

export class UnixFamily implements NetProtoFamily {
  readonly family = AF_UNIX;
  /** Unix socks created and not yet released (Linux unix_nr_socks, roughly). */
  nrSocks = 0;
  /** Unix skbs allocated and not yet freed. */
  nrSkbs = 0;
  /** Live socks, in creation order (for /proc/net/unix-style listings). */
  private readonly live = new Set<UnixSock>();
  /** The abstract namespace: `${type}:${name}` -> bound sock (Linux hashes the type in). */
  private readonly abstract = new Map<string, UnixSock>();

  constructor(
    readonly kernel: Kernel,
    /** The operations of each socket type (stream.ts, dgram.ts; passed in to avoid an import cycle). */
    private readonly ops: { stream: ProtoOps; dgram: ProtoOps; seqpacket: ProtoOps },
  ) {}

  /** Linux unix_create(). */
  create(sock: Socket, protocol: number): number {
    if (protocol && protocol !== PF_UNIX) return -EPROTONOSUPPORT;
    sock.state = SS_UNCONNECTED;
    switch (sock.type) {
      case SOCK_STREAM:
        sock.ops = this.ops.stream;
        break;
      case SOCK_RAW: // BSD has AF_UNIX SOCK_RAW; Linux makes it a datagram socket
        sock.type = SOCK_DGRAM;
        sock.ops = this.ops.dgram;
        break;
      case SOCK_DGRAM:
        sock.ops = this.ops.dgram;
        break;
      case SOCK_SEQPACKET:
        sock.ops = this.ops.seqpacket;
        break;
      default:
        return -ESOCKTNOSUPPORT;
    }
    const sk = this.create1(sock.type);
    sk.socket = sock;
    sock.sk = sk;
    return 0;
  }

  /** Linux unix_create1(). */
  create1(type: number): UnixSock {
    const sk = new UnixSock(this.kernel, type);
    sk.maxAckBacklog = this.kernel.sysctl.net_unix_max_dgram_qlen;
    this.nrSocks++;
    this.live.add(sk);
    return sk;
  }

  stats(): Record<string, number> {
    return { unixSocks: this.nrSocks, unixSkbs: this.nrSkbs };
  }

  // ---- buffers ----

  /** sock_alloc_send_pskb / sock_wmalloc: a buffer charged to `owner`. */
  allocSkb(owner: UnixSock, data: Uint8Array, truesize = skbTruesize(data.length)): UnixSkb {
    owner.wmemAlloc += truesize;
    this.nrSkbs++;
    return { data, consumed: 0, truesize, sk: owner };
  }

  /** kfree_skb / consume_skb: uncharge the owner (Linux sock_wfree -> sk_write_space). */
  freeSkb(skb: UnixSkb): void {
    this.nrSkbs--;
    const owner = skb.sk;
    owner.wmemAlloc -= skb.truesize;
    owner.writeSpace();
  }

  // ---- names ----

  private abstractKey(type: number, name: string): string {
    return `${type}:${name}`;
  }

  /** Linux unix_autobind(): an abstract name "\0" + five hex digits, from a random start. */
  autobind(sk: UnixSock): number {
    if (sk.addr) return 0;
    let ordernum = this.kernel.rng.next32();
    const lastnum = ordernum & 0xfffff;
    for (;;) {
      ordernum = (ordernum + 1) & 0xfffff;
      const name = `\0${ordernum.toString(16).padStart(5, "0")}`;
      const key = this.abstractKey(sk.type, name);
      if (!this.abstract.has(key)) {
        this.abstract.set(key, sk);
        sk.addr = { name, abstract: true };
        return 0;
      }
      if (ordernum === lastnum) return -ENOSPC;
    }
  }

  /** Linux unix_bind(). */
  bind(sock: Socket, addr: SockAddr, task: Process): number {
    const sk = sock.sk as UnixSock;
    if (isAutobindAddr(addr)) return this.autobind(sk);
    const a = unixName(addr);
    if (typeof a === "number") return a;
    if (a.abstract) {
      if (sk.addr) return -EINVAL;
      const key = this.abstractKey(sk.type, a.name);
      if (this.abstract.has(key)) return -EADDRINUSE;
      this.abstract.set(key, sk);
      sk.addr = a;
      return 0;
    }
    // unix_bind_bsd(): mknod first (an existing name, even a stale one, is EADDRINUSE) ...
    const vfs = this.kernel.vfs;
    if (vfs.lookup(a.name)) return -EADDRINUSE;
    // ... then a socket already bound is EINVAL (Linux unlinks the node it just made).
    if (sk.addr) return -EINVAL;
    const inode = vfs.mknodSock(a.name, task, sk);
    if (typeof inode === "number") return inode === -EEXIST ? -EADDRINUSE : inode;
    sk.addr = a;
    sk.inode = inode;
    return 0;
  }

  /**
   * Linux unix_find_other(): the socket bound to a name, for connect/sendto.
   * Paths: ENOENT (no such name), EACCES (no write permission), ECONNREFUSED (nobody bound —
   * a stale socket file), EPROTOTYPE (another socket type). Abstract names: ECONNREFUSED.
   */
  findOther(a: UnixAddress, type: number, task: Process): UnixSock | number {
    if (a.abstract) return this.abstract.get(this.abstractKey(type, a.name)) ?? -ECONNREFUSED;
    const vfs = this.kernel.vfs;
    const inode = vfs.lookup(a.name);
    if (!inode) return -ENOENT;
    const perm = vfs.permission(inode, task, MAY_WRITE);
    if (perm < 0) return perm;
    const sk = inode.bound as UnixSock | null;
    if (!sk) return -ECONNREFUSED;
    if (sk.type !== type) return -EPROTOTYPE;
    return sk;
  }

  // ---- lifetime ----

  /** Linux unix_release_sock(). `embrion`: an unaccepted connection torn down with its listener. */
  releaseSock(sk: UnixSock, embrion: boolean): void {
    if (sk.dead) return;
    if (sk.addr?.abstract) {
      const key = this.abstractKey(sk.type, sk.addr.name);
      if (this.abstract.get(key) === sk) this.abstract.delete(key);
    }
    if (sk.inode && sk.inode.bound === sk) sk.inode.bound = null; // the socket file stays
    sk.dead = true;
    sk.socket = null;
    sk.shutdown = SHUTDOWN_MASK;
    const state = sk.state;
    sk.state = TCP_CLOSE;
    const skpair = sk.peer;
    sk.peer = null;
    sk.peerWait.wakeAll();
    if (skpair) {
      if (sk.type === SOCK_STREAM || sk.type === SOCK_SEQPACKET) {
        skpair.shutdown = SHUTDOWN_MASK; // no more writes
        if (sk.queue.length > 0 || embrion) skpair.err = ECONNRESET;
        skpair.stateChange();
      }
      peerWakeDisconnect(sk, skpair);
    }
    if (sk.peerWakeTarget) peerWakeDisconnect(sk, sk.peerWakeTarget);
    for (let skb = sk.queue.shift(); skb; skb = sk.queue.shift()) {
      if (state === TCP_LISTEN) this.releaseSock(skb.sk, true);
      this.freeSkb(skb);
    }
    this.nrSocks--;
    this.live.delete(sk);
  }

  /** Every AF_UNIX sock not yet released — including embryos not yet accepted (/proc/net/unix). */
  socks(): UnixSock[] {
    return [...this.live];
  }

  /** Credentials of the calling process (SO_PEERCRED). */
  cred(task: Process | null): Ucred {
    return task ? { pid: task.pid, uid: task.uid, gid: task.gid } : { pid: 0, uid: 0, gid: 0 };
  }
}

// ---- operations common to every AF_UNIX socket type ----

/** Linux unix_release(). */
export function unixRelease(sock: Socket): SysResult {
  const sk = sock.sk as UnixSock | null;
  if (!sk) return 0;
  sk.kernel.unix.releaseSock(sk, false);
  sock.sk = null;
  return 0;
}

export function unixBind(sock: Socket, addr: SockAddr, task: Process): number {
  return sock.kernel.unix.bind(sock, addr, task);
}

/** Linux unix_getname(): an unbound socket reports { path: "" } (sun_family only). */
export function unixGetname(sock: Socket, peer: boolean): SockAddr | number {
  let sk = sock.sk as UnixSock;
  if (peer) {
    const p = sk.peer;
    if (!p) return -ENOTCONN;
    sk = p;
  }
  return toSockAddr(sk.addr);
}

/** Linux unix_ioctl(): SIOCOUTQ (bytes not yet consumed by the peer), SIOCINQ = FIONREAD. */
export function unixIoctl(sock: Socket, cmd: number): number {
  const sk = sock.sk as UnixSock;
  switch (cmd) {
    case SIOCOUTQ:
      return sk.wmemAlloc;
    case SIOCINQ:
      if (sk.state === TCP_LISTEN) return -EINVAL;
      return sk.inqLen(sk.type !== SOCK_DGRAM);
    default:
      return -ENOIOCTLCMD;
  }
}

/** Linux unix_shutdown(): our bits, and the mirror bits on a connected stream/seqpacket peer. */
export function unixShutdown(sock: Socket, how: number): number {
  const sk = sock.sk as UnixSock;
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  const mode = how + 1; // SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both
  sk.shutdown |= mode;
  const other = sk.peer;
  sk.stateChange();
  if (other && (sk.type === SOCK_STREAM || sk.type === SOCK_SEQPACKET)) {
    let peerMode = 0;
    if (mode & RCV_SHUTDOWN) peerMode |= SEND_SHUTDOWN;
    if (mode & SEND_SHUTDOWN) peerMode |= RCV_SHUTDOWN;
    other.shutdown |= peerMode;
    other.stateChange();
  }
  return 0;
}

/** Linux unix_socketpair(): join two fresh sockets back to back. */
export function unixSocketpair(a: Socket, b: Socket, task: Process): number {
  const ska = a.sk as UnixSock;
  const skb = b.sk as UnixSock;
  ska.peer = skb;
  skb.peer = ska;
  const unix = a.kernel.unix;
  ska.peerCred = unix.cred(task);
  skb.peerCred = unix.cred(task);
  ska.state = TCP_ESTABLISHED;
  skb.state = TCP_ESTABLISHED;
  a.state = SS_CONNECTED;
  b.state = SS_CONNECTED;
  return 0;
}

// ---- the datagram peer-wake relay (Linux unix_dgram_peer_wake_*) ----
// A datagram socket connected to a receiver that is not connected back (e.g. a log daemon) may
// only send while the receiver's queue has room; poll() for POLLOUT parks a relay entry on the
// receiver's peer_wait so that a dequeue there wakes the sender's pollers.

export function peerWakeConnect(sk: UnixSock, other: UnixSock): boolean {
  if (sk.peerWakeTarget) return false;
  sk.peerWakeTarget = other;
  other.peerWait.add(sk.peerWake);
  return true;
}

export function peerWakeDisconnect(sk: UnixSock, other: UnixSock): void {
  if (sk.peerWakeTarget === other) {
    other.peerWait.remove(sk.peerWake);
    sk.peerWakeTarget = null;
  }
}

export function peerWakeDisconnectWakeup(sk: UnixSock, other: UnixSock): void {
  peerWakeDisconnect(sk, other);
  if (sk.wq.active) sk.wq.wake(WRITABLE_KEY, 1);
}

/** Linux unix_dgram_peer_wake_me(): true if `other` is full (the relay stays armed). */
export function peerWakeMe(sk: UnixSock, other: UnixSock): boolean {
  const connected = peerWakeConnect(sk, other);
  if (other.recvqFull() && !other.dead) return true;
  if (connected) peerWakeDisconnect(sk, other);
  return false;
}
