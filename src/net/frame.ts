// The stack's view of one parsed frame: the FRAME struct the core's parseFrame wrote, read once into
// a flat object right after the call (the FRAME scratch is reused for the next frame).
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import type { Mac } from "./addr.js";
import type { TcpOptions } from "./tcp/segment.js";

export interface RxFrame {
  reason: number;
  flags: number;
  len: number;
  l3off: number;
  l4off: number;
  poff: number;
  plen: number;
  ethDst: Mac;
  ethSrc: Mac;
  ethType: number;
  ipSaddr: number;
  ipDaddr: number;
  ipProto: number;
  ipTtl: number;
  ipTos: number;
  ipId: number;
  ipTotalLen: number;
  sport: number;
  dport: number;
  tcp?: { seq: number; ack: number; flags: number; window: number; options: TcpOptions; doff: number };
  udp?: { len: number; checksum: number };
  icmp?: {
    type: number;
    code: number;
    rest: number;
    qproto: number;
    qsaddr: number;
    qdaddr: number;
    qsport: number;
    qdport: number;
  };
  arp?: { op: number; spa: number; tpa: number; sha: Mac; tha: Mac };
}

/** The options of the TCP repr at `l4` (a FRAME's L4 part), as the state machine takes them. */
export function tcpOptionsAt(core: Core, l4: number): TcpOptions {
  const dv = core.dv;
  const u8 = core.u8;
  const opt = u8[l4 + L.TCP_OPT];
  const options: TcpOptions = {};
  if (opt === 0) return options;
  if (opt & L.TCPO_MSS) options.mss = dv.getUint16(l4 + L.TCP_MSS, true);
  if (opt & L.TCPO_WSCALE) options.wscale = u8[l4 + L.TCP_WSCALE];
  if (opt & L.TCPO_SACK_PERM) options.sackOk = true;
  if (opt & L.TCPO_TS)
    options.ts = { val: dv.getUint32(l4 + L.TCP_TSVAL, true), ecr: dv.getUint32(l4 + L.TCP_TSECR, true) };
  if (opt & L.TCPO_SACK) {
    const n = u8[l4 + L.TCP_SACK_COUNT];
    options.sack = [];
    for (let i = 0; i < n; i++) {
      const b = l4 + L.TCP_SACK + i * 8;
      options.sack.push([dv.getUint32(b, true), dv.getUint32(b + 4, true)]);
    }
  }
  return options;
}

export function readFrame(core: Core, a: number): RxFrame {
  const dv = core.dv;
  const u8 = core.u8;
  const flags = dv.getUint32(a + L.FRAME_FLAGS, true);
  const eth = a + L.FRAME_ETH;
  const l3 = a + L.FRAME_L3;
  const l4 = a + L.FRAME_L4;
  const f: RxFrame = {
    reason: dv.getUint32(a + L.FRAME_REASON, true),
    flags,
    len: dv.getUint32(a + L.FRAME_LEN, true),
    l3off: dv.getUint16(a + L.FRAME_L3_OFF, true),
    l4off: dv.getUint16(a + L.FRAME_L4_OFF, true),
    poff: dv.getUint16(a + L.FRAME_PAYLOAD_OFF, true),
    plen: dv.getUint32(a + L.FRAME_PAYLOAD_LEN, true),
    ethDst: u8.slice(eth + L.ETH_DST, eth + L.ETH_DST + 6),
    ethSrc: u8.slice(eth + L.ETH_SRC, eth + L.ETH_SRC + 6),
    ethType: dv.getUint16(eth + L.ETH_TYPE, true),
    ipSaddr: 0,
    ipDaddr: 0,
    ipProto: 0,
    ipTtl: 0,
    ipTos: 0,
    ipId: 0,
    ipTotalLen: 0,
    sport: 0,
    dport: 0,
  };
  if (flags & L.FRAMEF_IPV4) {
    f.ipSaddr = dv.getUint32(l3 + L.IPV4_SADDR, true);
    f.ipDaddr = dv.getUint32(l3 + L.IPV4_DADDR, true);
    f.ipProto = u8[l3 + L.IPV4_PROTO];
    f.ipTtl = u8[l3 + L.IPV4_TTL];
    f.ipTos = u8[l3 + L.IPV4_TOS];
    f.ipId = dv.getUint16(l3 + L.IPV4_ID, true);
    f.ipTotalLen = dv.getUint16(l3 + L.IPV4_TOTAL_LEN, true);
  }
  if (flags & L.FRAMEF_ARP) {
    f.arp = {
      op: dv.getUint16(l3 + L.ARP_OP, true),
      spa: dv.getUint32(l3 + L.ARP_SPA, true),
      tpa: dv.getUint32(l3 + L.ARP_TPA, true),
      sha: u8.slice(l3 + L.ARP_SHA, l3 + L.ARP_SHA + 6),
      tha: u8.slice(l3 + L.ARP_THA, l3 + L.ARP_THA + 6),
    };
  }
  if (flags & L.FRAMEF_TCP) {
    f.sport = dv.getUint16(l4 + L.TCP_SPORT, true);
    f.dport = dv.getUint16(l4 + L.TCP_DPORT, true);
    f.tcp = {
      seq: dv.getUint32(l4 + L.TCP_SEQ, true),
      ack: dv.getUint32(l4 + L.TCP_ACK, true),
      flags: u8[l4 + L.TCP_FLAGS],
      window: dv.getUint16(l4 + L.TCP_WINDOW, true),
      options: tcpOptionsAt(core, l4),
      doff: u8[l4 + L.TCP_DOFF],
    };
  } else if (flags & L.FRAMEF_UDP) {
    f.sport = dv.getUint16(l4 + L.UDP_SPORT, true);
    f.dport = dv.getUint16(l4 + L.UDP_DPORT, true);
    f.udp = { len: dv.getUint16(l4 + L.UDP_LEN, true), checksum: dv.getUint16(l4 + L.UDP_CHECKSUM, true) };
  } else if (flags & L.FRAMEF_ICMP) {
    f.icmp = {
      type: u8[l4 + L.ICMP_TYPE],
      code: u8[l4 + L.ICMP_CODE],
      rest: dv.getUint32(l4 + L.ICMP_REST, true),
      qproto: u8[l4 + L.ICMP_Q_PROTO],
      qsaddr: dv.getUint32(l4 + L.ICMP_Q_SADDR, true),
      qdaddr: dv.getUint32(l4 + L.ICMP_Q_DADDR, true),
      qsport: dv.getUint16(l4 + L.ICMP_Q_SPORT, true),
      qdport: dv.getUint16(l4 + L.ICMP_Q_DPORT, true),
    };
  }
  return f;
}
