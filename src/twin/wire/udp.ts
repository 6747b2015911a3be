// Twin of assembly/wire/udp.ts over a DataView.
import type { UdpRepr } from "../../core/frame.js";
import { DROP_PKT_TOO_SMALL, IPPROTO_UDP } from "../../generated/layout.js";
import { csumFold, csumPartial, csumPseudo } from "./csum.js";
import { EMIT_NO_ROOM } from "./ethernet.js";

export const UDP_HDR_LEN = 8;

export function udpParse(dv: DataView, off: number, len: number, r: UdpRepr): number {
  if (len < UDP_HDR_LEN) return -DROP_PKT_TOO_SMALL;
  r.sport = dv.getUint16(off);
  r.dport = dv.getUint16(off + 2);
  r.len = dv.getUint16(off + 4);
  r.checksum = dv.getUint16(off + 6);
  if (r.len > len || r.len < UDP_HDR_LEN) return -DROP_PKT_TOO_SMALL;
  return UDP_HDR_LEN;
}

export function udpChecksumValid(
  dv: DataView,
  off: number,
  ulen: number,
  saddr: number,
  daddr: number,
): boolean {
  if (dv.getUint16(off + 6) === 0) return true;
  return csumFold(csumPseudo(saddr, daddr, ulen, IPPROTO_UDP, csumPartial(dv, off, ulen, 0))) === 0;
}

export function udpEmit(r: UdpRepr, dv: DataView, off: number, cap: number): number {
  if (cap < UDP_HDR_LEN) return EMIT_NO_ROOM;
  dv.setUint16(off, r.sport);
  dv.setUint16(off + 2, r.dport);
  dv.setUint16(off + 4, r.len);
  dv.setUint16(off + 6, r.checksum);
  return UDP_HDR_LEN;
}

export function udpChecksumFill(
  dv: DataView,
  off: number,
  ulen: number,
  saddr: number,
  daddr: number,
): number {
  dv.setUint16(off + 6, 0);
  const c = csumFold(csumPseudo(saddr, daddr, ulen, IPPROTO_UDP, csumPartial(dv, off, ulen, 0))) || 0xffff;
  dv.setUint16(off + 6, c);
  return c;
}
