// curl against the engine over TUN versus curl against a Linux server over loopback, on this machine.
// Both servers are Node's http module with the same /bytes/N: the engine's runs over engine TCP/IP
// bridged to Linux through a TUN device (src/node/tun.ts), the other is tests/interop/
// linux-http-server.mjs on the Linux kernel's TCP over 127.0.0.1. Reported: medians of `runs` runs of
//   - throughput: one GET /bytes/<mib MiB>, curl's speed_download;
//   - latency, new connection: curl's time_total for GET / in a fresh curl (handshake included);
//   - latency, kept-alive: time_total of each GET / after the first when one curl fetches many.
// Needs what the TUN bridge needs (Linux, root, /dev/net/tun, socat, iproute2) and curl.
// Build, then: node dist/bench/tun-curl.js [--runs 5] [--mib 64] [--json out.json]
import { execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { serveHttp } from "../src/node/http.js";
import { EngineNet } from "../src/node/net-adapter.js";
import { httpApp } from "../src/node/services.js";
import { TunBridge } from "../src/node/tun.js";
import { loadCore } from "../src/node.js";
import { World } from "../src/world/world.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    mib: { type: "string", default: "64" },
    json: { type: "string" },
  },
});
const runs = Number(values.runs);
const bytes = Number(values.mib) * 1024 * 1024;
const NS = `wstbench${process.pid}`;

function curl(args: string[], ns?: string): Promise<string> {
  const cmd = ns ? "ip" : "curl";
  const argv = ns ? ["netns", "exec", ns, "curl", ...args] : args;
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 300_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl ${args.join(" ")}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Figures {
  throughputMBps: number[];
  newConnMs: number[];
  keepAliveMs: number[];
}

async function measure(base: string, ns?: string): Promise<Figures> {
  const f: Figures = { throughputMBps: [], newConnMs: [], keepAliveMs: [] };
  // warm-up: first request of each kind is not counted
  await curl(["-sS", "-o", "/dev/null", `${base}/bytes/${bytes}`], ns);
  for (let i = 0; i < runs; i++) {
    const speed = await curl(
      ["-sS", "-o", "/dev/null", "-w", "%{speed_download}", `${base}/bytes/${bytes}`],
      ns,
    );
    f.throughputMBps.push(Number(speed) / 1e6);
    const t = await curl(["-sS", "-o", "/dev/null", "-w", "%{time_total}", `${base}/`], ns);
    f.newConnMs.push(Number(t) * 1000);
  }
  const urls = Array.from({ length: runs * 4 + 1 }, () => `${base}/`);
  const out = await curl(
    ["-sS", "-w", "%{time_total}\\n", ...urls.flatMap((u) => ["-o", "/dev/null", u])],
    ns,
  );
  const times = out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => Number(l) * 1000);
  f.keepAliveMs.push(...times.slice(1));
  return f;
}

async function engineFigures(): Promise<Figures> {
  const world = new World(await loadCore(), { seed: 1 });
  const host = world.addHost("engine");
  const bridge = await TunBridge.open(host, {
    addr: "10.77.9.2/24",
    peer: "10.77.9.1",
    netns: NS,
    ifname: `wstb${process.pid % 10000}`,
  });
  const net = await EngineNet.start(host);
  const srv = await serveHttp(net, http.createServer(httpApp()), { port: 80 });
  try {
    return await measure("http://10.77.9.2", NS);
  } finally {
    srv.close();
    await net.close();
    world.kernel.stopRealtime();
    await bridge.close();
  }
}

async function loopbackFigures(): Promise<Figures> {
  const script = fileURLToPath(new URL("../../tests/interop/linux-http-server.mjs", import.meta.url));
  const port = 18080 + (process.pid % 1000);
  const p = spawn(process.execPath, [script, "127.0.0.1", String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    p.stdout.once("data", () => resolve());
    p.once("exit", (c) => reject(new Error(`linux-http-server exited with ${c}`)));
  });
  try {
    return await measure(`http://127.0.0.1:${port}`);
  } finally {
    p.kill("SIGTERM");
  }
}

const fmt = (x: number, d = 2) => x.toFixed(d);
const engine = await engineFigures();
const linux = await loopbackFigures();
const rows: [string, string, number, number][] = [
  ["throughput", "MB/s", median(engine.throughputMBps), median(linux.throughputMBps)],
  ["latency, new connection", "ms", median(engine.newConnMs), median(linux.newConnMs)],
  ["latency, kept-alive", "ms", median(engine.keepAliveMs), median(linux.keepAliveMs)],
];
console.log(`curl, ${values.mib} MiB body, medians of ${runs} runs (kept-alive: ${runs * 4} requests)`);
console.log("measure                     engine over TUN   Linux over loopback   engine / Linux");
for (const [name, unit, e, l] of rows) {
  console.log(
    `${`${name} (${unit})`.padEnd(28)}${fmt(e).padStart(15)}${fmt(l).padStart(22)}${fmt(e / l, 3).padStart(17)}`,
  );
}
if (values.json) await writeFile(values.json, JSON.stringify({ runs, bytes, engine, linux }, null, 2));
process.exit(0);
