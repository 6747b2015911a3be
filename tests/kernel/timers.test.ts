import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../../src/kernel/clock.js";
import { Kernel, NSEC_PER_MSEC, NSEC_PER_SEC } from "../../src/kernel/index.js";
import { Timer, TimerWheel } from "../../src/kernel/timers.js";

const MS = NSEC_PER_MSEC;

/** A wheel on a hand-driven clock, stepped the way the kernel's driver steps it. */
function manualWheel(tickNs = MS) {
  let now = 0;
  const wheel = new TimerWheel(tickNs, () => now);
  const fired: { name: string; at: number }[] = [];
  const runTo = (target: number) => {
    for (;;) {
      const j = wheel.nextExpiry();
      if (j === Number.POSITIVE_INFINITY || j * tickNs > target) break;
      now = Math.max(now, j * tickNs);
      wheel.run(j);
    }
    now = Math.max(now, target);
    wheel.run(Math.floor(now / tickNs));
  };
  const timer = (name: string) => new Timer(wheel, () => fired.push({ name, at: now }), name);
  return { wheel, fired, runTo, timer, now: () => now };
}

describe("timer wheel", () => {
  it("fires in expiry order, rounding expiries up to the next jiffy", () => {
    const w = manualWheel();
    const a = w.timer("a");
    const b = w.timer("b");
    const c = w.timer("c");
    c.mod(30 * MS);
    a.mod(10 * MS + 1); // rounds up to jiffy 11
    b.mod(10 * MS);
    w.runTo(100 * MS);
    expect(w.fired).toEqual([
      { name: "b", at: 10 * MS },
      { name: "a", at: 11 * MS },
      { name: "c", at: 30 * MS },
    ]);
  });

  it("same jiffy: the order they were armed in, even across a cascade", () => {
    const w = manualWheel();
    const early = w.timer("armed-first");
    early.mod(300 * MS); // 300 jiffies ahead: lands in tv2, cascades down at jiffy 256
    w.runTo(100 * MS);
    const late = w.timer("armed-second");
    late.mod(300 * MS); // now within tv1's 256 jiffies: straight into tv1
    w.runTo(400 * MS);
    expect(w.fired.map((f) => f.name)).toEqual(["armed-first", "armed-second"]);
    expect(w.fired.every((f) => f.at === 300 * MS)).toBe(true);
  });

  it("mod_timer / del_timer return whether the timer was pending; re-arming moves it", () => {
    const w = manualWheel();
    const t = w.timer("t");
    expect(t.pending).toBe(false);
    expect(t.mod(50 * MS)).toBe(false);
    expect(t.pending).toBe(true);
    expect(t.mod(20 * MS)).toBe(true);
    w.runTo(30 * MS);
    expect(w.fired).toEqual([{ name: "t", at: 20 * MS }]);
    expect(t.pending).toBe(false);
    expect(t.del()).toBe(false);
    t.mod(40 * MS);
    expect(t.del()).toBe(true);
    w.runTo(100 * MS);
    expect(w.fired).toHaveLength(1);
  });

  it("a callback can delete another timer due on the same jiffy (it does not run)", () => {
    let now = 0;
    const wheel = new TimerWheel(MS, () => now);
    const ran: string[] = [];
    const victim = new Timer(wheel, () => ran.push("victim"));
    const killer = new Timer(wheel, () => {
      ran.push("killer");
      victim.del();
    });
    killer.mod(5 * MS);
    victim.mod(5 * MS);
    now = 5 * MS;
    wheel.run(5);
    expect(ran).toEqual(["killer"]);
    expect(wheel.size).toBe(0);
  });

  it("a timer armed in the past fires on the next tick (as Linux)", () => {
    const w = manualWheel();
    w.runTo(10 * MS);
    const t = w.timer("late");
    t.mod(3 * MS);
    expect(w.wheel.nextExpiry()).toBe(11);
    w.runTo(20 * MS);
    expect(w.fired).toEqual([{ name: "late", at: 11 * MS }]);
  });

  it("cascades across every level and fires far timers on their exact jiffy", () => {
    const w = manualWheel();
    const jiffies = [255, 256, 257, 16383, 16384, 16385, 2 ** 20 + 3, 2 ** 26 + 5, 2 ** 30 + 7, 2 ** 32 + 11];
    for (const j of jiffies) w.timer(`j${j}`).modJiffies(j);
    w.runTo(2 ** 33 * MS);
    expect(w.fired.map((f) => f.at)).toEqual(jiffies.map((j) => j * MS));
  });

  it("long protocol timeouts: 60 s TIME_WAIT and a 2 h keepalive end exactly", async () => {
    const k = new Kernel();
    const at: Record<string, number> = {};
    const tw = k.timer(() => {
      at.timewait = k.now();
    });
    const ka = k.timer(() => {
      at.keepalive = k.now();
    });
    tw.mod(60 * NSEC_PER_SEC);
    ka.mod(2 * 3600 * NSEC_PER_SEC);
    await k.runUntilIdle();
    expect(at).toEqual({ timewait: 60 * NSEC_PER_SEC, keepalive: 7200 * NSEC_PER_SEC });
    expect(k.now()).toBe(7200 * NSEC_PER_SEC);
  });

  it("matches a sorted-list model under random arm/re-arm/delete/advance (property)", () => {
    type Op =
      | { kind: "mod"; t: number; at: number }
      | { kind: "del"; t: number }
      | { kind: "adv"; by: number };
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("mod" as const),
        t: fc.nat(7),
        at: fc.oneof(fc.nat(3_000_000), fc.nat(2 ** 37)), // up to ~1.4e8 jiffies: every level
      }),
      fc.record({ kind: fc.constant("del" as const), t: fc.nat(7) }),
      fc.record({ kind: fc.constant("adv" as const), by: fc.oneof(fc.nat(400_000), fc.nat(2 ** 35)) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops: Op[]) => {
        const tick = 1000; // 1 us jiffies keep the numbers small
        let now = 0;
        const wheel = new TimerWheel(tick, () => now);
        const got: string[] = [];
        const want: string[] = [];
        const model = new Map<number, { jiffy: number; seq: number }>();
        let seq = 0;
        let processed = -1;
        const timers = Array.from({ length: 8 }, (_, i) => new Timer(wheel, () => got.push(`${i}@${now}`)));
        const advanceTo = (target: number) => {
          const due = [...model.entries()]
            .filter(([, m]) => m.jiffy * tick <= target)
            .sort((a, b) => a[1].jiffy - b[1].jiffy || a[1].seq - b[1].seq);
          for (const [i, m] of due) {
            want.push(`${i}@${m.jiffy * tick}`);
            model.delete(i);
          }
          for (;;) {
            const j = wheel.nextExpiry();
            if (j * tick > target) break;
            now = Math.max(now, j * tick);
            wheel.run(j);
          }
          now = target;
          wheel.run(Math.floor(now / tick));
          processed = Math.floor(now / tick);
        };
        for (const o of ops) {
          if (o.kind === "mod") {
            const at = now + o.at;
            timers[o.t].mod(at);
            model.set(o.t, { jiffy: Math.max(Math.ceil(at / tick), processed + 1), seq: seq++ });
          } else if (o.kind === "del") {
            expect(timers[o.t].del()).toBe(model.delete(o.t));
          } else {
            advanceTo(now + o.by);
          }
        }
        advanceTo(now + 2 ** 38);
        expect(got).toEqual(want);
        expect(wheel.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("event queue", () => {
  it("orders by time, then by scheduling order; cancel removes", () => {
    const q = new EventQueue();
    const out: string[] = [];
    q.push(20, () => out.push("b"));
    q.push(10, () => out.push("a"));
    const c = q.push(20, () => out.push("c"));
    q.push(20, () => out.push("d"));
    expect(c.cancel()).toBe(true);
    expect(c.cancel()).toBe(false);
    for (let ev = q.popUntil(100); ev; ev = q.popUntil(100)) ev.fire();
    expect(out).toEqual(["a", "b", "d"]);
  });
});

describe("kernel clock driver", () => {
  it("advance() runs what is due and leaves the clock exactly there", async () => {
    const k = new Kernel();
    const seen: number[] = [];
    k.after(5 * MS, () => seen.push(k.now()));
    k.after(15 * MS, () => seen.push(k.now()));
    await k.advance(10 * MS);
    expect(seen).toEqual([5 * MS]);
    expect(k.now()).toBe(10 * MS);
    await k.advance(10 * MS);
    expect(seen).toEqual([5 * MS, 15 * MS]);
    expect(k.now()).toBe(20 * MS);
  });

  it("runUntilIdle({ maxNs }) stops a periodic timer's endless run", async () => {
    const k = new Kernel();
    let n = 0;
    const t = k.timer(() => {
      n++;
      t.mod(k.now() + 100 * MS);
    });
    t.mod(100 * MS);
    await k.runUntilIdle({ maxNs: 1000 * MS });
    expect(n).toBe(10);
    expect(k.now()).toBe(1000 * MS);
    t.del();
    await k.runUntilIdle();
    expect(k.stats().timers).toBe(0);
  });

  it("heap events run before wheel timers due at the same instant", async () => {
    const k = new Kernel();
    const out: string[] = [];
    k.timer(() => out.push("timer")).mod(7 * MS);
    k.schedule(7 * MS, () => out.push("event"));
    await k.runUntilIdle();
    expect(out).toEqual(["event", "timer"]);
  });

  it("nanosleep is precise; processes interleave by virtual time", async () => {
    const k = new Kernel();
    const log: string[] = [];
    const sleeper = (name: string, ns: number) =>
      k.spawn(name, async (sys) => {
        for (let i = 0; i < 3; i++) {
          await sys.nanosleep(ns);
          log.push(`${name}@${sys.clock_gettime(1)}`);
        }
      });
    const a = sleeper("a", 1500);
    const b = sleeper("b", 2000);
    await k.runUntil(Promise.all([a.exited, b.exited]));
    expect(log).toEqual(["a@1500", "b@2000", "a@3000", "b@4000", "a@4500", "b@6000"]);
  });

  it("the same seed gives the same run, a different seed a different one", async () => {
    const run = async (seed: number) => {
      const k = new Kernel({ seed });
      const log: string[] = [];
      for (let i = 0; i < 4; i++) {
        const t = k.timer(() => {
          log.push(`${i}@${k.now()}`);
          if (log.length < 200) t.mod(k.now() + k.rng.int(1, 5000) * MS);
        });
        t.mod(k.rng.int(0, 1000) * MS);
      }
      await k.runUntilIdle({ maxNs: 3600 * NSEC_PER_SEC });
      return log;
    };
    const a = await run(42);
    expect(a.length).toBeGreaterThan(100);
    expect(await run(42)).toEqual(a);
    expect(await run(43)).not.toEqual(a);
  });

  it("runUntil reports a stall with what is still sleeping", async () => {
    const k = new Kernel();
    const p = k.spawn("stuck", async (sys) => {
      const [a] = sys.socketpair(1, 1);
      await sys.recv(a, new Uint8Array(1)); // nobody will ever write
    });
    await expect(k.runUntil(p.exited)).rejects.toThrow(/pid 1 \(stuck\) S in unix_stream_data_wait/);
    k.kill(p.pid, 9);
    await k.runUntil(p.exited);
  });

  it("the real-time driver fires due events from host timeouts", async () => {
    const k = new Kernel();
    k.startRealtime();
    const p = k.spawn("rt", async (sys) => {
      await sys.nanosleep(2 * MS);
      return 7;
    });
    expect(await p.exited).toBe(7);
    expect(k.now()).toBeGreaterThanOrEqual(2 * MS);
    k.stopRealtime();
  });
});
