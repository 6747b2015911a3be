// Host-side helpers over the core's sk_buff exports (assembly/skb.ts, assembly/skbqueue.ts): typed
// reads of a descriptor, byte views, and put/push with bytes. The logic (checks, refcounts, queue
// links) stays in Wasm; these only call the exports and read memory through the generated layout.
//
// Views returned here are over the core's current memory.buffer: re-derive them after any call that
// may grow memory (arenaAlloc, coreInit, table growth).
import {
  BUF2K_COUNT,
  BUF64K_COUNT,
  SKB_COUNT,
  SKB_DATA,
  SKB_END,
  SKB_HEAD,
  SKB_NEXT,
  SKB_TAIL,
  SKBQ_NEXT,
  SKBQ_SIZE,
} from "../generated/layout.js";
import type { Core } from "./wasm.js";

/** An skb's geometry as absolute addresses and lengths. */
export interface SkbGeometry {
  head: number;
  data: number;
  tail: number;
  end: number;
  len: number;
  headroom: number;
  tailroom: number;
}

function live(core: Core, skb: number): void {
  if (!core.x.skbIsLive(skb)) throw new RangeError(`not a live skb: ${skb}`);
}

/** Reads the descriptor's geometry. Throws RangeError when skb is not a live skb. */
export function skbGeometry(core: Core, skb: number): SkbGeometry {
  live(core, skb);
  const u32 = core.u32;
  const head = u32[(skb + SKB_HEAD) >>> 2];
  const data = head + u32[(skb + SKB_DATA) >>> 2];
  const tail = head + u32[(skb + SKB_TAIL) >>> 2];
  const end = head + u32[(skb + SKB_END) >>> 2];
  return { head, data, tail, end, len: tail - data, headroom: data - head, tailroom: end - tail };
}

/** A view of the skb's data (data..tail). Throws RangeError when skb is not a live skb. */
export function skbBytes(core: Core, skb: number): Uint8Array {
  const g = skbGeometry(core, skb);
  return core.u8.subarray(g.data, g.tail);
}

/**
 * Appends bytes at the tail (skbPut, then a copy). Returns the address they were written at, or 0
 * when the core refused (tailroom too small, not a live skb): nothing is written then.
 */
export function skbPutBytes(core: Core, skb: number, bytes: Uint8Array): number {
  const at = core.x.skbPut(skb, bytes.length);
  if (at !== 0) core.u8.set(bytes, at);
  return at;
}

/** Prepends bytes at data (skbPush, then a copy). Returns the new data address, or 0 when refused. */
export function skbPushBytes(core: Core, skb: number, bytes: Uint8Array): number {
  const at = core.x.skbPush(skb, bytes.length);
  if (at !== 0) core.u8.set(bytes, at);
  return at;
}

/**
 * A new skb holding `bytes` after `headroom` bytes of headroom (allocSkb, skbReserve, skbPut).
 * Returns the handle, or 0 when the core could not allocate (pool exhausted or too large; counted).
 */
export function allocSkbWith(core: Core, bytes: Uint8Array, headroom = 0): number {
  const skb = core.x.allocSkb(headroom + bytes.length);
  if (skb === 0) return 0;
  core.x.skbReserve(skb, headroom);
  skbPutBytes(core, skb, bytes);
  return skb;
}

/** Pool occupancy, for leak checks and /proc-style reporting. */
export interface PoolStats {
  skb: { inUse: number; capacity: number };
  buf2k: { inUse: number; capacity: number };
  buf64k: { inUse: number; capacity: number };
}

export function poolStats(core: Core): PoolStats {
  return {
    skb: { inUse: core.x.skbInUse(), capacity: SKB_COUNT },
    buf2k: { inUse: core.x.buf2kInUse(), capacity: BUF2K_COUNT },
    buf64k: { inUse: core.x.buf64kInUse(), capacity: BUF64K_COUNT },
  };
}

/**
 * A new, empty sk_buff_head carved from the arena (arena memory is never freed: meant for long-lived
 * queues and tests). Throws when the arena cannot grow.
 */
export function newSkbQueue(core: Core): number {
  const q = core.x.arenaAlloc(SKBQ_SIZE);
  if (q === 0 || core.x.skbQueueHeadInit(q) !== q) throw new Error("wirestack: no memory for an skb queue");
  return q;
}

/**
 * The skbs on queue q, head to tail, read from the links (for tests, tools and debugging). Throws
 * when the links do not lead back to q within SKB_COUNT steps.
 */
export function skbQueueList(core: Core, q: number): number[] {
  const u32 = core.u32;
  const out: number[] = [];
  let p = u32[(q + SKBQ_NEXT) >>> 2];
  while (p !== q) {
    if (out.length >= SKB_COUNT || !core.x.skbInSlab(p))
      throw new Error(`wirestack: skb queue ${q} is corrupt`);
    out.push(p);
    p = u32[(p + SKB_NEXT) >>> 2];
  }
  return out;
}
