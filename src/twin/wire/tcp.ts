// Twin of assembly/wire/tcp.ts over a DataView: header checks as tcp_v4_rcv, options as Linux's
// tcp_parse_options(), emit in tcp_options_write()'s layout.
import type { TcpRepr } from "../../core/frame.js";
import {
  DROP_PKT_TOO_SMALL,
  IPPROTO_TCP,
  TCP_SACK_MAX,
  TCPO_MALFORMED,
  TCPO_MSS,
  TCPO_SACK,
  TCPO_SACK_PERM,
  TCPO_TS,
  TCPO_UNKNOWN,
  TCPO_WSCALE,
  TCPOPT_EOL,
  TCPOPT_MSS,
  TCPOPT_NOP,
  TCPOPT_SACK,
  TCPOPT_SACK_PERM,
  TCPOPT_TIMESTAMP,
  TCPOPT_WINDOW,
} from "../../generated/layout.js";
import { csumFold, csumPartial, csumPseudo } from "./csum.js";
import { EMIT_NO_ROOM } from "./ethernet.js";

export const TCP_HDR_LEN = 20;
const MAX_OPTION_SPACE = 40;
const TS_ALIGNED_WORD = 0x0101_080a; // NOP, NOP, TIMESTAMP, 10

export function tcpParse(dv: DataView, off: number, len: number, r: TcpRepr): number {
  if (len < TCP_HDR_LEN) return -DROP_PKT_TOO_SMALL;
  const dr = dv.getUint8(off + 12);
  const doff = dr >>> 4;
  r.sport = dv.getUint16(off);
  r.dport = dv.getUint16(off + 2);
  r.seq = dv.getUint32(off + 4);
  r.ack = dv.getUint32(off + 8);
  r.doff = doff;
  r.flags = dv.getUint8(off + 13);
  r.window = dv.getUint16(off + 14);
  r.checksum = dv.getUint16(off + 16);
  r.urg = dv.getUint16(off + 18);
  r.res = dr & 0xf;
  r.opt = r.mss = r.wscale = r.sackCount = r.tsval = r.tsecr = 0;
  const s = r.sack;
  s[0] = s[1] = s[2] = s[3] = s[4] = s[5] = s[6] = s[7] = 0;
  if (doff < 5) return -DROP_PKT_TOO_SMALL;
  const hlen = doff * 4;
  if (hlen > len) return -DROP_PKT_TOO_SMALL;
  if (hlen > TCP_HDR_LEN) tcpParseOptions(dv, off + TCP_HDR_LEN, hlen - TCP_HDR_LEN, r);
  return hlen;
}

function tcpParseOptions(dv: DataView, opt: number, optLen: number, r: TcpRepr): void {
  if (optLen === 12 && dv.getUint32(opt) === TS_ALIGNED_WORD) {
    r.opt = TCPO_TS;
    r.tsval = dv.getUint32(opt + 4);
    r.tsecr = dv.getUint32(opt + 8);
    return;
  }
  let p = opt;
  let length = optLen;
  let seen = 0;
  while (length > 0) {
    const kind = dv.getUint8(p);
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      p++;
      length--;
      continue;
    }
    if (length < 2) {
      seen |= TCPO_MALFORMED;
      break;
    }
    const size = dv.getUint8(p + 1);
    if (size < 2 || size > length) {
      seen |= TCPO_MALFORMED;
      break;
    }
    switch (kind) {
      case TCPOPT_MSS:
        if (size === 4) {
          seen |= TCPO_MSS;
          r.mss = dv.getUint16(p + 2);
        }
        break;
      case TCPOPT_WINDOW:
        if (size === 3) {
          seen |= TCPO_WSCALE;
          r.wscale = dv.getUint8(p + 2);
        }
        break;
      case TCPOPT_SACK_PERM:
        if (size === 2) seen |= TCPO_SACK_PERM;
        break;
      case TCPOPT_TIMESTAMP:
        if (size === 10) {
          seen |= TCPO_TS;
          r.tsval = dv.getUint32(p + 2);
          r.tsecr = dv.getUint32(p + 6);
        }
        break;
      case TCPOPT_SACK:
        if (size >= 10 && (size - 2) % 8 === 0) {
          const n = (size - 2) >>> 3;
          seen |= TCPO_SACK;
          r.sackCount = n;
          for (let i = 0; i < n; i++) {
            r.sack[2 * i] = dv.getUint32(p + 2 + 8 * i);
            r.sack[2 * i + 1] = dv.getUint32(p + 6 + 8 * i);
          }
        }
        break;
      default:
        seen |= TCPO_UNKNOWN;
    }
    p += size;
    length -= size;
  }
  r.opt = seen;
}

export function tcpChecksumValid(
  dv: DataView,
  off: number,
  len: number,
  saddr: number,
  daddr: number,
): boolean {
  return csumFold(csumPseudo(saddr, daddr, len, IPPROTO_TCP, csumPartial(dv, off, len, 0))) === 0;
}

function sackBlocks(r: TcpRepr, size: number): number {
  if (!(r.opt & TCPO_SACK)) return 0;
  const n = Math.min(r.sackCount, TCP_SACK_MAX);
  const remaining = MAX_OPTION_SPACE - size;
  if (remaining < 12) return 0;
  return Math.min(n, Math.floor((remaining - 4) / 8));
}

/** Option bytes tcpEmit writes for r. */
export function tcpOptionsSize(r: TcpRepr): number {
  let size = 0;
  if (r.opt & TCPO_MSS) size += 4;
  if (r.opt & TCPO_TS) size += 12;
  else if (r.opt & TCPO_SACK_PERM) size += 4;
  if (r.opt & TCPO_WSCALE) size += 4;
  const n = sackBlocks(r, size);
  return size + (n ? 4 + 8 * n : 0);
}

export function tcpEmit(r: TcpRepr, dv: DataView, off: number, cap: number): number {
  const hlen = TCP_HDR_LEN + tcpOptionsSize(r);
  if (cap < hlen) return EMIT_NO_ROOM;
  dv.setUint16(off, r.sport);
  dv.setUint16(off + 2, r.dport);
  dv.setUint32(off + 4, r.seq);
  dv.setUint32(off + 8, r.ack);
  dv.setUint8(off + 12, ((hlen >>> 2) << 4) | (r.res & 0xf));
  dv.setUint8(off + 13, r.flags);
  dv.setUint16(off + 14, r.window);
  dv.setUint16(off + 16, r.checksum);
  dv.setUint16(off + 18, r.urg);
  let p = off + TCP_HDR_LEN;
  if (r.opt & TCPO_MSS) {
    dv.setUint32(p, ((TCPOPT_MSS << 24) | (4 << 16) | r.mss) >>> 0);
    p += 4;
  }
  if (r.opt & TCPO_TS) {
    dv.setUint32(
      p,
      r.opt & TCPO_SACK_PERM
        ? (TCPOPT_SACK_PERM << 24) | (2 << 16) | (TCPOPT_TIMESTAMP << 8) | 10
        : TS_ALIGNED_WORD,
    );
    dv.setUint32(p + 4, r.tsval);
    dv.setUint32(p + 8, r.tsecr);
    p += 12;
  } else if (r.opt & TCPO_SACK_PERM) {
    dv.setUint32(p, (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_SACK_PERM << 8) | 2);
    p += 4;
  }
  if (r.opt & TCPO_WSCALE) {
    dv.setUint32(p, (TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) | (3 << 8) | r.wscale);
    p += 4;
  }
  const n = sackBlocks(r, p - off - TCP_HDR_LEN);
  if (n) {
    dv.setUint32(p, (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_SACK << 8) | (2 + 8 * n));
    p += 4;
    for (let i = 0; i < n; i++) {
      dv.setUint32(p, r.sack[2 * i]);
      dv.setUint32(p + 4, r.sack[2 * i + 1]);
      p += 8;
    }
  }
  return hlen;
}

export function tcpChecksumFill(
  dv: DataView,
  off: number,
  len: number,
  saddr: number,
  daddr: number,
): number {
  dv.setUint16(off + 16, 0);
  const c = csumFold(csumPseudo(saddr, daddr, len, IPPROTO_TCP, csumPartial(dv, off, len, 0)));
  dv.setUint16(off + 16, c);
  return c;
}
