// The FRAME struct and the wire reprs (assembly/memory.ts) fit together as their diagrams say.
import { describe, expect, it } from "vitest";
import * as L from "../src/generated/layout.js";

/** [name, offset, size] of each field of a repr, from the generated layout. */
function fields(prefix: string, sizes: Record<string, number>): [string, number, number][] {
  return Object.entries(sizes).map(([n, size]) => {
    const off = (L as unknown as Record<string, number>)[`${prefix}_${n}`];
    expect(off, `${prefix}_${n}`).toBeTypeOf("number");
    return [n, off, size];
  });
}

function expectPacked(name: string, fs: [string, number, number][], total: number): void {
  const sorted = [...fs].sort((a, b) => a[1] - b[1]);
  let end = 0;
  for (const [n, off, size] of sorted) {
    expect(off, `${name}.${n} overlaps`).toBeGreaterThanOrEqual(end);
    const align = size % 4 === 0 ? 4 : size === 2 ? 2 : 1; // MACs are byte strings
    expect(off % align, `${name}.${n} alignment`).toBe(0);
    end = off + size;
  }
  expect(end, `${name} size`).toBeLessThanOrEqual(total);
}

describe("wire repr layouts", () => {
  it("each repr's fields are disjoint, aligned and inside its size", () => {
    expectPacked("ETH", fields("ETH", { DST: 6, SRC: 6, TYPE: 2, TPID: 2, TCI: 2 }), L.ETH_REPR_SIZE);
    const arp = { HTYPE: 2, PTYPE: 2, HLEN: 1, PLEN: 1, OP: 2, SPA: 4, TPA: 4, SHA: 6, THA: 6 };
    expectPacked("ARP", fields("ARP", arp), L.ARP_REPR_SIZE);
    const ip = { VERSION: 1, IHL: 1, TOS: 1, TTL: 1, TOTAL_LEN: 2, ID: 2, FRAG_OFF: 2, PROTO: 1, OPT_LEN: 1 };
    expectPacked("IPV4", fields("IPV4", { ...ip, CHECKSUM: 2, SADDR: 4, DADDR: 4 }), L.IPV4_REPR_SIZE);
    const icmp = { TYPE: 1, CODE: 1, CHECKSUM: 2, REST: 4, Q_IHL: 1, Q_PROTO: 1, Q_SPORT: 2, Q_DPORT: 2 };
    expectPacked("ICMP", fields("ICMP", { ...icmp, Q_SADDR: 4, Q_DADDR: 4 }), L.ICMP_REPR_SIZE);
    expectPacked("UDP", fields("UDP", { SPORT: 2, DPORT: 2, LEN: 2, CHECKSUM: 2 }), L.UDP_REPR_SIZE);
    const tcp = { SPORT: 2, DPORT: 2, SEQ: 4, ACK: 4, DOFF: 1, FLAGS: 1, WINDOW: 2, CHECKSUM: 2, URG_PTR: 2 };
    const opts = {
      RES: 1,
      OPT: 1,
      MSS: 2,
      WSCALE: 1,
      SACK_COUNT: 1,
      TSVAL: 4,
      TSECR: 4,
      SACK: 8 * L.TCP_SACK_MAX,
    };
    expectPacked("TCP", fields("TCP", { ...tcp, ...opts }), L.TCP_REPR_SIZE);
  });

  it("FRAME: header, ETH, L3 and L4 areas in order, each repr fits its area", () => {
    const hdr = { REASON: 4, FLAGS: 4, LEN: 4, L3_OFF: 2, L4_OFF: 2, PAYLOAD_OFF: 2, PAYLOAD_LEN: 4 };
    expectPacked("FRAME", fields("FRAME", hdr), L.FRAME_ETH);
    expect(L.FRAME_ETH + L.ETH_REPR_SIZE).toBeLessThanOrEqual(L.FRAME_L3);
    expect(L.FRAME_L3 + L.FRAME_L3_SIZE).toBeLessThanOrEqual(L.FRAME_L4);
    expect(L.FRAME_L4 + L.FRAME_L4_SIZE).toBe(L.FRAME_SIZE);
    for (const s of [L.ARP_REPR_SIZE, L.IPV4_REPR_SIZE]) expect(s).toBeLessThanOrEqual(L.FRAME_L3_SIZE);
    for (const s of [L.TCP_REPR_SIZE, L.UDP_REPR_SIZE, L.ICMP_REPR_SIZE])
      expect(s).toBeLessThanOrEqual(L.FRAME_L4_SIZE);
    expect(L.FRAME_ETHERTYPE).toBe(L.FRAME_ETH + L.ETH_TYPE);
    expect(L.FRAME_L3 % 8).toBe(0);
    expect(L.FRAME_L4 % 8).toBe(0);
    expect(L.FRAME_OUT_SIZE).toBe(L.FRAME_OUT_MAX * L.FRAME_SIZE);
  });

  it("FRAMEF_* and TCPO_* bits are distinct single bits", () => {
    const bits = (prefix: string) =>
      Object.entries(L)
        .filter(([n]) => n.startsWith(prefix))
        .map(([, v]) => v as number);
    for (const prefix of ["FRAMEF_", "TCPO_"]) {
      const b = bits(prefix);
      expect(b.length).toBeGreaterThan(5);
      for (const v of b) expect(v & (v - 1), `${prefix} ${v}`).toBe(0);
      expect(new Set(b).size).toBe(b.length);
    }
  });
});
