// One captured frame through the Wasm core: the bytes go to STAGING, parseFrame (or parseIpPacket
// for a raw-IP capture) fills the FRAME struct at FRAME_OUT, readFrame turns it into a FrameInfo.
// Every field and verdict here comes from the core; this module only adds what a printer needs
// around it: checksum verdicts with the value the core computes for a bad one, and the order of the
// TCP options on the wire (the TCP repr keeps their values, not their order or NOP padding).
import { type FrameInfo, frameInfo, readFrameFields } from "../core/frame.js";
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_RAW } from "./pcap.js";

export type L4Name = "tcp" | "udp" | "icmp";

/** What the core found about one checksum. `expected` is set for a bad one (computed by the core). */
export interface CsumVerdict {
  ok: boolean;
  /** The checksum field as captured. */
  value: number;
  expected?: number;
}

export interface L4CsumVerdict extends CsumVerdict {
  proto: L4Name;
  /** UDP sent without a checksum (field 0): nothing to verify. */
  none?: boolean;
}

/** One TCP option as it sits on the wire: its kind and its length byte (1 for EOL and NOP). */
export interface TcpOptionSlot {
  kind: number;
  len: number;
}

export interface Dissected {
  frame: FrameInfo;
  linkType: number;
  /** Bytes captured and handed to the core. */
  capLen: number;
  /** Bytes on the wire (pcap origlen). */
  origLen: number;
  /** Set when the frame has an IPv4 header whose checksum the core checked. */
  ipCsum?: CsumVerdict;
  /** Set when the core checked the TCP, UDP or ICMP checksum (or found UDP's absent). */
  l4Csum?: L4CsumVerdict;
  /** TCP options in wire order, when the TCP header was whole. `bad`: a length byte out of range. */
  tcpOptions?: { slots: TcpOptionSlot[]; bad: boolean };
}

/**
 * Hands `data` to the core and collects its verdict. `linkType`: LINKTYPE_ETHERNET, or
 * LINKTYPE_RAW / LINKTYPE_IPV4 (no link header). Frames longer than the staging area are cut to it.
 */
export function dissect(
  core: Core,
  data: Uint8Array,
  linkType = LINKTYPE_ETHERNET,
  origLen = data.length,
): Dissected {
  const len = Math.min(data.length, L.STAGING_SIZE);
  const ptr = L.STAGING_OFFSET;
  const out = L.FRAME_OUT_OFFSET;
  core.u8.set(data.subarray(0, len), ptr);
  if (linkType === LINKTYPE_ETHERNET) core.x.parseFrame(ptr, len, out);
  else if (linkType === LINKTYPE_RAW || linkType === LINKTYPE_IPV4) core.x.parseIpPacket(ptr, len, out);
  else throw new Error(`dissect: link type ${linkType} is not supported (1, 101 or 228)`);
  const fields = readFrameFields(core, out);
  const frame = frameInfo(fields);
  const d: Dissected = { frame, linkType, capLen: len, origLen: Math.max(origLen, len) };
  const reason = frame.reason;

  if (frame.ipv4) {
    const ok = (frame.flags & L.FRAMEF_IP_CSUM_OK) !== 0;
    if (ok || reason === L.DROP_IP_CSUM) {
      d.ipCsum = { ok, value: frame.ipv4.checksum };
      // The core recomputes the header checksum over our staging copy (which it may overwrite now).
      if (!ok) d.ipCsum.expected = core.x.ipv4ChecksumFill(ptr + frame.l3Off);
    }
  }

  const l4 = l4Of(frame);
  if (l4 && frame.ipv4) {
    const ok = (frame.flags & L.FRAMEF_L4_CSUM_OK) !== 0;
    const none = (frame.flags & L.FRAMEF_L4_CSUM_ZERO) !== 0;
    const badReason = { tcp: L.DROP_TCP_CSUM, udp: L.DROP_UDP_CSUM, icmp: L.DROP_ICMP_CSUM }[l4.proto];
    if (ok || none || reason === badReason) {
      d.l4Csum = { proto: l4.proto, ok, value: l4.checksum };
      if (none) d.l4Csum.none = true;
      if (!ok && !none) d.l4Csum.expected = correctL4Checksum(core, ptr, frame, fields.ipv4, l4.proto);
    }
  }

  if (frame.tcp && frame.l4Off && frame.tcp.doff > 5 && frame.l4Off + frame.tcp.doff * 4 <= len)
    d.tcpOptions = optionSlots(data, frame.l4Off + 20, frame.tcp.doff * 4 - 20);
  return d;
}

function l4Of(f: FrameInfo): { proto: L4Name; checksum: number } | undefined {
  if (f.tcp) return { proto: "tcp", checksum: f.tcp.checksum };
  if (f.udp) return { proto: "udp", checksum: f.udp.checksum };
  if (f.icmp) return { proto: "icmp", checksum: f.icmp.checksum };
  return undefined;
}

/** The checksum the core computes for the L4 segment in staging (it writes it there). */
function correctL4Checksum(
  core: Core,
  ptr: number,
  f: FrameInfo,
  ip: { saddr: number; daddr: number; ihl: number; totalLen: number },
  proto: L4Name,
): number {
  const seg = ptr + f.l4Off;
  const segLen = ip.totalLen - ip.ihl * 4;
  if (proto === "tcp") return core.x.tcpChecksumFill(seg, segLen, ip.saddr, ip.daddr);
  if (proto === "udp") return core.x.udpChecksumFill(seg, f.udp!.len, ip.saddr, ip.daddr);
  return core.x.icmpChecksumFill(seg, segLen);
}

/**
 * The kinds and length bytes of the TCP options, in wire order (for printing them as tcpdump does;
 * their values come from the core's TCP repr). Stops at EOL, or at a length byte below 2 or past the
 * option space (`bad`), where the core's option parser stops too.
 */
function optionSlots(
  data: Uint8Array,
  start: number,
  size: number,
): { slots: TcpOptionSlot[]; bad: boolean } {
  const slots: TcpOptionSlot[] = [];
  let p = start;
  const end = start + size;
  while (p < end) {
    const kind = data[p];
    if (kind === 0 || kind === 1) {
      slots.push({ kind, len: 1 });
      p++;
      if (kind === 0) break;
      continue;
    }
    const len = p + 1 < end ? data[p + 1] : 0;
    if (len < 2 || p + len > end) return { slots, bad: true };
    slots.push({ kind, len });
    p += len;
  }
  return { slots, bad: false };
}
