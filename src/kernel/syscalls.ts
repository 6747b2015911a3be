// The system call API handed to a process's program as `sys`. POSIX names and argument order,
// Linux errno. Two forms:
//
//   await sys.recv(fd, buf, flags)      -> bytes; throws SyscallError ('EAGAIN', errno 11, ...)
//   sys.raw.recv(fd, buf, flags)        -> bytes >= 0 or -errno (e.g. -11), synchronously when the
//                                          call completes without blocking; a Promise of the same
//                                          only when it has to sleep
//
// Calls that can block (connect, accept, send*, recv*, read, write, close, waitpid, nanosleep)
// return Promises in the throwing form; the others return their value directly. Out-parameters
// follow C: accept/recvfrom fill an optional `{ addr }`, socketpair fills `sv`, getsockopt fills
// `{ value }` in the raw form (the throwing form returns the value).
//
// Both forms throw ProcessExit (never a SyscallError) once the process has exited or was killed,
// so its program unwinds.

import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  RLIMIT_NOFILE,
  SIGKILL,
  SIGRTMAX,
  SIGSTOP,
  WNOHANG,
} from "./constants.js";
import { ECHILD, EFAULT, EINTR, EINVAL, EPERM, SyscallError } from "./errno.js";
import { sysEventfd2 } from "./eventfd.js";
import { type EpollEvent, sysEpollCreate, sysEpollCreate1, sysEpollCtl, sysEpollWait } from "./eventpoll.js";
import type { SysResult } from "./file.js";
import { sysClose, sysDup, sysDup2, sysDup3, sysFcntl, sysIoctl, sysRead, sysWrite } from "./fs.js";
import type { Process, ProcessMain, SignalDisposition } from "./process.js";
import { type FdSet, type PollFd, sysPoll, sysSelect } from "./select.js";
import type { AddrOut, MsgHdr, SockAddr } from "./socket.js";
import {
  isInt,
  sysAccept4,
  sysBind,
  sysConnect,
  sysGetname,
  sysGetsockopt,
  sysListen,
  sysRecvfrom,
  sysRecvmsg,
  sysSendmsg,
  sysSendto,
  sysSetsockopt,
  sysShutdown,
  sysSocket,
  sysSocketpair,
} from "./socketcalls.js";
import type { OptOut, OptVal, Timeval } from "./sockopt.js";
import { blockOn, WaitOn } from "./wait.js";
import { WAKE_ALL, WaitQueue } from "./waitqueue.js";

export interface Rlimit {
  rlim_cur: number;
  rlim_max: number;
}

/** Out-parameter of waitpid: the wait status (decode with WIFEXITED / WEXITSTATUS ...). */
export interface StatusOut {
  status?: number;
}

export const WIFEXITED = (status: number): boolean => (status & 0x7f) === 0;
export const WEXITSTATUS = (status: number): number => (status >> 8) & 0xff;
export const WIFSIGNALED = (status: number): boolean => (status & 0x7f) !== 0 && (status & 0x7f) !== 0x7f;
export const WTERMSIG = (status: number): number => status & 0x7f;

/** Linux RLIM_NLIMITS: resources are numbered below this. */
const RLIM_NLIMITS = 16;

/** The raw form: results are numbers (>= 0, or -errno), a Promise only when the call sleeps. */
export class RawSys {
  constructor(readonly task: Process) {}

  /** Syscall entry/exit: count it, make the task `current`, act on a fatal signal at return. */
  private run(fn: () => SysResult): SysResult {
    const task = this.task;
    if (task.exiting) throw task.exitError();
    task.syscalls++;
    task.kernel.nrSyscalls++;
    const r = task.kernel.asCurrent(task, fn);
    if (typeof r === "number") return this.ret(r);
    return r.then((v) => this.ret(v));
  }

  private ret(v: number): number {
    const task = this.task;
    if (task.fatalSignal !== 0 && !task.exiting) task.exit(null, task.fatalSignal);
    if (task.exiting) throw task.exitError();
    return v;
  }

  // ---- process ----

  getpid(): number {
    return this.task.pid;
  }

  getppid(): number {
    return this.task.ppid;
  }

  getuid(): number {
    return this.task.uid;
  }

  getgid(): number {
    return this.task.gid;
  }

  /**
   * Create a child process running `main`. It shares every open file (reference counts go up),
   * with the same descriptors and flags. Returns the child's pid. Unlike POSIX fork(), the child
   * does not continue from this point: JavaScript cannot duplicate a continuation, so the child's
   * program is the function given here (the parent continues normally).
   */
  fork(main: ProcessMain): number {
    return this.run(() =>
      typeof main !== "function" ? -EFAULT : this.task.kernel.fork(this.task, main),
    ) as number;
  }

  /** Wait for a child to exit (pid > 0: that child; -1 or 0: any child). Returns its pid, 0 with WNOHANG. */
  waitpid(pid: number, statusOut?: StatusOut | null, options = 0): SysResult {
    return this.run(() => {
      const task = this.task;
      if (!isInt(options) || options & ~WNOHANG) return -EINVAL;
      if (!isInt(pid)) return -EINVAL;
      const step = () => {
        let any = false;
        for (const c of task.children) {
          if (pid > 0 ? c.pid !== pid : pid < -1) continue; // process groups are not modelled
          any = true;
          if (c.state === "Z") {
            if (statusOut) statusOut.status = c.waitStatus;
            task.kernel.reap(c);
            return c.pid;
          }
        }
        if (!any) return -ECHILD;
        return new WaitOn(task.childWait, WAKE_ALL, false, "do_wait");
      };
      return blockOn(
        task,
        options & WNOHANG ? 0 : Number.POSITIVE_INFINITY,
        step,
        () => 0,
        () => -EINTR,
      );
    });
  }

  /** Send a signal: pid > 0 one process, -1 every process but the caller. Needs uid 0 or the same uid. */
  kill(pid: number, sig: number): number {
    return this.run(() => this.task.kernel.killFrom(this.task, pid, sig)) as number;
  }

  /** Set a signal's disposition ('default', 'ignore' or a handler). SIGKILL/SIGSTOP: EINVAL. */
  signal(sig: number, disposition: SignalDisposition, oldOut?: { disposition?: SignalDisposition }): number {
    return this.run(() => {
      if (!isInt(sig) || sig < 1 || sig > SIGRTMAX || sig === SIGKILL || sig === SIGSTOP) return -EINVAL;
      if (disposition !== "default" && disposition !== "ignore" && typeof disposition !== "function")
        return -EINVAL;
      const prev = this.task.setDisposition(sig, disposition);
      if (oldOut) oldOut.disposition = prev;
      return 0;
    }) as number;
  }

  /** End the process now (Linux exit_group): descriptors close; the program unwinds via ProcessExit. */
  exit(code = 0): never {
    const task = this.task;
    if (!task.exiting) task.exit(code | 0);
    throw task.exitError();
  }

  getrlimit(resource: number, out: Rlimit): number {
    return this.run(() => {
      if (!isInt(resource) || resource < 0 || resource >= RLIM_NLIMITS) return -EINVAL;
      if (resource !== RLIMIT_NOFILE) return -EINVAL; // only RLIMIT_NOFILE is modelled
      if (typeof out !== "object" || out === null) return -EFAULT;
      out.rlim_cur = this.task.rlimitNofile.rlim_cur;
      out.rlim_max = this.task.rlimitNofile.rlim_max;
      return 0;
    }) as number;
  }

  /** Linux do_prlimit(): soft <= hard; hard <= fs.nr_open; raising hard needs uid 0. */
  setrlimit(resource: number, lim: Rlimit): number {
    return this.run(() => {
      if (!isInt(resource) || resource < 0 || resource >= RLIM_NLIMITS) return -EINVAL;
      if (resource !== RLIMIT_NOFILE) return -EINVAL;
      if (typeof lim !== "object" || lim === null) return -EFAULT;
      const { rlim_cur, rlim_max } = lim;
      if (!(rlim_cur >= 0) || !(rlim_max >= 0) || rlim_cur > rlim_max) return -EINVAL;
      const task = this.task;
      if (rlim_max > task.kernel.sysctl.fs_nr_open) return -EPERM;
      if (rlim_max > task.rlimitNofile.rlim_max && task.uid !== 0) return -EPERM;
      task.rlimitNofile.rlim_cur = rlim_cur;
      task.rlimitNofile.rlim_max = rlim_max;
      return 0;
    }) as number;
  }

  umask(mask: number): number {
    return this.run(() => {
      const old = this.task.umask;
      this.task.umask = mask & 0o777;
      return old;
    }) as number;
  }

  /** Remove a name (the AF_UNIX socket files bind() creates). */
  unlink(path: string): number {
    return this.run(() => (typeof path !== "string" ? -EFAULT : this.task.kernel.vfs.unlink(path))) as number;
  }

  chmod(path: string, mode: number): number {
    return this.run(() =>
      typeof path !== "string" || !isInt(mode) ? -EFAULT : this.task.kernel.vfs.chmod(path, mode, this.task),
    ) as number;
  }

  /** Virtual time in nanoseconds: CLOCK_MONOTONIC from kernel start, CLOCK_REALTIME from the kernel's epoch. */
  clock_gettime(clockid: number): number {
    return this.run(() => {
      const k = this.task.kernel;
      if (clockid === CLOCK_MONOTONIC) return k.now();
      if (clockid === CLOCK_REALTIME) return k.realtimeEpochNs + k.now();
      return -EINVAL;
    }) as number;
  }

  /** Sleep `ns` nanoseconds of virtual time (a precise event, like Linux's hrtimer sleep). */
  nanosleep(ns: number): SysResult {
    return this.run(() => {
      const task = this.task;
      if (typeof ns !== "number" || !(ns >= 0) || !Number.isFinite(ns)) return -EINVAL;
      const wq = new WaitQueue();
      let fired = false;
      const ev = task.kernel.after(ns, () => {
        fired = true;
        wq.wakeAll();
      });
      const on = new WaitOn(wq, WAKE_ALL, false, "hrtimer_nanosleep");
      return blockOn(
        task,
        Number.POSITIVE_INFINITY,
        () => (fired ? 0 : on),
        () => 0,
        () => {
          ev.cancel();
          return -EINTR;
        },
      );
    });
  }

  // ---- descriptors ----

  read(fd: number, buf: Uint8Array): SysResult {
    return this.run(() => sysRead(this.task, fd, buf));
  }

  write(fd: number, buf: Uint8Array): SysResult {
    return this.run(() => sysWrite(this.task, fd, buf));
  }

  close(fd: number): SysResult {
    return this.run(() => sysClose(this.task, fd));
  }

  dup(oldfd: number): number {
    return this.run(() => sysDup(this.task, oldfd)) as number;
  }

  dup2(oldfd: number, newfd: number): SysResult {
    return this.run(() => sysDup2(this.task, oldfd, newfd));
  }

  dup3(oldfd: number, newfd: number, flags: number): SysResult {
    return this.run(() => sysDup3(this.task, oldfd, newfd, flags));
  }

  fcntl(fd: number, cmd: number, arg = 0): number {
    return this.run(() => sysFcntl(this.task, fd, cmd, arg)) as number;
  }

  ioctl(fd: number, request: number, arg = 0): number {
    return this.run(() => sysIoctl(this.task, fd, request, arg)) as number;
  }

  // ---- sockets ----

  socket(domain: number, type: number, protocol = 0): number {
    return this.run(() => sysSocket(this.task, domain, type, protocol)) as number;
  }

  socketpair(domain: number, type: number, protocol: number, sv: number[]): number {
    return this.run(() => sysSocketpair(this.task, domain, type, protocol, sv)) as number;
  }

  bind(fd: number, addr: SockAddr): number {
    return this.run(() => sysBind(this.task, fd, addr)) as number;
  }

  listen(fd: number, backlog: number): number {
    return this.run(() => sysListen(this.task, fd, backlog)) as number;
  }

  accept(fd: number, addrOut?: AddrOut | null): SysResult {
    return this.run(() => sysAccept4(this.task, fd, addrOut, 0));
  }

  accept4(fd: number, addrOut: AddrOut | null | undefined, flags: number): SysResult {
    return this.run(() => sysAccept4(this.task, fd, addrOut, flags));
  }

  connect(fd: number, addr: SockAddr): SysResult {
    return this.run(() => sysConnect(this.task, fd, addr));
  }

  send(fd: number, buf: Uint8Array, flags = 0): SysResult {
    return this.run(() => sysSendto(this.task, fd, buf, flags, null));
  }

  recv(fd: number, buf: Uint8Array, flags = 0): SysResult {
    return this.run(() => sysRecvfrom(this.task, fd, buf, flags, null));
  }

  sendto(fd: number, buf: Uint8Array, flags: number, addr: SockAddr | null): SysResult {
    return this.run(() => sysSendto(this.task, fd, buf, flags, addr));
  }

  recvfrom(fd: number, buf: Uint8Array, flags: number, addrOut?: AddrOut | null): SysResult {
    return this.run(() => sysRecvfrom(this.task, fd, buf, flags, addrOut));
  }

  sendmsg(fd: number, msg: MsgHdr, flags = 0): SysResult {
    return this.run(() => sysSendmsg(this.task, fd, msg, flags));
  }

  recvmsg(fd: number, msg: MsgHdr, flags = 0): SysResult {
    return this.run(() => sysRecvmsg(this.task, fd, msg, flags));
  }

  shutdown(fd: number, how: number): number {
    return this.run(() => sysShutdown(this.task, fd, how)) as number;
  }

  getsockname(fd: number, out: AddrOut): number {
    return this.run(() => sysGetname(this.task, fd, out, false)) as number;
  }

  getpeername(fd: number, out: AddrOut): number {
    return this.run(() => sysGetname(this.task, fd, out, true)) as number;
  }

  getsockopt(fd: number, level: number, optname: number, out: OptOut): number {
    return this.run(() => sysGetsockopt(this.task, fd, level, optname, out)) as number;
  }

  setsockopt(fd: number, level: number, optname: number, optval: OptVal): number {
    return this.run(() => sysSetsockopt(this.task, fd, level, optname, optval)) as number;
  }

  // ---- I/O multiplexing: epoll, poll, select; eventfd ----

  /** A new epoll instance (size must be > 0 and is otherwise ignored, as Linux). */
  epoll_create(size: number): number {
    return this.run(() => sysEpollCreate(this.task, size)) as number;
  }

  /** A new epoll instance; flags 0 or EPOLL_CLOEXEC. */
  epoll_create1(flags = 0): number {
    return this.run(() => sysEpollCreate1(this.task, flags)) as number;
  }

  /** EPOLL_CTL_ADD / MOD / DEL of `fd` in epoll `epfd`; `event` is ignored for DEL (may be null). */
  epoll_ctl(epfd: number, op: number, fd: number, event?: EpollEvent | null): number {
    return this.run(() => sysEpollCtl(this.task, epfd, op, fd, event)) as number;
  }

  /**
   * Wait for events: fills `events` (up to `maxevents` entries, objects reused in place) and returns
   * how many; `timeout` in ms (-1 forever, 0 do not wait). Synchronous unless it sleeps.
   */
  epoll_wait(epfd: number, events: EpollEvent[], maxevents: number, timeout: number): SysResult {
    return this.run(() => sysEpollWait(this.task, epfd, events, maxevents, timeout));
  }

  /** poll(2) over `fds` (nfds is fds.length): writes each revents; `timeout` in ms (negative: forever). */
  poll(fds: PollFd[], timeout: number): SysResult {
    return this.run(() => sysPoll(this.task, fds, timeout));
  }

  /** select(2): the FdSets are changed in place to the ready descriptors; null timeout waits forever. */
  select(
    nfds: number,
    readfds: FdSet | null,
    writefds: FdSet | null,
    exceptfds: FdSet | null,
    timeout: Timeval | null = null,
  ): SysResult {
    return this.run(() => sysSelect(this.task, nfds, readfds, writefds, exceptfds, timeout));
  }

  /** eventfd2(initval, flags): EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE. */
  eventfd(initval: number, flags = 0): number {
    return this.run(() => sysEventfd2(this.task, initval, flags)) as number;
  }
}

function check(name: string, r: number): number {
  if (r < 0) throw new SyscallError(name, -r);
  return r;
}

function checkAsync(name: string, r: SysResult): Promise<number> {
  if (typeof r === "number") return r < 0 ? Promise.reject(new SyscallError(name, -r)) : Promise.resolve(r);
  return r.then((v) => check(name, v));
}

/** The throwing form: failures throw SyscallError with Linux's errno. */
export class Sys {
  /** The raw form of every call: results >= 0 or -errno, synchronous unless the call sleeps. */
  readonly raw: RawSys;

  constructor(task: Process) {
    this.raw = new RawSys(task);
  }

  getpid(): number {
    return this.raw.getpid();
  }
  getppid(): number {
    return this.raw.getppid();
  }
  getuid(): number {
    return this.raw.getuid();
  }
  getgid(): number {
    return this.raw.getgid();
  }
  /** See RawSys.fork: the child runs `main`, sharing every open file; returns the child's pid. */
  fork(main: ProcessMain): number {
    return check("fork", this.raw.fork(main));
  }
  waitpid(pid: number, statusOut?: StatusOut | null, options = 0): Promise<number> {
    return checkAsync("waitpid", this.raw.waitpid(pid, statusOut, options));
  }
  kill(pid: number, sig: number): number {
    return check("kill", this.raw.kill(pid, sig));
  }
  /** Returns the previous disposition. */
  signal(sig: number, disposition: SignalDisposition): SignalDisposition {
    const old: { disposition?: SignalDisposition } = {};
    check("signal", this.raw.signal(sig, disposition, old));
    return old.disposition!;
  }
  exit(code = 0): never {
    return this.raw.exit(code);
  }
  getrlimit(resource: number): Rlimit {
    const out: Rlimit = { rlim_cur: 0, rlim_max: 0 };
    check("getrlimit", this.raw.getrlimit(resource, out));
    return out;
  }
  setrlimit(resource: number, lim: Rlimit): number {
    return check("setrlimit", this.raw.setrlimit(resource, lim));
  }
  umask(mask: number): number {
    return this.raw.umask(mask);
  }
  unlink(path: string): number {
    return check("unlink", this.raw.unlink(path));
  }
  chmod(path: string, mode: number): number {
    return check("chmod", this.raw.chmod(path, mode));
  }
  clock_gettime(clockid: number): number {
    return check("clock_gettime", this.raw.clock_gettime(clockid));
  }
  nanosleep(ns: number): Promise<number> {
    return checkAsync("nanosleep", this.raw.nanosleep(ns));
  }

  read(fd: number, buf: Uint8Array): Promise<number> {
    return checkAsync("read", this.raw.read(fd, buf));
  }
  write(fd: number, buf: Uint8Array): Promise<number> {
    return checkAsync("write", this.raw.write(fd, buf));
  }
  close(fd: number): Promise<number> {
    return checkAsync("close", this.raw.close(fd));
  }
  dup(oldfd: number): number {
    return check("dup", this.raw.dup(oldfd));
  }
  dup2(oldfd: number, newfd: number): Promise<number> {
    return checkAsync("dup2", this.raw.dup2(oldfd, newfd));
  }
  dup3(oldfd: number, newfd: number, flags: number): Promise<number> {
    return checkAsync("dup3", this.raw.dup3(oldfd, newfd, flags));
  }
  fcntl(fd: number, cmd: number, arg = 0): number {
    return check("fcntl", this.raw.fcntl(fd, cmd, arg));
  }
  ioctl(fd: number, request: number, arg = 0): number {
    return check("ioctl", this.raw.ioctl(fd, request, arg));
  }

  socket(domain: number, type: number, protocol = 0): number {
    return check("socket", this.raw.socket(domain, type, protocol));
  }
  socketpair(domain: number, type: number, protocol = 0): [number, number] {
    const sv: number[] = [];
    check("socketpair", this.raw.socketpair(domain, type, protocol, sv));
    return [sv[0], sv[1]];
  }
  bind(fd: number, addr: SockAddr): number {
    return check("bind", this.raw.bind(fd, addr));
  }
  listen(fd: number, backlog: number): number {
    return check("listen", this.raw.listen(fd, backlog));
  }
  accept(fd: number, addrOut?: AddrOut | null): Promise<number> {
    return checkAsync("accept", this.raw.accept(fd, addrOut));
  }
  accept4(fd: number, addrOut: AddrOut | null | undefined, flags: number): Promise<number> {
    return checkAsync("accept4", this.raw.accept4(fd, addrOut, flags));
  }
  connect(fd: number, addr: SockAddr): Promise<number> {
    return checkAsync("connect", this.raw.connect(fd, addr));
  }
  send(fd: number, buf: Uint8Array, flags = 0): Promise<number> {
    return checkAsync("send", this.raw.send(fd, buf, flags));
  }
  recv(fd: number, buf: Uint8Array, flags = 0): Promise<number> {
    return checkAsync("recv", this.raw.recv(fd, buf, flags));
  }
  sendto(fd: number, buf: Uint8Array, flags: number, addr: SockAddr | null): Promise<number> {
    return checkAsync("sendto", this.raw.sendto(fd, buf, flags, addr));
  }
  recvfrom(fd: number, buf: Uint8Array, flags: number, addrOut?: AddrOut | null): Promise<number> {
    return checkAsync("recvfrom", this.raw.recvfrom(fd, buf, flags, addrOut));
  }
  sendmsg(fd: number, msg: MsgHdr, flags = 0): Promise<number> {
    return checkAsync("sendmsg", this.raw.sendmsg(fd, msg, flags));
  }
  recvmsg(fd: number, msg: MsgHdr, flags = 0): Promise<number> {
    return checkAsync("recvmsg", this.raw.recvmsg(fd, msg, flags));
  }
  shutdown(fd: number, how: number): number {
    return check("shutdown", this.raw.shutdown(fd, how));
  }
  getsockname(fd: number): SockAddr {
    const out: AddrOut = {};
    check("getsockname", this.raw.getsockname(fd, out));
    return out.addr!;
  }
  getpeername(fd: number): SockAddr {
    const out: AddrOut = {};
    check("getpeername", this.raw.getpeername(fd, out));
    return out.addr!;
  }
  getsockopt(fd: number, level: number, optname: number): OptVal {
    const out: OptOut = {};
    check("getsockopt", this.raw.getsockopt(fd, level, optname, out));
    return out.value!;
  }
  setsockopt(fd: number, level: number, optname: number, optval: OptVal): number {
    return check("setsockopt", this.raw.setsockopt(fd, level, optname, optval));
  }

  epoll_create(size: number): number {
    return check("epoll_create", this.raw.epoll_create(size));
  }
  epoll_create1(flags = 0): number {
    return check("epoll_create1", this.raw.epoll_create1(flags));
  }
  epoll_ctl(epfd: number, op: number, fd: number, event?: EpollEvent | null): number {
    return check("epoll_ctl", this.raw.epoll_ctl(epfd, op, fd, event));
  }
  epoll_wait(epfd: number, events: EpollEvent[], maxevents: number, timeout: number): Promise<number> {
    return checkAsync("epoll_wait", this.raw.epoll_wait(epfd, events, maxevents, timeout));
  }
  poll(fds: PollFd[], timeout: number): Promise<number> {
    return checkAsync("poll", this.raw.poll(fds, timeout));
  }
  select(
    nfds: number,
    readfds: FdSet | null,
    writefds: FdSet | null,
    exceptfds: FdSet | null,
    timeout: Timeval | null = null,
  ): Promise<number> {
    return checkAsync("select", this.raw.select(nfds, readfds, writefds, exceptfds, timeout));
  }
  eventfd(initval: number, flags = 0): number {
    return check("eventfd", this.raw.eventfd(initval, flags));
  }
}
