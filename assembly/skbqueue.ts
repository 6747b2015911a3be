// sk_buff_head: doubly linked circular queues of skbs, the head its own sentinel (Linux
// include/linux/skbuff.h skb_queue_*). Layout in assembly/memory.ts (SKBQ_*).
//
// Everything is O(1) except skbQueuePurge. A queue head is addressed by `q` (its address): it may
// live anywhere in memory (a socket's struct in the arena, say) except inside the descriptor slab.
//
// Membership. Each linked skb carries a label (SKB_LIST = its queue, SKB_LIST_GEN = that queue's gen
// when it was linked). A queue's gen is a fresh value of one global counter, renewed whenever skbs
// leave the queue wholesale (skbQueueSpliceTailInit from it, skbQueueHeadInit of it), so a label
// whose gen equals its queue's gen is certainly true. A splice leaves the moved skbs' labels stale
// instead of relabelling them (that would be O(n)); skbListOwner repairs a stale label when one is
// needed (unlink, or a length change of a queued skb) by walking forward to the first true label or
// to the queue head, and relabels what it walked. Each skb is walked at most once per splice it went
// through, so the repair is amortised O(1), and dequeue never needs it.
//
// Byte count. SKBQ_BYTES is the sum of skbLen over the queue (Linux keeps qlen only; we keep bytes
// for rx_queue / tx_queue reporting). It is maintained on enqueue, dequeue, unlink and splice, and
// by every skb op that changes the length of a queued skb (assembly/skb.ts adjusts it through
// skbListOwner), so it is always exact.
//
// Return conventions: ops returning an skb or queue address return 0 for "none" or "refused" (a
// refusal is counted in CNT_SKB_OP_REFUSED; an empty queue is not a refusal); ops returning a count
// return -1 when refused.
import { countInc } from "./arena";
import {
  CNT_SKB_OP_REFUSED, POOL_SKBQ_GEN, POOL_STATE_OFFSET, SKBQ_BYTES, SKBQ_GEN, SKBQ_NEXT, SKBQ_PREV,
  SKBQ_QLEN, SKBQ_SIZE, SKB_COUNT, SKB_DATA, SKB_DESC_OFFSET, SKB_DESC_SIZE, SKB_LIST, SKB_LIST_GEN,
  SKB_NEXT, SKB_PREV, SKB_TAIL,
} from "./memory";
import { kfreeSkb, skbInSlab, skbIsLive } from "./skb";

// Link code treats a queue head and an skb alike: their next/prev words sit at the same offsets.
// (tests/skbqueue.test.ts asserts SKB_NEXT == SKBQ_NEXT and SKB_PREV == SKBQ_PREV.)

@inline function refused(): u32 {
  countInc(CNT_SKB_OP_REFUSED);
  return 0;
}

@inline function refusedCount(): i32 {
  countInc(CNT_SKB_OP_REFUSED);
  return -1;
}

/** True when q can be a queue head: non-zero, 4-aligned, inside memory, outside the descriptor slab. */
@inline function qUsable(q: u32): bool {
  const end = <u64>q + <u64>SKBQ_SIZE;
  return (
    q != 0 &&
    (q & 3) == 0 &&
    end <= (<u64>memory.size() << 16) &&
    (end <= <u64>SKB_DESC_OFFSET || q >= SKB_DESC_OFFSET + SKB_DESC_SIZE)
  );
}

// A link word read from a queue head must be the head itself or a descriptor slot, else the head was
// never initialised (or was overwritten) and following it could trap or corrupt.
@inline function linkOk(q: u32, p: u32): bool {
  return p == q || skbInSlab(p);
}

@inline function nextGen(): u64 {
  const p = POOL_STATE_OFFSET + POOL_SKBQ_GEN;
  const g = load<u64>(p) + 1;
  store<u64>(p, g);
  return g;
}

@inline function lenOf(skb: u32): u32 {
  return load<u32>(skb + SKB_TAIL) - load<u32>(skb + SKB_DATA);
}

@inline function headInit(q: u32): void {
  store<u32>(q + SKBQ_NEXT, q);
  store<u32>(q + SKBQ_PREV, q);
  store<u32>(q + SKBQ_QLEN, 0);
  store<u32>(q + SKBQ_BYTES, 0);
  store<u64>(q + SKBQ_GEN, nextGen());
}

/**
 * Makes q an empty queue with a fresh generation. Returns q, or 0 when q cannot be a queue head.
 * Re-initialising a non-empty queue orphans its skbs, as in Linux: purge it first.
 */
// Linux: include/linux/skbuff.h skb_queue_head_init()
export function skbQueueHeadInit(q: u32): u32 {
  if (!qUsable(q)) return refused();
  headInit(q);
  return q;
}

// Links skb between prev and next (both checked by the caller) and labels it.
@inline function linkBetween(q: u32, skb: u32, prev: u32, next: u32): u32 {
  store<u32>(skb + SKB_NEXT, next);
  store<u32>(skb + SKB_PREV, prev);
  store<u32>(next + SKB_PREV, skb);
  store<u32>(prev + SKB_NEXT, skb);
  store<u32>(skb + SKB_LIST, q);
  store<u64>(skb + SKB_LIST_GEN, load<u64>(q + SKBQ_GEN));
  const qlen = load<u32>(q + SKBQ_QLEN) + 1;
  store<u32>(q + SKBQ_QLEN, qlen);
  store<u32>(q + SKBQ_BYTES, load<u32>(q + SKBQ_BYTES) + lenOf(skb));
  return qlen;
}

// Unlinks skb (known to be on q) and clears its label.
@inline function unlinkFrom(q: u32, skb: u32): void {
  const next = load<u32>(skb + SKB_NEXT);
  const prev = load<u32>(skb + SKB_PREV);
  store<u32>(next + SKB_PREV, prev);
  store<u32>(prev + SKB_NEXT, next);
  store<u32>(skb + SKB_NEXT, 0);
  store<u32>(skb + SKB_PREV, 0);
  store<u32>(skb + SKB_LIST, 0);
  store<u64>(skb + SKB_LIST_GEN, 0);
  store<u32>(q + SKBQ_QLEN, load<u32>(q + SKBQ_QLEN) - 1);
  store<u32>(q + SKBQ_BYTES, load<u32>(q + SKBQ_BYTES) - lenOf(skb));
}

/**
 * Appends skb at the tail. Returns the queue length after it (>= 1), or 0 when refused: q unusable
 * or not initialised, skb not live, or skb already on a queue.
 */
// Linux: include/linux/skbuff.h __skb_queue_tail()
export function skbQueueTail(q: u32, skb: u32): u32 {
  if (!qUsable(q) || !skbIsLive(skb) || load<u32>(skb + SKB_LIST) != 0) return refused();
  const prev = load<u32>(q + SKBQ_PREV);
  if (!linkOk(q, prev)) return refused();
  return linkBetween(q, skb, prev, q);
}

/**
 * skbQueueTail for callers that know q is an initialised queue head and skb a live skb on no queue
 * (the RX fast path checked both). Returns the queue length after it.
 */
@inline export function skbQueueTailUnchecked(q: u32, skb: u32): u32 {
  return linkBetween(q, skb, load<u32>(q + SKBQ_PREV), q);
}

/** Inserts skb at the head. Returns as skbQueueTail. */
// Linux: include/linux/skbuff.h __skb_queue_head()
export function skbQueueHead(q: u32, skb: u32): u32 {
  if (!qUsable(q) || !skbIsLive(skb) || load<u32>(skb + SKB_LIST) != 0) return refused();
  const next = load<u32>(q + SKBQ_NEXT);
  if (!linkOk(q, next)) return refused();
  return linkBetween(q, skb, q, next);
}

/** The first skb, or 0 when the queue is empty (or refused: q unusable or not initialised). */
// Linux: include/linux/skbuff.h skb_peek()
export function skbPeek(q: u32): u32 {
  if (!qUsable(q)) return refused();
  const skb = load<u32>(q + SKBQ_NEXT);
  if (skb == q) return 0;
  if (!skbIsLive(skb)) return refused();
  return skb;
}

/** The last skb, or 0 when empty (or refused). */
// Linux: include/linux/skbuff.h skb_peek_tail()
export function skbPeekTail(q: u32): u32 {
  if (!qUsable(q)) return refused();
  const skb = load<u32>(q + SKBQ_PREV);
  if (skb == q) return 0;
  if (!skbIsLive(skb)) return refused();
  return skb;
}

/** Removes and returns the first skb, or 0 when empty (or refused). The caller owns the reference. */
// Linux: include/linux/skbuff.h __skb_dequeue()
export function skbDequeue(q: u32): u32 {
  const skb = skbPeek(q);
  if (skb != 0) unlinkFrom(q, skb);
  return skb;
}

/** Removes and returns the last skb, or 0 when empty (or refused). */
// Linux: include/linux/skbuff.h __skb_dequeue_tail()
export function skbDequeueTail(q: u32): u32 {
  const skb = skbPeekTail(q);
  if (skb != 0) unlinkFrom(q, skb);
  return skb;
}

/**
 * The queue skb is on, or 0 when on none (also for a bad handle, not counted). Repairs a label left
 * stale by a splice (see the top of this file); amortised O(1).
 */
export function skbListOwner(skb: u32): u32 {
  if (!skbIsLive(skb)) return 0;
  const q = load<u32>(skb + SKB_LIST);
  if (q == 0) return 0;
  if (load<u64>(skb + SKB_LIST_GEN) == load<u64>(q + SKBQ_GEN)) return q;
  // Stale: walk forward to the first true label or to the head (the first non-descriptor address).
  let p = load<u32>(skb + SKB_NEXT);
  let owner: u32 = 0;
  for (let n: u32 = 0; n < SKB_COUNT; n++) {
    if (!skbInSlab(p)) {
      owner = p;
      break;
    }
    const pq = load<u32>(p + SKB_LIST);
    if (pq != 0 && load<u64>(p + SKB_LIST_GEN) == load<u64>(pq + SKBQ_GEN)) {
      owner = pq;
      break;
    }
    p = load<u32>(p + SKB_NEXT);
  }
  assert(owner != 0, "skb list does not end at a queue head");
  if (owner == 0) return 0;
  const gen = load<u64>(owner + SKBQ_GEN);
  for (let r = skb; r != p; r = load<u32>(r + SKB_NEXT)) {
    store<u32>(r + SKB_LIST, owner);
    store<u64>(r + SKB_LIST_GEN, gen);
  }
  return owner;
}

/**
 * Removes skb from q. Returns skb, or 0 when refused: skb not live or not on q (on another queue, or
 * on none), or q unusable.
 */
// Linux: include/linux/skbuff.h __skb_unlink()
export function skbUnlink(skb: u32, q: u32): u32 {
  if (!qUsable(q) || skbListOwner(skb) != q) return refused();
  unlinkFrom(q, skb);
  return skb;
}

/**
 * Moves every skb of `from` to the tail of `to`, in order, and leaves `from` empty (with a fresh
 * generation). O(1). Returns the number of skbs moved, or -1 when refused: a queue unusable or not
 * initialised, or from == to.
 */
// Linux: include/linux/skbuff.h skb_queue_splice_tail_init()
export function skbQueueSpliceTailInit(from: u32, to: u32): i32 {
  if (!qUsable(from) || !qUsable(to) || from == to) return refusedCount();
  const first = load<u32>(from + SKBQ_NEXT);
  const last = load<u32>(from + SKBQ_PREV);
  const at = load<u32>(to + SKBQ_PREV);
  if (!linkOk(from, first) || !linkOk(from, last) || !linkOk(to, at)) return refusedCount();
  if (first == from) return 0;
  store<u32>(first + SKB_PREV, at);
  store<u32>(at + SKB_NEXT, first);
  store<u32>(last + SKB_NEXT, to);
  store<u32>(to + SKBQ_PREV, last);
  const moved = load<u32>(from + SKBQ_QLEN);
  store<u32>(to + SKBQ_QLEN, load<u32>(to + SKBQ_QLEN) + moved);
  store<u32>(to + SKBQ_BYTES, load<u32>(to + SKBQ_BYTES) + load<u32>(from + SKBQ_BYTES));
  headInit(from); // new gen: the moved skbs' labels are now stale, repaired on demand
  return <i32>moved;
}

/** skbs on q, or -1 when q is unusable. */
// Linux: include/linux/skbuff.h skb_queue_len()
export function skbQueueLen(q: u32): i32 {
  if (!qUsable(q)) return refusedCount();
  return <i32>load<u32>(q + SKBQ_QLEN);
}

/** Sum of the lengths of the skbs on q, or -1 when q is unusable. */
export function skbQueueBytes(q: u32): i32 {
  if (!qUsable(q)) return refusedCount();
  return <i32>load<u32>(q + SKBQ_BYTES);
}

/**
 * Dequeues every skb and drops it with `reason` (kfreeSkb: an skb someone else also holds only
 * loses the queue's reference). Returns the number dequeued, or -1 when q is unusable.
 */
// Linux: net/core/skbuff.c skb_queue_purge_reason()
export function skbQueuePurge(q: u32, reason: u32): i32 {
  if (!qUsable(q)) return refusedCount();
  let n: i32 = 0;
  for (let skb = skbDequeue(q); skb != 0; skb = skbDequeue(q)) {
    kfreeSkb(skb, reason);
    n++;
  }
  return n;
}
