// Wait queues: who to tell when a pollable object's readiness may have changed.
//
// Linux: include/linux/wait.h, kernel/sched/wait.c (__wake_up_common); gVisor pkg/waiter.
// Each entry carries an event mask and a callback. Non-exclusive entries are added at the head
// (add_wait_queue), exclusive ones at the tail (add_wait_queue_exclusive), so a wake-up visits every
// matching non-exclusive entry and then at most `nrExclusive` exclusive ones: N processes blocked
// in accept() on one listener cost one wake-up per connection, while N pollers all wake.
//
// One difference from Linux: Linux's task wait entries (autoremove_wake_function) ignore the wake
// key, so a task sleeping for write space is also woken by data arriving on the same socket. Ours
// match the key against their mask (gVisor style), which saves those spurious wake-ups. A wake with
// key WAKE_ALL (Linux's NULL key, e.g. sk_state_change) matches every entry.

/** Linux WQ_FLAG_EXCLUSIVE. */
export const WQ_FLAG_EXCLUSIVE = 0x01;
/** Wake key matching every entry (Linux passes a NULL key). */
export const WAKE_ALL = -1;
/**
 * A flag in a wake key (no POLL* event uses bit 26): the core's RX fast path has already run the
 * epoll callbacks of the epitems it watches for this object (assembly/tcp/fastpath.ts), so those
 * epitems skip theirs. Like Linux's EPOLL_URING_WAKE, it is a key flag, never an event.
 */
export const WAKE_CORE_LINKED = 1 << 26;

/** Returns true when the entry counts as woken (for the exclusive budget). */
export type WakeFunc = (entry: WaitEntry, key: number) => boolean;

export class WaitEntry {
  /** @internal */ prev: WaitEntry | null = null;
  /** @internal */ next: WaitEntry | null = null;
  /** The queue this entry is on, or null. */
  queue: WaitQueue | null = null;
  flags = 0;
  /** @internal generation of the last wake pass that visited this entry */
  visited = 0;

  constructor(
    /** Events this entry cares about (POLLIN | ...). */
    public mask: number,
    public func: WakeFunc,
  ) {}

  get queued(): boolean {
    return this.queue !== null;
  }

  get exclusive(): boolean {
    return (this.flags & WQ_FLAG_EXCLUSIVE) !== 0;
  }

  /** Remove from whatever queue holds it (no-op if none). */
  detach(): void {
    this.queue?.remove(this);
  }
}

export class WaitQueue {
  private head: WaitEntry | null = null;
  private tail: WaitEntry | null = null;
  private n = 0;
  /** Wake-ups delivered through this queue (entries whose callback returned true). */
  woken = 0;
  private gen = 0;

  get length(): number {
    return this.n;
  }

  /** Linux wq_has_sleeper(). */
  get active(): boolean {
    return this.n > 0;
  }

  /** Linux add_wait_queue(): non-exclusive, at the head. */
  add(e: WaitEntry): void {
    if (e.queue) e.queue.remove(e);
    e.flags &= ~WQ_FLAG_EXCLUSIVE;
    e.queue = this;
    e.prev = null;
    e.next = this.head;
    if (this.head) this.head.prev = e;
    else this.tail = e;
    this.head = e;
    this.n++;
  }

  /** Linux add_wait_queue_exclusive(): exclusive, at the tail. */
  addExclusive(e: WaitEntry): void {
    if (e.queue) e.queue.remove(e);
    e.flags |= WQ_FLAG_EXCLUSIVE;
    e.queue = this;
    e.next = null;
    e.prev = this.tail;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    this.n++;
  }

  remove(e: WaitEntry): void {
    if (e.queue !== this) return;
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
    e.queue = null;
    this.n--;
  }

  /**
   * Wake entries whose mask matches `key`: all non-exclusive ones, then up to `nrExclusive`
   * exclusive ones (0 = no limit). Linux __wake_up_common(). Returns the number woken.
   */
  wake(key: number, nrExclusive = 1): number {
    let woken = 0;
    const gen = ++this.gen;
    let e = this.head;
    while (e) {
      const next = e.next;
      e.visited = gen;
      if ((e.mask & key) !== 0 && e.func(e, key)) {
        woken++;
        if ((e.flags & WQ_FLAG_EXCLUSIVE) !== 0 && nrExclusive > 0 && --nrExclusive === 0) break;
      }
      if (next === null || next.queue === this) {
        e = next;
      } else {
        // A callback unlinked another entry: rescan from the head, skipping visited entries.
        e = this.head;
        while (e && e.visited === gen) e = e.next;
      }
    }
    this.woken += woken;
    return woken;
  }

  /** Linux wake_up_interruptible_all(). */
  wakeAll(key: number = WAKE_ALL): number {
    return this.wake(key, 0);
  }

  /** Entries in wake order (for introspection and tests). */
  entries(): WaitEntry[] {
    const out: WaitEntry[] = [];
    for (let e = this.head; e; e = e.next) out.push(e);
    return out;
  }
}
