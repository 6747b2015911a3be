// The tour (`npm start`): every section is there, the timeline is the full path of a request, the
// tools agree with each other, the pcap is written, and the Linux frames still decode.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../src/cli/demo.js";
import { readPcap } from "../src/tools/pcap.js";
import { fixtureText } from "./helpers/linux-fixtures.js";
import { FULL_RX_PATH } from "./helpers/trace-stages.js";

describe("wirestack demo (npm start): the tour", () => {
  const tmp = mkdtempSync(join(tmpdir(), "wirestack-demo-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("builds the world, shows a request's timeline, the tools, the counters and writes a pcap", async () => {
    const lines: string[] = [];
    const out = join(tmp, "tour.pcap");
    const r = await runDemo({ write: (l) => lines.push(l), out });
    const text = lines.join("\n");

    const headings = lines.filter((l) => /^\d+\. /.test(l));
    expect(headings).toEqual([
      "1. A small world: a client, a server, nginx with workers",
      "2. One request segment, from the NIC to recv()",
      "3. ss: the server's sockets and who holds them",
      "4. lsof -i: every descriptor that refers to an inet socket",
      "5. /proc/net/tcp: the same sockets, as the kernel prints them",
      `6. A worker's file descriptors (pid ${r.workerPids[2]})`,
      "7. /proc/net/snmp and /proc/net/netstat: the server's counters",
      "8. A pcap of the server's wire",
      "9. Frames the Linux kernel sent, decoded by the same Wasm core (parseFrame)",
    ]);
    expect(text).toContain("3 responses came back (HTTP/1.1 200 OK)");

    // the timeline: every stage from the NIC to the copy in recv(), the lookup naming the worker
    expect(r.timeline.stages.map((s) => s.stage)).toEqual(FULL_RX_PATH);
    const worker = r.workerPids[2];
    expect(text).toMatch(
      new RegExp(
        `T\\+0\\.00 +Socket Lookup +hash\\(4-tuple 10\\.0\\.0\\.1:\\d+ -> 10\\.0\\.0\\.2:80\\) -> found socket fd=4, owned by nginx pid=${worker} +\\d+`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`Wakeup +sk_data_ready -> woke nginx pid=${worker} \\(sleeping in wait_woken\\)`),
    );
    expect(text).toMatch(/Copy to user +skb_copy_datagram_msg: 74 bytes into the user buffer/);

    // ss: the listener shared by the master and three workers, one connection in the accept queue
    const users = [...r.workerPids].reverse().map((p) => `("nginx",pid=${p},fd=3)`);
    expect(text).toContain(
      `LISTEN 1      511          0.0.0.0:80        0.0.0.0:*    users:(${users.join(",")},("nginx",pid=${r.masterPid},fd=3))`,
    );
    for (const p of r.workerPids)
      expect(text).toMatch(
        new RegExp(
          `^  ESTAB 0 +0 +10\\.0\\.0\\.2:80 +10\\.0\\.0\\.1:\\d+ users:\\(\\("nginx",pid=${p},fd=4\\)\\)$`,
          "m",
        ),
      );
    expect(text).toMatch(/^ {2}ESTAB 74 +0 +10\.0\.0\.2:80 +10\.0\.0\.1:\d+ *$/m);
    // lsof, /proc/net/tcp and the worker's fd table name the same inode
    const inode = /lrwx------ 1 root root 64 Jan {2}1 00:00 4 -> socket:\[(\d+)\]/.exec(text)![1];
    expect(text).toMatch(
      new RegExp(
        `nginx +${worker} root +4u +IPv4 +${inode} +0t0 +TCP 10\\.0\\.0\\.2:80->10\\.0\\.0\\.1:\\d+ \\(ESTABLISHED\\)`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`: 0200000A:0050 0100000A:[0-9A-F]{4} 01 00000000:00000000 .* ${inode} 1 `),
    );
    expect(text).toContain(`ino:\t${inode}`);
    // counters
    expect(text).toMatch(/^ {2}Tcp: 1 200 120000 -1 0 4 0 0 4 \d+ \d+ 0 0 0 0$/m);
    expect(text).toMatch(/^ {2}TcpPassiveOpens +4$/m);

    // the pcap
    expect(r.pcapPath).toBe(out);
    expect(existsSync(out)).toBe(true);
    const f = readPcap(new Uint8Array(readFileSync(out)));
    expect(f.precision).toBe("ns");
    expect(f.records.length).toBe(r.frames);
    expect(text).toContain(`wrote ${out}: ${r.frames} frames`);
    expect(text).toContain("IP 10.0.0.1.");

    // the Linux frames, tcpdump-style, all verified, and the damaged copies
    for (const l of fixtureText("linux.tcpdump.txt").split("\n").filter(Boolean))
      expect(text).toContain(`  ${l.trim()}${l.includes(" IP ") ? " [ip cksum ok]" : ""}`);
    expect(text).toContain("17 frames: 17 passed every check, 0 would be dropped");
    expect(r).toMatchObject({ linuxFrames: 17, linuxPassed: 17, tcpdumpAgree: 17 });
    expect(r.damaged.map((d) => d.reason)).toEqual(["IP_CSUM", "PKT_TOO_SMALL", "TCP_CSUM"]);
    // plain text unless asked for colour
    expect(text).not.toContain("\x1b[");
  });

  it("colours when asked", async () => {
    const lines: string[] = [];
    await runDemo({ write: (l) => lines.push(l), out: join(tmp, "c.pcap"), color: true });
    const text = lines.join("\n");
    expect(text).toContain("\x1b[36mSocket Lookup");
    expect(text).toContain("\x1b[32m[ip cksum ok]");
    expect(text).toContain("\x1b[31m[drop: IP_CSUM]");
  });
});
