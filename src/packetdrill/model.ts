// packetdrill's model of the connection under test, and the mapping between script numbers and live
// (on-the-wire) numbers. Read this before match.ts and run.ts.
//
// Roles: the script's "local" is the system under test (SUT, the engine); the "remote" is the peer
// the runner plays. `<` lines are injected remote->local, `>` lines are expected local->remote.
//
// Sequence numbers, as packetdrill (socket.h) and tcpdump do: in a packet with SYN set, seq and ack
// are absolute ISN-space values; in every other packet they are relative to the ISN of the side that
// owns the sequence space. So with the remote's script ISN S and live ISN L, and the local's script
// ISN s and live ISN l (all u32):
//   remote numbers (inbound seq; outbound ack and SACK blocks): live = script + (SYN ? L - S : L)
//   local numbers  (outbound seq; inbound ack and SACK blocks): live = script + (SYN ? l - s : l)
// The runner chooses L (RunOptions.remoteIsn; by default L = S, which is what packetdrill does).
// s is the seq written in the expected `> S` / `> S.` line and l is learned from the SUT's actual
// SYN or SYN-ACK. Before the SUT has sent one, s = l = 0 (packetdrill leaves them unset, i.e. 0).
//
// Timestamps: the remote's TS val is sent as written. An inbound TS ecr names an outbound script TS
// val; it is replaced by the live TS val the SUT actually sent in the packet the script wrote with
// that val (a per-connection map filled while matching outbound packets), or, with
// --tcp_ts_ecr_scaled, interpolated from the first outbound timestamp. Outbound TS vals are mapped
// to script space as first_script_val + (live_val - first_live_val); they are compared only with
// --tcp_ts_tick_usecs (within the timing tolerance), and outbound TS ecr is not compared - both as
// packetdrill (run_packet.c verify_outbound_tcp_option).
//
// Connection tracking mirrors packetdrill's "socket under test": socket() makes a new one; listen()
// makes it a listener; connect() (or sendto with MSG_FASTOPEN) makes it connecting. An inbound
// packet to a listener (or to a socket with no connection yet) opens a new passive connection with a
// fresh remote port; an expected SYN from a connecting socket opens an active one, whose local port
// and ISN are learned from the SUT's live SYN. Outbound segments of any other connection are ignored
// (packetdrill only sniffs the socket under test).

import type { TcpOptionAst, TcpPacketAst } from "./ast.js";
import {
  type InboundTcp,
  type OutboundSegment,
  type TcpOption,
  TH_ACK,
  TH_AE,
  TH_CWR,
  TH_ECE,
  TH_FIN,
  TH_PSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "./engine.js";

export const u32 = (n: number): number => ((n % 2 ** 32) + 2 ** 32) % 2 ** 32;

/** Flag letters as packetdrill writes them, in packetdrill's output order. */
const FLAG_LETTERS: [string, number][] = [
  ["F", TH_FIN],
  ["S", TH_SYN],
  ["R", TH_RST],
  ["P", TH_PSH],
  ["U", TH_URG],
  ["E", TH_ECE],
  ["W", TH_CWR],
  ["A", TH_AE],
];

/** "S." -> TH_SYN|TH_ACK; "-" -> 0. */
export function parseFlags(text: string): number {
  let f = 0;
  for (const ch of text) {
    if (ch === ".") f |= TH_ACK;
    else if (ch === "-") continue;
    else {
      const e = FLAG_LETTERS.find(([l]) => l === ch);
      if (!e) throw new Error(`bad TCP flag '${ch}'`);
      f |= e[1];
    }
  }
  return f;
}

/** TH_SYN|TH_ACK -> "S."; 0 -> "-". */
export function flagsText(flags: number): string {
  let s = "";
  for (const [l, bit] of FLAG_LETTERS) if (flags & bit) s += l;
  if (flags & TH_ACK) s += ".";
  return s === "" ? "-" : s;
}

export type SockState =
  | "new"
  | "listening"
  | "connecting"
  | "synSent"
  | "synAcked"
  | "passiveReceived"
  | "synackSent"
  | "synackAcked";

/** One connection's addressing and number spaces. */
export class Flow {
  /** The SUT's port; null until learned from its first live SYN (active open). */
  localPort: number | null;
  scriptRemoteIsn = 0;
  liveRemoteIsn = 0;
  scriptLocalIsn = 0;
  liveLocalIsn = 0;
  /** Outbound script TS val -> the live TS val seen in that packet. */
  readonly tsValMap = new Map<number, number>();
  firstTs: { script: number; live: number } | null = null;

  constructor(
    readonly localIp: string,
    readonly remoteIp: string,
    readonly remotePort: number,
    localPort: number | null,
  ) {
    this.localPort = localPort;
  }

  remoteToLive(script: number, syn: boolean): number {
    return u32(script + (syn ? this.liveRemoteIsn - this.scriptRemoteIsn : this.liveRemoteIsn));
  }
  remoteToScript(live: number, syn: boolean): number {
    return u32(live - (syn ? this.liveRemoteIsn - this.scriptRemoteIsn : this.liveRemoteIsn));
  }
  localToLive(script: number, syn: boolean): number {
    return u32(script + (syn ? this.liveLocalIsn - this.scriptLocalIsn : this.liveLocalIsn));
  }
  localToScript(live: number, syn: boolean): number {
    return u32(live - (syn ? this.liveLocalIsn - this.scriptLocalIsn : this.liveLocalIsn));
  }

  /** Is this live segment from this connection (SUT -> remote)? */
  owns(seg: OutboundSegment): boolean {
    return (
      seg.dstIp === this.remoteIp &&
      seg.dstPort === this.remotePort &&
      (this.localPort === null || seg.srcPort === this.localPort)
    );
  }

  recordTs(scriptVal: number, liveVal: number): void {
    this.tsValMap.set(scriptVal, liveVal);
    if (!this.firstTs) this.firstTs = { script: scriptVal, live: liveVal };
  }

  liveTsValToScript(live: number): number {
    return this.firstTs ? u32(this.firstTs.script + (live - this.firstTs.live)) : live;
  }

  /** The live TS ecr for an inbound script ecr, or an error text. */
  inboundEcr(scriptEcr: number, scaled: boolean): number | string {
    const exact = this.tsValMap.get(scriptEcr);
    if (exact !== undefined) return exact;
    if (scaled && this.firstTs) return u32(scriptEcr - this.firstTs.script + this.firstTs.live);
    return `unable to infer live TS ecr for script TS ecr ${scriptEcr}; no matching or preceding outbound TS val`;
  }
}

export interface Sock {
  fd: number | null;
  state: SockState;
  flow: Flow | null;
}

export interface FlowConfig {
  localIp: string;
  remoteIp: string;
  bindPort: number;
  connectPort: number;
  /** Live ISN the remote uses; null: the script's own SYN seq (packetdrill). */
  remoteIsn: number | null;
  /** First remote port for passive connections; each new one takes the next. */
  ephemeralPortBase: number;
}

/** packetdrill's sockets and its single "socket under test". */
export class SockTracker {
  readonly socks = new Map<number, Sock>();
  underTest: Sock | null = null;
  private nextPort: number;

  constructor(readonly cfg: FlowConfig) {
    this.nextPort = cfg.ephemeralPortBase;
  }

  onSocket(fd: number): void {
    const s: Sock = { fd, state: "new", flow: null };
    this.socks.set(fd, s);
    this.underTest = s;
  }
  onListen(fd: number): void {
    const s = this.socks.get(fd);
    if (s && s.state === "new") s.state = "listening";
  }
  onConnect(fd: number): void {
    const s = this.socks.get(fd);
    if (s && s.state === "new") s.state = "connecting";
  }
  onAccept(fd: number): void {
    // The accepted socket is the connection opened by the inbound SYN: it stays the socket under test.
    const s = this.underTest;
    if (s?.flow && (s.state === "synackSent" || s.state === "synackAcked" || s.state === "passiveReceived")) {
      s.fd = fd;
      this.socks.set(fd, s);
    }
  }
  onClose(fd: number): void {
    this.socks.delete(fd);
  }

  /** The connection an inbound script packet goes to, opening a passive one when packetdrill would. */
  flowForInbound(pkt: TcpPacketAst, flags: number): Flow {
    let s = this.underTest;
    if (!s || s.state === "listening" || !s.flow) {
      const flow = new Flow(this.cfg.localIp, this.cfg.remoteIp, this.nextPort++, this.cfg.bindPort);
      flow.scriptRemoteIsn = pkt.seq.start;
      flow.liveRemoteIsn = this.cfg.remoteIsn ?? pkt.seq.start;
      s = { fd: null, state: "passiveReceived", flow };
      this.underTest = s;
      return flow;
    }
    const flow = s.flow;
    if (s.state === "synackSent" && flags & TH_ACK) s.state = "synackAcked";
    else if (s.state === "synSent" && flags & TH_SYN && flags & TH_ACK) {
      flow.scriptRemoteIsn = pkt.seq.start;
      flow.liveRemoteIsn = this.cfg.remoteIsn ?? pkt.seq.start;
      s.state = "synAcked";
    }
    return flow;
  }

  /**
   * The connection an expected outbound packet belongs to (opening an active one for the SYN of a
   * connecting socket), or null when there is none.
   */
  flowForOutbound(pkt: TcpPacketAst, flags: number): Flow | null {
    const s = this.underTest;
    if (!s) return null;
    if (flags & TH_SYN && !(flags & TH_ACK) && s.state === "connecting") {
      const flow = new Flow(this.cfg.localIp, this.cfg.remoteIp, this.cfg.connectPort, null);
      flow.scriptLocalIsn = pkt.seq.start;
      s.flow = flow;
      s.state = "synSent";
      return flow;
    }
    if (flags & TH_SYN && flags & TH_ACK && s.state === "passiveReceived" && s.flow) {
      s.flow.scriptLocalIsn = pkt.seq.start;
      return s.flow;
    }
    return s.flow;
  }

  /** After the first live segment matched to an expected SYN or SYN-ACK: learn the SUT's port and ISN. */
  learnLocal(flow: Flow, flags: number, live: OutboundSegment): void {
    const s = this.underTest;
    if (!(flags & TH_SYN) || !s) return;
    if (s.state === "synSent" && flow.localPort === null) {
      flow.localPort = live.srcPort;
      flow.liveLocalIsn = live.seq;
    } else if (s.state === "passiveReceived" && flags & TH_ACK) {
      flow.liveLocalIsn = live.seq;
      s.state = "synackSent";
    }
  }
}

/** A live outbound segment with its numbers mapped into the script's space. */
export interface ScriptSegment {
  flags: number;
  seq: number;
  ack: number;
  window: number;
  urg: number;
  len: number;
  options: TcpOption[];
  tos?: number;
  ttl?: number;
  atNs: number;
}

export function outboundToScript(flow: Flow, seg: OutboundSegment): ScriptSegment {
  const syn = (seg.flags & TH_SYN) !== 0;
  const ackMapped = (seg.flags & TH_ACK) !== 0;
  const options = seg.options.map((o): TcpOption => {
    if (o.kind === "sack")
      return {
        kind: "sack",
        blocks: o.blocks.map(([l, r]) => [flow.remoteToScript(l, syn), flow.remoteToScript(r, syn)]),
      };
    if (o.kind === "ts") return { kind: "ts", val: flow.liveTsValToScript(o.val), ecr: o.ecr };
    return o;
  });
  return {
    flags: seg.flags,
    seq: flow.localToScript(seg.seq, syn),
    ack: ackMapped ? flow.remoteToScript(seg.ack, syn) : seg.ack,
    window: seg.window,
    urg: seg.urg,
    len: seg.payloadLen,
    options,
    tos: seg.tos,
    ttl: seg.ttl,
    atNs: seg.atNs,
  };
}

/** TOS byte for an inbound packet's IP info (ECN codepoint or explicit tos). */
export function tosOf(ip: TcpPacketAst["ip"]): number | undefined {
  if (!ip) return undefined;
  if (ip.tos !== undefined) return ip.tos;
  switch (ip.ecn) {
    case "ect0":
      return 2;
    case "ect1":
      return 1;
    case "ce":
      return 3;
    case "noecn":
      return 0;
    default:
      return undefined;
  }
}

/** The script's option list in engine form (SACK blocks and ecr still script values). */
export function optionsFromAst(list: TcpOptionAst[]): TcpOption[] {
  return list.map((o): TcpOption => {
    switch (o.kind) {
      case "fo":
        return { kind: "fastopen", exp: false, cookie: o.cookie ?? "" };
      case "foexp":
        return { kind: "fastopen", exp: true, cookie: o.cookie ?? "" };
      case "md5":
        return { kind: "md5", digest: o.digest };
      case "mss":
        return { kind: "mss", value: o.value };
      case "wscale":
        return { kind: "wscale", value: o.value };
      case "sack":
        return { kind: "sack", blocks: o.blocks.map(([l, r]) => [l, r] as [number, number]) };
      case "ts":
        return { kind: "ts", val: o.val, ecr: o.ecr };
      default:
        return { kind: o.kind };
    }
  });
}

/**
 * Build the live segment for an inbound script packet: seq/ack/SACK mapped, TS ecr mapped.
 * Returns an error text when the TS ecr cannot be mapped (packetdrill fails the script the same way).
 */
export function inboundToLive(
  flow: Flow,
  pkt: TcpPacketAst,
  opts: { tsEcrScaled: boolean; mtu: number; mss: number },
): InboundTcp | string {
  const flags = parseFlags(pkt.flags);
  const syn = (flags & TH_SYN) !== 0;
  const hasAck = (flags & TH_ACK) !== 0;
  const list = pkt.options === null || pkt.options === "any" ? [] : optionsFromAst(pkt.options);
  const options: TcpOption[] = [];
  for (const o of list) {
    if (o.kind === "sack") {
      options.push({
        kind: "sack",
        blocks: o.blocks.map(([l, r]) => [flow.localToLive(l, syn), flow.localToLive(r, syn)]),
      });
    } else if (o.kind === "ts" && hasAck) {
      const ecr = flow.inboundEcr(o.ecr, opts.tsEcrScaled);
      if (typeof ecr === "string") return ecr;
      options.push({ kind: "ts", val: o.val, ecr });
    } else options.push(o);
  }
  const optLen = options.reduce((n, o) => n + optionWireLen(o), 0);
  const padded = Math.ceil(optLen / 4) * 4;
  const seg: InboundTcp = {
    proto: "tcp",
    srcIp: flow.remoteIp,
    dstIp: flow.localIp,
    srcPort: pkt.ports?.src ?? flow.remotePort,
    dstPort: pkt.ports?.dst ?? flow.localPort ?? 0,
    seq: flow.remoteToLive(pkt.seq.start, syn),
    ack: hasAck ? flow.localToLive(pkt.ack ?? 0, syn) : (pkt.ack ?? 0),
    flags,
    window: pkt.win ?? 0,
    urg: pkt.urg ?? 0,
    options,
    payloadLen: pkt.seq.len,
  };
  const tos = tosOf(pkt.ip);
  if (tos !== undefined) seg.tos = tos;
  if (pkt.ip?.ttl !== undefined) seg.ttl = pkt.ip.ttl;
  if (20 + 20 + padded + pkt.seq.len > opts.mtu) seg.gsoSize = opts.mss;
  return seg;
}

/** Bytes an option takes on the wire (kind, length and data). */
export function optionWireLen(o: TcpOption): number {
  switch (o.kind) {
    case "nop":
    case "eol":
      return 1;
    case "mss":
      return 4;
    case "wscale":
      return 3;
    case "sackOK":
      return 2;
    case "sack":
      return 2 + 8 * o.blocks.length;
    case "ts":
      return 10;
    case "md5":
      return 18;
    case "fastopen":
      return (o.exp ? 4 : 2) + Math.ceil(o.cookie.length / 2);
    case "other":
      return 2 + o.data.length;
  }
}

/** Packetdrill's text for an option list: `<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>`. */
export function optionsText(list: TcpOption[]): string {
  const one = (o: TcpOption): string => {
    switch (o.kind) {
      case "nop":
      case "eol":
      case "sackOK":
        return o.kind;
      case "mss":
        return `mss ${o.value}`;
      case "wscale":
        return `wscale ${o.value}`;
      case "sack":
        return `sack ${o.blocks.map(([l, r]) => `${l}:${r}`).join(" ")}`;
      case "ts":
        return `TS val ${o.val} ecr ${o.ecr}`;
      case "fastopen":
        return `${o.exp ? "FOEXP" : "FO"}${o.cookie ? ` ${o.cookie}` : ""}`;
      case "md5":
        return `md5 ${o.digest}`;
      case "other":
        return `opt${o.code}`;
    }
  };
  return `<${list.map(one).join(",")}>`;
}

/** `P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 1 ecr 2>` for a script-space segment. */
export function segmentText(seg: ScriptSegment): string {
  let s = `${flagsText(seg.flags)} ${seg.seq}:${u32(seg.seq + seg.len)}(${seg.len})`;
  if (seg.flags & TH_ACK || seg.ack !== 0) s += ` ack ${seg.ack}`;
  s += ` win ${seg.window}`;
  if (seg.urg) s += ` urg ${seg.urg}`;
  if (seg.options.length) s += ` ${optionsText(seg.options)}`;
  return s;
}
