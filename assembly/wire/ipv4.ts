// IPv4 header (RFC 791 section 3.1), validated as Linux's ip_rcv_core() does.
// Linux: net/ipv4/ip_input.c ip_rcv_core(); include/uapi/linux/ip.h struct iphdr.
//
// Options are reported by length (IPV4_OPT_LEN, FRAMEF_IP_OPTIONS) and not interpreted: Linux's
// ip_options_compile() (which can drop a packet with bad options as IP_INHDR) is not reproduced.
// Emit writes a 20-byte header without options.
import { ipFastCsum } from "../checksum";
import { DROP_IP_CSUM, DROP_IP_INHDR, DROP_PKT_TOO_SMALL } from "../dropreason";
import {
  IPV4_CHECKSUM, IPV4_DADDR, IPV4_FRAG_OFF, IPV4_ID, IPV4_IHL, IPV4_OPT_LEN, IPV4_PROTO, IPV4_SADDR,
  IPV4_TOS, IPV4_TOTAL_LEN, IPV4_TTL, IPV4_VERSION,
} from "../memory";
import { EMIT_NO_ROOM, ld16, ld32, ld8, st16, st32, st8 } from "./be";

// Field offsets in the header.
const VER_IHL: u32 = 0;
const TOS: u32 = 1;
const TOT_LEN: u32 = 2;
const ID: u32 = 4;
const FRAG_OFF: u32 = 6;
const TTL: u32 = 8;
const PROTOCOL: u32 = 9;
const CHECK: u32 = 10;
const SADDR: u32 = 12;
const DADDR: u32 = 16;
export const IPV4_HDR_LEN: u32 = 20; // without options
export const IPV4_HDR_MAX: u32 = 60;

export const IPPROTO_ICMP: u32 = 1;
export const IPPROTO_TCP: u32 = 6;
export const IPPROTO_UDP: u32 = 17;

// iph->frag_off bits (include/net/ip.h)
export const IP_CE: u32 = 0x8000;
export const IP_DF: u32 = 0x4000;
export const IP_MF: u32 = 0x2000;
export const IP_OFFSET: u32 = 0x1fff;

@inline export function ipv4Ihl(p: usize): u32 {
  return ld8(p + VER_IHL) & 0xf;
}

@inline export function ipv4TotalLen(p: usize): u32 {
  return ld16(p + TOT_LEN);
}

/** True when the header's frag_off says this is a fragment (MF set or a non-zero offset). */
@inline export function ipv4IsFragment(fragOff: u32): bool {
  return (fragOff & (IP_MF | IP_OFFSET)) != 0;
}

/**
 * Reads the 20-byte header into the IPV4 repr and checks version and IHL. Returns the header length
 * (IHL * 4) or -DROP_IP_INHDR. The repr is written whenever len >= 20.
 */
@inline export function ipv4ParseHeader(ptr: usize, len: u32, repr: usize): i32 {
  if (len < IPV4_HDR_LEN) return -(<i32>DROP_IP_INHDR); // ip_rcv_core: pskb_may_pull(sizeof(iphdr))
  const vi = ld8(ptr + VER_IHL);
  const version = vi >> 4;
  const ihl = vi & 0xf;
  store<u8>(repr + IPV4_VERSION, <u8>version);
  store<u8>(repr + IPV4_IHL, <u8>ihl);
  store<u8>(repr + IPV4_TOS, load<u8>(ptr + TOS));
  store<u8>(repr + IPV4_TTL, load<u8>(ptr + TTL));
  store<u16>(repr + IPV4_TOTAL_LEN, <u16>ld16(ptr + TOT_LEN));
  store<u16>(repr + IPV4_ID, <u16>ld16(ptr + ID));
  store<u16>(repr + IPV4_FRAG_OFF, <u16>ld16(ptr + FRAG_OFF));
  store<u8>(repr + IPV4_PROTO, load<u8>(ptr + PROTOCOL));
  store<u8>(repr + IPV4_OPT_LEN, <u8>(ihl > 5 ? (ihl << 2) - IPV4_HDR_LEN : 0));
  store<u16>(repr + IPV4_CHECKSUM, <u16>ld16(ptr + CHECK));
  store<u32>(repr + IPV4_SADDR, ld32(ptr + SADDR));
  store<u32>(repr + IPV4_DADDR, ld32(ptr + DADDR));
  if (ihl < 5 || version != 4) return -(<i32>DROP_IP_INHDR);
  const hlen = ihl << 2;
  if (hlen > len) return -(<i32>DROP_IP_INHDR); // pskb_may_pull(iph->ihl * 4)
  return <i32>hlen;
}

/**
 * Checks what ip_rcv_core checks after the header is in hand: the header checksum (-DROP_IP_CSUM),
 * then the total length against the bytes available (-DROP_PKT_TOO_SMALL, Linux's
 * IPSTATS_MIB_INTRUNCATEDPKTS) and against the header length (-DROP_IP_INHDR). Returns 0 when valid.
 * `ptr`/`len` as given to ipv4ParseHeader, which must have succeeded.
 */
@inline export function ipv4Validate(ptr: usize, len: u32, repr: usize): i32 {
  const ihl = <u32>load<u8>(repr + IPV4_IHL);
  if (ipFastCsum(ptr, ihl) != 0) return -(<i32>DROP_IP_CSUM);
  const tot = <u32>load<u16>(repr + IPV4_TOTAL_LEN);
  if (tot > len) return -(<i32>DROP_PKT_TOO_SMALL);
  if (tot < ihl << 2) return -(<i32>DROP_IP_INHDR);
  return 0;
}

/**
 * Parses and validates an IPv4 header as ip_rcv_core does. Returns the header length (IHL * 4) or
 * a negative drop reason: IP_INHDR (short, version, IHL, total length below IHL), IP_CSUM, or
 * PKT_TOO_SMALL (total length beyond the bytes given). Bytes past the total length (Ethernet
 * padding) are ignored, as pskb_trim_rcsum() drops them.
 */
export function ipv4Parse(ptr: usize, len: u32, repr: usize): i32 {
  const hlen = ipv4ParseHeader(ptr, len, repr);
  if (hlen < 0) return hlen;
  const r = ipv4Validate(ptr, len, repr);
  return r < 0 ? r : hlen;
}

/**
 * Writes a 20-byte header (version 4, IHL 5: options are not emitted) from the repr, with a correct
 * header checksum (the repr's IPV4_CHECKSUM is ignored). Returns 20 or EMIT_NO_ROOM.
 */
export function ipv4Emit(repr: usize, ptr: usize, cap: u32): i32 {
  if (cap < IPV4_HDR_LEN) return EMIT_NO_ROOM;
  st8(ptr + VER_IHL, 0x45);
  st8(ptr + TOS, <u32>load<u8>(repr + IPV4_TOS));
  st16(ptr + TOT_LEN, <u32>load<u16>(repr + IPV4_TOTAL_LEN));
  st16(ptr + ID, <u32>load<u16>(repr + IPV4_ID));
  st16(ptr + FRAG_OFF, <u32>load<u16>(repr + IPV4_FRAG_OFF));
  st8(ptr + TTL, <u32>load<u8>(repr + IPV4_TTL));
  st8(ptr + PROTOCOL, <u32>load<u8>(repr + IPV4_PROTO));
  store<u16>(ptr + CHECK, 0);
  st32(ptr + SADDR, load<u32>(repr + IPV4_SADDR));
  st32(ptr + DADDR, load<u32>(repr + IPV4_DADDR));
  ipv4ChecksumFill(ptr);
  return <i32>IPV4_HDR_LEN;
}

/** Recomputes the header checksum in place (Linux ip_send_check()). Returns the value stored. */
export function ipv4ChecksumFill(ptr: usize): u32 {
  store<u16>(ptr + CHECK, 0);
  const c = ipFastCsum(ptr, ipv4Ihl(ptr));
  st16(ptr + CHECK, c);
  return c;
}
