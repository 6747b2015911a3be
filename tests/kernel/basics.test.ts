import { describe, expect, it } from "vitest";
import {
  EADDRINUSE,
  EAGAIN,
  ECONNREFUSED,
  errnoName,
  errnoNumber,
  POLLIN,
  POLLOUT,
  Rng,
  SyscallError,
  strerror,
  WAKE_ALL,
  WaitEntry,
  WaitQueue,
} from "../../src/kernel/index.js";

describe("errno", () => {
  it("Linux numbers, names and strerror texts", () => {
    expect([EAGAIN, EADDRINUSE, ECONNREFUSED]).toEqual([11, 98, 111]);
    expect(errnoName(104)).toBe("ECONNRESET");
    expect(errnoNumber("ENOTSOCK")).toBe(88);
    expect(strerror(32)).toBe("Broken pipe");
    expect(strerror(115)).toBe("Operation now in progress");
    expect(errnoName(999)).toBe("E999");
  });

  it("SyscallError looks like Node's system errors", () => {
    const e = new SyscallError("connect", ECONNREFUSED);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: "ECONNREFUSED", errno: 111, syscall: "connect", name: "SyscallError" });
    expect(e.message).toBe("connect ECONNREFUSED (Connection refused)");
  });
});

describe("rng", () => {
  it("is deterministic per seed and stays in range (inclusive)", () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const xs = Array.from({ length: 50 }, () => a.next32());
    expect(Array.from({ length: 50 }, () => b.next32())).toEqual(xs);
    expect(new Rng(6).next32()).not.toBe(xs[0]);
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const v = r.int(32768, 32775);
      expect(v).toBeGreaterThanOrEqual(32768);
      expect(v).toBeLessThanOrEqual(32775);
      seen.add(v);
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
    expect(seen.size).toBe(8);
    expect(() => r.int(5, 4)).toThrow(RangeError);
  });

  it("is roughly uniform", () => {
    const r = new Rng(123);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[r.int(0, 9)]++;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});

describe("wait queues", () => {
  const entry = (log: string[], name: string, mask = WAKE_ALL) =>
    new WaitEntry(mask, () => {
      log.push(name);
      return true;
    });

  it("wakes every matching non-exclusive entry and then nrExclusive exclusive ones", () => {
    const q = new WaitQueue();
    const log: string[] = [];
    q.addExclusive(entry(log, "x1"));
    q.add(entry(log, "n1"));
    q.addExclusive(entry(log, "x2"));
    q.add(entry(log, "n2"));
    q.add(entry(log, "out-only", POLLOUT));
    expect(q.wake(POLLIN, 1)).toBe(3);
    // Non-exclusive entries are at the head (most recent first), exclusive ones in FIFO order.
    expect(log).toEqual(["n2", "n1", "x1"]);
    log.length = 0;
    expect(q.wakeAll(POLLIN)).toBe(4);
    expect(log).toEqual(["n2", "n1", "x1", "x2"]);
  });

  it("an exclusive entry that declines does not use up the budget", () => {
    const q = new WaitQueue();
    const log: string[] = [];
    q.addExclusive(new WaitEntry(WAKE_ALL, () => false));
    q.addExclusive(entry(log, "x"));
    expect(q.wake(POLLIN, 1)).toBe(1);
    expect(log).toEqual(["x"]);
  });

  it("entries may remove themselves, or others, while being woken", () => {
    const q = new WaitQueue();
    const log: string[] = [];
    const c = entry(log, "c");
    const b = new WaitEntry(WAKE_ALL, (e) => {
      log.push("b");
      e.detach();
      c.detach();
      return true;
    });
    const a = entry(log, "a");
    q.add(c);
    q.add(b);
    q.add(a);
    q.wakeAll();
    expect(log).toEqual(["a", "b"]);
    expect(q.length).toBe(1);
  });
});
