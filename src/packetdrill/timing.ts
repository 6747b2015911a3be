// packetdrill's timing rules (run.c adjust_relative_event_times, verify_time), on a virtual clock.
//
// - Times are script microseconds from the script's start; the first event must be at time 0.
// - `+d` is relative to "now": the virtual time at which the previous event finished (an outbound
//   packet finishes when it was actually sent, a syscall when it returned or blocked, an injection
//   when it was injected). Exception: a relative inbound packet that follows an inbound packet is
//   anchored to the previous packet's script time, so consecutive injections do not drift.
// - A blocking syscall `+d...e` starts at now+d and is expected to return at now+e (the end is relative
//   to the same anchor as the start, not to the start); `a...e` returns at absolute e.
// - `*` matches any time. `a~b` / `+a~+b` accept anything in [a, b].
// - Tolerance: an event is on time if it happens within max(tolerance_usecs, tolerance_percent% of the
//   script time elapsed since the previous event) of its script time. Defaults: 4000 us and 12.5 %
//   (packetdrill's Linux defaults since the non-cascading timer wheel made jiffy timers up to 12.5 %
//   late); `--tolerance_usecs` / `--tolerance_percent` lines override them.
// - Absolute times may not go backwards from one absolute event to the next.

import type { TimeSpec } from "./ast.js";

export interface Tolerance {
  usecs: number;
  percent: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { usecs: 4000, percent: 12.5 };

/** An event's time after relative times are anchored. All in script microseconds. */
export interface ResolvedTime {
  kind: "exact" | "range" | "any";
  /** Expected time (range: start). */
  us: number;
  /** Range end (equal to us for exact). */
  endUs: number;
  /** The anchor relative times were added to (packetdrill's offset_usecs). */
  offsetUs: number;
  spec: TimeSpec;
}

/**
 * Resolve an event's time. nowUs: the current virtual time since the script start; anchorUs: the
 * previous event's script time when both it and this event are inbound packets, else null.
 */
export function resolveTime(spec: TimeSpec, nowUs: number, anchorUs: number | null): ResolvedTime {
  const offset = anchorUs ?? nowUs;
  switch (spec.kind) {
    case "abs":
      return { kind: "exact", us: spec.us, endUs: spec.us, offsetUs: 0, spec };
    case "absRange":
      return { kind: "range", us: spec.us, endUs: spec.endUs, offsetUs: 0, spec };
    case "rel":
      return { kind: "exact", us: offset + spec.us, endUs: offset + spec.us, offsetUs: offset, spec };
    case "relRange":
      return { kind: "range", us: offset + spec.us, endUs: offset + spec.endUs, offsetUs: offset, spec };
    case "any":
      return { kind: "any", us: nowUs, endUs: nowUs, offsetUs: nowUs, spec };
  }
}

/** The script time a blocking syscall `...end` should return at. */
export function blockingEndUs(spec: TimeSpec, endUs: number, offsetUs: number): number {
  return spec.kind === "rel" ? offsetUs + endUs : endUs;
}

/** The tolerance for an event at scriptUs whose previous event was at lastUs (null: none). */
export function toleranceUs(tol: Tolerance, scriptUs: number, lastUs: number | null): number {
  if (lastUs === null) return tol.usecs;
  const dynamic = (tol.percent / 100) * (scriptUs - lastUs);
  return Math.max(tol.usecs, Math.floor(dynamic));
}

/** The window [lo, hi] (script us) in which an event is on time. */
export function window(rt: ResolvedTime, tolUs: number): { lo: number; hi: number } {
  if (rt.kind === "any") return { lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY };
  return { lo: rt.us - tolUs, hi: rt.endUs + tolUs };
}

const sec = (us: number): string => (us / 1e6).toFixed(6);
const signedSec = (us: number): string => `${us >= 0 ? "+" : "-"}${(Math.abs(us) / 1e6).toFixed(6)}`;

/** null when actualUs is on time for rt; otherwise packetdrill's timing error text. */
export function checkTime(
  rt: ResolvedTime,
  actualUs: number,
  tolUs: number,
  description: string,
): string | null {
  if (rt.kind === "any") return null;
  const { lo, hi } = window(rt, tolUs);
  if (actualUs >= lo && actualUs <= hi) return null;
  if (rt.kind === "range") {
    if (rt.spec.kind === "relRange")
      return `timing error: expected ${description} in relative time range ${signedSec(rt.us - rt.offsetUs)}~${signedSec(rt.endUs - rt.offsetUs)} sec but happened at ${signedSec(actualUs - rt.offsetUs)} sec`;
    return `timing error: expected ${description} in time range ${sec(rt.us)}~${sec(rt.endUs)} sec but happened at ${sec(actualUs)} sec`;
  }
  return `timing error: expected ${description} at ${sec(rt.us)} sec but happened at ${sec(actualUs)} sec; tolerance ${sec(tolUs)} sec`;
}

export { sec as formatSeconds };
