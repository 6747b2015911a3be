// Shared helpers for kernel tests: byte/text conversion, running processes to completion with
// their failures surfaced, and the leak check.
import { expect } from "vitest";
import type { Kernel, Process } from "../../src/kernel/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (s: string): Uint8Array => encoder.encode(s);
export const text = (b: Uint8Array): string => decoder.decode(b);

/** Run the kernel until every given process has exited; rethrow the first program error. */
export async function runAll(k: Kernel, ...procs: Process[]): Promise<number[]> {
  const codes = await k.runUntil(Promise.all(procs.map((p) => p.exited)), { timeoutNs: 24 * 3600e9 });
  for (const p of procs) if (p.error !== undefined) throw p.error;
  return codes!;
}

/** Nothing left behind: no files, sockets, unix socks or buffers, no process in the table. */
export function expectNoLeaks(k: Kernel): void {
  expect(k.stats()).toMatchObject({ processes: 0, files: 0, sockets: 0, unixSocks: 0, unixSkbs: 0 });
}

/** Deterministic pseudo-random bytes (xorshift32), for stream integrity checks. */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
