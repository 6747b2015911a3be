// ICMP for IPv4 (RFC 792): the 8-byte header, echo (id, seq), and the error messages that quote the
// original IP header plus at least 8 bytes of its payload (destination unreachable, source quench,
// redirect, time exceeded, parameter problem).
// Linux: net/ipv4/icmp.c icmp_rcv(), icmp_unreach(), icmp_socket_deliver().
import { csumFold, csumPartial } from "../checksum";
import { DROP_ICMP_CSUM, DROP_ICMP_INVALID, DROP_PKT_TOO_SMALL, DROP_UNHANDLED_PROTO } from "../dropreason";
import {
  ICMP_CHECKSUM, ICMP_CODE, ICMP_Q_DADDR, ICMP_Q_DPORT, ICMP_Q_IHL, ICMP_Q_PROTO, ICMP_Q_SADDR,
  ICMP_Q_SPORT, ICMP_REST, ICMP_TYPE,
} from "../memory";
import { EMIT_NO_ROOM, ld16, ld32, ld8, st16, st32, st8 } from "./be";

// Field offsets in the header.
const TYPE: u32 = 0;
const CODE: u32 = 1;
const CHECKSUM: u32 = 2;
const REST: u32 = 4; // echo: ID at 4, SEQUENCE at 6
export const ICMP_HDR_LEN: u32 = 8;

export const ICMP_ECHOREPLY: u32 = 0;
export const ICMP_DEST_UNREACH: u32 = 3;
export const ICMP_SOURCE_QUENCH: u32 = 4;
export const ICMP_REDIRECT: u32 = 5;
export const ICMP_ECHO: u32 = 8;
export const ICMP_TIME_EXCEEDED: u32 = 11;
export const ICMP_PARAMETERPROB: u32 = 12;
export const NR_ICMP_TYPES: u32 = 18;
export const ICMP_EXT_ECHO: u32 = 42; // RFC 8335 PROBE
export const ICMP_EXT_ECHOREPLY: u32 = 43;

/** True for the types whose body quotes an offending datagram (icmp_pointers[].error in Linux). */
@inline export function icmpIsError(type: u32): bool {
  return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
    type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/**
 * Parses an ICMP message of `len` bytes (the whole IP payload: the checksum covers it) into the
 * ICMP repr. Returns ICMP_HDR_LEN or a negative drop reason:
 *   PKT_TOO_SMALL   shorter than 8 bytes (Linux checks the checksum first and then fails the
 *                   pskb_pull with an unnamed reason; a message this short is dropped either way)
 *   ICMP_CSUM       checksum over the message is wrong
 *   UNHANDLED_PROTO type above NR_ICMP_TYPES other than the RFC 8335 PROBE pair (RFC 1122 3.2.2)
 *   ICMP_INVALID    an error message whose quoted IP header is cut short, has IHL < 5, or lacks the
 *                   8 payload bytes (icmp_unreach / icmp_socket_deliver)
 */
export function icmpParse(ptr: usize, len: u32, repr: usize): i32 {
  if (len < ICMP_HDR_LEN) return -(<i32>DROP_PKT_TOO_SMALL);
  const type = ld8(ptr + TYPE);
  store<u8>(repr + ICMP_TYPE, <u8>type);
  store<u8>(repr + ICMP_CODE, load<u8>(ptr + CODE));
  store<u16>(repr + ICMP_CHECKSUM, <u16>ld16(ptr + CHECKSUM));
  store<u32>(repr + ICMP_REST, ld32(ptr + REST));
  store<u64>(repr + ICMP_Q_IHL, 0); // q ihl, proto, sport, dport
  store<u64>(repr + ICMP_Q_SADDR, 0); // q saddr, daddr
  if (csumFold(csumPartial(ptr, len, 0)) != 0) return -(<i32>DROP_ICMP_CSUM);
  if (type > NR_ICMP_TYPES && type != ICMP_EXT_ECHO && type != ICMP_EXT_ECHOREPLY) {
    return -(<i32>DROP_UNHANDLED_PROTO);
  }
  if (icmpIsError(type)) {
    const q = ptr + ICMP_HDR_LEN;
    const qlen = len - ICMP_HDR_LEN;
    if (qlen < 20) return -(<i32>DROP_ICMP_INVALID);
    const qihl = ld8(q) & 0xf;
    if (qihl < 5 || qlen < (qihl << 2) + 8) return -(<i32>DROP_ICMP_INVALID);
    store<u8>(repr + ICMP_Q_IHL, <u8>qihl);
    store<u8>(repr + ICMP_Q_PROTO, load<u8>(q + 9));
    store<u32>(repr + ICMP_Q_SADDR, ld32(q + 12));
    store<u32>(repr + ICMP_Q_DADDR, ld32(q + 16));
    store<u16>(repr + ICMP_Q_SPORT, <u16>ld16(q + (qihl << 2)));
    store<u16>(repr + ICMP_Q_DPORT, <u16>ld16(q + (qihl << 2) + 2));
  }
  return <i32>ICMP_HDR_LEN;
}

/**
 * Writes the 8-byte header from the repr (checksum as stored: finish a built message with
 * icmpChecksumFill). The quoted fields are not written: the caller appends the quoted datagram.
 * Returns 8 or EMIT_NO_ROOM.
 */
export function icmpEmit(repr: usize, ptr: usize, cap: u32): i32 {
  if (cap < ICMP_HDR_LEN) return EMIT_NO_ROOM;
  st8(ptr + TYPE, <u32>load<u8>(repr + ICMP_TYPE));
  st8(ptr + CODE, <u32>load<u8>(repr + ICMP_CODE));
  st16(ptr + CHECKSUM, <u32>load<u16>(repr + ICMP_CHECKSUM));
  st32(ptr + REST, load<u32>(repr + ICMP_REST));
  return <i32>ICMP_HDR_LEN;
}

/** Computes the checksum of the `len`-byte message at ptr and stores it. Returns the value stored. */
export function icmpChecksumFill(ptr: usize, len: u32): u32 {
  store<u16>(ptr + CHECKSUM, 0);
  const c = csumFold(csumPartial(ptr, len, 0));
  st16(ptr + CHECKSUM, c);
  return c;
}
