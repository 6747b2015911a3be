// Each system call against each class of bad input gives Linux's errno. Every row runs in a
// fresh kernel where a root "setup" process has prepared some names:
//   /srv/stream   AF_UNIX stream listener (root, mode 0755 from umask 022)
//   /srv/dgram    AF_UNIX datagram socket
//   /srv/bound    AF_UNIX stream socket, bound, not listening
//   /srv/stale    a socket file whose socket was closed
//   /srv/full     a stream listener with backlog 0 and one connection already queued
//   /srv/taken    a datagram socket connected to /srv/dgram (takes nothing from others)
//   "\0abstract"  abstract stream listener
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  AF_UNIX,
  CLOCK_MONOTONIC,
  E2BIG,
  EACCES,
  EADDRINUSE,
  EAFNOSUPPORT,
  EAGAIN,
  EBADF,
  ECHILD,
  ECONNREFUSED,
  EDOM,
  EFAULT,
  EINVAL,
  EISCONN,
  EMSGSIZE,
  ENOENT,
  ENOPROTOOPT,
  ENOTCONN,
  ENOTSOCK,
  ENOTTY,
  EOPNOTSUPP,
  EPERM,
  EPIPE,
  EPOLL_CTL_ADD,
  EPOLLIN,
  EPROTONOSUPPORT,
  EPROTOTYPE,
  ESOCKTNOSUPPORT,
  ESRCH,
  F_GETFL,
  F_SETFL,
  FD_SETSIZE,
  FdSet,
  FIONREAD,
  IPPROTO_TCP,
  Kernel,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_OOB,
  type MsgHdr,
  O_NONBLOCK,
  SHUT_WR,
  SIGKILL,
  SO_DEBUG,
  SO_LINGER,
  SO_PRIORITY,
  SO_RCVTIMEO,
  SO_REUSEPORT,
  SO_TYPE,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RDM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  type SockAddr,
  type Sys,
  TCP_NODELAY,
} from "../../src/kernel/index.js";

const un = (path: string): SockAddr => ({ family: AF_UNIX, path });
/** A family number Linux knows but this kernel has no implementation of (AF_AX25). */
const AF_UNREGISTERED = 3;
const buf = () => new Uint8Array(16);

/** Fresh sockets in the calling process. */
const mk = {
  stream: (s: Sys) => s.socket(AF_UNIX, SOCK_STREAM),
  dgram: (s: Sys) => s.socket(AF_UNIX, SOCK_DGRAM),
  pair: (s: Sys) => s.socketpair(AF_UNIX, SOCK_STREAM),
  listener: (s: Sys, path = "/tmp/l") => {
    const fd = s.socket(AF_UNIX, SOCK_STREAM);
    s.bind(fd, un(path));
    s.listen(fd, 8);
    return fd;
  },
};

type Row = [what: string, errno: number, run: (s: Sys) => number | Promise<number>, uid?: number];

const rows: Row[] = [
  // socket
  ["socket: family out of range", EAFNOSUPPORT, (s) => s.raw.socket(99, SOCK_STREAM, 0)],
  [
    "socket: family without an implementation",
    EAFNOSUPPORT,
    (s) => s.raw.socket(AF_UNREGISTERED, SOCK_STREAM, 0),
  ],
  ["socket: type out of range", EINVAL, (s) => s.raw.socket(AF_UNIX, 12, 0)],
  ["socket: unknown type flag", EINVAL, (s) => s.raw.socket(AF_UNIX, SOCK_STREAM | 0x100, 0)],
  [
    "socket: AF_UNIX with a protocol",
    EPROTONOSUPPORT,
    (s) => s.raw.socket(AF_UNIX, SOCK_STREAM, IPPROTO_TCP),
  ],
  ["socket: AF_UNIX SOCK_RDM", ESOCKTNOSUPPORT, (s) => s.raw.socket(AF_UNIX, SOCK_RDM, 0)],
  // socketpair
  [
    "socketpair: family without an implementation",
    EAFNOSUPPORT,
    (s) => s.raw.socketpair(AF_UNREGISTERED, 1, 0, []),
  ],
  ["socketpair: unknown type flag", EINVAL, (s) => s.raw.socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, [])],
  [
    "socketpair: missing output array",
    EFAULT,
    (s) => s.raw.socketpair(AF_UNIX, SOCK_STREAM, 0, null as never),
  ],
  // bind
  ["bind: bad fd", EBADF, (s) => s.raw.bind(77, un("/tmp/x"))],
  ["bind: not a socket", ENOTSOCK, (s) => s.raw.bind(1, un("/tmp/x"))],
  ["bind: no address", EFAULT, (s) => s.raw.bind(mk.stream(s), null as never)],
  [
    "bind: wrong family for AF_UNIX",
    EINVAL,
    (s) => s.raw.bind(mk.stream(s), { family: AF_INET, addr: "0.0.0.0", port: 1 }),
  ],
  ["bind: path longer than sun_path", EINVAL, (s) => s.raw.bind(mk.stream(s), un(`/${"x".repeat(108)}`))],
  ["bind: path in use", EADDRINUSE, (s) => s.raw.bind(mk.stream(s), un("/srv/stream"))],
  ["bind: stale socket file still in use", EADDRINUSE, (s) => s.raw.bind(mk.stream(s), un("/srv/stale"))],
  ["bind: abstract name in use", EADDRINUSE, (s) => s.raw.bind(mk.stream(s), un("\0abstract"))],
  [
    "bind: already bound",
    EINVAL,
    (s) => {
      const fd = mk.stream(s);
      s.bind(fd, un("/tmp/a"));
      return s.raw.bind(fd, un("/tmp/b"));
    },
  ],
  // listen
  ["listen: bad fd", EBADF, (s) => s.raw.listen(77, 1)],
  ["listen: not a socket", ENOTSOCK, (s) => s.raw.listen(0, 1)],
  ["listen: datagram socket", EOPNOTSUPP, (s) => s.raw.listen(mk.dgram(s), 1)],
  ["listen: unbound", EINVAL, (s) => s.raw.listen(mk.stream(s), 1)],
  ["listen: connected", EINVAL, (s) => s.raw.listen(mk.pair(s)[0], 1)],
  // accept
  ["accept: bad fd", EBADF, (s) => s.raw.accept(77)],
  ["accept: not a socket", ENOTSOCK, (s) => s.raw.accept(2)],
  ["accept: not listening", EINVAL, (s) => s.raw.accept(mk.stream(s))],
  ["accept: datagram socket", EOPNOTSUPP, (s) => s.raw.accept(mk.dgram(s))],
  ["accept4: unknown flag", EINVAL, (s) => s.raw.accept4(mk.listener(s), null, 0x1)],
  [
    "accept: non-blocking, nobody waiting",
    EAGAIN,
    (s) => {
      const l = mk.listener(s);
      s.fcntl(l, F_SETFL, O_NONBLOCK);
      return s.raw.accept4(l, null, 0);
    },
  ],
  // connect
  ["connect: bad fd", EBADF, (s) => s.raw.connect(77, un("/srv/stream"))],
  ["connect: not a socket", ENOTSOCK, (s) => s.raw.connect(1, un("/srv/stream"))],
  ["connect: no address", EFAULT, (s) => s.raw.connect(mk.stream(s), undefined as never)],
  [
    "connect: wrong family for AF_UNIX",
    EINVAL,
    (s) => s.raw.connect(mk.stream(s), { family: AF_INET, addr: "1.2.3.4", port: 1 }),
  ],
  ["connect: empty path", EINVAL, (s) => s.raw.connect(mk.stream(s), un(""))],
  ["connect: no such path", ENOENT, (s) => s.raw.connect(mk.stream(s), un("/srv/nothing"))],
  [
    "connect: socket file, nobody bound (stale)",
    ECONNREFUSED,
    (s) => s.raw.connect(mk.stream(s), un("/srv/stale")),
  ],
  ["connect: bound but not listening", ECONNREFUSED, (s) => s.raw.connect(mk.stream(s), un("/srv/bound"))],
  [
    "connect: stream to a datagram socket's name",
    EPROTOTYPE,
    (s) => s.raw.connect(mk.stream(s), un("/srv/dgram")),
  ],
  [
    "connect: seqpacket to a stream listener",
    EPROTOTYPE,
    (s) => s.raw.connect(s.socket(AF_UNIX, SOCK_SEQPACKET), un("/srv/stream")),
  ],
  ["connect: no such abstract name", ECONNREFUSED, (s) => s.raw.connect(mk.stream(s), un("\0none"))],
  ["connect: already connected", EISCONN, (s) => s.raw.connect(mk.pair(s)[0], un("/srv/stream"))],
  ["connect: a listening socket", EINVAL, (s) => s.raw.connect(mk.listener(s), un("/srv/stream"))],
  [
    "connect: no write permission on the socket file",
    EACCES,
    (s) => s.raw.connect(mk.stream(s), un("/srv/stream")),
    1000,
  ],
  [
    "connect: backlog full, non-blocking",
    EAGAIN,
    (s) => s.raw.connect(s.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK), un("/srv/full")),
  ],
  [
    "connect: datagram to a receiver connected elsewhere",
    EPERM,
    (s) => s.raw.connect(mk.dgram(s), un("/srv/taken")),
  ],
  // send / sendto / sendmsg
  ["send: bad fd", EBADF, (s) => s.raw.send(77, buf())],
  ["send: not a socket", ENOTSOCK, (s) => s.raw.send(1, buf())],
  ["send: not connected", ENOTCONN, (s) => s.raw.send(mk.stream(s), buf())],
  ["send: no buffer", EFAULT, (s) => s.raw.send(mk.pair(s)[0], null as never)],
  ["send: MSG_OOB on AF_UNIX", EOPNOTSUPP, (s) => s.raw.send(mk.pair(s)[0], buf(), MSG_OOB)],
  [
    "send: after shutdown(SHUT_WR)",
    EPIPE,
    (s) => {
      const [a] = mk.pair(s);
      s.shutdown(a, SHUT_WR);
      return s.raw.send(a, buf(), MSG_NOSIGNAL);
    },
  ],
  [
    "sendto: address on a connected stream",
    EISCONN,
    (s) => s.raw.sendto(mk.pair(s)[0], buf(), 0, un("/srv/stream")),
  ],
  [
    "sendto: address on an unconnected stream",
    EOPNOTSUPP,
    (s) => s.raw.sendto(mk.stream(s), buf(), 0, un("/srv/stream")),
  ],
  [
    "sendto: datagram to no such path",
    ENOENT,
    (s) => s.raw.sendto(mk.dgram(s), buf(), 0, un("/srv/nothing")),
  ],
  [
    "sendto: datagram to a stream socket's name",
    EPROTOTYPE,
    (s) => s.raw.sendto(mk.dgram(s), buf(), 0, un("/srv/stream")),
  ],
  [
    "sendto: datagram to a receiver connected elsewhere",
    EPERM,
    (s) => s.raw.sendto(mk.dgram(s), buf(), 0, un("/srv/taken")),
  ],
  [
    "sendto: datagram larger than the send buffer",
    EMSGSIZE,
    (s) => s.raw.sendto(mk.dgram(s), new Uint8Array(300_000), 0, un("/srv/dgram")),
  ],
  ["sendto: datagram, no address, not connected", ENOTCONN, (s) => s.raw.sendto(mk.dgram(s), buf(), 0, null)],
  ["sendto: bad address object", EFAULT, (s) => s.raw.sendto(mk.dgram(s), buf(), 0, 7 as never)],
  [
    "sendmsg: more than UIO_MAXIOV iovecs",
    EMSGSIZE,
    (s) => s.raw.sendmsg(mk.pair(s)[0], { iov: Array.from({ length: 1025 }, () => new Uint8Array(1)) }),
  ],
  [
    "sendmsg: an iovec that is not a buffer",
    EFAULT,
    (s) => s.raw.sendmsg(mk.pair(s)[0], { iov: [buf(), "x" as never] }),
  ],
  ["sendmsg: no msghdr", EFAULT, (s) => s.raw.sendmsg(mk.pair(s)[0], null as never)],
  // recv / recvfrom / recvmsg
  ["recv: bad fd", EBADF, (s) => s.raw.recv(77, buf())],
  ["recv: not a socket", ENOTSOCK, (s) => s.raw.recv(0, buf())],
  ["recv: unconnected stream (Linux says EINVAL)", EINVAL, (s) => s.raw.recv(mk.stream(s), buf())],
  ["recv: unconnected seqpacket", ENOTCONN, (s) => s.raw.recv(s.socket(AF_UNIX, SOCK_SEQPACKET), buf())],
  ["recv: non-blocking, nothing there", EAGAIN, (s) => s.raw.recv(mk.pair(s)[0], buf(), MSG_DONTWAIT)],
  [
    "recv: datagram, non-blocking, nothing there",
    EAGAIN,
    (s) => s.raw.recv(mk.dgram(s), buf(), MSG_DONTWAIT),
  ],
  ["recv: MSG_OOB on AF_UNIX", EOPNOTSUPP, (s) => s.raw.recv(mk.pair(s)[0], buf(), MSG_OOB)],
  ["recv: no buffer", EFAULT, (s) => s.raw.recv(mk.pair(s)[0], undefined as never)],
  ["recvfrom: bad fd", EBADF, (s) => s.raw.recvfrom(77, buf(), 0, {})],
  [
    "recvmsg: more than UIO_MAXIOV iovecs",
    EMSGSIZE,
    (s) => s.raw.recvmsg(mk.pair(s)[0], { iov: Array(1025).fill(buf()) } as MsgHdr),
  ],
  // read / write
  ["read: bad fd", EBADF, (s) => s.raw.read(77, buf())],
  ["read: write-only stdout", EBADF, (s) => s.raw.read(1, buf())],
  ["write: read-only stdin", EBADF, (s) => s.raw.write(0, buf())],
  ["write: no buffer", EFAULT, (s) => s.raw.write(1, null as never)],
  // shutdown, close, dup, fcntl, ioctl
  ["shutdown: bad fd", EBADF, (s) => s.raw.shutdown(77, SHUT_WR)],
  ["shutdown: not a socket", ENOTSOCK, (s) => s.raw.shutdown(1, SHUT_WR)],
  ["shutdown: bad how", EINVAL, (s) => s.raw.shutdown(mk.pair(s)[0], 3)],
  ["close: bad fd", EBADF, (s) => s.raw.close(77)],
  [
    "close: twice",
    EBADF,
    (s) => {
      void s.raw.close(mk.stream(s));
      return s.raw.close(3);
    },
  ],
  ["dup: bad fd", EBADF, (s) => s.raw.dup(-1)],
  ["dup3: flags other than O_CLOEXEC", EINVAL, (s) => s.raw.dup3(1, 5, SOCK_NONBLOCK)],
  ["fcntl: bad fd", EBADF, (s) => s.raw.fcntl(77, F_GETFL)],
  ["fcntl: unknown command", EINVAL, (s) => s.raw.fcntl(1, 12345)],
  ["ioctl: bad fd", EBADF, (s) => s.raw.ioctl(77, FIONREAD)],
  ["ioctl: unknown request on a socket", ENOTTY, (s) => s.raw.ioctl(mk.stream(s), 0x1234)],
  ["ioctl: FIONREAD on a listener", EINVAL, (s) => s.raw.ioctl(mk.listener(s), FIONREAD)],
  // getsockopt / setsockopt
  ["getsockopt: bad fd", EBADF, (s) => s.raw.getsockopt(77, SOL_SOCKET, SO_TYPE, {})],
  ["getsockopt: not a socket", ENOTSOCK, (s) => s.raw.getsockopt(1, SOL_SOCKET, SO_TYPE, {})],
  [
    "getsockopt: unknown SOL_SOCKET option",
    ENOPROTOOPT,
    (s) => s.raw.getsockopt(mk.stream(s), SOL_SOCKET, 999, {}),
  ],
  [
    "getsockopt: TCP level on AF_UNIX",
    EOPNOTSUPP,
    (s) => s.raw.getsockopt(mk.stream(s), IPPROTO_TCP, TCP_NODELAY, {}),
  ],
  [
    "setsockopt: read-only option",
    ENOPROTOOPT,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_TYPE, 1),
  ],
  [
    "setsockopt: SO_LINGER with an int",
    EINVAL,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_LINGER, 1),
  ],
  [
    "setsockopt: int option with a struct",
    EINVAL,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_PRIORITY, { tv_sec: 1, tv_usec: 0 }),
  ],
  [
    "setsockopt: SO_RCVTIMEO tv_usec out of range",
    EDOM,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 1, tv_usec: 1_000_000 }),
  ],
  [
    "setsockopt: SO_REUSEPORT on AF_UNIX",
    EOPNOTSUPP,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_REUSEPORT, 1),
  ],
  [
    "setsockopt: SO_PRIORITY above 6 without privilege",
    EPERM,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_PRIORITY, 7),
    1000,
  ],
  [
    "setsockopt: SO_DEBUG without privilege",
    EACCES,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_DEBUG, 1),
    1000,
  ],
  [
    "setsockopt: no value",
    EFAULT,
    (s) => s.raw.setsockopt(mk.stream(s), SOL_SOCKET, SO_DEBUG, undefined as never),
  ],
  [
    "setsockopt: TCP level on AF_UNIX",
    EOPNOTSUPP,
    (s) => s.raw.setsockopt(mk.stream(s), IPPROTO_TCP, TCP_NODELAY, 1),
  ],
  // names
  ["getsockname: bad fd", EBADF, (s) => s.raw.getsockname(77, {})],
  ["getsockname: not a socket", ENOTSOCK, (s) => s.raw.getsockname(2, {})],
  ["getpeername: not connected", ENOTCONN, (s) => s.raw.getpeername(mk.stream(s), {})],
  // processes, signals, names, time
  ["kill: no such process", ESRCH, (s) => s.raw.kill(4242, SIGKILL)],
  ["kill: bad signal", EINVAL, (s) => s.raw.kill(s.getpid(), 99)],
  ["kill: another user's process", EPERM, (s) => s.raw.kill(1, SIGKILL), 1000],
  ["waitpid: no children", ECHILD, (s) => s.raw.waitpid(-1, null, 0)],
  ["waitpid: bad options", EINVAL, (s) => s.raw.waitpid(-1, null, 0x40)],
  ["signal: SIGKILL cannot be caught", EINVAL, (s) => s.raw.signal(SIGKILL, "ignore")],
  ["unlink: no such name", ENOENT, (s) => s.raw.unlink("/srv/nothing")],
  ["chmod: not the owner", EPERM, (s) => s.raw.chmod("/srv/stream", 0o777), 1000],
  ["clock_gettime: bad clock", EINVAL, (s) => s.raw.clock_gettime(99)],
  ["nanosleep: negative", EINVAL, (s) => s.raw.nanosleep(-1)],
  // I/O multiplexing (no core here: epoll's argument checks come before its ENOSYS)
  ["epoll_create: size 0", EINVAL, (s) => s.raw.epoll_create(0)],
  ["epoll_create1: unknown flag", EINVAL, (s) => s.raw.epoll_create1(1)],
  ["epoll_ctl: bad epfd", EBADF, (s) => s.raw.epoll_ctl(99, EPOLL_CTL_ADD, 0, { events: EPOLLIN, data: 0 })],
  ["epoll_wait: maxevents 0", EINVAL, (s) => s.raw.epoll_wait(0, [], 0, 0)],
  [
    "poll: more fds than RLIMIT_NOFILE",
    EINVAL,
    (s) =>
      s.raw.poll(
        Array.from({ length: 1025 }, () => ({ fd: -1, events: 0, revents: 0 })),
        0,
      ),
  ],
  ["select: nfds beyond FD_SETSIZE", EINVAL, (s) => s.raw.select(FD_SETSIZE + 1, null, null, null, null)],
  ["select: a closed fd in a set", EBADF, (s) => s.raw.select(100, FdSet.of(99), null, null, null)],
  ["eventfd: unknown flag", EINVAL, (s) => s.raw.eventfd(0, 0o100)],
];

async function runRow(run: Row[2], uid: number): Promise<number> {
  const k = new Kernel();
  const setup = k.spawn("setup", async (s) => {
    mk.listener(s, "/srv/stream");
    const l = s.socket(AF_UNIX, SOCK_STREAM);
    s.bind(l, un("\0abstract"));
    s.listen(l, 1);
    s.bind(mk.dgram(s), un("/srv/dgram"));
    s.bind(mk.stream(s), un("/srv/bound"));
    const stale = mk.stream(s);
    s.bind(stale, un("/srv/stale"));
    await s.close(stale);
    const full = mk.stream(s);
    s.bind(full, un("/srv/full"));
    s.listen(full, 0);
    await s.connect(mk.stream(s), un("/srv/full"));
    const taken = mk.dgram(s);
    s.bind(taken, un("/srv/taken"));
    await s.connect(taken, un("/srv/dgram"));
    await s.nanosleep(1e12);
  });
  await k.advance(0);
  let result = 0;
  const p = k.spawn("case", { uid }, async (s) => {
    result = await run(s);
  });
  await k.runUntil(p.exited);
  if (p.error) throw p.error;
  k.kill(setup.pid, SIGKILL);
  await k.runUntil(setup.exited);
  expect(k.stats()).toMatchObject({ files: 0, sockets: 0, unixSocks: 0, unixSkbs: 0 });
  return result;
}

describe("errno table: bad input gives Linux's errno", () => {
  it.each(rows)("%s -> %s", async (_what, errno, run, uid = 0) => {
    expect(await runRow(run, uid)).toBe(-errno);
  });

  it("covers every syscall of the API", () => {
    const covered = new Set(rows.map(([what]) => what.split(":")[0]));
    for (const name of Object.getOwnPropertyNames(
      Object.getPrototypeOf(new Kernel().spawn("x", () => {}).sys),
    )) {
      if (
        name === "constructor" ||
        ["getpid", "getppid", "getuid", "getgid", "fork", "exit", "umask"].includes(name)
      ) {
        continue; // cannot fail
      }
      if (
        [
          "accept4",
          "recvfrom",
          "recvmsg",
          "sendto",
          "sendmsg",
          "dup2",
          "dup3",
          "getrlimit",
          "setrlimit",
        ].includes(name)
      )
        continue;
      expect(covered, name).toContain(name);
    }
    expect(E2BIG).toBe(7);
    expect(CLOCK_MONOTONIC).toBe(1);
    expect(SOCK_CLOEXEC).toBe(0o2000000);
  });
});
