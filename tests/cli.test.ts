import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { printPcapFile } from "../src/cli/pcap.js";
import { fixtureBytes, fixtureText } from "./helpers/linux-fixtures.js";

const main = new URL("../dist/src/cli/main.js", import.meta.url).pathname;

describe("wirestack --help", () => {
  it("lists every command with a one-line description", () => {
    const out = execFileSync(process.execPath, [main, "--help"], {
      encoding: "utf8",
      env: { ...process.env, COLUMNS: "200" },
    });
    for (const cmd of ["demo", "pcap", "ss", "lsof", "proc", "bench", "bench-report", "packetdrill"])
      expect(out).toMatch(new RegExp(`^\\s+${cmd}\\b.*\\S{3,}.*$`, "m"));
    // one line each, even at the 80 columns commander assumes on a pipe
    const commands = out.slice(out.indexOf("Commands:")).split("\n").slice(1).filter(Boolean);
    for (const l of commands) expect(l).toMatch(/^ {2}\S.* {2,}\S/);
    expect(out).toMatch(/^\s+demo \[options\]\s+the tour: a request from NIC to recv\(\)$/m);
    expect(out).toMatch(/^\s+ss \[options\] \[flags\.\.\.\]\s+ss over the tour's world: ss -tanpie$/m);
    expect(out).toMatch(/^\s+proc \[options\] <path>\s+\/proc files of the tour's world$/m);
    expect(out).toMatch(/^\s+pcap \[options\] <file>\s+print a capture tcpdump-style/m);
  });
});

describe("wirestack ss, lsof, proc over the tour's world", () => {
  const run = (...args: string[]) => execFileSync(process.execPath, [main, ...args], { encoding: "utf8" });

  it("ss takes ss's flags; --host picks the client", () => {
    const out = run("ss", "-tlnp");
    expect(out.split("\n")[1]).toMatch(
      /^LISTEN 1 +511 +0\.0\.0\.0:80 +0\.0\.0\.0:\* +users:\(\("nginx",pid=\d+,fd=3\)/,
    );
    expect(run("ss", "-tn", "--host", "client").split("\n").length).toBe(6); // header, 4 connections, ""
  });

  it("lsof and proc", () => {
    expect(run("lsof").split("\n")[0]).toBe("COMMAND PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME");
    expect(run("proc", "net/tcp").split("\n")[0]).toMatch(/^ {2}sl {2}local_address rem_address/);
    expect(run("proc", "/proc/1/fd")).toMatch(/^total 0\nlr-x------ 1 root root 64 /);
    expect(run("proc", "1/fdinfo/3")).toMatch(/^pos:\t0\nflags:\t02\n/);
    expect(() => execFileSync(process.execPath, [main, "proc", "nope"], { stdio: "pipe" })).toThrow(
      /not one of net\/tcp/,
    );
  });
});

describe("wirestack pcap", () => {
  it("prints a capture and its summary", async () => {
    const lines: string[] = [];
    expect(await printPcapFile(fixtureBytes("linux.pcap"), (l) => lines.push(l))).toBe(0);
    expect(lines.length).toBe(18);
    expect(lines[0]).toBe("00:00:00.000000 ARP, Request who-has 10.99.0.2 tell 10.99.0.1, length 28");
    expect(lines[17]).toMatch(/^17 frames: 17 passed every check/);
  });

  it("--count, --nano, --epoch, --no-verdicts", async () => {
    const lines: string[] = [];
    await printPcapFile(fixtureBytes("linux-ns.pcap"), (l) => lines.push(l), {
      count: 3,
      nano: true,
      epoch: true,
      verdicts: false,
    });
    expect(lines.length).toBe(4);
    expect(lines[2]).toMatch(
      /^\d{10}\.\d{9} IP 10\.99\.0\.1 > 10\.99\.0\.2: ICMP echo request, id \d+, seq 1, length 64$/,
    );
  });

  it("a truncated file: the whole frames, the summary, then the error with its code (exit 1)", async () => {
    const lines: string[] = [];
    expect(await printPcapFile(fixtureBytes("linux.pcap").subarray(0, 300), (l) => lines.push(l))).toBe(1);
    expect(lines.length).toBe(5);
    expect(lines[3]).toMatch(/^3 frames:/);
    expect(lines[4]).toBe(
      "wirestack pcap: truncated pcap file: record 3 at offset 254 holds 98 bytes, 30 left [EPCAP_TRUNCATED]",
    );
  });

  it("not a pcap file", async () => {
    const lines: string[] = [];
    expect(
      await printPcapFile(new TextEncoder().encode("hello, this is not a capture"), (l) => lines.push(l)),
    ).toBe(1);
    expect(lines).toEqual([
      "wirestack pcap: not a pcap file: magic 0x68656c6c, expected a1b2c3d4 or a1b23c4d [EPCAP_BAD_MAGIC]",
    ]);
  });

  it("runs as a command", () => {
    const out = execFileSync(
      process.execPath,
      [main, "pcap", new URL("fixtures/linux/linux.pcap", import.meta.url).pathname, "-c", "2"],
      {
        encoding: "utf8",
      },
    );
    expect(out.trim().split("\n")).toEqual([
      ...fixtureText("linux.tcpdump.txt")
        .split("\n")
        .slice(0, 2)
        .map((l) => l.trim()),
      "2 frames: 2 passed every check, 0 would be dropped; checksums verified: ip 0 ok, 0 bad; tcp/udp/icmp 0 ok, 0 bad",
    ]);
  });
});
