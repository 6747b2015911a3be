// The Kernel: virtual time and its driver, the seeded generator, processes, socket families, the
// (socket-only) filesystem namespace, and the counters a leak check reads.
//
// Time. Two kinds of events move the simulation: precise one-shot events (a heap keyed by
// (time, seq); link deliveries, nanosleep) and protocol timers on the jiffies wheel (timers.ts).
// The driver repeatedly (1) lets every woken process run until it sleeps again, (2) jumps the
// clock to the earliest pending event, (3) runs the heap events due then and the wheel's due
// timers (heap events first at equal times). Processes are async functions, so (1) awaits one
// host macrotask turn, which drains every microtask chain; it is skipped when nothing was woken
// since the last turn. Same seed and same programs give the same run.

import type { Core } from "../core/wasm.js";
import { Clock, type ClockEvent, EventQueue, NSEC_PER_SEC } from "./clock.js";
import { SIGCHLD, SIGRTMAX } from "./constants.js";
import type { EpollStore } from "./epollstore.js";
import { EAGAIN, EINVAL, EPERM, ESRCH, SyscallError } from "./errno.js";
import type { EpollContext } from "./eventpoll.js";
import { FdTable } from "./fdtable.js";
import type { File, FileHost } from "./file.js";
import { macrotask } from "./macrotask.js";
import { Process, ProcessExit, type ProcessMain, type SpawnOptions } from "./process.js";
import { Rng } from "./rng.js";
import type { NetProtoFamily, Socket } from "./socket.js";
import { Capture, captureFile, stdinFile } from "./stdio.js";
import { Sys } from "./syscalls.js";
import { Timer, TimerWheel } from "./timers.js";
import { createUnixFamily, type UnixFamily } from "./unix/index.js";
import { Vfs } from "./vfs.js";

export interface KernelOptions {
  /** Seed of the kernel's random generator (default 1). */
  seed?: number;
  /** Timer wheel ticks per second (Linux CONFIG_HZ; default 1000: 1 ms jiffies). */
  hz?: number;
  /** CLOCK_REALTIME at virtual time 0, in ns (default 0: the Unix epoch). */
  realtimeEpochNs?: number;
  /** Called when a process's program throws something other than ProcessExit (it exits with 1). */
  onUncaught?: (proc: Process, err: unknown) => void;
  /** The Wasm core: epoll keeps its interest entries and ready lists there (World passes its own). */
  core?: Core;
}

/** Tunables, named after their /proc/sys paths. Defaults are Linux's. */
export interface Sysctl {
  net_core_somaxconn: number;
  net_core_rmem_default: number;
  net_core_wmem_default: number;
  net_core_rmem_max: number;
  net_core_wmem_max: number;
  /** net.unix.max_dgram_qlen: datagrams queued on an AF_UNIX receiver before senders wait. */
  net_unix_max_dgram_qlen: number;
  kernel_pid_max: number;
  fs_nr_open: number;
}

/** Raised by runUntil when nothing can happen any more but the condition is still false. */
export class StallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StallError";
  }
}

/** Linux RESERVED_PIDS: after wrapping, pid allocation restarts here. */
const RESERVED_PIDS = 300;
/** Host turns one settle may take while processes run without sleeping. */
const MAX_SETTLE_TURNS = 1000;
/** Host timeouts (>= 1 ms each) runUntil waits for a process running outside the kernel. */
const STALL_POLLS = 1000;
/** First inode number handed out (sockets, pipes, socket files); arbitrary. */
const FIRST_INO = 1000;

export class Kernel implements FileHost {
  readonly rng: Rng;
  readonly hz: number;
  readonly tickNs: number;
  readonly realtimeEpochNs: number;
  readonly clock = new Clock();
  readonly events = new EventQueue();
  readonly wheel: TimerWheel;
  readonly vfs: Vfs;
  readonly sysctl: Sysctl = {
    net_core_somaxconn: 4096,
    net_core_rmem_default: 212992,
    net_core_wmem_default: 212992,
    net_core_rmem_max: 212992,
    net_core_wmem_max: 212992,
    net_unix_max_dgram_qlen: 10,
    kernel_pid_max: 32768,
    fs_nr_open: 1048576,
  };
  readonly unix: UnixFamily;
  /** The process whose system call is executing right now (Linux `current`), or null. */
  current: Process | null = null;
  /** Open file descriptions (struct file) in existence. */
  nrFiles = 0;
  /** struct socket objects in existence (Linux sockets_in_use). */
  nrSockets = 0;
  /** System calls entered, all processes. */
  nrSyscalls = 0;
  /** Host macrotask turns the virtual-time driver has taken (its scheduling overhead). */
  turns = 0;
  /** The Wasm core, when the kernel has one. Without a core (and no epollStore) there is no epoll: ENOSYS. */
  readonly core: Core | null;
  /**
   * Where epoll keeps epitems and ready lists: the core's slab, made on the first epoll_create.
   * Tests and benchmarks may set the TypeScript twin (src/twin/epoll.ts) before that.
   */
  epollStore: EpollStore | null = null;
  /** @internal epoll's per-kernel state (eventpoll.ts). */
  epollCtx: EpollContext | null = null;

  private readonly procs = new Map<number, Process>();
  private lastPid = 0;
  private nextIno = FIRST_INO;
  private readonly families = new Map<number, NetProtoFamily>();
  private readonly onUncaught?: (proc: Process, err: unknown) => void;
  private wakeSeq = 0;
  private settledSeq = -1;
  private rtHandle: ReturnType<typeof setTimeout> | null = null;
  /** Bumped whenever the real-time schedule is re-armed or stopped (cancels a pending turn). */
  private rtGen = 0;
  private rtAt = Number.POSITIVE_INFINITY;

  constructor(opts: KernelOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
    this.hz = opts.hz ?? 1000;
    if (!Number.isInteger(this.hz) || this.hz <= 0 || NSEC_PER_SEC % this.hz !== 0) {
      throw new RangeError(`Kernel: hz must divide 1e9, got ${opts.hz}`);
    }
    this.tickNs = NSEC_PER_SEC / this.hz;
    this.realtimeEpochNs = opts.realtimeEpochNs ?? 0;
    this.onUncaught = opts.onUncaught;
    this.core = opts.core ?? null;
    this.wheel = new TimerWheel(this.tickNs, () => this.clock.now());
    this.vfs = new Vfs(() => this.allocIno());
    this.unix = createUnixFamily(this);
    this.registerFamily(this.unix);
  }

  // ---- time ----

  /** Virtual time in nanoseconds. */
  now(): number {
    return this.clock.now();
  }

  /** Linux jiffies: completed ticks. */
  jiffies(): number {
    return Math.floor(this.clock.now() / this.tickNs);
  }

  /** A new (unarmed) timer on the kernel's wheel. Arm with `mod(expiresNs)`. */
  timer(callback: (t: Timer) => void, name = ""): Timer {
    return new Timer(this.wheel, callback, name);
  }

  /** Run `fn` at virtual time `atNs` (a past time means "now", after the current work). */
  schedule(atNs: number, fn: () => void): ClockEvent {
    const ev = this.events.push(Math.max(atNs, this.clock.now()), fn);
    if (this.rtHandle !== null || this.clock.isRealtime) this.rtKick();
    return ev;
  }

  /** Run `fn` after `delayNs` of virtual time. */
  after(delayNs: number, fn: () => void): ClockEvent {
    return this.schedule(this.clock.now() + delayNs, fn);
  }

  /** Time of the next event or timer, or Infinity when nothing is pending. */
  nextEventTime(): number {
    const j = this.wheel.nextExpiry();
    return Math.min(this.events.peekTime(), j === Number.POSITIVE_INFINITY ? j : j * this.tickNs);
  }

  /** Move to `t` and run what is due then: heap events first, then the wheel's timers. */
  private step(t: number): void {
    this.clock.advanceTo(t);
    for (;;) {
      const ev = this.events.popUntil(t);
      if (!ev) break;
      ev.fire();
    }
    this.wheel.run(Math.floor(t / this.tickNs));
  }

  private setTime(t: number): void {
    this.clock.advanceTo(t);
    this.wheel.run(Math.floor(this.clock.now() / this.tickNs));
  }

  /** @internal a process was woken or started: the driver must let it run before moving time. */
  noteWake(): void {
    this.wakeSeq++;
  }

  /** Some process neither sleeps in the kernel nor has exited. */
  private anyRunnable(): boolean {
    for (const p of this.procs.values()) if (p.state === "R" && !p.exiting) return true;
    return false;
  }

  /**
   * Let every woken process run until it sleeps or exits. One macrotask turn drains all
   * microtasks; more turns only while a process is still running and making system calls
   * (it awaits something outside the kernel, e.g. another process's `exited`).
   */
  private async settle(force = false): Promise<void> {
    if (!force && this.wakeSeq === this.settledSeq) return;
    for (let turn = 0; ; turn++) {
      this.settledSeq = this.wakeSeq;
      const calls = this.nrSyscalls;
      await macrotask();
      this.turns++;
      if (!this.anyRunnable()) return;
      if (this.nrSyscalls === calls && this.wakeSeq === this.settledSeq) return;
      // A process that keeps running without ever sleeping (polling through host timers) does
      // not stop the clock: after this many turns time moves on, as it would on a real CPU.
      if (turn >= MAX_SETTLE_TURNS) return;
    }
  }

  private assertVirtual(): void {
    if (this.clock.isRealtime)
      throw new Error("wirestack: the virtual-time driver is not usable in real-time mode");
  }

  /** Run until no event or timer is left (or `maxNs` of virtual time has passed). */
  async runUntilIdle(opts: { maxNs?: number } = {}): Promise<void> {
    this.assertVirtual();
    const limit = opts.maxNs === undefined ? Number.POSITIVE_INFINITY : this.now() + opts.maxNs;
    await this.settle(true);
    for (;;) {
      const t = this.nextEventTime();
      if (t === Number.POSITIVE_INFINITY) break;
      if (t > limit) {
        this.setTime(limit);
        break;
      }
      this.step(t);
      await this.settle();
    }
    await this.settle();
  }

  /** Run everything due in the next `ns` of virtual time; the clock ends exactly `ns` later. */
  async advance(ns: number): Promise<void> {
    this.assertVirtual();
    const target = this.now() + ns;
    await this.settle(true);
    for (;;) {
      const t = this.nextEventTime();
      if (t > target) break;
      this.step(t);
      await this.settle();
    }
    this.setTime(target);
    await this.settle();
  }

  /**
   * Run until `until` (a promise, or a predicate) is satisfied and return the promise's value.
   * Throws StallError if nothing is left to happen first, or an Error after `timeoutNs`.
   */
  async runUntil<T>(
    until: Promise<T> | (() => boolean),
    opts: { timeoutNs?: number } = {},
  ): Promise<T | undefined> {
    this.assertVirtual();
    let done = false;
    let failed = false;
    let value: T | undefined;
    let error: unknown;
    const isPromise = typeof until !== "function";
    if (isPromise) {
      until.then(
        (v) => {
          done = true;
          value = v;
        },
        (e) => {
          done = true;
          failed = true;
          error = e;
        },
      );
    }
    const check = () => (isPromise ? done : (until as () => boolean)());
    const deadline = opts.timeoutNs === undefined ? Number.POSITIVE_INFINITY : this.now() + opts.timeoutNs;
    await this.settle(true);
    for (;;) {
      if (isPromise) await null;
      if (check()) break;
      const t = this.nextEventTime();
      if (t === Number.POSITIVE_INFINITY) {
        await this.settle(true); // a last full turn before declaring a stall
        // A process still running awaits something outside the kernel (a host timer, real
        // I/O): give the host some time before calling it a stall.
        for (let i = 0; i < STALL_POLLS && this.anyRunnable() && !check(); i++) {
          if (this.nextEventTime() !== Number.POSITIVE_INFINITY) break;
          await new Promise((r) => setTimeout(r, 1));
        }
        if (check()) break;
        if (this.nextEventTime() === Number.POSITIVE_INFINITY) throw new StallError(this.stallReport());
        continue;
      }
      if (t > deadline) {
        this.setTime(deadline);
        throw new Error(`wirestack: runUntil timed out after ${opts.timeoutNs} ns of virtual time`);
      }
      this.step(t);
      await this.settle();
    }
    if (failed) throw error;
    return value;
  }

  private stallReport(): string {
    const lines = [...this.procs.values()]
      .filter((p) => p.state !== "Z")
      .map((p) => `  pid ${p.pid} (${p.name}) ${p.state}${p.wchan ? ` in ${p.wchan}` : ""}`);
    return `wirestack: nothing left to run at t=${this.now()} ns, condition not met${lines.length ? `:\n${lines.join("\n")}` : ""}`;
  }

  /**
   * Real-time driver: from now on the virtual clock follows performance.now() and due events fire
   * from host timeouts (for bridges to the real network). runUntil/advance are unavailable meanwhile.
   */
  startRealtime(): void {
    if (this.clock.isRealtime) return;
    this.clock.setRealtime(true);
    this.wheel.onArm = () => this.rtKick();
    this.rtArm();
  }

  stopRealtime(): void {
    this.rtGen++;
    if (this.rtHandle !== null) clearTimeout(this.rtHandle);
    this.rtHandle = null;
    this.rtAt = Number.POSITIVE_INFINITY;
    this.wheel.onArm = null;
    this.clock.setRealtime(false);
  }

  private rtKick(): void {
    if (!this.clock.isRealtime) return;
    if (this.nextEventTime() < this.rtAt) this.rtArm();
  }

  private rtArm(): void {
    if (this.rtHandle !== null) clearTimeout(this.rtHandle);
    this.rtHandle = null;
    this.rtGen++;
    const t = this.nextEventTime();
    this.rtAt = t;
    if (t === Number.POSITIVE_INFINITY) return;
    const delayMs = Math.max(0, (t - this.clock.now()) / 1e6);
    if (delayMs < 1) {
      // Due now (or within a millisecond): a host timer would wait at least 1 ms (Node clamps
      // setTimeout(0) to 1 ms, browsers to 4), which idles a real-time bridge; take the next
      // event-loop turn instead. rtGen cancels it if the schedule changes first.
      const gen = this.rtGen;
      void macrotask().then(() => {
        if (gen === this.rtGen) this.rtFire();
      });
      return;
    }
    this.rtHandle = setTimeout(() => this.rtFire(), delayMs);
  }

  private rtFire(): void {
    this.rtHandle = null;
    this.rtAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (;;) {
      const t = this.nextEventTime();
      if (t > now) break;
      this.step(t);
    }
    if (this.clock.isRealtime) this.rtArm();
  }

  // ---- processes ----

  /** @internal run `fn` with `task` as the current process (signals it raises wait for the syscall's return). */
  asCurrent<T>(task: Process, fn: () => T): T {
    const prev = this.current;
    this.current = task;
    try {
      return fn();
    } finally {
      this.current = prev;
    }
  }

  private allocPid(): number {
    const max = this.sysctl.kernel_pid_max;
    let pid = this.lastPid;
    for (let tries = 0; tries < max; tries++) {
      pid++;
      if (pid >= max) pid = RESERVED_PIDS;
      if (!this.procs.has(pid)) {
        this.lastPid = pid;
        return pid;
      }
    }
    return -EAGAIN;
  }

  /**
   * Start a process. Pids come from a per-kernel counter starting at 1 (there is no init: processes
   * started here have ppid 0, as if the kernel were their parent, and are reaped as soon as they
   * exit). Descriptors 0, 1, 2 are stdin (at end of file) and captured stdout/stderr.
   */
  spawn(name: string, main: ProcessMain): Process;
  spawn(name: string, opts: SpawnOptions, main: ProcessMain): Process;
  spawn(name: string, a: SpawnOptions | ProcessMain, b?: ProcessMain): Process {
    const opts = typeof a === "function" ? {} : a;
    const main = typeof a === "function" ? a : b!;
    const pid = this.allocPid();
    if (pid < 0) throw new SyscallError("fork", -pid);
    const files = new FdTable();
    const stdout = new Capture();
    const stderr = new Capture();
    const uid = opts.uid ?? 0;
    const p = new Process(this, pid, 0, name, uid, opts.gid ?? uid, files, { stdout, stderr });
    const std = [stdinFile(this), captureFile(this, stdout), captureFile(this, stderr)];
    for (const f of std) files.install(files.alloc(0, p.rlimitNofile.rlim_cur), f, false);
    this.start(p, main);
    return p;
  }

  /** @internal sys.fork(): a child sharing the parent's open files. */
  fork(parent: Process, main: ProcessMain): number {
    const pid = this.allocPid();
    if (pid < 0) return pid;
    const files = parent.files.clone();
    const captureOf = (fd: number, fallback: Capture) => {
      const f = files.lookup(fd);
      return f && f.priv instanceof Capture ? f.priv : fallback;
    };
    const child = new Process(this, pid, parent.pid, parent.name, parent.uid, parent.gid, files, {
      stdout: captureOf(1, new Capture()),
      stderr: captureOf(2, new Capture()),
    });
    child.umask = parent.umask;
    child.netns = parent.netns;
    child.rlimitNofile.rlim_cur = parent.rlimitNofile.rlim_cur;
    child.rlimitNofile.rlim_max = parent.rlimitNofile.rlim_max;
    child.dispositions = new Map(parent.dispositions);
    parent.children.add(child);
    this.start(child, main);
    return pid;
  }

  private start(p: Process, main: ProcessMain): void {
    p.sys = new Sys(p);
    this.procs.set(p.pid, p);
    this.noteWake();
    Promise.resolve()
      .then(() => main(p.sys))
      .then(
        (code) => p.exit(typeof code === "number" ? code : 0),
        (err) => {
          if (err instanceof ProcessExit && err.pid === p.pid) {
            p.exit(err.code, err.signal);
            return;
          }
          if (!p.exiting) {
            p.error = err;
            this.onUncaught?.(p, err);
          }
          p.exit(1);
        },
      );
  }

  /** @internal Linux exit_notify(): reparent children, tell the parent or reap. */
  processExited(p: Process): void {
    for (const c of p.children) {
      c.ppid = 0;
      if (c.state === "Z") this.reap(c);
    }
    p.children.clear();
    const parent = p.ppid !== 0 ? this.procs.get(p.ppid) : undefined;
    if (!parent || parent.exiting || parent.disposition(SIGCHLD) === "ignore") {
      // No one will wait (or SIGCHLD is explicitly ignored, which auto-reaps as in Linux).
      this.reap(p);
      return;
    }
    parent.signal(SIGCHLD);
    parent.childWait.wakeAll();
  }

  /** @internal remove a zombie from the process table. */
  reap(p: Process): void {
    if (p.reaped) return;
    p.reaped = true;
    this.procs.delete(p.pid);
    this.procs.get(p.ppid)?.children.delete(p);
  }

  /** A live or zombie process by pid. */
  process(pid: number): Process | undefined {
    return this.procs.get(pid);
  }

  /** Processes in the table (running, sleeping, zombies not yet reaped), by pid. */
  processes(): Process[] {
    return [...this.procs.values()].sort((a, b) => a.pid - b.pid);
  }

  /** @internal kill(2) permission and delivery. */
  killFrom(sender: Process | null, pid: number, sig: number): number {
    if (!Number.isInteger(sig) || sig < 0 || sig > SIGRTMAX) return -EINVAL;
    if (!Number.isInteger(pid)) return -EINVAL;
    const allowed = (t: Process) => !sender || sender.uid === 0 || sender.uid === t.uid;
    if (pid > 0) {
      const t = this.procs.get(pid);
      if (!t) return -ESRCH;
      if (!allowed(t)) return -EPERM;
      if (sig !== 0) t.signal(sig);
      return 0;
    }
    if (pid === -1) {
      const targets = [...this.procs.values()].filter((t) => t !== sender && allowed(t));
      if (targets.length === 0) return -ESRCH;
      if (sig !== 0) for (const t of targets) t.signal(sig);
      return 0;
    }
    return -ESRCH; // process groups are not modelled
  }

  /** Send a signal from outside any process (no permission check). Throws SyscallError ESRCH/EINVAL. */
  kill(pid: number, sig: number): void {
    const r = this.killFrom(null, pid, sig);
    if (r < 0) throw new SyscallError("kill", -r);
  }

  // ---- families and files ----

  /** Register a socket family (AF_UNIX is built in; AF_INET is added by the network stack). */
  registerFamily(impl: NetProtoFamily): void {
    this.families.set(impl.family, impl);
  }

  netFamily(family: number): NetProtoFamily | undefined {
    return this.families.get(family);
  }

  allocIno(): number {
    return this.nextIno++;
  }

  fileOpened(_f: File): void {
    this.nrFiles++;
  }

  fileReleased(_f: File): void {
    this.nrFiles--;
  }

  /** @internal */
  socketAllocated(_s: Socket): void {
    this.nrSockets++;
  }

  /** @internal */
  socketFreed(_s: Socket): void {
    this.nrSockets--;
  }

  /**
   * Counters for leak checks: open files, sockets, processes in the table, pending timers and
   * events, and each family's own counters.
   */
  stats(): Record<string, number> {
    const out: Record<string, number> = {
      processes: this.procs.size,
      files: this.nrFiles,
      sockets: this.nrSockets,
      timers: this.wheel.size,
      events: this.events.size,
    };
    for (const f of this.families.values()) Object.assign(out, f.stats?.() ?? {});
    // epoll instances + epitems alive in the store (only once epoll has been used).
    if (this.epollStore) out.epollCells = this.epollStore.cellsInUse();
    return out;
  }
}
