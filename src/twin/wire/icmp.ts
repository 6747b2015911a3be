// Twin of assembly/wire/icmp.ts over a DataView.
import type { IcmpRepr } from "../../core/frame.js";
import {
  DROP_ICMP_CSUM,
  DROP_ICMP_INVALID,
  DROP_PKT_TOO_SMALL,
  DROP_UNHANDLED_PROTO,
  ICMP_DEST_UNREACH,
  ICMP_EXT_ECHO,
  ICMP_EXT_ECHOREPLY,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
  NR_ICMP_TYPES,
} from "../../generated/layout.js";
import { csumFold, csumPartial } from "./csum.js";
import { EMIT_NO_ROOM } from "./ethernet.js";

export const ICMP_HDR_LEN = 8;

export function icmpIsError(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACH ||
    type === ICMP_SOURCE_QUENCH ||
    type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED ||
    type === ICMP_PARAMETERPROB
  );
}

export function icmpParse(dv: DataView, off: number, len: number, r: IcmpRepr): number {
  if (len < ICMP_HDR_LEN) return -DROP_PKT_TOO_SMALL;
  const type = dv.getUint8(off);
  r.type = type;
  r.code = dv.getUint8(off + 1);
  r.checksum = dv.getUint16(off + 2);
  r.rest = dv.getUint32(off + 4);
  r.qIhl = r.qProto = r.qSport = r.qDport = r.qSaddr = r.qDaddr = 0;
  if (csumFold(csumPartial(dv, off, len, 0)) !== 0) return -DROP_ICMP_CSUM;
  if (type > NR_ICMP_TYPES && type !== ICMP_EXT_ECHO && type !== ICMP_EXT_ECHOREPLY)
    return -DROP_UNHANDLED_PROTO;
  if (icmpIsError(type)) {
    const q = off + ICMP_HDR_LEN;
    const qlen = len - ICMP_HDR_LEN;
    if (qlen < 20) return -DROP_ICMP_INVALID;
    const qihl = dv.getUint8(q) & 0xf;
    if (qihl < 5 || qlen < qihl * 4 + 8) return -DROP_ICMP_INVALID;
    r.qIhl = qihl;
    r.qProto = dv.getUint8(q + 9);
    r.qSaddr = dv.getUint32(q + 12);
    r.qDaddr = dv.getUint32(q + 16);
    r.qSport = dv.getUint16(q + qihl * 4);
    r.qDport = dv.getUint16(q + qihl * 4 + 2);
  }
  return ICMP_HDR_LEN;
}

export function icmpEmit(r: IcmpRepr, dv: DataView, off: number, cap: number): number {
  if (cap < ICMP_HDR_LEN) return EMIT_NO_ROOM;
  dv.setUint8(off, r.type);
  dv.setUint8(off + 1, r.code);
  dv.setUint16(off + 2, r.checksum);
  dv.setUint32(off + 4, r.rest);
  return ICMP_HDR_LEN;
}

export function icmpChecksumFill(dv: DataView, off: number, len: number): number {
  dv.setUint16(off + 2, 0);
  const c = csumFold(csumPartial(dv, off, len, 0));
  dv.setUint16(off + 2, c);
  return c;
}
