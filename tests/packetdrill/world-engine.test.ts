// The packetdrill Engine over a wirestack World: the test device's wire format (options in script
// order, checksums the core accepts), time driven by the runner, syscalls and sysctls, and whole
// scripts through the runner.
import { describe, expect, it } from "vitest";
import * as L from "../../src/generated/layout.js";
import { readFrame } from "../../src/net/frame.js";
import type { EngineSettings, InboundTcp, TcpOption } from "../../src/packetdrill/engine.js";
import { TH_ACK, TH_SYN } from "../../src/packetdrill/engine.js";
import { createEngine } from "../../src/packetdrill/engine-default.js";
import { parseScript } from "../../src/packetdrill/parse.js";
import { runScript } from "../../src/packetdrill/run.js";
import { WorldEngine } from "../../src/packetdrill/world-engine.js";
import { decodeOptions, encodeOptions, TestWire } from "../../src/packetdrill/world-wire.js";
import { freshCore } from "../helpers/core.js";

const SETTINGS: EngineSettings = {
  localIp: "192.168.0.1",
  remoteIp: "192.0.2.1",
  gatewayIp: "192.168.0.2",
  netmask: "255.255.0.0",
  mtu: 1500,
  bindPort: 8080,
  connectPort: 8080,
};

const hex = (b: Uint8Array) => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");

describe("test device wire format", () => {
  it("encodes options in the script's order, padded with EOL to 32 bits", () => {
    const list: TcpOption[] = [
      { kind: "mss", value: 1000 },
      { kind: "sackOK" },
      { kind: "nop" },
      { kind: "wscale", value: 8 },
    ];
    const b = encodeOptions(list)!;
    expect(hex(b)).toBe("020403e8" + "0402" + "01" + "030308" + "0000");
    expect(decodeOptions(b)).toEqual([...list, { kind: "eol" }]);
  });

  it("round-trips timestamps and SACK blocks and refuses more than 40 bytes", () => {
    const list: TcpOption[] = [
      { kind: "nop" },
      { kind: "nop" },
      { kind: "ts", val: 0x01020304, ecr: 0xfffffffe },
      { kind: "nop" },
      { kind: "nop" },
      {
        kind: "sack",
        blocks: [
          [1, 2],
          [0xfffffff0, 5],
        ],
      },
    ];
    const b = encodeOptions(list)!;
    expect(b.length).toBe(32);
    expect(hex(b.subarray(0, 12))).toBe("0101080a01020304fffffffe");
    expect(decodeOptions(b)).toEqual(list);
    const tooMany: TcpOption[] = [
      {
        kind: "sack",
        blocks: [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
      },
      { kind: "ts", val: 1, ecr: 2 },
    ];
    expect(encodeOptions(tooMany)).toBeNull();
  });

  it("builds an inbound segment the core parses with valid checksums", async () => {
    const core = await freshCore();
    const wire = new TestWire(core);
    const seg: InboundTcp = {
      proto: "tcp",
      srcIp: "192.0.2.1",
      dstIp: "192.168.0.1",
      srcPort: 49152,
      dstPort: 8080,
      seq: 0xdeadbeef,
      ack: 0,
      flags: TH_SYN,
      window: 65535,
      urg: 0,
      options: [{ kind: "mss", value: 1000 }, { kind: "nop" }, { kind: "wscale", value: 7 }],
      payloadLen: 3,
      tos: 0x02,
      ttl: 33,
    };
    const skb = wire.buildTcp(seg, 7);
    const x = core.x;
    const frame = x.arenaAlloc(L.FRAME_SIZE);
    x.parseIpPacket(x.skbDataPtr(skb), x.skbLen(skb), frame);
    const f = readFrame(core, frame);
    expect(f.reason).toBe(0);
    expect([f.ipSaddr.toString(16), f.ipTos, f.ipTtl, f.ipId, f.sport, f.dport, f.plen]).toEqual([
      "c0000201",
      2,
      33,
      7,
      49152,
      8080,
      3,
    ]);
    expect(f.tcp).toMatchObject({ seq: 0xdeadbeef, flags: TH_SYN, window: 65535, doff: 7 });
    expect(f.tcp!.options).toEqual({ mss: 1000, wscale: 7 });
    // The SUT's own output is read back with its options in wire order.
    const out = wire.parseOutbound(skb, 42);
    expect(out).toMatchObject({ atNs: 42, seq: 0xdeadbeef, payloadLen: 3, tos: 2, ttl: 33 });
    expect(out!.options).toEqual(seg.options);
    x.consumeSkb(skb);
  });
});

describe("WorldEngine", () => {
  it("answers a SYN on a listening socket with a SYN-ACK at the injection time", async () => {
    const e = new WorldEngine(await freshCore());
    e.reset(SETTINGS);
    const call = (name: string, args: unknown[]) =>
      e.syscall({ name, args: args as never, line: 1 }) as { ret: number; errno?: number };
    expect(call("socket", [{ kind: "any" }, { kind: "int", value: 1 }, { kind: "int", value: 6 }]).ret).toBe(
      3,
    );
    expect(call("bind", [{ kind: "int", value: 3 }, { kind: "any" }, { kind: "any" }]).ret).toBe(0);
    expect(
      call("listen", [
        { kind: "int", value: 3 },
        { kind: "int", value: 1 },
      ]).ret,
    ).toBe(0);
    e.advanceTo(100_000_000);
    expect(
      e.inject({
        proto: "tcp",
        srcIp: SETTINGS.remoteIp,
        dstIp: SETTINGS.localIp,
        srcPort: 40000,
        dstPort: 8080,
        seq: 1000,
        ack: 0,
        flags: TH_SYN,
        window: 65535,
        urg: 0,
        options: [{ kind: "mss", value: 1000 }],
        payloadLen: 0,
      }),
    ).toBe(true);
    const out = e.outbound();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      atNs: 100_000_000,
      srcIp: SETTINGS.localIp,
      dstIp: SETTINGS.remoteIp,
      srcPort: 8080,
      dstPort: 40000,
      ack: 1001,
      flags: TH_SYN | TH_ACK,
    });
    // The SYN-ACK retransmit timer is the next thing the engine will do, one second on.
    expect(e.pollAt()).toBe(1_100_000_000);
    e.advanceTo(1_100_000_000);
    expect(e.outbound().map((s) => s.atNs)).toEqual([1_100_000_000]);
  });

  it("maps sysctls onto the host's settings and reports unknown ones", async () => {
    const e = new WorldEngine(await freshCore());
    e.reset(SETTINGS);
    expect(e.applySysctl("net.ipv4.tcp_timestamps", "0")).toBe(true);
    expect(e.applySysctl("net.ipv4.tcp_rmem", "4096 540000 15728640")).toBe(true);
    expect(e.applySysctl("net.ipv4.tcp_rmem", "4096")).toBe(false);
    expect(e.applySysctl("net.ipv4.tcp_no_such_thing", "1")).toBe(false);
    expect(e.sut.net.sysctl.tcp_timestamps).toBe(0);
    expect(e.sut.net.sysctl.tcp_rmem).toEqual([4096, 540000, 15728640]);
  });

  it("reports a blocking call with the virtual time it returned", async () => {
    const text = `
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0
+0...0.300 accept(3, ..., ...) = 4
+.1 < S 0:0(0) win 65535 <mss 1000>
+0  > S. 0:0(0) ack 1 <mss 1460>
+.2 < . 1:1(0) ack 1 win 65535
`;
    const ok = await runScript(parseScript(text, "accept.pkt"), await createEngine());
    expect(ok.status).toBe("PASS");
    const late = await runScript(
      parseScript(text.replace("0...0.300", "0...0.200"), "late.pkt"),
      await createEngine(),
    );
    expect(late.status).toBe("FAIL");
    if (late.status === "FAIL")
      expect(late.failure.text).toMatch(
        /expected system call return at 0.200000 sec but happened at 0.300000/,
      );
  });

  it("fails a script whose expected segment differs from what the engine sends", async () => {
    const text = `
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0
+0  < S 0:0(0) win 65535 <mss 1000>
+0  > S. 0:0(0) ack 1 <mss 1400>
`;
    const r = await runScript(parseScript(text, "mss.pkt"), await createEngine());
    expect(r.status).toBe("FAIL");
    if (r.status === "FAIL") expect(r.failure.text).toBe("TCP option mss: expected 1400 vs actual 1460");
  });
});
