import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { type Dissected, dissect } from "../src/tools/dissect.js";
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_RAW, readPcap, writePcap } from "../src/tools/pcap.js";
import {
  FramePrinter,
  formatEpoch,
  formatRelative,
  formatSummary,
  printCapture,
  TcpSeqTracker,
  tcpFlags,
} from "../src/tools/print.js";
import { freshCore } from "./helpers/core.js";
import { fixtureBytes, fixtureText, num, tsharkOracle } from "./helpers/linux-fixtures.js";
import { toolGate } from "./helpers/tools.js";

const linuxUs = readPcap(fixtureBytes("linux.pcap"));
const linuxNs = readPcap(fixtureBytes("linux-ns.pcap"));
const oracle = tsharkOracle();
let core: Core;
beforeAll(async () => {
  core = await freshCore();
});

// What the printer prints for tests/fixtures/linux/linux.pcap (also checked against tcpdump's own
// text below, and field by field against tshark's decode).
const GOLDEN = [
  "00:00:00.000000 ARP, Request who-has 10.99.0.2 tell 10.99.0.1, length 28",
  "00:00:00.000029 ARP, Reply 10.99.0.2 is-at 02:00:0a:63:00:02, length 28",
  "00:00:00.000033 IP 10.99.0.1 > 10.99.0.2: ICMP echo request, id 3126, seq 1, length 64 [ip cksum ok] [icmp cksum ok]",
  "00:00:00.000121 IP 10.99.0.2 > 10.99.0.1: ICMP echo reply, id 3126, seq 1, length 64 [ip cksum ok] [icmp cksum ok]",
  "00:00:00.137959 IP 10.99.0.1.40001 > 10.99.0.2.7777: UDP, length 5 [ip cksum ok] [udp cksum ok]",
  "00:00:00.265650 IP 10.99.0.1.40001 > 10.99.0.2.7778: UDP, length 5 [ip cksum ok] [udp cksum ok]",
  "00:00:00.265706 IP 10.99.0.2 > 10.99.0.1: ICMP 10.99.0.2 udp port 7778 unreachable, length 41 [ip cksum ok] [icmp cksum ok]",
  "00:00:00.437052 IP 10.99.0.1.40000 > 10.99.0.2.5555: Flags [S], seq 3777961810, win 64240, options [mss 1460,sackOK,TS val 1888300322 ecr 0,nop,wscale 10], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.437091 IP 10.99.0.2.5555 > 10.99.0.1.40000: Flags [S.], seq 244898745, ack 3777961811, win 65160, options [mss 1460,sackOK,TS val 2647388643 ecr 1888300322,nop,wscale 10], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.437103 IP 10.99.0.1.40000 > 10.99.0.2.5555: Flags [.], ack 1, win 63, options [nop,nop,TS val 1888300322 ecr 2647388643], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.442078 IP 10.99.0.1.40000 > 10.99.0.2.5555: Flags [P.], seq 1:7, ack 1, win 63, options [nop,nop,TS val 1888300327 ecr 2647388643], length 6 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.442116 IP 10.99.0.2.5555 > 10.99.0.1.40000: Flags [.], ack 7, win 64, options [nop,nop,TS val 2647388648 ecr 1888300327], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.442151 IP 10.99.0.1.40000 > 10.99.0.2.5555: Flags [F.], seq 7, ack 1, win 63, options [nop,nop,TS val 1888300327 ecr 2647388648], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.442175 IP 10.99.0.2.5555 > 10.99.0.1.40000: Flags [F.], seq 1, ack 8, win 64, options [nop,nop,TS val 2647388648 ecr 1888300327], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.442185 IP 10.99.0.1.40000 > 10.99.0.2.5555: Flags [.], ack 2, win 63, options [nop,nop,TS val 1888300327 ecr 2647388648], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.780429 IP 10.99.0.1.40002 > 10.99.0.2.81: Flags [S], seq 3162949141, win 64240, options [mss 1460,sackOK,TS val 3088392864 ecr 0,nop,wscale 10], length 0 [ip cksum ok] [tcp cksum ok]",
  "00:00:00.780463 IP 10.99.0.2.81 > 10.99.0.1.40002: Flags [R.], seq 0, ack 3162949142, win 0, length 0 [ip cksum ok] [tcp cksum ok]",
];

const stripTags = (l: string) => l.replace(/( \[(ip|tcp|udp|icmp|bad|no|drop|captured)[^\]]*\])+$/, "");
const stripTs = (l: string) => l.replace(/^\S+ /, "");
const frame = (i: number) => linuxUs.records[i].data;

/** A copy of `b` with its IPv4 and transport checksums recomputed by the core (Ethernet, IHL 5). */
function refill(b: Uint8Array, opts: { udpZero?: boolean } = {}): Uint8Array {
  const S = L.STAGING_OFFSET;
  core.u8.set(b, S);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ihl = (b[14] & 15) * 4;
  const segLen = dv.getUint16(16) - ihl;
  const saddr = dv.getUint32(26);
  const daddr = dv.getUint32(30);
  core.x.ipv4ChecksumFill(S + 14);
  const seg = S + 14 + ihl;
  if (b[23] === L.IPPROTO_TCP) core.x.tcpChecksumFill(seg, segLen, saddr, daddr);
  if (b[23] === L.IPPROTO_UDP && !opts.udpZero) core.x.udpChecksumFill(seg, dv.getUint16(38), saddr, daddr);
  if (b[23] === L.IPPROTO_ICMP) core.x.icmpChecksumFill(seg, segLen);
  return core.u8.slice(S, S + b.length);
}

function edit(i: number, f: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = frame(i).slice();
  f(b, new DataView(b.buffer));
  return b;
}

/** tcpdump's line for Linux frame i (as saved at capture time), without its timestamp. */
const tcpdumpLines = fixtureText("linux.tcpdump.txt")
  .split("\n")
  .map((l) => l.trim())
  .filter(Boolean);
const tcpdumpText = (i: number) => stripTs(tcpdumpLines[i]);

/** Frames made from the Linux ones, each with valid checksums, and the line tcpdump -nn prints for it. */
function crafted(): { data: Uint8Array; line: string; tags?: string }[] {
  const serverIsn = new DataView(frame(8).buffer, frame(8).byteOffset).getUint32(38);
  return [
    {
      data: refill(
        edit(9, (b, dv) => {
          b.set([1, 1, 5, 10], 54); // nop, nop, SACK with one block
          dv.setUint32(58, serverIsn + 101);
          dv.setUint32(62, serverIsn + 201);
        }),
      ),
      line: "IP 10.99.0.1.40000 > 10.99.0.2.5555: Flags [.], ack 1, win 63, options [nop,nop,sack 1 {101:201}], length 0",
    },
    {
      data: refill(
        edit(7, (b) => {
          b[47] = L.TCPHDR_SYN | L.TCPHDR_ECE | L.TCPHDR_CWR;
        }),
      ),
      line: tcpdumpText(7).replace("Flags [S]", "Flags [SEW]"),
    },
    {
      data: refill(
        edit(8, (b) => {
          b[47] = L.TCPHDR_SYN | L.TCPHDR_ACK | L.TCPHDR_ECE;
        }),
      ),
      line: tcpdumpText(8).replace("Flags [S.]", "Flags [S.E]"),
    },
    {
      data: refill(
        edit(10, (b, dv) => {
          b[47] |= L.TCPHDR_URG;
          dv.setUint16(52, 5);
        }),
      ),
      line: tcpdumpText(10).replace("Flags [P.]", "Flags [P.U]").replace(", options", ", urg 5, options"),
    },
    {
      data: refill(
        edit(4, (_b, dv) => dv.setUint16(40, 0)),
        { udpZero: true },
      ),
      line: "IP 10.99.0.1.40001 > 10.99.0.2.7777: UDP, length 5",
      tags: "[ip cksum ok] [no udp cksum]",
    },
    {
      data: refill(edit(6, (b) => b.set([11, 0], 34))),
      line: "IP 10.99.0.2 > 10.99.0.1: ICMP time exceeded in-transit, length 41",
    },
    {
      data: refill(
        edit(6, (b) => {
          b[35] = 1;
        }),
      ),
      line: "IP 10.99.0.2 > 10.99.0.1: ICMP host 10.99.0.2 unreachable, length 41",
    },
    {
      data: refill(
        edit(6, (b, dv) => {
          b[35] = 4;
          dv.setUint16(40, 1400);
        }),
      ),
      line: "IP 10.99.0.2 > 10.99.0.1: ICMP 10.99.0.2 unreachable - need to frag (mtu 1400), length 41",
    },
    {
      data: refill(
        edit(6, (b) => {
          b[35] = 13;
        }),
      ),
      line: "IP 10.99.0.2 > 10.99.0.1: ICMP host 10.99.0.2 unreachable - admin prohibited filter, length 41",
    },
    {
      data: edit(0, (b) => b.set(frame(1).subarray(6, 12), 32)),
      line: "ARP, Request who-has 10.99.0.2 (02:00:0a:63:00:02) tell 10.99.0.1, length 28",
      tags: "",
    },
    {
      data: (() => {
        const b = new Uint8Array(60);
        b.set(frame(1));
        return b;
      })(),
      line: "ARP, Reply 10.99.0.2 is-at 02:00:0a:63:00:02, length 46",
      tags: "",
    },
  ];
}

describe("printing the Linux capture", () => {
  it("golden lines, with checksum verdicts", () => {
    const { lines, summary } = printCapture(core, linuxUs);
    expect(lines).toEqual(GOLDEN);
    expect(summary).toEqual({
      frames: 17,
      passed: 17,
      drops: {},
      ipCsumOk: 15,
      ipCsumBad: 0,
      l4CsumOk: 15,
      l4CsumBad: 0,
      truncated: 0,
    });
    expect(formatSummary(summary)).toBe(
      "17 frames: 17 passed every check, 0 would be dropped; checksums verified: ip 15 ok, 0 bad; tcp/udp/icmp 15 ok, 0 bad",
    );
  });

  it("is tcpdump -nn -ttttt's own text (saved at capture time), tags aside", () => {
    expect(printCapture(core, linuxUs, { verdicts: false }).lines).toEqual(tcpdumpLines);
    expect(GOLDEN.map(stripTags)).toEqual(tcpdumpLines);
  });

  it("the nanosecond file prints the same with 9 fraction digits", () => {
    const ns = printCapture(core, linuxNs, { precision: "ns" }).lines;
    expect(ns[0]).toBe("00:00:00.000000000 ARP, Request who-has 10.99.0.2 tell 10.99.0.1, length 28");
    expect(ns.map(stripTs)).toEqual(GOLDEN.map(stripTs));
    expect(ns[2].slice(0, 18)).toMatch(/^00:00:00\.0000\d{5}$/);
  });

  it("raw-IP captures (link types 101 and 228) go through parseIpPacket and print the IP lines", () => {
    const ipLines = GOLDEN.filter((l) => !l.includes(" ARP, ")).map(stripTs);
    for (const name of ["linux-raw.pcap", "linux-ipv4.pcap"]) {
      const f = readPcap(fixtureBytes(name));
      expect([LINKTYPE_RAW, LINKTYPE_IPV4]).toContain(f.linkType);
      const { lines, summary } = printCapture(core, f);
      // editcap kept each record's Ethernet-sized original length, so every frame reads as cut by 14.
      expect(lines.map((l) => stripTs(l).replace(/ \[captured \d+ of \d+ bytes\]$/, ""))).toEqual(ipLines);
      expect(summary).toMatchObject({ frames: 15, passed: 15, ipCsumOk: 15, l4CsumOk: 15, truncated: 15 });
    }
  });
});

describe("every Linux frame agrees with tshark's decode", () => {
  const mac = (s: string | undefined) => s;
  it.each(oracle.map((o, i) => [i + 1, o] as const))("frame %i", (n, o) => {
    const d = dissect(core, linuxUs.records[n - 1].data);
    const f = d.frame;
    expect(f.reason, f.reasonName).toBe(0);
    expect(f.eth?.src).toBe(mac(o["eth.src"][0]));
    expect(f.eth?.dst).toBe(mac(o["eth.dst"][0]));
    expect(f.ethertype).toBe(num(o, "eth.type"));
    if (o["arp.opcode"]) {
      expect(f.arp).toMatchObject({
        op: num(o, "arp.opcode"),
        sha: o["arp.src.hw_mac"][0],
        spa: o["arp.src.proto_ipv4"][0],
        tha: o["arp.dst.hw_mac"][0],
        tpa: o["arp.dst.proto_ipv4"][0],
      });
      expect(d.ipCsum).toBeUndefined();
      return;
    }
    const ip = f.ipv4!;
    expect(ip).toMatchObject({
      version: num(o, "ip.version"),
      ihl: num(o, "ip.hdr_len")! / 4,
      totalLen: num(o, "ip.len"),
      id: num(o, "ip.id"),
      df: o["ip.flags.df"][0] === "1",
      mf: o["ip.flags.mf"][0] === "1",
      fragOffset: num(o, "ip.frag_offset"),
      ttl: num(o, "ip.ttl"),
      proto: num(o, "ip.proto"),
      src: o["ip.src"][0],
      dst: o["ip.dst"][0],
      checksum: num(o, "ip.checksum"),
    });
    expect(o["ip.checksum.status"][0]).toBe("1"); // tshark: good
    expect(d.ipCsum).toEqual({ ok: true, value: ip.checksum });
    expect(d.l4Csum?.ok).toBe(true);
    if (o["tcp.srcport"]) {
      const t = f.tcp!;
      expect(t).toMatchObject({
        sport: num(o, "tcp.srcport"),
        dport: num(o, "tcp.dstport"),
        seq: num(o, "tcp.seq_raw"),
        ack: num(o, "tcp.ack_raw"),
        doff: num(o, "tcp.hdr_len")! / 4,
        flags: num(o, "tcp.flags"),
        window: num(o, "tcp.window_size_value"),
        urgent: num(o, "tcp.urgent_pointer"),
        checksum: num(o, "tcp.checksum"),
      });
      expect(f.payloadLen).toBe(num(o, "tcp.len"));
      expect(o["tcp.checksum.status"][0]).toBe("1");
      expect(d.l4Csum).toMatchObject({ proto: "tcp", value: t.checksum });
      const kinds = (o["tcp.option_kind"] ?? []).map(Number);
      expect(d.tcpOptions?.slots.map((s) => s.kind) ?? []).toEqual(kinds);
      expect(t.options.mss).toBe(num(o, "tcp.options.mss_val"));
      expect(t.options.wscale).toBe(num(o, "tcp.options.wscale.shift"));
      expect(t.options.sackOk).toBe(o["tcp.options.sack_perm"] !== undefined);
      expect(t.options.ts?.val).toBe(num(o, "tcp.options.timestamp.tsval"));
      expect(t.options.ts?.ecr).toBe(num(o, "tcp.options.timestamp.tsecr"));
    } else if (o["icmp.type"]) {
      const i = f.icmp!;
      expect(i).toMatchObject({
        type: num(o, "icmp.type"),
        code: num(o, "icmp.code"),
        checksum: num(o, "icmp.checksum"),
      });
      expect(o["icmp.checksum.status"][0]).toBe("1");
      expect(d.l4Csum).toMatchObject({ proto: "icmp", value: i.checksum });
      if (o["icmp.ident"]) expect(i.echo).toEqual({ id: num(o, "icmp.ident"), seq: num(o, "icmp.seq") });
      if (o["udp.srcport"]) {
        // the quoted datagram: tshark's second ip.* values and the inner UDP header
        expect(i.quoted).toEqual({
          ihl: num(o, "ip.hdr_len", 1)! / 4,
          proto: num(o, "ip.proto", 1),
          src: o["ip.src"][1],
          dst: o["ip.dst"][1],
          sport: num(o, "udp.srcport"),
          dport: num(o, "udp.dstport"),
        });
      }
    } else {
      const u = f.udp!;
      expect(u).toMatchObject({
        sport: num(o, "udp.srcport"),
        dport: num(o, "udp.dstport"),
        len: num(o, "udp.length"),
        checksum: num(o, "udp.checksum"),
      });
      expect(o["udp.checksum.status"][0]).toBe("1");
      expect(d.l4Csum).toMatchObject({ proto: "udp", value: u.checksum });
    }
  });
});

describe("frames made from the Linux ones", () => {
  it("SACK blocks, ECN and URG flags, UDP without checksum, ICMP errors, ARP variants", () => {
    const p = new FramePrinter(core);
    for (const r of linuxUs.records) p.print(r.data, r.tsNs);
    for (const c of crafted()) {
      const { line, dissected } = p.print(c.data, 0n);
      expect(dissected.frame.reason, c.line).toBe(0);
      const tags = c.tags ?? `[ip cksum ok] [${dissected.l4Csum?.proto} cksum ok]`;
      expect(stripTs(line)).toBe(tags ? `${c.line} ${tags}` : c.line);
    }
  });

  const tcpdump = toolGate("tcpdump");
  const tmp = mkdtempSync(join(tmpdir(), "wirestack-print-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it.runIf(tcpdump.run)(`tcpdump -nn prints the same text for them${tcpdump.note}`, () => {
    tcpdump.require();
    const c = crafted();
    const recs = [
      ...linuxUs.records,
      ...c.map((x, i) => ({ data: x.data, tsNs: linuxUs.records[16].tsNs + BigInt(i + 1) * 1000n })),
    ];
    const file = join(tmp, "crafted.pcap");
    writeFileSync(file, writePcap(recs, { precision: "us" }));
    const theirs = execFileSync("tcpdump", ["-nn", "-ttttt", "-r", file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    })
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const ours = printCapture(core, readPcap(writePcap(recs, { precision: "us" })), {
      verdicts: false,
    }).lines;
    expect(ours).toEqual(theirs);
  });
});

describe("frames the core would drop", () => {
  const line = (data: Uint8Array) => stripTs(new FramePrinter(core).print(data, 0n).line);

  it("bad IP checksum: the bad and the correct value, and the drop reason", () => {
    const b = edit(2, (b) => {
      b[25] ^= 1;
    });
    const good = new DataView(frame(2).buffer, frame(2).byteOffset).getUint16(24);
    const hex = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;
    expect(line(b)).toBe(
      `IP 10.99.0.1 > 10.99.0.2: icmp 64 [bad ip cksum ${hex(good ^ 1)} -> ${hex(good)}] [drop: IP_CSUM]`,
    );
  });

  it("bad TCP checksum: the value the core computes makes the frame pass again", () => {
    const b = edit(10, (b) => {
      b[b.length - 2] ^= 0x20;
    });
    const d: Dissected = dissect(core, b);
    expect(d.frame.reasonName).toBe("TCP_CSUM");
    expect(d.l4Csum).toMatchObject({ proto: "tcp", ok: false, value: num(oracle[10], "tcp.checksum") });
    expect(line(b)).toMatch(
      /Flags \[P\.\], .* length 6 \[ip cksum ok\] \[bad tcp cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}\] \[drop: TCP_CSUM\]$/,
    );
    new DataView(b.buffer).setUint16(50, d.l4Csum!.expected!);
    expect(dissect(core, b).frame.reason).toBe(0);
  });

  it("bad UDP and ICMP checksums", () => {
    expect(
      line(
        edit(4, (b) => {
          b[41] ^= 1;
        }),
      ),
    ).toMatch(/UDP, length 5 \[ip cksum ok\] \[bad udp cksum .*\] \[drop: UDP_CSUM\]$/);
    expect(
      line(
        edit(3, (b) => {
          b[36] ^= 1;
        }),
      ),
    ).toMatch(/ICMP echo reply, .* \[ip cksum ok\] \[bad icmp cksum .*\] \[drop: ICMP_CSUM\]$/);
  });

  it("a TCP header cut short", () => {
    const b = frame(7).slice(0, 14 + 20 + 12);
    new DataView(b.buffer).setUint16(16, 32);
    expect(line(refill(b))).toBe(
      "IP 10.99.0.1 > 10.99.0.2: tcp 12 [|tcp] [ip cksum ok] [drop: PKT_TOO_SMALL]",
    );
    const long = refill(
      edit(9, (b) => {
        b[46] = 0xf0;
      }),
    ); // doff 15: 60 bytes in a 32-byte segment
    expect(line(long)).toBe(
      "IP 10.99.0.1.40000 > 10.99.0.2.5555: tcp 32 [bad hdr length 60 - too long, > 32] [ip cksum ok] [drop: PKT_TOO_SMALL]",
    );
  });

  it("short, cut and unknown frames", () => {
    expect(line(frame(2).slice(0, 10))).toBe("[|ether] length 10 [drop: PKT_TOO_SMALL]");
    expect(line(frame(2).slice(0, 30))).toBe("IP [|ip] length 16 [drop: IP_INHDR]");
    const v6 = edit(2, (b) => b.set([0x86, 0xdd], 12));
    expect(line(v6)).toBe("IP6, length 84 [drop: UNHANDLED_PROTO]");
    const other = edit(2, (b) => b.set([0x88, 0xcc], 12));
    expect(line(other)).toBe("ethertype 0x88cc, length 98 [drop: UNHANDLED_PROTO]");
    const cut = new FramePrinter(core).print(frame(10).subarray(0, 60), 0n, LINKTYPE_ETHERNET, 72);
    expect(cut.line).toMatch(/ip-proto-6|tcp/);
    expect(cut.line).toMatch(/\[captured 60 of 72 bytes\] \[drop: PKT_TOO_SMALL\]$/);
  });

  it("summary counts drops by reason", () => {
    const p = new FramePrinter(core);
    p.print(
      edit(2, (b) => {
        b[25] ^= 1;
      }),
      0n,
    );
    p.print(
      edit(4, (b) => {
        b[41] ^= 1;
      }),
      0n,
    );
    p.print(
      edit(5, (b) => {
        b[41] ^= 1;
      }),
      0n,
    );
    p.print(frame(0), 0n);
    expect(p.summary).toMatchObject({
      frames: 4,
      passed: 1,
      drops: { IP_CSUM: 1, UDP_CSUM: 2 },
      ipCsumBad: 1,
      l4CsumBad: 2,
    });
    expect(formatSummary(p.summary)).toMatch(/\ndrops by reason: IP_CSUM 1, UDP_CSUM 2$/);
  });

  it("random and mutated frames always print one line (property)", () => {
    const p = new FramePrinter(core);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 120 }),
          fc
            .tuple(fc.nat(16), fc.array(fc.tuple(fc.nat(99), fc.nat(255)), { maxLength: 6 }), fc.nat(100))
            .map(([i, muts, cut]) => {
              const b = frame(i).slice(0, Math.max(1, frame(i).length - cut));
              for (const [o, v] of muts) if (o < b.length) b[o] = v;
              return b;
            }),
        ),
        fc.constantFrom(LINKTYPE_ETHERNET, LINKTYPE_RAW),
        (bytes, lt) => {
          const { line, dissected } = p.print(bytes, 0n, lt);
          expect(line).not.toContain("\n");
          expect(line).not.toMatch(/undefined|NaN/);
          if (dissected.frame.reason !== 0) expect(line).toContain(`[drop: ${dissected.frame.reasonName}]`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("pieces", () => {
  it("timestamps", () => {
    expect(formatRelative(100_000n)).toBe("00:00:00.000100");
    expect(formatRelative(3_723_000_000_999n, "ns")).toBe("01:02:03.000000999");
    expect(formatRelative(-1_000n)).toBe("-00:00:00.000001");
    expect(formatEpoch(1_795_323_027_302_849_066n)).toBe("1795323027.302849");
    expect(formatEpoch(1_795_323_027_302_849_066n, "ns")).toBe("1795323027.302849066");
  });

  it("TCP flags in tcpdump's order", () => {
    expect(tcpFlags(0)).toBe("none");
    expect(tcpFlags(0xff)).toBe("FSRP.UEW");
    expect(tcpFlags(L.TCPHDR_SYN | L.TCPHDR_ACK | L.TCPHDR_ECE)).toBe("S.E");
    expect(tcpFlags(L.TCPHDR_RST | L.TCPHDR_ACK)).toBe("R.");
  });

  it("relative sequence numbers: both directions share one conversation, across 2^32", () => {
    const t = new TcpSeqTracker();
    const seg = (sport: number, dport: number, seq: number, ack: number, flags: number) =>
      ({ sport, dport, seq, ack, flags }) as Parameters<TcpSeqTracker["relative"]>[2];
    const A = L.TCPHDR_ACK;
    expect(t.relative("10.0.0.1", "10.0.0.2", seg(40000, 80, 0xffff_fff0, 0, L.TCPHDR_SYN))).toMatchObject({
      seq: 0xffff_fff0,
      ack: 0,
    });
    expect(
      t.relative("10.0.0.2", "10.0.0.1", seg(80, 40000, 500, 0xffff_fff1, L.TCPHDR_SYN | A)),
    ).toMatchObject({ seq: 500, ack: 0xffff_fff1 });
    expect(t.relative("10.0.0.1", "10.0.0.2", seg(40000, 80, 0x10, 501, A))).toMatchObject({
      seq: 0x20,
      ack: 1,
    });
    expect(t.relative("10.0.0.2", "10.0.0.1", seg(80, 40000, 511, 0x10, A))).toMatchObject({
      seq: 11,
      ack: 0x20,
    });
    // same ports: the lower address is the "forward" side
    const u = new TcpSeqTracker();
    u.relative("10.0.0.9", "10.0.0.1", seg(5000, 5000, 100, 200, L.TCPHDR_SYN | A));
    expect(u.relative("10.0.0.1", "10.0.0.9", seg(5000, 5000, 199, 101, A))).toMatchObject({
      seq: 0,
      ack: 1,
    });
  });
});
