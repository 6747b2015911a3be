// TCP header and options (RFC 9293 section 3.1; options: MSS RFC 9293 3.7.1, window scale and
// timestamps RFC 7323, SACK RFC 2018).
// Linux: net/ipv4/tcp_ipv4.c tcp_v4_rcv() (header checks), net/ipv4/tcp_input.c tcp_parse_options()
// (options), net/ipv4/tcp_output.c tcp_options_write() (option layout on the wire).
//
// Options are read exactly as tcp_parse_options reads them: EOL ends the list; NOP is skipped; any
// other kind needs a length byte, and a length below 2 ("silly options") or past the end of the
// option space ("partial options") stops parsing without dropping the segment (we also record
// TCPO_MALFORMED); a known option with the wrong length is ignored; an unknown one is skipped by its
// length. When a kind repeats, the last one wins. Which options Linux then honours (MSS, window
// scale and SACK-permitted only on a SYN; timestamps and SACK only once negotiated) is the state
// machine's business: the repr records what is on the wire.
import { csumPartial, csumTcpudpMagic } from "../checksum";
import { DROP_PKT_TOO_SMALL } from "../dropreason";
import {
  TCP_ACK, TCP_CHECKSUM, TCP_DOFF, TCP_DPORT, TCP_FLAGS, TCP_MSS, TCP_OPT, TCP_RES, TCP_SACK,
  TCP_SACK_COUNT, TCP_SACK_MAX, TCP_SEQ, TCP_SPORT, TCP_TSECR, TCP_TSVAL, TCP_URG_PTR, TCP_WINDOW,
  TCP_WSCALE, TCPO_MALFORMED, TCPO_MSS, TCPO_SACK, TCPO_SACK_PERM, TCPO_TS, TCPO_UNKNOWN, TCPO_WSCALE,
} from "../memory";
import { EMIT_NO_ROOM, ld16, ld32, ld8, st16, st32, st8 } from "./be";
import { IPPROTO_TCP } from "./ipv4";

// Field offsets in the header.
const SPORT: u32 = 0;
const DPORT: u32 = 2;
const SEQ: u32 = 4;
const ACK_SEQ: u32 = 8;
const DOFF_RES: u32 = 12; // data offset (high nibble), reserved bits (low nibble)
const FLAGS: u32 = 13;
const WINDOW: u32 = 14;
const CHECK: u32 = 16;
const URG_PTR: u32 = 18;
export const TCP_HDR_LEN: u32 = 20; // without options
export const MAX_TCP_OPTION_SPACE: u32 = 40;

// Byte 13 (Linux TCPHDR_*, include/net/tcp.h)
export const TCPHDR_FIN: u32 = 0x01;
export const TCPHDR_SYN: u32 = 0x02;
export const TCPHDR_RST: u32 = 0x04;
export const TCPHDR_PSH: u32 = 0x08;
export const TCPHDR_ACK: u32 = 0x10;
export const TCPHDR_URG: u32 = 0x20;
export const TCPHDR_ECE: u32 = 0x40;
export const TCPHDR_CWR: u32 = 0x80;

// Option kinds and lengths (Linux TCPOPT_*, TCPOLEN_*)
export const TCPOPT_EOL: u32 = 0;
export const TCPOPT_NOP: u32 = 1;
export const TCPOPT_MSS: u32 = 2;
export const TCPOPT_WINDOW: u32 = 3;
export const TCPOPT_SACK_PERM: u32 = 4;
export const TCPOPT_SACK: u32 = 5;
export const TCPOPT_TIMESTAMP: u32 = 8;
const TCPOLEN_MSS: u32 = 4;
const TCPOLEN_WINDOW: u32 = 3;
const TCPOLEN_SACK_PERM: u32 = 2;
const TCPOLEN_TIMESTAMP: u32 = 10;
const TCPOLEN_SACK_BASE: u32 = 2;
const TCPOLEN_SACK_PERBLOCK: u32 = 8;
// The 32-bit words tcp_options_write() puts on the wire.
// NOP, NOP, TIMESTAMP, 10: also the aligned timestamp tcp_parse_aligned_timestamp() looks for.
const TS_ALIGNED_WORD: u32 =
  (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP;
const SACK_PERM_TS_WORD: u32 =
  (TCPOPT_SACK_PERM << 24) | (TCPOLEN_SACK_PERM << 16) | (TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP;
const NOP_NOP_SACK_PERM_WORD: u32 =
  (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_SACK_PERM << 8) | TCPOLEN_SACK_PERM;
const NOP_WSCALE_WORD: u32 = (TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) | (TCPOLEN_WINDOW << 8); // | wscale
const NOP_NOP_SACK_WORD: u32 = (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_SACK << 8); // | length

@inline export function tcpDoff(p: usize): u32 {
  return ld8(p + DOFF_RES) >> 4;
}

/**
 * Parses a TCP header from the `len` bytes of segment at ptr (the IP payload) into the TCP repr.
 * Returns the header length (doff * 4) or -DROP_PKT_TOO_SMALL when the segment is shorter than 20
 * bytes, doff < 5, or doff * 4 > len. (tcp_v4_rcv names PKT_TOO_SMALL only for doff < 5 and leaves
 * the two truncation cases unnamed; they are the same fault, so we name them alike.) The repr's base
 * fields are written whenever len >= 20; options only when the header is whole.
 */
@inline export function tcpParse(ptr: usize, len: u32, repr: usize): i32 {
  if (len < TCP_HDR_LEN) return -(<i32>DROP_PKT_TOO_SMALL);
  const dr = ld8(ptr + DOFF_RES);
  const doff = dr >> 4;
  store<u16>(repr + TCP_SPORT, <u16>ld16(ptr + SPORT));
  store<u16>(repr + TCP_DPORT, <u16>ld16(ptr + DPORT));
  store<u32>(repr + TCP_SEQ, ld32(ptr + SEQ));
  store<u32>(repr + TCP_ACK, ld32(ptr + ACK_SEQ));
  store<u8>(repr + TCP_DOFF, <u8>doff);
  store<u8>(repr + TCP_FLAGS, load<u8>(ptr + FLAGS));
  store<u16>(repr + TCP_WINDOW, <u16>ld16(ptr + WINDOW));
  store<u16>(repr + TCP_CHECKSUM, <u16>ld16(ptr + CHECK));
  store<u16>(repr + TCP_URG_PTR, <u16>ld16(ptr + URG_PTR));
  // res, opt, mss, wscale, nsack, pad (20..28), tsval, tsecr (28..36), SACK blocks (36..68)
  store<u64>(repr + TCP_RES, <u64>(dr & 0xf));
  store<u64>(repr + TCP_TSVAL, 0);
  const sk = repr + TCP_SACK;
  store<u64>(sk, 0);
  store<u64>(sk, 0, 8);
  store<u64>(sk, 0, 16);
  store<u64>(sk, 0, 24);
  if (doff < 5) return -(<i32>DROP_PKT_TOO_SMALL);
  const hlen = doff << 2;
  if (hlen > len) return -(<i32>DROP_PKT_TOO_SMALL);
  if (hlen > TCP_HDR_LEN) tcpParseOptions(ptr + TCP_HDR_LEN, hlen - TCP_HDR_LEN, repr);
  return <i32>hlen;
}

/** Linux: net/ipv4/tcp_input.c tcp_parse_options(). Writes TCP_OPT and the option fields. */
function tcpParseOptions(opt: usize, optLen: u32, repr: usize): void {
  // Fast path for the most common layout after the handshake (tcp_fast_parse_options).
  if (optLen == 12 && ld32(opt) == TS_ALIGNED_WORD) {
    store<u8>(repr + TCP_OPT, <u8>TCPO_TS);
    store<u32>(repr + TCP_TSVAL, ld32(opt + 4));
    store<u32>(repr + TCP_TSECR, ld32(opt + 8));
    return;
  }
  let p = opt;
  let length = <i32>optLen;
  let seen: u32 = 0;
  while (length > 0) {
    const kind = ld8(p);
    if (kind == TCPOPT_EOL) break;
    if (kind == TCPOPT_NOP) {
      p++;
      length--;
      continue;
    }
    if (length < 2) {
      seen |= TCPO_MALFORMED;
      break;
    }
    const size = ld8(p + 1);
    if (size < 2 || <i32>size > length) {
      seen |= TCPO_MALFORMED; // "silly options" / "don't parse partial options"
      break;
    }
    if (kind == TCPOPT_MSS) {
      if (size == TCPOLEN_MSS) {
        seen |= TCPO_MSS;
        store<u16>(repr + TCP_MSS, <u16>ld16(p + 2));
      }
    } else if (kind == TCPOPT_WINDOW) {
      if (size == TCPOLEN_WINDOW) {
        seen |= TCPO_WSCALE;
        store<u8>(repr + TCP_WSCALE, load<u8>(p + 2));
      }
    } else if (kind == TCPOPT_SACK_PERM) {
      if (size == TCPOLEN_SACK_PERM) seen |= TCPO_SACK_PERM;
    } else if (kind == TCPOPT_TIMESTAMP) {
      if (size == TCPOLEN_TIMESTAMP) {
        seen |= TCPO_TS;
        store<u32>(repr + TCP_TSVAL, ld32(p + 2));
        store<u32>(repr + TCP_TSECR, ld32(p + 6));
      }
    } else if (kind == TCPOPT_SACK) {
      if (size >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
          (size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK == 0) {
        const n = (size - TCPOLEN_SACK_BASE) >> 3; // <= 4: size <= 40
        seen |= TCPO_SACK;
        store<u8>(repr + TCP_SACK_COUNT, <u8>n);
        const dst = repr + TCP_SACK;
        for (let i: u32 = 0; i < n; i++) {
          store<u32>(dst + i * 8, ld32(p + 2 + i * 8));
          store<u32>(dst + i * 8 + 4, ld32(p + 6 + i * 8));
        }
      }
    } else {
      seen |= TCPO_UNKNOWN;
    }
    p += size;
    length -= <i32>size;
  }
  store<u8>(repr + TCP_OPT, <u8>seen);
}

/** 1 when the `len`-byte segment at ptr has a correct checksum with the IPv4 pseudo-header, else 0. */
@inline export function tcpChecksumValid(ptr: usize, len: u32, saddr: u32, daddr: u32): i32 {
  return csumTcpudpMagic(saddr, daddr, len, IPPROTO_TCP, csumPartial(ptr, len, 0)) == 0 ? 1 : 0;
}

/** Bytes of options tcpEmit writes for the repr (a multiple of 4, at most 40). */
export function tcpOptionsSize(repr: usize): u32 {
  const opt = <u32>load<u8>(repr + TCP_OPT);
  let size: u32 = 0;
  if (opt & TCPO_MSS) size += 4;
  if (opt & TCPO_TS) size += 12; // SACK_PERM rides in the TS word when both are present
  else if (opt & TCPO_SACK_PERM) size += 4;
  if (opt & TCPO_WSCALE) size += 4;
  return size + sackSize(repr, size);
}

// tcp_established_options(): as many SACK blocks as fit after the other options.
@inline function sackBlocks(repr: usize, size: u32): u32 {
  if (!(<u32>load<u8>(repr + TCP_OPT) & TCPO_SACK)) return 0;
  let n = <u32>load<u8>(repr + TCP_SACK_COUNT);
  if (n > TCP_SACK_MAX) n = TCP_SACK_MAX;
  const remaining = MAX_TCP_OPTION_SPACE - size;
  if (remaining < 4 + TCPOLEN_SACK_PERBLOCK) return 0;
  const fit = (remaining - 4) / TCPOLEN_SACK_PERBLOCK;
  return n < fit ? n : fit;
}

@inline function sackSize(repr: usize, size: u32): u32 {
  const n = sackBlocks(repr, size);
  return n ? 4 + n * TCPOLEN_SACK_PERBLOCK : 0;
}

/**
 * Writes the header and the options named in TCP_OPT, laid out as Linux's tcp_options_write() does:
 * MSS; then SACK_PERM + TIMESTAMP as one word pair (or NOP, NOP, TIMESTAMP); NOP, NOP, SACK_PERM
 * when there is no timestamp; NOP, WSCALE; NOP, NOP, SACK with as many blocks as fit. doff is
 * computed (TCP_DOFF is ignored); the checksum is written as stored in the repr: finish a built
 * segment with tcpChecksumFill. Returns the header length or EMIT_NO_ROOM.
 */
export function tcpEmit(repr: usize, ptr: usize, cap: u32): i32 {
  const opt = <u32>load<u8>(repr + TCP_OPT);
  const hlen = TCP_HDR_LEN + tcpOptionsSize(repr);
  if (cap < hlen) return EMIT_NO_ROOM;
  st16(ptr + SPORT, <u32>load<u16>(repr + TCP_SPORT));
  st16(ptr + DPORT, <u32>load<u16>(repr + TCP_DPORT));
  st32(ptr + SEQ, load<u32>(repr + TCP_SEQ));
  st32(ptr + ACK_SEQ, load<u32>(repr + TCP_ACK));
  st8(ptr + DOFF_RES, ((hlen >> 2) << 4) | (<u32>load<u8>(repr + TCP_RES) & 0xf));
  st8(ptr + FLAGS, <u32>load<u8>(repr + TCP_FLAGS));
  st16(ptr + WINDOW, <u32>load<u16>(repr + TCP_WINDOW));
  st16(ptr + CHECK, <u32>load<u16>(repr + TCP_CHECKSUM));
  st16(ptr + URG_PTR, <u32>load<u16>(repr + TCP_URG_PTR));
  let p = ptr + TCP_HDR_LEN;
  if (opt & TCPO_MSS) {
    st32(p, (TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) | <u32>load<u16>(repr + TCP_MSS));
    p += 4;
  }
  if (opt & TCPO_TS) {
    if (opt & TCPO_SACK_PERM) {
      st32(p, SACK_PERM_TS_WORD);
    } else {
      st32(p, TS_ALIGNED_WORD);
    }
    st32(p + 4, load<u32>(repr + TCP_TSVAL));
    st32(p + 8, load<u32>(repr + TCP_TSECR));
    p += 12;
  } else if (opt & TCPO_SACK_PERM) {
    st32(p, NOP_NOP_SACK_PERM_WORD);
    p += 4;
  }
  if (opt & TCPO_WSCALE) {
    st32(p, NOP_WSCALE_WORD | <u32>load<u8>(repr + TCP_WSCALE));
    p += 4;
  }
  const n = sackBlocks(repr, <u32>(p - ptr) - TCP_HDR_LEN);
  if (n) {
    st32(p, NOP_NOP_SACK_WORD | (TCPOLEN_SACK_BASE + n * TCPOLEN_SACK_PERBLOCK));
    p += 4;
    const src = repr + TCP_SACK;
    for (let i: u32 = 0; i < n; i++) {
      st32(p, load<u32>(src + i * 8));
      st32(p + 4, load<u32>(src + i * 8 + 4));
      p += 8;
    }
  }
  return <i32>hlen;
}

/**
 * Computes the checksum of the `len`-byte segment (header + payload) at ptr with the IPv4
 * pseudo-header and stores it. Returns the value stored.
 */
export function tcpChecksumFill(ptr: usize, len: u32, saddr: u32, daddr: u32): u32 {
  store<u16>(ptr + CHECK, 0);
  const c = csumTcpudpMagic(saddr, daddr, len, IPPROTO_TCP, csumPartial(ptr, len, 0));
  st16(ptr + CHECK, c);
  return c;
}
