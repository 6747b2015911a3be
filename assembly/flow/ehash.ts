// The established-socket table: 4-tuple -> socket handle.
// Linux: net/ipv4/inet_hashtables.c __inet_lookup_established(), include/net/inet_hashtables.h.
//
// Read first: the EH / EHB diagrams in assembly/memory.ts.
//
// Where we differ from Linux, and why:
// - Linux chains the sockets themselves (sk_nulls_node inside struct sock) off an ehash bucket, so a
//   lookup costs one miss for the bucket and one per socket visited. Our sockets live in the host, so
//   an entry is a compact copy of the key (full hash, addrpair, ports, handle) and three entries share
//   a cache-line bucket; a chain continues into 64-byte overflow blocks only when a bucket holds more
//   than three flows. A hit or a miss usually reads one cache line.
// - Linux sizes ehash once at boot (thash_entries) and never resizes it. A Wasm instance starts
//   small, so this table doubles when flows > EH_LOAD * buckets, by incremental rehashing (as Redis's
//   dict): the old and the new bucket arrays coexist and every insert or delete moves up to
//   EH_REHASH_STEP old buckets (visiting at most EH_REHASH_EMPTY_VISITS empty ones per moved bucket)
//   into the new array. Doubling splits old bucket i into new buckets i and i + old size, so while
//   old buckets [0, rhidx) have moved a key is in exactly one place: the old array if its old index is
//   >= rhidx, else the new one. Lookups stay read-only and probe one chain. A bucket array is a
//   table of 64 KiB segments (memory.ts): a doubling allocates only the new segment table; each new
//   segment is allocated when the rehash first reaches it and each old one is freed as soon as it
//   is drained, and new buckets are zeroed one pair at a time just before they are filled. So no
//   single operation allocates, faults in or clears more than four segments (256 KiB): a contiguous
//   array would make the insert that starts a doubling zero-fill the whole new array at once
//   (measured: ~100 ms at 1M -> 2M flows). Lookups pay one extra L1-resident load for the segment.
//   The rehash finishes before the next doubling is due: a doubling starts at EH_LOAD * B flows and
//   the next is due at 2 * EH_LOAD * B, i.e. EH_LOAD * B inserts later, while B old buckets need only
//   B / EH_REHASH_STEP operations. Deletes never shrink the table.
// - Lookups do not take part in rehashing (Redis's do), so a batch of lookups never writes the table.
//
// Keys compare as Linux INET_MATCH does: one u64 addrpair (daddr << 32 | saddr) and one u32 ports
// (dport << 16 | sport), after the full 32-bit hash has rejected almost every non-matching slot.
import { arenaTop } from "../arena";
import {
  ARENA_BASE, EH_BATCH_CHUNK, EH_BUCKETS_LIMIT, EH_BUCKETS_MIN, EH_CNT_FULL, EH_CNT_GROW_FAIL,
  EH_CNT_GROWS, EH_CNT_MOVED, EH_CNT_NOMEM, EH_COUNT, EH_LOAD, EH_MAGIC, EH_MASK, EH_MAX_BUCKETS,
  EH_MAX_FLOWS, EH_OLD_MASK, EH_OLD_SEGS, EH_OVF_BUMP, EH_OVF_END, EH_OVF_FREE, EH_OVF_TOTAL, EH_OVF_USED,
  EH_REHASH_EMPTY_VISITS, EH_REHASH_IDX, EH_REHASH_STEP, EH_SCRATCH, EH_SEED, EH_SEG_BUCKETS, EH_SEG_SHIFT,
  EH_SEGS, EH_SIZE, EH_TOUCH,
  EHB_NEXT, EHB_SIZE, EHB_SLOT, EHS_ADDRPAIR, EHS_HANDLE, EHS_PORTS, EHS_SIZE, FLOWKEY_SIZE, PAGE_SIZE,
} from "../memory";
import { flowAlloc, flowFree } from "./alloc";
import { FLOW_E_EXISTS, FLOW_E_FULL, FLOW_E_INVAL, FLOW_E_NOENT, FLOW_E_NOMEM, FLOW_HANDLE_MAX } from "./codes";
import { jhash3 } from "./jhash";

const EH_MAGIC_WORD: u32 = 0x4548_5331; // "EHS1"
const OVF_CHUNK_MIN: u32 = 16; // overflow blocks per chunk, at least ...
const OVF_CHUNK_MAX: u32 = EH_SEG_BUCKETS; // ... and at most one segment's worth (64 KiB)

@inline function ehValid(t: u32): bool {
  return (
    t >= ARENA_BASE &&
    t <= arenaTop() - EH_SIZE &&
    (t & 63) == 0 &&
    load<u32>(t + EH_MAGIC) == EH_MAGIC_WORD
  );
}

@inline function pow2AtLeast(n: u32): u32 {
  return n <= 1 ? 1 : <u32>1 << (32 - clz<u32>(n - 1));
}

// Linux: inet_ehashfn() with the packed words: jhash_3words(laddr, faddr, lport << 16 | fport).
@inline function ehHash(t: u32, addrpair: u64, ports: u32): u32 {
  return jhash3(<u32>(addrpair >> 32), <u32>addrpair, ports, load<u32>(t + EH_SEED));
}

// ---- segmented bucket arrays (see the diagram in memory.ts) ----

/** Bytes of one segment of an array of `size` buckets. */
@inline function segBytes(size: u32): u32 {
  return (size < EH_SEG_BUCKETS ? size : EH_SEG_BUCKETS) * EHB_SIZE;
}

/** Segments in an array of `size` buckets. */
@inline function segCount(size: u32): u32 {
  return size > EH_SEG_BUCKETS ? size >> EH_SEG_SHIFT : 1;
}

/** Bucket i of the array whose segment table is `segs`. */
@inline function bucketAt(segs: u32, i: u32): u32 {
  return load<u32>(segs + ((i >> EH_SEG_SHIFT) << 2)) + (i & (EH_SEG_BUCKETS - 1)) * EHB_SIZE;
}

/** The chain (head bucket) a hash lives in: the old array for a bucket not yet moved, else the new. */
@inline function bucketFor(t: u32, h: u32): u32 {
  const old = load<u32>(t + EH_OLD_SEGS);
  if (old != 0) {
    const i = h & load<u32>(t + EH_OLD_MASK);
    if (i >= load<u32>(t + EH_REHASH_IDX)) return bucketAt(old, i);
  }
  return bucketAt(load<u32>(t + EH_SEGS), h & load<u32>(t + EH_MASK));
}

/** Frees a whole bucket array: its segments, then its segment table. */
function arrayFree(segs: u32, size: u32): void {
  const n = segCount(size);
  for (let i: u32 = 0; i < n; i++) flowFree(load<u32>(segs + (i << 2)), segBytes(size));
  flowFree(segs, n << 2);
}

/** A bucket array of `size` buckets, zeroed; 0 when memory is short. */
function arrayAlloc(size: u32): u32 {
  const n = segCount(size);
  const segs = flowAlloc(n << 2, true);
  if (segs == 0) return 0;
  for (let i: u32 = 0; i < n; i++) {
    const seg = flowAlloc(segBytes(size), true);
    if (seg == 0) {
      for (let j: u32 = 0; j < i; j++) flowFree(load<u32>(segs + (j << 2)), segBytes(size));
      flowFree(segs, n << 2);
      return 0;
    }
    store<u32>(segs + (i << 2), seg);
  }
  return segs;
}

/** Makes sure the new array's segment holding bucket i exists (contents are zeroed per bucket later). */
@inline function segEnsure(segs: u32, size: u32, i: u32): bool {
  const p = segs + ((i >> EH_SEG_SHIFT) << 2);
  if (load<u32>(p) != 0) return true;
  const seg = flowAlloc(segBytes(size), false);
  store<u32>(p, seg);
  return seg != 0;
}

/** Walks a chain; the slot's handle on a match, else 0. Linux: the INET_MATCH loop. */
@inline function chainFind(b: u32, h: u32, ap: u64, ports: u32): u32 {
  do {
    if (
      load<u32>(b) == h &&
      load<u64>(b + EHB_SLOT + EHS_ADDRPAIR) == ap &&
      load<u32>(b + EHB_SLOT + EHS_PORTS) == ports
    ) {
      const v = load<u32>(b + EHB_SLOT + EHS_HANDLE);
      if (v != 0) return v;
    }
    if (
      load<u32>(b + 4) == h &&
      load<u64>(b + EHB_SLOT + EHS_SIZE + EHS_ADDRPAIR) == ap &&
      load<u32>(b + EHB_SLOT + EHS_SIZE + EHS_PORTS) == ports
    ) {
      const v = load<u32>(b + EHB_SLOT + EHS_SIZE + EHS_HANDLE);
      if (v != 0) return v;
    }
    if (
      load<u32>(b + 8) == h &&
      load<u64>(b + EHB_SLOT + 2 * EHS_SIZE + EHS_ADDRPAIR) == ap &&
      load<u32>(b + EHB_SLOT + 2 * EHS_SIZE + EHS_PORTS) == ports
    ) {
      const v = load<u32>(b + EHB_SLOT + 2 * EHS_SIZE + EHS_HANDLE);
      if (v != 0) return v;
    }
    b = load<u32>(b + EHB_NEXT);
  } while (b != 0);
  return 0;
}

@inline function slotPtr(b: u32, s: u32): u32 {
  return b + EHB_SLOT + s * EHS_SIZE;
}

@inline function slotWrite(b: u32, s: u32, h: u32, ap: u64, ports: u32, handle: u32): void {
  store<u32>(b + (s << 2), h);
  const sp = slotPtr(b, s);
  store<u64>(sp + EHS_ADDRPAIR, ap);
  store<u32>(sp + EHS_PORTS, ports);
  store<u32>(sp + EHS_HANDLE, handle);
}

@inline function blockEmpty(b: u32): bool {
  return (
    (load<u32>(slotPtr(b, 0) + EHS_HANDLE) | load<u32>(slotPtr(b, 1) + EHS_HANDLE) |
      load<u32>(slotPtr(b, 2) + EHS_HANDLE)) == 0
  );
}

@inline function zeroBlock(b: u32): void {
  v128.store(b, i64x2.splat(0));
  v128.store(b, i64x2.splat(0), 16);
  v128.store(b, i64x2.splat(0), 32);
  v128.store(b, i64x2.splat(0), 48);
}

/** A zeroed overflow block: from the table's free list, else cut from its current chunk. 0 = no memory. */
function ovfAlloc(t: u32): u32 {
  let b = load<u32>(t + EH_OVF_FREE);
  if (b != 0) {
    store<u32>(t + EH_OVF_FREE, load<u32>(b + EHB_NEXT));
  } else {
    b = load<u32>(t + EH_OVF_BUMP);
    if (b == 0 || b >= load<u32>(t + EH_OVF_END)) {
      // a new chunk, sized to the table: about one block per 8 buckets
      let n = (load<u32>(t + EH_MASK) + 1) >> 3;
      if (n < OVF_CHUNK_MIN) n = OVF_CHUNK_MIN;
      if (n > OVF_CHUNK_MAX) n = OVF_CHUNK_MAX;
      b = flowAlloc(n * EHB_SIZE, false);
      if (b == 0) return 0;
      store<u32>(t + EH_OVF_END, b + n * EHB_SIZE);
      store<u32>(t + EH_OVF_TOTAL, load<u32>(t + EH_OVF_TOTAL) + n);
    }
    store<u32>(t + EH_OVF_BUMP, b + EHB_SIZE);
  }
  zeroBlock(b);
  store<u32>(t + EH_OVF_USED, load<u32>(t + EH_OVF_USED) + 1);
  return b;
}

@inline function ovfFree(t: u32, b: u32): void {
  store<u32>(b + EHB_NEXT, load<u32>(t + EH_OVF_FREE));
  store<u32>(t + EH_OVF_FREE, b);
  store<u32>(t + EH_OVF_USED, load<u32>(t + EH_OVF_USED) - 1);
}

/** Appends an entry to the first free slot of a chain, extending it when full. False = no memory. */
function chainAppend(t: u32, head: u32, h: u32, ap: u64, ports: u32, handle: u32): bool {
  let b = head;
  while (true) {
    for (let s: u32 = 0; s < 3; s++) {
      if (load<u32>(slotPtr(b, s) + EHS_HANDLE) == 0) {
        slotWrite(b, s, h, ap, ports, handle);
        return true;
      }
    }
    const next = load<u32>(b + EHB_NEXT);
    if (next == 0) break;
    b = next;
  }
  const nb = ovfAlloc(t);
  if (nb == 0) return false;
  store<u32>(b + EHB_NEXT, nb);
  slotWrite(nb, 0, h, ap, ports, handle);
  return true;
}

/** Moves the live entries of one block (a bucket or a scratch copy) into the new array. */
function moveEntries(t: u32, src: u32, segs: u32, nmask: u32): void {
  for (let s: u32 = 0; s < 3; s++) {
    const sp = slotPtr(src, s);
    const handle = load<u32>(sp + EHS_HANDLE);
    if (handle == 0) continue;
    const h = load<u32>(src + (s << 2));
    // Cannot fail: each old overflow block is copied to scratch and freed before its entries are
    // placed, and entries that filled j old blocks beyond the bucket never need more than j overflow
    // blocks across the two new chains (each new chain starts with three free inline slots).
    chainAppend(t, bucketAt(segs, h & nmask), h, load<u64>(sp + EHS_ADDRPAIR), load<u32>(sp + EHS_PORTS), handle);
  }
}

/**
 * Moves up to `n` non-empty old buckets into the new array (visiting at most
 * n * EH_REHASH_EMPTY_VISITS empty ones). Returns the old buckets still to move (0 = no rehash running).
 */
function rehashStep(t: u32, n: u32): u32 {
  const old = load<u32>(t + EH_OLD_SEGS);
  if (old == 0) return 0;
  const oldSize = load<u32>(t + EH_OLD_MASK) + 1;
  const segs = load<u32>(t + EH_SEGS);
  const nmask = load<u32>(t + EH_MASK);
  let idx = load<u32>(t + EH_REHASH_IDX);
  let emptyVisits = n * EH_REHASH_EMPTY_VISITS;
  let moved: u32 = 0;
  while (n > 0 && idx < oldSize) {
    // the two new buckets old bucket idx splits into: their segments, then lazy zeroing
    if (!segEnsure(segs, nmask + 1, idx) || !segEnsure(segs, nmask + 1, idx + oldSize)) {
      store<u32>(t + EH_CNT_GROW_FAIL, load<u32>(t + EH_CNT_GROW_FAIL) + 1);
      break; // memory is short: the rehash waits, every key is still where bucketFor looks
    }
    zeroBlock(bucketAt(segs, idx));
    zeroBlock(bucketAt(segs, idx + oldSize));
    const ob = bucketAt(old, idx);
    let next = load<u32>(ob + EHB_NEXT);
    const empty = next == 0 && blockEmpty(ob);
    if (!empty) {
      moveEntries(t, ob, segs, nmask);
      while (next != 0) {
        const b = next;
        next = load<u32>(b + EHB_NEXT);
        memory.copy(t + EH_SCRATCH, b, EHB_SIZE);
        ovfFree(t, b);
        moveEntries(t, t + EH_SCRATCH, segs, nmask);
      }
    }
    idx++;
    moved++;
    // a drained old segment goes back at once, for the new array's next segments to reuse
    if ((idx & (EH_SEG_BUCKETS - 1)) == 0 || idx == oldSize) {
      const sp = old + (((idx - 1) >> EH_SEG_SHIFT) << 2);
      flowFree(load<u32>(sp), segBytes(oldSize));
      store<u32>(sp, 0);
    }
    if (empty) {
      if (--emptyVisits == 0) break;
    } else n--;
  }
  store<u32>(t + EH_CNT_MOVED, load<u32>(t + EH_CNT_MOVED) + moved);
  if (idx >= oldSize) {
    flowFree(old, segCount(oldSize) << 2);
    store<u32>(t + EH_OLD_SEGS, 0);
    store<u32>(t + EH_OLD_MASK, 0);
    store<u32>(t + EH_REHASH_IDX, 0);
    return 0;
  }
  store<u32>(t + EH_REHASH_IDX, idx);
  return oldSize - idx;
}

/** Starts a doubling when the load calls for one and none is running. Failure only counts. */
function maybeGrow(t: u32): void {
  if (load<u32>(t + EH_OLD_SEGS) != 0) return;
  const size = load<u32>(t + EH_MASK) + 1;
  if (load<u32>(t + EH_COUNT) <= EH_LOAD * size || size >= load<u32>(t + EH_MAX_BUCKETS)) return;
  // only the segment table now (zeroed = no segment yet); segments come as the rehash reaches them
  const segs = flowAlloc(segCount(2 * size) << 2, true);
  if (segs == 0) {
    store<u32>(t + EH_CNT_GROW_FAIL, load<u32>(t + EH_CNT_GROW_FAIL) + 1);
    return;
  }
  store<u32>(t + EH_OLD_SEGS, load<u32>(t + EH_SEGS));
  store<u32>(t + EH_OLD_MASK, size - 1);
  store<u32>(t + EH_REHASH_IDX, 0);
  store<u32>(t + EH_SEGS, segs);
  store<u32>(t + EH_MASK, 2 * size - 1);
  store<u32>(t + EH_CNT_GROWS, load<u32>(t + EH_CNT_GROWS) + 1);
}

/**
 * Creates an established table sized for `initFlows` that may grow to `maxFlows` (0 = the limit,
 * EH_LOAD * EH_BUCKETS_LIMIT), hashing with `seed`. Returns the table pointer, or 0 when memory is
 * short. Linux: inet_hashinfo_init() / alloc_large_system_hash("TCP established").
 */
export function ehashCreate(initFlows: u32, maxFlows: u32, seed: u32): u32 {
  const limit = EH_LOAD * EH_BUCKETS_LIMIT;
  if (maxFlows == 0 || maxFlows > limit) maxFlows = limit;
  if (initFlows > maxFlows) initFlows = maxFlows;
  let size = pow2AtLeast((initFlows + EH_LOAD - 1) / EH_LOAD);
  if (size < EH_BUCKETS_MIN) size = EH_BUCKETS_MIN;
  let maxSize = pow2AtLeast((maxFlows + EH_LOAD - 1) / EH_LOAD);
  if (maxSize < size) maxSize = size;
  if (maxSize > EH_BUCKETS_LIMIT) maxSize = EH_BUCKETS_LIMIT;
  const t = flowAlloc(EH_SIZE, true);
  if (t == 0) return 0;
  const segs = arrayAlloc(size);
  if (segs == 0) {
    flowFree(t, EH_SIZE);
    return 0;
  }
  store<u32>(t + EH_MAGIC, EH_MAGIC_WORD);
  store<u32>(t + EH_SEED, seed);
  store<u32>(t + EH_MASK, size - 1);
  store<u32>(t + EH_SEGS, segs);
  store<u32>(t + EH_MAX_FLOWS, maxFlows);
  store<u32>(t + EH_MAX_BUCKETS, maxSize);
  return t;
}

/**
 * Adds flow (saddr:sport -> daddr:dport) with socket `handle` (1 .. 2^31-1). Returns 0, or
 * -FLOW_E_EXISTS (the 4-tuple is taken), -FLOW_E_FULL (maxFlows), -FLOW_E_NOMEM, -FLOW_E_INVAL.
 * Linux: inet_ehash_insert() (which checks for a duplicate under the bucket lock as we do here).
 */
export function ehashInsert(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32, handle: u32): i32 {
  if (!ehValid(t)) return -FLOW_E_INVAL;
  if (handle == 0 || handle > FLOW_HANDLE_MAX || (sport | dport) > 0xffff) return -FLOW_E_INVAL;
  if (load<u32>(t + EH_OLD_SEGS) != 0) rehashStep(t, EH_REHASH_STEP);
  const ap = (<u64>daddr << 32) | <u64>saddr;
  const ports = (dport << 16) | sport;
  const h = ehHash(t, ap, ports);
  const head = bucketFor(t, h);
  if (chainFind(head, h, ap, ports) != 0) return -FLOW_E_EXISTS;
  if (load<u32>(t + EH_COUNT) >= load<u32>(t + EH_MAX_FLOWS)) {
    store<u32>(t + EH_CNT_FULL, load<u32>(t + EH_CNT_FULL) + 1);
    return -FLOW_E_FULL;
  }
  if (!chainAppend(t, head, h, ap, ports, handle)) {
    store<u32>(t + EH_CNT_NOMEM, load<u32>(t + EH_CNT_NOMEM) + 1);
    return -FLOW_E_NOMEM;
  }
  store<u32>(t + EH_COUNT, load<u32>(t + EH_COUNT) + 1);
  maybeGrow(t);
  return 0;
}

/**
 * Removes a flow. Returns its handle, or -FLOW_E_NOENT / -FLOW_E_INVAL. An overflow block left empty
 * is unlinked and reused. Linux: inet_ehash_del() via sk_nulls_del_node_init_rcu().
 */
export function ehashDelete(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32): i32 {
  if (!ehValid(t)) return -FLOW_E_INVAL;
  if ((sport | dport) > 0xffff) return -FLOW_E_INVAL;
  if (load<u32>(t + EH_OLD_SEGS) != 0) rehashStep(t, EH_REHASH_STEP);
  const ap = (<u64>daddr << 32) | <u64>saddr;
  const ports = (dport << 16) | sport;
  const h = ehHash(t, ap, ports);
  const head = bucketFor(t, h);
  let prev: u32 = 0;
  let b = head;
  do {
    for (let s: u32 = 0; s < 3; s++) {
      const sp = slotPtr(b, s);
      const v = load<u32>(sp + EHS_HANDLE);
      if (
        v != 0 &&
        load<u32>(b + (s << 2)) == h &&
        load<u64>(sp + EHS_ADDRPAIR) == ap &&
        load<u32>(sp + EHS_PORTS) == ports
      ) {
        slotWrite(b, s, 0, 0, 0, 0);
        store<u32>(t + EH_COUNT, load<u32>(t + EH_COUNT) - 1);
        if (b != head && blockEmpty(b)) {
          store<u32>(prev + EHB_NEXT, load<u32>(b + EHB_NEXT));
          ovfFree(t, b);
        }
        return <i32>v;
      }
    }
    prev = b;
    b = load<u32>(b + EHB_NEXT);
  } while (b != 0);
  return -FLOW_E_NOENT;
}

/**
 * The socket handle of flow (saddr:sport -> daddr:dport), 0 when there is none, -FLOW_E_INVAL on a bad
 * table or port. Read-only. Linux: __inet_lookup_established().
 */
export function ehashLookup(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32): i32 {
  if (!ehValid(t) || (sport | dport) > 0xffff) return -FLOW_E_INVAL;
  const ap = (<u64>daddr << 32) | <u64>saddr;
  const ports = (dport << 16) | sport;
  const h = ehHash(t, ap, ports);
  return <i32>chainFind(bucketFor(t, h), h, ap, ports);
}

@inline function spanOk(ptr: u32, bytes: u64): bool {
  return <u64>ptr + bytes <= <u64>memory.size() * <u64>PAGE_SIZE;
}

/**
 * Looks up `count` FLOWKEYs at keysPtr and writes one u32 handle (0 = miss) per key at outPtr.
 * Per chunk of EH_BATCH_CHUNK keys: hash every key (the hashes wait in the output slots), then touch
 * every key's bucket in a tight loop of independent loads (their values go to EH_TOUCH so no engine
 * drops them), so the chunk's cache and TLB misses overlap, then resolve each key from cache.
 * Wasm has no prefetch instruction; a load is the prefetch. The output must not overlap the keys.
 * Returns the number of hits, or -FLOW_E_INVAL.
 */
export function ehashLookupBatch(t: u32, keysPtr: u32, count: u32, outPtr: u32): i32 {
  if (!ehValid(t) || !spanOk(keysPtr, <u64>count * FLOWKEY_SIZE) || !spanOk(outPtr, <u64>count << 2)) {
    return -FLOW_E_INVAL;
  }
  const seed = load<u32>(t + EH_SEED);
  const stable = load<u32>(t + EH_OLD_SEGS) == 0; // no rehash running: one array, hoisted
  const segs = load<u32>(t + EH_SEGS);
  const mask = load<u32>(t + EH_MASK);
  let touch: u32 = 0;
  let hits: u32 = 0;
  for (let base: u32 = 0; base < count; base += EH_BATCH_CHUNK) {
    const end = min<u32>(base + EH_BATCH_CHUNK, count);
    // pass 1: hashes only (ALU work, no misses), parked in the output slots
    for (let i = base; i < end; i++) {
      const k = keysPtr + i * FLOWKEY_SIZE;
      store<u32>(outPtr + (i << 2), jhash3(load<u32>(k, 4), load<u32>(k), load<u32>(k, 8), seed));
    }
    // pass 2: touch every bucket; a tight loop of independent loads keeps many misses in flight
    if (stable) {
      for (let i = base; i < end; i++) touch ^= load<u32>(bucketAt(segs, load<u32>(outPtr + (i << 2)) & mask));
    } else {
      for (let i = base; i < end; i++) touch ^= load<u32>(bucketFor(t, load<u32>(outPtr + (i << 2))));
    }
    // pass 3: resolve, from cache
    for (let i = base; i < end; i++) {
      const k = keysPtr + i * FLOWKEY_SIZE;
      const o = outPtr + (i << 2);
      const h = load<u32>(o);
      const b = stable ? bucketAt(segs, h & mask) : bucketFor(t, h);
      const v = chainFind(b, h, load<u64>(k), load<u32>(k, 8));
      store<u32>(o, v);
      hits += <u32>(v != 0);
    }
  }
  store<u32>(t + EH_TOUCH, touch);
  return <i32>hits;
}

/**
 * The same contract as ehashLookupBatch, resolving each key before hashing the next (no overlap of
 * misses): the baseline that shows what the batch's touch pass buys.
 */
export function ehashLookupLoop(t: u32, keysPtr: u32, count: u32, outPtr: u32): i32 {
  if (!ehValid(t) || !spanOk(keysPtr, <u64>count * FLOWKEY_SIZE) || !spanOk(outPtr, <u64>count << 2)) {
    return -FLOW_E_INVAL;
  }
  const seed = load<u32>(t + EH_SEED);
  const stable = load<u32>(t + EH_OLD_SEGS) == 0;
  const segs = load<u32>(t + EH_SEGS);
  const mask = load<u32>(t + EH_MASK);
  let hits: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const k = keysPtr + i * FLOWKEY_SIZE;
    const ports = load<u32>(k, 8);
    const h = jhash3(load<u32>(k, 4), load<u32>(k), ports, seed);
    const b = stable ? bucketAt(segs, h & mask) : bucketFor(t, h);
    const v = chainFind(b, h, load<u64>(k), ports);
    store<u32>(outPtr + (i << 2), v);
    hits += <u32>(v != 0);
  }
  return <i32>hits;
}

/** Flows in the table, or -FLOW_E_INVAL. */
export function ehashCount(t: u32): i32 {
  if (!ehValid(t)) return -FLOW_E_INVAL;
  return <i32>load<u32>(t + EH_COUNT);
}

/**
 * Moves up to `n` old buckets of a running rehash (for a host with idle time, and for tests).
 * Returns the old buckets still to move, 0 when no rehash is running, or -FLOW_E_INVAL.
 */
export function ehashRehashStep(t: u32, n: u32): i32 {
  if (!ehValid(t)) return -FLOW_E_INVAL;
  return <i32>rehashStep(t, n);
}

/**
 * ehashLookup without the argument checks, for callers inside the core that hold a valid table and
 * 16-bit ports (the RX fast path): the handle, or 0.
 */
@inline export function ehashFind(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32): u32 {
  const ap = (<u64>daddr << 32) | <u64>saddr;
  const ports = (dport << 16) | sport;
  const h = ehHash(t, ap, ports);
  return chainFind(bucketFor(t, h), h, ap, ports);
}
