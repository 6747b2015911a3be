import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import * as L from "../src/generated/layout.js";
import { freshCore } from "./helpers/core.js";

describe("core loading and the memory map", () => {
  it("instantiates, lays out the map and grows memory past ARENA_BASE", async () => {
    const core = await freshCore();
    expect(core.x.memory.buffer.byteLength).toBeGreaterThanOrEqual(L.ARENA_BASE);
    expect(core.u8.length).toBe(core.x.memory.buffer.byteLength);
  });

  it("regions are ordered, non-overlapping and aligned", () => {
    const regions: [string, number, number][] = [
      ["COUNTERS", L.COUNTERS_OFFSET, L.COUNTERS_SIZE],
      ["STAGING", L.STAGING_OFFSET, L.STAGING_SIZE],
      ["FRAME_OUT", L.FRAME_OUT_OFFSET, L.FRAME_OUT_SIZE],
      ["SKB_DESC", L.SKB_DESC_OFFSET, L.SKB_DESC_SIZE],
      ["SKB_FREE", L.SKB_FREE_OFFSET, L.SKB_FREE_SIZE],
      ["BUF2K", L.BUF2K_OFFSET, L.BUF2K_POOL_SIZE],
      ["BUF64K", L.BUF64K_OFFSET, L.BUF64K_POOL_SIZE],
      ["BUF2K_FREE", L.BUF2K_FREE_OFFSET, L.BUF2K_COUNT * 4],
      ["BUF2K_REF", L.BUF2K_REF_OFFSET, L.BUF2K_COUNT * 4],
      ["BUF64K_FREE", L.BUF64K_FREE_OFFSET, L.BUF64K_COUNT * 4],
      ["BUF64K_REF", L.BUF64K_REF_OFFSET, L.BUF64K_COUNT * 4],
      ["POOL_STATE", L.POOL_STATE_OFFSET, L.POOL_STATE_SIZE],
    ];
    let end = L.MAP_BASE;
    for (const [name, off, size] of regions) {
      expect(off, name).toBeGreaterThanOrEqual(end);
      expect(off % 8, name).toBe(0);
      end = off + size;
    }
    expect(L.ARENA_BASE).toBeGreaterThanOrEqual(end);
    expect(L.BUF2K_OFFSET % L.PAGE_SIZE).toBe(0);
  });

  it("views are re-derived after memory.grow", async () => {
    const core = await freshCore();
    const before = core.u8;
    const p = core.x.arenaAlloc(8 * L.PAGE_SIZE);
    expect(p).toBeGreaterThanOrEqual(L.ARENA_BASE);
    expect(p % L.ARENA_ALIGN).toBe(0);
    expect(before.length).toBe(0); // the old buffer was detached by memory.grow
    expect(core.u8.length).toBeGreaterThanOrEqual(p + 8 * L.PAGE_SIZE);
    core.u8[p] = 7;
    expect(core.u8[p]).toBe(7);
  });

  it("arena allocation fails with 0 and a counter, not a trap", async () => {
    const core = await freshCore();
    expect(core.x.arenaAlloc(0xffff_0000)).toBe(0);
    expect(core.counter(L.CNT_ARENA_FAIL)).toBe(1);
  });

  it("the generated host layout matches the compiled core", () => {
    expect(() =>
      execFileSync("node", ["scripts/gen-layout.mjs", "--check"], { stdio: "pipe" }),
    ).not.toThrow();
  });

  it("drop reason names are Linux's and unique", () => {
    expect(L.DROP_REASON_NAMES[L.DROP_IP_CSUM]).toBe("IP_CSUM");
    expect(L.DROP_REASON_NAMES[L.DROP_NO_SOCKET]).toBe("NO_SOCKET");
    expect(new Set(L.DROP_REASON_NAMES).size).toBe(L.DROP_REASON_NAMES.length);
  });
});
