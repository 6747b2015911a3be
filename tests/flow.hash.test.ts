// The flow hash is Linux's jhash (lookup3's final mix): checked against lookup3's published vectors
// through an independent hashlittle() written here, and the core and the twin must agree bit for bit.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/core/wasm.js";
import { flowHash, jhash1i, jhash3i, portAddrHash, reciprocalScale } from "../src/twin/flow.js";
import { freshCore } from "./helpers/core.js";

const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Bob Jenkins' lookup3 hashlittle(), little-endian reads, straight from its description. */
function hashlittle(bytes: Uint8Array, initval: number): number {
  let a = (0xdeadbeef + bytes.length + initval) >>> 0;
  let b = a;
  let c = a;
  const word = (o: number) =>
    ((bytes[o] ?? 0) |
      ((bytes[o + 1] ?? 0) << 8) |
      ((bytes[o + 2] ?? 0) << 16) |
      ((bytes[o + 3] ?? 0) << 24)) >>>
    0;
  let o = 0;
  let n = bytes.length;
  while (n > 12) {
    a = (a + word(o)) >>> 0;
    b = (b + word(o + 4)) >>> 0;
    c = (c + word(o + 8)) >>> 0;
    a = ((a - c) >>> 0) ^ rot(c, 4);
    c = (c + b) >>> 0;
    b = ((b - a) >>> 0) ^ rot(a, 6);
    a = (a + c) >>> 0;
    c = ((c - b) >>> 0) ^ rot(b, 8);
    b = (b + a) >>> 0;
    a = ((a - c) >>> 0) ^ rot(c, 16);
    c = (c + b) >>> 0;
    b = ((b - a) >>> 0) ^ rot(a, 19);
    a = (a + c) >>> 0;
    c = ((c - b) >>> 0) ^ rot(b, 4);
    b = (b + a) >>> 0;
    o += 12;
    n -= 12;
  }
  if (n === 0) return c >>> 0;
  const tail = new Uint8Array(12);
  tail.set(bytes.subarray(o, o + n));
  const tw = (i: number) => (tail[i] | (tail[i + 1] << 8) | (tail[i + 2] << 16) | (tail[i + 3] << 24)) >>> 0;
  a = (a + tw(0)) >>> 0;
  b = (b + tw(4)) >>> 0;
  c = (c + tw(8)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 24)) >>> 0;
  return c;
}

function le(...words: number[]): Uint8Array {
  const u8 = new Uint8Array(words.length * 4);
  const dv = new DataView(u8.buffer);
  words.forEach((w, i) => {
    dv.setUint32(i * 4, w >>> 0, true);
  });
  return u8;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

describe("flow hash", () => {
  let core: Core;
  beforeAll(async () => {
    core = await freshCore();
  });

  it("the reference hashlittle reproduces lookup3's published vectors", () => {
    const four = new TextEncoder().encode("Four score and seven years ago");
    expect(hashlittle(new Uint8Array(0), 0)).toBe(0xdeadbeef);
    expect(hashlittle(four, 0)).toBe(0x17770551);
    expect(hashlittle(four, 1)).toBe(0xcd628161);
  });

  it("jhash_3words and jhash_1word equal hashlittle over the same little-endian words", () => {
    fc.assert(
      fc.property(u32, u32, u32, u32, (a, b, c, iv) => {
        expect(jhash3i(a, b, c, iv) >>> 0).toBe(hashlittle(le(a, b, c), iv));
        expect(jhash1i(a, iv) >>> 0).toBe(hashlittle(le(a), iv));
      }),
    );
  });

  it("the core's flowHash is jhash_3words(daddr, saddr, dport << 16 | sport, seed), as the twin's", () => {
    fc.assert(
      fc.property(u32, u16, u32, u16, u32, (saddr, sport, daddr, dport, seed) => {
        const want = hashlittle(le(daddr, saddr, (dport << 16) | sport), seed);
        expect(core.x.flowHash(saddr, sport, daddr, dport, seed) >>> 0).toBe(want);
        expect(flowHash(saddr, sport, daddr, dport, seed)).toBe(want);
      }),
    );
  });

  it("portAddrHash is jhash_1word(addr, seed) ^ port in both", () => {
    fc.assert(
      fc.property(u32, u16, u32, (addr, port, seed) => {
        const want = (hashlittle(le(addr), seed) ^ port) >>> 0;
        expect(core.x.portAddrHash(addr, port, seed) >>> 0).toBe(want);
        expect(portAddrHash(addr, port, seed)).toBe(want);
      }),
    );
  });

  it("reciprocal_scale agrees with the core for group sizes up to 65535", () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 1, max: 0xffff }), (h, n) => {
        const r = reciprocalScale(h, n);
        expect(core.x.flowReciprocalScale(h, n)).toBe(r);
        expect(r).toBe(Number((BigInt(h) * BigInt(n)) >> 32n));
        expect(r).toBeLessThan(n);
      }),
    );
  });
});
