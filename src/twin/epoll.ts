// TypeScript twin of assembly/epoll.ts: the same epitem / eventpoll cells and ready lists over typed
// arrays (struct of arrays, indexed by handle = id + 1 so that 0 means "none"). Same allocation
// policy (chunks of EP_CHUNK_CELLS, LIFO free list, lowest ids first in a fresh chunk), so ids agree
// with the core's and a differential test can compare them. For tests and the `epoll` benchmark's
// "ts" baseline only.

import {
  EP_CHUNK_CELLS,
  EP_MAX_CHUNKS,
  EPCB_EWAKE,
  EPCB_LINKED,
  EPCB_MATCH,
  EPK_EP,
  EPK_FREE,
  EPK_ITEM,
  EPV_DISARM,
  EPV_REQUEUE,
} from "../generated/layout.js";
import type { EpollStore } from "../kernel/epollstore.js";

const EPOLLIN = 0x001;
const EPOLLOUT = 0x004;
const EPOLLEXCLUSIVE = 0x1000_0000;
const EPOLLWAKEUP = 0x2000_0000;
const EPOLLONESHOT = 0x4000_0000;
const EPOLLET = 0x8000_0000;
const EP_PRIVATE_BITS = (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
const EPOLLINOUT_BITS = EPOLLIN | EPOLLOUT;
const EBUSY = 16;
const EINVAL = 22;

export class EpollTwin implements EpollStore {
  readonly impl = "ts";
  private cap = 0;
  private next = new Uint32Array(0);
  private prev = new Uint32Array(0);
  private ep = new Uint32Array(0);
  private events = new Uint32Array(0);
  private kind = new Uint32Array(0);
  /** epitem: its fd (as u32 bits); eventpoll: its epitem count. */
  private fdOrItems = new Uint32Array(0);
  private nready = new Uint32Array(0);
  private chunks = 0;
  private freeHead = 0;
  private inUse = 0;

  private grow(): boolean {
    if (this.chunks >= EP_MAX_CHUNKS) return false;
    const first = this.chunks * EP_CHUNK_CELLS + 1; // handle of the chunk's first cell
    const need = first + EP_CHUNK_CELLS;
    if (need > this.cap) {
      const cap = Math.max(need, this.cap * 2);
      const widen = (a: Uint32Array) => {
        const b = new Uint32Array(cap);
        b.set(a);
        return b;
      };
      this.next = widen(this.next);
      this.prev = widen(this.prev);
      this.ep = widen(this.ep);
      this.events = widen(this.events);
      this.kind = widen(this.kind);
      this.fdOrItems = widen(this.fdOrItems);
      this.nready = widen(this.nready);
      this.cap = cap;
    }
    for (let i = 0; i < EP_CHUNK_CELLS; i++) {
      const c = first + i;
      this.kind[c] = EPK_FREE;
      this.next[c] = i + 1 < EP_CHUNK_CELLS ? c + 1 : this.freeHead;
    }
    this.freeHead = first;
    this.chunks++;
    return true;
  }

  private alloc(kind: number): number {
    if (this.freeHead === 0 && !this.grow()) return 0;
    const c = this.freeHead;
    this.freeHead = this.next[c];
    this.next[c] = this.prev[c] = this.ep[c] = this.events[c] = this.fdOrItems[c] = this.nready[c] = 0;
    this.kind[c] = kind;
    this.inUse++;
    return c;
  }

  private free(c: number): void {
    this.prev[c] = this.ep[c] = this.events[c] = this.fdOrItems[c] = this.nready[c] = 0;
    this.kind[c] = EPK_FREE;
    this.next[c] = this.freeHead;
    this.freeHead = c;
    this.inUse--;
  }

  private live(c: number, kind: number): boolean {
    return (
      Number.isInteger(c) &&
      c > 0 &&
      c < this.cap &&
      c <= this.chunks * EP_CHUNK_CELLS &&
      this.kind[c] === kind
    );
  }

  private linkTail(ep: number, item: number): void {
    const last = this.prev[ep];
    this.next[item] = ep;
    this.prev[item] = last;
    this.next[last] = item;
    this.prev[ep] = item;
    this.nready[ep]++;
  }

  private unlink(ep: number, item: number): void {
    const n = this.next[item];
    const p = this.prev[item];
    this.next[p] = n;
    this.prev[n] = p;
    this.next[item] = this.prev[item] = 0;
    this.nready[ep]--;
  }

  epCreate(): number {
    const ep = this.alloc(EPK_EP);
    if (ep === 0) return 0;
    this.next[ep] = this.prev[ep] = ep;
    return ep;
  }

  epDestroy(ep: number): number {
    if (!this.live(ep, EPK_EP)) return -EINVAL;
    if (this.fdOrItems[ep] !== 0) return -EBUSY;
    this.free(ep);
    return 0;
  }

  itemAdd(ep: number, events: number, fd: number): number {
    if (!this.live(ep, EPK_EP)) return 0;
    const item = this.alloc(EPK_ITEM);
    if (item === 0) return 0;
    this.ep[item] = ep;
    this.events[item] = events;
    this.fdOrItems[item] = fd;
    this.fdOrItems[ep]++;
    return item;
  }

  itemRemove(item: number): number {
    if (!this.live(item, EPK_ITEM)) return -EINVAL;
    const ep = this.ep[item];
    if (this.next[item] !== 0) this.unlink(ep, item);
    this.fdOrItems[ep]--;
    this.free(item);
    return 0;
  }

  itemModify(item: number, events: number): number {
    if (!this.live(item, EPK_ITEM)) return -EINVAL;
    this.events[item] = events;
    return 0;
  }

  itemEvents(item: number): number {
    return this.events[item];
  }

  itemId(item: number): number {
    return item - 1;
  }

  itemLinked(item: number): boolean {
    return this.next[item] !== 0;
  }

  pollCallback(item: number, key: number, wqActive: boolean): number {
    if (!this.live(item, EPK_ITEM)) return 0;
    const events = this.events[item];
    key >>>= 0;
    let r = 0;
    if ((events & ~EP_PRIVATE_BITS) !== 0 && (key === 0 || (key & events) !== 0)) {
      r = EPCB_MATCH;
      if (this.next[item] === 0) {
        this.linkTail(this.ep[item], item);
        r |= EPCB_LINKED;
      }
      if (wqActive && (events & EPOLLEXCLUSIVE) !== 0) {
        const inout = key & EPOLLINOUT_BITS;
        if (
          inout === 0 ||
          (inout === EPOLLIN && (events & EPOLLIN) !== 0) ||
          (inout === EPOLLOUT && (events & EPOLLOUT) !== 0)
        )
          r |= EPCB_EWAKE;
      }
    }
    if ((events & EPOLLEXCLUSIVE) === 0) r |= EPCB_EWAKE;
    return r;
  }

  readyLink(item: number): number {
    if (!this.live(item, EPK_ITEM)) return -EINVAL;
    if (this.next[item] !== 0) return 0;
    this.linkTail(this.ep[item], item);
    return 1;
  }

  readyCount(ep: number): number {
    return this.nready[ep];
  }

  readyFirst(ep: number): number {
    const n = this.next[ep];
    return n === ep ? 0 : n;
  }

  readyNext(ep: number, item: number): number {
    const n = this.next[item];
    return n === ep ? 0 : n;
  }

  commit(ep: number, verdicts: Uint8Array, n: number): number {
    if (!this.live(ep, EPK_EP)) return -EINVAL;
    if (!Number.isInteger(n) || n < 0 || n > this.nready[ep] || n > verdicts.length) return -EINVAL;
    for (let i = 0; i < n; i++) if (verdicts[i] > EPV_DISARM) return -EINVAL;
    let item = this.next[ep];
    for (let i = 0; i < n; i++) {
      const next = this.next[item];
      const v = verdicts[i];
      this.unlink(ep, item);
      if (v === EPV_REQUEUE) this.linkTail(ep, item);
      else if (v === EPV_DISARM) this.events[item] = (this.events[item] & EP_PRIVATE_BITS) >>> 0;
      item = next;
    }
    return n;
  }

  cellsInUse(): number {
    return this.inUse;
  }
}
