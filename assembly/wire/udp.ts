// UDP header (RFC 768), validated as Linux's __udp4_lib_rcv() and udp4_csum_init() do.
// Linux: net/ipv4/udp.c __udp4_lib_rcv(), udp4_csum_init(); include/net/udp.h.
import { csumPartial, csumTcpudpMagic } from "../checksum";
import { DROP_PKT_TOO_SMALL } from "../dropreason";
import { UDP_CHECKSUM, UDP_DPORT, UDP_LEN, UDP_SPORT } from "../memory";
import { EMIT_NO_ROOM, ld16, st16 } from "./be";
import { IPPROTO_UDP } from "./ipv4";

// Field offsets in the header.
const SPORT: u32 = 0;
const DPORT: u32 = 2;
const LEN: u32 = 4;
const CHECK: u32 = 6;
export const UDP_HDR_LEN: u32 = 8;

/**
 * Parses a UDP header from the `len` bytes of IP payload at ptr into the UDP repr. Returns 8, or
 * -DROP_PKT_TOO_SMALL when the header is cut short (Linux leaves that reason unnamed) or the UDP
 * length is below 8 or above `len` (short_packet). Bytes past the UDP length are not the datagram's
 * (pskb_trim_rcsum). The checksum is checked by udpChecksumValid, which needs the addresses.
 */
@inline export function udpParse(ptr: usize, len: u32, repr: usize): i32 {
  if (len < UDP_HDR_LEN) return -(<i32>DROP_PKT_TOO_SMALL);
  const ulen = ld16(ptr + LEN);
  store<u16>(repr + UDP_SPORT, <u16>ld16(ptr + SPORT));
  store<u16>(repr + UDP_DPORT, <u16>ld16(ptr + DPORT));
  store<u16>(repr + UDP_LEN, <u16>ulen);
  store<u16>(repr + UDP_CHECKSUM, <u16>ld16(ptr + CHECK));
  if (ulen > len || ulen < UDP_HDR_LEN) return -(<i32>DROP_PKT_TOO_SMALL);
  return <i32>UDP_HDR_LEN;
}

/**
 * 1 when the datagram of `ulen` bytes at ptr has a correct checksum (pseudo-header included) or a
 * zero one (not computed: RFC 768, accepted by udp4_csum_init), else 0.
 */
@inline export function udpChecksumValid(ptr: usize, ulen: u32, saddr: u32, daddr: u32): i32 {
  if (load<u16>(ptr + CHECK) == 0) return 1;
  return csumTcpudpMagic(saddr, daddr, ulen, IPPROTO_UDP, csumPartial(ptr, ulen, 0)) == 0 ? 1 : 0;
}

/** Writes the 8-byte header from the repr (checksum as stored). Returns 8 or EMIT_NO_ROOM. */
export function udpEmit(repr: usize, ptr: usize, cap: u32): i32 {
  if (cap < UDP_HDR_LEN) return EMIT_NO_ROOM;
  st16(ptr + SPORT, <u32>load<u16>(repr + UDP_SPORT));
  st16(ptr + DPORT, <u32>load<u16>(repr + UDP_DPORT));
  st16(ptr + LEN, <u32>load<u16>(repr + UDP_LEN));
  st16(ptr + CHECK, <u32>load<u16>(repr + UDP_CHECKSUM));
  return <i32>UDP_HDR_LEN;
}

/**
 * Computes the checksum of the `ulen`-byte datagram at ptr with the IPv4 pseudo-header and stores
 * it; a computed 0 is sent as 0xffff (RFC 768: 0 means "no checksum"; Linux CSUM_MANGLED_0).
 * Returns the value stored.
 */
export function udpChecksumFill(ptr: usize, ulen: u32, saddr: u32, daddr: u32): u32 {
  store<u16>(ptr + CHECK, 0);
  let c = csumTcpudpMagic(saddr, daddr, ulen, IPPROTO_UDP, csumPartial(ptr, ulen, 0));
  if (c == 0) c = 0xffff;
  st16(ptr + CHECK, c);
  return c;
}
