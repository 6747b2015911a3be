// sk_buff contracts: allocation, geometry with Linux's preconditions (checked and unchecked forms),
// header marks, clone / copy / refcounts, pool exhaustion and recovery, refused frees.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allocSkbWith, poolStats, skbBytes, skbGeometry, skbPutBytes } from "../src/core/skb.js";
import type { Core } from "../src/core/wasm.js";
import { CoreAbortError } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { loadCore } from "../src/node.js";
import { freshCore } from "./helpers/core.js";
import { expectNoLeaks } from "./helpers/leaks.js";

let core: Core;
let x: Core["x"];

beforeEach(async () => {
  core = await freshCore();
  x = core.x;
});
afterEach(() => expectNoLeaks(core));

const refusedCount = () => core.counter(L.CNT_SKB_OP_REFUSED);
const desc = (skb: number) => core.u8.slice(skb, skb + L.SKB_SIZE);

/** head <= data <= tail <= end, read straight from the descriptor. */
function expectGeometryInvariant(skb: number): void {
  const g = skbGeometry(core, skb);
  expect(g.head <= g.data && g.data <= g.tail && g.tail <= g.end, JSON.stringify(g)).toBe(true);
}

describe("allocSkb", () => {
  it("gives an empty skb: data = tail = head, one user, one dataref, no header marks, no list", () => {
    const skb = x.allocSkb(100);
    expect(skb).not.toBe(0);
    expect(x.skbIsLive(skb)).toBe(1);
    const g = skbGeometry(core, skb);
    expect(g.data).toBe(g.head);
    expect(g.tail).toBe(g.head);
    expect(g.end - g.head).toBe(L.BUF2K_SIZE);
    expect(g.head).toBeGreaterThanOrEqual(L.BUF2K_OFFSET);
    expect(g.head + L.BUF2K_SIZE).toBeLessThanOrEqual(L.BUF2K_OFFSET + L.BUF2K_POOL_SIZE);
    expect(x.skbLen(skb)).toBe(0);
    expect(x.skbHeadroom(skb)).toBe(0);
    expect(x.skbTailroom(skb)).toBe(L.BUF2K_SIZE);
    expect(x.skbUsers(skb)).toBe(1);
    expect(x.skbDataref(skb)).toBe(1);
    expect(x.skbShared(skb)).toBe(0);
    expect(x.skbCloned(skb)).toBe(0);
    expect(x.skbMacHeaderWasSet(skb)).toBe(0);
    expect(x.skbNetworkHeaderWasSet(skb)).toBe(0);
    expect(x.skbTransportHeaderWasSet(skb)).toBe(0);
    expect(x.skbNetworkHeader(skb)).toBe(0);
    expect(x.skbListOwner(skb)).toBe(0);
    expect(core.u32[(skb + L.SKB_LIST) >>> 2]).toBe(0);
    expect(poolStats(core).skb.inUse).toBe(1);
    expect(poolStats(core).buf2k.inUse).toBe(1);
    expect(x.consumeSkb(skb)).toBe(1);
    expect(x.skbIsLive(skb)).toBe(0);
  });

  it("picks the smallest class that fits and refuses more than 64 KiB", () => {
    const cases: [number, number][] = [
      [0, L.BUF2K_SIZE],
      [1, L.BUF2K_SIZE],
      [L.BUF2K_SIZE, L.BUF2K_SIZE],
      [L.BUF2K_SIZE + 1, L.BUF64K_SIZE],
      [L.BUF64K_SIZE, L.BUF64K_SIZE],
    ];
    for (const [size, end] of cases) {
      const skb = x.allocSkb(size);
      expect(x.skbTailroom(skb), `size ${size}`).toBe(end);
      expect(core.u8[skb + L.SKB_BUF_CLASS]).toBe(end === L.BUF2K_SIZE ? L.BUF_CLASS_2K : L.BUF_CLASS_64K);
      x.consumeSkb(skb);
    }
    const before = refusedCount();
    expect(x.allocSkb(L.BUF64K_SIZE + 1)).toBe(0);
    expect(x.allocSkb(0xffff_ffff)).toBe(0);
    expect(refusedCount()).toBe(before + 2);
    expect(core.counter(L.CNT_BUF64K_ALLOC_FAIL)).toBe(0);
  });

  it("hands out distinct descriptors and buffers, lowest first", () => {
    const a = x.allocSkb(10);
    const b = x.allocSkb(10);
    expect(a).toBe(L.SKB_DESC_OFFSET);
    expect(b).toBe(L.SKB_DESC_OFFSET + L.SKB_SIZE);
    expect(skbGeometry(core, a).head).toBe(L.BUF2K_OFFSET);
    expect(skbGeometry(core, b).head).toBe(L.BUF2K_OFFSET + L.BUF2K_SIZE);
    x.consumeSkb(a);
    x.consumeSkb(b);
  });

  it("coreInit is idempotent: a second call keeps the pools as they are", () => {
    const skb = x.allocSkb(10);
    expect(x.coreInit()).toBe(0);
    expect(x.skbInUse()).toBe(1);
    expect(x.skbIsLive(skb)).toBe(1);
    x.consumeSkb(skb);
  });
});

describe("geometry", () => {
  it("reserve, put, push, pull and trim move data and tail as Linux does", () => {
    const skb = x.allocSkb(200);
    const head = skbGeometry(core, skb).head;
    expect(x.skbReserve(skb, 64)).toBe(head + 64);
    expect(x.skbReserve(skb, 16)).toBe(head + 80); // still empty: allowed again
    expect(x.skbHeadroom(skb)).toBe(80);
    expect(x.skbPut(skb, 100)).toBe(head + 80); // the old tail
    expect(x.skbLen(skb)).toBe(100);
    expect(x.skbTailPtr(skb)).toBe(head + 180);
    expect(x.skbPush(skb, 20)).toBe(head + 60); // the new data
    expect(x.skbDataPtr(skb)).toBe(head + 60);
    expect(x.skbLen(skb)).toBe(120);
    expect(x.skbPull(skb, 14)).toBe(head + 74);
    expect(x.skbLen(skb)).toBe(106);
    expect(x.skbTrim(skb, 50)).toBe(head + 124); // the new tail
    expect(x.skbLen(skb)).toBe(50);
    expect(x.skbTrim(skb, 60)).toBe(head + 124); // longer than len: no change
    expect(x.skbLen(skb)).toBe(50);
    expect(x.skbTrim(skb, 0)).toBe(head + 74);
    expect(x.skbLen(skb)).toBe(0);
    expect(x.skbHeadPtr(skb)).toBe(head);
    expect(x.skbEndPtr(skb)).toBe(head + L.BUF2K_SIZE);
    expect(x.skbTailroom(skb)).toBe(L.BUF2K_SIZE - 74);
    expectGeometryInvariant(skb);
    x.consumeSkb(skb);
  });

  it("put, push and pull use the whole room up to the edges", () => {
    const skb = x.allocSkb(L.BUF2K_SIZE);
    x.skbReserve(skb, 128);
    expect(x.skbPut(skb, L.BUF2K_SIZE - 128)).not.toBe(0);
    expect(x.skbTailroom(skb)).toBe(0);
    expect(x.skbPush(skb, 128)).toBe(skbGeometry(core, skb).head);
    expect(x.skbHeadroom(skb)).toBe(0);
    expect(x.skbPull(skb, L.BUF2K_SIZE)).toBe(skbGeometry(core, skb).end);
    expect(x.skbLen(skb)).toBe(0);
    expect(x.skbPut(skb, 0)).toBe(skbGeometry(core, skb).end); // zero bytes at a full buffer: fine
    expectGeometryInvariant(skb);
    x.consumeSkb(skb);
  });

  const refusals: [string, (skb: number) => number, (skb: number) => void][] = [
    ["push past headroom", (skb) => x.skbPush(skb, 33), (skb) => void x.skbReserve(skb, 32)],
    ["put past tailroom", (skb) => x.skbPut(skb, L.BUF2K_SIZE - 32 + 1), (skb) => void x.skbReserve(skb, 32)],
    [
      "pull past len",
      (skb) => x.skbPull(skb, 11),
      (skb) => {
        x.skbReserve(skb, 32);
        x.skbPut(skb, 10);
      },
    ],
    ["reserve on a non-empty skb", (skb) => x.skbReserve(skb, 1), (skb) => void x.skbPut(skb, 1)],
    ["reserve past tailroom", (skb) => x.skbReserve(skb, L.BUF2K_SIZE + 1), () => {}],
    ["push of 2^32-1", (skb) => x.skbPush(skb, 0xffff_ffff), (skb) => void x.skbReserve(skb, 32)],
    ["put of 2^32-1", (skb) => x.skbPut(skb, 0xffff_ffff), () => {}],
  ];
  for (const [name, op, setup] of refusals) {
    it(`${name} is refused: returns 0, counts, leaves the skb unchanged`, () => {
      const skb = x.allocSkb(100);
      setup(skb);
      const before = desc(skb);
      const refused = refusedCount();
      expect(op(skb)).toBe(0);
      expect(refusedCount()).toBe(refused + 1);
      expect(desc(skb)).toEqual(before);
      expectGeometryInvariant(skb);
      x.consumeSkb(skb);
    });
  }

  it("unchecked twins do what the checked forms do when the precondition holds", () => {
    const a = x.allocSkb(300);
    const b = x.allocSkb(300);
    const ops: [(s: number, n: number) => number, (s: number, n: number) => number, number][] = [
      [x.skbReserve, x.skbReserveUnchecked, 40],
      [x.skbPut, x.skbPutUnchecked, 200],
      [x.skbPush, x.skbPushUnchecked, 14],
      [x.skbPull, x.skbPullUnchecked, 34],
      [x.skbTrim, x.skbTrimUnchecked, 100],
    ];
    const base = skbGeometry(core, b).head - skbGeometry(core, a).head;
    for (const [checked, unchecked, n] of ops) {
      expect(unchecked(b, n) - base).toBe(checked(a, n));
      expect(x.skbLenUnchecked(b)).toBe(x.skbLen(a));
      expect(x.skbHeadroomUnchecked(b)).toBe(x.skbHeadroom(a));
      expect(x.skbTailroomUnchecked(b)).toBe(x.skbTailroom(a));
      expect(x.skbDataPtrUnchecked(b) - base).toBe(x.skbDataPtr(a));
      expect(x.skbTailPtrUnchecked(b) - base).toBe(x.skbTailPtr(a));
    }
    expect(refusedCount()).toBe(0);
    x.consumeSkb(a);
    x.consumeSkb(b);
  });

  it("a broken precondition in an unchecked twin is an assertion in the debug build", async () => {
    const dbg = await loadCore({ debug: true });
    const skb = dbg.x.allocSkb(100);
    expect(() => dbg.x.skbPushUnchecked(skb, 1)).toThrow(CoreAbortError);
    const dbg2 = await loadCore({ debug: true });
    const s2 = dbg2.x.allocSkb(100);
    expect(() => dbg2.x.skbPutUnchecked(s2, L.BUF2K_SIZE + 1)).toThrow(/skb_over_panic/);
  });

  it("bytes written through skbPut are the skb's data", () => {
    const skb = allocSkbWith(core, new Uint8Array([1, 2, 3, 4, 5]), 16);
    expect(x.skbHeadroom(skb)).toBe(16);
    expect([...skbBytes(core, skb)]).toEqual([1, 2, 3, 4, 5]);
    expect(skbPutBytes(core, skb, new Uint8Array([6, 7]))).not.toBe(0);
    x.skbPull(skb, 2);
    expect([...skbBytes(core, skb)]).toEqual([3, 4, 5, 6, 7]);
    x.consumeSkb(skb);
  });
});

describe("header marks", () => {
  it("reset marks the current data; set marks data + offset; offsets follow data", () => {
    const skb = x.allocSkb(200);
    const head = skbGeometry(core, skb).head;
    x.skbReserve(skb, 2);
    x.skbPut(skb, 14 + 20 + 20);
    expect(x.skbResetMacHeader(skb)).toBe(head + 2);
    expect(x.skbSetNetworkHeader(skb, 14)).toBe(head + 16);
    expect(x.skbSetTransportHeader(skb, 34)).toBe(head + 36);
    expect(x.skbMacHeader(skb)).toBe(head + 2);
    expect(x.skbNetworkHeader(skb)).toBe(head + 16);
    expect(x.skbTransportHeader(skb)).toBe(head + 36);
    expect(x.skbMacOffset(skb)).toBe(0);
    expect(x.skbNetworkOffset(skb)).toBe(14);
    expect(x.skbTransportOffset(skb)).toBe(34);
    expect(x.skbMacHeaderWasSet(skb)).toBe(1);
    // pulling the headers leaves the marks where they were: offsets turn negative
    x.skbPull(skb, 34);
    expect(x.skbMacOffset(skb)).toBe(-34);
    expect(x.skbNetworkOffset(skb)).toBe(-20);
    expect(x.skbTransportOffset(skb)).toBe(0);
    expect(x.skbResetNetworkHeader(skb)).toBe(head + 36);
    expect(x.skbSetMacHeader(skb, -34)).toBe(head + 2);
    expect(x.skbResetTransportHeader(skb)).toBe(head + 36);
    expect(core.u16[(skb + L.SKB_TRANS_HDR) >>> 1]).toBe(36); // stored as an offset from head
    x.consumeSkb(skb);
  });

  it("unset marks read as 0 with WasSet false; marks outside [head, end] are refused", () => {
    const skb = x.allocSkb(100);
    x.skbReserve(skb, 10);
    expect(x.skbTransportHeader(skb)).toBe(0);
    expect(x.skbTransportOffset(skb)).toBe(0);
    expect(x.skbTransportHeaderWasSet(skb)).toBe(0);
    const before = desc(skb);
    const refused = refusedCount();
    expect(x.skbSetNetworkHeader(skb, -11)).toBe(0);
    expect(x.skbSetNetworkHeader(skb, L.BUF2K_SIZE - 10 + 1)).toBe(0);
    expect(x.skbSetMacHeader(skb, -0x8000_0000)).toBe(0);
    expect(refusedCount()).toBe(refused + 3);
    expect(desc(skb)).toEqual(before);
    expect(x.skbSetNetworkHeader(skb, -10)).toBe(skbGeometry(core, skb).head);
    expect(x.skbSetTransportHeader(skb, L.BUF2K_SIZE - 10)).toBe(skbGeometry(core, skb).end);
    x.consumeSkb(skb);
  });

  it("a mark that does not fit 16 bits (past 0xfffe in a 64 KiB buffer) is refused", () => {
    const skb = x.allocSkb(L.BUF64K_SIZE);
    x.skbReserve(skb, 0xfffe);
    expect(x.skbResetNetworkHeader(skb)).toBe(skbGeometry(core, skb).head + 0xfffe);
    x.skbPut(skb, 1);
    x.skbPull(skb, 1);
    const refused = refusedCount();
    expect(x.skbResetTransportHeader(skb)).toBe(0);
    expect(refusedCount()).toBe(refused + 1);
    expect(x.skbTransportHeaderWasSet(skb)).toBe(0);
    x.consumeSkb(skb);
  });

  it("unchecked header twins set the same marks", () => {
    const skb = x.allocSkb(100);
    x.skbReserve(skb, 20);
    const head = skbGeometry(core, skb).head;
    expect(x.skbResetMacHeaderUnchecked(skb)).toBe(head + 20);
    expect(x.skbResetNetworkHeaderUnchecked(skb)).toBe(head + 20);
    expect(x.skbResetTransportHeaderUnchecked(skb)).toBe(head + 20);
    expect(x.skbSetMacHeaderUnchecked(skb, -6)).toBe(head + 14);
    expect(x.skbSetNetworkHeaderUnchecked(skb, 4)).toBe(head + 24);
    expect(x.skbSetTransportHeaderUnchecked(skb, 8)).toBe(head + 28);
    expect([x.skbMacOffset(skb), x.skbNetworkOffset(skb), x.skbTransportOffset(skb)]).toEqual([-6, 4, 8]);
    x.consumeSkb(skb);
  });
});

describe("clone and reference counts", () => {
  it("a clone shares the bytes, copies geometry and marks, and has its own geometry", () => {
    const skb = allocSkbWith(core, new Uint8Array(64).fill(7), 32);
    x.skbResetNetworkHeader(skb);
    core.u8[skb + L.SKB_CB] = 0x5a;
    core.u32[(skb + L.SKB_SK) >>> 2] = 1234;
    core.u32[(skb + L.SKB_DEV) >>> 2] = 42;
    const c = x.skbClone(skb);
    expect(c).not.toBe(0);
    expect(c).not.toBe(skb);
    expect(skbGeometry(core, c)).toEqual(skbGeometry(core, skb));
    expect(x.skbNetworkHeader(c)).toBe(x.skbNetworkHeader(skb));
    expect(x.skbTransportHeaderWasSet(c)).toBe(0);
    expect(core.u8[c + L.SKB_CB]).toBe(0x5a);
    expect(core.u32[(c + L.SKB_DEV) >>> 2]).toBe(42);
    expect(core.u32[(c + L.SKB_SK) >>> 2]).toBe(0); // Linux: n->sk = NULL
    expect(x.skbUsers(c)).toBe(1);
    expect(x.skbDataref(skb)).toBe(2);
    expect(x.skbDataref(c)).toBe(2);
    expect(x.skbCloned(skb)).toBe(1);
    expect(x.skbCloned(c)).toBe(1);
    expect(x.buf2kInUse()).toBe(1);
    expect(x.skbInUse()).toBe(2);
    // write through one, read through the other
    skbBytes(core, c)[0] = 0xee;
    expect(skbBytes(core, skb)[0]).toBe(0xee);
    // own geometry
    x.skbPull(c, 10);
    expect(x.skbLen(c)).toBe(54);
    expect(x.skbLen(skb)).toBe(64);
    x.consumeSkb(skb);
    x.consumeSkb(c);
  });

  it("freeing the original keeps the clone's data; the buffer returns at the last reference", () => {
    const skb = allocSkbWith(core, new Uint8Array([9, 8, 7]));
    const c1 = x.skbClone(skb);
    const c2 = x.skbClone(c1);
    expect(x.skbDataref(skb)).toBe(3);
    expect(x.consumeSkb(skb)).toBe(1);
    expect(x.skbIsLive(skb)).toBe(0);
    expect(x.buf2kInUse()).toBe(1);
    expect([...skbBytes(core, c1)]).toEqual([9, 8, 7]);
    expect(x.skbDataref(c1)).toBe(2);
    expect(x.kfreeSkb(c1, L.DROP_NOT_SPECIFIED)).toBe(1);
    expect(x.buf2kInUse()).toBe(1);
    // Linux skb_cloned(): cloned flag and dataref != 1, so the survivor owns its data again
    expect(x.skbCloned(c2)).toBe(0);
    expect(x.skbDataref(c2)).toBe(1);
    expect([...skbBytes(core, c2)]).toEqual([9, 8, 7]);
    expect(x.consumeSkb(c2)).toBe(1);
    expect(x.buf2kInUse()).toBe(0);
  });

  it("skbGet adds a user; the skb is freed at the last user, and the drop counted only then", () => {
    const skb = x.allocSkb(10);
    expect(x.skbGet(skb)).toBe(skb);
    expect(x.skbUsers(skb)).toBe(2);
    expect(x.skbShared(skb)).toBe(1);
    expect(x.kfreeSkb(skb, L.DROP_IP_CSUM)).toBe(0);
    expect(x.skbIsLive(skb)).toBe(1);
    expect(x.skbShared(skb)).toBe(0);
    expect(core.counter(L.DROP_IP_CSUM)).toBe(0);
    expect(x.kfreeSkb(skb, L.DROP_IP_CSUM)).toBe(1);
    expect(core.counter(L.DROP_IP_CSUM)).toBe(1);
    expect(core.drops()).toEqual({ IP_CSUM: 1 });
  });

  it("consumeSkb counts no drop; a drop reason of 0 or out of range counts as NOT_SPECIFIED", () => {
    x.consumeSkb(x.allocSkb(10));
    expect(core.drops()).toEqual({});
    x.kfreeSkb(x.allocSkb(10), 0);
    x.kfreeSkb(x.allocSkb(10), L.DROP_REASON_MAX);
    x.kfreeSkb(x.allocSkb(10), 0xffff_ffff);
    expect(core.drops()).toEqual({ NOT_SPECIFIED: 3 });
  });

  it("skbCopy makes a private buffer with the headroom, marks and bytes of the original", () => {
    for (const size of [100, L.BUF2K_SIZE + 1]) {
      const skb = x.allocSkb(size);
      x.skbReserve(skb, 40);
      skbPutBytes(
        core,
        skb,
        Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
      );
      const g = skbGeometry(core, skb);
      core.u8.fill(0xab, g.head, g.data); // headroom bytes travel too (Linux copies from head)
      x.skbResetNetworkHeader(skb);
      x.skbSetTransportHeader(skb, 20);
      const n = x.skbCopy(skb);
      expect(n).not.toBe(0);
      const gn = skbGeometry(core, n);
      expect(gn.end - gn.head).toBe(g.end - g.head);
      expect([gn.data - gn.head, gn.tail - gn.head]).toEqual([g.data - g.head, g.tail - g.head]);
      expect(gn.head).not.toBe(g.head);
      expect(core.u8.slice(gn.head, gn.tail)).toEqual(core.u8.slice(g.head, g.tail));
      expect(x.skbNetworkOffset(n)).toBe(0);
      expect(x.skbTransportOffset(n)).toBe(20);
      expect(x.skbMacHeaderWasSet(n)).toBe(0);
      expect(x.skbCloned(n)).toBe(0);
      expect(x.skbCloned(skb)).toBe(0);
      expect(x.skbDataref(n)).toBe(1);
      skbBytes(core, n)[0] = 0xff;
      expect(skbBytes(core, skb)[0]).toBe(0);
      expect(x.buf2kInUse() + x.buf64kInUse()).toBe(2);
      x.consumeSkb(skb);
      x.consumeSkb(n);
    }
  });

  it("skbUnshare returns an uncloned skb as is and replaces a cloned one by a copy", () => {
    const skb = allocSkbWith(core, new Uint8Array([1, 2, 3]));
    expect(x.skbUnshare(skb)).toBe(skb);
    const c = x.skbClone(skb);
    const u = x.skbUnshare(c);
    expect(u).not.toBe(0);
    expect(u).not.toBe(c);
    expect(x.skbIsLive(c)).toBe(0); // its reference was consumed
    expect([...skbBytes(core, u)]).toEqual([1, 2, 3]);
    expect(x.skbCloned(skb)).toBe(0);
    expect(x.buf2kInUse()).toBe(2);
    expect(core.drops()).toEqual({});
    x.consumeSkb(skb);
    x.consumeSkb(u);
  });

  it("skbUnshare drops the original (NOMEM) when no buffer is left for the copy", () => {
    const all: number[] = [];
    for (let i = 0; i < L.BUF2K_COUNT; i++) all.push(x.allocSkb(10));
    const c = x.skbClone(all[0]);
    expect(x.skbUnshare(c)).toBe(0);
    expect(x.skbIsLive(c)).toBe(0);
    expect(core.drops()).toEqual({ NOMEM: 1 });
    expect(core.counter(L.CNT_BUF2K_ALLOC_FAIL)).toBe(1);
    for (const s of all) x.consumeSkb(s);
  });
});

describe("pool exhaustion and recovery", () => {
  it("2 KiB buffers: allocation fails with 0 and a count, and works again after frees", () => {
    for (let round = 0; round < 2; round++) {
      const got: number[] = [];
      for (;;) {
        const s = x.allocSkb(1500);
        if (s === 0) break;
        got.push(s);
      }
      expect(got.length).toBe(L.BUF2K_COUNT);
      expect(new Set(got).size).toBe(got.length);
      expect(x.allocSkb(1)).toBe(0);
      expect(core.counter(L.CNT_BUF2K_ALLOC_FAIL)).toBe(2 * (round + 1));
      expect(core.counter(L.CNT_SKB_ALLOC_FAIL)).toBe(0);
      // the other class is unaffected
      const big = x.allocSkb(L.BUF64K_SIZE);
      expect(big).not.toBe(0);
      x.consumeSkb(big);
      for (const s of got) expect(x.consumeSkb(s)).toBe(1);
      expect(x.buf2kInUse()).toBe(0);
    }
  });

  it("64 KiB buffers: allocation fails with 0 and a count, and works again after frees", () => {
    for (let round = 0; round < 2; round++) {
      const got: number[] = [];
      for (let s = x.allocSkb(9000); s !== 0; s = x.allocSkb(9000)) got.push(s);
      expect(got.length).toBe(L.BUF64K_COUNT);
      expect(x.buf64kInUse()).toBe(L.BUF64K_COUNT);
      expect(core.counter(L.CNT_BUF64K_ALLOC_FAIL)).toBe(round + 1);
      const small = x.allocSkb(100);
      expect(small).not.toBe(0);
      x.consumeSkb(small);
      for (const s of got) x.kfreeSkb(s, L.DROP_NOMEM);
    }
    expect(core.drops()).toEqual({ NOMEM: 2 * L.BUF64K_COUNT });
  });

  it("descriptors: clones use them up; alloc, clone and copy then fail with CNT_SKB_ALLOC_FAIL", () => {
    const first = x.allocSkb(10);
    const all = [first];
    for (let c = x.skbClone(first); c !== 0; c = x.skbClone(first)) all.push(c);
    expect(all.length).toBe(L.SKB_COUNT);
    expect(x.skbInUse()).toBe(L.SKB_COUNT);
    expect(x.skbDataref(first)).toBe(L.SKB_COUNT);
    expect(core.counter(L.CNT_SKB_ALLOC_FAIL)).toBe(1);
    expect(x.allocSkb(10)).toBe(0);
    expect(x.skbCopy(first)).toBe(0);
    expect(core.counter(L.CNT_SKB_ALLOC_FAIL)).toBe(3);
    expect(core.counter(L.CNT_BUF2K_ALLOC_FAIL)).toBe(0);
    expect(x.buf2kInUse()).toBe(1);
    for (const s of all) x.consumeSkb(s);
    const again = x.allocSkb(10);
    expect(again).not.toBe(0);
    x.consumeSkb(again);
  });
});

describe("refused frees and bad handles", () => {
  it("a double free is refused and counted, and the pools stay intact", () => {
    const a = x.allocSkb(10);
    const b = x.allocSkb(10);
    expect(x.consumeSkb(a)).toBe(1);
    expect(x.consumeSkb(a)).toBe(-1);
    expect(x.kfreeSkb(a, L.DROP_IP_CSUM)).toBe(-1);
    expect(core.counter(L.CNT_SKB_DOUBLE_FREE)).toBe(2);
    expect(core.drops()).toEqual({});
    expect(x.skbInUse()).toBe(1);
    // the next two allocations are distinct (a was pushed once, not twice)
    const c = x.allocSkb(10);
    const d = x.allocSkb(10);
    expect(c).not.toBe(d);
    expect(skbGeometry(core, c).head).not.toBe(skbGeometry(core, d).head);
    for (const s of [b, c, d]) x.consumeSkb(s);
  });

  it("freeing a clone twice does not release the shared buffer early", () => {
    const a = x.allocSkb(10);
    const c = x.skbClone(a);
    x.consumeSkb(c);
    expect(x.consumeSkb(c)).toBe(-1);
    expect(x.skbDataref(a)).toBe(1);
    expect(x.buf2kInUse()).toBe(1);
    x.consumeSkb(a);
  });

  it("ops on a freed skb are refused", () => {
    const a = x.allocSkb(10);
    x.consumeSkb(a);
    const refused = refusedCount();
    expect(x.skbPut(a, 1)).toBe(0);
    expect(x.skbGet(a)).toBe(0);
    expect(x.skbClone(a)).toBe(0);
    expect(x.skbLen(a)).toBe(-1);
    expect(refusedCount()).toBe(refused + 4);
    expect(x.skbInUse()).toBe(0);
  });

  it("no op traps on a handle that is not a descriptor", () => {
    const bad = [
      0,
      1,
      L.SKB_DESC_OFFSET - L.SKB_SIZE,
      L.SKB_DESC_OFFSET + 4,
      L.SKB_DESC_OFFSET + L.SKB_DESC_SIZE,
      L.BUF2K_OFFSET,
      0x7fff_ffff,
      0xffff_fff0,
    ];
    const addrOps = [
      x.skbGet,
      x.skbClone,
      x.skbCopy,
      x.skbUnshare,
      x.skbHeadPtr,
      x.skbDataPtr,
      x.skbTailPtr,
      x.skbEndPtr,
      x.skbResetMacHeader,
      x.skbResetNetworkHeader,
      x.skbResetTransportHeader,
      x.skbMacHeader,
      x.skbNetworkHeader,
      x.skbTransportHeader,
    ];
    const lenOps = [x.skbLen, x.skbHeadroom, x.skbTailroom, x.skbUsers, x.skbDataref];
    const boolOps = [
      x.skbShared,
      x.skbCloned,
      x.skbMacHeaderWasSet,
      x.skbNetworkHeaderWasSet,
      x.skbTransportHeaderWasSet,
    ];
    const withLen = [x.skbPut, x.skbPush, x.skbPull, x.skbReserve, x.skbTrim];
    const withOff = [x.skbSetMacHeader, x.skbSetNetworkHeader, x.skbSetTransportHeader];
    const offOps = [x.skbMacOffset, x.skbNetworkOffset, x.skbTransportOffset];
    let calls = 0;
    for (const h of bad) {
      for (const f of addrOps) expect(f(h), `${f.name}(${h})`).toBe(0);
      for (const f of lenOps) expect(f(h), `${f.name}(${h})`).toBe(-1);
      for (const f of boolOps) expect(f(h), `${f.name}(${h})`).toBe(0);
      for (const f of withLen) expect(f(h, 1), `${f.name}(${h})`).toBe(0);
      for (const f of withOff) expect(f(h, 0), `${f.name}(${h})`).toBe(0);
      for (const f of offOps) expect(f(h), `${f.name}(${h})`).toBe(0);
      expect(x.kfreeSkb(h, 1)).toBe(-1);
      expect(x.consumeSkb(h)).toBe(-1);
      expect(x.skbIsLive(h)).toBe(0);
      expect(x.skbListOwner(h)).toBe(0);
      calls +=
        addrOps.length + lenOps.length + boolOps.length + withLen.length + withOff.length + offOps.length + 2;
    }
    expect(refusedCount()).toBe(calls);
    expect(core.counter(L.CNT_SKB_DOUBLE_FREE)).toBe(0);
  });
});
