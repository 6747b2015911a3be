import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../src/cli/demo.js";
import { readPcap } from "../src/tools/pcap.js";
import { fixtureText } from "./helpers/linux-fixtures.js";

describe("wirestack demo (npm start)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "wirestack-demo-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("decodes the Linux capture, shows damaged copies with drop reasons, writes a pcap", async () => {
    const lines: string[] = [];
    const out = join(tmp, "demo.pcap");
    const r = await runDemo({ write: (l) => lines.push(l), out });
    const text = lines.join("\n");

    expect(text).toMatch(/^1\. Frames the Linux kernel sent, decoded by the Wasm core/m);
    expect(text).toMatch(/^2\. Damaged copies/m);
    expect(text).toMatch(/^3\. A pcap written by/m);
    // the Linux frames, tcpdump-style, all verified
    expect(text).toContain("ARP, Request who-has 10.99.0.2 tell 10.99.0.1, length 28");
    for (const l of fixtureText("linux.tcpdump.txt").split("\n").filter(Boolean))
      expect(text).toContain(`  ${l.trim()}${l.includes(" IP ") ? " [ip cksum ok]" : ""}`);
    expect(text).toContain(
      "ICMP 10.99.0.2 udp port 7778 unreachable, length 41 [ip cksum ok] [icmp cksum ok]",
    );
    expect(text).toContain("17 frames: 17 passed every check, 0 would be dropped");
    expect(text).toContain("17 of 17 lines identical to `tcpdump -nn -ttttt`");
    expect(r).toMatchObject({ linuxFrames: 17, linuxPassed: 17, tcpdumpAgree: 17 });
    // the damaged copies
    expect(r.damaged.map((d) => d.reason)).toEqual(["IP_CSUM", "PKT_TOO_SMALL", "TCP_CSUM"]);
    expect(text).toMatch(/\[bad ip cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}\] \[drop: IP_CSUM\]/);
    expect(text).toContain("tcp 12 [|tcp] [ip cksum ok] [drop: PKT_TOO_SMALL]");
    expect(text).toMatch(
      /Flags \[P\.\], seq \d+:\d+, .* \[bad tcp cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}\] \[drop: TCP_CSUM\]/,
    );
    expect(text).toMatch(/drop counters[^\n]*\n\s+IP_CSUM\s+1\n\s+PKT_TOO_SMALL\s+1\n\s+TCP_CSUM\s+1/);
    // the pcap it wrote
    expect(r.pcapPath).toBe(out);
    expect(text).toContain(`wrote ${out}: 20 frames`);
    expect(existsSync(out)).toBe(true);
    const f = readPcap(new Uint8Array(readFileSync(out)));
    expect(f.precision).toBe("ns");
    expect(f.records.length).toBe(20);
    // plain text unless asked for colour
    expect(text).not.toContain("\x1b[");
  });

  it("colours when asked", async () => {
    const lines: string[] = [];
    await runDemo({ write: (l) => lines.push(l), out: join(tmp, "c.pcap"), color: true });
    const text = lines.join("\n");
    expect(text).toContain("\x1b[32m[ip cksum ok]");
    expect(text).toContain("\x1b[31m[drop: IP_CSUM]");
  });
});
