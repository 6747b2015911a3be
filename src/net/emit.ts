// Header building for the transmit path: the host writes a header's repr fields into the stack's
// scratch repr (layout from the core's memory map), pushes room in the skb's headroom, and the
// core's emit function writes the wire bytes (and checksums) into it.
import * as L from "../generated/layout.js";
import type { Mac } from "./addr.js";
import type { RxFrame } from "./frame.js";
import type { NetStack } from "./stack.js";
import type { TcpOptions } from "./tcp/segment.js";

const IPV4_HDR_LEN = 20;
const ETH_HDR_LEN = 14;
const UDP_HDR_LEN = 8;

function clearRepr(net: NetStack, size: number): number {
  const r = net.reprAddr;
  net.core.u8.fill(0, r, r + size);
  return r;
}

/** Push an IPv4 header (20 bytes, no options) in front of the L4 header (Linux ip_queue_xmit). */
export function pushIpHeader(
  net: NetStack,
  skb: number,
  saddr: number,
  daddr: number,
  proto: number,
  df: boolean,
  tos = 0,
): boolean {
  const x = net.core.x;
  const totalLen = x.skbLen(skb) + IPV4_HDR_LEN;
  if (totalLen > 0xffff) return false;
  const p = x.skbPush(skb, IPV4_HDR_LEN);
  if (p === 0) return false;
  const r = clearRepr(net, L.IPV4_REPR_SIZE);
  const dv = net.core.dv;
  const u8 = net.core.u8;
  u8[r + L.IPV4_VERSION] = 4;
  u8[r + L.IPV4_IHL] = 5;
  u8[r + L.IPV4_TTL] = 64; // net.ipv4.ip_default_ttl
  u8[r + L.IPV4_TOS] = tos & 0xff;
  dv.setUint16(r + L.IPV4_TOTAL_LEN, totalLen, true);
  // Linux sets IP ID 0 on DF packets of connected sockets since 4.x? It uses a per-socket counter;
  // we use one per-host counter for every packet, which tools accept the same way.
  dv.setUint16(r + L.IPV4_ID, net.nextIpId(), true);
  dv.setUint16(r + L.IPV4_FRAG_OFF, df ? 0x4000 : 0, true);
  u8[r + L.IPV4_PROTO] = proto;
  dv.setUint32(r + L.IPV4_SADDR, saddr, true);
  dv.setUint32(r + L.IPV4_DADDR, daddr, true);
  if (x.ipv4Emit(r, p, IPV4_HDR_LEN) < 0) return false;
  x.skbResetNetworkHeader(skb);
  return true;
}

/** Push an Ethernet II header (Linux eth_header). */
export function pushEthHeader(net: NetStack, skb: number, dst: Mac, src: Mac, type: number): boolean {
  const x = net.core.x;
  const p = x.skbPush(skb, ETH_HDR_LEN);
  if (p === 0) return false;
  const r = clearRepr(net, L.ETH_REPR_SIZE);
  const u8 = net.core.u8;
  u8.set(dst, r + L.ETH_DST);
  u8.set(src, r + L.ETH_SRC);
  net.core.dv.setUint16(r + L.ETH_TYPE, type, true);
  if (x.ethernetEmit(r, p, ETH_HDR_LEN) < 0) return false;
  x.skbResetMacHeader(skb);
  return true;
}

export interface TcpHeaderFields {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options: TcpOptions;
}

/** Push a TCP header with options and fill its checksum over header and payload (tcp_transmit_skb). */
export function pushTcpHeader(net: NetStack, skb: number, t: TcpHeaderFields): boolean {
  const x = net.core.x;
  const dv = net.core.dv;
  const u8 = net.core.u8;
  const r = clearRepr(net, L.TCP_REPR_SIZE);
  dv.setUint16(r + L.TCP_SPORT, t.sport, true);
  dv.setUint16(r + L.TCP_DPORT, t.dport, true);
  dv.setUint32(r + L.TCP_SEQ, t.seq >>> 0, true);
  dv.setUint32(r + L.TCP_ACK, t.ack >>> 0, true);
  u8[r + L.TCP_FLAGS] = t.flags;
  dv.setUint16(r + L.TCP_WINDOW, Math.min(t.window, 0xffff), true);
  let opt = 0;
  const o = t.options;
  if (o.mss !== undefined) {
    opt |= L.TCPO_MSS;
    dv.setUint16(r + L.TCP_MSS, o.mss, true);
  }
  if (o.wscale !== undefined) {
    opt |= L.TCPO_WSCALE;
    u8[r + L.TCP_WSCALE] = o.wscale;
  }
  if (o.sackOk) opt |= L.TCPO_SACK_PERM;
  if (o.ts) {
    opt |= L.TCPO_TS;
    dv.setUint32(r + L.TCP_TSVAL, o.ts.val >>> 0, true);
    dv.setUint32(r + L.TCP_TSECR, o.ts.ecr >>> 0, true);
  }
  if (o.sack && o.sack.length > 0) {
    opt |= L.TCPO_SACK;
    const n = Math.min(o.sack.length, L.TCP_SACK_MAX);
    u8[r + L.TCP_SACK_COUNT] = n;
    for (let i = 0; i < n; i++) {
      dv.setUint32(r + L.TCP_SACK + i * 8, o.sack[i][0] >>> 0, true);
      dv.setUint32(r + L.TCP_SACK + i * 8 + 4, o.sack[i][1] >>> 0, true);
    }
  }
  u8[r + L.TCP_OPT] = opt;
  const hlen = 20 + x.tcpOptionsSize(r);
  u8[r + L.TCP_DOFF] = hlen >>> 2;
  const p = x.skbPush(skb, hlen);
  if (p === 0) return false;
  if (x.tcpEmit(r, p, hlen) < 0) return false;
  x.tcpChecksumFill(p, x.skbLen(skb), t.saddr, t.daddr);
  x.skbResetTransportHeader(skb);
  return true;
}

/** Push a UDP header and fill its checksum (udp_send_skb). */
export function pushUdpHeader(
  net: NetStack,
  skb: number,
  saddr: number,
  daddr: number,
  sport: number,
  dport: number,
): boolean {
  const x = net.core.x;
  const dv = net.core.dv;
  const ulen = x.skbLen(skb) + UDP_HDR_LEN;
  if (ulen > 0xffff) return false;
  const r = clearRepr(net, L.UDP_REPR_SIZE);
  dv.setUint16(r + L.UDP_SPORT, sport, true);
  dv.setUint16(r + L.UDP_DPORT, dport, true);
  dv.setUint16(r + L.UDP_LEN, ulen, true);
  const p = x.skbPush(skb, UDP_HDR_LEN);
  if (p === 0) return false;
  if (x.udpEmit(r, p, UDP_HDR_LEN) < 0) return false;
  x.udpChecksumFill(p, ulen, saddr, daddr);
  x.skbResetTransportHeader(skb);
  return true;
}

/** A new skb holding an ARP packet (arp_create); the caller pushes the Ethernet header. */
export function emitArp(net: NetStack, op: number, sha: Mac, spa: number, tha: Mac, tpa: number): number {
  const x = net.core.x;
  const skb = x.allocSkb(128);
  if (skb === 0) return 0;
  x.skbReserve(skb, 64);
  const p = x.skbPut(skb, 28);
  const r = clearRepr(net, L.ARP_REPR_SIZE);
  const dv = net.core.dv;
  const u8 = net.core.u8;
  dv.setUint16(r + L.ARP_HTYPE, 1, true);
  dv.setUint16(r + L.ARP_PTYPE, 0x0800, true);
  u8[r + L.ARP_HLEN] = 6;
  u8[r + L.ARP_PLEN] = 4;
  dv.setUint16(r + L.ARP_OP, op, true);
  dv.setUint32(r + L.ARP_SPA, spa, true);
  dv.setUint32(r + L.ARP_TPA, tpa, true);
  u8.set(sha, r + L.ARP_SHA);
  u8.set(tha, r + L.ARP_THA);
  if (x.arpEmit(r, p, 28) < 0) {
    x.consumeSkb(skb);
    return 0;
  }
  return skb;
}

/**
 * A new skb holding an ICMP error about `skb` (pulled to its payload; the headers are still in its
 * headroom): type, code, then the original IP header and the first 8 bytes of its payload (RFC 792;
 * Linux quotes more, up to 576 bytes in all — we follow RFC 792's minimum).
 */
export function pushIcmpError(net: NetStack, skb: number, f: RxFrame, type: number, code: number): number {
  const x = net.core.x;
  const ihl = f.l4off - f.l3off;
  const quoteFrom = x.skbNetworkHeader(skb);
  const payload = Math.min(8, f.plen + (f.poff - f.l4off));
  const qlen = ihl + payload;
  const out = x.allocSkb(128 + 8 + qlen);
  if (out === 0) return 0;
  x.skbReserve(out, 128);
  const p = x.skbPut(out, 8 + qlen);
  const u8 = net.core.u8;
  u8.fill(0, p, p + 8);
  u8[p] = type;
  u8[p + 1] = code;
  u8.copyWithin(p + 8, quoteFrom, quoteFrom + qlen);
  x.icmpChecksumFill(p, 8 + qlen);
  return out;
}
