// Matching the SUT's outbound segments against a script's `>` lines, field by field.
//
// DECISION - segments larger than the MSS (Linux TSO/GSO): the runner COALESCES. Scripts are written
// against Linux with TSO on, so they often expect one `> P. 1:10001(10000)` where a stack without TSO
// sends ten MSS-sized segments. When the first live segment carries less payload than the script
// line, the runner appends the following segments of the same connection, sent back to back, until
// the payload adds up, and matches the aggregate against the line. Why coalescing rather than a
// GSO-like test device: (1) it is what packetdrill itself does by default (run_packet.c aggregates
// sniffed packets "to allow remote mode execution of scripts that expect TSO or GSO segmentation";
// `--strict_segments` turns it off, and this runner honours that option the same way); (2) a GSO
// device would only help if the engine chose Linux's exact TSO burst sizes (tcp_tso_autosize,
// tcp_min_tso_segs, tso_win_divisor), which would make every script depend on that heuristic rather
// than on the TCP behaviour it tests; (3) it keeps the test device a plain MTU-sized NIC. The cost:
// a script cannot tell "one 10000-byte TSO segment" from "ten back-to-back 1000-byte segments";
// packetdrill in remote mode cannot either.
//
// Coalescing rules (packetdrill verify_packet_fragments, made explicit): each appended segment
// continues the previous one's sequence space (seq = prev.seq + prev.len), has the same ack, window,
// SYN/RST/ACK/URG/ECE/AE flags and the same option kinds in the same order; no segment but the last may
// carry FIN; every segment but the last has the same length as the first (MSS-sized pieces). The
// aggregate takes the first segment's header and options, PSH if any piece has it, FIN from the last,
// and must add up to exactly the script's payload. Its time is checked at the first AND the last
// piece: a burst spread over time is not one TSO segment. Inbound packets are the mirror image: a
// `<` line larger than the MTU is injected as one GRO-style segment (InboundTcp.gsoSize).
//
// Field order and texts follow packetdrill (verify_tcp, verify_outbound_live_tcp_options): flags,
// seq, ack (always compared, even without the ACK flag), window (only if the line has `win`), urgent
// pointer, payload length, options (exact list and order, nop padding included, unless `<...>`; a
// line without an option list expects none; TS val only with --tcp_ts_tick_usecs, TS ecr never),
// then the IP ECN/TOS the line asks for, then time.

import type { TcpOptionAst, TcpPacketAst } from "./ast.js";
import {
  type OutboundSegment,
  type TcpOption,
  TH_ACK,
  TH_AE,
  TH_ECE,
  TH_FIN,
  TH_PSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "./engine.js";
import {
  flagsText,
  optionsFromAst,
  optionsText,
  parseFlags,
  type ScriptSegment,
  tosOf,
  u32,
} from "./model.js";

export interface MatchConfig {
  /** --tcp_ts_tick_usecs; 0 disables the outbound TS val check (packetdrill's default). */
  tsTickUs: number;
  /** Timing tolerance for this event, us (the TS val check uses it too). */
  toleranceUs: number;
}

/** The first field that differs, as { field, text }, or null when the segment matches the line. */
export function compareSegment(
  expected: TcpPacketAst,
  actual: ScriptSegment,
  cfg: MatchConfig,
): { field: string; text: string } | null {
  const ef = parseFlags(expected.flags);
  const diff = (field: string, e: number | string, a: number | string) => ({
    field,
    text: `${field}: expected ${e} vs actual ${a}`,
  });
  if (ef !== actual.flags) return diff("tcp flags", `'${flagsText(ef)}'`, `'${flagsText(actual.flags)}'`);
  if (expected.seq.start !== actual.seq) return diff("tcp seq", expected.seq.start, actual.seq);
  if ((expected.ack ?? 0) !== actual.ack) return diff("tcp ack", expected.ack ?? 0, actual.ack);
  if (expected.win !== null && expected.win !== actual.window)
    return diff("tcp window", expected.win, actual.window);
  if ((expected.urg ?? 0) !== actual.urg) return diff("tcp urgent pointer", expected.urg ?? 0, actual.urg);
  if (expected.seq.len !== actual.len)
    return diff("tcp payload", `${expected.seq.len} bytes`, `${actual.len} bytes`);
  const opt = compareOptions(expected.options, actual.options, cfg);
  if (opt) return { field: "tcp options", text: opt };
  const ip = compareIp(expected.ip, actual.tos);
  if (ip) return { field: "ip", text: ip };
  return null;
}

function compareOptions(exp: TcpPacketAst["options"], act: TcpOption[], cfg: MatchConfig): string | null {
  if (exp === "any") return null;
  const expList = exp === null ? [] : optionsFromAst(exp);
  const whole = `TCP options: expected ${expList.length ? optionsText(expList) : "none"} vs actual ${act.length ? optionsText(act) : "none"}`;
  if (expList.length !== act.length) return whole;
  for (let i = 0; i < expList.length; i++) {
    const e = expList[i];
    const a = act[i];
    if (e.kind !== a.kind) return whole;
    switch (e.kind) {
      case "mss":
      case "wscale":
        if (a.kind === e.kind && a.value !== e.value)
          return `TCP option ${e.kind}: expected ${e.value} vs actual ${a.value}`;
        break;
      case "sack":
        if (a.kind === "sack" && JSON.stringify(a.blocks) !== JSON.stringify(e.blocks))
          return `TCP option sack: expected ${optionsText([e])} vs actual ${optionsText([a])}`;
        break;
      case "ts":
        if (a.kind === "ts" && cfg.tsTickUs > 0) {
          const skew = Math.abs((u32(a.val - e.val) | 0) * cfg.tsTickUs);
          if (skew > cfg.toleranceUs)
            return `bad outbound TCP timestamp value: expected TS val ${e.val} vs actual ${a.val} (tick ${cfg.tsTickUs} us, tolerance ${cfg.toleranceUs} us)`;
        }
        break;
      case "fastopen":
        if (a.kind === "fastopen" && (a.exp !== e.exp || a.cookie.toLowerCase() !== e.cookie.toLowerCase()))
          return `TCP option ${e.exp ? "FOEXP" : "FO"}: expected ${optionsText([e])} vs actual ${optionsText([a])}`;
        break;
      case "md5":
        if (a.kind === "md5" && a.digest.toLowerCase() !== e.digest.toLowerCase())
          return "TCP option md5: digest differs";
        break;
      default:
        break;
    }
  }
  return null;
}

function compareIp(ip: TcpPacketAst["ip"], actualTos: number | undefined): string | null {
  if (!ip) return null;
  if (actualTos === undefined) return null; // the engine does not report TOS: nothing to compare
  if (ip.ecn === "ect01") {
    const ecn = actualTos & 3;
    return ecn === 1 || ecn === 2
      ? null
      : `ip ecn: expected ECT(0) or ECT(1) vs actual 0x${ecn.toString(16)}`;
  }
  const want = tosOf(ip);
  if (want === undefined) return null;
  if (ip.tos !== undefined)
    return want === actualTos
      ? null
      : `ip tos: expected 0x${want.toString(16)} vs actual 0x${actualTos.toString(16)}`;
  return want === (actualTos & 3) ? null : `ip ecn: expected 0x${want} vs actual 0x${actualTos & 3}`;
}

const SAME_FLAGS = TH_SYN | TH_RST | TH_ACK | TH_URG | TH_ECE | TH_AE;

/**
 * Can `next` be appended to a coalesced burst ending in `prev` that started with `first`?
 * `have` is the payload gathered so far and `want` the script's payload. null if yes, else why not.
 */
export function appendable(
  first: OutboundSegment,
  prev: OutboundSegment,
  next: OutboundSegment,
  have: number,
  want: number,
): string | null {
  if (prev.flags & TH_FIN) return "a FIN segment cannot be followed by more data in one TSO segment";
  if ((next.flags & SAME_FLAGS) !== (first.flags & SAME_FLAGS))
    return `flags ${flagsText(next.flags)} differ from ${flagsText(first.flags)}`;
  if (next.seq !== u32(prev.seq + prev.payloadLen)) return "sequence numbers are not contiguous";
  if (next.ack !== prev.ack) return "ack differs";
  if (next.window !== prev.window) return "window differs";
  const kinds = (s: OutboundSegment) => s.options.map((o) => o.kind).join(",");
  if (kinds(next) !== kinds(first)) return "option kinds differ";
  const last = have + next.payloadLen >= want;
  if (!last && next.payloadLen !== first.payloadLen)
    return `piece of ${next.payloadLen} bytes where ${first.payloadLen} (MSS-sized) were expected`;
  return null;
}

/** One segment standing for a back-to-back burst (see the decision above). */
export function coalesce(burst: OutboundSegment[]): OutboundSegment {
  const first = burst[0];
  const last = burst[burst.length - 1];
  let flags = first.flags & ~(TH_PSH | TH_FIN);
  for (const s of burst) flags |= s.flags & TH_PSH;
  flags |= last.flags & TH_FIN;
  return { ...first, flags, payloadLen: burst.reduce((n, s) => n + s.payloadLen, 0) };
}

/** Does the line use TCP options this runner leaves to engines that declare them (TFO, MD5)? */
export function optionFeatures(list: TcpOptionAst[] | "any" | null): Set<"fastopen" | "md5"> {
  const out = new Set<"fastopen" | "md5">();
  if (list === null || list === "any") return out;
  for (const o of list) {
    if (o.kind === "fo" || o.kind === "foexp") out.add("fastopen");
    if (o.kind === "md5") out.add("md5");
  }
  return out;
}
