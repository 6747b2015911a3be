// Model-based test of sk_buff and sk_buff_head: random sequences of alloc / free / clone / copy /
// get / push / pull / put / reserve / trim / fill / enqueue / dequeue / unlink / splice / purge run
// against the core and against a small JS model of geometry, refcounts, buffer bytes, queue contents
// and counters. Every invariant is checked after every step; at the end everything is released and
// the pools must be whole again.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newSkbQueue, skbGeometry, skbQueueList } from "../src/core/skb.js";
import type { Core } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { freshCore } from "./helpers/core.js";
import { expectNoLeaks } from "./helpers/leaks.js";

interface MBuf {
  head: number;
  large: boolean;
  ref: number;
  bytes: Uint8Array; // the whole buffer as the model expects it
}
interface MSkb {
  h: number;
  buf: MBuf;
  data: number; // offsets from head
  tail: number;
  end: number;
  users: number;
  cloned: boolean;
  q: number; // queue index, -1 when on none
}

const NQ = 3;
type Op =
  | { op: "alloc"; size: number }
  | { op: "clone" | "copy" | "get" | "freeDead"; i: number }
  | { op: "free"; i: number; reason: number; consume: boolean }
  | { op: "push" | "pull" | "put" | "reserve" | "trim"; i: number; len: number; fast: boolean }
  | { op: "fill"; i: number; v: number }
  | { op: "enqTail" | "enqHead" | "unlink"; i: number; q: number }
  | { op: "deq" | "deqTail" | "purge"; q: number }
  | { op: "splice"; from: number; to: number };

const idx = fc.nat(1000);
const qIdx = fc.nat(NQ - 1);
const len = fc.oneof(
  { weight: 6, arbitrary: fc.nat(300) },
  { weight: 2, arbitrary: fc.nat(2100) },
  { weight: 1, arbitrary: fc.nat(70000) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("alloc" as const),
      size: fc.oneof(
        fc.nat(2048),
        fc.integer({ min: 2049, max: 65536 }),
        fc.constantFrom(0, 2048, 2049, 65536, 65537),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("clone", "copy", "get", "freeDead"), i: idx }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("free" as const),
      i: idx,
      reason: fc.nat(40),
      consume: fc.boolean(),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constantFrom("push", "pull", "put", "reserve", "trim"),
      i: idx,
      len,
      fast: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fill" as const), i: idx, v: fc.nat(255) }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constantFrom("enqTail", "enqHead", "unlink"), i: idx, q: qIdx }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("deq", "deqTail", "purge"), q: qIdx }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("splice" as const), from: qIdx, to: qIdx }) },
);

class Model {
  skbs: MSkb[] = [];
  dead = new Set<number>(); // handles freed and not handed out again
  queues: number[][] = Array.from({ length: NQ }, () => []);
  refused = 0;
  doubleFree = 0;
  drops = new Map<number, number>();
  base: { refused: number; doubleFree: number; drops: number[] };

  constructor(
    readonly core: Core,
    readonly Q: number[],
  ) {
    this.base = this.countersNow();
  }

  countersNow() {
    const c = this.core;
    return {
      refused: c.counter(L.CNT_SKB_OP_REFUSED),
      doubleFree: c.counter(L.CNT_SKB_DOUBLE_FREE),
      drops: Array.from({ length: L.DROP_REASON_MAX }, (_, r) => c.counter(r)),
    };
  }

  pick(i: number): MSkb | undefined {
    return this.skbs.length ? this.skbs[i % this.skbs.length] : undefined;
  }

  snapshot(head: number, size: number): Uint8Array {
    return this.core.u8.slice(head, head + size);
  }

  adopt(h: number, large: boolean | null, from?: MSkb): MSkb {
    const g = skbGeometry(this.core, h);
    const end = g.end - g.head;
    const buf: MBuf = from
      ? from.buf
      : { head: g.head, large: end === L.BUF64K_SIZE, ref: 1, bytes: this.snapshot(g.head, end) };
    if (large !== null) expect(buf.large).toBe(large);
    this.dead.delete(h);
    const s: MSkb = from
      ? { ...from, h, users: 1, q: -1 }
      : { h, buf, data: 0, tail: 0, end, users: 1, cloned: false, q: -1 };
    this.skbs.push(s);
    return s;
  }

  release(s: MSkb, reason: number): void {
    s.users--;
    if (s.users > 0) return;
    if (reason) this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    s.buf.ref--;
    this.skbs.splice(this.skbs.indexOf(s), 1);
    this.dead.add(s.h);
  }

  unqueue(s: MSkb): void {
    const list = this.queues[s.q];
    list.splice(list.indexOf(s.h), 1);
    s.q = -1;
  }

  byHandle(h: number): MSkb {
    const s = this.skbs.find((k) => k.h === h);
    if (!s) throw new Error(`model has no skb ${h}`);
    return s;
  }

  step(o: Op): void {
    const x = this.core.x;
    switch (o.op) {
      case "alloc": {
        const h = x.allocSkb(o.size);
        if (o.size > L.BUF64K_SIZE) {
          expect(h).toBe(0);
          this.refused++;
        } else {
          expect(h).not.toBe(0);
          this.adopt(h, o.size > L.BUF2K_SIZE);
        }
        return;
      }
      case "freeDead": {
        if (this.dead.size === 0) return;
        const h = [...this.dead][o.i % this.dead.size];
        expect(o.i & 1 ? x.consumeSkb(h) : x.kfreeSkb(h, L.DROP_IP_CSUM)).toBe(-1);
        this.doubleFree++;
        return;
      }
      case "deq":
      case "deqTail": {
        const list = this.queues[o.q];
        const h = o.op === "deq" ? x.skbDequeue(this.Q[o.q]) : x.skbDequeueTail(this.Q[o.q]);
        if (list.length === 0) {
          expect(h).toBe(0);
          return;
        }
        expect(h).toBe(o.op === "deq" ? list[0] : list[list.length - 1]);
        this.unqueue(this.byHandle(h));
        return;
      }
      case "purge": {
        const list = [...this.queues[o.q]];
        expect(x.skbQueuePurge(this.Q[o.q], L.DROP_SOCKET_RCVBUFF)).toBe(list.length);
        for (const h of list) {
          const s = this.byHandle(h);
          this.unqueue(s);
          this.release(s, L.DROP_SOCKET_RCVBUFF);
        }
        return;
      }
      case "splice": {
        const r = x.skbQueueSpliceTailInit(this.Q[o.from], this.Q[o.to]);
        if (o.from === o.to) {
          expect(r).toBe(-1);
          this.refused++;
          return;
        }
        const moved = this.queues[o.from];
        expect(r).toBe(moved.length);
        for (const h of moved) this.byHandle(h).q = o.to;
        this.queues[o.to].push(...moved);
        this.queues[o.from] = [];
        return;
      }
    }
    const s = this.pick(o.i);
    if (!s) return;
    switch (o.op) {
      case "clone": {
        const h = x.skbClone(s.h);
        expect(h).not.toBe(0);
        s.cloned = true;
        s.buf.ref++;
        this.adopt(h, null, s);
        return;
      }
      case "copy": {
        const h = x.skbCopy(s.h);
        expect(h).not.toBe(0);
        const n = this.adopt(h, s.buf.large);
        expect(n.buf.bytes.subarray(0, s.tail)).toEqual(s.buf.bytes.subarray(0, s.tail));
        n.data = s.data;
        n.tail = s.tail;
        return;
      }
      case "get":
        expect(x.skbGet(s.h)).toBe(s.h);
        s.users++;
        return;
      case "free": {
        const r = o.consume ? x.consumeSkb(s.h) : x.kfreeSkb(s.h, o.reason);
        if (s.users === 1 && s.q >= 0) {
          expect(r).toBe(-1);
          this.doubleFree++;
          return;
        }
        expect(r).toBe(s.users === 1 ? 1 : 0);
        const reason = o.consume ? 0 : o.reason === 0 || o.reason >= L.DROP_REASON_MAX ? 1 : o.reason;
        this.release(s, reason);
        return;
      }
      case "fill": {
        this.core.u8.fill(o.v, s.buf.head + s.data, s.buf.head + s.tail);
        s.buf.bytes.fill(o.v, s.data, s.tail);
        return;
      }
      case "enqTail":
      case "enqHead": {
        const r = o.op === "enqTail" ? x.skbQueueTail(this.Q[o.q], s.h) : x.skbQueueHead(this.Q[o.q], s.h);
        if (s.q >= 0) {
          expect(r).toBe(0);
          this.refused++;
          return;
        }
        const list = this.queues[o.q];
        if (o.op === "enqTail") list.push(s.h);
        else list.unshift(s.h);
        s.q = o.q;
        expect(r).toBe(list.length);
        return;
      }
      case "unlink": {
        const r = x.skbUnlink(s.h, this.Q[o.q]);
        if (s.q !== o.q) {
          expect(r).toBe(0);
          this.refused++;
          return;
        }
        expect(r).toBe(s.h);
        this.unqueue(s);
        return;
      }
      case "push":
      case "pull":
      case "put":
      case "reserve":
      case "trim":
        this.geometry(s, o);
    }
  }

  geometry(s: MSkb, o: Extract<Op, { len: number }>): void {
    const x = this.core.x;
    const n = o.len;
    const head = s.buf.head;
    let ok: boolean;
    let expected: number;
    switch (o.op) {
      case "push":
        ok = n <= s.data;
        expected = head + s.data - n;
        break;
      case "pull":
        ok = n <= s.tail - s.data;
        expected = head + s.data + n;
        break;
      case "put":
        ok = n <= s.end - s.tail;
        expected = head + s.tail;
        break;
      case "reserve":
        ok = s.data === s.tail && n <= s.end - s.data;
        expected = head + s.data + n;
        break;
      default: // trim: never refused; a no-op unless shorter
        ok = true;
        expected = head + (n < s.tail - s.data ? s.data + n : s.tail);
    }
    const useUnchecked = o.fast && ok && (o.op !== "trim" || n < s.tail - s.data);
    const fns = {
      push: [x.skbPush, x.skbPushUnchecked],
      pull: [x.skbPull, x.skbPullUnchecked],
      put: [x.skbPut, x.skbPutUnchecked],
      reserve: [x.skbReserve, x.skbReserveUnchecked],
      trim: [x.skbTrim, x.skbTrimUnchecked],
    } as const;
    const r = fns[o.op][useUnchecked ? 1 : 0](s.h, n);
    if (!ok) {
      expect(r, `${o.op}(${n}) refused`).toBe(0);
      this.refused++;
      return;
    }
    expect(r, `${o.op}(${n})`).toBe(expected);
    if (o.op === "push") s.data -= n;
    else if (o.op === "pull") s.data += n;
    else if (o.op === "put") s.tail += n;
    else if (o.op === "reserve") {
      s.data += n;
      s.tail += n;
    } else if (n < s.tail - s.data) s.tail = s.data + n;
  }

  /** Compares the core with the model; collects mismatches so a step costs one assertion. */
  check(): void {
    const core = this.core;
    const x = core.x;
    const bad: string[] = [];
    const eq = (what: string, actual: unknown, expected: unknown) => {
      if (actual !== expected) bad.push(`${what}: ${String(actual)} != ${String(expected)}`);
    };
    eq("skbInUse", x.skbInUse(), this.skbs.length);
    const bufs = new Set(this.skbs.map((s) => s.buf));
    eq("buf2kInUse", x.buf2kInUse(), [...bufs].filter((b) => !b.large).length);
    eq("buf64kInUse", x.buf64kInUse(), [...bufs].filter((b) => b.large).length);
    const u32 = core.u32;
    for (const s of this.skbs) {
      const h = s.h;
      eq(`${h} live`, x.skbIsLive(h), 1);
      const head = u32[(h + L.SKB_HEAD) >>> 2];
      const data = u32[(h + L.SKB_DATA) >>> 2];
      const tail = u32[(h + L.SKB_TAIL) >>> 2];
      const end = u32[(h + L.SKB_END) >>> 2];
      if (!(data <= tail && tail <= end)) bad.push(`${h} geometry ${data} ${tail} ${end}`);
      eq(`${h} head`, head, s.buf.head);
      eq(`${h} data`, data, s.data);
      eq(`${h} tail`, tail, s.tail);
      eq(`${h} end`, end, s.end);
      eq(`${h} users`, x.skbUsers(h), s.users);
      eq(`${h} dataref`, x.skbDataref(h), s.buf.ref);
      eq(`${h} cloned`, x.skbCloned(h), s.cloned && s.buf.ref !== 1 ? 1 : 0);
      eq(`${h} owner`, x.skbListOwner(h), s.q >= 0 ? this.Q[s.q] : 0);
      const actual = Buffer.from(core.u8.buffer, head + data, Math.max(0, tail - data));
      if (!actual.equals(s.buf.bytes.subarray(s.data, s.tail))) bad.push(`${h} bytes differ`);
    }
    for (let q = 0; q < NQ; q++) {
      const list = this.queues[q];
      eq(`queue ${q} skbs`, skbQueueList(core, this.Q[q]).join(), list.join());
      eq(`queue ${q} len`, x.skbQueueLen(this.Q[q]), list.length);
      const bytes = list.reduce((n, h) => {
        const s = this.byHandle(h);
        return n + s.tail - s.data;
      }, 0);
      eq(`queue ${q} bytes`, x.skbQueueBytes(this.Q[q]), bytes);
    }
    const now = this.countersNow();
    eq("CNT_SKB_OP_REFUSED", now.refused - this.base.refused, this.refused);
    eq("CNT_SKB_DOUBLE_FREE", now.doubleFree - this.base.doubleFree, this.doubleFree);
    for (let r = 0; r < L.DROP_REASON_MAX; r++)
      eq(`drops[${r}]`, now.drops[r] - this.base.drops[r], this.drops.get(r) ?? 0);
    expect(bad).toEqual([]);
  }

  /** Purges the queues and drops every remaining reference. */
  teardown(): void {
    const x = this.core.x;
    for (let q = 0; q < NQ; q++) this.step({ op: "purge", q });
    for (const s of [...this.skbs]) {
      while (s.users > 0) {
        expect(x.consumeSkb(s.h)).toBe(s.users === 1 ? 1 : 0);
        this.release(s, 0);
      }
    }
    this.check();
  }
}

describe("sk_buff model", () => {
  it("random op sequences agree with the model, keep every invariant and leak nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 150, size: "max" }), async (ops) => {
        const core = await freshCore();
        const Q = Array.from({ length: NQ }, () => newSkbQueue(core));
        const m = new Model(core, Q);
        for (const o of ops) {
          m.step(o);
          m.check();
        }
        m.teardown();
        expectNoLeaks(core, Q);
      }),
      { numRuns: 200 },
    );
  });
});
