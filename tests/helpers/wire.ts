// Wire-format test helpers: hex, one interface over the Wasm parsers/emitters and their TypeScript
// twins (so every golden case runs against both), and frame builders made of emits.
import {
  ArpRepr,
  EthRepr,
  FrameFields,
  type FrameInfo,
  frameInfo,
  IcmpRepr,
  Ipv4Repr,
  readArpRepr,
  readEthRepr,
  readFrame,
  readFrameFields,
  readIcmpRepr,
  readIpv4Repr,
  readTcpRepr,
  readUdpRepr,
  TcpRepr,
  UdpRepr,
  writeArpRepr,
  writeEthRepr,
  writeIcmpRepr,
  writeIpv4Repr,
  writeTcpRepr,
  writeUdpRepr,
} from "../../src/core/frame.js";
import type { Core } from "../../src/core/wasm.js";
import * as L from "../../src/generated/layout.js";
import * as arp from "../../src/twin/wire/arp.js";
import * as eth from "../../src/twin/wire/ethernet.js";
import * as tframe from "../../src/twin/wire/frame.js";
import * as icmp from "../../src/twin/wire/icmp.js";
import * as ipv4 from "../../src/twin/wire/ipv4.js";
import * as tcp from "../../src/twin/wire/tcp.js";
import * as udp from "../../src/twin/wire/udp.js";
import { freshCore } from "./core.js";

export const ENOBUFS = 105; // errno: what emits return (negated) when cap is too small

export function hex(s: string): Uint8Array {
  const t = s.replace(/[\s:]/g, "");
  if (t.length % 2) throw new Error("odd hex length");
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function dvOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export type Proto = "eth" | "arp" | "ipv4" | "icmp" | "udp" | "tcp";
export interface ReprOf {
  eth: EthRepr;
  arp: ArpRepr;
  ipv4: Ipv4Repr;
  icmp: IcmpRepr;
  udp: UdpRepr;
  tcp: TcpRepr;
}

export const newRepr: { [P in Proto]: () => ReprOf[P] } = {
  eth: () => new EthRepr(),
  arp: () => new ArpRepr(),
  ipv4: () => new Ipv4Repr(),
  icmp: () => new IcmpRepr(),
  udp: () => new UdpRepr(),
  tcp: () => new TcpRepr(),
};

/** Bytes after the emit window that must still hold the 0xa5 fill. */
export const GUARD = 16;

export interface WireImpl {
  name: string;
  /** Parses `bytes` (the whole buffer) as one header; repr is fresh. */
  parse<P extends Proto>(p: P, bytes: Uint8Array): { rc: number; repr: ReprOf[P] };
  /** Emits into a 0xa5-filled buffer of cap + GUARD bytes; returns the whole buffer. */
  emit<P extends Proto>(p: P, repr: ReprOf[P], cap: number): { rc: number; out: Uint8Array };
  /** Dissects one Ethernet frame (or raw IP packet) into a FrameFields. */
  frame(bytes: Uint8Array, raw?: boolean): { rc: number; f: FrameFields };
}

const twinParse: { [P in Proto]: (dv: DataView, off: number, len: number, r: ReprOf[P]) => number } = {
  eth: eth.ethernetParse,
  arp: arp.arpParse,
  ipv4: ipv4.ipv4Parse,
  icmp: icmp.icmpParse,
  udp: udp.udpParse,
  tcp: tcp.tcpParse,
};

const twinEmit: { [P in Proto]: (r: ReprOf[P], dv: DataView, off: number, cap: number) => number } = {
  eth: eth.ethernetEmit,
  arp: arp.arpEmit,
  ipv4: ipv4.ipv4Emit,
  icmp: icmp.icmpEmit,
  udp: udp.udpEmit,
  tcp: tcp.tcpEmit,
};

export const twinWire: WireImpl = {
  name: "ts-twin",
  parse(p, bytes) {
    const repr = newRepr[p]();
    const rc = twinParse[p](dvOf(bytes), 0, bytes.length, repr);
    return { rc, repr };
  },
  emit(p, repr, cap) {
    const out = new Uint8Array(cap + GUARD).fill(0xa5);
    const rc = twinEmit[p](repr, dvOf(out), 0, cap);
    return { rc, out };
  },
  frame(bytes, raw = false) {
    const f = new FrameFields();
    const dv = dvOf(bytes);
    const rc = raw
      ? tframe.parseIpPacketAt(dv, 0, bytes.length, f)
      : tframe.parseFrameAt(dv, 0, bytes.length, f);
    return { rc, f };
  },
};

// Scratch in STAGING: input bytes at IN, a repr at REPR, emitted bytes at OUT, a FRAME at FRAME.
export const IN = L.STAGING_OFFSET;
export const REPR = L.STAGING_OFFSET + 96 * 1024;
export const OUT = L.STAGING_OFFSET + 128 * 1024;
export const FRAME = L.FRAME_OUT_OFFSET;

const readRepr: { [P in Proto]: (dv: DataView, a: number, r: ReprOf[P]) => ReprOf[P] } = {
  eth: readEthRepr,
  arp: readArpRepr,
  ipv4: readIpv4Repr,
  icmp: readIcmpRepr,
  udp: readUdpRepr,
  tcp: readTcpRepr,
};

const writeRepr: { [P in Proto]: (dv: DataView, a: number, r: ReprOf[P]) => void } = {
  eth: writeEthRepr,
  arp: writeArpRepr,
  ipv4: writeIpv4Repr,
  icmp: writeIcmpRepr,
  udp: writeUdpRepr,
  tcp: writeTcpRepr,
};

const REPR_SIZE: { [P in Proto]: number } = {
  eth: L.ETH_REPR_SIZE,
  arp: L.ARP_REPR_SIZE,
  ipv4: L.IPV4_REPR_SIZE,
  icmp: L.ICMP_REPR_SIZE,
  udp: L.UDP_REPR_SIZE,
  tcp: L.TCP_REPR_SIZE,
};

export function wasmWire(core: Core): WireImpl {
  const x = core.x;
  const parseFn: { [P in Proto]: (ptr: number, len: number, repr: number) => number } = {
    eth: x.ethernetParse,
    arp: x.arpParse,
    ipv4: x.ipv4Parse,
    icmp: x.icmpParse,
    udp: x.udpParse,
    tcp: x.tcpParse,
  };
  const emitFn: { [P in Proto]: (repr: number, ptr: number, cap: number) => number } = {
    eth: x.ethernetEmit,
    arp: x.arpEmit,
    ipv4: x.ipv4Emit,
    icmp: x.icmpEmit,
    udp: x.udpEmit,
    tcp: x.tcpEmit,
  };
  return {
    name: "wasm",
    parse(p, bytes) {
      core.u8.set(bytes, IN);
      core.u8.fill(0, REPR, REPR + REPR_SIZE[p]);
      const rc = parseFn[p](IN, bytes.length, REPR);
      return { rc, repr: readRepr[p](core.dv, REPR, newRepr[p]()) };
    },
    emit(p, repr, cap) {
      writeRepr[p](core.dv, REPR, repr);
      core.u8.fill(0xa5, OUT, OUT + cap + GUARD);
      const rc = emitFn[p](REPR, OUT, cap);
      return { rc, out: core.u8.slice(OUT, OUT + cap + GUARD) };
    },
    frame(bytes, raw = false) {
      core.u8.set(bytes, IN);
      core.u8.fill(0xee, FRAME, FRAME + L.FRAME_SIZE); // stale bytes: only present reprs may be read
      const rc = raw ? x.parseIpPacket(IN, bytes.length, FRAME) : x.parseFrame(IN, bytes.length, FRAME);
      return { rc, f: readFrameFields(core, FRAME) };
    },
  };
}

/** readFrame after a Wasm parseFrame of `bytes`. */
export function wasmFrameInfo(core: Core, bytes: Uint8Array, raw = false): FrameInfo {
  core.u8.set(bytes, IN);
  if (raw) core.x.parseIpPacket(IN, bytes.length, FRAME);
  else core.x.parseFrame(IN, bytes.length, FRAME);
  return readFrame(core, FRAME);
}

/** frameInfo of the twin's dissection of `bytes`. */
export function twinFrameInfo(bytes: Uint8Array, raw = false): FrameInfo {
  return frameInfo(raw ? tframe.parseIpPacket(bytes) : tframe.parseFrame(bytes));
}

// ---- frame builders (twin emits + checksum fills) ------------------------------------------------------

export interface L4Spec {
  tcp?: TcpRepr;
  udp?: UdpRepr;
  icmp?: IcmpRepr;
}

export function ethRepr(dst: number, src: number, type: number): EthRepr {
  return Object.assign(new EthRepr(), { dst, src, type });
}

export function ipRepr(saddr: number, daddr: number, proto: number, o: Partial<Ipv4Repr> = {}): Ipv4Repr {
  return Object.assign(
    new Ipv4Repr(),
    { version: 4, ihl: 5, ttl: 64, saddr, daddr, proto, fragOff: 0x4000 },
    o,
  );
}

export function tcpRepr(o: Partial<TcpRepr> = {}): TcpRepr {
  const r = Object.assign(new TcpRepr(), { sport: 40000, dport: 80, window: 65535, flags: L.TCPHDR_ACK }, o);
  if (o.sack) r.sack = [...o.sack, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8);
  return r;
}

/**
 * Builds an Ethernet / IPv4 / L4 frame with correct lengths and checksums (IPv4 total length and
 * the UDP length are computed), then pads to `minLen` with zeros (Ethernet padding).
 */
export function buildFrame(
  e: EthRepr,
  ip: Ipv4Repr,
  l4: L4Spec,
  payload: Uint8Array = new Uint8Array(0),
  minLen = 0,
): Uint8Array {
  const buf = new Uint8Array(2048);
  const dv = dvOf(buf);
  let off = eth.ethernetEmit(e, dv, 0, buf.length);
  const ipOff = off;
  off += 20;
  const l4Off = off;
  let l4len: number;
  if (l4.tcp) l4len = tcp.tcpEmit(l4.tcp, dv, l4Off, 1024);
  else if (l4.udp)
    l4len = udp.udpEmit(Object.assign(new UdpRepr(), l4.udp, { len: 8 + payload.length }), dv, l4Off, 1024);
  else if (l4.icmp) l4len = icmp.icmpEmit(l4.icmp, dv, l4Off, 1024);
  else l4len = 0;
  buf.set(payload, l4Off + l4len);
  const segLen = l4len + payload.length;
  ipv4.ipv4Emit(Object.assign(new Ipv4Repr(), ip, { totalLen: 20 + segLen }), dv, ipOff, 20);
  if (l4.tcp) tcp.tcpChecksumFill(dv, l4Off, segLen, ip.saddr, ip.daddr);
  else if (l4.udp) udp.udpChecksumFill(dv, l4Off, segLen, ip.saddr, ip.daddr);
  else if (l4.icmp) icmp.icmpChecksumFill(dv, l4Off, segLen);
  const len = Math.max(l4Off + segLen, minLen);
  return buf.slice(0, len);
}

export const MAC_A = 0x02_00_00_00_00_01;
export const MAC_B = 0x02_00_00_00_00_02;
export const IP_A = 0x0a4d0001; // 10.77.0.1
export const IP_B = 0x0a4d0002; // 10.77.0.2

/** The two implementations every wire case runs against: [name, factory]. */
export const WIRE_IMPLS: [string, () => Promise<WireImpl>][] = [
  ["wasm", async () => wasmWire(await freshCore())],
  ["ts-twin", async () => twinWire],
];
