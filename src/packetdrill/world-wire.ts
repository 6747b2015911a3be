// The packetdrill test device's wire side, on the engine's core: inbound segments the runner describes
// become raw IPv4 packets in skbs (a TUN device carries no link header), and packets the SUT transmits
// are dissected back into OutboundSegment objects.
//
// Inbound: the payload (zeros, as packetdrill's) is put first, then the TCP header is written in front
// of it - the base header by the core's tcpEmit, the options as raw bytes in exactly the script's order
// (nop and eol included: tcpEmit only knows Linux's own layout, and a peer may send any) - and the
// checksum filled by tcpChecksumFill; then the IPv4 header by ipv4Emit with the script's TOS and TTL.
// Outbound: the core's parseIpPacket validates and dissects the packet into a FRAME; the header fields
// come from it, and the option list is read from the header bytes in wire order, which the FRAME's
// summary of known options does not keep.
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import { ipToNumber, ipToString } from "../net/addr.js";
import { readFrame } from "../net/frame.js";
import type { InboundIcmp, InboundTcp, OutboundSegment, TcpOption } from "./engine.js";

const IPV4_HDR_LEN = 20;
const TCP_HDR_LEN = 20;
const ICMP_HDR_LEN = 8;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
/** Headroom for the headers we write in front of an inbound payload. */
const HEADROOM = 128;

// TCP option kinds (RFC 9293, RFC 7323, RFC 2018, RFC 7413, RFC 2385).
const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_MSS = 2;
const TCPOPT_WINDOW = 3;
const TCPOPT_SACK_PERM = 4;
const TCPOPT_SACK = 5;
const TCPOPT_TIMESTAMP = 8;
const TCPOPT_MD5SIG = 19;
const TCPOPT_FASTOPEN = 34;
const TCPOPT_EXP = 254;
const TCPOPT_FASTOPEN_MAGIC = 0xf989;

/** The option bytes for a list in wire order, or null when they exceed the 40 bytes of option space. */
export function encodeOptions(list: TcpOption[]): Uint8Array | null {
  const b: number[] = [];
  const u16 = (v: number) => b.push((v >>> 8) & 255, v & 255);
  const u32 = (v: number) => b.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  const hex = (s: string) => {
    for (let i = 0; i + 1 < s.length; i += 2) b.push(Number.parseInt(s.slice(i, i + 2), 16));
  };
  for (const o of list) {
    switch (o.kind) {
      case "nop":
        b.push(TCPOPT_NOP);
        break;
      case "eol":
        b.push(TCPOPT_EOL);
        break;
      case "mss":
        b.push(TCPOPT_MSS, 4);
        u16(o.value);
        break;
      case "wscale":
        b.push(TCPOPT_WINDOW, 3, o.value & 255);
        break;
      case "sackOK":
        b.push(TCPOPT_SACK_PERM, 2);
        break;
      case "sack":
        b.push(TCPOPT_SACK, 2 + 8 * o.blocks.length);
        for (const [l, r] of o.blocks) {
          u32(l);
          u32(r);
        }
        break;
      case "ts":
        b.push(TCPOPT_TIMESTAMP, 10);
        u32(o.val);
        u32(o.ecr);
        break;
      case "fastopen":
        if (o.exp) {
          b.push(TCPOPT_EXP, 4 + o.cookie.length / 2);
          u16(TCPOPT_FASTOPEN_MAGIC);
        } else b.push(TCPOPT_FASTOPEN, 2 + o.cookie.length / 2);
        hex(o.cookie);
        break;
      case "md5":
        b.push(TCPOPT_MD5SIG, 18);
        hex(o.digest.padEnd(32, "0").slice(0, 32));
        break;
      case "other":
        b.push(o.code, 2 + o.data.length, ...o.data);
        break;
    }
  }
  while (b.length % 4) b.push(TCPOPT_EOL); // pad to a 32-bit boundary, as packetdrill
  return b.length > 40 ? null : Uint8Array.from(b);
}

/** The options in `bytes` in wire order (a malformed tail ends the list, as tcp_parse_options). */
export function decodeOptions(bytes: Uint8Array): TcpOption[] {
  const out: TcpOption[] = [];
  const be32 = (i: number) =>
    ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  const hex = (a: Uint8Array) => Array.from(a, (v) => v.toString(16).padStart(2, "0")).join("");
  let i = 0;
  while (i < bytes.length) {
    const kind = bytes[i];
    if (kind === TCPOPT_EOL) {
      out.push({ kind: "eol" });
      break;
    }
    if (kind === TCPOPT_NOP) {
      out.push({ kind: "nop" });
      i++;
      continue;
    }
    if (i + 1 >= bytes.length) break;
    const len = bytes[i + 1];
    if (len < 2 || i + len > bytes.length) break;
    const data = bytes.subarray(i + 2, i + len);
    if (kind === TCPOPT_MSS && len === 4) out.push({ kind: "mss", value: (data[0] << 8) | data[1] });
    else if (kind === TCPOPT_WINDOW && len === 3) out.push({ kind: "wscale", value: data[0] });
    else if (kind === TCPOPT_SACK_PERM && len === 2) out.push({ kind: "sackOK" });
    else if (kind === TCPOPT_TIMESTAMP && len === 10)
      out.push({ kind: "ts", val: be32(i + 2), ecr: be32(i + 6) });
    else if (kind === TCPOPT_SACK && (len - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      for (let j = i + 2; j < i + len; j += 8) blocks.push([be32(j), be32(j + 4)]);
      out.push({ kind: "sack", blocks });
    } else if (kind === TCPOPT_FASTOPEN) out.push({ kind: "fastopen", exp: false, cookie: hex(data) });
    else if (kind === TCPOPT_EXP && len >= 4 && ((data[0] << 8) | data[1]) === TCPOPT_FASTOPEN_MAGIC)
      out.push({ kind: "fastopen", exp: true, cookie: hex(data.subarray(2)) });
    else if (kind === TCPOPT_MD5SIG && len === 18) out.push({ kind: "md5", digest: hex(data) });
    else out.push({ kind: "other", code: kind, data: data.slice() });
    i += len;
  }
  return out;
}

/** Scratch the wire helpers write repr structs into (one engine, one at a time). */
export class TestWire {
  private readonly repr: number;
  private readonly frame: number;

  constructor(private readonly core: Core) {
    const x = core.x;
    this.repr = x.arenaAlloc(256);
    this.frame = x.arenaAlloc(L.FRAME_SIZE);
    if (this.repr === 0 || this.frame === 0) throw new Error("packetdrill: no memory for the test device");
  }

  private clear(size: number): number {
    this.core.u8.fill(0, this.repr, this.repr + size);
    return this.repr;
  }

  /** An skb holding the raw IPv4 packet for an inbound TCP segment, or 0 (no memory / options too long). */
  buildTcp(seg: InboundTcp, ipId: number): number {
    const x = this.core.x;
    const opts = encodeOptions(seg.options);
    if (!opts) return 0;
    const hlen = TCP_HDR_LEN + opts.length;
    const total = IPV4_HDR_LEN + hlen + seg.payloadLen;
    if (total > 0xffff) return 0;
    const skb = x.allocSkb(HEADROOM + seg.payloadLen);
    if (skb === 0) return 0;
    x.skbReserve(skb, HEADROOM);
    const pay = x.skbPut(skb, seg.payloadLen);
    this.core.u8.fill(0, pay, pay + seg.payloadLen);
    const p = x.skbPush(skb, hlen);
    const r = this.clear(L.TCP_REPR_SIZE);
    const dv = this.core.dv;
    dv.setUint16(r + L.TCP_SPORT, seg.srcPort, true);
    dv.setUint16(r + L.TCP_DPORT, seg.dstPort, true);
    dv.setUint32(r + L.TCP_SEQ, seg.seq >>> 0, true);
    dv.setUint32(r + L.TCP_ACK, seg.ack >>> 0, true);
    this.core.u8[r + L.TCP_FLAGS] = seg.flags & 0xff;
    this.core.u8[r + L.TCP_RES] = (seg.flags >>> 8) & 1; // AE, the low bit of the 12th byte
    dv.setUint16(r + L.TCP_WINDOW, seg.window & 0xffff, true);
    dv.setUint16(r + L.TCP_URG_PTR, seg.urg & 0xffff, true);
    if (x.tcpEmit(r, p, TCP_HDR_LEN) < 0) {
      x.consumeSkb(skb);
      return 0;
    }
    const u8 = this.core.u8;
    u8.set(opts, p + TCP_HDR_LEN);
    u8[p + 12] = ((hlen >>> 2) << 4) | (u8[p + 12] & 0x0f);
    const saddr = ipToNumber(seg.srcIp);
    const daddr = ipToNumber(seg.dstIp);
    x.tcpChecksumFill(p, hlen + seg.payloadLen, saddr, daddr);
    if (!this.pushIp(skb, saddr, daddr, IPPROTO_TCP, ipId, seg.tos ?? 0, seg.ttl ?? 64)) {
      x.consumeSkb(skb);
      return 0;
    }
    return skb;
  }

  /**
   * An skb holding an ICMP error from the remote quoting one of the SUT's segments (its IPv4 header
   * and the first 8 bytes of TCP: ports and sequence number), or 0 when the message is not one we build.
   */
  buildIcmp(pkt: InboundIcmp, ipId: number): number {
    const x = this.core.x;
    const tc = icmpTypeCode(pkt.type, pkt.code);
    if (!tc || !pkt.quoted) return 0;
    const quoteLen = IPV4_HDR_LEN + 8;
    const skb = x.allocSkb(HEADROOM + ICMP_HDR_LEN + quoteLen);
    if (skb === 0) return 0;
    x.skbReserve(skb, HEADROOM);
    const p = x.skbPut(skb, ICMP_HDR_LEN + quoteLen);
    const u8 = this.core.u8;
    const dv = this.core.dv;
    u8.fill(0, p, p + ICMP_HDR_LEN + quoteLen);
    u8[p] = tc[0];
    u8[p + 1] = tc[1];
    if (tc[0] === 3 && tc[1] === 4 && pkt.mtu !== null) dv.setUint16(p + 6, pkt.mtu, false);
    // The quoted packet: the SUT's own IPv4 header (local -> remote) and its TCP ports and seq.
    const q = p + ICMP_HDR_LEN;
    const r = this.clear(L.IPV4_REPR_SIZE);
    u8[r + L.IPV4_VERSION] = 4;
    u8[r + L.IPV4_IHL] = 5;
    u8[r + L.IPV4_TTL] = 64;
    dv.setUint16(r + L.IPV4_TOTAL_LEN, IPV4_HDR_LEN + TCP_HDR_LEN + pkt.quoted.len, true);
    dv.setUint16(r + L.IPV4_FRAG_OFF, 0x4000, true);
    u8[r + L.IPV4_PROTO] = IPPROTO_TCP;
    dv.setUint32(r + L.IPV4_SADDR, ipToNumber(pkt.dstIp), true);
    dv.setUint32(r + L.IPV4_DADDR, ipToNumber(pkt.srcIp), true);
    x.ipv4Emit(r, q, IPV4_HDR_LEN);
    dv.setUint16(q + IPV4_HDR_LEN, pkt.quoted.srcPort, false);
    dv.setUint16(q + IPV4_HDR_LEN + 2, pkt.quoted.dstPort, false);
    dv.setUint32(q + IPV4_HDR_LEN + 4, pkt.quoted.seq >>> 0, false);
    x.icmpChecksumFill(p, ICMP_HDR_LEN + quoteLen);
    if (!this.pushIp(skb, ipToNumber(pkt.srcIp), ipToNumber(pkt.dstIp), IPPROTO_ICMP, ipId, 0, 64)) {
      x.consumeSkb(skb);
      return 0;
    }
    return skb;
  }

  private pushIp(
    skb: number,
    saddr: number,
    daddr: number,
    proto: number,
    id: number,
    tos: number,
    ttl: number,
  ): boolean {
    const x = this.core.x;
    const totalLen = x.skbLen(skb) + IPV4_HDR_LEN;
    const p = x.skbPush(skb, IPV4_HDR_LEN);
    if (p === 0) return false;
    const r = this.clear(L.IPV4_REPR_SIZE);
    const dv = this.core.dv;
    const u8 = this.core.u8;
    u8[r + L.IPV4_VERSION] = 4;
    u8[r + L.IPV4_IHL] = 5;
    u8[r + L.IPV4_TOS] = tos;
    u8[r + L.IPV4_TTL] = ttl;
    dv.setUint16(r + L.IPV4_TOTAL_LEN, totalLen, true);
    dv.setUint16(r + L.IPV4_ID, id & 0xffff, true);
    dv.setUint16(r + L.IPV4_FRAG_OFF, 0x4000, true); // DF
    u8[r + L.IPV4_PROTO] = proto;
    dv.setUint32(r + L.IPV4_SADDR, saddr, true);
    dv.setUint32(r + L.IPV4_DADDR, daddr, true);
    return x.ipv4Emit(r, p, IPV4_HDR_LEN) === IPV4_HDR_LEN;
  }

  /**
   * Dissect a raw IPv4 packet the SUT transmitted. A TCP segment becomes an OutboundSegment stamped
   * `atNs`; anything else (ARP cannot occur on a TUN device; ICMP errors) is returned as null.
   */
  parseOutbound(skb: number, atNs: number): OutboundSegment | null {
    const x = this.core.x;
    const ptr = x.skbDataPtr(skb);
    const len = x.skbLen(skb);
    x.parseIpPacket(ptr, len, this.frame);
    const f = readFrame(this.core, this.frame);
    if (f.reason !== 0 || !f.tcp) return null;
    const l4 = ptr + f.l4off;
    const u8 = this.core.u8;
    const hlen = f.tcp.doff * 4;
    const options = decodeOptions(u8.slice(l4 + TCP_HDR_LEN, l4 + hlen));
    return {
      atNs,
      srcIp: ipToString(f.ipSaddr),
      dstIp: ipToString(f.ipDaddr),
      srcPort: f.sport,
      dstPort: f.dport,
      seq: f.tcp.seq,
      ack: f.tcp.ack,
      flags: f.tcp.flags | ((u8[l4 + 12] & 1) << 8),
      window: f.tcp.window,
      urg: (u8[l4 + 18] << 8) | u8[l4 + 19],
      options,
      payloadLen: f.plen,
      tos: f.ipTos,
      ttl: f.ipTtl,
    };
  }
}

/** ICMP type and code for packetdrill's names (icmp_packet.c), or null. */
function icmpTypeCode(type: string, code: string | null): [number, number] | null {
  if (type === "unreachable") {
    const codes: Record<string, number> = {
      net_unreachable: 0,
      host_unreachable: 1,
      protocol_unreachable: 2,
      port_unreachable: 3,
      frag_needed: 4,
      source_route_failed: 5,
      net_unknown: 6,
      host_unknown: 7,
      source_host_isolated: 8,
      net_prohibited: 9,
      host_prohibited: 10,
      net_unreachable_for_tos: 11,
      host_unreachable_for_tos: 12,
      packet_filtered: 13,
      precedence_violation: 14,
      precedence_cutoff: 15,
    };
    const c = code === null ? 0 : codes[code];
    return c === undefined ? null : [3, c];
  }
  if (type === "time_exceeded") return [11, code === "fragment_reassembly_time_exceeded" ? 1 : 0];
  if (type === "source_quench") return [4, 0];
  return null;
}
