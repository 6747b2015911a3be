// Where epoll keeps its interest entries (epitems) and ready lists: behind one interface, the Wasm
// core's slab (assembly/epoll.ts) or, for differential tests and as the benchmark baseline, its
// TypeScript twin (src/twin/epoll.ts). Handles are opaque non-zero integers (a cell's address in
// linear memory for the core); ids are dense indexes for the host's tables.
//
// The host side of epoll (eventpoll.ts) walks a ready list with readyFirst/readyNext — plain memory
// reads for the core — and ends each epoll_wait batch with one commit() call.

import type { Core } from "../core/wasm.js";
import {
  EPC_EVENTS,
  EPC_ID,
  EPC_NEXT,
  EPC_NREADY,
  STAGING_OFFSET,
  STAGING_SIZE,
  type WasmExports,
} from "../generated/layout.js";

export interface EpollStore {
  /** "wasm" or "ts": which implementation holds the lists (benchmark impl names). */
  readonly impl: string;
  /** A new eventpoll with an empty ready list; 0 when out of memory. */
  epCreate(): number;
  /** Free an eventpoll with no epitems left: 0 or -errno. */
  epDestroy(ep: number): number;
  /** A new epitem (not on the ready list); 0 when out of memory. */
  itemAdd(ep: number, events: number, fd: number): number;
  /** Unlink and free an epitem: 0 or -errno. */
  itemRemove(item: number): number;
  /** Replace the interest mask (re-arms a disarmed one-shot item): 0 or -errno. */
  itemModify(item: number, events: number): number;
  /** The interest mask (u32; after a one-shot report, only the private bits). */
  itemEvents(item: number): number;
  /** The dense id of an epitem or eventpoll. */
  itemId(item: number): number;
  /** On its ready list? */
  itemLinked(item: number): boolean;
  /** Linux ep_poll_callback: EPCB_* bits (see assembly/epoll.ts epPollCallback). */
  pollCallback(item: number, key: number, wqActive: boolean): number;
  /** Link at the tail unless linked: 1 linked now, 0 already, or -errno. */
  readyLink(item: number): number;
  /** Epitems on the ready list. */
  readyCount(ep: number): number;
  /** First epitem on the ready list, 0 when empty. */
  readyFirst(ep: number): number;
  /** The epitem after `item` on `ep`'s ready list, 0 at the end. */
  readyNext(ep: number, item: number): number;
  /** Verdicts (EPV_*) for the first n epitems of the ready list: n or -errno. */
  commit(ep: number, verdicts: Uint8Array, n: number): number;
  /** Cells in use (eventpolls + epitems), for leak checks. */
  cellsInUse(): number;
}

/** The core's slab. Reads go straight to linear memory; only changes cross into Wasm. */
export class WasmEpollStore implements EpollStore {
  readonly impl = "wasm";
  private readonly x: WasmExports;

  constructor(private readonly core: Core) {
    this.x = core.x;
  }

  epCreate(): number {
    return this.x.epCreate() >>> 0;
  }
  epDestroy(ep: number): number {
    return this.x.epDestroy(ep);
  }
  itemAdd(ep: number, events: number, fd: number): number {
    return this.x.epItemAdd(ep, events, fd) >>> 0;
  }
  itemRemove(item: number): number {
    return this.x.epItemRemove(item);
  }
  itemModify(item: number, events: number): number {
    return this.x.epItemModify(item, events);
  }
  itemEvents(item: number): number {
    return this.core.u32[(item + EPC_EVENTS) >>> 2];
  }
  itemId(item: number): number {
    return this.core.u32[(item + EPC_ID) >>> 2];
  }
  itemLinked(item: number): boolean {
    return this.core.u32[(item + EPC_NEXT) >>> 2] !== 0;
  }
  pollCallback(item: number, key: number, wqActive: boolean): number {
    return this.x.epPollCallback(item, key, wqActive ? 1 : 0);
  }
  readyLink(item: number): number {
    return this.x.epReadyLink(item);
  }
  readyCount(ep: number): number {
    return this.core.u32[(ep + EPC_NREADY) >>> 2];
  }
  readyFirst(ep: number): number {
    const n = this.core.u32[(ep + EPC_NEXT) >>> 2];
    return n === ep ? 0 : n;
  }
  readyNext(ep: number, item: number): number {
    const n = this.core.u32[(item + EPC_NEXT) >>> 2];
    return n === ep ? 0 : n;
  }
  commit(ep: number, verdicts: Uint8Array, n: number): number {
    // STAGING holds the verdicts during the call. A batch longer than STAGING goes in pieces: after
    // a piece, the walked items still to commit are again the first ones on the list.
    const u8 = this.core.u8;
    let done = 0;
    while (done < n) {
      const k = Math.min(n - done, STAGING_SIZE);
      u8.set(verdicts.subarray(done, done + k), STAGING_OFFSET);
      const r = this.x.epCommit(ep, STAGING_OFFSET, k);
      if (r < 0) return r;
      done += k;
    }
    return n;
  }
  cellsInUse(): number {
    return this.x.epCellsInUse();
  }
}
