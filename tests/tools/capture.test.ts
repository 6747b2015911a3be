// pcap capture on engine devices and replay into another World: the same bytes come back, and the
// real tshark reads an engine capture of a TCP transfer without complaint and reassembles the
// stream to exactly the bytes sent.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AF_INET, SHUT_WR, SOCK_DGRAM, SOCK_STREAM } from "../../src/kernel/constants.js";
import { capture, replay } from "../../src/tools/capture.js";
import { LINKTYPE_ETHERNET, readPcap } from "../../src/tools/pcap.js";
import type { World } from "../../src/world/world.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

/** Deterministic bytes. */
function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A client sends `up`, the server answers with `down`, both close. */
async function transfer(world: World, up: Uint8Array, down: Uint8Array): Promise<void> {
  const server = world.host("server");
  const client = world.host("client");
  const srv = server.spawn("srv", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 8080 });
    sys.listen(s, 4);
    const c = await sys.accept(s);
    const buf = new Uint8Array(65536);
    let got = 0;
    for (;;) {
      const n = await sys.recv(c, buf);
      if (n === 0) break;
      got += n;
    }
    if (got !== up.length) throw new Error(`server got ${got}`);
    let off = 0;
    while (off < down.length) off += await sys.send(c, down.subarray(off));
    await sys.close(c);
    await sys.close(s);
  });
  const cli = client.spawn("cli", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 8080 });
    let off = 0;
    while (off < up.length) off += await sys.send(s, up.subarray(off));
    sys.shutdown(s, SHUT_WR);
    const buf = new Uint8Array(65536);
    let got = 0;
    for (;;) {
      const n = await sys.recv(s, buf);
      if (n === 0) break;
      got += n;
    }
    if (got !== down.length) throw new Error(`client got ${got}`);
    await sys.close(s);
  });
  expect(await world.wait(srv, cli)).toEqual([0, 0]);
  await world.runUntilIdle();
}

describe("capture and replay", () => {
  it("round trip: capture, read back, replay into a second World, the same bytes", async () => {
    const a = await clientServer({ latencyNs: 200_000 });
    const cap = capture(a.world, "server", "eth0");
    await transfer(a.world, pattern(20_000, 1), pattern(3_000, 2));
    cap.stop();
    expect(cap.linkType).toBe(LINKTYPE_ETHERNET);
    const file = cap.pcap();
    const back = readPcap(file);
    expect(back.precision).toBe("ns");
    expect(back.linkType).toBe(LINKTYPE_ETHERNET);
    expect(back.records.length).toBe(cap.frames.length);
    expect(cap.frames.some((f) => f.dir === "rx") && cap.frames.some((f) => f.dir === "tx")).toBe(true);
    back.records.forEach((r, i) => {
      expect(r.data).toEqual(cap.frames[i].data);
      expect(r.tsNs).toBe(cap.frames[i].tsNs);
    });
    // timestamps: the virtual clock, non-decreasing, the first SYN after the link's latency
    for (let i = 1; i < back.records.length; i++)
      expect(back.records[i].tsNs >= back.records[i - 1].tsNs).toBe(true);

    const b = await clientServer({ latencyNs: 200_000 });
    const again = capture(b.world, "server", "eth0", { direction: "rx" });
    const t0 = b.world.kernel.now();
    expect(replay(b.world, "server", "eth0", file)).toBe(back.records.length);
    await b.world.runUntilIdle();
    again.stop();
    expect(again.frames.length).toBe(back.records.length);
    again.frames.forEach((f, i) => {
      expect(f.data).toEqual(back.records[i].data);
      expect(f.tsNs - BigInt(t0)).toBe(back.records[i].tsNs - back.records[0].tsNs);
    });
    // "now" timing: every frame at once, still in order
    const c = await clientServer();
    const third = capture(c.world, "server", "eth0", { direction: "rx" });
    replay(c.world, "server", "eth0", back, { timing: "now" });
    await c.world.runUntilIdle();
    expect(third.frames.map((f) => f.data)).toEqual(back.records.map((r) => r.data));
    expect(new Set(third.frames.map((f) => f.tsNs)).size).toBe(1);
    await a.world.runUntilIdle();
    expectNoLeaks(c.world.core, []);
  });

  it("loopback: each frame once; a tun device's capture is raw IP; a wrong link type is refused", async () => {
    const { world, server } = await clientServer();
    const lo = capture(world, server, "lo");
    // UDP datagrams over lo: each is sent and received by lo, and captured once
    const p = server.spawn("dig", async (sys) => {
      const r = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.bind(r, { family: AF_INET, addr: "127.0.0.1", port: 53 });
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      for (const m of ["one", "two", "three"])
        await sys.sendto(s, new TextEncoder().encode(m), 0, { family: AF_INET, addr: "127.0.0.1", port: 53 });
      for (let i = 0; i < 3; i++) await sys.recv(r, new Uint8Array(10));
    });
    await world.wait(p);
    lo.stop();
    expect(lo.frames.length).toBe(3);
    expect(lo.frames.every((f) => f.dir === "tx")).toBe(true);
    expect(server.net.device("lo").stats.tx_packets).toBe(3);
    expect(new TextDecoder().decode(lo.frames[2].data.subarray(14 + 28))).toBe("three");
    server.net.addDevice("tun", "tun0", new Uint8Array(6), 1500);
    server.net.addAddress("tun0", "10.77.0.2/24");
    const t = capture(world, server, "tun0");
    expect(t.linkType).toBe(101);
    const q = server.spawn("q", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      await sys.sendto(s, new TextEncoder().encode("out"), 0, {
        family: AF_INET,
        addr: "10.77.0.1",
        port: 9,
      });
    });
    await world.wait(q);
    t.stop();
    expect(t.frames.length).toBe(1);
    expect(t.frames[0].data[0]).toBe(0x45); // an IPv4 header, no link header
    expect(readPcap(t.pcap()).linkType).toBe(101);
    expect(() => replay(world, server, "tun0", lo.pcap())).toThrow(/link type 1 is not tun0's \(raw IP\)/);
  });
});

// ---- tshark ---------------------------------------------------------------------------------

function findTshark(): string | undefined {
  try {
    execFileSync("tshark", ["--version"], { stdio: "ignore" });
    return "tshark";
  } catch {
    return undefined;
  }
}

const tshark = findTshark();
const inCI = process.env.CI === "true";
if (!tshark && !inCI) console.warn("tshark is not installed: skipping the tshark checks (CI runs them)");

describe.skipIf(!tshark && !inCI)(
  `tshark reads an engine capture${!tshark && !inCI ? " (skipped: tshark is not installed; CI runs it)" : ""}`,
  () => {
    const tmp = mkdtempSync(join(tmpdir(), "wirestack-tshark-"));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it("no malformed packets, no checksum errors, and TCP reassembly equals the bytes sent", async () => {
      if (!tshark) throw new Error("tshark not found: CI must have it (.ci/run installs Debian's tshark)");
      const { world } = await clientServer({ latencyNs: 300_000, faults: { loss: 0.02 } }, 3);
      const cap = capture(world, "client", "eth0");
      const up = pattern(150_000, 11);
      const down = pattern(40_000, 12);
      await transfer(world, up, down);
      cap.stop();
      const file = join(tmp, "transfer.pcap");
      writeFileSync(file, cap.pcap());
      const run = (args: string[]) =>
        execFileSync(tshark, ["-n", "-r", file, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });

      // every frame dissected, checksums verified: nothing bad, nothing malformed
      const total = run(["-T", "fields", "-e", "frame.number"]).trim().split("\n").length;
      expect(total).toBe(cap.frames.length);
      const bad = run([
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
        "-Y",
        "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || _ws.expert.severity == error",
        "-T",
        "fields",
        "-e",
        "frame.number",
      ]).trim();
      expect(bad).toBe("");
      const good = run([
        "-o",
        "tcp.check_checksum:TRUE",
        "-Y",
        "tcp.checksum.status == 1",
        "-T",
        "fields",
        "-e",
        "frame.number",
      ]);
      expect(good.trim().split("\n").length).toBe(cap.frames.filter((f) => f.data[23] === 6).length);

      // the stream, reassembled by tshark, in each direction
      const follow = run(["-q", "-z", "follow,tcp,raw,0"]);
      const lines = follow.split("\n");
      const node0 = lines.find((l) => l.startsWith("Node 0:"))!;
      expect(node0).toMatch(/^Node 0: 10\.0\.0\.1:\d+$/);
      let a = "";
      let b = "";
      for (const l of lines) {
        if (/^\t[0-9a-f]+$/.test(l)) b += l.slice(1);
        else if (/^[0-9a-f]+$/.test(l)) a += l;
      }
      expect(Buffer.from(a, "hex").equals(Buffer.from(up))).toBe(true);
      expect(Buffer.from(b, "hex").equals(Buffer.from(down))).toBe(true);
    }, 120_000);
  },
);
