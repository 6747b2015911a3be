// Memory for the flow tables: power-of-two blocks over the arena, with a free list per size class.
//
// The arena (assembly/arena.ts) only bumps; tables that grow (an established table doubling, a
// reuseport group outgrowing its member array) give their old blocks back here, and the next request
// of that class reuses them. Memory is never returned to the arena: the high-water mark stays.
import { arenaAlloc, arenaTop, ensureMemory } from "../arena";
import { ARENA_ALIGN, FLOWST_FREE, FLOWST_SIZE, FLOW_ALLOC_MIN_CLASS, PAGE_SIZE } from "../memory";

// memory.grow is expensive in engines (V8: a new ArrayBuffer, detaching the old one, external-memory
// accounting that can trigger a GC): ~1 ms each, measured. The arena grows memory exactly to what it
// hands out, so a table growing by 64 KiB segments would grow memory once per segment; instead we
// grow ahead by an eighth of the memory (at least 1 MiB) when the arena is about to need more.
// Untouched pages cost nothing until used.
const GROW_AHEAD_MIN: u64 = 1 << 20;

function growAhead(size: u32): void {
  const start = (<u64>arenaTop() + ARENA_ALIGN - 1) & ~(<u64>ARENA_ALIGN - 1);
  const need = start + <u64>size;
  const have = <u64>memory.size() * PAGE_SIZE;
  if (need <= have) return;
  let ahead = have >> 3;
  if (ahead < GROW_AHEAD_MIN) ahead = GROW_AHEAD_MIN;
  const want = need + ahead;
  if (want <= 0xffff_0000) ensureMemory(<usize>want); // a refusal is fine: arenaAlloc grows exactly
}

let flowState: u32 = 0; // the FLOWST block, allocated on first use

@inline function sizeClass(size: u32): u32 {
  if (size <= (<u32>1 << FLOW_ALLOC_MIN_CLASS)) return FLOW_ALLOC_MIN_CLASS;
  return 32 - clz<u32>(size - 1);
}

/**
 * A block of at least `size` bytes (rounded up to a power of two, >= 16, 64-aligned when >= 64),
 * zero-filled when `zero`; 0 when the arena cannot grow. Blocks from the arena are always zero;
 * recycled ones are cleared only when asked, so a caller that initialises lazily pays nothing.
 */
export function flowAlloc(size: u32, zero: bool): u32 {
  if (size == 0 || size > 0x8000_0000) return 0;
  if (flowState == 0) {
    flowState = arenaAlloc(FLOWST_SIZE);
    if (flowState == 0) return 0;
  }
  const cls = sizeClass(size);
  const head = flowState + FLOWST_FREE + (cls << 2);
  const p = load<u32>(head);
  if (p != 0) {
    store<u32>(head, load<u32>(p));
    if (zero) memory.fill(p, 0, <usize>1 << cls);
    else store<u32>(p, 0);
    return p;
  }
  growAhead(<u32>1 << cls);
  return arenaAlloc(<u32>1 << cls);
}

/** Gives back a block obtained from flowAlloc with the same `size`. */
export function flowFree(p: u32, size: u32): void {
  if (p == 0 || flowState == 0) return;
  const head = flowState + FLOWST_FREE + (sizeClass(size) << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, p);
}
