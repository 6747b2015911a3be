// epoll's ready lists in Wasm (assembly/epoll.ts) against the TypeScript twin (src/twin/epoll.ts):
// random sequences of create / add / callback / link / commit / modify / remove / destroy give the
// same results, the same ready lists (as ids, in order) and the same interest masks. Plus the
// contracts one at a time, and garbage handles into every export (never a trap, never a change).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/core/wasm.js";
import {
  EP_CHUNK_CELLS,
  EPCB_EWAKE,
  EPCB_LINKED,
  EPCB_MATCH,
  EPV_DISARM,
  EPV_DROP,
  EPV_REQUEUE,
} from "../src/generated/layout.js";
import {
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDHUP,
} from "../src/kernel/constants.js";
import { type EpollStore, WasmEpollStore } from "../src/kernel/epollstore.js";
import { EpollTwin } from "../src/twin/epoll.js";
import { freshCore } from "./helpers/core.js";

let core: Core;
let wasm: WasmEpollStore;
let twin: EpollTwin;
beforeAll(async () => {
  core = await freshCore();
  wasm = new WasmEpollStore(core);
  twin = new EpollTwin();
});

function readyIds(s: EpollStore, ep: number): number[] {
  const out: number[] = [];
  for (let it = s.readyFirst(ep); it !== 0; it = s.readyNext(ep, it)) out.push(s.itemId(it));
  return out;
}

const v = (...xs: number[]) => Uint8Array.from(xs);

describe("ready list contracts (Wasm)", () => {
  it("the callback links once, at the tail; commit requeues LT, drops ET, disarms ONESHOT", async () => {
    const s = new WasmEpollStore(await freshCore());
    const ep = s.epCreate();
    expect(ep).toBeGreaterThan(0);
    const lt = s.itemAdd(ep, EPOLLIN | EPOLLERR | EPOLLHUP, 3);
    const et = s.itemAdd(ep, (EPOLLIN | EPOLLET | EPOLLERR | EPOLLHUP) >>> 0, 4);
    const os = s.itemAdd(ep, EPOLLIN | EPOLLONESHOT | EPOLLERR | EPOLLHUP, 5);
    expect(readyIds(s, ep)).toEqual([]);
    // A key of OUT does not concern an IN-only item; it still counts as woken (not exclusive).
    expect(s.pollCallback(lt, EPOLLOUT, false)).toBe(EPCB_EWAKE);
    expect(s.itemLinked(lt)).toBe(false);
    expect(s.pollCallback(lt, EPOLLIN, true)).toBe(EPCB_MATCH | EPCB_LINKED | EPCB_EWAKE);
    expect(s.pollCallback(lt, EPOLLIN, true)).toBe(EPCB_MATCH | EPCB_EWAKE); // already linked
    expect(s.pollCallback(et, 0, false)).toBe(EPCB_MATCH | EPCB_LINKED | EPCB_EWAKE); // key 0: any event
    expect(s.pollCallback(os, EPOLLHUP, false)).toBe(EPCB_MATCH | EPCB_LINKED | EPCB_EWAKE); // HUP always in the mask
    expect(readyIds(s, ep)).toEqual([lt, et, os].map((h) => s.itemId(h)));
    expect(s.readyCount(ep)).toBe(3);
    expect(s.commit(ep, v(EPV_REQUEUE, EPV_DROP, EPV_DISARM), 3)).toBe(3);
    expect(readyIds(s, ep)).toEqual([s.itemId(lt)]);
    expect(s.itemEvents(os)).toBe(EPOLLONESHOT); // disarmed: only private bits left
    expect(s.pollCallback(os, EPOLLIN, true)).toBe(EPCB_EWAKE); // ignored until MOD
    expect(s.itemModify(os, EPOLLIN | EPOLLONESHOT)).toBe(0);
    expect(s.pollCallback(os, EPOLLIN, true) & EPCB_LINKED).toBe(EPCB_LINKED);
    expect(s.readyLink(et)).toBe(1);
    expect(s.readyLink(et)).toBe(0);
    expect(readyIds(s, ep)).toEqual([lt, os, et].map((h) => s.itemId(h)));
    // A partial batch: the unwalked rest stays ahead of what is requeued.
    expect(s.commit(ep, v(EPV_REQUEUE), 1)).toBe(1);
    expect(readyIds(s, ep)).toEqual([os, et, lt].map((h) => s.itemId(h)));
    expect(s.epDestroy(ep)).toBe(-16); // EBUSY while epitems remain
    for (const h of [lt, et, os]) expect(s.itemRemove(h)).toBe(0);
    expect(s.readyCount(ep)).toBe(0);
    expect(s.epDestroy(ep)).toBe(0);
    expect(s.cellsInUse()).toBe(0);
  });

  it("EPOLLEXCLUSIVE items count as woken only when a sleeper waits for that event", async () => {
    const s = new WasmEpollStore(await freshCore());
    const ep = s.epCreate();
    const ex = s.itemAdd(ep, (EPOLLIN | EPOLLEXCLUSIVE | EPOLLERR | EPOLLHUP) >>> 0, 3);
    expect(s.pollCallback(ex, EPOLLIN, false)).toBe(EPCB_MATCH | EPCB_LINKED); // no sleeper: not woken
    expect(s.pollCallback(ex, EPOLLIN, true)).toBe(EPCB_MATCH | EPCB_EWAKE);
    expect(s.pollCallback(ex, EPOLLIN | EPOLLOUT, true)).toBe(EPCB_MATCH); // both: neither case of Linux's switch
    expect(s.pollCallback(ex, EPOLLHUP, true)).toBe(EPCB_MATCH | EPCB_EWAKE); // no IN/OUT bit: case 0
    expect(s.pollCallback(ex, EPOLLOUT, true)).toBe(0); // not its event, and not woken
  });

  it("refuses bad arguments without changing anything", async () => {
    const s = new WasmEpollStore(await freshCore());
    const ep = s.epCreate();
    const it = s.itemAdd(ep, EPOLLIN, 3);
    s.readyLink(it);
    expect(s.commit(ep, v(EPV_DROP, EPV_DROP), 2)).toBe(-22); // longer than the list
    expect(s.commit(ep, v(3), 1)).toBe(-22); // unknown verdict
    expect(s.commit(it, v(EPV_DROP), 1)).toBe(-22); // not an eventpoll
    expect(s.itemAdd(it, EPOLLIN, 4)).toBe(0); // not an eventpoll
    expect(s.itemRemove(ep)).toBe(-22); // not an epitem
    expect(s.readyLink(ep)).toBe(-22);
    expect(s.itemModify(ep, 1)).toBe(-22);
    expect(s.pollCallback(ep, EPOLLIN, true)).toBe(0);
    expect(s.epDestroy(it)).toBe(-22);
    expect(readyIds(s, ep)).toEqual([s.itemId(it)]);
    expect(s.itemEvents(it)).toBe(EPOLLIN);
  });

  it("garbage handles never trap and never count as cells", async () => {
    const c = await freshCore();
    const s = new WasmEpollStore(c);
    const ep = s.epCreate();
    const it = s.itemAdd(ep, EPOLLIN, 3);
    const size = c.u8.length;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.nat({ max: 0xffffffff }),
          fc.integer({ min: 0, max: size + 4096 }),
          fc.integer({ min: -64, max: 64 }).map((d) => (it + d * 4) >>> 0),
        ),
        (h) => {
          if (h === ep || h === it) return;
          expect(c.x.epItemRemove(h)).toBe(-22);
          expect(c.x.epItemModify(h, 1)).toBe(-22);
          expect(c.x.epReadyLink(h)).toBe(-22);
          expect(c.x.epPollCallback(h, 1, 1)).toBe(0);
          expect(c.x.epDestroy(h)).toBe(-22);
          expect(c.x.epCommit(h, 0, 0)).toBe(-22);
          expect(c.x.epItemAdd(h, 1, 1)).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
    expect(s.cellsInUse()).toBe(2);
    expect(readyIds(s, ep)).toEqual([]);
  });

  it("grows by chunks from the arena and reuses freed cells first", async () => {
    const s = new WasmEpollStore(await freshCore());
    const ep = s.epCreate();
    const items: number[] = [];
    for (let i = 0; i < EP_CHUNK_CELLS * 2 + 5; i++) items.push(s.itemAdd(ep, EPOLLIN, i));
    expect(new Set(items.map((h) => s.itemId(h))).size).toBe(items.length);
    expect(s.cellsInUse()).toBe(items.length + 1);
    const freed = items[100];
    s.itemRemove(freed);
    expect(s.itemAdd(ep, EPOLLIN, 0)).toBe(freed);
  });
});

// ---- differential ----

type Op =
  | { k: "create" }
  | { k: "add"; ep: number; events: number }
  | { k: "remove"; item: number }
  | { k: "modify"; item: number; events: number }
  | { k: "callback"; item: number; key: number; active: boolean }
  | { k: "link"; item: number }
  | { k: "commit"; ep: number; n: number; verdicts: number[] }
  | { k: "destroy"; ep: number };

const interest = fc
  .tuple(
    fc.constantFrom(EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLRDHUP, 0),
    fc.constantFrom(0, EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLET | EPOLLONESHOT),
  )
  .map(([e, f]) => (e | f | EPOLLERR | EPOLLHUP) >>> 0);
const key = fc.constantFrom(
  0,
  EPOLLIN,
  EPOLLOUT,
  EPOLLIN | EPOLLOUT,
  EPOLLHUP,
  EPOLLERR,
  EPOLLRDHUP | EPOLLIN,
);
const pick = fc.nat({ max: 1000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ k: "create" as const }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant("add" as const), ep: pick, events: interest }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("remove" as const), item: pick }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("modify" as const), item: pick, events: interest }) },
  {
    weight: 8,
    arbitrary: fc.record({ k: fc.constant("callback" as const), item: pick, key, active: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("link" as const), item: pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("commit" as const),
      ep: pick,
      n: fc.nat({ max: 12 }),
      verdicts: fc.array(fc.constantFrom(EPV_DROP, EPV_REQUEUE, EPV_DISARM, 3), {
        minLength: 12,
        maxLength: 12,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("destroy" as const), ep: pick }) },
);

/** One implementation's live handles, in creation order (the same order for both). */
class Side {
  eps: number[] = [];
  items: number[] = [];
  constructor(readonly s: EpollStore) {}
}

function apply(side: Side, op: Op): unknown {
  const { s, eps, items } = side;
  const at = <T>(xs: T[], i: number) => xs[i % xs.length];
  switch (op.k) {
    case "create": {
      const ep = s.epCreate();
      eps.push(ep);
      return s.itemId(ep);
    }
    case "add": {
      if (eps.length === 0) return null;
      const it = s.itemAdd(at(eps, op.ep), op.events, op.ep);
      items.push(it);
      return s.itemId(it);
    }
    case "remove": {
      if (items.length === 0) return null;
      const i = op.item % items.length;
      const r = s.itemRemove(items[i]);
      items.splice(i, 1);
      return r;
    }
    case "modify":
      return items.length ? s.itemModify(at(items, op.item), op.events) : null;
    case "callback":
      return items.length ? s.pollCallback(at(items, op.item), op.key, op.active) : null;
    case "link":
      return items.length ? s.readyLink(at(items, op.item)) : null;
    case "commit": {
      if (eps.length === 0) return null;
      const ep = at(eps, op.ep);
      // Mostly n within the list (sometimes one past it), to exercise both paths.
      const n = Math.min(op.n, s.readyCount(ep) + (op.n % 5 === 0 ? 1 : 0));
      return s.commit(ep, Uint8Array.from(op.verdicts), n);
    }
    case "destroy": {
      if (eps.length === 0) return null;
      const i = op.ep % eps.length;
      const r = s.epDestroy(eps[i]);
      if (r === 0) eps.splice(i, 1);
      return r;
    }
  }
}

function snapshot(side: Side) {
  const { s } = side;
  return {
    lists: side.eps.map((ep) => readyIds(s, ep)),
    counts: side.eps.map((ep) => s.readyCount(ep)),
    items: side.items.map((it) => [s.itemId(it), s.itemEvents(it) >>> 0, s.itemLinked(it)]),
    inUse: s.cellsInUse(),
  };
}

function cleanup(side: Side): void {
  for (const it of side.items) expect(side.s.itemRemove(it)).toBe(0);
  for (const ep of side.eps) expect(side.s.epDestroy(ep)).toBe(0);
  side.items = [];
  side.eps = [];
}

describe("Wasm ready lists vs the TypeScript twin", () => {
  it("random operation sequences agree step by step", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
        const a = new Side(wasm);
        const b = new Side(twin);
        for (const op of ops) {
          expect(apply(a, op), JSON.stringify(op)).toEqual(apply(b, op));
          expect(snapshot(a)).toEqual(snapshot(b));
        }
        cleanup(a);
        cleanup(b);
        expect(wasm.cellsInUse()).toBe(0);
        expect(twin.cellsInUse()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
