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
  // Views of linear memory, made again only after memory.grow detached the old buffer (a detached
  // view has length 0): cheaper than asking memory.buffer on every read.
  private u32: Uint32Array;
  private u8: Uint8Array;

  constructor(core: Core) {
    this.x = core.x;
    this.u32 = new Uint32Array(this.x.memory.buffer);
    this.u8 = new Uint8Array(this.x.memory.buffer);
  }

  private refresh(): void {
    this.u32 = new Uint32Array(this.x.memory.buffer);
    this.u8 = new Uint8Array(this.x.memory.buffer);
  }

  private word(addr: number): number {
    if (this.u32.length === 0) this.refresh();
    return this.u32[addr >>> 2];
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
    return this.word(item + EPC_EVENTS);
  }
  itemId(item: number): number {
    return this.word(item + EPC_ID);
  }
  itemLinked(item: number): boolean {
    return this.word(item + EPC_NEXT) !== 0;
  }
  pollCallback(item: number, key: number, wqActive: boolean): number {
    return this.x.epPollCallback(item, key, wqActive ? 1 : 0);
  }
  readyLink(item: number): number {
    return this.x.epReadyLink(item);
  }
  readyCount(ep: number): number {
    return this.word(ep + EPC_NREADY);
  }
  readyFirst(ep: number): number {
    const n = this.word(ep + EPC_NEXT);
    return n === ep ? 0 : n;
  }
  readyNext(ep: number, item: number): number {
    const n = this.word(item + EPC_NEXT);
    return n === ep ? 0 : n;
  }
  commit(ep: number, verdicts: Uint8Array, n: number): number {
    // STAGING holds the verdicts during the call. A batch longer than STAGING goes in pieces: after
    // a piece, the walked items still to commit are again the first ones on the list.
    let done = 0;
    while (done < n) {
      const k = Math.min(n - done, STAGING_SIZE);
      if (this.u8.length === 0) this.refresh();
      const u8 = this.u8;
      if (k <= 64) for (let i = 0; i < k; i++) u8[STAGING_OFFSET + i] = verdicts[done + i];
      else u8.set(verdicts.subarray(done, done + k), STAGING_OFFSET);
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
