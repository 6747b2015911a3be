// Script <-> live number mapping (model.ts) and field-by-field matching with its messages (match.ts).
import { describe, expect, it } from "vitest";
import type { TcpPacketAst } from "../../src/packetdrill/ast.js";
import { type OutboundSegment, TH_ACK, TH_FIN, TH_PSH, TH_SYN } from "../../src/packetdrill/engine.js";
import { appendable, coalesce, compareSegment } from "../../src/packetdrill/match.js";
import {
  Flow,
  flagsText,
  inboundToLive,
  outboundToScript,
  parseFlags,
  type ScriptSegment,
  segmentText,
} from "../../src/packetdrill/model.js";
import { parseScript } from "../../src/packetdrill/parse.js";

const pkt = (line: string): TcpPacketAst => {
  const a = parseScript(line, "t").events[0].action;
  if (a.kind !== "tcp") throw new Error("not a tcp line");
  return a;
};

function flow(): Flow {
  const f = new Flow("192.168.0.1", "192.0.2.1", 49152, 8080);
  f.scriptRemoteIsn = 0;
  f.liveRemoteIsn = 0x7000_0000;
  f.scriptLocalIsn = 0;
  f.liveLocalIsn = 0xffff_fff0; // wraps
  return f;
}

const seg = (o: Partial<ScriptSegment>): ScriptSegment => ({
  flags: TH_ACK,
  seq: 1,
  ack: 1,
  window: 257,
  urg: 0,
  len: 0,
  options: [],
  atNs: 0,
  ...o,
});

const cfg = { tsTickUs: 0, toleranceUs: 4000 };

describe("flags", () => {
  it("reads and writes packetdrill's flag letters", () => {
    expect(parseFlags("S.")).toBe(TH_SYN | TH_ACK);
    expect(flagsText(parseFlags("FP."))).toBe("FP.");
    expect(flagsText(parseFlags("SEW"))).toBe("SEW");
    expect(parseFlags("-")).toBe(0);
    expect(flagsText(0)).toBe("-");
  });
});

describe("sequence mapping", () => {
  it("SYN numbers are absolute, others relative to the ISN, with u32 wrap", () => {
    const f = flow();
    f.scriptRemoteIsn = 10;
    f.liveRemoteIsn = 1000;
    expect(f.remoteToLive(10, true)).toBe(1000);
    expect(f.remoteToLive(1, false)).toBe(1001);
    expect(f.localToLive(1, false)).toBe(0xffff_fff1);
    expect(f.localToLive(100, false)).toBe(84);
    expect(f.localToScript(84, false)).toBe(100);
    expect(f.remoteToScript(1001, false)).toBe(1);
  });

  it("maps an outbound segment's seq, ack, SACK blocks and TS val into script space", () => {
    const f = flow();
    f.recordTs(100, 5_000_000);
    const live: OutboundSegment = {
      atNs: 0,
      srcIp: "192.168.0.1",
      dstIp: "192.0.2.1",
      srcPort: 8080,
      dstPort: 49152,
      seq: 0xffff_fff1,
      ack: 0x7000_0000 + 1001,
      flags: TH_ACK,
      window: 257,
      urg: 0,
      options: [
        { kind: "nop" },
        { kind: "nop" },
        { kind: "ts", val: 5_000_040, ecr: 700 },
        { kind: "sack", blocks: [[0x7000_0000 + 2001, 0x7000_0000 + 3001]] },
      ],
      payloadLen: 0,
    };
    const s = outboundToScript(f, live);
    expect(segmentText(s)).toBe(". 1:1(0) ack 1001 win 257 <nop,nop,TS val 140 ecr 700,sack 2001:3001>");
  });

  it("builds the live inbound segment: seq, ack, SACK and TS ecr mapped; GSO above the MTU", () => {
    const f = flow();
    f.recordTs(100, 5_000_000);
    const live = inboundToLive(
      f,
      pkt("+0 < . 1:60001(60000) ack 1 win 257 <nop,nop,TS val 200 ecr 100,sack 1:2>"),
      {
        tsEcrScaled: false,
        mtu: 1500,
        mss: 1000,
      },
    );
    expect(live).toMatchObject({
      srcIp: "192.0.2.1",
      dstIp: "192.168.0.1",
      srcPort: 49152,
      dstPort: 8080,
      seq: 0x7000_0001,
      ack: 0xffff_fff1,
      window: 257,
      payloadLen: 60000,
      gsoSize: 1000,
      options: [
        { kind: "nop" },
        { kind: "nop" },
        { kind: "ts", val: 200, ecr: 5_000_000 },
        { kind: "sack", blocks: [[0xffff_fff1, 0xffff_fff2]] },
      ],
    });
  });

  it("fails to map a TS ecr no outbound TS val stands for, unless --tcp_ts_ecr_scaled", () => {
    const f = flow();
    const p = pkt("+0 < . 1:1(0) ack 1 win 257 <nop,nop,TS val 200 ecr 150>");
    expect(inboundToLive(f, p, { tsEcrScaled: false, mtu: 1500, mss: 1460 })).toBe(
      "unable to infer live TS ecr for script TS ecr 150; no matching or preceding outbound TS val",
    );
    f.recordTs(100, 5_000_000);
    expect(inboundToLive(f, p, { tsEcrScaled: true, mtu: 1500, mss: 1460 })).toMatchObject({
      options: [{}, {}, { kind: "ts", ecr: 5_000_050 }],
    });
  });
});

describe("compareSegment", () => {
  const line = "+0 > P. 1:1001(1000) ack 1";
  it("matches a segment equal in every checked field (window unchecked without win)", () => {
    expect(
      compareSegment(pkt(line), seg({ flags: TH_PSH | TH_ACK, len: 1000, window: 999 }), cfg),
    ).toBeNull();
  });

  it("reports the first differing field, in packetdrill's order", () => {
    expect(compareSegment(pkt(line), seg({ flags: TH_ACK, len: 1000 }), cfg)?.text).toBe(
      "tcp flags: expected 'P.' vs actual '.'",
    );
    expect(compareSegment(pkt(line), seg({ flags: TH_PSH | TH_ACK, seq: 1001, len: 1000 }), cfg)?.text).toBe(
      "tcp seq: expected 1 vs actual 1001",
    );
    expect(compareSegment(pkt(line), seg({ flags: TH_PSH | TH_ACK, ack: 2, len: 1000 }), cfg)?.text).toBe(
      "tcp ack: expected 1 vs actual 2",
    );
    expect(compareSegment(pkt(line), seg({ flags: TH_PSH | TH_ACK, len: 500 }), cfg)?.text).toBe(
      "tcp payload: expected 1000 bytes vs actual 500 bytes",
    );
    expect(compareSegment(pkt("+0 > . 1:1(0) ack 1 win 0"), seg({ window: 5 }), cfg)?.text).toBe(
      "tcp window: expected 0 vs actual 5",
    );
  });

  it("compares the ack field even without the ACK flag (Linux's RST to a bare ACK)", () => {
    expect(
      compareSegment(pkt("+0 > R 1:1(0) ack 0 win 0"), seg({ flags: 4, ack: 0, window: 0 }), cfg),
    ).toBeNull();
    expect(compareSegment(pkt("+0 > R 1:1(0) win 0"), seg({ flags: 4, ack: 7, window: 0 }), cfg)?.field).toBe(
      "tcp ack",
    );
  });

  it("compares option lists exactly and in order, nop padding included", () => {
    const exp = pkt("+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
    const ok = seg({
      flags: TH_SYN | TH_ACK,
      seq: 0,
      options: [
        { kind: "mss", value: 1460 },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "sackOK" },
        { kind: "nop" },
        { kind: "wscale", value: 8 },
      ],
    });
    expect(compareSegment(exp, ok, cfg)).toBeNull();
    const reordered = {
      ...ok,
      options: [
        { kind: "sackOK" as const },
        { kind: "nop" as const },
        { kind: "nop" as const },
        ...ok.options.slice(0, 1),
        ...ok.options.slice(4),
      ],
    };
    expect(compareSegment(exp, reordered, cfg)?.text).toBe(
      "TCP options: expected <mss 1460,nop,nop,sackOK,nop,wscale 8> vs actual <sackOK,nop,nop,mss 1460,nop,wscale 8>",
    );
    const wscale7 = { ...ok, options: [...ok.options.slice(0, 5), { kind: "wscale" as const, value: 7 }] };
    expect(compareSegment(exp, wscale7, cfg)?.text).toBe("TCP option wscale: expected 8 vs actual 7");
  });

  it("<...> skips options; no list expects none", () => {
    const withTs = seg({ options: [{ kind: "nop" }, { kind: "nop" }, { kind: "ts", val: 1, ecr: 2 }] });
    expect(compareSegment(pkt("+0 > . 1:1(0) ack 1 <...>"), withTs, cfg)).toBeNull();
    expect(compareSegment(pkt("+0 > . 1:1(0) ack 1"), withTs, cfg)?.text).toBe(
      "TCP options: expected none vs actual <nop,nop,TS val 1 ecr 2>",
    );
  });

  it("checks TS val only with --tcp_ts_tick_usecs, within the tolerance; never TS ecr", () => {
    const exp = pkt("+0 > . 1:1(0) ack 1 <nop,nop,TS val 1200 ecr 200>");
    const act = seg({ options: [{ kind: "nop" }, { kind: "nop" }, { kind: "ts", val: 1210, ecr: 999 }] });
    expect(compareSegment(exp, act, cfg)).toBeNull();
    expect(compareSegment(exp, act, { tsTickUs: 1000, toleranceUs: 7000 })?.text).toBe(
      "bad outbound TCP timestamp value: expected TS val 1200 vs actual 1210 (tick 1000 us, tolerance 7000 us)",
    );
    expect(compareSegment(exp, act, { tsTickUs: 1000, toleranceUs: 10_000 })).toBeNull();
  });

  it("checks the ECN codepoint the line asks for when the engine reports TOS", () => {
    const exp = pkt("+0 > [ect0] P. 1:1001(1000) ack 1");
    expect(compareSegment(exp, seg({ flags: TH_PSH | TH_ACK, len: 1000, tos: 2 }), cfg)).toBeNull();
    expect(compareSegment(exp, seg({ flags: TH_PSH | TH_ACK, len: 1000, tos: 0 }), cfg)?.text).toBe(
      "ip ecn: expected 0x2 vs actual 0x0",
    );
  });
});

describe("TSO coalescing", () => {
  const base: OutboundSegment = {
    atNs: 5,
    srcIp: "a",
    dstIp: "b",
    srcPort: 1,
    dstPort: 2,
    seq: 1,
    ack: 1,
    flags: TH_ACK,
    window: 100,
    urg: 0,
    options: [],
    payloadLen: 1000,
  };
  const piece = (i: number, o: Partial<OutboundSegment> = {}) => ({ ...base, seq: 1 + 1000 * i, ...o });

  it("accepts contiguous MSS-sized pieces and builds one segment with PSH and FIN of the burst", () => {
    const burst = [piece(0), piece(1), piece(2, { flags: TH_ACK | TH_PSH | TH_FIN, payloadLen: 500 })];
    expect(appendable(burst[0], burst[0], burst[1], 1000, 2500)).toBeNull();
    expect(appendable(burst[0], burst[1], burst[2], 2000, 2500)).toBeNull();
    expect(coalesce(burst)).toMatchObject({
      seq: 1,
      payloadLen: 2500,
      flags: TH_ACK | TH_PSH | TH_FIN,
      atNs: 5,
    });
  });

  it("refuses gaps, changed ack or window, short middle pieces and data after FIN", () => {
    expect(appendable(piece(0), piece(0), piece(2), 1000, 3000)).toBe("sequence numbers are not contiguous");
    expect(appendable(piece(0), piece(0), piece(1, { ack: 9 }), 1000, 3000)).toBe("ack differs");
    expect(appendable(piece(0), piece(0), piece(1, { window: 9 }), 1000, 3000)).toBe("window differs");
    expect(appendable(piece(0), piece(0), piece(1, { payloadLen: 500 }), 1000, 3000)).toBe(
      "piece of 500 bytes where 1000 (MSS-sized) were expected",
    );
    expect(appendable(piece(0), piece(0, { flags: TH_ACK | TH_FIN }), piece(1), 1000, 3000)).toMatch(/FIN/);
    expect(appendable(piece(0), piece(0), piece(1, { flags: TH_SYN | TH_ACK }), 1000, 3000)).toMatch(/flags/);
  });
});
