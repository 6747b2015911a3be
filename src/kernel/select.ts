// select and poll (Linux fs/select.c): scan every descriptor's readiness; if none is ready, register
// on each file's wait queue (first pass only), sleep, and scan everything again when woken. The
// cost of a call is linear in the descriptors passed — which is what epoll's ready list avoids.
//
// fd_set. C's fd_set is a fixed array of FD_SETSIZE (1024) bits; here it is FdSet, the same bits in
// a Uint32Array(32), changed in place by select() as in C (FD_SET / FD_CLR / FD_ISSET / FD_ZERO are
// its set / clear / isSet / zero). A bitset rather than a Set<number>: the scan skips empty words as
// Linux's do_select() does, and a descriptor >= FD_SETSIZE cannot be put in one (C would write past
// the array; glibc's fortified FD_SET aborts; FdSet throws a RangeError).

import {
  FD_SETSIZE,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDBAND,
  POLLRDNORM,
  POLLWRBAND,
  POLLWRNORM,
} from "./constants.js";
import { EBADF, EFAULT, EINTR, EINVAL } from "./errno.js";
import type { File, SysResult } from "./file.js";
import type { Process } from "./process.js";
import type { Timeval } from "./sockopt.js";
import { hrSleep, Sleeper, WAKE_EVENT, WAKE_KILL, WAKE_SIGNAL, WAKE_TIMEOUT } from "./wait.js";
import { WaitEntry } from "./waitqueue.js";

/** struct pollfd: `revents` is written by poll(). */
export interface PollFd {
  fd: number;
  events: number;
  revents: number;
}

/** Linux DEFAULT_POLLMASK: what a file that cannot be polled reports. */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
/** Linux POLLIN_SET / POLLOUT_SET / POLLEX_SET: the events that make select() report a descriptor. */
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

const FD_WORDS = FD_SETSIZE / 32;

/** A C fd_set: FD_SETSIZE bits. */
export class FdSet {
  /** The bits, 32 descriptors per word (descriptor d is bit d % 32 of word d / 32). */
  readonly bits = new Uint32Array(FD_WORDS);

  static of(...fds: number[]): FdSet {
    const s = new FdSet();
    for (const fd of fds) s.set(fd);
    return s;
  }

  private static check(fd: number): void {
    if (!Number.isInteger(fd) || fd < 0 || fd >= FD_SETSIZE)
      throw new RangeError(`fd_set holds descriptors 0..${FD_SETSIZE - 1}, not ${fd}`);
  }

  /** FD_SET. */
  set(fd: number): this {
    FdSet.check(fd);
    this.bits[fd >>> 5] |= 1 << (fd & 31);
    return this;
  }

  /** FD_CLR. */
  clear(fd: number): this {
    FdSet.check(fd);
    this.bits[fd >>> 5] &= ~(1 << (fd & 31));
    return this;
  }

  /** FD_ISSET. */
  isSet(fd: number): boolean {
    FdSet.check(fd);
    return (this.bits[fd >>> 5] & (1 << (fd & 31))) !== 0;
  }

  /** FD_ZERO. */
  zero(): this {
    this.bits.fill(0);
    return this;
  }

  /** The descriptors set, in increasing order. */
  fds(): number[] {
    const out: number[] = [];
    for (let w = 0; w < FD_WORDS; w++) {
      let x = this.bits[w];
      while (x !== 0) {
        const b = 31 - Math.clz32(x & -x);
        out.push(w * 32 + b);
        x &= x - 1;
      }
    }
    return out;
  }

  get size(): number {
    let n = 0;
    for (let w = 0; w < FD_WORDS; w++) {
      let x = this.bits[w];
      while (x !== 0) {
        x &= x - 1;
        n++;
      }
    }
    return n;
  }
}

/** Linux vfs_poll(): a file's readiness, DEFAULT_POLLMASK for a file that cannot be polled. */
export function vfsPoll(file: File, events: number): number {
  return file.ops.noPoll ? DEFAULT_POLLMASK : file.ops.poll(file, events);
}

// ---- the poll table: one wait entry per watched file (Linux struct poll_wqueues) ----

class PollEntry extends WaitEntry {
  constructor(
    mask: number,
    readonly table: PollTable,
    readonly file: File,
  ) {
    super(mask, pollWake);
  }
}

// Linux pollwake(): the key already matched the entry's mask (WaitQueue.wake checks it).
function pollWake(e: WaitEntry): boolean {
  const t = (e as PollEntry).table;
  t.triggered = true;
  if (t.sleeper.sleeping) t.task.wakeUp(t.sleeper, WAKE_EVENT);
  return true;
}

class PollTable {
  readonly sleeper: Sleeper;
  readonly entries: PollEntry[] = [];
  triggered = false;

  constructor(readonly task: Process) {
    this.sleeper = new Sleeper(task);
  }

  /** Linux __pollwait(): an entry on the file's queue, holding a reference on the file. */
  add(file: File, key: number): void {
    const q = file.ops.noPoll ? null : file.ops.pollQueue(file);
    if (!q) return;
    const e = new PollEntry(key, this, file.get());
    q.add(e);
    this.entries.push(e);
  }

  /** Linux poll_freewait(). */
  free(): void {
    for (const e of this.entries) {
      e.detach();
      const r = e.file.put(this.task);
      if (typeof r !== "number") void r.catch(() => 0);
    }
    this.entries.length = 0;
  }
}

/**
 * Linux do_poll() / do_select() loop after the first pass: sleep until a registered file wakes us
 * (or the deadline), scan again; a wake that finds nothing ready counts as spurious.
 */
async function pollSleep(
  task: Process,
  table: PollTable,
  deadlineNs: number,
  scan: () => number,
  wchan: string,
): Promise<number> {
  const kernel = task.kernel;
  try {
    for (;;) {
      const why = table.triggered ? WAKE_EVENT : await hrSleep(task, table.sleeper, deadlineNs, wchan);
      table.triggered = false;
      if (why === WAKE_SIGNAL || why === WAKE_KILL) return -EINTR;
      const n = kernel.asCurrent(task, scan);
      if (n !== 0) return n;
      if (why === WAKE_TIMEOUT || kernel.now() >= deadlineNs) return 0;
      task.spuriousWakeups++;
    }
  } finally {
    table.free();
  }
}

// ---- poll ----

// Linux do_pollfd(): POLLNVAL for a descriptor that is not open; negative ones are skipped.
function scanPoll(task: Process, fds: PollFd[], table: PollTable | null): number {
  const files = task.files;
  let count = 0;
  for (let i = 0; i < fds.length; i++) {
    const p = fds[i];
    const fd = p.fd;
    if (fd < 0) {
      p.revents = 0;
      continue;
    }
    const file = files.lookup(fd);
    let mask = POLLNVAL;
    if (file) {
      const filter = (p.events & 0xffff) | POLLERR | POLLHUP;
      if (table) table.add(file, filter);
      mask = vfsPoll(file, filter) & filter;
    }
    p.revents = mask;
    if (mask !== 0) {
      count++;
      table = null; // Linux: once one is ready the call will not sleep; no more registrations
    }
  }
  return count;
}

/**
 * Linux poll(fds, nfds, timeout): `timeout` in ms (negative: forever, 0: do not wait). Writes each
 * `revents`; returns how many have one, 0 on timeout, -EINVAL when fds.length exceeds
 * RLIMIT_NOFILE, -EFAULT for something that is not an array of pollfds, -EINTR.
 */
export function sysPoll(task: Process, fds: PollFd[], timeout: number): SysResult {
  if (!Array.isArray(fds)) return -EFAULT;
  if (fds.length > task.rlimitNofile.rlim_cur) return -EINVAL;
  for (let i = 0; i < fds.length; i++) {
    const p = fds[i];
    if (typeof p !== "object" || p === null || typeof p.fd !== "number" || typeof p.events !== "number")
      return -EFAULT;
  }
  if (typeof timeout !== "number" || Number.isNaN(timeout)) return -EINVAL;
  const ms = Math.trunc(timeout);
  const now = task.kernel.now();
  const deadline = ms < 0 ? Number.POSITIVE_INFINITY : now + ms * 1_000_000;
  const table = deadline > now ? new PollTable(task) : null;
  const n = scanPoll(task, fds, table);
  if (n > 0 || !table) {
    table?.free();
    return n;
  }
  return pollSleep(task, table, deadline, () => scanPoll(task, fds, null), "do_sys_poll");
}

// ---- select ----

/**
 * The results a select() pass builds: rin | rout | rex, FD_WORDS words each. A call that does not
 * sleep uses this one buffer (nothing can run in between); one that sleeps gets its own.
 */
const scratch = new Uint32Array(3 * FD_WORDS);

// Linux do_select() one pass: poll each descriptor set in any set below n, word by word.
function scanSelect(
  task: Process,
  n: number,
  inp: Uint32Array | null,
  outp: Uint32Array | null,
  exp: Uint32Array | null,
  res: Uint32Array,
  table: PollTable | null,
): number {
  const files = task.files;
  res.fill(0);
  let retval = 0;
  for (let w = 0; w * 32 < n; w++) {
    const inw = inp ? inp[w] : 0;
    const outw = outp ? outp[w] : 0;
    const exw = exp ? exp[w] : 0;
    let all = inw | outw | exw;
    if (all === 0) continue;
    if (w * 32 + 32 > n) all &= (1 << (n - w * 32)) - 1;
    while (all !== 0) {
      const bit = all & -all;
      all &= all - 1;
      const fd = w * 32 + (31 - Math.clz32(bit));
      const file = files.lookup(fd);
      let mask = POLLNVAL;
      if (file) {
        // Linux wait_key_set().
        const key = POLLEX_SET | (inw & bit ? POLLIN_SET : 0) | (outw & bit ? POLLOUT_SET : 0);
        if (table) table.add(file, key);
        mask = vfsPoll(file, key);
      }
      if (mask & POLLIN_SET && inw & bit) {
        res[w] |= bit;
        retval++;
        table = null;
      }
      if (mask & POLLOUT_SET && outw & bit) {
        res[FD_WORDS + w] |= bit;
        retval++;
        table = null;
      }
      if (mask & POLLEX_SET && exw & bit) {
        res[2 * FD_WORDS + w] |= bit;
        retval++;
        table = null;
      }
    }
  }
  return retval;
}

/** A set argument: an FdSet, or null / undefined for none (C's NULL). */
function okSet(x: unknown): boolean {
  return x === null || x === undefined || x instanceof FdSet;
}

/**
 * Linux select(nfds, readfds, writefds, exceptfds, timeout). The sets are changed in place to the
 * ready descriptors; `timeout` (null: forever) is changed to the time left, as Linux does.
 * Errors: EINVAL for a bad timeout or nfds < 0, and for nfds > FD_SETSIZE — Linux itself clamps
 * nfds to its descriptor table, but an fd_set ends at FD_SETSIZE, so C would read past it; select(2)
 * documents EINVAL here. EBADF when a set holds a descriptor below nfds that is not open. EFAULT for
 * a set that is not an FdSet. EINTR.
 */
export function sysSelect(
  task: Process,
  nfds: number,
  readfds: FdSet | null | undefined,
  writefds: FdSet | null | undefined,
  exceptfds: FdSet | null | undefined,
  timeout: Timeval | null | undefined,
): SysResult {
  const kernel = task.kernel;
  let deadline = Number.POSITIVE_INFINITY;
  if (timeout !== null && timeout !== undefined) {
    if (
      typeof timeout !== "object" ||
      typeof timeout.tv_sec !== "number" ||
      typeof timeout.tv_usec !== "number"
    )
      return -EFAULT;
    // Linux kern_select(): tv_usec beyond a second carries into tv_sec; negative values are invalid.
    const sec = Math.trunc(timeout.tv_sec) + Math.trunc(Math.trunc(timeout.tv_usec) / 1_000_000);
    const nsec = (Math.trunc(timeout.tv_usec) % 1_000_000) * 1000;
    if (!(sec >= 0) || !(nsec >= 0)) return -EINVAL;
    deadline = kernel.now() + sec * 1e9 + nsec;
  }
  if (!Number.isInteger(nfds) || nfds < 0 || nfds > FD_SETSIZE) return -EINVAL;
  if (!okSet(readfds) || !okSet(writefds) || !okSet(exceptfds)) return -EFAULT;
  const inp = readfds ? readfds.bits : null;
  const outp = writefds ? writefds.bits : null;
  const exp = exceptfds ? exceptfds.bits : null;
  // Linux max_select_fd(): every descriptor in a set must be open.
  for (let w = 0; w * 32 < nfds; w++) {
    let all = (inp ? inp[w] : 0) | (outp ? outp[w] : 0) | (exp ? exp[w] : 0);
    if (w * 32 + 32 > nfds) all &= (1 << (nfds - w * 32)) - 1;
    while (all !== 0) {
      const bit = all & -all;
      all &= all - 1;
      if (!task.files.lookup(w * 32 + (31 - Math.clz32(bit)))) return -EBADF;
    }
  }
  // Linux poll_select_finish(): write back the sets (on success) and the time left.
  const finish = (res: Uint32Array, r: number): number => {
    if (r >= 0)
      for (let w = 0; w < FD_WORDS; w++) {
        if (inp) inp[w] = res[w];
        if (outp) outp[w] = res[FD_WORDS + w];
        if (exp) exp[w] = res[2 * FD_WORDS + w];
      }
    if (timeout && deadline !== Number.POSITIVE_INFINITY) {
      const left = Math.max(0, deadline - kernel.now());
      timeout.tv_sec = Math.floor(left / 1e9);
      timeout.tv_usec = Math.floor((left % 1e9) / 1000);
    }
    return r;
  };
  const table = deadline > kernel.now() ? new PollTable(task) : null;
  const n = scanSelect(task, nfds, inp, outp, exp, scratch, table);
  if (n > 0 || !table) {
    table?.free();
    return finish(scratch, n);
  }
  const own = new Uint32Array(3 * FD_WORDS);
  return pollSleep(
    task,
    table,
    deadline,
    () => scanSelect(task, nfds, inp, outp, exp, own, null),
    "do_select",
  ).then((r) => finish(own, r));
}
