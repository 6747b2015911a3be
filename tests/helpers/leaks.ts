// Leak check for the sk_buff pools: after a test every descriptor and buffer must be free again, the
// free stacks must hold each entry exactly once, and the queues the test made must be empty.
import { expect } from "vitest";
import type { Core } from "../../src/core/wasm.js";
import {
  BUF2K_COUNT,
  BUF2K_FREE_OFFSET,
  BUF2K_REF_OFFSET,
  BUF64K_COUNT,
  BUF64K_FREE_OFFSET,
  BUF64K_REF_OFFSET,
  SKB_COUNT,
  SKB_DESC_OFFSET,
  SKB_FLAGS,
  SKB_FREE_OFFSET,
  SKB_SIZE,
  SKBF_FREED,
  SKBQ_BYTES,
  SKBQ_NEXT,
  SKBQ_PREV,
  SKBQ_QLEN,
} from "../../src/generated/layout.js";

function stackIsPermutation(u32: Uint32Array, offset: number, count: number, entry: (i: number) => number) {
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) seen.add(u32[(offset >>> 2) + i]);
  if (seen.size !== count) return false;
  for (let i = 0; i < count; i++) if (!seen.has(entry(i))) return false;
  return true;
}

/** Asserts that nothing is allocated from the pools, the pools are intact, and `queues` are empty. */
export function expectNoLeaks(core: Core, queues: readonly number[] = []): void {
  const x = core.x;
  for (const q of queues) {
    expect(x.skbQueueLen(q), `queue ${q} length`).toBe(0);
    expect(x.skbQueueBytes(q), `queue ${q} bytes`).toBe(0);
    const u32 = core.u32;
    expect(u32[(q + SKBQ_NEXT) >>> 2], `queue ${q} next`).toBe(q);
    expect(u32[(q + SKBQ_PREV) >>> 2], `queue ${q} prev`).toBe(q);
    expect(u32[(q + SKBQ_QLEN) >>> 2] + u32[(q + SKBQ_BYTES) >>> 2]).toBe(0);
  }
  expect(x.skbInUse(), "skb descriptors in use").toBe(0);
  // every TCP connection's core cell (TSK) is freed once the connection is gone
  expect(x.tskCount(), "TCP socket cells (TSK) in use").toBe(0);
  expect(x.buf2kInUse(), "2 KiB buffers in use").toBe(0);
  expect(x.buf64kInUse(), "64 KiB buffers in use").toBe(0);

  const u8 = core.u8;
  const u32 = core.u32;
  let notFreed = 0;
  for (let i = 0; i < SKB_COUNT; i++)
    if (!(u8[SKB_DESC_OFFSET + i * SKB_SIZE + SKB_FLAGS] & SKBF_FREED)) notFreed++;
  expect(notFreed, "descriptors without SKBF_FREED").toBe(0);
  let refs = 0;
  for (let i = 0; i < BUF2K_COUNT; i++) refs += u32[(BUF2K_REF_OFFSET >>> 2) + i];
  for (let i = 0; i < BUF64K_COUNT; i++) refs += u32[(BUF64K_REF_OFFSET >>> 2) + i];
  expect(refs, "buffer datarefs left").toBe(0);
  expect(
    stackIsPermutation(u32, SKB_FREE_OFFSET, SKB_COUNT, (i) => SKB_DESC_OFFSET + i * SKB_SIZE),
    "descriptor free stack holds every descriptor once",
  ).toBe(true);
  expect(
    stackIsPermutation(u32, BUF2K_FREE_OFFSET, BUF2K_COUNT, (i) => i),
    "2 KiB free stack",
  ).toBe(true);
  expect(
    stackIsPermutation(u32, BUF64K_FREE_OFFSET, BUF64K_COUNT, (i) => i),
    "64 KiB free stack",
  ).toBe(true);
}
