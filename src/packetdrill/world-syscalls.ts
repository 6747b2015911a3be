// packetdrill syscall lines onto a wirestack process's raw syscalls (sys.raw.*: >= 0 or -errno,
// synchronous unless the call sleeps). This module turns the runner's Values into the kernel's
// argument shapes (buffers of zeros for `...`, the settings' addresses for `...` sockaddrs, option
// values from `[1]` / `{l_onoff=1, l_linger=0}`) and the results back into SyscallOutcomes with the
// values the call wrote into its output arguments.
//
// poll() and the epoll calls are the kernel's.
import { AF_INET, FIONREAD, SIOCINQ, SIOCOUTQ, SOL_IP, SOL_SOCKET, SOL_TCP } from "../kernel/constants.js";
import type { EpollEvent } from "../kernel/eventpoll.js";
import type { Process } from "../kernel/process.js";
import type { PollFd } from "../kernel/select.js";
import type { Cmsg, MsgHdr, SockAddr } from "../kernel/socket.js";
import type { OptOut, OptVal } from "../kernel/sockopt.js";
import type { RawSys } from "../kernel/syscalls.js";
import type { EngineSettings, StructField, SyscallCall, SyscallOutcome, Value } from "./engine.js";

/** A call's result before it is known: a number now, or a promise of one; `out` reads the out-params. */
export interface Pending {
  ret: number | Promise<number>;
  out?: (ret: number) => Record<number, Value> | undefined;
  unsupported?: string;
}

class Unsupported extends Error {}

const int = (value: number): Value => ({ kind: "int", value });

function intArg(v: Value | undefined, what: string): number {
  if (v && v.kind === "int") return v.value;
  if (v && v.kind === "array" && v.items.length === 1 && v.items[0].kind === "int") return v.items[0].value;
  throw new Unsupported(`${what} must be an integer`);
}

function field(v: Value, name: string, index = -1): Value | undefined {
  if (v.kind !== "struct") return undefined;
  const named = v.fields.find((f) => f.name === name);
  if (named) return named.value;
  // `{..., 40}`: unnamed members by position
  const f = index >= 0 ? v.fields[index] : undefined;
  return f && f.name === null ? f.value : undefined;
}

/** A user buffer of `len` bytes: `...` (zeros, as packetdrill's), or NULL (a bad pointer: EFAULT). */
function buffer(v: Value | undefined, len: number): Uint8Array {
  if (v && v.kind === "int" && v.value === 0) return null as unknown as Uint8Array; // NULL
  if (v && v.kind === "str") return new TextEncoder().encode(v.value).slice(0, len);
  return new Uint8Array(Math.max(0, len));
}

/** The iovec lengths of a msghdr's msg_iov (the buffers are zeros). */
function iovOf(msg: Value): Uint8Array[] {
  const iov = field(msg, "msg_iov");
  if (!iov || iov.kind === "any") return [];
  if (iov.kind !== "array") throw new Unsupported("msg_iov must be an array");
  return iov.items.map((it) => {
    const len = field(it, "iov_len", 1);
    if (len?.kind !== "int") throw new Unsupported("iov_len must be an integer");
    return buffer(field(it, "iov_base", 0), len.value);
  });
}

/** An option value for setsockopt: an int (`[1]`, `1`), struct linger or struct timeval. */
function optVal(v: Value): OptVal {
  if (v.kind === "int") return v.value;
  if (v.kind === "array" && v.items.length === 1 && v.items[0].kind === "int") return v.items[0].value;
  if (v.kind === "struct") {
    const get = (n: string) => {
      const f = field(v, n);
      if (f?.kind !== "int") throw new Unsupported(`option field ${n} must be an integer`);
      return f.value;
    };
    if (field(v, "l_onoff")) return { l_onoff: get("l_onoff"), l_linger: get("l_linger") };
    if (field(v, "tv_sec")) return { tv_sec: get("tv_sec"), tv_usec: get("tv_usec") };
  }
  throw new Unsupported("this option value");
}

/** The value getsockopt wrote, as the script writes it. */
function optOutValue(v: OptVal | undefined): Value {
  if (typeof v === "number") return { kind: "array", items: [int(v >>> 0 === v ? v : v | 0)] };
  if (typeof v === "boolean") return { kind: "array", items: [int(v ? 1 : 0)] };
  if (v && typeof v === "object") {
    const fields: StructField[] = Object.entries(v).map(([name, x]) => ({
      name,
      args: null,
      value: int(Number(x)),
    }));
    return { kind: "struct", fields };
  }
  return { kind: "any" };
}

/** Control messages as the script writes them: [{cmsg_level=..., cmsg_type=..., cmsg_data=...}]. */
function cmsgArray(control: readonly Cmsg[]): Value {
  return {
    kind: "array",
    items: control.map((c) => {
      if (typeof c.data !== "number") throw new Unsupported("control messages with byte data");
      const fields: StructField[] = [
        { name: "cmsg_level", args: null, value: int(c.level) },
        { name: "cmsg_type", args: null, value: int(c.type) },
        { name: "cmsg_data", args: null, value: int(c.data) },
      ];
      return { kind: "struct", fields };
    }),
  };
}

function optLen(v: OptVal | undefined): number {
  if (v && typeof v === "object") return "tv_sec" in v ? 16 : 8;
  return 4;
}

/** Syscalls of one process for the runner. */
export class ScriptSyscalls {
  constructor(
    private readonly proc: Process,
    private readonly settings: () => EngineSettings,
  ) {}

  private get sys(): RawSys {
    return this.proc.sys.raw;
  }

  private sockaddr(v: Value | undefined, which: "bind" | "connect"): SockAddr | null {
    const s = this.settings();
    if (!v || v.kind === "any")
      return which === "bind"
        ? { family: AF_INET, addr: s.localIp, port: s.bindPort }
        : { family: AF_INET, addr: s.remoteIp, port: s.connectPort };
    if (v.kind === "int" && v.value === 0) return null;
    const port = field(v, "sin_port");
    const addr = field(v, "sin_addr");
    if (port?.kind === "int" && addr?.kind === "addr" && addr.family === 4)
      return { family: AF_INET, addr: addr.value, port: port.value };
    throw new Unsupported("this socket address");
  }

  /** Start a call; throws Unsupported for what this mapping does not model. */
  start(c: SyscallCall): Pending {
    try {
      return this.dispatch(c);
    } catch (e) {
      if (e instanceof Unsupported) return { ret: 0, unsupported: e.message };
      throw e;
    }
  }

  private dispatch(c: SyscallCall): Pending {
    const a = c.args;
    const sys = this.sys;
    const fd = () => intArg(a[0], "fd");
    switch (c.name) {
      case "socket": {
        const domain = a[0]?.kind === "any" ? AF_INET : intArg(a[0], "domain");
        const proto = a[2]?.kind === "any" || a[2] === undefined ? 0 : intArg(a[2], "protocol");
        return { ret: sys.socket(domain, intArg(a[1], "type"), proto) };
      }
      case "bind": {
        const addr = this.sockaddr(a[1], "bind");
        return { ret: sys.bind(fd(), addr as SockAddr) };
      }
      case "listen":
        return { ret: sys.listen(fd(), intArg(a[1], "backlog")) };
      case "accept":
      case "accept4": {
        const out: { addr?: SockAddr | null } = {};
        const flags = c.name === "accept4" ? intArg(a[3], "flags") : 0;
        return { ret: sys.accept4(fd(), out, flags) };
      }
      case "connect":
        return { ret: sys.connect(fd(), this.sockaddr(a[1], "connect") as SockAddr) };
      case "write":
        return { ret: sys.write(fd(), buffer(a[1], intArg(a[2], "count"))) };
      case "read":
        return { ret: sys.read(fd(), buffer(a[1], intArg(a[2], "count"))) };
      case "send":
        return { ret: sys.send(fd(), buffer(a[1], intArg(a[2], "len")), intArg(a[3], "flags")) };
      case "recv":
        return { ret: sys.recv(fd(), buffer(a[1], intArg(a[2], "len")), intArg(a[3], "flags")) };
      case "sendto": {
        const dest = a[4] && a[4].kind !== "any" ? this.sockaddr(a[4], "connect") : null;
        return {
          ret: sys.sendto(fd(), buffer(a[1], intArg(a[2], "len")), intArg(a[3], "flags"), dest),
        };
      }
      case "recvfrom":
        return {
          ret: sys.recvfrom(fd(), buffer(a[1], intArg(a[2], "len")), intArg(a[3], "flags"), {}),
        };
      case "sendmsg":
      case "recvmsg": {
        const m = a[1];
        if (m?.kind !== "struct") throw new Unsupported(`${c.name} needs a msghdr`);
        const ctl = field(m, "msg_control");
        const wantsControl = ctl !== undefined && ctl.kind === "array" && ctl.items.length > 0;
        if (ctl && ctl.kind !== "any" && ctl.kind !== "array") throw new Unsupported("msg_control");
        if (c.name === "sendmsg" && wantsControl) throw new Unsupported("control messages (cmsg) to send");
        const msg: MsgHdr = { iov: iovOf(m), name: null, flags: 0 };
        // a script that expects control messages gives recvmsg a control buffer
        if (wantsControl) msg.control = [];
        const flags = intArg(a[2], "flags");
        if (c.name === "sendmsg") return { ret: sys.sendmsg(fd(), msg, flags) };
        return {
          ret: sys.recvmsg(fd(), msg, flags),
          out: (r) => {
            if (r < 0) return undefined;
            // the script's inputs (msg_name, msg_iov) are echoed; msg_flags and msg_control are the call's
            const fields: StructField[] = m.fields.filter(
              (f) => f.name !== "msg_flags" && f.name !== "msg_control",
            );
            fields.push({ name: "msg_flags", args: null, value: int(msg.flags ?? 0) });
            if (msg.control) fields.push({ name: "msg_control", args: null, value: cmsgArray(msg.control) });
            return { 1: { kind: "struct", fields } };
          },
        };
      }
      case "close":
        return { ret: sys.close(fd()) };
      case "shutdown":
        return { ret: sys.shutdown(fd(), intArg(a[1], "how")) };
      case "fcntl":
        return { ret: sys.fcntl(fd(), intArg(a[1], "cmd"), a[2] ? intArg(a[2], "arg") : 0) };
      case "ioctl": {
        const req = intArg(a[1], "request");
        if (req !== SIOCINQ && req !== FIONREAD && req !== SIOCOUTQ)
          throw new Unsupported(`ioctl request ${req}`);
        const r = sys.ioctl(fd(), req, 0);
        return {
          ret: Math.min(r, 0),
          out: () => (r < 0 ? undefined : { 2: { kind: "array", items: [int(r)] } }),
        };
      }
      case "setsockopt": {
        const level = intArg(a[1], "level");
        if (level !== SOL_SOCKET && level !== SOL_TCP && level !== SOL_IP)
          throw new Unsupported(`setsockopt level ${level}`);
        return { ret: sys.setsockopt(fd(), level, intArg(a[2], "optname"), optVal(a[3])) };
      }
      case "getsockopt": {
        const level = intArg(a[1], "level");
        if (level !== SOL_SOCKET && level !== SOL_TCP && level !== SOL_IP)
          throw new Unsupported(`getsockopt level ${level}`);
        const out: OptOut = {};
        const r = sys.getsockopt(fd(), level, intArg(a[2], "optname"), out);
        return {
          ret: r,
          out: () =>
            r < 0
              ? undefined
              : { 3: optOutValue(out.value), 4: { kind: "array", items: [int(optLen(out.value))] } },
        };
      }
      case "poll":
        return this.poll(a);
      case "epoll_create":
        return { ret: sys.epoll_create(intArg(a[0], "size")) };
      case "epoll_create1":
        return { ret: sys.epoll_create1(intArg(a[0], "flags")) };
      case "epoll_ctl":
        return {
          ret: sys.epoll_ctl(fd(), intArg(a[1], "op"), intArg(a[2], "fd"), this.epollEvent(a[3])),
        };
      case "epoll_wait":
        return this.epollWait(a);
      default:
        throw new Unsupported(`the ${c.name}() system call`);
    }
  }

  /** poll(fds, nfds, timeout_ms): the kernel's poll; the pollfd array comes back with revents. */
  private poll(a: Value[]): Pending {
    const list = a[0];
    if (list?.kind !== "array") throw new Unsupported("poll() needs a pollfd array");
    const fds: PollFd[] = list.items.map((it) => ({
      fd: intArg(field(it, "fd"), "pollfd.fd"),
      events: intArg(field(it, "events"), "pollfd.events"),
      revents: 0,
    }));
    const out = (): Record<number, Value> => ({
      0: {
        kind: "array",
        items: fds.map((p) => ({
          kind: "struct",
          fields: [
            { name: "fd", args: null, value: int(p.fd) },
            { name: "events", args: null, value: int(p.events) },
            { name: "revents", args: null, value: int(p.revents) },
          ],
        })),
      },
    });
    return { ret: this.sys.poll(fds, intArg(a[2], "timeout")), out: (r) => (r < 0 ? undefined : out()) };
  }

  /** The epoll_event an epoll_ctl line describes: `{events=..., fd=N}` (data.fd) or `ptr=`/`u32=`/`u64=`. */
  private epollEvent(v: Value | undefined): EpollEvent | null {
    if (!v || (v.kind === "int" && v.value === 0)) return null;
    if (v.kind !== "struct") throw new Unsupported("this epoll_event");
    const events = intArg(field(v, "events"), "epoll_event.events");
    const data = field(v, "fd") ?? field(v, "ptr") ?? field(v, "u32") ?? field(v, "u64");
    return { events, data: data?.kind === "int" ? data.value : 0 };
  }

  /**
   * epoll_wait(epfd, events, maxevents, timeout): the events array comes back as the script writes it
   * (one struct, or an array of them), each with `events` and the data as `fd`.
   */
  private epollWait(a: Value[]): Pending {
    const events: EpollEvent[] = [];
    const shape = a[1];
    const asStruct = (e: EpollEvent): Value => ({
      kind: "struct",
      fields: [
        { name: "events", args: null, value: int(e.events) },
        { name: "fd", args: null, value: int(e.data) },
      ],
    });
    const out = (r: number): Record<number, Value> | undefined => {
      if (r <= 0) return undefined;
      if (shape?.kind === "array") return { 1: { kind: "array", items: events.slice(0, r).map(asStruct) } };
      return { 1: asStruct(events[0]) };
    };
    const ret = this.sys.epoll_wait(
      intArg(a[0], "epfd"),
      events,
      intArg(a[2], "maxevents"),
      intArg(a[3], "timeout"),
    );
    return { ret, out };
  }
}

export function outcome(ret: number, out?: Record<number, Value>): SyscallOutcome {
  if (ret < 0) return { ret: -1, errno: -ret, ...(out ? { out } : {}) };
  return { ret, ...(out ? { out } : {}) };
}
