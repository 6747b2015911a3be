// The runner's driver loop on the scripted fake engine: passing scripts, wrong, missing and extra
// packets, blocking syscalls and their timing, TSO coalescing, timestamps, settings and the file
// front end. The fake is not a TCP: each test scripts the SUT's reactions.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type InboundPacket,
  type InboundTcp,
  type OutboundSegment,
  type SyscallCall,
  type TcpOption,
  TH_ACK,
  TH_FIN,
  TH_PSH,
  TH_RST,
  TH_SYN,
} from "../../src/packetdrill/engine.js";
import { type FakeBlocked, FakeEngine, type FakeHooks } from "../../src/packetdrill/fake.js";
import { parseScript } from "../../src/packetdrill/parse.js";
import {
  formatResult,
  type RunOptions,
  type RunResult,
  runFiles,
  runScript,
} from "../../src/packetdrill/run.js";

const MS = 1_000_000;
const ISS = 0xdead_0000;
const SYNACK_OPTS: TcpOption[] = [
  { kind: "mss", value: 1460 },
  { kind: "nop" },
  { kind: "nop" },
  { kind: "sackOK" },
  { kind: "nop" },
  { kind: "wscale", value: 8 },
];

const run = (text: string, fake: FakeEngine, opts: RunOptions = {}): Promise<RunResult> =>
  runScript(parseScript(text, "t.pkt"), fake, opts);

/** A pretend passive-open server: answers SYN, data and FIN the way Linux does, with knobs to misbehave. */
class Server {
  rcvNxt = 0;
  port = 0;
  sndNxt = (ISS + 1) >>> 0;
  constructor(
    readonly knobs: { synackFlags?: number; skipDataAck?: boolean; extraAck?: boolean; mss?: number } = {},
  ) {}

  reply(f: FakeEngine, o: Partial<OutboundSegment> & { flags: number }) {
    f.emit({ srcPort: 8080, dstPort: this.port, seq: this.sndNxt, ack: this.rcvNxt, window: 256, ...o });
  }

  onInject(p: InboundPacket, f: FakeEngine) {
    if (p.proto !== "tcp") return;
    if (p.flags & TH_SYN) {
      this.port = p.srcPort;
      this.rcvNxt = (p.seq + 1) >>> 0;
      this.reply(f, {
        flags: this.knobs.synackFlags ?? TH_SYN | TH_ACK,
        seq: ISS,
        window: 65535,
        options: SYNACK_OPTS,
      });
      return;
    }
    if (p.payloadLen > 0) {
      this.rcvNxt = (p.seq + p.payloadLen) >>> 0;
      if (!this.knobs.skipDataAck) this.reply(f, { flags: TH_ACK });
    } else if (this.knobs.extraAck && !(p.flags & TH_FIN) && p.ack === this.sndNxt && this.rcvNxt === p.seq) {
      this.reply(f, { flags: TH_ACK }); // a spurious window update
    }
    if (p.flags & TH_FIN) {
      this.rcvNxt = (p.seq + p.payloadLen + 1) >>> 0;
      f.at(f.now() + 40 * MS, () => this.reply(f, { flags: TH_ACK })); // delayed ACK
    }
  }

  onSyscall(c: SyscallCall, f: FakeEngine): undefined {
    if (c.name === "close" && c.args[0]?.kind === "int" && c.args[0].value === 4) {
      this.reply(f, { flags: TH_FIN | TH_ACK });
      this.sndNxt = (this.sndNxt + 1) >>> 0;
    }
    if (c.name === "write" && c.args[2]?.kind === "int") {
      // n bytes as MSS-sized segments, PSH on the last
      const n = c.args[2].value;
      const mss = this.knobs.mss ?? 1000;
      for (let off = 0; off < n; off += mss) {
        const len = Math.min(mss, n - off);
        this.reply(f, { flags: TH_ACK | (off + len === n ? TH_PSH : 0), payloadLen: len });
        this.sndNxt = (this.sndNxt + len) >>> 0;
      }
    }
    return undefined;
  }
}

/** A fake whose SUT is a Server; `extra` hooks run first (a syscall answer from them wins). */
function serverFake(knobs: Server["knobs"] = {}, extra: FakeHooks = {}) {
  const server = new Server(knobs);
  const fake = new FakeEngine({
    onInject: (p, f) => {
      server.onInject(p, f);
      extra.onInject?.(p, f);
    },
    onSyscall: (c, f) => {
      const r = extra.onSyscall?.(c, f);
      server.onSyscall(c, f);
      return r;
    },
  });
  return { fake, server };
}

const PASSIVE = `// passive open, receive, peer closes first
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,sackOK,nop,nop,nop,wscale 8>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 < P. 1:1001(1000) ack 1 win 257
+0 > . 1:1(0) ack 1001
+0 read(4, ..., 1000) = 1000
+0 < F. 1001:1001(0) ack 1 win 257
+.04 > . 1:1(0) ack 1002
+0 close(4) = 0
+0 > F. 1:1(0) ack 1002
+0 < . 1002:1002(0) ack 2 win 257
`;

describe("runner on the fake engine", () => {
  it("passes a script the SUT follows, mapping ISNs, ports and times", async () => {
    const { fake } = serverFake();
    const r = await run(PASSIVE, fake);
    expect(formatResult(r)).toBe("PASS t.pkt");
    // Inbound numbers were mapped to live ones: the final ACK acknowledges the SUT's live FIN.
    const last = fake.injected[fake.injected.length - 1].pkt as InboundTcp;
    expect([last.seq, last.ack, last.srcPort, last.dstPort, last.dstIp]).toEqual([
      1002,
      ISS + 2,
      49152,
      8080,
      "192.168.0.1",
    ]);
    expect(fake.injected.map((i) => i.atNs / MS)).toEqual([0, 100, 100, 100, 140]);
    expect(fake.calls.map((c) => c.call.name)).toEqual([
      "socket",
      "setsockopt",
      "bind",
      "listen",
      "accept",
      "read",
      "close",
    ]);
  });

  it("fails on a wrong flag with the line, the expected and the actual packet", async () => {
    const { fake } = serverFake({ synackFlags: TH_RST | TH_ACK });
    const r = await run(PASSIVE, fake);
    expect(r.status).toBe("FAIL");
    if (r.status !== "FAIL") return;
    expect(r.failure).toEqual({
      line: 7,
      text: "tcp flags: expected 'S.' vs actual 'R.'",
      expected: "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>",
      actual: "> R. 0:0(0) ack 1 win 65535 <mss 1460,nop,nop,sackOK,nop,wscale 8> at 0.000000 sec",
    });
  });

  it("fails on a missing packet once its time window has passed", async () => {
    const { fake } = serverFake({ skipDataAck: true });
    const r = await run(PASSIVE, fake);
    expect(formatResult(r)).toBe(
      "FAIL t.pkt:11: timed out waiting for packet: none was sent by 0.104000 sec | expected: +0 > . 1:1(0) ack 1001 | actual: no packet",
    );
  });

  it("fails on an extra packet: it stands where the next expected one should be", async () => {
    const { fake } = serverFake({ extraAck: true });
    const r = await run(PASSIVE, fake);
    expect(formatResult(r)).toBe(
      "FAIL t.pkt:11: tcp ack: expected 1001 vs actual 1 | expected: +0 > . 1:1(0) ack 1001 | actual: > . 1:1(0) ack 1 win 256 at 0.100000 sec",
    );
  });

  it("fails a packet sent too early or too late for its line", async () => {
    const early = PASSIVE.replace("+.04 > . 1:1(0) ack 1002", "+.2 > . 1:1(0) ack 1002");
    const r = await run(early, serverFake().fake);
    expect(r.status === "FAIL" && r.failure.text).toBe(
      "timing error: expected outbound packet at 0.300000 sec but happened at 0.140000 sec; tolerance 0.025000 sec",
    );
    const late = PASSIVE.replace("+.04 > . 1:1(0) ack 1002", "+.01 > . 1:1(0) ack 1002");
    const r2 = await run(late, serverFake().fake);
    expect(r2.status === "FAIL" && r2.failure.text).toBe(
      "timed out waiting for packet: none was sent by 0.114000 sec",
    );
  });

  it("with strictEnd, fails on a segment left unmatched after the last line (packetdrill does not look)", async () => {
    const cut = PASSIVE.slice(0, PASSIVE.indexOf("+0 > . 1:1(0) ack 1001"));
    expect((await run(cut, serverFake().fake)).status).toBe("PASS");
    expect(formatResult(await run(cut, serverFake().fake, { strictEnd: true }))).toBe(
      "FAIL t.pkt:10: unexpected outbound packet after the last script event | expected: (no more packets) | actual: > . 1:1(0) ack 1001 win 256 at 0.100000 sec",
    );
  });

  it("injects ICMP quoting the SUT's own segment in live numbers", async () => {
    const { fake } = serverFake();
    const script = `${PASSIVE.slice(0, PASSIVE.indexOf("+0 accept"))}+0 < icmp unreachable frag_needed mtu 800 [1:1001(1000)]\n`;
    expect((await run(script, fake)).status).toBe("PASS");
    expect(fake.injected[fake.injected.length - 1].pkt).toEqual({
      proto: "icmp",
      srcIp: "192.0.2.1",
      dstIp: "192.168.0.1",
      type: "unreachable",
      code: "frag_needed",
      mtu: 800,
      quoted: { srcPort: 8080, dstPort: 49152, seq: ISS + 1, len: 1000 },
    });
  });

  it("fails a wrong syscall result and errno, and a wrong value written back", async () => {
    const res = (ret: number, errno?: string) =>
      serverFake({}, { onSyscall: (c) => (c.name === "read" ? { ret, errno } : undefined) });
    const r = await run(PASSIVE, res(-1, "EAGAIN").fake);
    expect(formatResult(r)).toBe(
      "FAIL t.pkt:12: read(): expected result 1000 but got -1 with errno EAGAIN | expected: +0 read(4, ..., 1000) = 1000 | actual: = -1 EAGAIN",
    );
    const withErrno = PASSIVE.replace(
      "read(4, ..., 1000) = 1000",
      "read(4, ..., 1000) = -1 EWOULDBLOCK (Resource temporarily unavailable)",
    );
    expect((await run(withErrno, res(-1, "EAGAIN").fake)).status).toBe("PASS");
    const r2 = await run(withErrno, res(-1, "ECONNRESET").fake);
    expect(r2.status === "FAIL" && r2.failure.text).toBe(
      "read(): expected errno EWOULDBLOCK (11) but got ECONNRESET (104)",
    );
    const getopt = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [42000], [4]) = 0\n`;
    const f = new FakeEngine({
      onSyscall: (c) =>
        c.name === "getsockopt"
          ? { ret: 0, out: { 3: { kind: "array", items: [{ kind: "int", value: 43000 }] } } }
          : undefined,
    });
    expect(formatResult(await run(getopt, f))).toBe(
      "FAIL t.pkt:2: getsockopt(): argument 4[0]: expected 42000 vs actual 43000 | expected: +0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [42000], [4]) = 0 | actual: [43000]",
    );
  });
});

const BLOCKING_ACCEPT = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0...0.200 accept(3, ..., ...) = 4
+.1 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
+.1 write(4, ..., 2000) = 2000
+0 > P. 1:2001(2000) ack 1
`;

/** accept() blocks until the handshake's last ACK (plus a delay), then returns 4. */
function acceptFake(delayNs = 0) {
  let blocked: FakeBlocked | null = null;
  return serverFake(
    {},
    {
      onSyscall: (c, f) => {
        if (c.name !== "accept") return undefined;
        blocked = f.block();
        return blocked;
      },
      onInject: (p, f) => {
        const b = blocked;
        if (b && p.proto === "tcp" && !(p.flags & TH_SYN) && p.flags & TH_ACK)
          f.at(f.now() + delayNs, () => b.complete({ ret: 4 }));
      },
    },
  ).fake;
}

describe("blocking syscalls", () => {
  it("a call that returns at its ...end time passes, and the script moves on while it blocks", async () => {
    const f = acceptFake();
    expect(formatResult(await run(BLOCKING_ACCEPT, f))).toBe("PASS t.pkt");
    expect(f.calls.find((c) => c.call.name === "accept")?.atNs).toBe(0);
  });

  it("a call that returns later than its ...end time plus tolerance fails on its own line", async () => {
    const r = await run(BLOCKING_ACCEPT, acceptFake(50 * MS));
    expect(formatResult(r)).toBe(
      "FAIL t.pkt:4: timing error: expected system call return at 0.200000 sec but happened at 0.250000 sec; tolerance 0.025000 sec | expected: +0...0.200 accept(3, ..., ...) = 4 | actual: returned at 0.250000 sec",
    );
  });

  it("a call the script expects not to block, but that blocks forever, fails", async () => {
    const script = BLOCKING_ACCEPT.replace("+0...0.200 accept", "+0 accept");
    const r = await run(script, acceptFake(), { maxWaitNs: 5e9 });
    expect(r.status === "FAIL" && [r.failure.line, r.failure.text]).toEqual([
      4,
      "accept() blocked, but the script expects it to return at once (no ...end time)",
    ]);
  });

  it("a call still blocked when the script ends fails the script", async () => {
    const f = new FakeEngine({ onSyscall: (c, e) => (c.name === "accept" ? e.block() : undefined) });
    const r = await run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0...1 accept(3, ..., ...) = 4\n", f);
    expect(formatResult(r)).toBe(
      "FAIL t.pkt:2: exiting while a blocking system call is in progress | expected: +0...1 accept(3, ..., ...) = 4 | actual: still blocked",
    );
  });
});

describe("TSO coalescing in the runner", () => {
  it("matches one TSO-sized line against back-to-back MSS segments, unless --strict_segments", async () => {
    const mk = () => acceptFake();
    expect(formatResult(await run(BLOCKING_ACCEPT, mk()))).toBe("PASS t.pkt");
    const strict = await run(`--strict_segments\n${BLOCKING_ACCEPT}`, mk());
    expect(strict.status === "FAIL" && strict.failure).toMatchObject({
      line: 10,
      text: "tcp flags: expected 'P.' vs actual '.'",
      actual: "> . 1:1001(1000) ack 1 win 256 at 0.300000 sec",
    });
  });
});

describe("active open, timestamps and settings", () => {
  const CLIENT = `--tcp_ts_tick_usecs=1000
\`../common/defaults.sh\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0...0.010 connect(4, ..., ...) = 0
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.01 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 700 ecr 100,nop,wscale 7>
+0 > . 1:1(0) ack 1 <nop,nop,TS val 110 ecr 700>
`;
  function client() {
    const blocked: { b: ReturnType<FakeEngine["block"]> | null } = { b: null };
    const f = new FakeEngine({
      onSyscall: (c, e) => {
        if (c.name !== "connect") return undefined;
        e.emit({
          srcPort: 40123,
          dstPort: 8080,
          seq: 0x1234,
          flags: TH_SYN,
          window: 65535,
          options: [
            { kind: "mss", value: 1460 },
            { kind: "sackOK" },
            { kind: "ts", val: 90_000, ecr: 0 },
            { kind: "nop" },
            { kind: "wscale", value: 8 },
          ],
        });
        blocked.b = e.block();
        return blocked.b;
      },
      onInject: (p, e) => {
        if (p.proto !== "tcp" || !(p.flags & TH_SYN)) return;
        e.emit({
          srcPort: 40123,
          dstPort: 8080,
          seq: 0x1235,
          ack: (p.seq + 1) >>> 0,
          flags: TH_ACK,
          window: 502,
          options: [{ kind: "nop" }, { kind: "nop" }, { kind: "ts", val: 90_010, ecr: 700 }],
        });
        blocked.b?.complete({ ret: 0 });
      },
    });
    return f;
  }

  it("learns the SUT's port and ISN from its SYN and maps the SYN-ACK's ack and TS ecr", async () => {
    const f = client();
    const r = await run(CLIENT, f, {
      readFile: (p) =>
        p.endsWith("common/defaults.sh")
          ? 'sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"\nsysctl -q net.core.x=1\ntc qdisc replace dev tun0 root fq\n'
          : null,
    });
    expect(formatResult(r)).toBe("PASS t.pkt");
    const synack = f.injected[0].pkt as InboundTcp;
    expect([synack.dstPort, synack.ack, synack.options[2]]).toEqual([
      40123,
      0x1235,
      { kind: "ts", val: 700, ecr: 90_000 },
    ]);
    expect(f.sysctls).toEqual([
      ["net.ipv4.tcp_rmem", "4096 540000 15728640"],
      ["net.core.x", "1"],
    ]);
    expect(r.notes).toEqual([
      "sysctl net.core.x=1 not applied (the engine has no such setting)",
      "shell command not applied: tc qdisc replace dev tun0 root fq",
    ]);
  });

  it("checks outbound TS val against the script with --tcp_ts_tick_usecs", async () => {
    const r = await run(CLIENT.replace("TS val 110 ecr 700", "TS val 150 ecr 700"), client(), {
      readFile: () => null,
    });
    expect(r.status === "FAIL" && r.failure.text).toBe(
      "bad outbound TCP timestamp value: expected TS val 150 vs actual 110 (tick 1000 us, tolerance 4000 us)",
    );
  });
});

describe("unsupported scripts and the file front end", () => {
  it("reports TCP Fast Open and unknown symbols as unsupported, before or when they run", async () => {
    const fo = await run(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S 0:0(0) <mss 1460,FO,nop,nop>\n",
      new FakeEngine(),
    );
    expect(formatResult(fo)).toBe("SKIP t.pkt:2: unsupported: TCP Fast Open option (FO/FOEXP)");
    const sym = await run(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_XYZ, 1, [1], 4) = 0\n",
      new FakeEngine(),
    );
    expect(formatResult(sym)).toBe("SKIP t.pkt:2: unsupported: unknown symbol SOL_XYZ in setsockopt()");
    const v6 = await run(
      "--ip_version=ipv6\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
      new FakeEngine(),
    );
    expect(formatResult(v6)).toBe("SKIP t.pkt:1: unsupported: --ip_version=ipv6 (the engine is IPv4)");
  });

  it("requires the first event at time 0 and forbids absolute time going backwards", async () => {
    const r = await run("0.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", new FakeEngine());
    expect(r.status === "FAIL" && r.failure.text).toBe("first event should be at time 0");
    const r2 = await run(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0.2 close(3) = 0\n0.1 close(3) = 0\n",
      new FakeEngine(),
    );
    expect(r2.status === "FAIL" && r2.failure.text).toBe(
      "time goes backward in script from 200000 usec to 100000 usec",
    );
  });

  it("notes skipped %{ }% blocks and runs on", async () => {
    const r = await run(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ assert tcpi_snd_cwnd == 10 }%\n",
      new FakeEngine(),
    );
    expect(r).toMatchObject({
      status: "PASS",
      notes: ["skipped 1 %{ }% code block(s) (line 2): packetdrill runs them as Python"],
    });
  });

  it("runFiles prints one line per script and `N passed, M failed, K skipped` last", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pd-"));
    const ok = join(dir, "ok.pkt");
    const bad = join(dir, "bad.pkt");
    const skip = join(dir, "skip.pkt");
    const broken = join(dir, "broken.pkt");
    writeFileSync(ok, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    writeFileSync(
      bad,
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = -1 EBADF (Bad file descriptor)\n",
    );
    writeFileSync(skip, "+0 < udp (10)\n");
    writeFileSync(broken, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0 win 1\n");
    const lines: string[] = [];
    const sum = await runFiles([ok, bad, skip, broken], () => new FakeEngine(), {
      log: (l) => lines.push(l),
    });
    expect(lines).toEqual([
      `PASS ${ok}`,
      `FAIL ${bad}:2: close(): expected result -1 but got 0 | expected: +0 close(3) = -1 EBADF (Bad file descriptor) | actual: = 0`,
      `SKIP ${skip}:1: unsupported: UDP packets`,
      `FAIL ${broken}:2: parse error at column 12: expected '(' in start:end(length) (got 'win')`,
      "1 passed, 2 failed, 1 skipped",
    ]);
    expect([sum.passed, sum.failed, sum.skipped]).toEqual([1, 2, 1]);
  });
});
