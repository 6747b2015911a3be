// Whole-frame dissection (parseFrame, parseIpPacket, parseBatch) and readFrame: the documented object
// for captured Linux frames, every class of bad frame with its drop reason, padding, VLAN, fragments,
// raw IP and the batch entry point. Every case runs on Wasm and on the twin.
import { beforeAll, describe, expect, it } from "vitest";
import type { FrameInfo } from "../src/core/frame.js";
import { readFrame } from "../src/core/frame.js";
import type { Core } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { ipv4ChecksumFill } from "../src/twin/wire/ipv4.js";
import { tcpChecksumFill } from "../src/twin/wire/tcp.js";
import { udpChecksumFill } from "../src/twin/wire/udp.js";
import { freshCore } from "./helpers/core.js";
import * as G from "./helpers/golden.js";
import { dvOf, hex, IN, twinFrameInfo, wasmFrameInfo } from "./helpers/wire.js";

const F = L;
const OK_TCP = F.FRAMEF_ETH | F.FRAMEF_IPV4 | F.FRAMEF_IP_CSUM_OK | F.FRAMEF_TCP | F.FRAMEF_L4_CSUM_OK;

let core: Core;
beforeAll(async () => {
  core = await freshCore();
});

/** Both implementations' readable objects for one frame; asserts they agree and returns one. */
function dissect(bytes: Uint8Array, raw = false): FrameInfo {
  const w = wasmFrameInfo(core, bytes, raw);
  expect(twinFrameInfo(bytes, raw)).toEqual(w);
  return w;
}

/** A copy of a captured frame, changed by `fn`, then its IP and L4 checksums recomputed if asked. */
function variant(
  frame: string,
  fn: (b: Uint8Array) => void,
  fix: { ip?: boolean; tcp?: boolean; udp?: boolean } = {},
): Uint8Array {
  const b = hex(frame);
  fn(b);
  const dv = dvOf(b);
  if (fix.ip) ipv4ChecksumFill(dv, 14);
  const segLen = ((b[16] << 8) | b[17]) - 20;
  const sa = dv.getUint32(26);
  const da = dv.getUint32(30);
  if (fix.tcp) tcpChecksumFill(dv, 34, segLen, sa, da);
  if (fix.udp) udpChecksumFill(dv, 34, (b[38] << 8) | b[39], sa, da);
  return b;
}

function padded(frame: string, len: number): Uint8Array {
  const b = new Uint8Array(len);
  b.set(hex(frame));
  return b;
}

describe("readFrame", () => {
  it("gives the documented object for a captured Linux SYN", () => {
    expect(dissect(hex(G.TCP_SYN))).toEqual({
      reason: 0,
      reasonName: "NOT_DROPPED_YET",
      flags: OK_TCP,
      len: 74,
      ethertype: 0x0800,
      l3Off: 14,
      l4Off: 34,
      payloadOff: 74,
      payloadLen: 0,
      eth: { dst: "02:00:00:00:00:02", src: "02:00:00:00:00:01", type: 0x0800 },
      ipv4: {
        version: 4,
        ihl: 5,
        tos: 0,
        totalLen: 60,
        id: 41111,
        df: true,
        mf: false,
        fragOffset: 0,
        ttl: 64,
        proto: 6,
        checksum: 0x8588,
        src: "10.77.0.1",
        dst: "10.77.0.2",
        optionsLen: 0,
      },
      tcp: {
        sport: 49172,
        dport: 8080,
        seq: 857637114,
        ack: 0,
        doff: 10,
        flags: L.TCPHDR_SYN,
        res: 0,
        window: 64240,
        checksum: 0x7973,
        urgent: 0,
        options: {
          mss: 1460,
          wscale: 10,
          sackOk: true,
          ts: { val: 3934863541, ecr: 0 },
          sack: [],
          unknown: false,
          malformed: false,
        },
      },
    });
  });

  it("gives ARP, ICMP (echo and quoted header) and UDP objects", () => {
    const arp = dissect(hex(G.ARP_REQUEST));
    expect(arp.flags).toBe(F.FRAMEF_ETH | F.FRAMEF_ARP);
    expect(arp.arp).toEqual({
      htype: 1,
      ptype: 0x0800,
      hlen: 6,
      plen: 4,
      op: 1,
      sha: "02:00:00:00:00:01",
      spa: "10.77.0.1",
      tha: "00:00:00:00:00:00",
      tpa: "10.77.0.2",
    });
    expect([arp.l3Off, arp.payloadOff, arp.payloadLen, arp.ipv4, arp.tcp]).toEqual([
      14,
      42,
      0,
      undefined,
      undefined,
    ]);

    const echo = dissect(hex(G.ICMP_ECHO));
    expect(echo.icmp).toEqual({
      type: 8,
      code: 0,
      checksum: 0x580e,
      rest: 0x45b90001,
      echo: { id: 17849, seq: 1 },
    });
    expect([echo.reason, echo.l4Off, echo.payloadOff, echo.payloadLen]).toEqual([0, 34, 42, 56]);

    const unreach = dissect(hex(G.ICMP_PORT_UNREACH));
    expect(unreach.icmp).toEqual({
      type: 3,
      code: 3,
      checksum: 0x11bd,
      rest: 0,
      quoted: { ihl: 5, proto: 17, src: "10.77.0.1", dst: "10.77.0.2", sport: 40000, dport: 9999 },
    });
    expect(unreach.flags & F.FRAMEF_L4_CSUM_OK).toBeTruthy();

    const te = dissect(hex(G.ICMP_TIME_EXCEEDED));
    expect(te.icmp).toEqual({
      type: 11,
      code: 0,
      checksum: 0x09c1,
      rest: 0,
      quoted: { ihl: 5, proto: 17, src: "10.77.0.1", dst: "10.78.0.5", sport: 40001, dport: 33434 },
    });
    expect([te.reason, te.payloadOff, te.payloadLen]).toEqual([0, 42, 35]);

    const udp = dissect(hex(G.UDP_DGRAM));
    expect(udp.udp).toEqual({ sport: 40000, dport: 9999, len: 18, checksum: 0xfe7c });
    expect([udp.reason, udp.payloadOff, udp.payloadLen]).toEqual([0, 42, 10]);
    expect(udp.flags).toBe(
      F.FRAMEF_ETH | F.FRAMEF_IPV4 | F.FRAMEF_IP_CSUM_OK | F.FRAMEF_UDP | F.FRAMEF_L4_CSUM_OK,
    );
  });

  it("passes every captured frame with its checksums verified", () => {
    for (const [name, frame] of Object.entries(G)) {
      const f = dissect(hex(frame));
      expect(f.reason, name).toBe(0);
      if (f.ipv4) expect(f.flags & (F.FRAMEF_IP_CSUM_OK | F.FRAMEF_L4_CSUM_OK), name).toBe(3);
    }
    const data = dissect(hex(G.TCP_DATA));
    expect([data.payloadOff, data.payloadLen]).toEqual([66, 5]);
  });
});

describe("Ethernet padding never counts as payload", () => {
  it("ARP, TCP, UDP and ICMP padded to 60 and 128 bytes", () => {
    for (const len of [60, 128]) {
      expect(dissect(padded(G.ARP_REPLY, len))).toMatchObject({ reason: 0, len, payloadLen: 0 });
      expect(dissect(padded(G.TCP_RST, len))).toMatchObject({
        reason: 0,
        len,
        payloadOff: 54,
        payloadLen: 0,
      });
      expect(dissect(padded(G.UDP_DGRAM, len))).toMatchObject({ reason: 0, payloadOff: 42, payloadLen: 10 });
      expect(dissect(padded(G.TCP_DATA, len + 11))).toMatchObject({
        reason: 0,
        payloadOff: 66,
        payloadLen: 5,
      });
    }
  });
});

describe("drop reasons, one per class of bad frame", () => {
  const E = F.FRAMEF_ETH;
  const EI = E | F.FRAMEF_IPV4;
  const EIC = EI | F.FRAMEF_IP_CSUM_OK;
  const cases: [string, () => Uint8Array, number, number][] = [
    ["empty frame", () => new Uint8Array(0), F.DROP_PKT_TOO_SMALL, 0],
    ["13 bytes", () => hex(G.TCP_SYN).slice(0, 13), F.DROP_PKT_TOO_SMALL, 0],
    ["VLAN tag cut", () => hex("020000000002 020000000001 8100 00"), F.DROP_PKT_TOO_SMALL, E | F.FRAMEF_VLAN],
    ["IPv6 ethertype", () => variant(G.TCP_SYN, (b) => b.set([0x86, 0xdd], 12)), F.DROP_UNHANDLED_PROTO, E],
    [
      "802.3 length field",
      () => variant(G.TCP_SYN, (b) => b.set([0x00, 0x3c], 12)),
      F.DROP_UNHANDLED_PROTO,
      E,
    ],
    ["ARP cut at 27 bytes", () => hex(G.ARP_REQUEST).slice(0, 41), F.DROP_PKT_TOO_SMALL, E],
    ["ARP hlen 8", () => variant(G.ARP_REQUEST, (b) => (b[18] = 8)), F.DROP_ARP_INVALID, E | F.FRAMEF_ARP],
    ["ARP op 3", () => variant(G.ARP_REQUEST, (b) => (b[21] = 3)), F.DROP_ARP_INVALID, E | F.FRAMEF_ARP],
    ["IPv4 cut at 19 bytes", () => hex(G.TCP_SYN).slice(0, 33), F.DROP_IP_INHDR, E],
    ["IP version 5", () => variant(G.TCP_SYN, (b) => (b[14] = 0x55), { ip: true }), F.DROP_IP_INHDR, EI],
    ["IHL 4", () => variant(G.TCP_SYN, (b) => (b[14] = 0x44)), F.DROP_IP_INHDR, EI],
    ["IHL 15 past the frame", () => variant(G.TCP_RST, (b) => (b[14] = 0x4f)), F.DROP_IP_INHDR, EI],
    ["IP checksum", () => variant(G.TCP_SYN, (b) => (b[24] ^= 0x80)), F.DROP_IP_CSUM, EI],
    ["IP TTL changed, checksum not", () => variant(G.TCP_SYN, (b) => (b[22] = 1)), F.DROP_IP_CSUM, EI],
    ["total length > frame", () => hex(G.TCP_SYN).slice(0, 73), F.DROP_PKT_TOO_SMALL, EIC],
    [
      "total length < IHL*4",
      () => variant(G.TCP_SYN, (b) => b.set([0, 16], 16), { ip: true }),
      F.DROP_IP_INHDR,
      EIC,
    ],
    [
      "other IP protocol (GRE)",
      () => variant(G.TCP_SYN, (b) => (b[23] = 47), { ip: true }),
      F.DROP_IP_NOPROTO,
      EIC,
    ],
    [
      "TCP under 20 bytes",
      () => variant(G.TCP_RST, (b) => b.set([0, 39], 16), { ip: true }),
      F.DROP_PKT_TOO_SMALL,
      EIC,
    ],
    [
      "TCP doff 4",
      () => variant(G.TCP_RST, (b) => (b[46] = 0x40), { tcp: true }),
      F.DROP_PKT_TOO_SMALL,
      EIC | F.FRAMEF_TCP,
    ],
    [
      "TCP doff 0",
      () => variant(G.TCP_RST, (b) => (b[46] = 0x00), { tcp: true }),
      F.DROP_PKT_TOO_SMALL,
      EIC | F.FRAMEF_TCP,
    ],
    [
      "TCP doff past the segment",
      () => variant(G.TCP_RST, (b) => (b[46] = 0x60)),
      F.DROP_PKT_TOO_SMALL,
      EIC | F.FRAMEF_TCP,
    ],
    ["TCP checksum", () => variant(G.TCP_DATA, (b) => (b[70] ^= 1)), F.DROP_TCP_CSUM, EIC | F.FRAMEF_TCP],
    [
      "TCP checksum (pseudo-header)",
      () => variant(G.TCP_SYN, (b) => (b[29] ^= 1), { ip: true }),
      F.DROP_TCP_CSUM,
      EIC | F.FRAMEF_TCP,
    ],
    [
      "UDP under 8 bytes",
      () => variant(G.UDP_DGRAM, (b) => b.set([0, 27], 16), { ip: true }),
      F.DROP_PKT_TOO_SMALL,
      EIC,
    ],
    [
      "UDP length 7",
      () => variant(G.UDP_DGRAM, (b) => (b[39] = 7)),
      F.DROP_PKT_TOO_SMALL,
      EIC | F.FRAMEF_UDP,
    ],
    [
      "UDP length past the IP payload",
      () => variant(G.UDP_DGRAM, (b) => (b[39] = 19)),
      F.DROP_PKT_TOO_SMALL,
      EIC | F.FRAMEF_UDP,
    ],
    ["UDP checksum", () => variant(G.UDP_DGRAM, (b) => (b[45] ^= 4)), F.DROP_UDP_CSUM, EIC | F.FRAMEF_UDP],
    [
      "ICMP under 8 bytes",
      () => variant(G.ICMP_ECHO, (b) => b.set([0, 27], 16), { ip: true }),
      F.DROP_PKT_TOO_SMALL,
      EIC,
    ],
    ["ICMP checksum", () => variant(G.ICMP_ECHO, (b) => (b[97] ^= 1)), F.DROP_ICMP_CSUM, EIC | F.FRAMEF_ICMP],
    [
      "ICMP type 40",
      () => variant(G.ICMP_ECHO, (b) => b.set([40, 0, 0x38], 34)), // type 8 -> 40, checksum 0x58 -> 0x38
      F.DROP_UNHANDLED_PROTO,
      EIC | F.FRAMEF_ICMP,
    ],
    [
      "ICMP error quoting too little",
      () => cutIcmp(G.ICMP_PORT_UNREACH, 8 + 27),
      F.DROP_ICMP_INVALID,
      EIC | F.FRAMEF_ICMP,
    ],
  ];

  it.each(cases)("%s", (_case, make, reason, flags) => {
    const f = dissect(make());
    expect(f.reasonName).toBe(L.DROP_REASON_NAMES[reason]);
    expect(f.reason).toBe(reason);
    expect(f.flags).toBe(flags);
  });
});

/** The captured ICMP error cut to `icmpLen` bytes, with IP length and ICMP checksum fixed. */
function cutIcmp(frame: string, icmpLen: number): Uint8Array {
  const b = hex(frame).slice(0, 34 + icmpLen);
  b[16] = (20 + icmpLen) >> 8;
  b[17] = (20 + icmpLen) & 0xff;
  const dv = dvOf(b);
  ipv4ChecksumFill(dv, 14);
  dv.setUint16(36, 0);
  let s = 0;
  for (let i = 34; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  dv.setUint16(36, ~s & 0xffff);
  return b;
}

describe("VLAN, fragments, UDP without checksum", () => {
  it("dissects IPv4 behind an 802.1Q tag", () => {
    const syn = hex(G.TCP_SYN);
    const tagged = new Uint8Array(syn.length + 4);
    tagged.set(syn.subarray(0, 12));
    tagged.set([0x81, 0x00, 0x20, 0x64], 12); // PCP 1, VID 100
    tagged.set(syn.subarray(12), 16);
    const f = dissect(tagged);
    expect(f.reason).toBe(0);
    expect(f.flags).toBe(OK_TCP | F.FRAMEF_VLAN);
    expect(f.eth?.vlan).toEqual({ tpid: 0x8100, pcp: 1, dei: 0, vid: 100 });
    expect([f.l3Off, f.l4Off, f.payloadOff]).toEqual([18, 38, 78]);
    expect(f.tcp?.options.mss).toBe(1460);
  });

  it("reports fragments (MF, or an offset) without dissecting L4", () => {
    const mf = dissect(variant(G.TCP_DATA, (b) => b.set([0x20, 0x00], 20), { ip: true }));
    expect(mf.reason).toBe(0);
    expect(mf.flags).toBe(F.FRAMEF_ETH | F.FRAMEF_IPV4 | F.FRAMEF_IP_CSUM_OK | F.FRAMEF_IP_FRAGMENT);
    expect(mf.ipv4).toMatchObject({ mf: true, df: false, fragOffset: 0 });
    expect([mf.tcp, mf.l4Off, mf.payloadOff, mf.payloadLen]).toEqual([undefined, 34, 34, 37]);
    const later = dissect(variant(G.TCP_DATA, (b) => b.set([0x00, 0xb9], 20), { ip: true }));
    expect(later.flags & F.FRAMEF_IP_FRAGMENT).toBeTruthy();
    expect(later.ipv4?.fragOffset).toBe(185 * 8);
    // a checksum-bad "fragment" is still a bad IP header first
    expect(dissect(variant(G.TCP_DATA, (b) => b.set([0x20, 0x00], 20))).reason).toBe(L.DROP_IP_CSUM);
  });

  it("accepts UDP checksum 0 (not computed) and flags it", () => {
    const f = dissect(variant(G.UDP_DGRAM, (b) => b.set([0, 0], 40)));
    expect(f.reason).toBe(0);
    expect(f.flags & (F.FRAMEF_L4_CSUM_ZERO | F.FRAMEF_L4_CSUM_OK)).toBe(F.FRAMEF_L4_CSUM_ZERO);
  });

  it("reports IP options and dissects past them", () => {
    // SYN with a 4-byte IP option word (NOP NOP NOP EOL): IHL 6
    const syn = hex(G.TCP_SYN);
    const b = new Uint8Array(syn.length + 4);
    b.set(syn.subarray(0, 34));
    b.set([1, 1, 1, 0], 34);
    b.set(syn.subarray(34), 38);
    b[14] = 0x46;
    b[17] += 4;
    ipv4ChecksumFill(dvOf(b), 14);
    const f = dissect(b);
    expect(f.reason).toBe(0);
    expect(f.flags & F.FRAMEF_IP_OPTIONS).toBeTruthy();
    expect([f.ipv4?.optionsLen, f.l4Off]).toEqual([4, 38]);
  });
});

describe("parseIpPacket (raw IP, no link header)", () => {
  it("dissects a captured segment without its Ethernet header", () => {
    const f = dissect(hex(G.TCP_SYN).slice(14), true);
    expect(f).toMatchObject({
      reason: 0,
      ethertype: 0x0800,
      l3Off: 0,
      l4Off: 20,
      payloadOff: 60,
      payloadLen: 0,
    });
    expect(f.flags).toBe(OK_TCP & ~F.FRAMEF_ETH);
    expect(f.eth).toBeUndefined();
  });

  it("refuses IPv6 as UNHANDLED_PROTO and garbage as IP_INHDR", () => {
    expect(dissect(hex("60000000 00000000"), true)).toMatchObject({
      reason: L.DROP_UNHANDLED_PROTO,
      ethertype: 0x86dd,
    });
    expect(dissect(new Uint8Array(0), true).reason).toBe(L.DROP_IP_INHDR);
    expect(dissect(hex("00"), true).reason).toBe(L.DROP_IP_INHDR);
  });
});

describe("parseBatch", () => {
  const frames = () => [
    ...Object.values(G).map(hex),
    hex(G.TCP_SYN).slice(0, 50),
    variant(G.UDP_DGRAM, (b) => (b[45] ^= 4)),
    padded(G.ARP_REQUEST, 60),
  ];

  it("dissects each frame as parseFrame does and counts the good ones", () => {
    const fs = frames();
    const desc = L.STAGING_OFFSET + 200 * 1024;
    let at = IN;
    fs.forEach((fr, i) => {
      core.u8.set(fr, at);
      core.dv.setUint32(desc + 8 * i, at, true);
      core.dv.setUint32(desc + 8 * i + 4, fr.length, true);
      at += fr.length + 3; // odd alignments on purpose
    });
    core.u8.fill(0xee, L.FRAME_OUT_OFFSET, L.FRAME_OUT_OFFSET + L.FRAME_OUT_SIZE);
    expect(core.x.parseBatch(desc, fs.length, L.FRAME_OUT_OFFSET)).toBe(fs.length - 2);
    fs.forEach((fr, i) => {
      expect(readFrame(core, L.FRAME_OUT_OFFSET + i * L.FRAME_SIZE)).toEqual(twinFrameInfo(fr));
    });
    // the slot after the last one was not written
    expect(core.u8[L.FRAME_OUT_OFFSET + fs.length * L.FRAME_SIZE]).toBe(0xee);
  });

  it("refuses more than FRAME_OUT_MAX frames and out-of-memory ranges; marks a bad descriptor", () => {
    const desc = L.STAGING_OFFSET + 200 * 1024;
    const end = core.x.memory.buffer.byteLength;
    expect(core.x.parseBatch(desc, L.FRAME_OUT_MAX + 1, L.FRAME_OUT_OFFSET)).toBe(-22);
    expect(core.x.parseBatch(end - 8, 2, L.FRAME_OUT_OFFSET)).toBe(-22);
    expect(core.x.parseBatch(desc, 2, end - L.FRAME_SIZE)).toBe(-22);
    expect(core.x.parseBatch(desc, 0, L.FRAME_OUT_OFFSET)).toBe(0);
    core.dv.setUint32(desc, end - 10, true);
    core.dv.setUint32(desc + 4, 64, true);
    expect(core.x.parseBatch(desc, 1, L.FRAME_OUT_OFFSET)).toBe(0);
    expect(readFrame(core, L.FRAME_OUT_OFFSET)).toMatchObject({
      reason: L.DROP_NOT_SPECIFIED,
      flags: 0,
      len: 64,
    });
  });

  it("parseFrame and parseIpPacket: a frame past the end of memory is NOT_SPECIFIED, a bad FRAME -EINVAL", () => {
    const end = core.x.memory.buffer.byteLength;
    for (const parse of [core.x.parseFrame, core.x.parseIpPacket]) {
      core.u8.fill(0xee, L.FRAME_OUT_OFFSET, L.FRAME_OUT_OFFSET + L.FRAME_SIZE);
      expect(parse(end - 10, 11, L.FRAME_OUT_OFFSET)).toBe(-L.DROP_NOT_SPECIFIED);
      expect(readFrame(core, L.FRAME_OUT_OFFSET)).toMatchObject({
        reason: L.DROP_NOT_SPECIFIED,
        flags: 0,
        len: 11,
      });
      core.u8.fill(0xee, L.FRAME_OUT_OFFSET, L.FRAME_OUT_OFFSET + L.FRAME_SIZE);
      expect(parse(IN, 60, end - 8)).toBe(-22);
      expect(parse(0xffff_fff0, 60, 0xffff_fff0)).toBe(-22);
      expect(core.u8[L.FRAME_OUT_OFFSET]).toBe(0xee);
    }
    expect(core.x.parseFrame(end - 10, 10, L.FRAME_OUT_OFFSET)).toBe(-L.DROP_PKT_TOO_SMALL);
  });
});
