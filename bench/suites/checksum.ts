// `wirestack bench checksum`: RFC 1071 partial sum over 64 B, 1500 B and 64 KiB, Wasm SIMD and scalar
// loops against the TypeScript twin, in one run.
//   wasm-simd    csumPartialSimd over the bytes in STAGING
//   wasm-scalar  csumPartialScalar over the same bytes
//   ts           src/twin/checksum.ts csumPartial over a copy of them in a plain ArrayBuffer
// Every call feeds the previous result in as the incoming sum and the last one goes to a sink, so no
// call can be dropped. Each case function runs `ops` calls so one sample is far above timer resolution.
// Targets (issue 2, same run): SIMD >= 7x the twin at 1500B and >= 12x at 64KiB, >= 25 GB/s at 1500B
// and >= 45 GB/s at 64KiB.
import { STAGING_OFFSET } from "../../src/generated/layout.js";
import { loadCore } from "../../src/node.js";
import { csumPartial } from "../../src/twin/checksum.js";
import type { BenchCase, Suite } from "../harness.js";

const SIZES: [string, number][] = [
  ["64B", 64],
  ["1500B", 1500],
  ["64KiB", 65536],
];

/** Calls per case function: about 64 KiB of data per call, and never fewer than 16 operations. */
function opsFor(size: number): number {
  return Math.max(16, Math.round(65536 / size));
}

/** Deterministic bytes (xorshift32) so every run checksums the same data. */
function fillBytes(dst: Uint8Array): void {
  let x = 0x9e3779b9;
  for (let i = 0; i < dst.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    dst[i] = x & 0xff;
  }
}

export let sink = 0;

export const checksumSuite: Suite = {
  name: "checksum",
  description: "RFC 1071 partial sum: Wasm SIMD and scalar loops vs the TypeScript twin",
  async cases(): Promise<BenchCase[]> {
    const core = await loadCore();
    const x = core.x;
    const max = SIZES[SIZES.length - 1][1];
    const bytes = new Uint8Array(max);
    fillBytes(bytes);
    core.u8.set(bytes, STAGING_OFFSET);
    const twinBuf = new Uint8Array(new ArrayBuffer(max));
    twinBuf.set(bytes);
    // The three impls agree on the bytes before anything is timed.
    for (const [, size] of SIZES) {
      const a = x.csumPartialSimd(STAGING_OFFSET, size, 0) >>> 0;
      const b = x.csumPartialScalar(STAGING_OFFSET, size, 0) >>> 0;
      const c = csumPartial(twinBuf, 0, size, 0);
      if (a !== b || b !== c) throw new Error(`checksum impls disagree at ${size}: ${a} ${b} ${c}`);
    }
    const ptr = STAGING_OFFSET;
    const cases: BenchCase[] = [];
    // One function literal per impl, so each call site sees a single callee.
    for (const [name, size] of SIZES) {
      const ops = opsFor(size);
      cases.push(
        {
          case: name,
          impl: "wasm-simd",
          ops,
          bytes: size,
          fn: () => {
            let s = sink;
            for (let i = 0; i < ops; i++) s = x.csumPartialSimd(ptr, size, s);
            sink = s;
          },
        },
        {
          case: name,
          impl: "wasm-scalar",
          ops,
          bytes: size,
          fn: () => {
            let s = sink;
            for (let i = 0; i < ops; i++) s = x.csumPartialScalar(ptr, size, s);
            sink = s;
          },
        },
        {
          case: name,
          impl: "ts",
          ops,
          bytes: size,
          fn: () => {
            let s = sink;
            for (let i = 0; i < ops; i++) s = csumPartial(twinBuf, 0, size, s);
            sink = s;
          },
        },
      );
    }
    return cases;
  },
};
