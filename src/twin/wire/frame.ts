// Twin of assembly/wire/frame.ts: whole-frame dissection into a reused FrameFields (no allocation
// per frame), with the same verdicts, flags, offsets and repr fields as the Wasm FRAME struct.
import { FrameFields } from "../../core/frame.js";
import {
  DROP_IP_CSUM,
  DROP_IP_NOPROTO,
  DROP_TCP_CSUM,
  DROP_UDP_CSUM,
  DROP_UNHANDLED_PROTO,
  ETH_P_ARP,
  ETH_P_IP,
  ETH_P_IPV6,
  FRAMEF_ARP,
  FRAMEF_ETH,
  FRAMEF_ICMP,
  FRAMEF_IP_CSUM_OK,
  FRAMEF_IP_FRAGMENT,
  FRAMEF_IP_OPTIONS,
  FRAMEF_IPV4,
  FRAMEF_L4_CSUM_OK,
  FRAMEF_L4_CSUM_ZERO,
  FRAMEF_TCP,
  FRAMEF_TCP_OPTS_MALFORMED,
  FRAMEF_UDP,
  FRAMEF_VLAN,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCPO_MALFORMED,
} from "../../generated/layout.js";
import { ARP_HDR_LEN, arpParse } from "./arp.js";
import { ETH_HLEN, ethernetParse } from "./ethernet.js";
import { ICMP_HDR_LEN, icmpParse } from "./icmp.js";
import { IPV4_HDR_LEN, ipv4IsFragment, ipv4ParseHeader, ipv4Validate } from "./ipv4.js";
import { TCP_HDR_LEN, tcpChecksumValid, tcpParse } from "./tcp.js";
import { UDP_HDR_LEN, udpChecksumValid, udpParse } from "./udp.js";

/** Records the verdict `rc` (a negative reason) and returns it. */
function drop(f: FrameFields, rc: number): number {
  f.reason = -rc;
  return rc;
}

function dissectIpv4(dv: DataView, base: number, len: number, l3: number, f: FrameFields): number {
  const ip = base + l3;
  const avail = len - l3;
  const r = f.ipv4;
  f.l3Off = l3;
  if (avail >= IPV4_HDR_LEN) f.flags |= FRAMEF_IPV4;
  const hlen = ipv4ParseHeader(dv, ip, avail, r);
  if (hlen < 0) return drop(f, hlen);
  if (hlen > IPV4_HDR_LEN) f.flags |= FRAMEF_IP_OPTIONS;
  const bad = ipv4Validate(dv, ip, avail, r);
  if (bad < 0) {
    if (bad !== -DROP_IP_CSUM) f.flags |= FRAMEF_IP_CSUM_OK;
    f.reason = -bad;
    return bad;
  }
  f.flags |= FRAMEF_IP_CSUM_OK;
  const l4 = l3 + hlen;
  const segLen = r.totalLen - hlen;
  f.l4Off = l4;
  f.payloadOff = l4;
  f.payloadLen = segLen;
  if (ipv4IsFragment(r.fragOff)) {
    f.flags |= FRAMEF_IP_FRAGMENT;
    return 0;
  }
  const seg = ip + hlen;
  switch (r.proto) {
    case IPPROTO_TCP: {
      if (segLen >= TCP_HDR_LEN) f.flags |= FRAMEF_TCP;
      const th = tcpParse(dv, seg, segLen, f.tcp);
      if (th < 0) return drop(f, th);
      if (f.tcp.opt & TCPO_MALFORMED) f.flags |= FRAMEF_TCP_OPTS_MALFORMED;
      if (!tcpChecksumValid(dv, seg, segLen, r.saddr, r.daddr)) return drop(f, -DROP_TCP_CSUM);
      f.flags |= FRAMEF_L4_CSUM_OK;
      f.payloadOff = l4 + th;
      f.payloadLen = segLen - th;
      return 0;
    }
    case IPPROTO_UDP: {
      if (segLen >= UDP_HDR_LEN) f.flags |= FRAMEF_UDP;
      const uh = udpParse(dv, seg, segLen, f.udp);
      if (uh < 0) return drop(f, uh);
      if (f.udp.checksum === 0) f.flags |= FRAMEF_L4_CSUM_ZERO;
      else if (udpChecksumValid(dv, seg, f.udp.len, r.saddr, r.daddr)) f.flags |= FRAMEF_L4_CSUM_OK;
      else return drop(f, -DROP_UDP_CSUM);
      f.payloadOff = l4 + UDP_HDR_LEN;
      f.payloadLen = f.udp.len - UDP_HDR_LEN;
      return 0;
    }
    case IPPROTO_ICMP: {
      if (segLen >= ICMP_HDR_LEN) f.flags |= FRAMEF_ICMP;
      const ih = icmpParse(dv, seg, segLen, f.icmp);
      if (ih < 0) return drop(f, ih);
      f.flags |= FRAMEF_L4_CSUM_OK;
      f.payloadOff = l4 + ICMP_HDR_LEN;
      f.payloadLen = segLen - ICMP_HDR_LEN;
      return 0;
    }
  }
  return drop(f, -DROP_IP_NOPROTO);
}

function begin(f: FrameFields, len: number): number {
  const old = f.flags;
  f.reason = f.flags = f.ethertype = f.l3Off = f.l4Off = f.payloadOff = f.payloadLen = 0;
  f.len = len;
  return old;
}

/**
 * Dissects the Ethernet frame of `len` bytes at `off` in dv into f (reused: reprs left over from the
 * previous frame are cleared). Returns 0 or -reason, as the Wasm parseFrame.
 */
export function parseFrameAt(dv: DataView, off: number, len: number, f: FrameFields): number {
  const old = begin(f, len);
  const rc = dissectFrame(dv, off, len, f);
  f.clearStale(old);
  return rc;
}

function dissectFrame(dv: DataView, off: number, len: number, f: FrameFields): number {
  const l2 = ethernetParse(dv, off, len, f.eth);
  if (len >= ETH_HLEN) {
    f.flags = f.eth.tpid ? FRAMEF_ETH | FRAMEF_VLAN : FRAMEF_ETH;
    f.ethertype = f.eth.type;
  }
  if (l2 < 0) return drop(f, l2);
  f.payloadOff = l2;
  f.payloadLen = len - l2;
  const type = f.eth.type;
  if (type === ETH_P_IP) return dissectIpv4(dv, off, len, l2, f);
  if (type === ETH_P_ARP) {
    f.l3Off = l2;
    if (len - l2 >= ARP_HDR_LEN) f.flags |= FRAMEF_ARP;
    const r = arpParse(dv, off + l2, len - l2, f.arp);
    if (r < 0) return drop(f, r);
    f.payloadOff = l2 + ARP_HDR_LEN;
    f.payloadLen = 0;
    return 0;
  }
  return drop(f, -DROP_UNHANDLED_PROTO);
}

/** Dissects a raw IP packet (no link header) of `len` bytes at `off` into f, as parseIpPacket. */
export function parseIpPacketAt(dv: DataView, off: number, len: number, f: FrameFields): number {
  const old = begin(f, len);
  f.payloadLen = len;
  let rc: number;
  if (len > 0 && dv.getUint8(off) >>> 4 === 6) {
    f.ethertype = ETH_P_IPV6;
    rc = drop(f, -DROP_UNHANDLED_PROTO);
  } else {
    f.ethertype = ETH_P_IP;
    rc = dissectIpv4(dv, off, len, 0, f);
  }
  f.clearStale(old);
  return rc;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Dissects one Ethernet frame held in `bytes` (a fresh FrameFields unless one is given). */
export function parseFrame(bytes: Uint8Array, f = new FrameFields()): FrameFields {
  parseFrameAt(viewOf(bytes), 0, bytes.length, f);
  return f;
}

/** Dissects one raw IP packet held in `bytes`. */
export function parseIpPacket(bytes: Uint8Array, f = new FrameFields()): FrameFields {
  parseIpPacketAt(viewOf(bytes), 0, bytes.length, f);
  return f;
}
