// ARP for Ethernet and IPv4 (RFC 826): the only hardware / protocol pair Linux's arp_rcv accepts on
// an Ethernet device. Linux: net/ipv4/arp.c arp_rcv(), arp_process().
import { DROP_ARP_INVALID, DROP_PKT_TOO_SMALL } from "../dropreason";
import {
  ARP_HLEN, ARP_HTYPE, ARP_OP, ARP_PLEN, ARP_PTYPE, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA,
} from "../memory";
import { copyMac, EMIT_NO_ROOM, ld16, ld32, ld8, st16, st32, st8 } from "./be";

// Field offsets in the packet (Ethernet / IPv4 layout: hlen 6, plen 4).
const HTYPE: u32 = 0;
const PTYPE: u32 = 2;
const HLEN: u32 = 4;
const PLEN: u32 = 5;
const OP: u32 = 6;
const SHA: u32 = 8;
const SPA: u32 = 14;
const THA: u32 = 18;
const TPA: u32 = 24;
export const ARP_HDR_LEN: u32 = 28; // Linux arp_hdr_len() for a 6-byte hardware address

export const ARPHRD_ETHER: u32 = 1;
export const ARPHRD_IEEE802: u32 = 6;
export const ARPOP_REQUEST: u32 = 1;
export const ARPOP_REPLY: u32 = 2;

/**
 * Parses an ARP packet into the ARP repr. Returns ARP_HDR_LEN, -DROP_PKT_TOO_SMALL when shorter
 * (arp_rcv's pskb_may_pull), or -DROP_ARP_INVALID for lengths, types or an op Linux refuses. Every
 * field is stored as read, even when it is then refused.
 */
export function arpParse(ptr: usize, len: u32, repr: usize): i32 {
  if (len < ARP_HDR_LEN) return -(<i32>DROP_PKT_TOO_SMALL);
  const htype = ld16(ptr + HTYPE);
  const ptype = ld16(ptr + PTYPE);
  const hlen = ld8(ptr + HLEN);
  const plen = ld8(ptr + PLEN);
  const op = ld16(ptr + OP);
  store<u16>(repr + ARP_HTYPE, <u16>htype);
  store<u16>(repr + ARP_PTYPE, <u16>ptype);
  store<u8>(repr + ARP_HLEN, <u8>hlen);
  store<u8>(repr + ARP_PLEN, <u8>plen);
  store<u16>(repr + ARP_OP, <u16>op);
  store<u32>(repr + ARP_SPA, ld32(ptr + SPA));
  store<u32>(repr + ARP_TPA, ld32(ptr + TPA));
  copyMac(repr + ARP_SHA, ptr + SHA);
  copyMac(repr + ARP_THA, ptr + THA);
  // arp_rcv: ar_hln must be the device's address length and ar_pln 4.
  if (hlen != 6 || plen != 4) return -(<i32>DROP_ARP_INVALID);
  // arp_process on an Ethernet device: ARPHRD_ETHER or ARPHRD_IEEE802, ETH_P_IP, request or reply.
  if (htype != ARPHRD_ETHER && htype != ARPHRD_IEEE802) return -(<i32>DROP_ARP_INVALID);
  if (ptype != 0x0800) return -(<i32>DROP_ARP_INVALID);
  if (op != ARPOP_REQUEST && op != ARPOP_REPLY) return -(<i32>DROP_ARP_INVALID);
  return <i32>ARP_HDR_LEN;
}

/** Writes the ARP repr as a 28-byte Ethernet/IPv4 ARP packet. Returns 28 or EMIT_NO_ROOM. */
export function arpEmit(repr: usize, ptr: usize, cap: u32): i32 {
  if (cap < ARP_HDR_LEN) return EMIT_NO_ROOM;
  st16(ptr + HTYPE, <u32>load<u16>(repr + ARP_HTYPE));
  st16(ptr + PTYPE, <u32>load<u16>(repr + ARP_PTYPE));
  st8(ptr + HLEN, <u32>load<u8>(repr + ARP_HLEN));
  st8(ptr + PLEN, <u32>load<u8>(repr + ARP_PLEN));
  st16(ptr + OP, <u32>load<u16>(repr + ARP_OP));
  copyMac(ptr + SHA, repr + ARP_SHA);
  st32(ptr + SPA, load<u32>(repr + ARP_SPA));
  copyMac(ptr + THA, repr + ARP_THA);
  st32(ptr + TPA, load<u32>(repr + ARP_TPA));
  return <i32>ARP_HDR_LEN;
}
