// tcpdump-style lines, one per frame, from what the Wasm core dissected (src/tools/dissect.ts): the
// text tcpdump -nn prints, then our checksum verdicts and, for a frame the core would drop, Linux's
// drop reason:
//
//   00:00:00.000100 IP 10.99.0.1.40000 > 10.99.0.2.80: Flags [S], seq 123, win 64240, options [mss
//     1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0 [ip cksum ok] [tcp cksum ok]
//   00:00:00.000200 IP 10.99.0.1 > 10.99.0.2: tcp 40 [bad ip cksum 0x1234 -> 0xb3b8] [drop: IP_CSUM]
//
// Matches tcpdump 4.99 -nn (print-tcp.c, print-udp.c, print-icmp.c, print-arp.c) for what the core
// dissects: ARP, IPv4, TCP (flags, relative seq/ack per conversation, options), UDP, ICMP echo and
// errors; tests/print.test.ts checks it line for line against tcpdump. Where the core stops (a
// drop), the line stops too: we print what the core learnt, never a second parse (so a frame with a
// bad IP checksum shows no ports, where tcpdump would go on). Ours, not tcpdump's: fragments
// (`ip-proto-N, frag ...`), unknown ethertypes, the text after the core stopped, and the `[...]` tags.
import type { FrameInfo, IcmpInfo, TcpInfo } from "../core/frame.js";
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import { type Dissected, dissect } from "./dissect.js";
import { LINKTYPE_ETHERNET, type PcapFile } from "./pcap.js";

/** Colouring hooks (identity by default, so the module stays free of terminal code). */
export interface PrintStyle {
  ts(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  drop(s: string): string;
}

const plain: PrintStyle = { ts: (s) => s, ok: (s) => s, bad: (s) => s, drop: (s) => s };

export interface PrintOptions {
  /** Fraction digits of the timestamp: "us" (6, default) or "ns" (9, tcpdump --nano). */
  precision?: "us" | "ns";
  /** "relative" to the first frame (tcpdump -ttttt, default) or seconds since the epoch (-tt). */
  time?: "relative" | "epoch";
  /** Append `[ip cksum ok]`, `[bad tcp cksum ...]`, `[drop: ...]` (default true). */
  verdicts?: boolean;
  style?: Partial<PrintStyle>;
}

/** Counts over the frames printed so far. */
export interface PrintSummary {
  frames: number;
  /** Frames the core passed (reason 0). */
  passed: number;
  /** Frames the core would drop, by Linux reason name. */
  drops: Record<string, number>;
  ipCsumOk: number;
  ipCsumBad: number;
  l4CsumOk: number;
  l4CsumBad: number;
  /** Frames cut by the capture's snaplen (caplen < origlen). */
  truncated: number;
}

export interface PrintedFrame {
  line: string;
  dissected: Dissected;
}

/**
 * Prints frames one at a time, keeping what tcpdump keeps between lines: the first timestamp and
 * the initial sequence numbers of each TCP conversation.
 */
export class FramePrinter {
  readonly summary: PrintSummary = {
    frames: 0,
    passed: 0,
    drops: {},
    ipCsumOk: 0,
    ipCsumBad: 0,
    l4CsumOk: 0,
    l4CsumBad: 0,
    truncated: 0,
  };
  private readonly opts: Required<Omit<PrintOptions, "style">>;
  private readonly style: PrintStyle;
  private readonly tcpSeq = new TcpSeqTracker();
  private firstTs: bigint | undefined;

  constructor(
    private readonly core: Core,
    opts: PrintOptions = {},
  ) {
    this.opts = { precision: "us", time: "relative", verdicts: true, ...opts };
    this.style = { ...plain, ...opts.style };
  }

  /** Dissects one frame through the core and returns its line. */
  print(data: Uint8Array, tsNs: bigint, linkType = LINKTYPE_ETHERNET, origLen = data.length): PrintedFrame {
    const d = dissect(this.core, data, linkType, origLen);
    this.count(d);
    this.firstTs ??= tsNs;
    const ts = this.style.ts(
      this.opts.time === "epoch"
        ? formatEpoch(tsNs, this.opts.precision)
        : formatRelative(tsNs - this.firstTs, this.opts.precision),
    );
    let line = `${ts} ${describe(d, this.tcpSeq)}`;
    if (this.opts.verdicts) {
      const tags = verdictTags(d, this.style);
      if (tags) line += ` ${tags}`;
    }
    return { line, dissected: d };
  }

  private count(d: Dissected): void {
    const s = this.summary;
    s.frames++;
    if (d.frame.reason === 0) s.passed++;
    else s.drops[d.frame.reasonName] = (s.drops[d.frame.reasonName] ?? 0) + 1;
    if (d.ipCsum) d.ipCsum.ok ? s.ipCsumOk++ : s.ipCsumBad++;
    if (d.l4Csum && !d.l4Csum.none) d.l4Csum.ok ? s.l4CsumOk++ : s.l4CsumBad++;
    if (d.capLen < d.origLen) s.truncated++;
  }
}

/** Every record of a capture, one line each, and the summary. */
export function printCapture(
  core: Core,
  file: PcapFile,
  opts: PrintOptions = {},
): { lines: string[]; summary: PrintSummary } {
  const p = new FramePrinter(core, opts);
  const lines = file.records.map((r) => p.print(r.data, r.tsNs, file.linkType, r.origLen).line);
  return { lines, summary: p.summary };
}

/** "17 frames, 17 passed, 0 dropped; checksums: ip 15 ok 0 bad, l4 15 ok 0 bad" and drops by reason. */
export function formatSummary(s: PrintSummary): string {
  const dropped = s.frames - s.passed;
  let out =
    `${s.frames} frames: ${s.passed} passed every check, ${dropped} would be dropped; ` +
    `checksums verified: ip ${s.ipCsumOk} ok, ${s.ipCsumBad} bad; tcp/udp/icmp ${s.l4CsumOk} ok, ${s.l4CsumBad} bad`;
  if (s.truncated) out += `; ${s.truncated} cut by the snaplen`;
  const reasons = Object.entries(s.drops);
  if (reasons.length) out += `\ndrops by reason: ${reasons.map(([r, n]) => `${r} ${n}`).join(", ")}`;
  return out;
}

// ---- timestamps ------------------------------------------------------------------------------------

/** tcpdump -ttttt: "HH:MM:SS.ffffff" (or 9 digits) since the first frame. */
export function formatRelative(ns: bigint, precision: "us" | "ns" = "us"): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const sec = a / 1_000_000_000n;
  const h = sec / 3600n;
  const m = (sec / 60n) % 60n;
  const s = sec % 60n;
  return `${neg ? "-" : ""}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${fraction(a, precision)}`;
}

/** tcpdump -tt: seconds since the epoch. */
export function formatEpoch(ns: bigint, precision: "us" | "ns" = "us"): string {
  return `${ns / 1_000_000_000n}.${fraction(ns, precision)}`;
}

function fraction(ns: bigint, precision: "us" | "ns"): string {
  const f = ns % 1_000_000_000n;
  return precision === "ns" ? pad(f, 9) : pad(f / 1000n, 6);
}

function pad(n: bigint, w: number): string {
  return n.toString().padStart(w, "0");
}

// ---- TCP relative sequence numbers (tcpdump print-tcp.c tcp_seq_hash) --------------------------------

/**
 * tcpdump prints seq/ack relative to the first ACK-bearing segment seen on a conversation (a SYN-ACK
 * or, mid-stream, whatever came first), absolute on that segment itself and on any segment without
 * ACK. The conversation key orders the endpoints by port (then address) so both directions share it.
 */
export class TcpSeqTracker {
  private readonly conv = new Map<string, { seq: number; ack: number }>();

  /** seq/ack as tcpdump prints them; `rev` tells which direction the stored numbers belong to. */
  relative(
    src: string,
    dst: string,
    t: TcpInfo,
  ): { seq: number; ack: number; base: { seq: number; ack: number } } {
    if (!(t.flags & L.TCPHDR_ACK)) return { seq: t.seq, ack: t.ack, base: { seq: 0, ack: 0 } };
    const rev = t.sport > t.dport || (t.sport === t.dport && compareAddr(src, dst) > 0);
    const key = rev ? `${dst}|${src}|${t.dport}|${t.sport}` : `${src}|${dst}|${t.sport}|${t.dport}`;
    const th = this.conv.get(key);
    if (!th || t.flags & L.TCPHDR_SYN) {
      const rec = rev ? { ack: t.seq, seq: (t.ack - 1) >>> 0 } : { seq: t.seq, ack: (t.ack - 1) >>> 0 };
      this.conv.set(key, rec);
      return { seq: t.seq, ack: t.ack, base: rev ? { seq: rec.ack, ack: rec.seq } : rec };
    }
    const base = rev ? { seq: th.ack, ack: th.seq } : { seq: th.seq, ack: th.ack };
    return { seq: (t.seq - base.seq) >>> 0, ack: (t.ack - base.ack) >>> 0, base };
  }
}

function compareAddr(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

// ---- one line --------------------------------------------------------------------------------------

/** The tcpdump -nn text of a dissected frame, without timestamp and tags. */
export function describe(d: Dissected, tcpSeq = new TcpSeqTracker()): string {
  const f = d.frame;
  if (f.arp) return describeArp(f, d.origLen);
  if (f.ipv4) return describeIpv4(d, tcpSeq);
  if (d.linkType === LINKTYPE_ETHERNET && !f.eth) return `[|ether] length ${d.origLen}`;
  // Where L3 starts: l3Off once the core reached it; the payload offset after the link header before.
  const l3Len = d.origLen - (f.l3Off || f.payloadOff);
  if (f.ethertype === L.ETH_P_ARP) return `ARP, [|arp] length ${l3Len}`;
  if (f.ethertype === L.ETH_P_IP) return `IP [|ip] length ${l3Len}`;
  if (f.ethertype === L.ETH_P_IPV6) return `IP6, length ${l3Len}`;
  return `ethertype 0x${f.ethertype.toString(16).padStart(4, "0")}, length ${d.origLen}`;
}

// tcpdump print-arp.c
function describeArp(f: FrameInfo, origLen: number): string {
  const a = f.arp!;
  const len = origLen - f.l3Off;
  if (a.htype !== 1 || a.ptype !== L.ETH_P_IP || a.hlen !== 6 || a.plen !== 4)
    return `ARP, htype ${a.htype} ptype 0x${a.ptype.toString(16).padStart(4, "0")} hlen ${a.hlen} plen ${a.plen}, op ${a.op}, length ${len}`;
  switch (a.op) {
    case L.ARPOP_REQUEST:
      return `ARP, Request who-has ${a.tpa}${a.tha !== "00:00:00:00:00:00" ? ` (${a.tha})` : ""} tell ${a.spa}, length ${len}`;
    case L.ARPOP_REPLY:
      return `ARP, Reply ${a.spa} is-at ${a.sha}, length ${len}`;
    default:
      return `ARP, Unknown (${a.op}), length ${len}`;
  }
}

function describeIpv4(d: Dissected, tcpSeq: TcpSeqTracker): string {
  const f = d.frame;
  const ip = f.ipv4!;
  const payload = Math.max(0, ip.totalLen - ip.ihl * 4);
  if (ip.mf || ip.fragOffset)
    return `IP ${ip.src} > ${ip.dst}: ip-proto-${ip.proto}, frag id ${ip.id} offset ${ip.fragOffset}${ip.mf ? " +" : ""}, length ${payload}`;
  if (f.tcp) return `IP ${ip.src}.${f.tcp.sport} > ${ip.dst}.${f.tcp.dport}: ${describeTcp(d, tcpSeq)}`;
  if (f.udp) return `IP ${ip.src}.${f.udp.sport} > ${ip.dst}.${f.udp.dport}: ${describeUdp(d)}`;
  if (f.icmp) return `IP ${ip.src} > ${ip.dst}: ICMP ${describeIcmp(f.icmp)}, length ${payload}`;
  // The core stopped before the transport header (too short for it), or has no parser for it.
  const short = { [L.IPPROTO_TCP]: "tcp", [L.IPPROTO_UDP]: "udp", [L.IPPROTO_ICMP]: "icmp" }[ip.proto];
  if (short) {
    // `[|tcp]` (tcpdump's mark for bytes that end too soon) only when that is why the core stopped.
    const cut = f.reason === L.DROP_PKT_TOO_SMALL ? ` [|${short}]` : "";
    return `IP ${ip.src} > ${ip.dst}: ${short} ${payload}${cut}`;
  }
  return `IP ${ip.src} > ${ip.dst}: ip-proto-${ip.proto} ${payload}`;
}

// tcpdump print-tcp.c tcp_print(), -nn, no -v.
function describeTcp(d: Dissected, tcpSeq: TcpSeqTracker): string {
  const f = d.frame;
  const ip = f.ipv4!;
  const t = f.tcp!;
  const segLen = ip.totalLen - ip.ihl * 4;
  const hlen = t.doff * 4;
  if (hlen < 20) return `tcp ${segLen} [bad hdr length ${hlen} - too short, < 20]`;
  if (hlen > segLen) return `tcp ${segLen} [bad hdr length ${hlen} - too long, > ${segLen}]`;
  const len = segLen - hlen;
  const { seq, ack, base } = tcpSeq.relative(ip.src, ip.dst, t);
  let s = `Flags [${tcpFlags(t.flags)}]`;
  if (len > 0 || t.flags & (L.TCPHDR_SYN | L.TCPHDR_FIN | L.TCPHDR_RST))
    s += len > 0 ? `, seq ${seq}:${(seq + len) >>> 0}` : `, seq ${seq}`;
  if (t.flags & L.TCPHDR_ACK) s += `, ack ${ack}`;
  s += `, win ${t.window}`;
  if (t.flags & L.TCPHDR_URG) s += `, urg ${t.urgent}`;
  if (hlen > 20) s += `, options [${tcpOptions(d, base)}]`;
  return `${s}, length ${len}`;
}

// tcpdump's tcp_flag_values order: F S R P . U E W
const TCP_FLAG_CHARS: [number, string][] = [
  [L.TCPHDR_FIN, "F"],
  [L.TCPHDR_SYN, "S"],
  [L.TCPHDR_RST, "R"],
  [L.TCPHDR_PSH, "P"],
  [L.TCPHDR_ACK, "."],
  [L.TCPHDR_URG, "U"],
  [L.TCPHDR_ECE, "E"],
  [L.TCPHDR_CWR, "W"],
];

/** TCP flags as tcpdump prints them: "S", "S.", "P.", "F.", "R.", "." (bare ACK), "none". */
export function tcpFlags(flags: number): string {
  let s = "";
  for (const [bit, c] of TCP_FLAG_CHARS) if (flags & bit) s += c;
  return s || "none";
}

const TCP_OPTION_NAMES: Record<number, string> = {
  0: "eol",
  1: "nop",
  2: "mss",
  3: "wscale",
  4: "sackOK",
  5: "sack",
  8: "TS",
  19: "md5",
  28: "uto",
  29: "tcp-ao",
  30: "mptcp",
  34: "tfo",
};

/**
 * The option list in wire order (from dissect) with each value from the core's TCP repr. SACK blocks
 * are relative, as tcpdump prints them. A length byte tcpdump would not expect gets `[len N]`.
 */
function tcpOptions(d: Dissected, base: { seq: number; ack: number }): string {
  const o = d.frame.tcp!.options;
  const parts: string[] = [];
  const slots = d.tcpOptions?.slots ?? [];
  const expectLen: Record<number, number> = { 0: 1, 1: 1, 2: 4, 3: 3, 4: 2, 8: 10 };
  for (const { kind, len } of slots) {
    let s = TCP_OPTION_NAMES[kind] ?? `unknown-${kind}`;
    if (kind === 2 && o.mss !== undefined) s += ` ${o.mss}`;
    else if (kind === 3 && o.wscale !== undefined) s += ` ${o.wscale}`;
    else if (kind === 8 && o.ts) s += ` val ${o.ts.val} ecr ${o.ts.ecr}`;
    else if (kind === 5 && o.sack.length && len === 2 + 8 * o.sack.length) {
      s += ` ${o.sack.length} `;
      for (const [l, r] of o.sack) s += `{${(l - base.ack) >>> 0}:${(r - base.ack) >>> 0}}`;
    }
    if (kind in expectLen && len !== expectLen[kind]) s += `[len ${len}]`;
    parts.push(s);
  }
  if (d.tcpOptions?.bad || o.malformed) parts.push("[bad opt]");
  return parts.join(",");
}

// tcpdump print-udp.c, -nn, no -v, for ports it does not dissect further.
function describeUdp(d: Dissected): string {
  const f = d.frame;
  const ip = f.ipv4!;
  const u = f.udp!;
  const ipPayload = ip.totalLen - ip.ihl * 4;
  if (u.len < 8) return `UDP, bad length ${u.len} < 8`;
  if (u.len > ipPayload) return `UDP, bad length ${u.len} > ${ipPayload}`;
  return `UDP, length ${u.len - 8}`;
}

const UNREACH: Record<number, (dst: string, i: IcmpInfo) => string> = {
  0: (dst) => `net ${dst} unreachable`,
  1: (dst) => `host ${dst} unreachable`,
  2: (dst, i) => `${dst} protocol ${i.quoted!.proto} unreachable`,
  3: (dst, i) => {
    const q = i.quoted!;
    const p = q.proto === L.IPPROTO_TCP ? "tcp" : q.proto === L.IPPROTO_UDP ? "udp" : "";
    return p
      ? `${dst} ${p} port ${q.dport} unreachable`
      : `${dst} protocol ${q.proto} port ${q.dport} unreachable`;
  },
  4: (dst, i) => {
    const mtu = i.rest & 0xffff;
    return mtu ? `${dst} unreachable - need to frag (mtu ${mtu})` : `${dst} unreachable - need to frag`;
  },
  5: (dst) => `${dst} unreachable - source route failed`,
  6: (dst) => `net ${dst} unreachable - unknown`,
  7: (dst) => `host ${dst} unreachable - unknown`,
  8: (dst) => `${dst} unreachable - source host isolated`,
  9: (dst) => `net ${dst} unreachable - admin prohibited`,
  10: (dst) => `host ${dst} unreachable - admin prohibited`,
  11: (dst) => `net ${dst} unreachable - tos prohibited`,
  12: (dst) => `host ${dst} unreachable - tos prohibited`,
  13: (dst) => `host ${dst} unreachable - admin prohibited filter`,
  14: (dst) => `host ${dst} unreachable - host precedence violation`,
  15: (dst) => `host ${dst} unreachable - precedence cutoff`,
};

const ICMP_TYPES: Record<number, string> = {
  0: "echo reply",
  3: "unreachable",
  4: "source quench",
  5: "redirect",
  8: "echo request",
  9: "router advertisement",
  10: "router solicitation",
  11: "time exceeded",
  12: "parameter problem",
  13: "time stamp request",
  14: "time stamp reply",
  17: "address mask request",
  18: "address mask reply",
};

// tcpdump print-icmp.c icmp_print(), -nn, no -v.
function describeIcmp(i: IcmpInfo): string {
  if (i.echo)
    return `${i.type === L.ICMP_ECHO ? "echo request" : "echo reply"}, id ${i.echo.id}, seq ${i.echo.seq}`;
  if (i.type === L.ICMP_DEST_UNREACH && i.quoted) {
    const f = UNREACH[i.code];
    return f ? f(i.quoted.dst, i) : `${i.quoted.dst} unreachable - #${i.code}`;
  }
  if (i.type === L.ICMP_TIME_EXCEEDED)
    return i.code === 0
      ? "time exceeded in-transit"
      : i.code === 1
        ? "ip reassembly time exceeded"
        : `time exceeded-#${i.code}`;
  return ICMP_TYPES[i.type] ?? `type-#${i.type}`;
}

// ---- our tags -------------------------------------------------------------------------------------

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

/** `[ip cksum ok] [tcp cksum ok]`, `[bad tcp cksum 0x1234 -> 0x5678]`, `[drop: IP_CSUM]`, ... */
export function verdictTags(d: Dissected, style: PrintStyle = plain): string {
  const tags: string[] = [];
  if (d.ipCsum)
    tags.push(
      d.ipCsum.ok
        ? style.ok("[ip cksum ok]")
        : style.bad(`[bad ip cksum ${hex4(d.ipCsum.value)} -> ${hex4(d.ipCsum.expected ?? 0)}]`),
    );
  const l4 = d.l4Csum;
  if (l4) {
    if (l4.none) tags.push(style.ok(`[no ${l4.proto} cksum]`));
    else if (l4.ok) tags.push(style.ok(`[${l4.proto} cksum ok]`));
    else tags.push(style.bad(`[bad ${l4.proto} cksum ${hex4(l4.value)} -> ${hex4(l4.expected ?? 0)}]`));
  }
  if (d.capLen < d.origLen) tags.push(style.bad(`[captured ${d.capLen} of ${d.origLen} bytes]`));
  if (d.frame.reason !== 0) tags.push(style.drop(`[drop: ${d.frame.reasonName}]`));
  return tags.join(" ");
}
