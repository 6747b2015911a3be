// Twin of assembly/wire/arp.ts over a DataView.
import type { ArpRepr } from "../../core/frame.js";
import {
  ARPHRD_ETHER,
  ARPHRD_IEEE802,
  ARPOP_REPLY,
  ARPOP_REQUEST,
  DROP_ARP_INVALID,
  DROP_PKT_TOO_SMALL,
  ETH_P_IP,
} from "../../generated/layout.js";
import { EMIT_NO_ROOM, getMac, setMac } from "./ethernet.js";

export const ARP_HDR_LEN = 28;

export function arpParse(dv: DataView, off: number, len: number, r: ArpRepr): number {
  if (len < ARP_HDR_LEN) return -DROP_PKT_TOO_SMALL;
  r.htype = dv.getUint16(off);
  r.ptype = dv.getUint16(off + 2);
  r.hlen = dv.getUint8(off + 4);
  r.plen = dv.getUint8(off + 5);
  r.op = dv.getUint16(off + 6);
  r.sha = getMac(dv, off + 8);
  r.spa = dv.getUint32(off + 14);
  r.tha = getMac(dv, off + 18);
  r.tpa = dv.getUint32(off + 24);
  if (r.hlen !== 6 || r.plen !== 4) return -DROP_ARP_INVALID;
  if (r.htype !== ARPHRD_ETHER && r.htype !== ARPHRD_IEEE802) return -DROP_ARP_INVALID;
  if (r.ptype !== ETH_P_IP) return -DROP_ARP_INVALID;
  if (r.op !== ARPOP_REQUEST && r.op !== ARPOP_REPLY) return -DROP_ARP_INVALID;
  return ARP_HDR_LEN;
}

export function arpEmit(r: ArpRepr, dv: DataView, off: number, cap: number): number {
  if (cap < ARP_HDR_LEN) return EMIT_NO_ROOM;
  dv.setUint16(off, r.htype);
  dv.setUint16(off + 2, r.ptype);
  dv.setUint8(off + 4, r.hlen);
  dv.setUint8(off + 5, r.plen);
  dv.setUint16(off + 6, r.op);
  setMac(dv, off + 8, r.sha);
  dv.setUint32(off + 14, r.spa);
  setMac(dv, off + 18, r.tha);
  dv.setUint32(off + 24, r.tpa);
  return ARP_HDR_LEN;
}
