// Memory setup and the arena: a bump allocator for tables sized at run time (rings, flow tables,
// epoll entries). Tables live until the engine is dropped; the arena never frees.
import {
  ARENA_ALIGN, ARENA_BASE, BUF2K_COUNT, BUF2K_FREE_OFFSET, BUF2K_REF_OFFSET, BUF64K_COUNT,
  BUF64K_FREE_OFFSET, BUF64K_REF_OFFSET, CNT_ARENA_FAIL, COUNTERS_OFFSET, COUNTER_SIZE, MAP_BASE,
  PAGE_SIZE, POOL_ARENA_TOP, POOL_BUF2K_TOP, POOL_BUF64K_TOP, POOL_MAGIC, POOL_SKBQ_GEN,
  POOL_SKB_TOP, POOL_STATE_OFFSET, SKBF_FREED, SKB_COUNT, SKB_DESC_OFFSET, SKB_FLAGS, SKB_FREE_OFFSET,
  SKB_SIZE,
} from "./memory";

const INIT_MAGIC: u32 = 0x5753_4b31; // "WSK1"
// First sk_buff_head generation: far from small integers, so that a stale queue label read against
// memory that is no longer a queue head cannot match by accident (assembly/skbqueue.ts).
const SKBQ_GEN_START: u64 = 0x534b_4251_0000_0000; // "SKBQ" << 32

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
  poolsInit();
  store<u32>(POOL_STATE_OFFSET + POOL_ARENA_TOP, ARENA_BASE);
  store<u32>(POOL_STATE_OFFSET + POOL_MAGIC, INIT_MAGIC);
  return 0;
}

/**
 * Fills the free stacks so that every descriptor and buffer is free, lowest first to be popped (runs
 * are reproducible), marks every descriptor SKBF_FREED and zeroes the datarefs.
 */
function poolsInit(): void {
  for (let i: u32 = 0; i < SKB_COUNT; i++) {
    const skb = SKB_DESC_OFFSET + (SKB_COUNT - 1 - i) * SKB_SIZE;
    store<u32>(SKB_FREE_OFFSET + i * 4, skb);
    store<u8>(skb + SKB_FLAGS, <u8>SKBF_FREED);
  }
  for (let i: u32 = 0; i < BUF2K_COUNT; i++) {
    store<u32>(BUF2K_FREE_OFFSET + i * 4, BUF2K_COUNT - 1 - i);
    store<u32>(BUF2K_REF_OFFSET + i * 4, 0);
  }
  for (let i: u32 = 0; i < BUF64K_COUNT; i++) {
    store<u32>(BUF64K_FREE_OFFSET + i * 4, BUF64K_COUNT - 1 - i);
    store<u32>(BUF64K_REF_OFFSET + i * 4, 0);
  }
  store<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP, SKB_COUNT);
  store<u32>(POOL_STATE_OFFSET + POOL_BUF2K_TOP, BUF2K_COUNT);
  store<u32>(POOL_STATE_OFFSET + POOL_BUF64K_TOP, BUF64K_COUNT);
  store<u64>(POOL_STATE_OFFSET + POOL_SKBQ_GEN, SKBQ_GEN_START);
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
