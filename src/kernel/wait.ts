// How a system call blocks: "try; if it would block and the caller may not wait, EAGAIN; else
// register on a wait queue, sleep until woken, try again" (Linux prepare_to_wait / schedule_timeout
// / finish_wait; gVisor's waiter pattern). A call that completes without sleeping stays
// synchronous: only a call that really sleeps returns a Promise.

import type { Process } from "./process.js";
import { WaitEntry, type WaitQueue } from "./waitqueue.js";

/** Why a sleeping task woke. */
export const WAKE_EVENT = 0;
export const WAKE_TIMEOUT = 1;
export const WAKE_SIGNAL = 2;
/** Fatal signal: the task is exiting. Blocked calls return at once (as for a signal). */
export const WAKE_KILL = 3;

/** Linux MAX_SCHEDULE_TIMEOUT: wait forever. */
export const MAX_SCHEDULE_TIMEOUT = Number.POSITIVE_INFINITY;

/** Where a call that must block goes to sleep. Families keep these per socket (no allocation per block). */
export class WaitOn {
  constructor(
    public wq: WaitQueue,
    /** Events that end the wait (matched against wake keys). */
    public mask: number,
    /** Linux prepare_to_wait_exclusive(): only one exclusive sleeper wakes per event. */
    public exclusive: boolean,
    /** What /proc/<pid>/wchan would show: the kernel function the task sleeps in. */
    public wchan: string,
  ) {}
}

/** One in-flight blocking call of a task: its wait queue entry and its sleep. */
export class Sleeper extends WaitEntry {
  /** @internal */ resolve: ((why: number) => void) | null = null;
  /** @internal */ sleeping = false;
  /** @internal */ deadline = MAX_SCHEDULE_TIMEOUT;

  constructor(readonly task: Process) {
    super(0, sleeperWake);
  }
}

// Linux autoremove_wake_function(): wake the task if it is sleeping here, and leave the queue.
function sleeperWake(e: WaitEntry): boolean {
  const s = e as Sleeper;
  if (!s.sleeping) return false;
  s.task.wakeUp(s, WAKE_EVENT);
  return true;
}

/**
 * Run `step` until it stops asking to wait.
 * - `step()` returns a result, or a WaitOn saying where to sleep before trying again.
 * - `timeo` is in jiffies: 0 for a non-blocking call (O_NONBLOCK, MSG_DONTWAIT), Infinity to wait
 *   forever, else SO_RCVTIMEO/SO_SNDTIMEO.
 * - `onTimeout()` gives the result when the call may not (or may no longer) wait: usually
 *   -EAGAIN, or the bytes already moved.
 * - `onSignal()` gives the result when a signal interrupts the sleep: usually -EINTR or the bytes
 *   already moved.
 * Returns synchronously unless the call sleeps.
 */
export function blockOn<T>(
  task: Process,
  timeo: number,
  step: () => T | WaitOn,
  onTimeout: () => T,
  onSignal: () => T,
): T | Promise<T> {
  const r = step();
  if (!(r instanceof WaitOn)) return r;
  if (timeo <= 0) return onTimeout();
  return sleepLoop(task, timeo, r, step, onTimeout, onSignal);
}

async function sleepLoop<T>(
  task: Process,
  timeo: number,
  first: WaitOn,
  step: () => T | WaitOn,
  onTimeout: () => T,
  onSignal: () => T,
): Promise<T> {
  const kernel = task.kernel;
  const deadline = timeo === MAX_SCHEDULE_TIMEOUT ? MAX_SCHEDULE_TIMEOUT : kernel.jiffies() + timeo;
  const sleeper = new Sleeper(task);
  let on = first;
  try {
    for (;;) {
      sleeper.mask = on.mask;
      if (on.exclusive) on.wq.addExclusive(sleeper);
      else on.wq.add(sleeper);
      const why = await task.sleep(sleeper, deadline, on.wchan);
      sleeper.detach();
      if (why === WAKE_SIGNAL || why === WAKE_KILL) return kernel.asCurrent(task, onSignal);
      const r = kernel.asCurrent(task, step);
      if (!(r instanceof WaitOn)) return r;
      if (why === WAKE_TIMEOUT) return kernel.asCurrent(task, onTimeout);
      task.spuriousWakeups++;
      on = r;
    }
  } finally {
    sleeper.detach();
  }
}

/**
 * Linux schedule_hrtimeout(): sleep until woken or until virtual time `deadlineNs` (a precise event,
 * not a jiffy; Infinity: no timer). Resolves with the WAKE_* reason.
 */
export function hrSleep(task: Process, s: Sleeper, deadlineNs: number, wchan: string): Promise<number> {
  if (deadlineNs === Number.POSITIVE_INFINITY) return task.sleep(s, MAX_SCHEDULE_TIMEOUT, wchan);
  const ev = task.kernel.schedule(deadlineNs, () => task.wakeUp(s, WAKE_TIMEOUT));
  return task.sleep(s, MAX_SCHEDULE_TIMEOUT, wchan).then((why) => {
    ev.cancel();
    return why;
  });
}

/**
 * blockOn with a precise deadline: `deadlineNs` in virtual ns (Infinity: wait forever; at or before
 * now: do not sleep), as epoll_wait, poll and select time out (hrtimers, not jiffies). After a wake
 * the step runs once more before a timeout is reported, as Linux's ep_poll looks again.
 */
export function blockOnUntil<T>(
  task: Process,
  deadlineNs: number,
  step: () => T | WaitOn,
  onTimeout: () => T,
  onSignal: () => T,
): T | Promise<T> {
  const r = step();
  if (!(r instanceof WaitOn)) return r;
  if (deadlineNs <= task.kernel.now()) return onTimeout();
  return hrSleepLoop(task, deadlineNs, r, step, onTimeout, onSignal);
}

async function hrSleepLoop<T>(
  task: Process,
  deadlineNs: number,
  first: WaitOn,
  step: () => T | WaitOn,
  onTimeout: () => T,
  onSignal: () => T,
): Promise<T> {
  const kernel = task.kernel;
  const sleeper = new Sleeper(task);
  let on = first;
  try {
    for (;;) {
      sleeper.mask = on.mask;
      if (on.exclusive) on.wq.addExclusive(sleeper);
      else on.wq.add(sleeper);
      const why = await hrSleep(task, sleeper, deadlineNs, on.wchan);
      sleeper.detach();
      if (why === WAKE_SIGNAL || why === WAKE_KILL) return kernel.asCurrent(task, onSignal);
      const r = kernel.asCurrent(task, step);
      if (!(r instanceof WaitOn)) return r;
      if (why === WAKE_TIMEOUT || kernel.now() >= deadlineNs) return kernel.asCurrent(task, onTimeout);
      task.spuriousWakeups++;
      on = r;
    }
  } finally {
    sleeper.detach();
  }
}
