// sk_buff: descriptors, data buffers, reference counts and geometry (Linux include/linux/skbuff.h,
// net/core/skbuff.c), over the slabs declared in assembly/memory.ts.
//
// Handles: an skb is its descriptor's address (never 0). Buffers are addressed absolutely; every
// address this module returns is therefore non-zero, so 0 always means "refused" or "none".
//
// Checked and unchecked forms. Each geometry op comes twice, as in Linux:
//   skbPush (skb_push)            checks the handle and the precondition; a refused op changes
//                                 nothing, bumps CNT_SKB_OP_REFUSED and returns 0 (Linux would
//                                 skb_under_panic / skb_over_panic, or return NULL for skb_pull).
//   skbPushUnchecked (__skb_push) checks nothing, for hot paths whose caller has checked already; a
//                                 broken precondition is an assertion in the debug build and silent
//                                 corruption of that skb in the release build.
// Accessors that return a length or count return -1 for a handle that is not a live skb (counted as
// refused); accessors that return an address return 0.
//
// Queued skbs: the bytes of the sk_buff_head an skb is on (assembly/skbqueue.ts) stay exact when a
// queued skb changes length; every length-changing op here, checked or not, reports the change.
import { countInc } from "./arena";
import { DROP_NOMEM, DROP_NOT_SPECIFIED, DROP_REASON_MAX } from "./dropreason";
import {
  BUF_CLASS_2K, BUF_CLASS_64K, BUF2K_COUNT, BUF2K_FREE_OFFSET, BUF2K_OFFSET, BUF2K_REF_OFFSET,
  BUF2K_SIZE, BUF64K_COUNT, BUF64K_FREE_OFFSET, BUF64K_OFFSET, BUF64K_REF_OFFSET, BUF64K_SIZE,
  CNT_BUF2K_ALLOC_FAIL, CNT_BUF64K_ALLOC_FAIL, CNT_SKB_ALLOC_FAIL, CNT_SKB_DOUBLE_FREE,
  CNT_SKB_OP_REFUSED, POOL_BUF2K_TOP, POOL_BUF64K_TOP, POOL_SKB_TOP, POOL_STATE_OFFSET, SKBF_CLONED,
  SKBF_FREED, SKB_BUF_CLASS, SKB_BUF_INDEX, SKB_COUNT, SKB_DATA, SKB_DESC_OFFSET, SKB_DESC_SIZE,
  SKB_DEV, SKB_END, SKB_FLAGS, SKB_FREE_OFFSET, SKB_HDR_UNSET, SKB_HEAD, SKB_LIST, SKB_LIST_GEN,
  SKBQ_BYTES, SKB_MAC_HDR, SKB_NET_HDR, SKB_NEXT, SKB_PREV, SKB_SIZE, SKB_SK, SKB_TAIL, SKB_TRANS_HDR, SKB_USERS,
} from "./memory";
import { skbListOwner } from "./skbqueue";

// ---- handles ------------------------------------------------------------------------------------

/** True when `p` is the address of a descriptor slot (allocated or not). Never loads. */
@inline export function skbInSlab(p: u32): bool {
  const off = p - SKB_DESC_OFFSET; // wraps for p below the slab
  return off < SKB_DESC_SIZE && (off & (SKB_SIZE - 1)) == 0;
}

/** True when `skb` is an allocated descriptor: the test every checked op starts with. */
@inline export function skbIsLive(skb: u32): bool {
  return skbInSlab(skb) && (load<u8>(skb + SKB_FLAGS) & SKBF_FREED) == 0;
}

@inline function refused(): u32 {
  countInc(CNT_SKB_OP_REFUSED);
  return 0;
}

@inline function refusedLen(): i32 {
  countInc(CNT_SKB_OP_REFUSED);
  return -1;
}

// Keeps the byte count of the queue a queued skb is on exact when its length changes by delta.
function queuedLenChanged(skb: u32, delta: i32): void {
  const q = skbListOwner(skb);
  if (q != 0) store<u32>(q + SKBQ_BYTES, <u32>(<i32>load<u32>(q + SKBQ_BYTES) + delta));
}

// One load and a branch when the skb is on no queue (or the length did not change).
@inline function lenChanged(skb: u32, delta: i32): void {
  if (delta != 0 && load<u32>(skb + SKB_LIST) != 0) queuedLenChanged(skb, delta);
}

// ---- pools --------------------------------------------------------------------------------------

/** Descriptors allocated now. */
export function skbInUse(): u32 {
  return SKB_COUNT - load<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP);
}

/** 2 KiB buffers in use now (a buffer shared by clones counts once). */
export function buf2kInUse(): u32 {
  return BUF2K_COUNT - load<u32>(POOL_STATE_OFFSET + POOL_BUF2K_TOP);
}

/** 64 KiB buffers in use now. */
export function buf64kInUse(): u32 {
  return BUF64K_COUNT - load<u32>(POOL_STATE_OFFSET + POOL_BUF64K_TOP);
}

@inline function bufRefAddr(cls: u32, idx: u32): u32 {
  return (cls == BUF_CLASS_2K ? BUF2K_REF_OFFSET : BUF64K_REF_OFFSET) + idx * 4;
}

// Drops one reference to a data buffer; at the last one the buffer goes back on its free stack.
// Linux: net/core/skbuff.c skb_release_data()
function bufRelease(cls: u32, idx: u32): void {
  const refp = bufRefAddr(cls, idx);
  const ref = load<u32>(refp);
  assert(ref != 0, "skb: buffer released twice");
  if (ref == 0) return; // never push a buffer twice, even if a bug got us here
  store<u32>(refp, ref - 1);
  if (ref != 1) return;
  const topp = POOL_STATE_OFFSET + (cls == BUF_CLASS_2K ? POOL_BUF2K_TOP : POOL_BUF64K_TOP);
  const top = load<u32>(topp);
  store<u32>((cls == BUF_CLASS_2K ? BUF2K_FREE_OFFSET : BUF64K_FREE_OFFSET) + top * 4, idx);
  store<u32>(topp, top + 1);
}

// Pops a descriptor (the caller checked the stack is not empty) and marks it allocated.
@inline function descPop(top: u32): u32 {
  const skb = load<u32>(SKB_FREE_OFFSET + (top - 1) * 4);
  store<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP, top - 1);
  return skb;
}

// Returns a descriptor to the free stack. Linux: net/core/skbuff.c kfree_skbmem()
@inline function descPush(skb: u32): void {
  store<u8>(skb + SKB_FLAGS, <u8>SKBF_FREED);
  store<u32>(skb + SKB_LIST, 0);
  store<u32>(skb + SKB_NEXT, 0);
  store<u32>(skb + SKB_PREV, 0);
  const top = load<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP);
  store<u32>(SKB_FREE_OFFSET + top * 4, skb);
  store<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP, top + 1);
}

// ---- alloc and free -----------------------------------------------------------------------------

/**
 * A new skb whose buffer is the smallest class holding `size` bytes (<= 2048: 2 KiB, <= 65536:
 * 64 KiB). data = tail = head, end = the buffer size, users = 1, dataref = 1, no header marks, on no
 * list. Returns the handle, or 0: no descriptor (CNT_SKB_ALLOC_FAIL), no buffer of the class
 * (CNT_BUF2K_ALLOC_FAIL / CNT_BUF64K_ALLOC_FAIL) or size > 65536 (CNT_SKB_OP_REFUSED).
 * Differs from Linux: network_header starts unset like the others (Linux leaves it at 0 = head).
 */
// Linux: net/core/skbuff.c __alloc_skb()
export function allocSkb(size: u32): u32 {
  let cls: u32;
  let topOff: u32;
  if (size <= BUF2K_SIZE) {
    cls = BUF_CLASS_2K;
    topOff = POOL_BUF2K_TOP;
  } else if (size <= BUF64K_SIZE) {
    cls = BUF_CLASS_64K;
    topOff = POOL_BUF64K_TOP;
  } else return refused();
  const skbTop = load<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP);
  if (skbTop == 0) {
    countInc(CNT_SKB_ALLOC_FAIL);
    return 0;
  }
  const bufTop = load<u32>(POOL_STATE_OFFSET + topOff);
  if (bufTop == 0) {
    countInc(cls == BUF_CLASS_2K ? CNT_BUF2K_ALLOC_FAIL : CNT_BUF64K_ALLOC_FAIL);
    return 0;
  }
  let idx: u32;
  let head: u32;
  let end: u32;
  if (cls == BUF_CLASS_2K) {
    idx = load<u32>(BUF2K_FREE_OFFSET + (bufTop - 1) * 4);
    head = BUF2K_OFFSET + idx * BUF2K_SIZE;
    end = BUF2K_SIZE;
  } else {
    idx = load<u32>(BUF64K_FREE_OFFSET + (bufTop - 1) * 4);
    head = BUF64K_OFFSET + idx * BUF64K_SIZE;
    end = BUF64K_SIZE;
  }
  store<u32>(POOL_STATE_OFFSET + topOff, bufTop - 1);
  store<u32>(bufRefAddr(cls, idx), 1);
  const skb = descPop(skbTop);
  const z = i64x2.splat(0);
  for (let o: u32 = 0; o < SKB_SIZE; o += 16) v128.store(skb + o, z);
  store<u32>(skb + SKB_HEAD, head);
  store<u32>(skb + SKB_END, end);
  // mac, net and transport marks are three adjacent u16: all SKB_HDR_UNSET
  store<u32>(skb + SKB_MAC_HDR, (SKB_HDR_UNSET << 16) | SKB_HDR_UNSET);
  store<u16>(skb + SKB_TRANS_HDR, <u16>SKB_HDR_UNSET);
  store<u8>(skb + SKB_BUF_CLASS, <u8>cls);
  store<u32>(skb + SKB_USERS, 1);
  store<u32>(skb + SKB_BUF_INDEX, idx);
  return skb;
}

// Drops one user; at the last, releases data and descriptor. reason 0 = consumed (no drop count).
// Returns 1 when the descriptor was released, 0 when a reference remains, -1 when refused.
function skbUnref(skb: u32, reason: u32): i32 {
  if (!skbInSlab(skb)) return refusedLen();
  if (load<u8>(skb + SKB_FLAGS) & SKBF_FREED) {
    countInc(CNT_SKB_DOUBLE_FREE);
    return -1;
  }
  const users = load<u32>(skb + SKB_USERS);
  if (users > 1) {
    store<u32>(skb + SKB_USERS, users - 1);
    return 0;
  }
  // The queue holds the last reference: freeing it would leave a dangling link.
  if (load<u32>(skb + SKB_LIST) != 0) {
    countInc(CNT_SKB_DOUBLE_FREE);
    return -1;
  }
  if (reason != 0) countInc(reason);
  store<u32>(skb + SKB_USERS, 0);
  bufRelease(load<u8>(skb + SKB_BUF_CLASS), load<u32>(skb + SKB_BUF_INDEX));
  descPush(skb);
  return 1;
}

/**
 * Drops a reference, as a drop: at the last reference the skb is freed and the drop counter of
 * `reason` (COUNTERS_OFFSET + reason * 8) is bumped; a reason of 0 or >= DROP_REASON_MAX counts as
 * DROP_NOT_SPECIFIED. Returns 1 when freed, 0 when other references remain, -1 when refused: a
 * freed descriptor or an skb whose last reference is held by a queue (CNT_SKB_DOUBLE_FREE), or not
 * a descriptor at all (CNT_SKB_OP_REFUSED). A refused free changes nothing.
 */
// Linux: net/core/skbuff.c kfree_skb_reason()
export function kfreeSkb(skb: u32, reason: u32): i32 {
  return skbUnref(skb, reason == 0 || reason >= DROP_REASON_MAX ? DROP_NOT_SPECIFIED : reason);
}

/** Drops a reference after normal use (no drop counted). Returns as kfreeSkb. */
// Linux: net/core/skbuff.c consume_skb()
export function consumeSkb(skb: u32): i32 {
  return skbUnref(skb, 0);
}

/** Takes a reference (users++). Returns skb, or 0 when refused (not live, or users saturated). */
// Linux: include/linux/skbuff.h skb_get()
export function skbGet(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  const users = load<u32>(skb + SKB_USERS);
  if (users == u32.MAX_VALUE) return refused(); // Linux's refcount_t saturates too
  store<u32>(skb + SKB_USERS, users + 1);
  return skb;
}

/** True when more than one reference holds the descriptor (false, counted, for a bad handle). */
// Linux: include/linux/skbuff.h skb_shared()
export function skbShared(skb: u32): bool {
  if (!skbIsLive(skb)) return <bool>refused();
  return load<u32>(skb + SKB_USERS) != 1;
}

/**
 * True when the data buffer is shared with a clone still alive: cloned flag set and dataref != 1
 * (false, counted, for a bad handle).
 */
// Linux: include/linux/skbuff.h skb_cloned()
export function skbCloned(skb: u32): bool {
  if (!skbIsLive(skb)) return <bool>refused();
  if ((load<u8>(skb + SKB_FLAGS) & SKBF_CLONED) == 0) return false;
  return load<u32>(bufRefAddr(load<u8>(skb + SKB_BUF_CLASS), load<u32>(skb + SKB_BUF_INDEX))) != 1;
}

/** Descriptor references (users), or -1 for a bad handle. */
// Linux: refcount_read(&skb->users)
export function skbUsers(skb: u32): i32 {
  if (!skbIsLive(skb)) return refusedLen();
  return <i32>load<u32>(skb + SKB_USERS);
}

/** References to the skb's data buffer (dataref), or -1 for a bad handle. */
// Linux: atomic_read(&skb_shinfo(skb)->dataref)
export function skbDataref(skb: u32): i32 {
  if (!skbIsLive(skb)) return refusedLen();
  return <i32>load<u32>(bufRefAddr(load<u8>(skb + SKB_BUF_CLASS), load<u32>(skb + SKB_BUF_INDEX)));
}

/**
 * A new descriptor for the same data: same geometry, header marks, dev, timestamp, hash, protocol
 * and cb; sk cleared, users = 1, on no list; dataref++ and SKBF_CLONED set on both. Returns the new
 * handle, or 0 (no descriptor: CNT_SKB_ALLOC_FAIL; bad handle: CNT_SKB_OP_REFUSED).
 */
// Linux: net/core/skbuff.c skb_clone()
export function skbClone(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  const top = load<u32>(POOL_STATE_OFFSET + POOL_SKB_TOP);
  if (top == 0) {
    countInc(CNT_SKB_ALLOC_FAIL);
    return 0;
  }
  const n = descPop(top);
  memory.copy(n, skb, SKB_SIZE);
  const flags = (load<u8>(skb + SKB_FLAGS) | <u8>SKBF_CLONED) & ~(<u8>SKBF_FREED);
  store<u8>(skb + SKB_FLAGS, flags);
  store<u8>(n + SKB_FLAGS, flags);
  store<u32>(n + SKB_NEXT, 0);
  store<u32>(n + SKB_PREV, 0);
  store<u32>(n + SKB_SK, 0);
  store<u32>(n + SKB_USERS, 1);
  store<u32>(n + SKB_LIST, 0);
  store<u64>(n + SKB_LIST_GEN, 0);
  const refp = bufRefAddr(load<u8>(skb + SKB_BUF_CLASS), load<u32>(skb + SKB_BUF_INDEX));
  store<u32>(refp, load<u32>(refp) + 1);
  return n;
}

/**
 * A private copy: new descriptor and new buffer of the same class, bytes head..tail copied (so the
 * headroom is preserved), same offsets, header marks, dev, timestamp, hash, protocol and cb; sk
 * cleared, not cloned, on no list. Returns the new handle, or 0 (pool exhausted, counted as by
 * allocSkb; bad handle: CNT_SKB_OP_REFUSED).
 */
// Linux: net/core/skbuff.c skb_copy()
export function skbCopy(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  const end = load<u32>(skb + SKB_END);
  const n = allocSkb(end);
  if (n == 0) return 0;
  const tail = load<u32>(skb + SKB_TAIL);
  memory.copy(load<u32>(n + SKB_HEAD), load<u32>(skb + SKB_HEAD), tail);
  store<u32>(n + SKB_DATA, load<u32>(skb + SKB_DATA));
  store<u32>(n + SKB_TAIL, tail);
  store<u32>(n + SKB_MAC_HDR, load<u32>(skb + SKB_MAC_HDR)); // mac and net marks
  store<u16>(n + SKB_TRANS_HDR, load<u16>(skb + SKB_TRANS_HDR));
  memory.copy(n + SKB_DEV, skb + SKB_DEV, SKB_LIST - SKB_DEV); // dev .. cb
  return n;
}

/**
 * Makes sure the caller owns its data: a cloned skb is replaced by a copy (the original reference
 * consumed); an uncloned skb is returned as is. Returns the skb to use, or 0: when the copy fails
 * the original reference is dropped (DROP_NOMEM) as Linux does. Refused without touching the skb
 * (0, CNT_SKB_OP_REFUSED) for a bad handle or an skb on a queue.
 */
// Linux: include/linux/skbuff.h skb_unshare()
export function skbUnshare(skb: u32): u32 {
  if (!skbIsLive(skb) || load<u32>(skb + SKB_LIST) != 0) return refused();
  if (!skbCloned(skb)) return skb;
  const n = skbCopy(skb);
  if (n == 0) {
    skbUnref(skb, DROP_NOMEM);
    return 0;
  }
  skbUnref(skb, 0);
  return n;
}

// ---- geometry -----------------------------------------------------------------------------------
// Fields are offsets from head: 0 <= data <= tail <= end. Every op below keeps that invariant when
// its precondition holds; the checked forms refuse (and change nothing) when it does not.

@inline function fData(skb: u32): u32 {
  return load<u32>(skb + SKB_DATA);
}
@inline function fTail(skb: u32): u32 {
  return load<u32>(skb + SKB_TAIL);
}
@inline function fHead(skb: u32): u32 {
  return load<u32>(skb + SKB_HEAD);
}
@inline function fEnd(skb: u32): u32 {
  return load<u32>(skb + SKB_END);
}

/** Bytes of data (tail - data). No handle check. */
// Linux: skb->len (linear skbs only here)
@inline export function skbLenUnchecked(skb: u32): u32 {
  return fTail(skb) - fData(skb);
}
/** Bytes before data. No handle check. */
// Linux: include/linux/skbuff.h skb_headroom()
@inline export function skbHeadroomUnchecked(skb: u32): u32 {
  return fData(skb);
}
/** Bytes after tail. No handle check. */
// Linux: include/linux/skbuff.h skb_tailroom()
@inline export function skbTailroomUnchecked(skb: u32): u32 {
  return fEnd(skb) - fTail(skb);
}
/** Address of the first data byte. No handle check. */
// Linux: skb->data
@inline export function skbDataPtrUnchecked(skb: u32): u32 {
  return fHead(skb) + fData(skb);
}
/** Address one past the last data byte. No handle check. */
// Linux: include/linux/skbuff.h skb_tail_pointer()
@inline export function skbTailPtrUnchecked(skb: u32): u32 {
  return fHead(skb) + fTail(skb);
}

/** skb length, or -1 for a bad handle. */
export function skbLen(skb: u32): i32 {
  if (!skbIsLive(skb)) return refusedLen();
  return <i32>skbLenUnchecked(skb);
}
/** Headroom, or -1 for a bad handle. */
// Linux: include/linux/skbuff.h skb_headroom()
export function skbHeadroom(skb: u32): i32 {
  if (!skbIsLive(skb)) return refusedLen();
  return <i32>fData(skb);
}
/** Tailroom, or -1 for a bad handle. */
// Linux: include/linux/skbuff.h skb_tailroom()
export function skbTailroom(skb: u32): i32 {
  if (!skbIsLive(skb)) return refusedLen();
  return <i32>skbTailroomUnchecked(skb);
}
/** Address of the buffer start, or 0 for a bad handle. */
// Linux: skb->head
export function skbHeadPtr(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  return fHead(skb);
}
/** Address of the first data byte, or 0 for a bad handle. */
// Linux: skb->data
export function skbDataPtr(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  return skbDataPtrUnchecked(skb);
}
/** Address one past the last data byte, or 0 for a bad handle. */
// Linux: include/linux/skbuff.h skb_tail_pointer()
export function skbTailPtr(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  return skbTailPtrUnchecked(skb);
}
/** Address one past the buffer, or 0 for a bad handle. */
// Linux: include/linux/skbuff.h skb_end_pointer()
export function skbEndPtr(skb: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  return fHead(skb) + fEnd(skb);
}

/** Extends the data at the tail by len. Returns the old tail address (where to write). No checks. */
// Linux: include/linux/skbuff.h __skb_put()
@inline export function skbPutUnchecked(skb: u32, len: u32): u32 {
  const tail = fTail(skb);
  assert(len <= fEnd(skb) - tail, "skb_over_panic");
  store<u32>(skb + SKB_TAIL, tail + len);
  lenChanged(skb, <i32>len);
  return fHead(skb) + tail;
}
/** skbPutUnchecked when tailroom >= len; else refused (0, skb unchanged). */
// Linux: net/core/skbuff.c skb_put()
export function skbPut(skb: u32, len: u32): u32 {
  if (!skbIsLive(skb) || len > skbTailroomUnchecked(skb)) return refused();
  return skbPutUnchecked(skb, len);
}

/** Extends the data at the front by len. Returns the new data address. No checks. */
// Linux: include/linux/skbuff.h __skb_push()
@inline export function skbPushUnchecked(skb: u32, len: u32): u32 {
  const data = fData(skb);
  assert(len <= data, "skb_under_panic");
  store<u32>(skb + SKB_DATA, data - len);
  lenChanged(skb, <i32>len);
  return fHead(skb) + data - len;
}
/** skbPushUnchecked when headroom >= len; else refused (0, skb unchanged). */
// Linux: net/core/skbuff.c skb_push()
export function skbPush(skb: u32, len: u32): u32 {
  if (!skbIsLive(skb) || len > fData(skb)) return refused();
  return skbPushUnchecked(skb, len);
}

/** Removes len bytes from the front. Returns the new data address. No checks. */
// Linux: include/linux/skbuff.h __skb_pull()
@inline export function skbPullUnchecked(skb: u32, len: u32): u32 {
  const data = fData(skb);
  assert(len <= fTail(skb) - data, "__skb_pull past tail");
  store<u32>(skb + SKB_DATA, data + len);
  lenChanged(skb, -<i32>len);
  return fHead(skb) + data + len;
}
/**
 * skbPullUnchecked when len <= skb length; else refused (0, skb unchanged). Linux's skb_pull returns
 * NULL here without complaint; we count it in CNT_SKB_OP_REFUSED like every refusal.
 */
// Linux: net/core/skbuff.c skb_pull()
export function skbPull(skb: u32, len: u32): u32 {
  if (!skbIsLive(skb) || len > skbLenUnchecked(skb)) return refused();
  return skbPullUnchecked(skb, len);
}

/** Moves data and tail forward by len on an empty skb. Returns the new data address. No checks. */
// Linux: include/linux/skbuff.h skb_reserve()
@inline export function skbReserveUnchecked(skb: u32, len: u32): u32 {
  const data = fData(skb);
  assert(data == fTail(skb) && len <= fEnd(skb) - data, "skb_reserve on a non-empty skb");
  store<u32>(skb + SKB_DATA, data + len);
  store<u32>(skb + SKB_TAIL, data + len);
  return fHead(skb) + data + len;
}
/**
 * skbReserveUnchecked when the skb is empty (data == tail, Linux's documented precondition) and
 * tailroom >= len; else refused (0, skb unchanged).
 */
// Linux: include/linux/skbuff.h skb_reserve()
export function skbReserve(skb: u32, len: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  const data = fData(skb);
  if (data != fTail(skb) || len > fEnd(skb) - data) return refused();
  return skbReserveUnchecked(skb, len);
}

/** Sets the length to len (tail = data + len) when len <= skb length. Returns the tail. No checks. */
// Linux: include/linux/skbuff.h __skb_trim()
@inline export function skbTrimUnchecked(skb: u32, len: u32): u32 {
  const data = fData(skb);
  const old = fTail(skb) - data;
  assert(len <= old, "__skb_trim past tail");
  store<u32>(skb + SKB_TAIL, data + len);
  lenChanged(skb, <i32>len - <i32>old);
  return fHead(skb) + data + len;
}
/**
 * Cuts the data to len bytes when it is longer; no change otherwise (as Linux). Returns the tail
 * address after the op, or 0 for a bad handle.
 */
// Linux: net/core/skbuff.c skb_trim()
export function skbTrim(skb: u32, len: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  if (len < skbLenUnchecked(skb)) return skbTrimUnchecked(skb, len);
  return skbTailPtrUnchecked(skb);
}

// ---- header marks -------------------------------------------------------------------------------
// Stored as u16 offsets from head, SKB_HDR_UNSET when not set. Setting a mark at an offset that does
// not fit (>= 0xffff, only possible near the end of a 64 KiB buffer) or outside [head, end] is
// refused by the checked forms; Linux only warns (DEBUG_NET_WARN_ON_ONCE).

@inline function hdrGet(skb: u32, field: u32): u32 {
  const o = <u32>load<u16>(skb + field);
  return o == SKB_HDR_UNSET ? 0 : fHead(skb) + o;
}
// Offset of a mark from data (may be negative), 0 when unset.
@inline function hdrOffset(skb: u32, field: u32): i32 {
  const o = <u32>load<u16>(skb + field);
  return o == SKB_HDR_UNSET ? 0 : <i32>o - <i32>fData(skb);
}
@inline function hdrSetUnchecked(skb: u32, field: u32, off: i32): u32 {
  const o = <u32>(<i32>fData(skb) + off);
  store<u16>(skb + field, <u16>o);
  return fHead(skb) + o;
}
function hdrSet(skb: u32, field: u32, off: i32): u32 {
  if (!skbIsLive(skb)) return refused();
  const o = <i64>fData(skb) + <i64>off;
  if (o < 0 || o > <i64>fEnd(skb) || o >= <i64>SKB_HDR_UNSET) return refused();
  return hdrSetUnchecked(skb, field, off);
}
function hdrAddr(skb: u32, field: u32): u32 {
  if (!skbIsLive(skb)) return refused();
  return hdrGet(skb, field);
}
function hdrOffsetChecked(skb: u32, field: u32): i32 {
  if (!skbIsLive(skb)) {
    countInc(CNT_SKB_OP_REFUSED);
    return 0;
  }
  return hdrOffset(skb, field);
}
function hdrWasSet(skb: u32, field: u32): bool {
  if (!skbIsLive(skb)) return <bool>refused();
  return <u32>load<u16>(skb + field) != SKB_HDR_UNSET;
}

/** Marks the mac header at data. Returns its address, or 0 when refused. */
// Linux: include/linux/skbuff.h skb_reset_mac_header()
export function skbResetMacHeader(skb: u32): u32 {
  return hdrSet(skb, SKB_MAC_HDR, 0);
}
/** Marks the network header at data. Returns its address, or 0 when refused. */
// Linux: include/linux/skbuff.h skb_reset_network_header()
export function skbResetNetworkHeader(skb: u32): u32 {
  return hdrSet(skb, SKB_NET_HDR, 0);
}
/** Marks the transport header at data. Returns its address, or 0 when refused. */
// Linux: include/linux/skbuff.h skb_reset_transport_header()
export function skbResetTransportHeader(skb: u32): u32 {
  return hdrSet(skb, SKB_TRANS_HDR, 0);
}
/** Marks the mac header at data + off (off may be negative). Returns its address, or 0. */
// Linux: include/linux/skbuff.h skb_set_mac_header()
export function skbSetMacHeader(skb: u32, off: i32): u32 {
  return hdrSet(skb, SKB_MAC_HDR, off);
}
/** Marks the network header at data + off. Returns its address, or 0 when refused. */
// Linux: include/linux/skbuff.h skb_set_network_header()
export function skbSetNetworkHeader(skb: u32, off: i32): u32 {
  return hdrSet(skb, SKB_NET_HDR, off);
}
/** Marks the transport header at data + off. Returns its address, or 0 when refused. */
// Linux: include/linux/skbuff.h skb_set_transport_header()
export function skbSetTransportHeader(skb: u32, off: i32): u32 {
  return hdrSet(skb, SKB_TRANS_HDR, off);
}
/** skbResetMacHeader without checks (data must be < 0xffff). */
@inline export function skbResetMacHeaderUnchecked(skb: u32): u32 {
  return hdrSetUnchecked(skb, SKB_MAC_HDR, 0);
}
/** skbResetNetworkHeader without checks. */
@inline export function skbResetNetworkHeaderUnchecked(skb: u32): u32 {
  return hdrSetUnchecked(skb, SKB_NET_HDR, 0);
}
/** skbResetTransportHeader without checks. */
@inline export function skbResetTransportHeaderUnchecked(skb: u32): u32 {
  return hdrSetUnchecked(skb, SKB_TRANS_HDR, 0);
}
/** skbSetMacHeader without checks. */
@inline export function skbSetMacHeaderUnchecked(skb: u32, off: i32): u32 {
  return hdrSetUnchecked(skb, SKB_MAC_HDR, off);
}
/** skbSetNetworkHeader without checks. */
@inline export function skbSetNetworkHeaderUnchecked(skb: u32, off: i32): u32 {
  return hdrSetUnchecked(skb, SKB_NET_HDR, off);
}
/** skbSetTransportHeader without checks. */
@inline export function skbSetTransportHeaderUnchecked(skb: u32, off: i32): u32 {
  return hdrSetUnchecked(skb, SKB_TRANS_HDR, off);
}

/** Address of the mac header, 0 when unset or for a bad handle. */
// Linux: include/linux/skbuff.h skb_mac_header()
export function skbMacHeader(skb: u32): u32 {
  return hdrAddr(skb, SKB_MAC_HDR);
}
/** Address of the network header, 0 when unset or for a bad handle. */
// Linux: include/linux/skbuff.h skb_network_header()
export function skbNetworkHeader(skb: u32): u32 {
  return hdrAddr(skb, SKB_NET_HDR);
}
/** Address of the transport header, 0 when unset or for a bad handle. */
// Linux: include/linux/skbuff.h skb_transport_header()
export function skbTransportHeader(skb: u32): u32 {
  return hdrAddr(skb, SKB_TRANS_HDR);
}
/**
 * mac header - data, negative once data has moved past it. 0 when unset or for a bad handle, which a
 * mark at data also gives: tell them apart with skbMacHeaderWasSet.
 */
// Linux: include/linux/skbuff.h skb_mac_offset()
export function skbMacOffset(skb: u32): i32 {
  return hdrOffsetChecked(skb, SKB_MAC_HDR);
}
/** network header - data (as skbMacOffset; see skbNetworkHeaderWasSet). */
// Linux: include/linux/skbuff.h skb_network_offset()
export function skbNetworkOffset(skb: u32): i32 {
  return hdrOffsetChecked(skb, SKB_NET_HDR);
}
/** transport header - data (as skbMacOffset; see skbTransportHeaderWasSet). */
// Linux: include/linux/skbuff.h skb_transport_offset()
export function skbTransportOffset(skb: u32): i32 {
  return hdrOffsetChecked(skb, SKB_TRANS_HDR);
}
/** True when the mac header mark is set (false for a bad handle). */
// Linux: include/linux/skbuff.h skb_mac_header_was_set()
export function skbMacHeaderWasSet(skb: u32): bool {
  return hdrWasSet(skb, SKB_MAC_HDR);
}
/** True when the network header mark is set. Ours: Linux's network_header is never "unset". */
export function skbNetworkHeaderWasSet(skb: u32): bool {
  return hdrWasSet(skb, SKB_NET_HDR);
}
/** True when the transport header mark is set. */
// Linux: include/linux/skbuff.h skb_transport_header_was_set()
export function skbTransportHeaderWasSet(skb: u32): bool {
  return hdrWasSet(skb, SKB_TRANS_HDR);
}
