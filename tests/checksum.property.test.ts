import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/core/wasm.js";
import * as twin from "../src/twin/checksum.js";
import { partialImpls, randomBytes, refSum, stage } from "./helpers/checksum.js";
import { freshCore } from "./helpers/core.js";

let core: Core;
beforeAll(async () => {
  core = await freshCore();
});

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

/** Bytes by kind: random, or the extremes that push SIMD lanes furthest (all 0xff, all 0x00). */
function makeBytes(kind: "random" | "ones" | "zeros" | "sparse", n: number, seed: number): Uint8Array {
  if (kind === "ones") return new Uint8Array(n).fill(0xff);
  if (kind === "zeros") return new Uint8Array(n);
  const b = randomBytes(n, seed);
  if (kind === "sparse") for (let i = 0; i < n; i++) if (b[i] & 0x1f) b[i] = 0;
  return b;
}

const spanArb = fc.record({
  kind: fc.constantFrom("random", "random", "ones", "zeros", "sparse") as fc.Arbitrary<
    "random" | "ones" | "zeros" | "sparse"
  >,
  seed: fc.integer(),
  len: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 })),
  align: fc.integer({ min: 0, max: 15 }),
  sum: fc.oneof(u32, fc.constantFrom(0, 0xffff, 0xffff_ffff)),
});

/** Residue modulo 0xffff: one's-complement sums are equal as numbers modulo 2^16 - 1. */
const mod = (x: number) => (x >>> 0) % 0xffff;

describe("checksum: Wasm SIMD == Wasm scalar == TS twin == RFC 1071 oracle", () => {
  it("csumPartial over random spans, offsets 0..15, lengths 0..70000 and incoming sums", () => {
    fc.assert(
      fc.property(spanArb, ({ kind, seed, len, align, sum }) => {
        const bytes = makeBytes(kind, len, seed);
        const p = stage(core, bytes, align);
        const want = twin.csumAdd(sum, refSum(bytes));
        for (const [name, f] of partialImpls(core)) expect(f(p, len, sum), name).toBe(want);
        // the twin over its own ArrayBuffer, at another alignment
        const own = new Uint8Array(len + 16);
        own.set(bytes, 15 - align);
        expect(twin.csumPartial(own, 15 - align, len, sum), "twin, own buffer").toBe(want);
        expect(twin.csumPartial(own.subarray(15 - align), 0, len, sum), "twin, subarray").toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it("the scalar helpers agree with the twin bit for bit", () => {
    fc.assert(
      fc.property(u32, u32, u32, u16, fc.integer({ min: 0, max: 255 }), (a, b, c, len, proto) => {
        const x = core.x;
        expect(x.csumAdd(a, b) >>> 0).toBe(twin.csumAdd(a, b));
        expect(x.csumSub(a, b) >>> 0).toBe(twin.csumSub(a, b));
        expect(x.csumFold(a)).toBe(twin.csumFold(a));
        expect(x.csumBlockAdd(a, b, c) >>> 0).toBe(twin.csumBlockAdd(a, b, c));
        expect(x.csumBlockSub(a, b, c) >>> 0).toBe(twin.csumBlockSub(a, b, c));
        expect(x.csumTcpudpNofold(a, b, len, proto, c) >>> 0).toBe(
          twin.csumTcpudpNofold(a, b, len, proto, c),
        );
        expect(x.csumTcpudpMagic(a, b, len, proto, c)).toBe(twin.csumTcpudpMagic(a, b, len, proto, c));
        expect(x.csumReplace2(a & 0xffff, b & 0xffff, c & 0xffff)).toBe(
          twin.csumReplace2(a & 0xffff, b & 0xffff, c & 0xffff),
        );
        expect(x.csumReplace4(a & 0xffff, b, c)).toBe(twin.csumReplace4(a & 0xffff, b, c));
      }),
      { numRuns: 2000 },
    );
  });

  it("csumBlockAdd of two spans split anywhere equals the sum of the whole span", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 3000 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        u32,
        (seed, len, cut, align, sum) => {
          const k = len === 0 ? 0 : cut % (len + 1);
          const p = stage(core, randomBytes(len, seed), align);
          const x = core.x;
          const whole = x.csumPartial(p, len, sum) >>> 0;
          const a = x.csumPartial(p, k, sum) >>> 0;
          const b = x.csumPartial(p + k, len - k, 0) >>> 0;
          expect(mod(x.csumBlockAdd(a, b, k))).toBe(mod(whole));
          expect(mod(x.csumBlockSub(whole, b, k))).toBe(mod(a));
          expect(mod(x.csumSub(x.csumAdd(a, b), b))).toBe(mod(a));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("incremental update equals full recomputation", () => {
  // A header-like buffer: even length, a checksum field and another field at even offsets.
  const headerArb = fc
    .record({
      seed: fc.integer(),
      words: fc.integer({ min: 3, max: 40 }),
      zeros: fc.boolean(),
      checkAt: fc.nat(),
      fieldAt: fc.nat(),
    })
    .map(({ seed, words, zeros, checkAt, fieldAt }) => {
      const bytes = zeros ? new Uint8Array(words * 2) : randomBytes(words * 2, seed);
      const check = 2 * (checkAt % words);
      return { bytes, check, fieldAt };
    });

  /** The checksum field value a sender computes from scratch (field zeroed while summing). */
  function recompute(bytes: Uint8Array, check: number): number {
    const b = bytes.slice();
    b[check] = 0;
    b[check + 1] = 0;
    const p = stage(core, b, 1);
    return core.x.csumFold(core.x.csumPartial(p, b.length, 0));
  }

  function allZeroBut(bytes: Uint8Array, check: number): boolean {
    return bytes.every((v, i) => v === 0 || i === check || i === check + 1);
  }

  it("csumReplace2 after changing a random 16-bit field", () => {
    fc.assert(
      fc.property(headerArb, u16, ({ bytes, check, fieldAt }, value) => {
        const words = bytes.length / 2;
        let field = 2 * (fieldAt % words);
        if (field === check) field = (field + 2) % bytes.length;
        const hc = recompute(bytes, check);
        const old = (bytes[field] << 8) | bytes[field + 1];
        const next = bytes.slice();
        next[field] = value >>> 8;
        next[field + 1] = value & 0xff;
        const incr = core.x.csumReplace2(hc, old, value);
        expect(twin.csumReplace2(hc, old, value)).toBe(incr);
        // Eqn. 3 differs from recomputation only for an all-zero header: -0 (0x0000) against +0 (0xffff).
        if (allZeroBut(next, check)) expect([incr, recompute(next, check)]).toEqual([0, 0xffff]);
        else expect(incr).toBe(recompute(next, check));
      }),
      { numRuns: 2000 },
    );
  });

  it("csumReplace4 after changing a random 32-bit field at an even offset", () => {
    fc.assert(
      fc.property(headerArb, u32, ({ bytes, check, fieldAt }, value) => {
        if (bytes.length < 6) return;
        const dv = new DataView(bytes.buffer);
        // a 4-byte field at an even offset that does not overlap the checksum field
        const starts: number[] = [];
        for (let f = 0; f + 4 <= bytes.length; f += 2) if (f + 4 <= check || f >= check + 2) starts.push(f);
        if (starts.length === 0) return;
        const field = starts[fieldAt % starts.length];
        const hc = recompute(bytes, check);
        const old = dv.getUint32(field);
        const next = bytes.slice();
        new DataView(next.buffer).setUint32(field, value);
        const incr = core.x.csumReplace4(hc, old, value);
        expect(twin.csumReplace4(hc, old, value)).toBe(incr);
        if (allZeroBut(next, check)) expect([incr, recompute(next, check)]).toEqual([0, 0xffff]);
        else expect(incr).toBe(recompute(next, check));
      }),
      { numRuns: 2000 },
    );
  });

  it("a chain of updates stays equal to recomputation", () => {
    fc.assert(
      fc.property(
        headerArb,
        fc.array(fc.tuple(fc.nat(), u16), { minLength: 1, maxLength: 20 }),
        ({ bytes, check }, edits) => {
          const cur = bytes.slice();
          let hc = recompute(cur, check);
          for (const [at, value] of edits) {
            let field = 2 * (at % (cur.length / 2));
            if (field === check) field = (field + 2) % cur.length;
            const old = (cur[field] << 8) | cur[field + 1];
            cur[field] = value >>> 8;
            cur[field + 1] = value & 0xff;
            hc = core.x.csumReplace2(hc, old, value);
          }
          if (!allZeroBut(cur, check)) expect(hc).toBe(recompute(cur, check));
        },
      ),
      { numRuns: 500 },
    );
  });
});
