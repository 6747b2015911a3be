// Memory setup and the arena: a bump allocator for tables sized at run time (rings, flow tables,
// epoll entries). Tables live until the engine is dropped; the arena never frees.
import {
  ARENA_ALIGN, ARENA_BASE, CNT_ARENA_FAIL, COUNTERS_OFFSET, COUNTER_SIZE, MAP_BASE, PAGE_SIZE,
  POOL_ARENA_TOP, POOL_MAGIC, POOL_STATE_OFFSET,
} from "./memory";

const INIT_MAGIC: u32 = 0x5753_4b31; // "WSK1"

// Linux-style counter bump; counters are u64 so /proc figures never wrap in a long benchmark.
@inline export function countInc(index: u32): void {
  const p = COUNTERS_OFFSET + index * COUNTER_SIZE;
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function countAdd(index: u32, n: u32): void {
  const p = COUNTERS_OFFSET + index * COUNTER_SIZE;
  store<u64>(p, load<u64>(p) + <u64>n);
}

/** Grows memory so that [0, end) is addressable. Returns false when the host refuses to grow. */
export function ensureMemory(end: usize): bool {
  const have = <usize>memory.size() * PAGE_SIZE;
  if (end <= have) return true;
  const pages = <i32>((end - have + PAGE_SIZE - 1) / PAGE_SIZE);
  return memory.grow(pages) >= 0;
}

/**
 * Lays out the fixed map. Returns 0, or -1 when the static data reaches MAP_BASE (a build problem),
 * or -2 when memory could not grow. Idempotent. The host must re-derive its views afterwards.
 */
export function coreInit(): i32 {
  if (<usize>__heap_base > <usize>MAP_BASE) return -1;
  if (!ensureMemory(<usize>ARENA_BASE)) return -2;
  if (load<u32>(POOL_STATE_OFFSET + POOL_MAGIC) == INIT_MAGIC) return 0;
  store<u32>(POOL_STATE_OFFSET + POOL_ARENA_TOP, ARENA_BASE);
  store<u32>(POOL_STATE_OFFSET + POOL_MAGIC, INIT_MAGIC);
  return 0;
}

/** Bump-allocates `size` bytes (aligned to ARENA_ALIGN, zeroed). Returns 0 when memory cannot grow. */
export function arenaAlloc(size: u32): u32 {
  const top = load<u32>(POOL_STATE_OFFSET + POOL_ARENA_TOP);
  const start = (top + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  const end = <u64>start + <u64>size;
  if (end > 0xffff_0000 || !ensureMemory(<usize>end)) {
    countInc(CNT_ARENA_FAIL);
    return 0;
  }
  memory.fill(start, 0, size);
  store<u32>(POOL_STATE_OFFSET + POOL_ARENA_TOP, <u32>end);
  return start;
}

export function arenaTop(): u32 {
  return load<u32>(POOL_STATE_OFFSET + POOL_ARENA_TOP);
}

export function counterGet(index: u32): u64 {
  return load<u64>(COUNTERS_OFFSET + index * COUNTER_SIZE);
}
