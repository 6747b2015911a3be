// A small discrete-event environment for network-stack tests that do not need processes: one core,
// a clock, precise events and timers in one queue, and a seeded generator.
import type { Core } from "../../src/core/wasm.js";
import type { NetEnv } from "../../src/net/stack.js";
import type { TimerLike } from "../../src/net/tcp/sock.js";

interface Ev {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

export class TestNetEnv implements NetEnv {
  private t = 0;
  private seq = 0;
  private events: Ev[] = [];
  private rng: number;

  constructor(
    readonly core: Core,
    seed = 1,
  ) {
    this.rng = seed >>> 0 || 1;
  }

  now(): number {
    return this.t;
  }

  at(ns: number, fn: () => void): void {
    this.push({ at: Math.max(ns, this.t), seq: this.seq++, fn, live: true });
  }

  timer(fn: () => void): TimerLike {
    let ev: Ev | undefined;
    const env = this;
    return {
      mod(at: number) {
        if (ev) ev.live = false;
        ev = {
          at: Math.max(at, env.t),
          seq: env.seq++,
          fn: () => {
            ev = undefined;
            fn();
          },
          live: true,
        };
        env.push(ev);
      },
      del() {
        if (ev) ev.live = false;
        ev = undefined;
      },
      get pending() {
        return ev !== undefined;
      },
    };
  }

  rand32(): number {
    // xorshift32
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  random(): number {
    return this.rand32() / 2 ** 32;
  }

  /** Runs events in time order until none is left or `until` is reached. Returns events run. */
  run(until = Number.POSITIVE_INFINITY, maxEvents = 50_000_000): number {
    let n = 0;
    const h = this.events;
    for (;;) {
      while (h.length && !h[0].live) this.pop();
      if (!h.length || h[0].at > until) break;
      const e = this.pop();
      this.t = e.at;
      e.fn();
      if (++n >= maxEvents) throw new Error("event limit reached");
    }
    if (until !== Number.POSITIVE_INFINITY && this.t < until) this.t = until;
    return n;
  }

  private less(a: Ev, b: Ev): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Ev): void {
    const h = this.events;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Ev {
    const h = this.events;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
