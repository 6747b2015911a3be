// The virtual clock (nanoseconds as a number: 2^53 ns is about 104 days) and the queue of precise
// one-shot events (link deliveries, nanosleep; Linux's hrtimers play this role). Protocol timers
// live on the jiffies timer wheel in timers.ts instead.

export const NSEC_PER_USEC = 1_000;
export const NSEC_PER_MSEC = 1_000_000;
export const NSEC_PER_SEC = 1_000_000_000;

/** A scheduled one-shot event. Cancel with `cancel()`; `pending` until it runs or is cancelled. */
export class ClockEvent {
  /** Index in the heap array, -1 when not queued. */
  index = -1;
  constructor(
    readonly time: number,
    readonly seq: number,
    private fn: (() => void) | null,
    private readonly queue: EventQueue,
  ) {}

  get pending(): boolean {
    return this.index >= 0;
  }

  /** Remove the event; returns whether it was still pending. */
  cancel(): boolean {
    if (this.index < 0) return false;
    this.queue.remove(this);
    this.fn = null;
    return true;
  }

  /** @internal */
  fire(): void {
    const fn = this.fn;
    this.fn = null;
    fn?.();
  }
}

/** Binary min-heap of events keyed by (time, seq): equal times run in scheduling order. */
export class EventQueue {
  private heap: ClockEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0].time : Number.POSITIVE_INFINITY;
  }

  push(time: number, fn: () => void): ClockEvent {
    const ev = new ClockEvent(time, this.seq++, fn, this);
    ev.index = this.heap.length;
    this.heap.push(ev);
    this.up(ev.index);
    return ev;
  }

  /** Remove and return the earliest event if its time is <= `limit`. */
  popUntil(limit: number): ClockEvent | null {
    if (this.heap.length === 0 || this.heap[0].time > limit) return null;
    const top = this.heap[0];
    this.removeAt(0);
    return top;
  }

  remove(ev: ClockEvent): void {
    if (ev.index >= 0) this.removeAt(ev.index);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const ev = h[i];
    const last = h.pop()!;
    ev.index = -1;
    if (i < h.length) {
      h[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  private less(a: ClockEvent, b: ClockEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const ev = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(ev, h[p])) break;
      h[i] = h[p];
      h[i].index = i;
      i = p;
    }
    h[i] = ev;
    ev.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const ev = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r], h[l]) ? r : l;
      if (!this.less(h[c], ev)) break;
      h[i] = h[c];
      h[i].index = i;
      i = c;
    }
    h[i] = ev;
    ev.index = i;
  }
}

/**
 * The virtual clock. In virtual mode it only moves when the kernel's driver moves it; in
 * real-time mode `now()` follows performance.now() from the moment real time was started
 * (never moving backwards).
 */
export class Clock {
  private ns = 0;
  private realBaseMs = 0;
  private realBaseNs = 0;
  private realtime = false;

  /** Current virtual time in nanoseconds. */
  now(): number {
    if (this.realtime) {
      const t = this.realBaseNs + Math.floor((performance.now() - this.realBaseMs) * NSEC_PER_MSEC);
      if (t > this.ns) this.ns = t;
    }
    return this.ns;
  }

  /** Move the clock forward to `t` (ignored if `t` is in the past). */
  advanceTo(t: number): void {
    if (t > this.ns) this.ns = t;
  }

  get isRealtime(): boolean {
    return this.realtime;
  }

  /** @internal real-time driver */
  setRealtime(on: boolean): void {
    if (on && !this.realtime) {
      this.realBaseMs = performance.now();
      this.realBaseNs = this.ns;
    }
    if (!on && this.realtime) this.now();
    this.realtime = on;
  }
}
