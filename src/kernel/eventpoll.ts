// epoll (Linux fs/eventpoll.c): epoll_create1, epoll_ctl, epoll_wait, and the epoll file itself.
//
// Who holds what. The interest entries (epitems) and each instance's ready list live in an
// EpollStore: the Wasm core's slab (assembly/epoll.ts) unless a test or benchmark put the TypeScript
// twin in its place. The host keeps what has identity: the epoll file, its wait queues (ep->wq for
// epoll_wait sleepers, ep->poll_wait for whoever polls the epoll fd), the lookup from (file, fd) to
// epitem (Linux's rbtree, here a Map), and per epitem its wait entry on the watched file's queue,
// the file, and the user's epoll_data.
//
// The two halves of Linux's design:
//   - A watched file's wait queue wakes the epitem's entry (epPollCallback): one call into the store
//     filters by interest and links the epitem onto the ready list once; the host then wakes
//     epoll_wait sleepers (one: they wait exclusively) and pollers of the epoll fd (nesting).
//   - epoll_wait (epSendEvents) walks the ready list from its head, re-polls each file, reports those
//     with events up to maxevents, and commits the batch in one call: level-triggered entries that
//     reported go back at the tail, edge-triggered and idle ones leave, one-shot ones are disarmed.
//
// Lifetime (Linux's, surprise included): an epitem watches an open file description, not a
// descriptor. It is removed by EPOLL_CTL_DEL, by the last close of the watched file (File.put calls
// fileReleased before the file's own release), or with its epoll instance. Closing one descriptor of
// a dup'ed (or fork-shared) pair removes nothing: events keep coming for a descriptor number that is
// closed, and EPOLL_CTL_DEL on it fails with EBADF.
//
// Not modelled: max_user_watches (ENOSPC; the slab is bounded by memory: ENOMEM), reverse_path_check
// (Linux limits how many wakeup paths of each length lead into a nested file: EINVAL), busy polling,
// epoll_pwait's signal mask, EPOLLWAKEUP's wakeup sources (the flag is accepted and kept for uid 0,
// as CAP_BLOCK_SUSPEND decides in Linux, and does nothing).

import { EPCB_EWAKE, EPCB_MATCH, EPV_DISARM, EPV_DROP, EPV_REQUEUE } from "../generated/layout.js";
import {
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDNORM,
  EPOLLWAKEUP,
  O_RDWR,
} from "./constants.js";
import { type EpollStore, WasmEpollStore } from "./epollstore.js";
import { EBADF, EEXIST, EFAULT, EINTR, EINVAL, ELOOP, ENOENT, ENOMEM, ENOSYS, EPERM } from "./errno.js";
import { ANON_INODE_MNT_ID } from "./eventfd.js";
import { File, type FileOperations, type FileWatch, type SysResult } from "./file.js";
import type { Kernel } from "./kernel.js";
import type { Process } from "./process.js";
import { isInt, withFileRef } from "./socketcalls.js";
import { blockOnUntil, WaitOn } from "./wait.js";
import { WAKE_ALL, WAKE_CORE_LINKED, WaitEntry, WaitQueue } from "./waitqueue.js";

/** struct epoll_event: `events` (EPOLL* bits) and `data` (epoll_data_t: an integer you choose, e.g. the fd). */
export interface EpollEvent {
  events: number;
  data: number;
}

/** Linux EP_MAX_NESTS: epoll instances may nest this deep. */
export const EP_MAX_NESTS = 4;
/** Linux EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event) (12 bytes, packed on x86-64). */
export const EP_MAX_EVENTS = Math.floor(0x7fff_ffff / 12);
/** Linux EPOLLEXCLUSIVE_OK_BITS: what may come with EPOLLEXCLUSIVE. */
const EPOLLEXCLUSIVE_OK_BITS =
  (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE) >>> 0;

/** A kernel's epoll state: the store and the host's epitems by id. */
export class EpollContext {
  /** @internal */ readonly items: (EpItem | undefined)[] = [];
  /** @internal eventpolls by their store handle (the core's RX fast path names them by cell) */
  readonly eps = new Map<number, Eventpoll>();
  /** @internal loop-check generation (Linux loop_check_gen) */ gen = 0;
  constructor(readonly store: EpollStore) {}
}

/** The kernel's epoll state, made on first use: the core's slab, or the store a test set. */
export function epollContext(kernel: Kernel): EpollContext | null {
  if (kernel.epollCtx) return kernel.epollCtx;
  const store = kernel.epollStore ?? (kernel.core ? new WasmEpollStore(kernel.core) : null);
  if (!store) return null;
  kernel.epollStore = store;
  kernel.epollCtx = new EpollContext(store);
  return kernel.epollCtx;
}

/** Linux struct eventpoll: the host side of one epoll instance. */
export class Eventpoll {
  /** Tasks in epoll_wait (exclusive: one woken per event). */
  readonly wq = new WaitQueue();
  /** Pollers of the epoll fd itself: poll/select, and epitems of outer epoll instances. */
  readonly pollWait = new WaitQueue();
  /** Linux ep->rbr: epitems by (file, fd). */
  readonly items = new Map<number, EpItem>();
  readonly waitOn: WaitOn;
  file!: File;
  /** Verdicts of the batch being walked (one byte per epitem, EPV_*). Per instance: a nested poll walks another's. */
  private verdicts = new Uint8Array(16);
  /** @internal loop check memo (Linux ep->gen, ep->loop_check_depth) */
  checkGen = 0;
  checkDepth = 0;
  upGen = 0;
  upDepth = 0;

  constructor(
    readonly ctx: EpollContext,
    /** The store's handle of this instance. */
    readonly h: number,
  ) {
    this.waitOn = new WaitOn(this.wq, WAKE_ALL, true, "ep_poll");
  }

  /** @internal the verdict buffer, at least `n` long. */
  verdictBuf(n: number): Uint8Array {
    if (this.verdicts.length < n) {
      const b = new Uint8Array(Math.max(n, this.verdicts.length * 2));
      b.set(this.verdicts);
      this.verdicts = b;
    }
    return this.verdicts;
  }

  /** Epitems registered. */
  get size(): number {
    return this.items.size;
  }

  /** Epitems on the ready list (some may have nothing to report by now: epoll_wait re-checks). */
  get readyCount(): number {
    return this.ctx.store.readyCount(this.h);
  }
}

/** Key of Linux's rbtree: (file, fd). Inode numbers are unique per kernel; fds stay below fs.nr_open (2^20). */
function ffdKey(file: File, fd: number): number {
  return file.ino * 0x20_0000 + fd;
}

/**
 * Linux struct epitem's host half, and its wait entry on the watched file's queue (Linux's
 * eppoll_entry: every file here has one wait queue, so one entry per epitem).
 */
export class EpItem extends WaitEntry implements FileWatch {
  constructor(
    readonly ep: Eventpoll,
    /** The store's handle. */
    readonly h: number,
    readonly id: number,
    readonly file: File,
    readonly fd: number,
    public data: number,
  ) {
    super(-1, epPollCallback);
  }

  /** The file's object lets the core run this epitem's callback (FileOperations.coreWatch). */
  coreWatched = false;

  get key(): number {
    return ffdKey(this.file, this.fd);
  }

  /** The interest mask (EPOLL* with private bits; only those once a one-shot item has fired). */
  get events(): number {
    return this.ep.ctx.store.itemEvents(this.h);
  }

  fileReleased(): void {
    epRemove(this.ep, this);
  }
}

function wakeEp(ep: Eventpoll): void {
  if (ep.wq.active) ep.wq.wake(WAKE_ALL, 1);
  // Linux ep_poll_safewake(): wake_up_poll(&ep->poll_wait, EPOLLIN).
  if (ep.pollWait.active) ep.pollWait.wake(EPOLLIN, 1);
}

// Linux ep_poll_callback(), the host's half: the store links; the host wakes.
function epPollCallback(e: WaitEntry, key: number): boolean {
  const item = e as EpItem;
  // The core already ran this callback in its RX batch (and named the eventpoll to wake).
  if (item.coreWatched && key !== WAKE_ALL && key & WAKE_CORE_LINKED) return true;
  const ep = item.ep;
  const r = ep.ctx.store.pollCallback(item.h, key === WAKE_ALL ? 0 : key, ep.wq.active);
  if (r & EPCB_MATCH) wakeEp(ep);
  return (r & EPCB_EWAKE) !== 0;
}

// Linux ep_item_poll(): the file's readiness, within the interest mask.
function itemPoll(item: EpItem, events: number): number {
  const f = item.file;
  return f.ops.poll(f, events) & events;
}

/**
 * Linux ep_send_events(): report up to `maxevents` ready epitems into `events`, then commit the
 * walked batch to the store in one call. Entries of `events` that are objects are overwritten in
 * place, as the C array is.
 */
function epSendEvents(ep: Eventpoll, events: EpollEvent[], maxevents: number): number {
  const { store, items } = ep.ctx;
  const first = store.readyFirst(ep.h);
  if (first === 0) return 0;
  let verdicts = ep.verdictBuf(16);
  let res = 0;
  let n = 0;
  for (let h = first; h !== 0 && res < maxevents; h = store.readyNext(ep.h, h)) {
    const item = items[store.itemId(h)]!;
    const ev = store.itemEvents(h);
    const revents = itemPoll(item, ev);
    if (n === verdicts.length) verdicts = ep.verdictBuf(n + 1);
    if (revents === 0) {
      verdicts[n++] = EPV_DROP;
      continue;
    }
    const out = events[res];
    if (typeof out === "object" && out !== null) {
      out.events = revents;
      out.data = item.data;
    } else {
      events[res] = { events: revents, data: item.data };
    }
    res++;
    verdicts[n++] = ev & EPOLLONESHOT ? EPV_DISARM : ev & EPOLLET ? EPV_DROP : EPV_REQUEUE;
  }
  store.commit(ep.h, verdicts, n);
  return res;
}

/**
 * Linux ep_eventpoll_poll(): an epoll fd is readable when an epitem on its ready list has events
 * after a re-check. Entries found idle before the first ready one leave the list.
 */
function epEventpollPoll(ep: Eventpoll): number {
  const { store, items } = ep.ctx;
  let verdicts = ep.verdictBuf(16);
  let n = 0;
  let res = 0;
  for (let h = store.readyFirst(ep.h); h !== 0; h = store.readyNext(ep.h, h)) {
    const item = items[store.itemId(h)]!;
    if (itemPoll(item, store.itemEvents(h))) {
      res = EPOLLIN | EPOLLRDNORM;
      break;
    }
    if (n === verdicts.length) verdicts = ep.verdictBuf(n + 1);
    verdicts[n++] = EPV_DROP;
  }
  if (n > 0) store.commit(ep.h, verdicts, n);
  return res;
}

/** Linux ep_free(): every epitem goes, then the instance. */
function epFree(ep: Eventpoll): void {
  for (const item of [...ep.items.values()]) epRemove(ep, item);
  ep.ctx.eps.delete(ep.h);
  ep.ctx.store.epDestroy(ep.h);
}

export const eventpollFileOps: FileOperations = {
  name: () => "anon_inode:[eventpoll]",
  mntId: ANON_INODE_MNT_ID,
  poll: (f) => epEventpollPoll(f.priv as Eventpoll),
  pollQueue: (f) => (f.priv as Eventpoll).pollWait,
  showFdinfo: (f) => epollFdinfo(f.priv as Eventpoll),
  release(f) {
    epFree(f.priv as Eventpoll);
    return 0;
  },
};

export function isEpollFile(f: File): boolean {
  return f.ops === eventpollFileOps;
}

/** The Eventpoll behind an epoll descriptor of `task`, or null. */
export function eventpollOf(task: Process, epfd: number): Eventpoll | null {
  const f = task.files.lookup(epfd);
  return f && isEpollFile(f) ? (f.priv as Eventpoll) : null;
}

// ---- epoll_create ----

/** Linux do_epoll_create(): EINVAL for flags other than EPOLL_CLOEXEC. */
export function sysEpollCreate1(task: Process, flags: number): number {
  if (!isInt(flags) || flags & ~EPOLL_CLOEXEC) return -EINVAL;
  // A kernel without a core (and no store set) has no epoll, as Linux without CONFIG_EPOLL.
  const ctx = epollContext(task.kernel);
  if (!ctx) return -ENOSYS;
  const h = ctx.store.epCreate();
  if (h === 0) return -ENOMEM;
  const fd = task.files.alloc(0, task.rlimitNofile.rlim_cur);
  if (fd < 0) {
    ctx.store.epDestroy(h);
    return fd;
  }
  const ep = new Eventpoll(ctx, h);
  ctx.eps.set(h, ep);
  const file = new File(task.kernel, eventpollFileOps, O_RDWR, 0o600, ep);
  ep.file = file;
  task.files.install(fd, file, (flags & EPOLL_CLOEXEC) !== 0);
  return fd;
}

/** Linux epoll_create(size): size is ignored but must be positive. */
export function sysEpollCreate(task: Process, size: number): number {
  if (!isInt(size) || size <= 0) return -EINVAL;
  return sysEpollCreate1(task, 0);
}

// ---- epoll_ctl ----

/**
 * Linux ep_loop_check() (6.x): adding epoll `to` into `ep` must not close a loop, and the longest
 * chain of nested instances through the new link may have at most EP_MAX_NESTS links. Returns
 * true to refuse (ELOOP).
 */
function epLoopCheck(ctx: EpollContext, ep: Eventpoll, to: Eventpoll): boolean {
  const gen = ++ctx.gen;
  // How deep below `to` do nested instances go, and does any lead back to `ep`?
  const down = (e: Eventpoll, depth: number): number => {
    if (e.checkGen === gen) return e.checkDepth;
    e.checkGen = gen;
    let result = 0;
    for (const item of e.items.values()) {
      if (!isEpollFile(item.file)) continue;
      const sub = item.file.priv as Eventpoll;
      result =
        sub === ep || depth > EP_MAX_NESTS ? EP_MAX_NESTS + 1 : Math.max(result, down(sub, depth + 1) + 1);
      if (result > EP_MAX_NESTS) break;
    }
    e.checkDepth = result;
    return result;
  };
  // How many instances above `ep` watch it (through its file's epitems)?
  const up = (e: Eventpoll): number => {
    if (e.upGen === gen) return e.upDepth;
    e.upGen = gen;
    let result = 0;
    for (const w of e.file.watchers ?? []) if (w instanceof EpItem) result = Math.max(result, up(w.ep) + 1);
    e.upDepth = result;
    return result;
  };
  const depth = down(to, 0);
  if (depth > EP_MAX_NESTS) return true;
  return depth + 1 + up(ep) > EP_MAX_NESTS;
}

/** Linux ep_insert(). */
function epInsert(ep: Eventpoll, events: number, tf: File, fd: number, data: number): number {
  const ctx = ep.ctx;
  const h = ctx.store.itemAdd(ep.h, events, fd);
  if (h === 0) return -ENOMEM;
  const item = new EpItem(ep, h, ctx.store.itemId(h), tf, fd, data);
  ctx.items[item.id] = item;
  ep.items.set(item.key, item);
  tf.watchers ??= new Set<FileWatch>();
  tf.watchers.add(item);
  // Linux ep_ptable_queue_proc(): exclusive entries at the tail, the others at the head.
  const q = tf.ops.pollQueue(tf);
  if (q) {
    if (events & EPOLLEXCLUSIVE) q.addExclusive(item);
    else q.add(item);
  }
  // Exclusive epitems stay with the host: their wake budget needs to know who is sleeping.
  if (!(events & EPOLLEXCLUSIVE) && ctx.store.impl === "wasm" && tf.ops.coreWatch?.(tf, h, true))
    item.coreWatched = true;
  // Already ready: on the ready list now, and tell whoever waits.
  if (itemPoll(item, events) && ctx.store.readyLink(h) === 1) wakeEp(ep);
  return 0;
}

/** Linux ep_remove(). */
function epRemove(ep: Eventpoll, item: EpItem): void {
  item.detach();
  if (item.coreWatched) {
    item.file.ops.coreWatch?.(item.file, item.h, false);
    item.coreWatched = false;
  }
  const w = item.file.watchers;
  if (w) {
    w.delete(item);
    if (w.size === 0) item.file.watchers = null;
  }
  ep.items.delete(item.key);
  ep.ctx.items[item.id] = undefined;
  ep.ctx.store.itemRemove(item.h);
}

/** Linux ep_modify(): new mask and data; if the file is ready for the new mask, on the ready list. */
function epModify(ep: Eventpoll, item: EpItem, events: number, data: number): number {
  const store = ep.ctx.store;
  store.itemModify(item.h, events);
  item.data = data;
  if (itemPoll(item, events) && store.readyLink(item.h) === 1) wakeEp(ep);
  return 0;
}

/**
 * Linux do_epoll_ctl(), errno in Linux's order: EFAULT (no event for ADD/MOD), EBADF (epfd, then
 * fd), EPERM (fd cannot be polled), EINVAL (fd is epfd, epfd is not an epoll fd, EPOLLEXCLUSIVE with
 * MOD / with an epoll target / with other flags), ELOOP (nesting), then EEXIST / ENOENT / EINVAL
 * (unknown op, or MOD of an EPOLLEXCLUSIVE entry).
 */
export function sysEpollCtl(
  task: Process,
  epfd: number,
  op: number,
  fd: number,
  event: EpollEvent | null | undefined,
): number {
  const hasEvent = op !== EPOLL_CTL_DEL;
  let events = 0;
  let data = 0;
  if (hasEvent) {
    if (typeof event !== "object" || event === null || typeof event.events !== "number") return -EFAULT;
    events = event.events >>> 0;
    data = event.data;
  }
  const f = task.files.lookup(epfd);
  if (!f) return -EBADF;
  const tf = task.files.lookup(fd);
  if (!tf) return -EBADF;
  if (tf.ops.noPoll) return -EPERM;
  // Linux ep_take_care_of_epollwakeup(): without CAP_BLOCK_SUSPEND the flag is dropped silently.
  if (hasEvent && events & EPOLLWAKEUP && task.uid !== 0) events = (events & ~EPOLLWAKEUP) >>> 0;
  if (f === tf || !isEpollFile(f)) return -EINVAL;
  if (hasEvent && events & EPOLLEXCLUSIVE) {
    if (op === EPOLL_CTL_MOD) return -EINVAL;
    if (op === EPOLL_CTL_ADD && (isEpollFile(tf) || events & ~EPOLLEXCLUSIVE_OK_BITS)) return -EINVAL;
  }
  const ep = f.priv as Eventpoll;
  if (op === EPOLL_CTL_ADD && isEpollFile(tf) && epLoopCheck(ep.ctx, ep, tf.priv as Eventpoll)) return -ELOOP;
  const epi = ep.items.get(ffdKey(tf, fd));
  switch (op) {
    case EPOLL_CTL_ADD:
      if (epi) return -EEXIST;
      return epInsert(ep, (events | EPOLLERR | EPOLLHUP) >>> 0, tf, fd, data);
    case EPOLL_CTL_DEL:
      if (!epi) return -ENOENT;
      epRemove(ep, epi);
      return 0;
    case EPOLL_CTL_MOD:
      if (!epi) return -ENOENT;
      // epoll adds to the file's wait queue at ADD time only: an exclusive entry stays as it is.
      if (epi.events & EPOLLEXCLUSIVE) return -EINVAL;
      return epModify(ep, epi, (events | EPOLLERR | EPOLLHUP) >>> 0, data);
    default:
      return -EINVAL;
  }
}

// ---- epoll_wait ----

/**
 * Linux do_epoll_wait() / ep_poll(): `timeout` in ms, -1 (any negative) to wait forever, 0 not to
 * wait. Sleeps exclusively on the instance (one sleeper woken per event). A timeout ends exactly
 * `timeout` ms of virtual time later (Linux lets an hrtimer run late by the task's timer slack,
 * 50 µs by default; a simulation has no reason to). Returns the number of events written to
 * `events`, 0 on timeout, or -errno (EINTR when a signal handler runs).
 */
export function sysEpollWait(
  task: Process,
  epfd: number,
  events: EpollEvent[],
  maxevents: number,
  timeout: number,
): SysResult {
  if (!isInt(maxevents) || maxevents <= 0 || maxevents > EP_MAX_EVENTS) return -EINVAL;
  if (!Array.isArray(events)) return -EFAULT;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) return -EINVAL;
  const f = task.files.lookup(epfd);
  if (!f) return -EBADF;
  if (!isEpollFile(f)) return -EINVAL;
  const ep = f.priv as Eventpoll;
  const ms = Math.trunc(timeout);
  // Events ready, or a call that may not wait: no sleep, no closures.
  const n = epSendEvents(ep, events, maxevents);
  if (n > 0 || ms === 0) return n;
  const deadline = ms < 0 ? Number.POSITIVE_INFINITY : task.kernel.now() + ms * 1_000_000;
  const r = blockOnUntil<number>(
    task,
    deadline,
    () => {
      const got = epSendEvents(ep, events, maxevents);
      return got > 0 ? got : ep.waitOn;
    },
    () => 0,
    () => -EINTR,
  );
  return withFileRef(f, task, r);
}

/** /proc/<pid>/fdinfo lines of an epoll fd, as Linux's ep_show_fdinfo prints them. */
export function epollFdinfo(ep: Eventpoll): string {
  let s = "";
  for (const item of ep.items.values()) {
    const ev = item.events >>> 0;
    const data = BigInt.asUintN(64, BigInt(Number.isFinite(item.data) ? Math.trunc(item.data) : 0));
    s += `tfd: ${String(item.fd).padStart(8)} events: ${ev.toString(16).padStart(8)} data: ${data.toString(16).padStart(16)}  pos:${item.file.pos} ino:${item.file.ino.toString(16)} sdev:0\n`;
  }
  return s;
}

/**
 * The core's RX fast path linked epitems of the eventpoll whose store handle is `h` (its cell): wake
 * its waiters, as ep_poll_callback does after linking (NetEnv.epollReady).
 */
export function epollReadyFromCore(kernel: Kernel, h: number): void {
  const ep = kernel.epollCtx?.eps.get(h);
  if (ep !== undefined) wakeEp(ep);
}
