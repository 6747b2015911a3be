// Backquoted commands read as settings (shell.ts) and syscall values (values.ts).
import { describe, expect, it } from "vitest";
import { parseScript } from "../../src/packetdrill/parse.js";
import { expandArith, interpretCommand } from "../../src/packetdrill/shell.js";
import { evalExpr, FdMap, matchValue, UnknownSymbol } from "../../src/packetdrill/values.js";

describe("shell commands", () => {
  it("reads sysctl lines the way sysctl(8) gets them", () => {
    expect(
      interpretCommand(
        'sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"\nsysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1\nsysctl -q net/ipv4/tcp_pacing_ss_ratio=200',
      ),
    ).toEqual([
      { kind: "sysctl", name: "net.ipv4.tcp_rmem", value: "4096 540000 15728640" },
      { kind: "sysctl", name: "net.ipv4.tcp_early_retrans", value: "4" },
      { kind: "sysctl", name: "net.ipv4.tcp_recovery", value: "1" },
      { kind: "sysctl", name: "net.ipv4.tcp_pacing_ss_ratio", value: "200" },
    ]);
  });

  it("reads set_sysctls.py with continuations, echo > /proc/sys, redirections and comments", () => {
    expect(
      interpretCommand(
        '../common/defaults.sh\n ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0 \\\n   /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304"\nsysctl -q net.ipv4.tcp_ecn=2    # server agrees\necho 1 > /proc/sys/net/ipv4/tcp_sack\nsysctl -q net.ipv4.tcp_notsent_lowat=4294967295 > /dev/null 2>&1',
      ),
    ).toEqual([
      { kind: "include", path: "../common/defaults.sh" },
      { kind: "sysctl", name: "net.ipv4.tcp_timestamps", value: "0" },
      { kind: "sysctl", name: "net.ipv4.tcp_wmem", value: "4096 50000 4194304" },
      { kind: "sysctl", name: "net.ipv4.tcp_ecn", value: "2" },
      { kind: "sysctl", name: "net.ipv4.tcp_sack", value: "1" },
      { kind: "sysctl", name: "net.ipv4.tcp_notsent_lowat", value: "4294967295" },
    ]);
  });

  it("ignores restores and metric flushes, and reports anything else", () => {
    expect(interpretCommand(["/tmp/sysctl_restore_$", "{PPID}.sh"].join(""))[0]).toMatchObject({
      kind: "ignore",
    });
    expect(interpretCommand("ip tcp_metrics flush all > /dev/null 2>&1")[0]).toMatchObject({
      kind: "ignore",
    });
    expect(
      interpretCommand(
        "tc qdisc delete dev tun0 root 2>/dev/null ; tc qdisc add dev tun0 root pfifo limit 0",
      ),
    ).toEqual([
      { kind: "other", line: "tc qdisc delete dev tun0 root 2>/dev/null" },
      { kind: "ignore", line: "tc qdisc add dev tun0 root pfifo limit 0", why: expect.any(String) },
    ]);
    expect(interpretCommand("echo 3 > /sys/module/tcp_cubic/parameters/hystart_detect")).toEqual([
      { kind: "other", line: "echo 3 > /sys/module/tcp_cubic/parameters/hystart_detect" },
    ]);
    expect(expandArith("$((256*1024)) $(( (2+3)*4 ))")).toBe("262144 20");
  });
});

describe("values", () => {
  const arg = (text: string, i = 0) => {
    const a = parseScript(`0 f(${text}) = 0`, "t").events[0].action;
    if (a.kind !== "syscall") throw new Error("not a syscall");
    return a.args[i];
  };
  const ctx = { defines: { CMSG_LEVEL_IP: "SOL_IP", ME: "0x10" } };

  it("resolves symbols, -D definitions, | and htons/inet_addr to engine values", () => {
    expect(evalExpr(arg("O_RDWR|O_NONBLOCK"), ctx)).toEqual({
      kind: "int",
      value: 2 | 0o4000,
      text: "O_RDWR|O_NONBLOCK",
    });
    expect(evalExpr(arg("EPOLLOUT|EPOLLET"), ctx)).toMatchObject({ value: 0x80000004 });
    expect(evalExpr(arg("CMSG_LEVEL_IP"), ctx)).toMatchObject({ value: 0 });
    expect(evalExpr(arg("ME"), ctx)).toMatchObject({ value: 16 });
    expect(
      evalExpr(arg('{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}'), ctx),
    ).toEqual({
      kind: "struct",
      fields: [
        { name: "sa_family", args: null, value: { kind: "int", value: 2, text: "AF_INET" } },
        { name: "sin_port", args: null, value: { kind: "int", value: 8080, text: "htons(8080)" } },
        { name: "sin_addr", args: null, value: { kind: "addr", family: 4, value: "192.0.2.1" } },
      ],
    });
    expect(() => evalExpr(arg("TFO_COOKIE"), ctx)).toThrow(UnknownSymbol);
  });

  it("matches what a call wrote against the script: ... anything, fields by name", () => {
    const exp = evalExpr(arg("[{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}]"), ctx);
    const act = evalExpr(arg("[{fd=4, events=5, revents=4}]"), ctx);
    expect(matchValue(exp, act)).toBeNull();
    const wrong = evalExpr(arg("[{fd=4, events=5, revents=1}]"), ctx);
    expect(matchValue(exp, wrong, "argument 1")).toBe(
      "argument 1[0].revents: expected POLLOUT (4) vs actual 1",
    );
    expect(
      matchValue(evalExpr(arg("{events=0, ptr=...}"), ctx), evalExpr(arg("{ptr=7, events=0}"), ctx)),
    ).toBeNull();
    expect(matchValue(evalExpr(arg('"ab"...'), ctx), { kind: "str", value: "abc" })).toBeNull();
  });

  it("maps fd= fields through the fd table", () => {
    const m = new FdMap();
    m.set(4, 9);
    expect(m.deep(evalExpr(arg("[{fd=4, events=POLLIN}]"), ctx))).toMatchObject({
      items: [{ fields: [{ name: "fd", value: { value: 9 } }, { name: "events" }] }],
    });
    expect(m.live(5)).toBe(5);
  });
});
