// Protocol timers on a hierarchical timer wheel counted in jiffies (HZ ticks per second).
//
// Linux: kernel/time/timer.c as it was up to 4.7 — the cascading wheel: tv1 has 256 one-jiffy
// slots, tv2..tv5 have 64 slots each, every level 64 times coarser than the one below; when tv1's
// index wraps, the next tv2 slot is "cascaded" (its timers re-inserted one level down), and so on
// up. Timers therefore expire on their exact jiffy. Linux 4.8 replaced cascading with a
// non-cascading wheel that lets far timers fire up to 12.5% late; we keep the exact expiry because
// a simulation's results should not depend on granularity rounding (a 60 s TIME_WAIT ends at 60 s).
//
// Semantics kept from Linux: mod_timer() (re)arms and returns whether the timer was pending;
// del_timer() disarms and returns whether it was pending; a timer whose jiffy is already past
// fires on the next tick; callbacks run in expiry order. Tie-break (ours, deterministic): timers
// expiring on the same jiffy run in the order they were armed.

const TVR_BITS = 8;
const TVN_BITS = 6;
const TVR_SIZE = 1 << TVR_BITS;
const TVN_SIZE = 1 << TVN_BITS;
const TVR_MASK = TVR_SIZE - 1;
const TVN_MASK = TVN_SIZE - 1;
/** Levels tv2..tv5 (index 0..3 here). */
const TVN_LEVELS = 4;
/** Farthest a timer is placed ahead of the wheel (Linux MAX_TVAL); farther ones are re-placed on cascade. */
const MAX_TVAL = 0xffffffff;

/** Span of level n (0 = tv1): 2^(8 + 6n) jiffies. */
function levelShift(n: number): number {
  return TVR_BITS + n * TVN_BITS;
}

type Slot = Set<Timer>;

export class Timer {
  /** Expiry in jiffies (valid while pending). */
  expires = 0;
  /** @internal arming order, for the deterministic tie-break */
  seq = 0;
  /** @internal the slot (or run list) holding this timer; null when not pending */
  slot: Slot | null = null;
  /** @internal wheel level of that slot (0 = tv1) */
  level = 0;

  constructor(
    private readonly wheel: TimerWheel,
    readonly callback: (t: Timer) => void,
    readonly name = "",
  ) {}

  /** Armed and not yet fired (Linux timer_pending()). */
  get pending(): boolean {
    return this.slot !== null;
  }

  /** Arm (or re-arm) to fire at absolute time `expiresNs` (rounded up to a jiffy). Linux mod_timer(). */
  mod(expiresNs: number): boolean {
    return this.wheel.mod(this, this.wheel.nsToJiffiesCeil(expiresNs));
  }

  /** Arm (or re-arm) to fire `delayNs` from now. */
  modIn(delayNs: number): boolean {
    return this.mod(this.wheel.nowNs() + delayNs);
  }

  /** Arm on an absolute jiffy. */
  modJiffies(expires: number): boolean {
    return this.wheel.mod(this, expires);
  }

  /** Disarm. Linux del_timer(): returns whether the timer was pending. */
  del(): boolean {
    return this.wheel.del(this);
  }
}

export class TimerWheel {
  /** Linux base->timer_jiffies: the next jiffy to process. */
  private base = 0;
  private readonly tv1: Slot[] = [];
  private readonly tvn: Slot[][] = [];
  private count = 0;
  /** Timers per level (0 = tv1): lets the wheel skip empty levels in one stride. */
  private readonly levelCount = [0, 0, 0, 0, 0];
  private seq = 0;
  private cachedNext = -1;
  /** Called whenever a timer is armed (the real-time driver re-arms its host timeout). */
  onArm: (() => void) | null = null;

  constructor(
    readonly tickNs: number,
    readonly nowNs: () => number,
  ) {
    for (let i = 0; i < TVR_SIZE; i++) this.tv1.push(new Set());
    for (let n = 0; n < TVN_LEVELS; n++) {
      const level: Slot[] = [];
      for (let i = 0; i < TVN_SIZE; i++) level.push(new Set());
      this.tvn.push(level);
    }
  }

  /** Pending timers. */
  get size(): number {
    return this.count;
  }

  /** Current jiffies (floor of now / tick). */
  jiffies(): number {
    return Math.floor(this.nowNs() / this.tickNs);
  }

  nsToJiffiesCeil(ns: number): number {
    return Math.ceil(ns / this.tickNs);
  }

  mod(t: Timer, expires: number): boolean {
    const wasPending = t.slot !== null;
    if (wasPending) this.detach(t);
    else this.count++;
    t.expires = expires;
    t.seq = this.seq++;
    this.internalAdd(t);
    this.cachedNext = -1;
    this.onArm?.();
    return wasPending;
  }

  del(t: Timer): boolean {
    if (t.slot === null) return false;
    this.detach(t);
    this.count--;
    this.cachedNext = -1;
    return true;
  }

  private detach(t: Timer): void {
    t.slot!.delete(t);
    t.slot = null;
    this.levelCount[t.level]--;
  }

  // Linux internal_add_timer() (pre-4.8).
  private internalAdd(t: Timer): void {
    const expires = t.expires;
    const idx = expires - this.base;
    let slot: Slot;
    let level = 0;
    if (idx < 0) {
      // Already due: the next jiffy the wheel processes.
      slot = this.tv1[this.base & TVR_MASK];
    } else if (idx < TVR_SIZE) {
      slot = this.tv1[expires & TVR_MASK];
    } else {
      let n = 0;
      while (n < TVN_LEVELS - 1 && idx >= 2 ** levelShift(n + 1)) n++;
      let e = expires;
      if (n === TVN_LEVELS - 1 && idx > MAX_TVAL) e = this.base + MAX_TVAL;
      slot = this.tvn[n][Math.floor(e / 2 ** levelShift(n)) & TVN_MASK];
      level = n + 1;
    }
    t.slot = slot;
    t.level = level;
    this.levelCount[level]++;
    slot.add(t);
  }

  /** Re-insert every timer of level n's slot `index` one level down (Linux cascade()). */
  private cascade(n: number, index: number): number {
    const slot = this.tvn[n][index];
    if (slot.size > 0) {
      this.tvn[n][index] = new Set();
      this.levelCount[n + 1] -= slot.size;
      for (const t of slot) this.internalAdd(t);
    }
    return index;
  }

  /** Index of level n's slot cascaded when the wheel reaches jiffy j. */
  private levelIndex(n: number, j: number): number {
    return Math.floor(j / 2 ** levelShift(n)) & TVN_MASK;
  }

  /**
   * The earliest jiffy on which a pending timer expires, or Infinity. Exact: tv1 holds the next
   * 256 jiffies; for each higher level the first non-empty slot after its next cascade point holds
   * that level's earliest timers.
   */
  nextExpiry(): number {
    if (this.count === 0) return Number.POSITIVE_INFINITY;
    if (this.cachedNext >= 0) return this.cachedNext;
    const base = this.base;
    const index = base & TVR_MASK;
    let best = Number.POSITIVE_INFINITY;
    for (let k = index; k < TVR_SIZE; k++) {
      if (this.tv1[k].size > 0) {
        best = base + (k - index);
        break;
      }
    }
    if (best === Number.POSITIVE_INFINITY) {
      const nextBlock = base - index + TVR_SIZE;
      for (let k = 0; k < index; k++) {
        if (this.tv1[k].size > 0) {
          best = nextBlock + k;
          break;
        }
      }
      for (let n = 0; n < TVN_LEVELS; n++) {
        if (this.levelCount[n + 1] === 0) continue;
        const span = 2 ** levelShift(n);
        const boundary = Math.ceil(base / span) * span;
        const start = this.levelIndex(n, boundary);
        const level = this.tvn[n];
        const last = n === TVN_LEVELS - 1;
        for (let k = 0; k < TVN_SIZE; k++) {
          const slot = level[(start + k) & TVN_MASK];
          if (slot.size === 0) continue;
          for (const t of slot) if (t.expires < best) best = t.expires;
          if (!last) break; // the top level may hold clamped far timers: scan all of it
        }
      }
    }
    this.cachedNext = best;
    return best;
  }

  /**
   * Process every jiffy up to and including `upTo`, running due callbacks in expiry order
   * (Linux __run_timers()). Afterwards the wheel stands at `upTo + 1`.
   */
  run(upTo: number): number {
    let ran = 0;
    while (this.base <= upTo) {
      if (this.count === 0) {
        this.base = upTo + 1;
        break;
      }
      const index = this.base & TVR_MASK;
      if (index === 0) {
        let n = 0;
        while (n < TVN_LEVELS && this.cascade(n, this.levelIndex(n, this.base)) === 0) n++;
        this.cachedNext = -1;
      }
      const slot = this.tv1[index];
      if (slot.size === 0) {
        if (this.levelCount[0] === 0) {
          // tv1 is empty: jump to the next point where a non-empty level cascades (the
          // cascades on the way would all move empty slots).
          let span = TVR_SIZE;
          for (let l = 1; l < TVN_LEVELS && this.levelCount[l] === 0; l++) span *= TVN_SIZE;
          this.base = Math.min((Math.floor(this.base / span) + 1) * span, upTo + 1);
          continue;
        }
        // Skip empty jiffies up to the next non-empty slot or the next cascade point.
        let k = index + 1;
        while (k < TVR_SIZE && this.tv1[k].size === 0) k++;
        this.base = Math.min(this.base + (k - index), upTo + 1);
        continue;
      }
      this.base++;
      this.tv1[index] = new Set();
      this.cachedNext = -1;
      const work = slot.size === 1 ? [...slot] : [...slot].sort((a, b) => a.seq - b.seq);
      for (const t of work) {
        if (t.slot !== slot) continue; // deleted or re-armed by an earlier callback
        t.slot = null;
        this.levelCount[0]--;
        this.count--;
        this.cachedNext = -1;
        ran++;
        t.callback(t);
      }
    }
    return ran;
  }

  /** @internal the wheel's position (for tests and /proc/timer_list-style output). */
  get timerJiffies(): number {
    return this.base;
  }
}
