// Processes: a pid, credentials, an fd table, signal dispositions, and a state that says whether
// the process is running or sleeping on a wait queue (and on what). A process's program is an
// async function; a blocking system call is a Promise the kernel settles when a wait queue wakes
// it.

import {
  O_CLOEXEC,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  SIGSTOP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
  SIGURG,
  SIGWINCH,
} from "./constants.js";
import type { FdTable } from "./fdtable.js";
import type { File, SysResult } from "./file.js";
import type { Kernel } from "./kernel.js";
import { Capture } from "./stdio.js";
import type { Sys } from "./syscalls.js";
import type { Timer } from "./timers.js";
import { MAX_SCHEDULE_TIMEOUT, type Sleeper, WAKE_KILL, WAKE_SIGNAL, WAKE_TIMEOUT } from "./wait.js";
import { WaitQueue } from "./waitqueue.js";

/** Linux /proc/<pid>/stat state letters we use: running, sleeping (interruptible), zombie. */
export type ProcState = "R" | "S" | "Z";

/** What a signal does when delivered: the default action, nothing, or a handler. */
export type SignalDisposition = "default" | "ignore" | ((sig: number) => void);

/** The program of a process: gets the syscall object, returns the exit code. */
// biome-ignore lint/suspicious/noConfusingVoidType: a program may simply return nothing
export type ProcessMain = (sys: Sys) => Promise<number | undefined | void> | number | undefined | void;

export interface SpawnOptions {
  uid?: number;
  gid?: number;
}

/** Linux INR_OPEN_CUR / INR_OPEN_MAX: the default RLIMIT_NOFILE. */
export const NOFILE_SOFT_DEFAULT = 1024;
export const NOFILE_HARD_DEFAULT = 4096;

/** Signals whose default action is to do nothing (Linux SIG_KERNEL_IGNORE_MASK). */
const DEFAULT_IGNORE = new Set([SIGCHLD, SIGURG, SIGWINCH, SIGCONT]);
/** Job-control stop signals: not modelled (recorded, no effect). */
const STOP_SIGNALS = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);

/**
 * Thrown inside a process's program to unwind it once the process has exited (exit(), a fatal
 * signal, or a kill while it was blocked). Not a SyscallError: do not swallow it.
 */
export class ProcessExit extends Error {
  constructor(
    readonly pid: number,
    /** Exit code, or null when a signal terminated the process. */
    readonly code: number | null,
    /** Terminating signal, or null. */
    readonly signal: number | null,
  ) {
    super(
      signal !== null ? `process ${pid} killed by signal ${signal}` : `process ${pid} exited with ${code}`,
    );
    this.name = "ProcessExit";
  }
}

/** One row of /proc/<pid>/fd + fdinfo. */
export interface FdInfo {
  fd: number;
  /** readlink text: "socket:[1234]", "pipe:[7]". */
  link: string;
  pos: number;
  /** f_flags with O_CLOEXEC added for a close-on-exec descriptor (as Linux fdinfo prints). */
  flags: number;
  mntId: number;
  ino: number;
  cloexec: boolean;
  file: File;
}

export class Process {
  state: ProcState = "R";
  /** While sleeping: the kernel function it sleeps in (Linux /proc/<pid>/wchan). */
  wchan: string | null = null;
  /** Times the process was woken from a sleep (by a wait queue, a timeout or a signal). */
  wakeups = 0;
  /** Wake-ups after which the process found nothing to do and slept again. */
  spuriousWakeups = 0;
  /** System calls entered. */
  syscalls = 0;
  /** Signals delivered to this process, in order (observable SIGPIPE etc.). */
  readonly signalsReceived: number[] = [];
  /** Exit code when the process exited normally. */
  exitCode: number | null = null;
  /** Signal that terminated the process. */
  termSignal: number | null = null;
  /** What the program threw, if it ended with an exception (exit code 1). */
  error: unknown = undefined;
  /** Resolves when the process has exited: its exit code, or 128 + signal when killed. */
  readonly exited: Promise<number>;
  umask = 0o022;
  /** The network namespace the process lives in (Linux task->nsproxy->net_ns): opaque to the kernel,
   *  set by whoever places the process on a host, and inherited by fork. */
  netns: unknown = undefined;
  /** RLIMIT_NOFILE { rlim_cur, rlim_max }. */
  readonly rlimitNofile = { rlim_cur: NOFILE_SOFT_DEFAULT, rlim_max: NOFILE_HARD_DEFAULT };
  readonly stdoutCapture: Capture;
  readonly stderrCapture: Capture;
  /** @internal */ readonly children = new Set<Process>();
  /** @internal Linux signal->wait_chldexit: parents blocked in waitpid(). */
  readonly childWait = new WaitQueue();
  /** @internal */ dispositions = new Map<number, SignalDisposition>();
  /** @internal a fatal signal raised by the process's own running syscall, acted on at its return */
  fatalSignal = 0;
  /** @internal */ exiting = false;
  /** @internal set once the zombie has been reaped */
  reaped = false;
  /** @internal */ sys!: Sys;
  private readonly sleepers = new Set<Sleeper>();
  private readonly timers = new Map<Sleeper, Timer>();
  private resolveExited!: (code: number) => void;
  private exitStatus = 0;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    public ppid: number,
    readonly name: string,
    public uid: number,
    public gid: number,
    readonly files: FdTable,
    captures?: { stdout: Capture; stderr: Capture },
  ) {
    this.stdoutCapture = captures?.stdout ?? new Capture();
    this.stderrCapture = captures?.stderr ?? new Capture();
    this.exited = new Promise((res) => {
      this.resolveExited = res;
    });
  }

  /** Text written to the stdout it was given (shared with children forked while it was fd 1). */
  get stdout(): string {
    return this.stdoutCapture.text();
  }

  get stderr(): string {
    return this.stderrCapture.text();
  }

  /** Linux wait status (for waitpid): (code << 8) after exit, the signal number after a kill. */
  get waitStatus(): number {
    return this.exitStatus;
  }

  get alive(): boolean {
    return !this.exiting;
  }

  /** Blocking calls in progress. */
  get sleeping(): number {
    return this.sleepers.size;
  }

  /** @internal the ProcessExit to throw into the program. */
  exitError(): ProcessExit {
    return new ProcessExit(this.pid, this.termSignal === null ? (this.exitCode ?? 0) : null, this.termSignal);
  }

  // ---- sleeping and waking ----

  /** @internal Put the calling syscall to sleep until woken, a deadline (jiffies) or a signal. */
  sleep(s: Sleeper, deadline: number, wchan: string): Promise<number> {
    if (this.exiting) return Promise.resolve(WAKE_KILL);
    s.sleeping = true;
    s.deadline = deadline;
    this.sleepers.add(s);
    this.state = "S";
    this.wchan = wchan;
    if (deadline !== MAX_SCHEDULE_TIMEOUT) {
      const t = this.kernel.timer((_t) => this.wakeUp(s, WAKE_TIMEOUT), `${wchan}/timeout`);
      t.modJiffies(deadline);
      this.timers.set(s, t);
    }
    return new Promise((res) => {
      s.resolve = res;
    });
  }

  /** @internal Wake one sleep with a reason (WAKE_*). */
  wakeUp(s: Sleeper, why: number): void {
    if (!s.sleeping) return;
    s.sleeping = false;
    s.detach();
    const t = this.timers.get(s);
    if (t) {
      t.del();
      this.timers.delete(s);
    }
    this.sleepers.delete(s);
    if (this.sleepers.size === 0 && !this.exiting) {
      this.state = "R";
      this.wchan = null;
    }
    this.wakeups++;
    this.kernel.noteWake();
    const res = s.resolve!;
    s.resolve = null;
    res(why);
  }

  private wakeAll(why: number): void {
    for (const s of [...this.sleepers]) this.wakeUp(s, why);
  }

  // ---- signals ----

  /** Linux signal dispositions: returns the previous one. SIGKILL and SIGSTOP cannot be changed. */
  setDisposition(sig: number, d: SignalDisposition): SignalDisposition {
    const prev = this.dispositions.get(sig) ?? "default";
    if (d === "default") this.dispositions.delete(sig);
    else this.dispositions.set(sig, d);
    return prev;
  }

  disposition(sig: number): SignalDisposition {
    return this.dispositions.get(sig) ?? "default";
  }

  /**
   * @internal Deliver a signal (Linux send_sig / complete_signal). Default-fatal signals end the
   * process: at once when it is not inside a syscall, else when that syscall returns (as Linux acts
   * on signals on the way back to user space). A handler interrupts sleeping calls (EINTR; no
   * SA_RESTART) and runs as a microtask.
   */
  signal(sig: number): void {
    this.signalsReceived.push(sig);
    if (this.exiting) return;
    const d = sig === SIGKILL ? "default" : this.disposition(sig);
    if (d === "ignore") return;
    if (typeof d === "function") {
      this.wakeAll(WAKE_SIGNAL);
      queueMicrotask(() => d(sig));
      return;
    }
    if (DEFAULT_IGNORE.has(sig) || STOP_SIGNALS.has(sig)) return;
    if (this.kernel.current === this) {
      this.fatalSignal = sig;
      return;
    }
    this.exit(null, sig);
  }

  // ---- exit ----

  /**
   * @internal Linux do_exit(): wake every blocked call (it unwinds), close every descriptor
   * (exit_files), become a zombie, tell the parent. Idempotent.
   */
  exit(code: number | null, sig: number | null = null): void {
    if (this.exiting) return;
    this.exiting = true;
    if (sig !== null) {
      this.termSignal = sig;
      this.exitStatus = sig & 0x7f;
    } else {
      this.exitCode = (code ?? 0) & 0xff;
      this.exitStatus = this.exitCode << 8;
    }
    this.wakeAll(WAKE_KILL);
    this.state = "R";
    this.wchan = "do_exit";
    const pending: Promise<number>[] = [];
    for (const f of this.files.removeAll()) {
      const r: SysResult = f.put(this);
      if (typeof r !== "number") pending.push(r.catch(() => 0));
    }
    if (pending.length === 0) this.finishExit();
    else void Promise.all(pending).then(() => this.finishExit());
  }

  private finishExit(): void {
    this.state = "Z";
    this.wchan = null;
    this.kernel.processExited(this);
    this.resolveExited(this.termSignal !== null ? 128 + this.termSignal : (this.exitCode ?? 0));
  }

  // ---- /proc ----

  /** /proc/<pid>/fd and fdinfo data, by descriptor. */
  fds(): FdInfo[] {
    return this.files.entries().map(({ fd, file, cloexec }) => ({
      fd,
      link: file.name,
      pos: file.pos,
      flags: file.flags | (cloexec ? O_CLOEXEC : 0),
      mntId: file.ops.mntId,
      ino: file.ino,
      cloexec,
      file,
    }));
  }

  /** Text of /proc/<pid>/fdinfo/<fd> as Linux prints it, or null for a closed descriptor. */
  fdinfo(fd: number): string | null {
    const i = this.fds().find((x) => x.fd === fd);
    if (!i) return null;
    const extra = i.file.ops.showFdinfo?.(i.file) ?? "";
    return `pos:\t${i.pos}\nflags:\t0${i.flags.toString(8)}\nmnt_id:\t${i.mntId}\nino:\t${i.ino}\n${extra}`;
  }
}
