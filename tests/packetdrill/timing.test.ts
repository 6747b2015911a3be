// packetdrill's timing rules: anchoring of relative times, blocking end times, tolerance, messages.
import { describe, expect, it } from "vitest";
import {
  blockingEndUs,
  checkTime,
  DEFAULT_TOLERANCE,
  resolveTime,
  toleranceUs,
  window,
} from "../../src/packetdrill/timing.js";

describe("resolveTime", () => {
  it("absolute times stand as written", () => {
    expect(resolveTime({ kind: "abs", us: 100_000 }, 250_000, null)).toMatchObject({
      kind: "exact",
      us: 100_000,
      endUs: 100_000,
    });
    expect(resolveTime({ kind: "absRange", us: 1, endUs: 9 }, 5, null)).toMatchObject({
      kind: "range",
      us: 1,
      endUs: 9,
    });
  });

  it("relative times are added to now, or to the previous inbound packet's script time", () => {
    expect(resolveTime({ kind: "rel", us: 40_000 }, 1_000_123, null)).toMatchObject({
      us: 1_040_123,
      offsetUs: 1_000_123,
    });
    expect(resolveTime({ kind: "rel", us: 40_000 }, 1_000_123, 1_000_000)).toMatchObject({
      us: 1_040_000,
      offsetUs: 1_000_000,
    });
    expect(resolveTime({ kind: "relRange", us: 350_000, endUs: 2_350_000 }, 2_900_000, null)).toMatchObject({
      kind: "range",
      us: 3_250_000,
      endUs: 5_250_000,
    });
  });

  it("* is any time", () => {
    expect(resolveTime({ kind: "any" }, 77, null)).toMatchObject({ kind: "any", us: 77 });
    expect(window(resolveTime({ kind: "any" }, 77, null), 4000)).toEqual({ lo: -Infinity, hi: Infinity });
  });

  it("a blocking call's end is relative to the same anchor as its start, or absolute", () => {
    // `+.1...0.200` issued when now = 0: starts at 0.1, returns at 0.2 (not 0.3).
    const rt = resolveTime({ kind: "rel", us: 100_000 }, 0, null);
    expect(blockingEndUs(rt.spec, 200_000, rt.offsetUs)).toBe(200_000);
    const later = resolveTime({ kind: "rel", us: 0 }, 200_000, null);
    expect(blockingEndUs(later.spec, 100_000, later.offsetUs)).toBe(300_000);
    const abs = resolveTime({ kind: "abs", us: 0 }, 0, null);
    expect(blockingEndUs(abs.spec, 250_000, abs.offsetUs)).toBe(250_000);
  });
});

describe("tolerance", () => {
  it("is 4000 us, or 12.5 % of the time since the previous event when larger", () => {
    expect(toleranceUs(DEFAULT_TOLERANCE, 100_000, null)).toBe(4000);
    expect(toleranceUs(DEFAULT_TOLERANCE, 100_000, 90_000)).toBe(4000);
    expect(toleranceUs(DEFAULT_TOLERANCE, 1_200_000, 200_000)).toBe(125_000);
    expect(toleranceUs({ usecs: 10_000, percent: 0 }, 1_200_000, 200_000)).toBe(10_000);
  });

  it("checks exact times against [t - tol, t + tol]", () => {
    const rt = resolveTime({ kind: "abs", us: 100_000 }, 0, null);
    expect(checkTime(rt, 96_000, 4000, "outbound packet")).toBeNull();
    expect(checkTime(rt, 104_000, 4000, "outbound packet")).toBeNull();
    expect(checkTime(rt, 104_001, 4000, "outbound packet")).toBe(
      "timing error: expected outbound packet at 0.100000 sec but happened at 0.104001 sec; tolerance 0.004000 sec",
    );
    expect(checkTime(rt, 95_000, 4000, "outbound packet")).toMatch(/happened at 0.095000 sec/);
  });

  it("checks ranges against [start - tol, end + tol] with packetdrill's texts", () => {
    const abs = resolveTime({ kind: "absRange", us: 100_000, endUs: 200_000 }, 0, null);
    expect(checkTime(abs, 203_000, 4000, "outbound packet")).toBeNull();
    expect(checkTime(abs, 205_000, 4000, "outbound packet")).toBe(
      "timing error: expected outbound packet in time range 0.100000~0.200000 sec but happened at 0.205000 sec",
    );
    const rel = resolveTime({ kind: "relRange", us: 350_000, endUs: 2_350_000 }, 1_000_000, null);
    expect(checkTime(rel, 1_200_000, 4000, "outbound packet")).toBe(
      "timing error: expected outbound packet in relative time range +0.350000~+2.350000 sec but happened at +0.200000 sec",
    );
  });

  it("never fails an event at any time", () => {
    expect(checkTime(resolveTime({ kind: "any" }, 0, null), 9e12, 4000, "outbound packet")).toBeNull();
  });
});
