// Differential property tests: random insert/delete/lookup sequences give identical results on the
// Wasm tables, the TypeScript twin and (for the established table) a plain Map model, including
// sequences that double the table several times and lookups taken in the middle of a rehash.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { EhashTable, LhashTable, UdpHashTable } from "../src/core/flow.js";
import type { Core } from "../src/core/wasm.js";
import { FLOW_E_EXISTS, FLOW_E_NOENT } from "../src/generated/layout.js";
import { EhashTwin, LhashTwin, UdpTwin } from "../src/twin/flow.js";
import { freshCore } from "./helpers/core.js";

type Key = [number, number, number, number];

/** A pool of distinct 4-tuples drawn from small domains, so fields repeat across keys. */
function keyPool(seed: number, n: number): Key[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const seen = new Set<string>();
  const out: Key[] = [];
  while (out.length < n) {
    const k: Key = [
      (0xc0a80000 + (rnd() % 64)) >>> 0,
      rnd() % 512,
      rnd() % 3 === 0 ? 0xfffffffe : 0x0a000001 + (rnd() % 4),
      [80, 443, 8080][rnd() % 3],
    ];
    const id = k.join(",");
    if (!seen.has(id)) {
      seen.add(id);
      out.push(k);
    }
  }
  return out;
}

type EhOp = { kind: "insert" | "delete" | "lookup"; k: number } | { kind: "fill"; n: number };

const ehOp = (pool: number): fc.Arbitrary<EhOp> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("insert" as const), k: fc.nat(pool - 1) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), k: fc.nat(pool - 1) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("lookup" as const), k: fc.nat(pool - 1) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("fill" as const), n: fc.integer({ min: 1, max: 1500 }) }),
    },
  );

describe("flow tables: Wasm vs twin vs model", () => {
  let core: Core;
  beforeAll(async () => {
    core = await freshCore();
  });

  it("established table: random sequences across several doublings", () => {
    const POOL = 6000;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(1, 8, 64, 300),
        fc.array(ehOp(POOL), { minLength: 1, maxLength: 400 }),
        (poolSeed, seed, initFlows, ops) => {
          const keys = keyPool(poolSeed, POOL);
          const w = new EhashTable(core, { initFlows, seed });
          const tw = new EhashTwin({ initFlows, seed });
          const model = new Map<number, number>();
          let next = 1;
          let fillAt = 0;
          const one = (kind: "insert" | "delete" | "lookup", k: number) => {
            const key = keys[k];
            if (kind === "insert") {
              const h = next++;
              const want = model.has(k) ? -FLOW_E_EXISTS : 0;
              if (want === 0) model.set(k, h);
              expect(w.insert(...key, h)).toBe(want);
              expect(tw.insert(...key, h)).toBe(want);
            } else if (kind === "delete") {
              const want = model.get(k) ?? -FLOW_E_NOENT;
              model.delete(k);
              expect(w.delete(...key)).toBe(want);
              expect(tw.delete(...key)).toBe(want);
            } else {
              const want = model.get(k) ?? 0;
              expect(w.lookup(...key)).toBe(want);
              expect(tw.lookup(...key)).toBe(want);
            }
          };
          ops.forEach((op, i) => {
            if (op.kind === "fill") {
              for (let j = 0; j < op.n; j++) one("insert", (fillAt++ * 7) % POOL);
            } else one(op.kind, op.k);
            expect(w.rehashing()).toBe(tw.rehashing());
            if (w.rehashing() && i % 23 === 0) {
              for (const [k, h] of model) {
                expect(w.lookup(...keys[k])).toBe(h);
                expect(tw.lookup(...keys[k])).toBe(h);
              }
            }
          });
          expect(w.count()).toBe(model.size);
          expect(tw.count()).toBe(model.size);
          for (let k = 0; k < POOL; k += 3) {
            const want = model.get(k) ?? 0;
            expect(w.lookup(...keys[k])).toBe(want);
            expect(tw.lookup(...keys[k])).toBe(want);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("established table: filling to 20 000 doubles at least 10 times with lookups mid-rehash", () => {
    const keys = keyPool(12345, 20000);
    const w = new EhashTable(core, { initFlows: 8, seed: 42 });
    const tw = new EhashTwin({ initFlows: 8, seed: 42 });
    let doublings = 0;
    let was = false;
    keys.forEach((k, i) => {
      expect(w.insert(...k, i + 1)).toBe(0);
      expect(tw.insert(...k, i + 1)).toBe(0);
      if (w.rehashing() && !was) {
        doublings++;
        // somewhere inside this rehash: every flow so far must be found
        for (let j = 0; j <= i; j += 1 + (i >> 10)) {
          expect(w.lookup(...keys[j])).toBe(j + 1);
          expect(tw.lookup(...keys[j])).toBe(j + 1);
        }
      }
      was = w.rehashing();
      expect(tw.rehashing()).toBe(was);
    });
    expect(doublings).toBeGreaterThanOrEqual(10);
  });

  const addrs = [0, 0x0a000001, 0x0a000002];
  const peers = [0, 0xc0000207, 0xc6336409, 0xcb0071c8];
  const ports = [80, 443];
  const rports = [0, 5000, 5001];

  type PtOp =
    | { kind: "insert"; a: number; p: number; ra: number; rp: number; uid: number; reuse: boolean; h: number }
    | { kind: "delete"; a: number; p: number; h: number }
    | { kind: "lookup"; sa: number; sp: number; da: number; p: number };

  const ptOp = (udp: boolean): fc.Arbitrary<PtOp> =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("insert" as const),
          a: fc.nat(addrs.length - 1),
          p: fc.nat(ports.length - 1),
          ra: udp ? fc.nat(peers.length - 1) : fc.constant(0),
          rp: udp ? fc.nat(rports.length - 1) : fc.constant(0),
          uid: fc.constantFrom(1000, 1001),
          reuse: fc.constantFrom(true, true, false),
          h: fc.integer({ min: 1, max: 12 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("delete" as const),
          a: fc.nat(addrs.length - 1),
          p: fc.nat(ports.length - 1),
          h: fc.integer({ min: 1, max: 12 }),
        }),
      },
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant("lookup" as const),
          sa: fc.nat(peers.length - 1),
          sp: fc.constantFrom(5000, 5001, 6000, 61000),
          da: fc.nat(addrs.length - 1),
          p: fc.nat(ports.length - 1),
        }),
      },
    );

  for (const udp of [false, true]) {
    it(`${udp ? "UDP" : "listener"} table: random binds, unbinds and lookups agree, group order included`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.array(ptOp(udp), { minLength: 1, maxLength: 300 }),
          (seed, ops) => {
            const w = udp
              ? new UdpHashTable(core, { seed, buckets: 16 })
              : new LhashTable(core, { seed, buckets: 16 });
            const tw = udp ? new UdpTwin({ seed, buckets: 16 }) : new LhashTwin({ seed, buckets: 16 });
            const ins = (t: typeof w | typeof tw, o: Extract<PtOp, { kind: "insert" }>) =>
              t instanceof UdpHashTable || t instanceof UdpTwin
                ? t.insert(addrs[o.a], ports[o.p], peers[o.ra], rports[o.rp], o.uid, o.reuse, o.h)
                : t.insert(addrs[o.a], ports[o.p], o.uid, o.reuse, o.h);
            for (const o of ops) {
              if (o.kind === "insert") expect(ins(w, o)).toBe(ins(tw, o));
              else if (o.kind === "delete") {
                expect(w.delete(addrs[o.a], ports[o.p], o.h)).toBe(tw.delete(addrs[o.a], ports[o.p], o.h));
              } else {
                const r = w.lookup(peers[o.sa], o.sp, addrs[o.da], ports[o.p]);
                expect(r).toBe(tw.lookup(peers[o.sa], o.sp, addrs[o.da], ports[o.p]));
                expect(r).toBeGreaterThanOrEqual(0);
              }
            }
            for (const a of addrs) for (const p of ports) expect(w.members(a, p)).toEqual(tw.members(a, p));
            for (const sa of peers)
              for (const da of addrs)
                for (const p of ports)
                  for (const sp of [5000, 5001, 7777])
                    expect(w.lookup(sa, sp, da, p)).toBe(tw.lookup(sa, sp, da, p));
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});
