// Checksum test helpers: an independent byte-pair oracle, and the core's checksum entry points wrapped
// as functions of (bytes in the core's memory) so one test can run every implementation.
import type { Core } from "../../src/core/wasm.js";
import { STAGING_OFFSET, STAGING_SIZE } from "../../src/generated/layout.js";
import * as twin from "../../src/twin/checksum.js";

/**
 * RFC 1071 by the book: big-endian 16-bit words (an odd last byte padded with a zero on the right),
 * summed exactly, carries folded back in. 0 only for an all-zero span, otherwise 1..0xffff.
 */
export function refSum(bytes: Uint8Array, off = 0, len = bytes.length - off): number {
  let s = 0;
  for (let i = 0; i + 1 < len; i += 2) s += (bytes[off + i] << 8) | bytes[off + i + 1];
  if (len & 1) s += bytes[off + len - 1] << 8;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/** Copies bytes into STAGING at STAGING_OFFSET + align and returns their address. */
export function stage(core: Core, bytes: Uint8Array, align = 0): number {
  if (align + bytes.length > STAGING_SIZE) throw new Error("span does not fit in STAGING");
  core.u8.set(bytes, STAGING_OFFSET + align);
  return STAGING_OFFSET + align;
}

export type PartialFn = (ptr: number, len: number, sum: number) => number;

/** Every implementation of csumPartial over the core's memory, results as u32. */
export function partialImpls(core: Core): [string, PartialFn][] {
  return [
    ["wasm csumPartial", (p, n, s) => core.x.csumPartial(p, n, s) >>> 0],
    ["wasm scalar", (p, n, s) => core.x.csumPartialScalar(p, n, s) >>> 0],
    ["wasm simd", (p, n, s) => core.x.csumPartialSimd(p, n, s) >>> 0],
    ["ts twin", (p, n, s) => twin.csumPartial(core.u8, p, n, s)],
  ];
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}
