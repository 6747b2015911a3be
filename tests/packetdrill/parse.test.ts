// Parser: one golden AST per construct of the packetdrill language, and errors with file, line, column.
import { describe, expect, it } from "vitest";
import type { Action, ScriptEvent } from "../../src/packetdrill/ast.js";
import { tokenize } from "../../src/packetdrill/lex.js";
import {
  PacketdrillParseError,
  parseScript,
  secondsToUs,
  tryParseScript,
  UnsupportedConstruct,
} from "../../src/packetdrill/parse.js";

/** The single event of a one-line script. */
function one(line: string): ScriptEvent {
  const s = parseScript(line, "t.pkt");
  expect(s.events).toHaveLength(1);
  return s.events[0];
}
const act = (line: string): Action => one(line).action;

describe("lexer", () => {
  it("tells numbers, floats, words, hex and ellipses apart as flex's longest match does", () => {
    const toks = tokenize('+.1...0.200 0x1f 1234abcd -1 S. ... `x` "s\\"q"').map((t) => [t.type, t.text]);
    expect(toks).toEqual([
      ["punct", "+"],
      ["float", ".1"],
      ["ellipsis", "..."],
      ["float", "0.200"],
      ["int", "0x1f"],
      ["word", "1234abcd"],
      ["int", "-1"],
      ["word", "S"],
      ["punct", "."],
      ["ellipsis", "..."],
      ["backquote", "x"],
      ["string", 's"q'],
      ["eof", ""],
    ]);
  });

  it("skips // and /* */ comments and keeps line and column", () => {
    const toks = tokenize("// a\n  /* b\n c */ x // d\ny");
    expect(toks.map((t) => [t.text, t.line, t.col])).toEqual([
      ["x", 3, 7],
      ["y", 4, 1],
      ["", 4, 2],
    ]);
  });
});

describe("times", () => {
  it("reads seconds as exact microseconds", () => {
    expect(secondsToUs("0.100")).toBe(100_000);
    expect(secondsToUs(".1")).toBe(100_000);
    expect(secondsToUs("30")).toBe(30_000_000);
    expect(secondsToUs("0.0000015")).toBe(2);
  });

  it("parses absolute, relative, range, any and blocking end times", () => {
    expect(one("0.100 close(3) = 0").time).toEqual({ kind: "abs", us: 100_000 });
    expect(one("+.04 close(3) = 0").time).toEqual({ kind: "rel", us: 40_000 });
    expect(one("* close(3) = 0").time).toEqual({ kind: "any" });
    expect(one("0.1~0.2 close(3) = 0").time).toEqual({ kind: "absRange", us: 100_000, endUs: 200_000 });
    expect(one("+.35~+2.35 > S. 0:0(0) ack 1 <...>").time).toEqual({
      kind: "relRange",
      us: 350_000,
      endUs: 2_350_000,
    });
    const blocking = one("+.1...0.200 connect(3, ..., ...) = 0");
    expect(blocking.time).toEqual({ kind: "rel", us: 100_000 });
    expect(blocking.action).toMatchObject({ kind: "syscall", name: "connect", endUs: 200_000 });
    expect(one("0.000...0.250 accept(3, ..., ...) = 4").action).toMatchObject({ endUs: 250_000 });
  });
});

describe("syscalls", () => {
  it("socket with ellipsis and symbols", () => {
    expect(act("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3")).toEqual({
      kind: "syscall",
      name: "socket",
      args: [
        { kind: "ellipsis" },
        { kind: "symbol", name: "SOCK_STREAM" },
        { kind: "symbol", name: "IPPROTO_TCP" },
      ],
      endUs: null,
      result: { kind: "int", value: 3, text: "3" },
      errno: null,
      note: null,
    });
  });

  it("arrays, | expressions and hex", () => {
    expect(act("+0 setsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0xffffffff], 4) = 0")).toMatchObject({
      args: [
        { kind: "int", value: 4 },
        { kind: "symbol", name: "SOL_TCP" },
        { kind: "symbol", name: "TCP_NOTSENT_LOWAT" },
        { kind: "array", items: [{ kind: "int", value: 0xffffffff, text: "0xffffffff" }] },
        { kind: "int", value: 4 },
      ],
    });
    expect(act("+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0")).toMatchObject({
      args: [
        { kind: "int", value: 3 },
        { kind: "symbol", name: "F_SETFL" },
        {
          kind: "or",
          terms: [
            { kind: "symbol", name: "O_RDWR" },
            { kind: "symbol", name: "O_NONBLOCK" },
          ],
        },
      ],
    });
  });

  it("structs with named fields, htons() and inet_addr()", () => {
    expect(act("+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0")).toMatchObject({
      args: [
        {},
        {},
        {},
        {
          kind: "struct",
          items: [
            { kind: "field", name: "l_onoff", args: null, value: { kind: "int", value: 1 } },
            { kind: "field", name: "l_linger", args: null, value: { kind: "int", value: 0 } },
          ],
        },
        {},
      ],
    });
    const c = act(
      '+0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0',
    );
    expect(c).toMatchObject({
      args: [
        {},
        {
          kind: "struct",
          items: [
            { kind: "field", name: "sa_family", value: { kind: "symbol", name: "AF_INET" } },
            {
              kind: "field",
              name: "sin_port",
              value: { kind: "call", name: "htons", args: [{ kind: "int", value: 8080 }] },
            },
            {
              kind: "field",
              name: "sin_addr",
              value: {
                kind: "call",
                name: "inet_addr",
                args: [{ kind: "string", value: "192.0.2.1", more: false }],
              },
            },
          ],
        },
        {},
      ],
    });
  });

  it("msghdr-style fields with arguments, nested structs and arrays", () => {
    const a = act(
      "+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE, msg_control=[{cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data={ee_errno=0, ee_data=1}}]}, MSG_ERRQUEUE) = 0",
    );
    expect(a).toMatchObject({
      args: [
        {},
        {
          kind: "struct",
          items: [
            { kind: "field", name: "msg_name", args: [{ kind: "ellipsis" }], value: { kind: "ellipsis" } },
            {
              kind: "field",
              name: "msg_iov",
              args: [{ kind: "int", value: 1 }],
              value: {
                kind: "array",
                items: [{ kind: "struct", items: [{ kind: "ellipsis" }, { kind: "int", value: 0 }] }],
              },
            },
            { kind: "field", name: "msg_flags" },
            { kind: "field", name: "msg_control", value: { kind: "array" } },
          ],
        },
        { kind: "symbol", name: "MSG_ERRQUEUE" },
      ],
    });
  });

  it("errno and strace note", () => {
    expect(act("+0 read(4, ..., 4) = -1 EAGAIN (Resource temporarily unavailable)")).toMatchObject({
      result: { kind: "int", value: -1 },
      errno: "EAGAIN",
      note: "Resource temporarily unavailable",
    });
  });

  it("strings with a trailing ellipsis", () => {
    expect(act('+0 write(4, "abc"..., 3) = 3')).toMatchObject({
      args: [{}, { kind: "string", value: "abc", more: true }, {}],
    });
  });
});

describe("packets", () => {
  it("inbound SYN with an option list", () => {
    expect(act("+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>")).toEqual({
      kind: "tcp",
      dir: "<",
      ip: null,
      ports: null,
      flags: "S",
      seq: { start: 0, end: 0, len: 0 },
      ack: null,
      win: 32792,
      urg: null,
      options: [
        { kind: "mss", value: 1000 },
        { kind: "sackOK" },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "wscale", value: 7 },
      ],
    });
  });

  it("outbound SYN-ACK with <...>, and data with ack and no options", () => {
    expect(act("+0 > S. 0:0(0) ack 1 <...>")).toMatchObject({
      dir: ">",
      flags: "S.",
      ack: 1,
      win: null,
      options: "any",
    });
    expect(act("+0 < P. 1:1001(1000) ack 1 win 257")).toMatchObject({
      flags: "P.",
      seq: { start: 1, end: 1001, len: 1000 },
      ack: 1,
      win: 257,
      options: null,
    });
  });

  it("every flag combination the scripts use", () => {
    for (const f of [".", "S", "S.", "P.", "F.", "R", "R.", "SEW", "SE.", "FP.", "SF.", "E.", "U.", "-"])
      expect(act(`+0 < ${f} 0:0(0) win 1`)).toMatchObject({ flags: f });
  });

  it("TS, sack blocks, eol, urg, FO and FOEXP options", () => {
    expect(
      act("+0 > . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 700,nop,nop,sack 1001:2001 3001:4001>"),
    ).toMatchObject({
      options: [
        { kind: "nop" },
        { kind: "nop" },
        { kind: "ts", val: 100, ecr: 700 },
        { kind: "nop" },
        { kind: "nop" },
        {
          kind: "sack",
          blocks: [
            [1001, 2001],
            [3001, 4001],
          ],
        },
      ],
    });
    expect(act("+0 < S 0:0(0) win 32767 <mss 1460,sackOK,eol,eol>")).toMatchObject({
      options: [{ kind: "mss" }, { kind: "sackOK" }, { kind: "eol" }, { kind: "eol" }],
    });
    expect(act("+0 < U. 1:101(100) ack 1 win 257 urg 100")).toMatchObject({ flags: "U.", urg: 100 });
  });

  it("FO cookies as words or numbers", () => {
    expect(act("+0 < S. 0:0(0) ack 1 win 5840 <mss 1040,FO abcd1234,nop,nop>")).toMatchObject({
      options: [{ kind: "mss" }, { kind: "fo", cookie: "abcd1234" }, { kind: "nop" }, { kind: "nop" }],
    });
    expect(act("+0 > S 0:0(0) <FO,FOEXP 1234>")).toMatchObject({
      options: [
        { kind: "fo", cookie: null },
        { kind: "foexp", cookie: "1234" },
      ],
    });
  });

  it("IP info in brackets or parentheses, and explicit ports", () => {
    expect(act("+.1 < [ect1] . 1:1(0) ack 1 win 320")).toMatchObject({ ip: { ecn: "ect1" } });
    expect(act("+0 > (tos 0x10, flowlabel 0x1) P. 1:1001(1000) ack 1")).toMatchObject({
      ip: { tos: 16, flowlabel: 1 },
    });
    expect(act("+0 < [noecn] E. 1:1(0) ack 1001 win 320")).toMatchObject({
      ip: { ecn: "noecn" },
      flags: "E.",
    });
    expect(act("+0 < 1234>8080 S 0:0(0) win 100")).toMatchObject({ ports: { src: 1234, dst: 8080 } });
  });

  it("udp and icmp packets", () => {
    expect(act("+0 < udp (100)")).toEqual({ kind: "udp", dir: "<", ip: null, ports: null, len: 100 });
    expect(act("+.01 < icmp unreachable frag_needed mtu 840 [0:1000(1000)]")).toEqual({
      kind: "icmp",
      dir: "<",
      ip: null,
      type: "unreachable",
      code: "frag_needed",
      mtu: 840,
      id: null,
      echoed: { kind: "tcp", seq: { start: 0, end: 1000, len: 1000 } },
    });
    expect(act("+0 < icmp unreachable [5000:6000(1000)]")).toMatchObject({
      code: null,
      echoed: { kind: "tcp" },
    });
  });
});

describe("commands, code and options", () => {
  it("untimed and timed backquoted commands, multi-line", () => {
    const s = parseScript(
      "`../common/defaults.sh\n echo 3 > /x`\n0 `sysctl -q a=1`\n+0 close(3) = 0\n`/tmp/r.sh`",
      "t",
    );
    expect(s.events.map((e) => [e.time?.kind ?? null, e.action])).toEqual([
      [null, { kind: "command", text: "../common/defaults.sh\n echo 3 > /x" }],
      ["abs", { kind: "command", text: "sysctl -q a=1" }],
      ["rel", expect.objectContaining({ kind: "syscall" })],
      [null, { kind: "command", text: "/tmp/r.sh" }],
    ]);
  });

  it("%{ python }% blocks are kept as text", () => {
    expect(act("+0 %{\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n}%")).toEqual({
      kind: "code",
      text: "\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n",
    });
  });

  it("--option lines, with and without a value, before the events", () => {
    const s = parseScript(
      "--tolerance_usecs=10000\n--tcp_ts_ecr_scaled // a comment\n--local_ip=fd::1\n0 close(3) = 0",
      "t",
    );
    expect(s.options.map((o) => [o.name, o.value, o.line])).toEqual([
      ["tolerance_usecs", "10000", 1],
      ["tcp_ts_ecr_scaled", null, 2],
      ["local_ip", "fd::1", 3],
    ]);
  });

  it("keeps the event's source text and position", () => {
    const s = parseScript("\n   +0   > P.   1:1001(1000)  ack 1\n", "t");
    expect(s.events[0]).toMatchObject({ line: 2, col: 4, text: "+0 > P. 1:1001(1000) ack 1" });
  });
});

describe("errors", () => {
  const err = (src: string) => {
    const r = tryParseScript(src, "dir/x.pkt");
    if (r.kind !== "error") throw new Error(`expected a parse error, got ${r.kind}`);
    return r.error;
  };

  it("carries file, line and column", () => {
    const e = err("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0 win 100\n");
    expect(e).toBeInstanceOf(PacketdrillParseError);
    expect([e.file, e.line, e.col]).toEqual(["dir/x.pkt", 2, 12]);
    expect(e.message).toBe("dir/x.pkt:2:12: parse error: expected '(' in start:end(length) (got 'win')");
  });

  it("rejects an inconsistent sequence range", () => {
    expect(err("+0 < P. 1:1001(999) ack 1 win 1").detail).toMatch(
      /inconsistent sequence range 1:1001\(999\)/,
    );
  });

  it("rejects unterminated strings and code blocks with their position", () => {
    expect([err('0 open("/tmp/x, O_RDONLY) = 3').line, err("0 %{ x\n").col]).toEqual([1, 3]);
  });

  it("rejects option lines after events and unknown TCP options", () => {
    expect(err("0 close(3) = 0\n--mss=100").detail).toMatch(/option lines must come before/);
    expect(err("+0 < S 0:0(0) win 1 <bogus 3>").detail).toMatch(/unknown TCP option 'bogus'/);
  });

  it("reports constructs it does not take as unsupported, not as errors", () => {
    const r = tryParseScript("+0 < ipv4 192.0.2.1 > 192.168.0.1: S 0:0(0) win 1", "y.pkt");
    expect(r.kind).toBe("unsupported");
    if (r.kind === "unsupported") {
      expect(r.error).toBeInstanceOf(UnsupportedConstruct);
      expect(r.error.message).toBe("y.pkt:1: unsupported: explicit `ipv4 src > dst:` packet prefix");
    }
    expect(tryParseScript("+0 < gre: S 0:0(0) win 1").kind).toBe("unsupported");
    expect(tryParseScript("+0 > S. 0:0(0) ack 1 <AccECN0 1>").kind).toBe("unsupported");
  });
});
