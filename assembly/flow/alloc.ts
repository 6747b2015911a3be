// Memory for the flow tables: power-of-two blocks over the arena, with a free list per size class.
//
// The arena (assembly/arena.ts) only bumps; tables that grow (an established table doubling, a
// reuseport group outgrowing its member array) give their old blocks back here, and the next request
// of that class reuses them. Memory is never returned to the arena: the high-water mark stays.
import { arenaAlloc } from "../arena";
import { FLOWST_FREE, FLOWST_SIZE, FLOW_ALLOC_MIN_CLASS } from "../memory";

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
  return arenaAlloc(<u32>1 << cls);
}

/** Gives back a block obtained from flowAlloc with the same `size`. */
export function flowFree(p: u32, size: u32): void {
  if (p == 0 || flowState == 0) return;
  const head = flowState + FLOWST_FREE + (sizeClass(size) << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, p);
}
