// The BSD socket layer's objects (Linux include/linux/net.h, net/socket.c): struct socket, the
// per-family operations table (struct proto_ops), the family registry (struct net_proto_family),
// socket addresses and message headers, and the file operations that make a socket a file.
// A descriptor leads to a file, the file to its socket, the socket to its sock (the protocol state).

import {
  type AF_INET,
  type AF_UNIX,
  type AF_UNSPEC,
  MSG_DONTWAIT,
  MSG_EOR,
  O_NONBLOCK,
  SOCK_SEQPACKET,
  SS_UNCONNECTED,
} from "./constants.js";
import { ENOIOCTLCMD, ENOTTY, EOPNOTSUPP } from "./errno.js";
import type { File, FileOperations, SysResult } from "./file.js";
import type { Kernel } from "./kernel.js";
import type { Process } from "./process.js";
import type { Sock } from "./sock.js";
import type { OptOut, OptVal } from "./sockopt.js";
import type { WaitQueue } from "./waitqueue.js";

/** Linux shows sockets on the internal sockfs mount; the id is arbitrary but stable. */
export const SOCKFS_MNT_ID = 8;

// ---- addresses ----

/** AF_UNIX: `path` "/run/x.sock", or an abstract name starting with "\0"; "" means unnamed. */
export interface SockAddrUn {
  family: typeof AF_UNIX;
  path: string;
}

/** AF_INET: dotted-quad address and port. */
export interface SockAddrIn {
  family: typeof AF_INET;
  addr: string;
  port: number;
}

/** AF_UNSPEC (connect(AF_UNSPEC) dissolves a datagram association). */
export interface SockAddrUnspec {
  family: typeof AF_UNSPEC;
}

export type SockAddr = SockAddrUn | SockAddrIn | SockAddrUnspec;

/** Out-parameter for calls that report an address (accept, recvfrom, getsockname): filled on success. */
export interface AddrOut {
  addr?: SockAddr | null;
}

/**
 * struct msghdr. sendmsg: `name` is the destination (optional). recvmsg: `name` is set to the
 * source address (null when the sender has none) and `flags` to MSG_TRUNC / MSG_EOR ...
 * Ancillary data (cmsg) is not supported.
 */
export interface MsgHdr {
  name?: SockAddr | null;
  iov: Uint8Array[];
  flags?: number;
  /**
   * msg_control: an array the call appends control messages to (recvmsg). Left undefined (no
   * control buffer), a control message the call had for it sets MSG_CTRUNC, as Linux's put_cmsg.
   */
  control?: Cmsg[];
}

/** One control message (struct cmsghdr and its data): an integer, or bytes. */
export interface Cmsg {
  level: number;
  type: number;
  data: number | Uint8Array;
}

/** Linux put_cmsg(): append a control message, or flag MSG_CTRUNC when there is no room for it. */
export function putCmsg(msg: MsgHdr, level: number, type: number, data: number | Uint8Array): void {
  if (msg.control === undefined) {
    msg.flags = (msg.flags ?? 0) | 8; // MSG_CTRUNC
    return;
  }
  msg.control.push({ level, type, data });
}

// ---- struct socket ----

export class Socket {
  /** socket_state: SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED ... */
  state = SS_UNCONNECTED;
  /** The family's operations (set by the family's create()). */
  ops!: ProtoOps;
  /** The protocol state. Null before create() and after release. */
  sk: Sock | null = null;
  /** The file this socket is (null until installed, and after release). */
  file: File | null = null;
  /** Linux sock->flags (SOCK_NOSPACE ...). */
  flags = 0;
  private released = false;

  constructor(
    readonly kernel: Kernel,
    readonly family: number,
    /** SOCK_STREAM, SOCK_DGRAM ... (AF_UNIX turns SOCK_RAW into SOCK_DGRAM). */
    public type: number,
    readonly protocol: number,
  ) {
    kernel.socketAllocated(this);
  }

  /** The wait queue of the grafted sock. */
  get wq(): WaitQueue | null {
    return this.sk ? this.sk.wq : null;
  }

  /** Linux sock_release(): the family's release, then the socket is gone. */
  release(task: Process | null): SysResult {
    if (this.released) return 0;
    this.released = true;
    const r = this.ops ? this.ops.release(this, task) : 0;
    const done = () => {
      this.file = null;
      this.kernel.socketFreed(this);
    };
    if (typeof r === "number") {
      done();
      return 0;
    }
    return r.then(
      () => {
        done();
        return 0;
      },
      () => {
        done();
        return 0;
      },
    );
  }
}

// ---- struct proto_ops ----

/**
 * A family's socket operations (Linux struct proto_ops). Every method works on a Socket whose
 * `sk` the family created. Results are >= 0 or a negative errno; calls that can block return a
 * Promise only when they actually block (see wait.ts blockOn). `fileFlags` is the file's f_flags
 * (O_NONBLOCK); send/recv `flags` already include MSG_DONTWAIT for a non-blocking file.
 */
export interface ProtoOps {
  readonly family: number;
  /** Last close of the socket's file, or a failed create/accept (then `sock.sk` may be null). May block (SO_LINGER). */
  release(sock: Socket, task: Process | null): SysResult;
  bind(sock: Socket, addr: SockAddr, task: Process): number;
  connect(sock: Socket, addr: SockAddr, fileFlags: number, task: Process): SysResult;
  /** Join two fresh sockets (AF_UNIX); others return sockNoSocketpair (-EOPNOTSUPP). */
  socketpair(a: Socket, b: Socket, task: Process): number;
  /** Take a connection off `sock`'s accept queue and graft it onto `newsock` (type and ops preset). */
  accept(sock: Socket, newsock: Socket, fileFlags: number, task: Process): SysResult;
  /** The local (peer = false) or remote (peer = true) address, or a negative errno (ENOTCONN). */
  getname(sock: Socket, peer: boolean): SockAddr | number;
  /** Readiness: POLL* events that hold now (Linux f_op->poll without the poll_wait part). */
  poll(sock: Socket, events: number): number;
  /** See FileOperations.coreWatch (TCP: the core's RX fast path runs the epitem's callback). */
  coreWatch?(sock: Socket, item: number, add: boolean): boolean;
  /** Protocol ioctls (SIOCINQ = FIONREAD, SIOCOUTQ): the value, or -ENOIOCTLCMD when unknown. */
  ioctl(sock: Socket, cmd: number, arg: number, task: Process): number;
  /** `backlog` is already capped at net.core.somaxconn. */
  listen(sock: Socket, backlog: number, task: Process): number;
  /** `how` is SHUT_RD / SHUT_WR / SHUT_RDWR (unchecked: the family validates). */
  shutdown(sock: Socket, how: number, task: Process): number;
  /** Options at levels other than SOL_SOCKET; absent -> EOPNOTSUPP (as Linux for a NULL op). */
  setsockopt?(sock: Socket, level: number, optname: number, optval: OptVal, task: Process): number;
  getsockopt?(sock: Socket, level: number, optname: number, out: OptOut, task: Process): number;
  /** Send `len` bytes gathered from msg.iov (to msg.name if given). Returns bytes sent or -errno. */
  sendmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult;
  /** Receive up to `len` bytes into msg.iov; set msg.name and msg.flags. Returns bytes or -errno. */
  recvmsg(sock: Socket, msg: MsgHdr, len: number, flags: number, task: Process): SysResult;
  /** SO_RCVLOWAT hook (Linux proto_ops.set_rcvlowat); absent -> sk.rcvlowat = val || 1. */
  setRcvlowat?(sock: Socket, val: number): number;
}

/** Linux sock_no_listen / sock_no_accept / sock_no_socketpair. */
export const sockNoListen = (): number => -EOPNOTSUPP;
export const sockNoAccept = (): number => -EOPNOTSUPP;
export const sockNoSocketpair = (): number => -EOPNOTSUPP;

/** A socket family (Linux struct net_proto_family), registered per kernel. */
export interface NetProtoFamily {
  readonly family: number;
  /**
   * Set up a new socket: check `protocol` and `sock.type`, set `sock.ops` and `sock.sk`.
   * Returns 0 or a negative errno (EPROTONOSUPPORT, ESOCKTNOSUPPORT ...).
   */
  create(sock: Socket, protocol: number, task: Process | null): number;
  /** Counters for leak checks and /proc/net/sockstat (e.g. { unixSocks: 0, unixSkbs: 0 }). */
  stats?(): Record<string, number>;
}

// ---- sockets as files (Linux socket_file_ops) ----

export function sockFromFile(file: File): Socket | null {
  return file.ops === socketFileOps ? (file.priv as Socket) : null;
}

export const socketFileOps: FileOperations = {
  name: (f) => `socket:[${f.ino}]`,
  mntId: SOCKFS_MNT_ID,
  // Linux sock_read_iter(): a zero-length read returns 0 at once.
  read(f, task, buf) {
    if (buf.length === 0) return 0;
    const sock = f.priv as Socket;
    const flags = f.flags & O_NONBLOCK ? MSG_DONTWAIT : 0;
    return sock.ops.recvmsg(sock, { iov: [buf], name: undefined, flags: 0 }, buf.length, flags, task);
  },
  // Linux sock_write_iter().
  write(f, task, buf) {
    const sock = f.priv as Socket;
    let flags = f.flags & O_NONBLOCK ? MSG_DONTWAIT : 0;
    if (sock.type === SOCK_SEQPACKET) flags |= MSG_EOR;
    return sock.ops.sendmsg(sock, { iov: [buf] }, buf.length, flags, task);
  },
  poll(f, events) {
    const sock = f.priv as Socket;
    return sock.sk ? sock.ops.poll(sock, events) : 0;
  },
  pollQueue(f) {
    return (f.priv as Socket).wq;
  },
  coreWatch(f, item, add) {
    const sock = f.priv as Socket;
    return sock.ops.coreWatch?.(sock, item, add) ?? false;
  },
  // Linux sock_do_ioctl(): protocol first; what it does not know is ENOTTY.
  ioctl(f, task, cmd, arg) {
    const sock = f.priv as Socket;
    const r = sock.ops.ioctl(sock, cmd, arg, task);
    return r === -ENOIOCTLCMD ? -ENOTTY : r;
  },
  release(f, task) {
    return (f.priv as Socket).release(task);
  },
};
