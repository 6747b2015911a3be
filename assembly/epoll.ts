// epoll's interest entries (epitem) and ready lists (rdllist) in linear memory. Linux: fs/eventpoll.c.
// Layout and ownership in assembly/memory.ts (EPCELL, EPC_*).
//
// The division of work (DESIGN.md lesson 8): the wakeup callback only links, epoll_wait re-checks.
//   epPollCallback  runs when a watched file's wait queue is woken (the host's wait entry calls it):
//                   filter by the item's interest, link it at the ready list's tail if it is not on
//                   it yet, and say whether the eventpoll's sleepers must be woken (ep_poll_callback).
//   epCommit        ends one epoll_wait batch. The host has walked the ready list from its head by
//                   reading links from memory (no call), re-polled each file and written one verdict
//                   per walked item to STAGING; this call unlinks those items and puts the
//                   level-triggered ones that reported back at the tail, drops the others, disarms
//                   one-shot ones (ep_send_events). One boundary crossing per batch.
// Linux also keeps an overflow list (ovflist) for callbacks that fire while ep_send_events copies
// events out without the lock held; here a batch runs to completion without any wakeup in between
// (re-polling a file never wakes anything), so there is no such window and no ovflist.
//
// Cells are never returned to the arena: freed cells go on a LIFO free list (lowest ids first in a
// fresh chunk), so allocation is O(1) and deterministic (src/twin/epoll.ts mirrors it exactly).
import { arenaAlloc, countInc } from "./arena";
import {
  ARENA_BASE, CNT_ARENA_FAIL, EPCB_EWAKE, EPCB_LINKED, EPCB_MATCH, EPCELL_SIZE, EPC_EP, EPC_EVENTS,
  EPC_FD, EPC_ID, EPC_KIND, EPC_NEXT, EPC_NITEMS, EPC_NREADY, EPC_PREV, EPK_EP, EPK_FREE, EPK_ITEM,
  EPV_DISARM, EPV_REQUEUE, EP_CHUNK_CELLS, EP_CHUNK_SHIFT, EP_MAX_CHUNKS,
} from "./memory";

// Linux include/uapi/linux/eventpoll.h values (src/kernel/constants.ts holds the same for the host).
const EPOLLIN: u32 = 0x001;
const EPOLLOUT: u32 = 0x004;
const EPOLLEXCLUSIVE: u32 = 1 << 28;
const EPOLLWAKEUP: u32 = 1 << 29;
const EPOLLONESHOT: u32 = 1 << 30;
const EPOLLET: u32 = 0x8000_0000;
/** Linux EP_PRIVATE_BITS: the bits of an interest mask that are not events. */
const EP_PRIVATE_BITS: u32 = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
const EPOLLINOUT_BITS: u32 = EPOLLIN | EPOLLOUT;

const EBUSY: i32 = 16;
const EINVAL: i32 = 22;

// Slab state (mutable globals of this instance; the cells themselves are in linear memory).
let chunkTable: u32 = 0; // EP_MAX_CHUNKS u32 chunk addresses, from the arena on first use
let chunks: u32 = 0; // chunks allocated
let freeHead: u32 = 0; // first free cell, 0 when none
let inUse: u32 = 0; // cells handed out

/** True when `c` is the address of a cell of this slab (any kind). */
@inline function cellOk(c: u32): bool {
  if (c < ARENA_BASE || (c & (EPCELL_SIZE - 1)) != 0 || chunkTable == 0) return false;
  if (<u64>c + <u64>EPCELL_SIZE > (<u64>memory.size() << 16)) return false;
  const id = load<u32>(c + EPC_ID);
  const chunk = id >> EP_CHUNK_SHIFT;
  if (chunk >= chunks) return false;
  return load<u32>(chunkTable + chunk * 4) + (id & (EP_CHUNK_CELLS - 1)) * EPCELL_SIZE == c;
}

@inline function isItem(c: u32): bool {
  return cellOk(c) && load<u32>(c + EPC_KIND) == EPK_ITEM;
}

/** True when `c` is a live epitem cell (for the RX fast path's watcher lists). */
@inline export function epIsItem(c: u32): bool {
  return isItem(c);
}

@inline function isEp(c: u32): bool {
  return cellOk(c) && load<u32>(c + EPC_KIND) == EPK_EP;
}

/** One more chunk of free cells. Returns false when the arena cannot grow or the table is full. */
function grow(): bool {
  if (chunkTable == 0) {
    chunkTable = arenaAlloc(EP_MAX_CHUNKS * 4);
    if (chunkTable == 0) return false;
  }
  if (chunks >= EP_MAX_CHUNKS) {
    countInc(CNT_ARENA_FAIL);
    return false;
  }
  const base = arenaAlloc(EP_CHUNK_CELLS * EPCELL_SIZE);
  if (base == 0) return false;
  store<u32>(chunkTable + chunks * 4, base);
  const firstId = chunks << EP_CHUNK_SHIFT;
  for (let i: u32 = 0; i < EP_CHUNK_CELLS; i++) {
    const c = base + i * EPCELL_SIZE;
    store<u32>(c + EPC_ID, firstId + i);
    store<u32>(c + EPC_KIND, EPK_FREE);
    store<u32>(c + EPC_NEXT, i + 1 < EP_CHUNK_CELLS ? c + EPCELL_SIZE : freeHead);
  }
  freeHead = base;
  chunks++;
  return true;
}

/** Take a free cell and give it `kind`; every field but the id zeroed. 0 when out of memory. */
function cellAlloc(kind: u32): u32 {
  if (freeHead == 0 && !grow()) return 0;
  const c = freeHead;
  freeHead = load<u32>(c + EPC_NEXT);
  const id = load<u32>(c + EPC_ID);
  memory.fill(c, 0, EPCELL_SIZE);
  store<u32>(c + EPC_ID, id);
  store<u32>(c + EPC_KIND, kind);
  inUse++;
  return c;
}

function cellFree(c: u32): void {
  const id = load<u32>(c + EPC_ID);
  memory.fill(c, 0, EPCELL_SIZE);
  store<u32>(c + EPC_ID, id);
  store<u32>(c + EPC_KIND, EPK_FREE);
  store<u32>(c + EPC_NEXT, freeHead);
  freeHead = c;
  inUse--;
}

// Linux list_add_tail(&epi->rdllink, &ep->rdllist).
@inline function linkTail(ep: u32, item: u32): void {
  const last = load<u32>(ep + EPC_PREV);
  store<u32>(item + EPC_NEXT, ep);
  store<u32>(item + EPC_PREV, last);
  store<u32>(last + EPC_NEXT, item);
  store<u32>(ep + EPC_PREV, item);
  store<u32>(ep + EPC_NREADY, load<u32>(ep + EPC_NREADY) + 1);
}

// Linux list_del_init(&epi->rdllink); the item must be linked.
@inline function unlink(ep: u32, item: u32): void {
  const next = load<u32>(item + EPC_NEXT);
  const prev = load<u32>(item + EPC_PREV);
  store<u32>(prev + EPC_NEXT, next);
  store<u32>(next + EPC_PREV, prev);
  store<u32>(item + EPC_NEXT, 0);
  store<u32>(item + EPC_PREV, 0);
  store<u32>(ep + EPC_NREADY, load<u32>(ep + EPC_NREADY) - 1);
}

/** A new eventpoll with an empty ready list (Linux ep_alloc). Returns its cell, or 0 when out of memory. */
export function epCreate(): u32 {
  const ep = cellAlloc(EPK_EP);
  if (ep == 0) return 0;
  store<u32>(ep + EPC_NEXT, ep);
  store<u32>(ep + EPC_PREV, ep);
  return ep;
}

/** Free an eventpoll whose epitems are all gone. 0, -EBUSY while it has epitems, -EINVAL for a bad handle. */
export function epDestroy(ep: u32): i32 {
  if (!isEp(ep)) return -EINVAL;
  if (load<u32>(ep + EPC_NITEMS) != 0) return -EBUSY;
  cellFree(ep);
  return 0;
}

/**
 * A new epitem on `ep` with interest `events`, registered for descriptor `fd`, not on the ready list
 * (Linux ep_insert's allocation). Returns its cell, or 0 (bad eventpoll, or out of memory).
 */
export function epItemAdd(ep: u32, events: u32, fd: i32): u32 {
  if (!isEp(ep)) return 0;
  const item = cellAlloc(EPK_ITEM);
  if (item == 0) return 0;
  store<u32>(item + EPC_EP, ep);
  store<u32>(item + EPC_EVENTS, events);
  store<i32>(item + EPC_FD, fd);
  store<u32>(ep + EPC_NITEMS, load<u32>(ep + EPC_NITEMS) + 1);
  return item;
}

/** Unlink (if ready) and free an epitem (Linux ep_remove). 0, or -EINVAL for a bad handle. */
export function epItemRemove(item: u32): i32 {
  if (!isItem(item)) return -EINVAL;
  const ep = load<u32>(item + EPC_EP);
  if (load<u32>(item + EPC_NEXT) != 0) unlink(ep, item);
  store<u32>(ep + EPC_NITEMS, load<u32>(ep + EPC_NITEMS) - 1);
  cellFree(item);
  return 0;
}

/** Replace an epitem's interest mask (Linux ep_modify; this re-arms a disarmed one-shot item). */
export function epItemModify(item: u32, events: u32): i32 {
  if (!isItem(item)) return -EINVAL;
  store<u32>(item + EPC_EVENTS, events);
  return 0;
}

/**
 * Linux ep_poll_callback(): a watched file's wait queue was woken with `key` (its POLL* events, or 0
 * for "any"). `wqActive` says whether a task sleeps in epoll_wait on the item's eventpoll.
 * Returns EPCB_* bits: MATCH when the event concerns the item (the host then wakes the eventpoll's
 * sleepers and pollers), LINKED when this call put it on the ready list, EWAKE when the wake counts
 * against the wait queue's exclusive budget — always for a non-exclusive item; for an EPOLLEXCLUSIVE
 * item only when a sleeper was there to wake and the event is one it waits for, so that Linux's
 * "wake at least one" moves on to the next exclusive waiter otherwise. 0 for a bad handle.
 */
export function epPollCallback(item: u32, key: u32, wqActive: bool): u32 {
  if (!isItem(item)) return 0;
  const events = load<u32>(item + EPC_EVENTS);
  let r: u32 = 0;
  // A mask without events is a disarmed one-shot item; a key without its events is not for it.
  if ((events & ~EP_PRIVATE_BITS) != 0 && (key == 0 || (key & events) != 0)) {
    r = EPCB_MATCH;
    if (load<u32>(item + EPC_NEXT) == 0) {
      linkTail(load<u32>(item + EPC_EP), item);
      r |= EPCB_LINKED;
    }
    if (wqActive && (events & EPOLLEXCLUSIVE) != 0) {
      const inout = key & EPOLLINOUT_BITS;
      if (
        inout == 0 ||
        (inout == EPOLLIN && (events & EPOLLIN) != 0) ||
        (inout == EPOLLOUT && (events & EPOLLOUT) != 0)
      )
        r |= EPCB_EWAKE;
    }
  }
  if ((events & EPOLLEXCLUSIVE) == 0) r |= EPCB_EWAKE;
  return r;
}

/**
 * epPollCallback for callers inside the core that hold an epitem cell address from their own lists
 * (the RX fast path's watcher lists): the kind word is checked (a freed cell is skipped), the chunk
 * table is not, and wqActive is false.
 */
@inline export function epPollCallbackFromCore(item: u32, key: u32): u32 {
  if (load<u32>(item + EPC_KIND) != EPK_ITEM) return 0;
  const events = load<u32>(item + EPC_EVENTS);
  if ((events & ~EP_PRIVATE_BITS) == 0 || (key & events) == 0) return 0;
  if (load<u32>(item + EPC_NEXT) == 0) linkTail(load<u32>(item + EPC_EP), item);
  return EPCB_MATCH;
}

/**
 * Put an epitem on its ready list unless it is on it already (Linux ep_insert / ep_modify when the
 * file is ready at once). Returns 1 when linked by this call, 0 when it already was, -EINVAL.
 */
export function epReadyLink(item: u32): i32 {
  if (!isItem(item)) return -EINVAL;
  if (load<u32>(item + EPC_NEXT) != 0) return 0;
  linkTail(load<u32>(item + EPC_EP), item);
  return 1;
}

/**
 * End an epoll_wait batch (Linux ep_send_events after its loop): the first `n` epitems of `ep`'s
 * ready list, in list order, get the verdicts in the `n` bytes at `verdicts` (EPV_*). Each is
 * unlinked; EPV_REQUEUE puts it back at the tail (after the items not walked, as Linux's
 * ep_done_scan leaves them), EPV_DISARM clears its interest down to the private bits. Returns n, or
 * -EINVAL (bad handle, n larger than the list, verdict bytes outside memory or unknown) with
 * nothing changed.
 */
export function epCommit(ep: u32, verdicts: u32, n: u32): i32 {
  if (!isEp(ep)) return -EINVAL;
  if (n > load<u32>(ep + EPC_NREADY)) return -EINVAL;
  if (<u64>verdicts + <u64>n > (<u64>memory.size() << 16)) return -EINVAL;
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(verdicts + i) > EPV_DISARM) return -EINVAL;
  let item = load<u32>(ep + EPC_NEXT);
  for (let i: u32 = 0; i < n; i++) {
    const next = load<u32>(item + EPC_NEXT);
    const v = <u32>load<u8>(verdicts + i);
    unlink(ep, item);
    if (v == EPV_REQUEUE) linkTail(ep, item);
    else if (v == EPV_DISARM) store<u32>(item + EPC_EVENTS, load<u32>(item + EPC_EVENTS) & EP_PRIVATE_BITS);
    item = next;
  }
  return <i32>n;
}

/** Cells in use (eventpolls + epitems), for leak checks. */
export function epCellsInUse(): u32 {
  return inUse;
}

/** Cells the slab holds (in use or free). */
export function epCellsTotal(): u32 {
  return chunks << EP_CHUNK_SHIFT;
}
