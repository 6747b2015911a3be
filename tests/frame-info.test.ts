// The host helpers around readFrame: address formatting both ways, flag names, TCP flags as tcpdump.
import { describe, expect, it } from "vitest";
import {
  FrameFields,
  frameFlagNames,
  ipv4FromString,
  ipv4ToString,
  macFromString,
  macToString,
  tcpFlagString,
} from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";

describe("address strings", () => {
  it("formats and parses MACs and IPv4 addresses", () => {
    expect(macToString(0x02_00_00_00_00_01)).toBe("02:00:00:00:00:01");
    expect(macToString(0xffff_ffff_ffff)).toBe("ff:ff:ff:ff:ff:ff");
    expect(macToString(0)).toBe("00:00:00:00:00:00");
    expect(macFromString("0A:1b:2c:3d:4e:5F")).toBe(0x0a1b2c3d4e5f);
    expect(ipv4ToString(0x0a4d0001)).toBe("10.77.0.1");
    expect(ipv4ToString(0xffffffff)).toBe("255.255.255.255");
    expect(ipv4FromString("192.168.1.254")).toBe(0xc0a801fe);
    for (const a of [0, 1, 0x7f000001, 0xffffffff]) expect(ipv4FromString(ipv4ToString(a))).toBe(a);
    for (const m of [0, 1, 0x0a1b2c3d4e5f, 0xffff_ffff_ffff]) expect(macFromString(macToString(m))).toBe(m);
  });

  it("refuses malformed strings", () => {
    expect(() => ipv4FromString("10.0.0")).toThrow();
    expect(() => ipv4FromString("10.0.0.256")).toThrow();
    expect(() => ipv4FromString("a.b.c.d")).toThrow();
    expect(() => macFromString("02:00:00:00:00")).toThrow();
    expect(() => macFromString("02:00:00:00:00:0g")).toThrow();
  });
});

describe("flag names", () => {
  it("names FRAMEF_* bits in a fixed order", () => {
    expect(
      frameFlagNames(L.FRAMEF_ETH | L.FRAMEF_IPV4 | L.FRAMEF_IP_CSUM_OK | L.FRAMEF_TCP | L.FRAMEF_L4_CSUM_OK),
    ).toEqual(["IP_CSUM_OK", "L4_CSUM_OK", "ETH", "IPV4", "TCP"]);
    expect(frameFlagNames(0)).toEqual([]);
  });

  it("writes TCP flags as tcpdump does", () => {
    expect(tcpFlagString(L.TCPHDR_SYN)).toBe("S");
    expect(tcpFlagString(L.TCPHDR_SYN | L.TCPHDR_ACK)).toBe("S.");
    expect(tcpFlagString(L.TCPHDR_PSH | L.TCPHDR_ACK)).toBe("P.");
    expect(tcpFlagString(L.TCPHDR_FIN | L.TCPHDR_ACK)).toBe("F.");
    expect(tcpFlagString(L.TCPHDR_RST | L.TCPHDR_ACK)).toBe("R.");
    expect(tcpFlagString(L.TCPHDR_ACK)).toBe(".");
    expect(tcpFlagString(L.TCPHDR_SYN | L.TCPHDR_ECE | L.TCPHDR_CWR)).toBe("SEW");
    expect(tcpFlagString(0)).toBe("none");
  });
});

describe("FrameFields", () => {
  it("reset clears every field and keeps the repr objects", () => {
    const f = new FrameFields();
    const tcp = f.tcp;
    f.reason = 3;
    f.flags = 0xffff;
    f.tcp.seq = 7;
    f.tcp.sack[5] = 9;
    f.eth.dst = 1;
    f.icmp.qSaddr = 2;
    f.reset();
    expect(f).toEqual(new FrameFields());
    expect(f.tcp).toBe(tcp);
  });

  it("clearStale clears only the reprs that were present before and are not now", () => {
    const f = new FrameFields();
    f.tcp.seq = 1;
    f.udp.sport = 2;
    f.flags = L.FRAMEF_UDP;
    f.clearStale(L.FRAMEF_TCP | L.FRAMEF_UDP);
    expect([f.tcp.seq, f.udp.sport]).toEqual([0, 2]);
  });
});
