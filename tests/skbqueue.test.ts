// sk_buff_head queues: FIFO order, head/tail ops, unlink, splice (and the membership labels it leaves
// stale), lengths and byte counts, purge, and refusals that keep queues and pools intact.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allocSkbWith, newSkbQueue, skbQueueList } from "../src/core/skb.js";
import type { Core } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { freshCore } from "./helpers/core.js";
import { expectNoLeaks } from "./helpers/leaks.js";

let core: Core;
let x: Core["x"];
let queues: number[];

beforeEach(async () => {
  core = await freshCore();
  x = core.x;
  queues = [];
});
afterEach(() => expectNoLeaks(core, queues));

function queue(): number {
  const q = newSkbQueue(core);
  queues.push(q);
  return q;
}
/** An skb with `len` bytes of data, each byte = tag. */
function skbOf(len: number, tag = len & 0xff): number {
  const skb = allocSkbWith(core, new Uint8Array(len).fill(tag), 32);
  expect(skb).not.toBe(0);
  return skb;
}
const refusedCount = () => core.counter(L.CNT_SKB_OP_REFUSED);
function expectQueue(q: number, skbs: number[]): void {
  expect(skbQueueList(core, q)).toEqual(skbs);
  expect(x.skbQueueLen(q)).toBe(skbs.length);
  expect(x.skbQueueBytes(q)).toBe(skbs.reduce((n, s) => n + x.skbLen(s), 0));
  for (const s of skbs) expect(x.skbListOwner(s)).toBe(q);
  // the prev links mirror the next links
  let p = q;
  for (const s of [...skbs].reverse()) {
    expect(core.u32[(p + L.SKB_PREV) >>> 2]).toBe(s);
    p = s;
  }
  expect(core.u32[(p + L.SKB_PREV) >>> 2]).toBe(q);
}

describe("sk_buff_head", () => {
  it("a queue head lays out next/prev where a descriptor does", () => {
    expect(L.SKBQ_NEXT).toBe(L.SKB_NEXT);
    expect(L.SKBQ_PREV).toBe(L.SKB_PREV);
  });

  it("starts empty: no skb to peek or dequeue, which is not a refusal", () => {
    const q = queue();
    expectQueue(q, []);
    expect(x.skbPeek(q)).toBe(0);
    expect(x.skbPeekTail(q)).toBe(0);
    expect(x.skbDequeue(q)).toBe(0);
    expect(x.skbDequeueTail(q)).toBe(0);
    expect(refusedCount()).toBe(0);
  });

  it("skbQueueTail and skbDequeue are FIFO, with lengths and byte counts", () => {
    const q = queue();
    const skbs = [skbOf(10), skbOf(20), skbOf(30), skbOf(0), skbOf(1500)];
    skbs.forEach((s, i) => {
      expect(x.skbQueueTail(q, s)).toBe(i + 1);
    });
    expectQueue(q, skbs);
    expect(x.skbQueueBytes(q)).toBe(1560);
    expect(x.skbPeek(q)).toBe(skbs[0]);
    expect(x.skbPeekTail(q)).toBe(skbs[4]);
    for (const s of skbs) {
      expect(x.skbDequeue(q)).toBe(s);
      expect(x.skbListOwner(s)).toBe(0);
      expect(core.u32[(s + L.SKB_NEXT) >>> 2]).toBe(0);
      x.consumeSkb(s);
    }
    expectQueue(q, []);
  });

  it("skbQueueHead and skbDequeueTail work the other end", () => {
    const q = queue();
    const [a, b, c] = [skbOf(1), skbOf(2), skbOf(3)];
    x.skbQueueHead(q, a);
    x.skbQueueHead(q, b);
    x.skbQueueTail(q, c);
    expectQueue(q, [b, a, c]);
    expect(x.skbDequeueTail(q)).toBe(c);
    expect(x.skbDequeueTail(q)).toBe(a);
    expectQueue(q, [b]);
    expect(x.skbDequeue(q)).toBe(b);
    for (const s of [a, b, c]) x.consumeSkb(s);
  });

  it("unlinks from the middle, the ends, and refuses a queue the skb is not on", () => {
    const q = queue();
    const other = queue();
    const skbs = [skbOf(1), skbOf(2), skbOf(3), skbOf(4), skbOf(5)];
    for (const s of skbs) x.skbQueueTail(q, s);
    const loose = skbOf(6);
    const refused = refusedCount();
    expect(x.skbUnlink(skbs[2], other)).toBe(0);
    expect(x.skbUnlink(loose, q)).toBe(0);
    expect(x.skbUnlink(skbs[2], 0)).toBe(0);
    expect(refusedCount()).toBe(refused + 3);
    expectQueue(q, skbs);
    expect(x.skbUnlink(skbs[2], q)).toBe(skbs[2]);
    expectQueue(q, [skbs[0], skbs[1], skbs[3], skbs[4]]);
    expect(x.skbUnlink(skbs[2], q)).toBe(0); // not on it any more
    expect(x.skbUnlink(skbs[0], q)).toBe(skbs[0]);
    expect(x.skbUnlink(skbs[4], q)).toBe(skbs[4]);
    expectQueue(q, [skbs[1], skbs[3]]);
    x.skbQueuePurge(q, L.DROP_NOT_SPECIFIED);
    for (const s of [skbs[0], skbs[2], skbs[4], loose]) x.consumeSkb(s);
  });

  it("an skb is on one queue at most: enqueueing a queued skb is refused", () => {
    const q1 = queue();
    const q2 = queue();
    const s = skbOf(8);
    x.skbQueueTail(q1, s);
    const refused = refusedCount();
    expect(x.skbQueueTail(q1, s)).toBe(0);
    expect(x.skbQueueHead(q2, s)).toBe(0);
    expect(x.skbQueueTail(q2, s)).toBe(0);
    expect(refusedCount()).toBe(refused + 3);
    expectQueue(q1, [s]);
    expectQueue(q2, []);
    x.skbDequeue(q1);
    x.consumeSkb(s);
  });

  it("a clone can sit on another queue than its original", () => {
    const q1 = queue();
    const q2 = queue();
    const s = skbOf(100);
    const c = x.skbClone(s);
    x.skbQueueTail(q1, s);
    x.skbQueueTail(q2, c);
    expectQueue(q1, [s]);
    expectQueue(q2, [c]);
    expect(x.skbQueuePurge(q1, L.DROP_NOT_SPECIFIED)).toBe(1);
    expect(x.buf2kInUse()).toBe(1);
    expect(x.skbQueuePurge(q2, L.DROP_NOT_SPECIFIED)).toBe(1);
  });
});

describe("splice", () => {
  it("moves everything to the tail in order and leaves the source empty", () => {
    const from = queue();
    const to = queue();
    const a = [skbOf(1), skbOf(2), skbOf(3)];
    const b = [skbOf(10), skbOf(20)];
    for (const s of a) x.skbQueueTail(to, s);
    for (const s of b) x.skbQueueTail(from, s);
    expect(x.skbQueueSpliceTailInit(from, to)).toBe(2);
    expectQueue(to, [...a, ...b]);
    expectQueue(from, []);
    expect(x.skbQueueBytes(to)).toBe(36);
    expect(x.skbQueueSpliceTailInit(from, to)).toBe(0); // empty source: nothing moves
    expectQueue(to, [...a, ...b]);
    // the source is usable again at once
    const c = skbOf(5);
    x.skbQueueTail(from, c);
    expectQueue(from, [c]);
    expect(x.skbUnlink(b[0], from)).toBe(0); // b[0] is on `to` now
    expect(x.skbUnlink(b[0], to)).toBe(b[0]);
    expect(x.skbUnlink(c, to)).toBe(0);
    expectQueue(to, [...a, b[1]]);
    x.skbQueuePurge(to, L.DROP_NOT_SPECIFIED);
    x.skbQueuePurge(from, L.DROP_NOT_SPECIFIED);
    x.consumeSkb(b[0]);
  });

  it("into an empty queue, and through a chain of splices", () => {
    const [q1, q2, q3] = [queue(), queue(), queue()];
    const s = [skbOf(1), skbOf(2), skbOf(3), skbOf(4)];
    x.skbQueueTail(q1, s[0]);
    x.skbQueueTail(q1, s[1]);
    expect(x.skbQueueSpliceTailInit(q1, q2)).toBe(2);
    x.skbQueueTail(q2, s[2]);
    x.skbQueueTail(q1, s[3]);
    expect(x.skbQueueSpliceTailInit(q2, q3)).toBe(3);
    expect(x.skbQueueSpliceTailInit(q1, q3)).toBe(1);
    expectQueue(q3, s);
    expectQueue(q1, []);
    expectQueue(q2, []);
    // unlink from the middle of skbs whose labels went stale twice
    expect(x.skbUnlink(s[1], q2)).toBe(0);
    expect(x.skbUnlink(s[1], q3)).toBe(s[1]);
    expectQueue(q3, [s[0], s[2], s[3]]);
    x.skbQueuePurge(q3, L.DROP_NOT_SPECIFIED);
    x.consumeSkb(s[1]);
  });

  it("refuses a queue into itself and unusable queues", () => {
    const q = queue();
    const s = skbOf(3);
    x.skbQueueTail(q, s);
    const refused = refusedCount();
    expect(x.skbQueueSpliceTailInit(q, q)).toBe(-1);
    expect(x.skbQueueSpliceTailInit(q, 0)).toBe(-1);
    expect(x.skbQueueSpliceTailInit(0, q)).toBe(-1);
    expect(refusedCount()).toBe(refused + 3);
    expectQueue(q, [s]);
    x.skbQueuePurge(q, L.DROP_NOT_SPECIFIED);
  });
});

describe("byte counts follow length changes of queued skbs", () => {
  it("put, push, pull and trim on a queued skb adjust its queue's bytes", () => {
    const q = queue();
    const s = skbOf(100);
    x.skbQueueTail(q, s);
    x.skbPut(s, 50);
    expect(x.skbQueueBytes(q)).toBe(150);
    x.skbPush(s, 14);
    expect(x.skbQueueBytes(q)).toBe(164);
    x.skbPull(s, 64);
    expect(x.skbQueueBytes(q)).toBe(100);
    x.skbTrim(s, 10);
    expect(x.skbQueueBytes(q)).toBe(10);
    x.skbPutUnchecked(s, 5);
    x.skbPushUnchecked(s, 5);
    x.skbPullUnchecked(s, 2);
    x.skbTrimUnchecked(s, 3);
    expectQueue(q, [s]);
    expect(x.skbQueueBytes(q)).toBe(3);
    expect(x.skbDequeue(q)).toBe(s);
    expect(x.skbQueueBytes(q)).toBe(0);
    x.consumeSkb(s);
  });

  it("after a splice the change lands on the new queue, not the old one", () => {
    const from = queue();
    const to = queue();
    const s = [skbOf(10), skbOf(20), skbOf(30)];
    for (const k of s) x.skbQueueTail(from, k);
    x.skbQueueSpliceTailInit(from, to);
    x.skbPull(s[0], 5); // stale label: repaired by a walk to the head
    x.skbPut(s[2], 7);
    expectQueue(to, s);
    expect(x.skbQueueBytes(to)).toBe(62);
    expect(x.skbQueueBytes(from)).toBe(0);
    x.skbQueuePurge(to, L.DROP_NOT_SPECIFIED);
  });
});

describe("purge", () => {
  it("frees every skb with the drop reason and returns how many it dequeued", () => {
    const q = queue();
    for (let i = 0; i < 10; i++) x.skbQueueTail(q, skbOf(i * 100));
    expect(x.skbInUse()).toBe(10);
    expect(x.skbQueuePurge(q, L.DROP_SOCKET_RCVBUFF)).toBe(10);
    expect(core.drops()).toEqual({ SOCKET_RCVBUFF: 10 });
    expectQueue(q, []);
    expect(x.skbQueuePurge(q, L.DROP_SOCKET_RCVBUFF)).toBe(0);
  });

  it("an skb someone else holds only loses the queue's reference", () => {
    const q = queue();
    const s = skbOf(10);
    x.skbGet(s);
    x.skbQueueTail(q, s);
    expect(x.skbQueuePurge(q, L.DROP_NOT_SPECIFIED)).toBe(1);
    expect(x.skbIsLive(s)).toBe(1);
    expect(x.skbUsers(s)).toBe(1);
    expect(core.drops()).toEqual({});
    x.kfreeSkb(s, L.DROP_NOT_SPECIFIED);
    expect(core.drops()).toEqual({ NOT_SPECIFIED: 1 });
  });
});

describe("freeing queued skbs", () => {
  it("is refused and counted while the queue holds the last reference", () => {
    const q = queue();
    const s = skbOf(10);
    x.skbQueueTail(q, s);
    expect(x.kfreeSkb(s, L.DROP_NOT_SPECIFIED)).toBe(-1);
    expect(x.consumeSkb(s)).toBe(-1);
    expect(core.counter(L.CNT_SKB_DOUBLE_FREE)).toBe(2);
    expect(core.drops()).toEqual({});
    expectQueue(q, [s]);
    expect(x.skbDequeue(q)).toBe(s);
    expect(x.consumeSkb(s)).toBe(1);
  });

  it("drops only a reference when another holder frees a queued skb (Linux: skb_get then queue)", () => {
    const q = queue();
    const s = skbOf(10);
    x.skbGet(s);
    x.skbQueueTail(q, s);
    expect(x.consumeSkb(s)).toBe(0);
    expectQueue(q, [s]);
    expect(x.skbUsers(s)).toBe(1);
    x.skbQueuePurge(q, L.DROP_NOT_SPECIFIED);
  });
});

describe("unusable queue heads", () => {
  it("refuses 0, misaligned, out-of-memory and in-slab heads, and uninitialised memory, without trapping", () => {
    const s = skbOf(4);
    const memEnd = core.x.memory.buffer.byteLength;
    const bad = [0, 2, L.SKB_DESC_OFFSET, L.SKB_DESC_OFFSET + 64, memEnd - 8, memEnd, 0xffff_fffc];
    const refused = refusedCount();
    let calls = 0;
    for (const q of bad) {
      expect(x.skbQueueHeadInit(q), `init ${q}`).toBe(0);
      expect(x.skbQueueTail(q, s), `tail ${q}`).toBe(0);
      expect(x.skbQueueHead(q, s)).toBe(0);
      expect(x.skbPeek(q)).toBe(0);
      expect(x.skbPeekTail(q)).toBe(0);
      expect(x.skbDequeue(q)).toBe(0);
      expect(x.skbDequeueTail(q)).toBe(0);
      expect(x.skbUnlink(s, q)).toBe(0);
      expect(x.skbQueueLen(q)).toBe(-1);
      expect(x.skbQueueBytes(q)).toBe(-1);
      expect(x.skbQueuePurge(q, 1)).toBe(-1);
      calls += 11;
    }
    expect(refusedCount()).toBe(refused + calls);
    // zeroed arena memory is not an initialised queue: its links lead nowhere
    const raw = core.x.arenaAlloc(L.SKBQ_SIZE);
    expect(x.skbQueueTail(raw, s)).toBe(0);
    expect(x.skbQueueHead(raw, s)).toBe(0);
    expect(x.skbDequeue(raw)).toBe(0);
    expect(x.skbQueueSpliceTailInit(raw, queue())).toBe(-1);
    expect(x.skbListOwner(s)).toBe(0);
    x.consumeSkb(s);
  });

  it("a queue head may live outside the arena, e.g. in the staging area", () => {
    const q = L.STAGING_OFFSET + 4;
    expect(x.skbQueueHeadInit(q)).toBe(q);
    queues.push(q);
    const s = skbOf(4);
    expect(x.skbQueueTail(q, s)).toBe(1);
    expect(x.skbDequeue(q)).toBe(s);
    x.consumeSkb(s);
  });
});
