// Wasm-only properties of the flow tables: bad pointers never trap, the batched lookup equals single
// lookups, incremental rehashing does bounded work per operation, and memory is reused.
import { describe, expect, it } from "vitest";
import { EhashTable, LhashTable, UdpHashTable } from "../src/core/flow.js";
import type { Core } from "../src/core/wasm.js";
import {
  EH_CNT_MOVED,
  EH_MASK,
  EH_OVF_USED,
  EH_REHASH_EMPTY_VISITS,
  EH_REHASH_STEP,
  EH_SEG_BUCKETS,
  EHB_SIZE,
  FLOW_E_INVAL,
  FLOWKEY_SIZE,
  STAGING_OFFSET,
} from "../src/generated/layout.js";
import { freshCore } from "./helpers/core.js";
import { ip } from "./helpers/flow.js";

const A = ip("10.0.0.1");
const P = ip("172.16.0.0");

function field(core: Core, t: number, off: number): number {
  return core.u32[(t + off) >>> 2];
}

/** Flow i: a distinct remote (addr, port) towards A:443. */
function key(i: number): [number, number, number, number] {
  return [(P + (i >>> 10)) >>> 0, 1024 + (i & 1023), A, 443];
}

function writeKeys(core: Core, at: number, keys: [number, number, number, number][]): void {
  const dv = core.dv;
  keys.forEach(([sa, sp, da, dp], i) => {
    const o = at + i * FLOWKEY_SIZE;
    dv.setUint32(o, sa, true);
    dv.setUint32(o + 4, da, true);
    dv.setUint16(o + 8, sp, true);
    dv.setUint16(o + 10, dp, true);
  });
}

describe("flow tables in Wasm", () => {
  it("a bad table pointer gets -FLOW_E_INVAL from every export, never a trap", async () => {
    const core = await freshCore();
    const x = core.x;
    const eh = new EhashTable(core);
    const lh = new LhashTable(core);
    const ut = new UdpHashTable(core);
    const top = x.arenaTop();
    const bad = [
      0,
      1,
      64,
      STAGING_OFFSET,
      eh.ptr + 4,
      eh.ptr + 64,
      lh.ptr,
      ut.ptr,
      top,
      top - 64,
      -1,
      0x7fffffc0,
    ];
    for (const t of bad) {
      expect(x.ehashInsert(t, 1, 2, 3, 4, 5), `ehashInsert ${t}`).toBe(-FLOW_E_INVAL);
      expect(x.ehashDelete(t, 1, 2, 3, 4)).toBe(-FLOW_E_INVAL);
      expect(x.ehashLookup(t, 1, 2, 3, 4)).toBe(-FLOW_E_INVAL);
      expect(x.ehashLookupBatch(t, STAGING_OFFSET, 1, STAGING_OFFSET + 64)).toBe(-FLOW_E_INVAL);
      expect(x.ehashLookupLoop(t, STAGING_OFFSET, 1, STAGING_OFFSET + 64)).toBe(-FLOW_E_INVAL);
      expect(x.ehashCount(t)).toBe(-FLOW_E_INVAL);
      expect(x.ehashRehashStep(t, 1)).toBe(-FLOW_E_INVAL);
    }
    for (const t of [0, 1, eh.ptr, ut.ptr, top, lh.ptr + 32, -1]) {
      expect(x.lhashInsert(t, 1, 80, 0, 0, 1), `lhashInsert ${t}`).toBe(-FLOW_E_INVAL);
      expect(x.lhashDelete(t, 1, 80, 1)).toBe(-FLOW_E_INVAL);
      expect(x.lhashLookup(t, 1, 2, 1, 80)).toBe(-FLOW_E_INVAL);
      expect(x.lhashMembers(t, 1, 80, STAGING_OFFSET, 4)).toBe(-FLOW_E_INVAL);
    }
    for (const t of [0, 1, eh.ptr, lh.ptr, top, -1]) {
      expect(x.udptabInsert(t, 1, 80, 0, 0, 0, 0, 1), `udptabInsert ${t}`).toBe(-FLOW_E_INVAL);
      expect(x.udptabDelete(t, 1, 80, 1)).toBe(-FLOW_E_INVAL);
      expect(x.udptabLookup(t, 1, 2, 1, 80)).toBe(-FLOW_E_INVAL);
      expect(x.udptabMembers(t, 1, 80, STAGING_OFFSET, 4)).toBe(-FLOW_E_INVAL);
    }
    // the good tables still work after all that
    expect(eh.insert(1, 2, 3, 4, 5)).toBe(0);
    expect(eh.lookup(1, 2, 3, 4)).toBe(5);
  });

  it("batch and loop lookups equal single lookups, before, during and after a rehash", async () => {
    const core = await freshCore();
    const t = new EhashTable(core, { initFlows: 8 });
    const keysAt = STAGING_OFFSET;
    const maxProbe = 6000; // keys and results fit in STAGING
    const outAt = STAGING_OFFSET + maxProbe * FLOWKEY_SIZE;
    let inserted = 0;
    let checkedMidRehash = 0;
    for (const target of [10, 17, 100, 300, 1000, 2500, 6000]) {
      while (inserted < target) {
        expect(t.insert(...key(inserted), inserted + 1)).toBe(0);
        inserted++;
      }
      if (t.rehashing()) checkedMidRehash++;
      const probe = Array.from({ length: Math.min(2 * target + 7, maxProbe) }, (_, i) =>
        key((i * 7919) % (2 * target)),
      );
      writeKeys(core, keysAt, probe);
      const want = probe.map((k) => t.lookup(...k));
      const hits = want.filter((v) => v > 0).length;
      expect(core.x.ehashLookupBatch(t.ptr, keysAt, probe.length, outAt)).toBe(hits);
      expect(Array.from(core.u32.subarray(outAt >>> 2, (outAt >>> 2) + probe.length))).toEqual(want);
      core.u32.fill(0xdead, outAt >>> 2, (outAt >>> 2) + probe.length);
      expect(core.x.ehashLookupLoop(t.ptr, keysAt, probe.length, outAt)).toBe(hits);
      expect(Array.from(core.u32.subarray(outAt >>> 2, (outAt >>> 2) + probe.length))).toEqual(want);
      expect(
        want.every(
          (v, i) => v === ((i * 7919) % (2 * target) < target ? ((i * 7919) % (2 * target)) + 1 : 0),
        ),
      ).toBe(true);
    }
    expect(checkedMidRehash).toBeGreaterThan(0);
    expect(core.x.ehashLookupBatch(t.ptr, keysAt, 0, outAt)).toBe(0);
  });

  it("the batch refuses key or output spans beyond memory", async () => {
    const core = await freshCore();
    const t = new EhashTable(core);
    const end = core.x.memory.buffer.byteLength;
    expect(core.x.ehashLookupBatch(t.ptr, end - FLOWKEY_SIZE, 2, STAGING_OFFSET)).toBe(-FLOW_E_INVAL);
    expect(core.x.ehashLookupBatch(t.ptr, STAGING_OFFSET, 2, end - 4)).toBe(-FLOW_E_INVAL);
    expect(core.x.ehashLookupBatch(t.ptr, STAGING_OFFSET, 0x7fffffff, STAGING_OFFSET)).toBe(-FLOW_E_INVAL);
    expect(core.x.ehashLookupBatch(t.ptr, end - FLOWKEY_SIZE, 1, end - 4)).toBe(0);
  });

  it("rehash work per insert or delete is bounded", async () => {
    const core = await freshCore();
    const t = new EhashTable(core, { initFlows: 8 });
    const bound = EH_REHASH_STEP * (1 + EH_REHASH_EMPTY_VISITS);
    let moved = 0;
    let maxDelta = 0;
    let doublings = 0;
    let wasRehashing = false;
    for (let i = 0; i < 50000; i++) {
      // deletes interleaved so empty buckets and holes occur while rehashing
      if (i % 5 === 4) t.delete(...key(i - 3));
      else t.insert(...key(i), i + 1);
      const now = field(core, t.ptr, EH_CNT_MOVED);
      maxDelta = Math.max(maxDelta, now - moved);
      moved = now;
      if (t.rehashing() && !wasRehashing) doublings++;
      wasRehashing = t.rehashing();
    }
    expect(doublings).toBeGreaterThanOrEqual(10);
    expect(maxDelta).toBeGreaterThan(0);
    expect(maxDelta).toBeLessThanOrEqual(bound);
  });

  it("no single insert allocates more than a few 64 KiB segments, across doublings to 2^18 buckets", async () => {
    const core = await freshCore();
    const t = new EhashTable(core, { initFlows: 8 });
    const segBytes = EH_SEG_BUCKETS * EHB_SIZE;
    // two new segments per half of the array an operation's rehash step can reach, one overflow chunk,
    // and the new segment table (1 KiB at 2^18 buckets)
    const bound = 4 * segBytes + segBytes + 1024;
    let top = core.x.arenaTop();
    let maxDelta = 0;
    for (let i = 0; i < 400000; i++) {
      t.insert(...key(i), i + 1);
      const now = core.x.arenaTop();
      maxDelta = Math.max(maxDelta, now - top);
      top = now;
    }
    expect(field(core, t.ptr, EH_MASK) + 1).toBeGreaterThanOrEqual(1 << 17);
    expect(maxDelta).toBeGreaterThan(0);
    expect(maxDelta).toBeLessThanOrEqual(bound);
  });

  it("growth stops at the bucket limit, inserts go on to the flow limit in longer chains", async () => {
    const core = await freshCore();
    const t = new EhashTable(core, { initFlows: 8, maxFlows: 64 });
    for (let i = 0; i < 64; i++) expect(t.insert(...key(i), i + 1)).toBe(0);
    t.rehashStep(1 << 20);
    expect(field(core, t.ptr, EH_MASK) + 1).toBe(32);
    for (let i = 0; i < 64; i++) expect(t.lookup(...key(i))).toBe(i + 1);
  });

  it("overflow blocks are given back and reused: a refill after a drain does not grow the arena", async () => {
    const core = await freshCore();
    const t = new EhashTable(core, { initFlows: 8 });
    const n = 30000;
    for (let i = 0; i < n; i++) t.insert(...key(i), i + 1);
    t.rehashStep(1 << 24);
    expect(field(core, t.ptr, EH_OVF_USED)).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) expect(t.delete(...key(i))).toBe(i + 1);
    expect(t.count()).toBe(0);
    expect(field(core, t.ptr, EH_OVF_USED)).toBe(0);
    const top = core.x.arenaTop();
    for (let i = 0; i < n; i++) t.insert(...key(n + i), i + 1);
    expect(core.x.arenaTop()).toBe(top);
    for (let i = 0; i < n; i += 97) expect(t.lookup(...key(n + i))).toBe(i + 1);
  });

  it("a drained group's memory is reused by the next group", async () => {
    const core = await freshCore();
    const lh = new LhashTable(core, { buckets: 16 });
    for (let h = 1; h <= 100; h++) lh.insert(A, 80, 0, true, h);
    for (let h = 1; h <= 100; h++) expect(lh.delete(A, 80, h)).toBe(0);
    const top = core.x.arenaTop();
    for (let h = 1; h <= 100; h++) lh.insert(A, 81, 0, true, h);
    expect(core.x.arenaTop()).toBe(top);
    expect(lh.members(A, 81)).toHaveLength(100);
  });
});
