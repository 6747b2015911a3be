// fast-check arbitraries for wire formats: random reprs of every header, and random VALID frames
// built from them with the twin's emitters (lengths and checksums right), plus byte-level mutations.
import fc from "fast-check";
import { ArpRepr, EthRepr, IcmpRepr, Ipv4Repr, TcpRepr, UdpRepr } from "../../src/core/frame.js";
import * as L from "../../src/generated/layout.js";
import { arpEmit } from "../../src/twin/wire/arp.js";
import { ethernetEmit } from "../../src/twin/wire/ethernet.js";
import { icmpChecksumFill, icmpEmit } from "../../src/twin/wire/icmp.js";
import { ipv4Emit } from "../../src/twin/wire/ipv4.js";
import { tcpChecksumFill, tcpEmit, tcpOptionsSize } from "../../src/twin/wire/tcp.js";
import { udpChecksumFill, udpEmit } from "../../src/twin/wire/udp.js";
import { dvOf } from "./wire.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const mac = fc.tuple(u16, u32).map(([hi, lo]) => hi * 0x1_0000_0000 + lo);

export const ethArb = fc
  .record({ dst: mac, src: mac, type: u16, vlan: fc.option(fc.tuple(fc.constantFrom(0x8100, 0x88a8), u16)) })
  .map(({ dst, src, type, vlan }) =>
    Object.assign(new EthRepr(), { dst, src, type, tpid: vlan ? vlan[0] : 0, tci: vlan ? vlan[1] : 0 }),
  );

export const arpArb = fc
  .record({
    htype: fc.constantFrom(L.ARPHRD_ETHER, L.ARPHRD_IEEE802),
    op: fc.constantFrom(L.ARPOP_REQUEST, L.ARPOP_REPLY),
    sha: mac,
    spa: u32,
    tha: mac,
    tpa: u32,
  })
  .map((o) => Object.assign(new ArpRepr(), { ptype: L.ETH_P_IP, hlen: 6, plen: 4 }, o));

/** An IPv4 repr as emit writes it (IHL 5); totalLen and checksum are set by the frame builder. */
export const ipArb = fc
  .record({ tos: u8, ttl: u8, id: u16, df: fc.boolean(), saddr: u32, daddr: u32 })
  .map(({ df, ...o }) => Object.assign(new Ipv4Repr(), { version: 4, ihl: 5, fragOff: df ? L.IP_DF : 0 }, o));

/** A TCP repr whose options fit (emit may drop SACK blocks that do not: see tcp_options_write). */
export const tcpArb = fc
  .record({
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    urg: u16,
    res: fc.integer({ min: 0, max: 15 }),
    mss: fc.option(u16),
    wscale: fc.option(u8),
    sackPerm: fc.boolean(),
    ts: fc.option(fc.tuple(u32, u32)),
    sack: fc.array(u32, { minLength: 0, maxLength: 8 }),
  })
  .map((o) => {
    const r = Object.assign(new TcpRepr(), {
      sport: o.sport,
      dport: o.dport,
      seq: o.seq,
      ack: o.ack,
      flags: o.flags,
      window: o.window,
      urg: o.urg,
      res: o.res,
    });
    if (o.mss !== null) {
      r.opt |= L.TCPO_MSS;
      r.mss = o.mss;
    }
    if (o.wscale !== null) {
      r.opt |= L.TCPO_WSCALE;
      r.wscale = o.wscale;
    }
    if (o.sackPerm) r.opt |= L.TCPO_SACK_PERM;
    if (o.ts) {
      r.opt |= L.TCPO_TS;
      r.tsval = o.ts[0];
      r.tsecr = o.ts[1];
    }
    const n = o.sack.length >> 1;
    if (n) {
      r.opt |= L.TCPO_SACK;
      r.sackCount = n;
      for (let i = 0; i < 2 * n; i++) r.sack[i] = o.sack[i];
    }
    return r;
  });

export const udpArb = fc
  .record({ sport: u16, dport: u16, len: u16, checksum: u16 })
  .map((o) => Object.assign(new UdpRepr(), o));

export const icmpArb = fc
  .record({ type: u8, code: u8, checksum: u16, rest: u32 })
  .map((o) => Object.assign(new IcmpRepr(), o));

export const payloadArb = fc.uint8Array({ minLength: 0, maxLength: 80 });

export type L4Kind = "tcp" | "udp" | "icmp-echo" | "icmp-error" | "arp";

export interface ValidFrame {
  bytes: Uint8Array;
  kind: L4Kind;
  eth: EthRepr;
  ip?: Ipv4Repr;
  tcp?: TcpRepr;
  arp?: ArpRepr;
  payloadLen: number;
}

function checksumIcmp(dv: DataView, off: number, len: number): void {
  icmpChecksumFill(dv, off, len);
}

/** Random valid frames: Ethernet (maybe tagged) + ARP, or IPv4 + TCP / UDP / ICMP, maybe padded. */
export const validFrameArb: fc.Arbitrary<ValidFrame> = fc
  .record({
    kind: fc.constantFrom<L4Kind>("tcp", "tcp", "udp", "icmp-echo", "icmp-error", "arp"),
    eth: ethArb,
    ip: ipArb,
    tcp: tcpArb,
    arp: arpArb,
    ports: fc.tuple(u16, u16),
    icmp: fc.record({
      id: u16,
      seq: u16,
      reply: fc.boolean(),
      errType: fc.constantFrom(3, 4, 5, 11, 12),
      code: u8,
    }),
    inner: fc.tuple(ipArb, fc.constantFrom(6, 17, 1), fc.uint8Array({ minLength: 8, maxLength: 24 })),
    payload: payloadArb,
    pad: fc.constantFrom(0, 0, 60, 64, 128),
  })
  .map((o) => {
    const buf = new Uint8Array(2048);
    const dv = dvOf(buf);
    const eth = o.eth;
    eth.type = o.kind === "arp" ? L.ETH_P_ARP : L.ETH_P_IP;
    const l3 = ethernetEmit(eth, dv, 0, 64);
    if (o.kind === "arp") {
      arpEmit(o.arp, dv, l3, 64);
      const len = Math.max(l3 + 28, o.pad);
      return { bytes: buf.slice(0, len), kind: o.kind, eth, arp: o.arp, payloadLen: 0 };
    }
    const ip = o.ip;
    const l4 = l3 + 20;
    let hlen = 0;
    let payload = o.payload;
    if (o.kind === "tcp") {
      ip.proto = L.IPPROTO_TCP;
      hlen = tcpEmit(o.tcp, dv, l4, 64);
    } else if (o.kind === "udp") {
      ip.proto = L.IPPROTO_UDP;
      hlen = udpEmit(
        Object.assign(new UdpRepr(), {
          sport: o.ports[0],
          dport: o.ports[1],
          len: 8 + payload.length,
          checksum: 0,
        }),
        dv,
        l4,
        8,
      );
    } else {
      ip.proto = L.IPPROTO_ICMP;
      const echo = o.kind === "icmp-echo";
      const r = Object.assign(new IcmpRepr(), {
        type: echo ? (o.icmp.reply ? L.ICMP_ECHOREPLY : L.ICMP_ECHO) : o.icmp.errType,
        code: echo ? 0 : o.icmp.code,
        rest: echo ? ((o.icmp.id << 16) | o.icmp.seq) >>> 0 : 0,
      });
      hlen = icmpEmit(r, dv, l4, 8);
      if (!echo) {
        // quote an inner datagram: its IP header and at least 8 bytes
        const [iip, iproto, ipay] = o.inner;
        const q = new Uint8Array(20 + ipay.length);
        iip.proto = iproto;
        iip.totalLen = q.length;
        ipv4Emit(iip, dvOf(q), 0, 20);
        q.set(ipay, 20);
        payload = q;
      }
    }
    buf.set(payload, l4 + hlen);
    const segLen = hlen + payload.length;
    ip.totalLen = 20 + segLen;
    ipv4Emit(ip, dv, l3, 20);
    if (o.kind === "tcp") tcpChecksumFill(dv, l4, segLen, ip.saddr, ip.daddr);
    else if (o.kind === "udp") udpChecksumFill(dv, l4, segLen, ip.saddr, ip.daddr);
    else checksumIcmp(dv, l4, segLen);
    const len = Math.max(l4 + segLen, o.pad);
    return {
      bytes: buf.slice(0, len),
      kind: o.kind,
      eth,
      ip,
      tcp: o.kind === "tcp" ? o.tcp : undefined,
      payloadLen: o.kind === "tcp" ? payload.length : o.kind === "udp" ? payload.length : segLen - 8,
    };
  });

/** Byte-level damage: flips, overwrites, truncation and extension. */
export const mutationArb = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat()),
  extra: fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 })),
});

export function mutate(
  b: Uint8Array,
  m: { flips: [number, number][]; cut: number | null; extra: Uint8Array | null },
): Uint8Array {
  let out = b.slice();
  for (const [at, x] of m.flips) if (out.length) out[at % out.length] ^= x;
  if (m.cut !== null && out.length) out = out.slice(0, m.cut % (out.length + 1));
  if (m.extra) {
    const e = new Uint8Array(out.length + m.extra.length);
    e.set(out);
    e.set(m.extra, out.length);
    out = e;
  }
  return out;
}

/** Options tcpEmit writes (for expectations about SACK blocks dropped for space). */
export function emittedSackBlocks(r: TcpRepr): number {
  const size = tcpOptionsSize(r);
  const other =
    (r.opt & L.TCPO_MSS ? 4 : 0) +
    (r.opt & L.TCPO_TS ? 12 : r.opt & L.TCPO_SACK_PERM ? 4 : 0) +
    (r.opt & L.TCPO_WSCALE ? 4 : 0);
  return size > other ? (size - other - 4) / 8 : 0;
}
