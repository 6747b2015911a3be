// Twin of assembly/wire/ipv4.ts over a DataView (ip_rcv_core's checks, 20-byte emit).
import type { Ipv4Repr } from "../../core/frame.js";
import { DROP_IP_CSUM, DROP_IP_INHDR, DROP_PKT_TOO_SMALL, IP_MF, IP_OFFSET } from "../../generated/layout.js";
import { csumFold, csumPartial } from "./csum.js";
import { EMIT_NO_ROOM } from "./ethernet.js";

export const IPV4_HDR_LEN = 20;

export function ipv4IsFragment(fragOff: number): boolean {
  return (fragOff & (IP_MF | IP_OFFSET)) !== 0;
}

/** Reads the header (when len >= 20) and checks version and IHL: header length or -IP_INHDR. */
export function ipv4ParseHeader(dv: DataView, off: number, len: number, r: Ipv4Repr): number {
  if (len < IPV4_HDR_LEN) return -DROP_IP_INHDR;
  const vi = dv.getUint8(off);
  const ihl = vi & 0xf;
  r.version = vi >>> 4;
  r.ihl = ihl;
  r.tos = dv.getUint8(off + 1);
  r.totalLen = dv.getUint16(off + 2);
  r.id = dv.getUint16(off + 4);
  r.fragOff = dv.getUint16(off + 6);
  r.ttl = dv.getUint8(off + 8);
  r.proto = dv.getUint8(off + 9);
  r.checksum = dv.getUint16(off + 10);
  r.saddr = dv.getUint32(off + 12);
  r.daddr = dv.getUint32(off + 16);
  r.optLen = ihl > 5 ? ihl * 4 - IPV4_HDR_LEN : 0;
  if (ihl < 5 || r.version !== 4) return -DROP_IP_INHDR;
  if (ihl * 4 > len) return -DROP_IP_INHDR;
  return ihl * 4;
}

/** Header checksum, then total length: 0 or -IP_CSUM / -PKT_TOO_SMALL / -IP_INHDR. */
export function ipv4Validate(dv: DataView, off: number, len: number, r: Ipv4Repr): number {
  if (csumFold(csumPartial(dv, off, r.ihl * 4, 0)) !== 0) return -DROP_IP_CSUM;
  if (r.totalLen > len) return -DROP_PKT_TOO_SMALL;
  if (r.totalLen < r.ihl * 4) return -DROP_IP_INHDR;
  return 0;
}

export function ipv4Parse(dv: DataView, off: number, len: number, r: Ipv4Repr): number {
  const hlen = ipv4ParseHeader(dv, off, len, r);
  if (hlen < 0) return hlen;
  const bad = ipv4Validate(dv, off, len, r);
  return bad < 0 ? bad : hlen;
}

export function ipv4Emit(r: Ipv4Repr, dv: DataView, off: number, cap: number): number {
  if (cap < IPV4_HDR_LEN) return EMIT_NO_ROOM;
  dv.setUint8(off, 0x45);
  dv.setUint8(off + 1, r.tos);
  dv.setUint16(off + 2, r.totalLen);
  dv.setUint16(off + 4, r.id);
  dv.setUint16(off + 6, r.fragOff);
  dv.setUint8(off + 8, r.ttl);
  dv.setUint8(off + 9, r.proto);
  dv.setUint16(off + 10, 0);
  dv.setUint32(off + 12, r.saddr);
  dv.setUint32(off + 16, r.daddr);
  ipv4ChecksumFill(dv, off);
  return IPV4_HDR_LEN;
}

export function ipv4ChecksumFill(dv: DataView, off: number): number {
  dv.setUint16(off + 10, 0);
  const c = csumFold(csumPartial(dv, off, (dv.getUint8(off) & 0xf) * 4, 0));
  dv.setUint16(off + 10, c);
  return c;
}
