// The host's view of the wire reprs and of the FRAME struct that parseFrame / parseBatch fill
// (layouts: assembly/memory.ts, "wire reprs" and "FRAME"). Every offset comes from the generated
// layout; nothing here repeats a number from the memory map.
//
// Two forms:
//   - *Repr classes and FrameFields: flat numeric mirrors of the structs in linear memory (MACs as
//     48-bit numbers, addresses as u32 numbers). The TypeScript twins (src/twin/wire) fill the same
//     classes, so Wasm and twin can be compared field by field, and tests can write reprs to memory.
//   - FrameInfo (readFrame): a plain object for tests, tools and the pretty-printer, with names
//     instead of bit fields and strings for addresses. Its shape is documented on the interfaces.
import * as L from "../generated/layout.js";
import type { Core } from "./wasm.js";

// ---- flat mirrors of the reprs --------------------------------------------------------------------

export class EthRepr {
  dst = 0; // 48-bit MAC, first wire byte most significant
  src = 0;
  type = 0;
  tpid = 0; // 0 = untagged
  tci = 0;

  clear(): void {
    this.dst = 0;
    this.src = 0;
    this.type = 0;
    this.tpid = 0;
    this.tci = 0;
  }
}

export class ArpRepr {
  htype = 0;
  ptype = 0;
  hlen = 0;
  plen = 0;
  op = 0;
  spa = 0;
  tpa = 0;
  sha = 0;
  tha = 0;

  clear(): void {
    this.htype = 0;
    this.ptype = 0;
    this.hlen = 0;
    this.plen = 0;
    this.op = 0;
    this.spa = 0;
    this.tpa = 0;
    this.sha = 0;
    this.tha = 0;
  }
}

export class Ipv4Repr {
  version = 0;
  ihl = 0; // 32-bit words
  tos = 0;
  ttl = 0;
  totalLen = 0;
  id = 0;
  fragOff = 0; // the wire field: IP_CE | IP_DF | IP_MF | offset in 8-byte units
  proto = 0;
  optLen = 0;
  checksum = 0;
  saddr = 0;
  daddr = 0;

  clear(): void {
    this.version = 0;
    this.ihl = 0;
    this.tos = 0;
    this.ttl = 0;
    this.totalLen = 0;
    this.id = 0;
    this.fragOff = 0;
    this.proto = 0;
    this.optLen = 0;
    this.checksum = 0;
    this.saddr = 0;
    this.daddr = 0;
  }
}

export class IcmpRepr {
  type = 0;
  code = 0;
  checksum = 0;
  rest = 0;
  qIhl = 0; // quoted header of an error message; all 0 otherwise
  qProto = 0;
  qSport = 0;
  qDport = 0;
  qSaddr = 0;
  qDaddr = 0;

  clear(): void {
    this.type = 0;
    this.code = 0;
    this.checksum = 0;
    this.rest = 0;
    this.qIhl = 0;
    this.qProto = 0;
    this.qSport = 0;
    this.qDport = 0;
    this.qSaddr = 0;
    this.qDaddr = 0;
  }
}

export class UdpRepr {
  sport = 0;
  dport = 0;
  len = 0;
  checksum = 0;

  clear(): void {
    this.sport = 0;
    this.dport = 0;
    this.len = 0;
    this.checksum = 0;
  }
}

export class TcpRepr {
  sport = 0;
  dport = 0;
  seq = 0;
  ack = 0;
  doff = 0; // 32-bit words
  flags = 0; // TCPHDR_* (byte 13)
  window = 0;
  checksum = 0;
  urg = 0;
  res = 0; // low nibble of byte 12
  opt = 0; // TCPO_* bits
  mss = 0;
  wscale = 0;
  sackCount = 0;
  tsval = 0;
  tsecr = 0;
  sack: number[] = [0, 0, 0, 0, 0, 0, 0, 0]; // (left, right) x TCP_SACK_MAX

  clear(): void {
    this.sport = 0;
    this.dport = 0;
    this.seq = 0;
    this.ack = 0;
    this.doff = 0;
    this.flags = 0;
    this.window = 0;
    this.checksum = 0;
    this.urg = 0;
    this.res = 0;
    this.opt = 0;
    this.mss = 0;
    this.wscale = 0;
    this.sackCount = 0;
    this.tsval = 0;
    this.tsecr = 0;
    this.sack.fill(0);
  }
}

/** Numeric mirror of one FRAME struct. Reprs not flagged present (FRAMEF_*) are left at zero. */
export class FrameFields {
  reason = 0;
  flags = 0;
  len = 0;
  ethertype = 0;
  l3Off = 0;
  l4Off = 0;
  payloadOff = 0;
  payloadLen = 0;
  eth = new EthRepr();
  arp = new ArpRepr();
  ipv4 = new Ipv4Repr();
  tcp = new TcpRepr();
  udp = new UdpRepr();
  icmp = new IcmpRepr();

  /** Back to the all-zero state, keeping the objects (no allocation). */
  reset(): this {
    this.reason = this.flags = this.len = this.ethertype = 0;
    this.l3Off = this.l4Off = this.payloadOff = this.payloadLen = 0;
    this.eth.clear();
    this.arp.clear();
    this.ipv4.clear();
    this.tcp.clear();
    this.udp.clear();
    this.icmp.clear();
    return this;
  }

  /** Clears the reprs flagged in `oldFlags` but not in this.flags (a reused FrameFields after a parse). */
  clearStale(oldFlags: number): void {
    const stale = oldFlags & ~this.flags;
    if (stale === 0) return;
    if (stale & L.FRAMEF_ETH) this.eth.clear();
    if (stale & L.FRAMEF_ARP) this.arp.clear();
    if (stale & L.FRAMEF_IPV4) this.ipv4.clear();
    if (stale & L.FRAMEF_TCP) this.tcp.clear();
    if (stale & L.FRAMEF_UDP) this.udp.clear();
    if (stale & L.FRAMEF_ICMP) this.icmp.clear();
  }
}

// ---- memory <-> reprs -------------------------------------------------------------------------------
// Reprs hold numeric values in Wasm's (little-endian) order; MACs are raw wire bytes.

function getMac(dv: DataView, a: number): number {
  return dv.getUint16(a) * 0x1_0000_0000 + dv.getUint32(a + 2);
}

function setMac(dv: DataView, a: number, mac: number): void {
  dv.setUint16(a, Math.floor(mac / 0x1_0000_0000));
  dv.setUint32(a + 2, mac >>> 0);
}

export function readEthRepr(dv: DataView, a: number, r = new EthRepr()): EthRepr {
  r.dst = getMac(dv, a + L.ETH_DST);
  r.src = getMac(dv, a + L.ETH_SRC);
  r.type = dv.getUint16(a + L.ETH_TYPE, true);
  r.tpid = dv.getUint16(a + L.ETH_TPID, true);
  r.tci = dv.getUint16(a + L.ETH_TCI, true);
  return r;
}

export function writeEthRepr(dv: DataView, a: number, r: EthRepr): void {
  setMac(dv, a + L.ETH_DST, r.dst);
  setMac(dv, a + L.ETH_SRC, r.src);
  dv.setUint16(a + L.ETH_TYPE, r.type, true);
  dv.setUint16(a + L.ETH_TPID, r.tpid, true);
  dv.setUint16(a + L.ETH_TCI, r.tci, true);
}

export function readArpRepr(dv: DataView, a: number, r = new ArpRepr()): ArpRepr {
  r.htype = dv.getUint16(a + L.ARP_HTYPE, true);
  r.ptype = dv.getUint16(a + L.ARP_PTYPE, true);
  r.hlen = dv.getUint8(a + L.ARP_HLEN);
  r.plen = dv.getUint8(a + L.ARP_PLEN);
  r.op = dv.getUint16(a + L.ARP_OP, true);
  r.spa = dv.getUint32(a + L.ARP_SPA, true);
  r.tpa = dv.getUint32(a + L.ARP_TPA, true);
  r.sha = getMac(dv, a + L.ARP_SHA);
  r.tha = getMac(dv, a + L.ARP_THA);
  return r;
}

export function writeArpRepr(dv: DataView, a: number, r: ArpRepr): void {
  dv.setUint16(a + L.ARP_HTYPE, r.htype, true);
  dv.setUint16(a + L.ARP_PTYPE, r.ptype, true);
  dv.setUint8(a + L.ARP_HLEN, r.hlen);
  dv.setUint8(a + L.ARP_PLEN, r.plen);
  dv.setUint16(a + L.ARP_OP, r.op, true);
  dv.setUint32(a + L.ARP_SPA, r.spa, true);
  dv.setUint32(a + L.ARP_TPA, r.tpa, true);
  setMac(dv, a + L.ARP_SHA, r.sha);
  setMac(dv, a + L.ARP_THA, r.tha);
}

export function readIpv4Repr(dv: DataView, a: number, r = new Ipv4Repr()): Ipv4Repr {
  r.version = dv.getUint8(a + L.IPV4_VERSION);
  r.ihl = dv.getUint8(a + L.IPV4_IHL);
  r.tos = dv.getUint8(a + L.IPV4_TOS);
  r.ttl = dv.getUint8(a + L.IPV4_TTL);
  r.totalLen = dv.getUint16(a + L.IPV4_TOTAL_LEN, true);
  r.id = dv.getUint16(a + L.IPV4_ID, true);
  r.fragOff = dv.getUint16(a + L.IPV4_FRAG_OFF, true);
  r.proto = dv.getUint8(a + L.IPV4_PROTO);
  r.optLen = dv.getUint8(a + L.IPV4_OPT_LEN);
  r.checksum = dv.getUint16(a + L.IPV4_CHECKSUM, true);
  r.saddr = dv.getUint32(a + L.IPV4_SADDR, true);
  r.daddr = dv.getUint32(a + L.IPV4_DADDR, true);
  return r;
}

export function writeIpv4Repr(dv: DataView, a: number, r: Ipv4Repr): void {
  dv.setUint8(a + L.IPV4_VERSION, r.version);
  dv.setUint8(a + L.IPV4_IHL, r.ihl);
  dv.setUint8(a + L.IPV4_TOS, r.tos);
  dv.setUint8(a + L.IPV4_TTL, r.ttl);
  dv.setUint16(a + L.IPV4_TOTAL_LEN, r.totalLen, true);
  dv.setUint16(a + L.IPV4_ID, r.id, true);
  dv.setUint16(a + L.IPV4_FRAG_OFF, r.fragOff, true);
  dv.setUint8(a + L.IPV4_PROTO, r.proto);
  dv.setUint8(a + L.IPV4_OPT_LEN, r.optLen);
  dv.setUint16(a + L.IPV4_CHECKSUM, r.checksum, true);
  dv.setUint32(a + L.IPV4_SADDR, r.saddr, true);
  dv.setUint32(a + L.IPV4_DADDR, r.daddr, true);
}

export function readIcmpRepr(dv: DataView, a: number, r = new IcmpRepr()): IcmpRepr {
  r.type = dv.getUint8(a + L.ICMP_TYPE);
  r.code = dv.getUint8(a + L.ICMP_CODE);
  r.checksum = dv.getUint16(a + L.ICMP_CHECKSUM, true);
  r.rest = dv.getUint32(a + L.ICMP_REST, true);
  r.qIhl = dv.getUint8(a + L.ICMP_Q_IHL);
  r.qProto = dv.getUint8(a + L.ICMP_Q_PROTO);
  r.qSport = dv.getUint16(a + L.ICMP_Q_SPORT, true);
  r.qDport = dv.getUint16(a + L.ICMP_Q_DPORT, true);
  r.qSaddr = dv.getUint32(a + L.ICMP_Q_SADDR, true);
  r.qDaddr = dv.getUint32(a + L.ICMP_Q_DADDR, true);
  return r;
}

export function writeIcmpRepr(dv: DataView, a: number, r: IcmpRepr): void {
  dv.setUint8(a + L.ICMP_TYPE, r.type);
  dv.setUint8(a + L.ICMP_CODE, r.code);
  dv.setUint16(a + L.ICMP_CHECKSUM, r.checksum, true);
  dv.setUint32(a + L.ICMP_REST, r.rest, true);
  dv.setUint8(a + L.ICMP_Q_IHL, r.qIhl);
  dv.setUint8(a + L.ICMP_Q_PROTO, r.qProto);
  dv.setUint16(a + L.ICMP_Q_SPORT, r.qSport, true);
  dv.setUint16(a + L.ICMP_Q_DPORT, r.qDport, true);
  dv.setUint32(a + L.ICMP_Q_SADDR, r.qSaddr, true);
  dv.setUint32(a + L.ICMP_Q_DADDR, r.qDaddr, true);
}

export function readUdpRepr(dv: DataView, a: number, r = new UdpRepr()): UdpRepr {
  r.sport = dv.getUint16(a + L.UDP_SPORT, true);
  r.dport = dv.getUint16(a + L.UDP_DPORT, true);
  r.len = dv.getUint16(a + L.UDP_LEN, true);
  r.checksum = dv.getUint16(a + L.UDP_CHECKSUM, true);
  return r;
}

export function writeUdpRepr(dv: DataView, a: number, r: UdpRepr): void {
  dv.setUint16(a + L.UDP_SPORT, r.sport, true);
  dv.setUint16(a + L.UDP_DPORT, r.dport, true);
  dv.setUint16(a + L.UDP_LEN, r.len, true);
  dv.setUint16(a + L.UDP_CHECKSUM, r.checksum, true);
}

export function readTcpRepr(dv: DataView, a: number, r = new TcpRepr()): TcpRepr {
  r.sport = dv.getUint16(a + L.TCP_SPORT, true);
  r.dport = dv.getUint16(a + L.TCP_DPORT, true);
  r.seq = dv.getUint32(a + L.TCP_SEQ, true);
  r.ack = dv.getUint32(a + L.TCP_ACK, true);
  r.doff = dv.getUint8(a + L.TCP_DOFF);
  r.flags = dv.getUint8(a + L.TCP_FLAGS);
  r.window = dv.getUint16(a + L.TCP_WINDOW, true);
  r.checksum = dv.getUint16(a + L.TCP_CHECKSUM, true);
  r.urg = dv.getUint16(a + L.TCP_URG_PTR, true);
  r.res = dv.getUint8(a + L.TCP_RES);
  r.opt = dv.getUint8(a + L.TCP_OPT);
  r.mss = dv.getUint16(a + L.TCP_MSS, true);
  r.wscale = dv.getUint8(a + L.TCP_WSCALE);
  r.sackCount = dv.getUint8(a + L.TCP_SACK_COUNT);
  r.tsval = dv.getUint32(a + L.TCP_TSVAL, true);
  r.tsecr = dv.getUint32(a + L.TCP_TSECR, true);
  for (let i = 0; i < 2 * L.TCP_SACK_MAX; i++) r.sack[i] = dv.getUint32(a + L.TCP_SACK + 4 * i, true);
  return r;
}

export function writeTcpRepr(dv: DataView, a: number, r: TcpRepr): void {
  dv.setUint16(a + L.TCP_SPORT, r.sport, true);
  dv.setUint16(a + L.TCP_DPORT, r.dport, true);
  dv.setUint32(a + L.TCP_SEQ, r.seq, true);
  dv.setUint32(a + L.TCP_ACK, r.ack, true);
  dv.setUint8(a + L.TCP_DOFF, r.doff);
  dv.setUint8(a + L.TCP_FLAGS, r.flags);
  dv.setUint16(a + L.TCP_WINDOW, r.window, true);
  dv.setUint16(a + L.TCP_CHECKSUM, r.checksum, true);
  dv.setUint16(a + L.TCP_URG_PTR, r.urg, true);
  dv.setUint8(a + L.TCP_RES, r.res);
  dv.setUint8(a + L.TCP_OPT, r.opt);
  dv.setUint16(a + L.TCP_MSS, r.mss, true);
  dv.setUint8(a + L.TCP_WSCALE, r.wscale);
  dv.setUint8(a + L.TCP_SACK_COUNT, r.sackCount);
  dv.setUint32(a + L.TCP_TSVAL, r.tsval, true);
  dv.setUint32(a + L.TCP_TSECR, r.tsecr, true);
  for (let i = 0; i < 2 * L.TCP_SACK_MAX; i++) dv.setUint32(a + L.TCP_SACK + 4 * i, r.sack[i], true);
}

/** Reads the FRAME struct at addr; reprs not flagged present are left at zero. */
export function readFrameFields(core: Core, addr: number, f = new FrameFields()): FrameFields {
  const dv = core.dv;
  f.reset();
  f.reason = dv.getUint32(addr + L.FRAME_REASON, true);
  f.flags = dv.getUint32(addr + L.FRAME_FLAGS, true);
  f.len = dv.getUint32(addr + L.FRAME_LEN, true);
  f.ethertype = dv.getUint16(addr + L.FRAME_ETHERTYPE, true);
  f.l3Off = dv.getUint16(addr + L.FRAME_L3_OFF, true);
  f.l4Off = dv.getUint16(addr + L.FRAME_L4_OFF, true);
  f.payloadOff = dv.getUint16(addr + L.FRAME_PAYLOAD_OFF, true);
  f.payloadLen = dv.getUint32(addr + L.FRAME_PAYLOAD_LEN, true);
  if (f.flags & L.FRAMEF_ETH) readEthRepr(dv, addr + L.FRAME_ETH, f.eth);
  if (f.flags & L.FRAMEF_ARP) readArpRepr(dv, addr + L.FRAME_L3, f.arp);
  if (f.flags & L.FRAMEF_IPV4) readIpv4Repr(dv, addr + L.FRAME_L3, f.ipv4);
  if (f.flags & L.FRAMEF_TCP) readTcpRepr(dv, addr + L.FRAME_L4, f.tcp);
  if (f.flags & L.FRAMEF_UDP) readUdpRepr(dv, addr + L.FRAME_L4, f.udp);
  if (f.flags & L.FRAMEF_ICMP) readIcmpRepr(dv, addr + L.FRAME_L4, f.icmp);
  return f;
}

// ---- the readable object ----------------------------------------------------------------------------

export interface VlanInfo {
  tpid: number; // 0x8100 (802.1Q) or 0x88a8 (802.1ad)
  pcp: number;
  dei: number;
  vid: number;
}

export interface EthInfo {
  dst: string; // "02:00:00:00:00:01"
  src: string;
  type: number; // ethertype after any VLAN tag
  vlan?: VlanInfo; // present when a tag was skipped
}

export interface ArpInfo {
  htype: number;
  ptype: number;
  hlen: number;
  plen: number;
  op: number; // 1 request, 2 reply
  sha: string;
  spa: string; // "10.0.0.1"
  tha: string;
  tpa: string;
}

export interface Ipv4Info {
  version: number;
  ihl: number; // 32-bit words
  tos: number;
  totalLen: number;
  id: number;
  df: boolean;
  mf: boolean;
  fragOffset: number; // bytes (the wire's 8-byte units x 8)
  ttl: number;
  proto: number;
  checksum: number;
  src: string;
  dst: string;
  optionsLen: number; // bytes
}

export interface TcpOptionsInfo {
  mss?: number;
  wscale?: number;
  sackOk: boolean; // SACK-permitted seen
  ts?: { val: number; ecr: number };
  sack: [number, number][]; // SACK blocks (left, right), in wire order
  unknown: boolean; // an option kind we do not parse was skipped
  malformed: boolean; // parsing stopped at a silly or partial option
}

export interface TcpInfo {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  doff: number; // 32-bit words
  flags: number; // TCPHDR_* bits
  res: number; // reserved nibble
  window: number; // as on the wire (unscaled)
  checksum: number;
  urgent: number;
  options: TcpOptionsInfo;
}

export interface UdpInfo {
  sport: number;
  dport: number;
  len: number;
  checksum: number;
}

export interface IcmpInfo {
  type: number;
  code: number;
  checksum: number;
  rest: number; // bytes 4..8 as a u32
  echo?: { id: number; seq: number }; // echo request / reply
  quoted?: { ihl: number; proto: number; src: string; dst: string; sport: number; dport: number };
}

/**
 * One dissected frame. Layers appear when their header's fixed part was in the frame (their checks
 * may still have failed: `reason` says which). Offsets are from the frame's first byte.
 */
export interface FrameInfo {
  reason: number; // 0 = passes every check, else a drop reason
  reasonName: string; // Linux's name (SKB_DROP_REASON_<name>); "NOT_DROPPED_YET" for 0
  flags: number; // FRAMEF_* bits
  len: number; // bytes handed to the parser
  ethertype: number;
  l3Off: number;
  l4Off: number;
  payloadOff: number;
  payloadLen: number;
  eth?: EthInfo;
  arp?: ArpInfo;
  ipv4?: Ipv4Info;
  tcp?: TcpInfo;
  udp?: UdpInfo;
  icmp?: IcmpInfo;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** "aa:bb:cc:dd:ee:ff" from a 48-bit number. */
export function macToString(mac: number): string {
  const hi = Math.floor(mac / 0x1_0000_0000);
  const lo = mac >>> 0;
  return `${HEX[hi >>> 8]}:${HEX[hi & 0xff]}:${HEX[lo >>> 24]}:${HEX[(lo >>> 16) & 0xff]}:${HEX[(lo >>> 8) & 0xff]}:${HEX[lo & 0xff]}`;
}

/** Dotted quad from a u32. */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** u32 from a dotted quad (throws on anything else). */
export function ipv4FromString(s: string): number {
  const p = s.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255))
    throw new Error(`not an IPv4 address: ${s}`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** 48-bit number from "aa:bb:cc:dd:ee:ff". */
export function macFromString(s: string): number {
  const p = s.split(":");
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{2}$/.test(x)))
    throw new Error(`not a MAC address: ${s}`);
  return p.reduce((acc, x) => acc * 256 + Number.parseInt(x, 16), 0);
}

export function ethInfo(r: EthRepr): EthInfo {
  const e: EthInfo = { dst: macToString(r.dst), src: macToString(r.src), type: r.type };
  if (r.tpid) e.vlan = { tpid: r.tpid, pcp: r.tci >>> 13, dei: (r.tci >>> 12) & 1, vid: r.tci & 0xfff };
  return e;
}

export function arpInfo(r: ArpRepr): ArpInfo {
  return {
    htype: r.htype,
    ptype: r.ptype,
    hlen: r.hlen,
    plen: r.plen,
    op: r.op,
    sha: macToString(r.sha),
    spa: ipv4ToString(r.spa),
    tha: macToString(r.tha),
    tpa: ipv4ToString(r.tpa),
  };
}

export function ipv4Info(r: Ipv4Repr): Ipv4Info {
  return {
    version: r.version,
    ihl: r.ihl,
    tos: r.tos,
    totalLen: r.totalLen,
    id: r.id,
    df: (r.fragOff & L.IP_DF) !== 0,
    mf: (r.fragOff & L.IP_MF) !== 0,
    fragOffset: (r.fragOff & L.IP_OFFSET) * 8,
    ttl: r.ttl,
    proto: r.proto,
    checksum: r.checksum,
    src: ipv4ToString(r.saddr),
    dst: ipv4ToString(r.daddr),
    optionsLen: r.optLen,
  };
}

export function tcpInfo(r: TcpRepr): TcpInfo {
  const options: TcpOptionsInfo = {
    sackOk: (r.opt & L.TCPO_SACK_PERM) !== 0,
    sack: [],
    unknown: (r.opt & L.TCPO_UNKNOWN) !== 0,
    malformed: (r.opt & L.TCPO_MALFORMED) !== 0,
  };
  if (r.opt & L.TCPO_MSS) options.mss = r.mss;
  if (r.opt & L.TCPO_WSCALE) options.wscale = r.wscale;
  if (r.opt & L.TCPO_TS) options.ts = { val: r.tsval, ecr: r.tsecr };
  if (r.opt & L.TCPO_SACK)
    for (let i = 0; i < r.sackCount; i++) options.sack.push([r.sack[2 * i], r.sack[2 * i + 1]]);
  return {
    sport: r.sport,
    dport: r.dport,
    seq: r.seq,
    ack: r.ack,
    doff: r.doff,
    flags: r.flags,
    res: r.res,
    window: r.window,
    checksum: r.checksum,
    urgent: r.urg,
    options,
  };
}

export function udpInfo(r: UdpRepr): UdpInfo {
  return { sport: r.sport, dport: r.dport, len: r.len, checksum: r.checksum };
}

export function icmpInfo(r: IcmpRepr): IcmpInfo {
  const i: IcmpInfo = { type: r.type, code: r.code, checksum: r.checksum, rest: r.rest };
  if (r.type === L.ICMP_ECHO || r.type === L.ICMP_ECHOREPLY)
    i.echo = { id: r.rest >>> 16, seq: r.rest & 0xffff };
  if (r.qIhl)
    i.quoted = {
      ihl: r.qIhl,
      proto: r.qProto,
      src: ipv4ToString(r.qSaddr),
      dst: ipv4ToString(r.qDaddr),
      sport: r.qSport,
      dport: r.qDport,
    };
  return i;
}

/** The readable object for a FrameFields (from memory or from the twin). */
export function frameInfo(f: FrameFields): FrameInfo {
  const o: FrameInfo = {
    reason: f.reason,
    reasonName: L.DROP_REASON_NAMES[f.reason] ?? `UNKNOWN_${f.reason}`,
    flags: f.flags,
    len: f.len,
    ethertype: f.ethertype,
    l3Off: f.l3Off,
    l4Off: f.l4Off,
    payloadOff: f.payloadOff,
    payloadLen: f.payloadLen,
  };
  if (f.flags & L.FRAMEF_ETH) o.eth = ethInfo(f.eth);
  if (f.flags & L.FRAMEF_ARP) o.arp = arpInfo(f.arp);
  if (f.flags & L.FRAMEF_IPV4) o.ipv4 = ipv4Info(f.ipv4);
  if (f.flags & L.FRAMEF_TCP) o.tcp = tcpInfo(f.tcp);
  if (f.flags & L.FRAMEF_UDP) o.udp = udpInfo(f.udp);
  if (f.flags & L.FRAMEF_ICMP) o.icmp = icmpInfo(f.icmp);
  return o;
}

/** The FRAME struct at addr (written by parseFrame / parseIpPacket / parseBatch) as a plain object. */
export function readFrame(core: Core, addr: number): FrameInfo {
  return frameInfo(readFrameFields(core, addr));
}

const FLAG_NAMES: [number, string][] = [
  [L.FRAMEF_IP_CSUM_OK, "IP_CSUM_OK"],
  [L.FRAMEF_L4_CSUM_OK, "L4_CSUM_OK"],
  [L.FRAMEF_TCP_OPTS_MALFORMED, "TCP_OPTS_MALFORMED"],
  [L.FRAMEF_IP_FRAGMENT, "IP_FRAGMENT"],
  [L.FRAMEF_IP_OPTIONS, "IP_OPTIONS"],
  [L.FRAMEF_L4_CSUM_ZERO, "L4_CSUM_ZERO"],
  [L.FRAMEF_VLAN, "VLAN"],
  [L.FRAMEF_ETH, "ETH"],
  [L.FRAMEF_ARP, "ARP"],
  [L.FRAMEF_IPV4, "IPV4"],
  [L.FRAMEF_TCP, "TCP"],
  [L.FRAMEF_UDP, "UDP"],
  [L.FRAMEF_ICMP, "ICMP"],
];

/** FRAMEF_* names set in `flags`, e.g. ["IP_CSUM_OK", "L4_CSUM_OK", "ETH", "IPV4", "TCP"]. */
export function frameFlagNames(flags: number): string[] {
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);
}

const TCP_FLAG_CHARS: [number, string][] = [
  [L.TCPHDR_FIN, "F"],
  [L.TCPHDR_SYN, "S"],
  [L.TCPHDR_RST, "R"],
  [L.TCPHDR_PSH, "P"],
  [L.TCPHDR_URG, "U"],
  [L.TCPHDR_ECE, "E"],
  [L.TCPHDR_CWR, "W"],
];

/** TCP flags as tcpdump prints them: "S", "S.", "P.", "F.", "R", "." for a bare ACK, "none". */
export function tcpFlagString(flags: number): string {
  let s = "";
  for (const [bit, c] of TCP_FLAG_CHARS) if (flags & bit) s += c;
  if (flags & L.TCPHDR_ACK) s += ".";
  return s || "none";
}
