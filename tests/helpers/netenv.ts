// A small discrete-event environment for network-stack tests that do not need processes: one core,
// a clock, precise events and timers in one queue, and a seeded generator.
import type { Core } from "../../src/core/wasm.js";
import type { NetEnv } from "../../src/net/stack.js";
import type { TimerLike } from "../../src/net/tcp/sock.js";

export class TestNetEnv implements NetEnv {
  private t = 0;
  private seq = 0;
  private events: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
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
    this.events.push({ at: Math.max(ns, this.t), seq: this.seq++, fn, live: true });
  }

  timer(fn: () => void): TimerLike {
    let ev: { at: number; seq: number; fn: () => void; live: boolean } | undefined;
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
        env.events.push(ev);
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
  run(until = Number.POSITIVE_INFINITY, maxEvents = 10_000_000): number {
    let n = 0;
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.events.length; i++) {
        const e = this.events[i];
        if (!e.live) continue;
        if (
          best < 0 ||
          e.at < this.events[best].at ||
          (e.at === this.events[best].at && e.seq < this.events[best].seq)
        )
          best = i;
      }
      if (best < 0 || this.events[best].at > until) break;
      const e = this.events[best];
      this.events.splice(best, 1);
      this.t = e.at;
      e.fn();
      if (++n >= maxEvents) throw new Error("event limit reached");
      if (this.events.length > 64 && n % 64 === 0) this.events = this.events.filter((x) => x.live);
    }
    if (until !== Number.POSITIVE_INFINITY && this.t < until) this.t = until;
    return n;
  }
}
