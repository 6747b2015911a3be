// The socket system calls, protocol-independent part (Linux net/socket.c __sys_socket,
// __sys_bind, __sys_accept4, ...): descriptor lookup, argument checks, flag plumbing, then the
// family's proto_ops. Each returns >= 0 or a negative errno (a Promise only if it blocked).

import {
  AF_MAX,
  MSG_DONTWAIT,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDWR,
  S_IFSOCK,
  SOCK_CLOEXEC,
  SOCK_MAX,
  SOCK_NONBLOCK,
  SOCK_TYPE_MASK,
  SOL_SOCKET,
} from "./constants.js";
import {
  EAFNOSUPPORT,
  EBADF,
  ECONNABORTED,
  EFAULT,
  EINTR,
  EINVAL,
  EMSGSIZE,
  ENOTSOCK,
  EOPNOTSUPP,
} from "./errno.js";
import { File, type SysResult } from "./file.js";
import { iovLength, UIO_MAXIOV } from "./iov.js";
import type { Kernel } from "./kernel.js";
import type { Process } from "./process.js";
import { type AddrOut, type MsgHdr, type SockAddr, Socket, socketFileOps, sockFromFile } from "./socket.js";
import { type OptOut, type OptVal, sockGetsockopt, sockSetsockopt } from "./sockopt.js";

export function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** Hold a reference on `file` while a call sleeps (Linux fdget/fdput), so a concurrent close cannot free it. */
export function withFileRef(file: File, task: Process, r: SysResult): SysResult {
  if (typeof r === "number") return r;
  file.get();
  return r.finally(() => {
    void file.put(task);
  });
}

/** Linux sockfd_lookup_light(): EBADF for no descriptor, ENOTSOCK for a file that is not a socket. */
export function sockfdLookup(task: Process, fd: number): Socket | number {
  const file = task.files.lookup(fd);
  if (!file) return -EBADF;
  return sockFromFile(file) ?? -ENOTSOCK;
}

/** A user-supplied address must at least be an object (a NULL or wild pointer is EFAULT in C). */
function badAddr(addr: unknown): boolean {
  return typeof addr !== "object" || addr === null;
}

function badBuf(buf: unknown): boolean {
  return !(buf instanceof Uint8Array);
}

/** Linux __sock_create(): range checks, the family's create(). */
export function sockCreate(
  kernel: Kernel,
  task: Process | null,
  family: number,
  type: number,
  protocol: number,
): Socket | number {
  if (!isInt(family) || family < 0 || family >= AF_MAX) return -EAFNOSUPPORT;
  if (!isInt(type) || type < 0 || type >= SOCK_MAX) return -EINVAL;
  if (!isInt(protocol)) return -EINVAL;
  const pf = kernel.netFamily(family);
  if (!pf) return -EAFNOSUPPORT;
  const sock = new Socket(kernel, family, type, protocol);
  const err = pf.create(sock, protocol, task);
  if (err < 0) {
    void sock.release(task);
    return err;
  }
  return sock;
}

/** Linux sock_alloc_file() + fd_install() into a reserved descriptor. */
function installSocket(task: Process, fd: number, sock: Socket, flags: number): void {
  const file = new File(task.kernel, socketFileOps, O_RDWR | (flags & O_NONBLOCK), S_IFSOCK | 0o777, sock);
  sock.file = file;
  task.files.install(fd, file, (flags & O_CLOEXEC) !== 0);
}

function splitType(type: number): { type: number; flags: number } | number {
  if (!isInt(type)) return -EINVAL;
  const flags = type & ~SOCK_TYPE_MASK;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  return { type: type & SOCK_TYPE_MASK, flags };
}

export function sysSocket(task: Process, family: number, type: number, protocol: number): number {
  const t = splitType(type);
  if (typeof t === "number") return t;
  const sock = sockCreate(task.kernel, task, family, t.type, protocol);
  if (typeof sock === "number") return sock;
  const fd = task.files.alloc(0, task.rlimitNofile.rlim_cur);
  if (fd < 0) {
    void sock.release(task);
    return fd;
  }
  installSocket(task, fd, sock, t.flags);
  return fd;
}

/** Linux __sys_socketpair(): descriptors first (EMFILE), then the sockets, then the family joins them. */
export function sysSocketpair(
  task: Process,
  family: number,
  type: number,
  protocol: number,
  sv: number[],
): number {
  const t = splitType(type);
  if (typeof t === "number") return t;
  if (!Array.isArray(sv)) return -EFAULT;
  const files = task.files;
  const limit = task.rlimitNofile.rlim_cur;
  const fd1 = files.alloc(0, limit);
  if (fd1 < 0) return fd1;
  const fd2 = files.alloc(0, limit);
  if (fd2 < 0) {
    files.unreserve(fd1);
    return fd2;
  }
  const fail = (err: number, ...socks: Socket[]) => {
    for (const s of socks) void s.release(task);
    files.unreserve(fd1);
    files.unreserve(fd2);
    return err;
  };
  const s1 = sockCreate(task.kernel, task, family, t.type, protocol);
  if (typeof s1 === "number") return fail(s1);
  const s2 = sockCreate(task.kernel, task, family, t.type, protocol);
  if (typeof s2 === "number") return fail(s2, s1);
  const err = s1.ops.socketpair(s1, s2, task);
  if (err < 0) return fail(err, s1, s2);
  installSocket(task, fd1, s1, t.flags);
  installSocket(task, fd2, s2, t.flags);
  sv[0] = fd1;
  sv[1] = fd2;
  return 0;
}

export function sysBind(task: Process, fd: number, addr: SockAddr): number {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (badAddr(addr)) return -EFAULT;
  return sock.ops.bind(sock, addr, task);
}

export function sysListen(task: Process, fd: number, backlog: number): number {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (!isInt(backlog)) return -EINVAL;
  // Linux: (unsigned int)backlog > somaxconn -> somaxconn (a negative backlog becomes somaxconn).
  const somaxconn = task.kernel.sysctl.net_core_somaxconn;
  if (backlog < 0 || backlog > somaxconn) backlog = somaxconn;
  return sock.ops.listen(sock, backlog, task);
}

/** Linux __sys_accept4_file() + do_accept(). */
export function sysAccept4(
  task: Process,
  fd: number,
  addrOut: AddrOut | null | undefined,
  flags: number,
): SysResult {
  if (!isInt(flags) || flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  const file = task.files.lookup(fd);
  if (!file) return -EBADF;
  const files = task.files;
  const newfd = files.alloc(0, task.rlimitNofile.rlim_cur);
  if (newfd < 0) return newfd;
  const sock = sockFromFile(file);
  if (!sock) {
    files.unreserve(newfd);
    return -ENOTSOCK;
  }
  if (addrOut !== undefined && addrOut !== null && typeof addrOut !== "object") {
    files.unreserve(newfd);
    return -EFAULT;
  }
  const newsock = new Socket(task.kernel, sock.family, sock.type, sock.protocol);
  newsock.ops = sock.ops;
  const finish = (err: number): number => {
    if (err >= 0 && task.exiting) err = -EINTR; // the caller died while the connection arrived
    if (err >= 0 && addrOut) {
      const a = sock.ops.getname(newsock, true);
      if (typeof a === "number") err = -ECONNABORTED;
      else addrOut.addr = a;
    }
    if (err < 0) {
      files.unreserve(newfd);
      void newsock.release(task);
      return err;
    }
    installSocket(task, newfd, newsock, flags);
    return newfd;
  };
  const r = withFileRef(file, task, sock.ops.accept(sock, newsock, file.flags, task));
  return typeof r === "number" ? finish(r) : r.then(finish);
}

export function sysConnect(task: Process, fd: number, addr: SockAddr): SysResult {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (badAddr(addr)) return -EFAULT;
  const file = sock.file!;
  return withFileRef(file, task, sock.ops.connect(sock, addr, file.flags, task));
}

function sendCommon(task: Process, sock: Socket, msg: MsgHdr, len: number, flags: number): SysResult {
  const file = sock.file!;
  if (file.flags & O_NONBLOCK) flags |= MSG_DONTWAIT;
  return withFileRef(file, task, sock.ops.sendmsg(sock, msg, len, flags, task));
}

function recvCommon(task: Process, sock: Socket, msg: MsgHdr, len: number, flags: number): SysResult {
  const file = sock.file!;
  if (file.flags & O_NONBLOCK) flags |= MSG_DONTWAIT;
  return withFileRef(file, task, sock.ops.recvmsg(sock, msg, len, flags, task));
}

/** send(2) is sendto() without an address. */
export function sysSendto(
  task: Process,
  fd: number,
  buf: Uint8Array,
  flags: number,
  addr: SockAddr | null | undefined,
): SysResult {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (badBuf(buf)) return -EFAULT;
  if (!isInt(flags)) return -EINVAL;
  if (addr !== null && addr !== undefined && badAddr(addr)) return -EFAULT;
  return sendCommon(task, sock, { name: addr ?? undefined, iov: [buf] }, buf.length, flags);
}

/** recv(2) is recvfrom() without an address. */
export function sysRecvfrom(
  task: Process,
  fd: number,
  buf: Uint8Array,
  flags: number,
  addrOut: AddrOut | null | undefined,
): SysResult {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (badBuf(buf)) return -EFAULT;
  if (!isInt(flags)) return -EINVAL;
  if (addrOut !== null && addrOut !== undefined && typeof addrOut !== "object") return -EFAULT;
  const msg: MsgHdr = { name: null, iov: [buf], flags: 0 };
  const r = recvCommon(task, sock, msg, buf.length, flags);
  if (!addrOut) return r;
  const fill = (n: number) => {
    if (n >= 0) addrOut.addr = msg.name ?? null;
    return n;
  };
  return typeof r === "number" ? fill(r) : r.then(fill);
}

/** Linux copy_msghdr_from_user() checks: an iovec array of Uint8Array, at most UIO_MAXIOV entries. */
function checkMsg(msg: MsgHdr): number {
  if (typeof msg !== "object" || msg === null || !Array.isArray(msg.iov)) return -EFAULT;
  if (msg.iov.length > UIO_MAXIOV) return -EMSGSIZE;
  for (const b of msg.iov) if (badBuf(b)) return -EFAULT;
  return 0;
}

export function sysSendmsg(task: Process, fd: number, msg: MsgHdr, flags: number): SysResult {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  const err = checkMsg(msg);
  if (err < 0) return err;
  if (!isInt(flags)) return -EINVAL;
  if (msg.name !== null && msg.name !== undefined && badAddr(msg.name)) return -EFAULT;
  const kmsg: MsgHdr = { name: msg.name ?? undefined, iov: msg.iov };
  return sendCommon(task, sock, kmsg, iovLength(msg.iov), flags);
}

export function sysRecvmsg(task: Process, fd: number, msg: MsgHdr, flags: number): SysResult {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  const err = checkMsg(msg);
  if (err < 0) return err;
  if (!isInt(flags)) return -EINVAL;
  msg.name = null;
  msg.flags = 0;
  return recvCommon(task, sock, msg, iovLength(msg.iov), flags);
}

export function sysShutdown(task: Process, fd: number, how: number): number {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (!isInt(how)) return -EINVAL;
  return sock.ops.shutdown(sock, how, task);
}

/** getsockname (peer = false) / getpeername (peer = true). */
export function sysGetname(task: Process, fd: number, out: AddrOut, peer: boolean): number {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (typeof out !== "object" || out === null) return -EFAULT;
  const a = sock.ops.getname(sock, peer);
  if (typeof a === "number") return a;
  out.addr = a;
  return 0;
}

export function sysSetsockopt(
  task: Process,
  fd: number,
  level: number,
  optname: number,
  optval: OptVal,
): number {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (!isInt(level) || !isInt(optname)) return -EINVAL;
  if (optval === undefined || optval === null) return -EFAULT;
  if (level === SOL_SOCKET) return sockSetsockopt(sock, optname, optval, task);
  if (!sock.ops.setsockopt) return -EOPNOTSUPP;
  return sock.ops.setsockopt(sock, level, optname, optval, task);
}

export function sysGetsockopt(
  task: Process,
  fd: number,
  level: number,
  optname: number,
  out: OptOut,
): number {
  const sock = sockfdLookup(task, fd);
  if (typeof sock === "number") return sock;
  if (!isInt(level) || !isInt(optname)) return -EINVAL;
  if (typeof out !== "object" || out === null) return -EFAULT;
  if (level === SOL_SOCKET) return sockGetsockopt(sock, optname, out);
  if (!sock.ops.getsockopt) return -EOPNOTSUPP;
  return sock.ops.getsockopt(sock, level, optname, out, task);
}
