// The package's browser build in real Chromium: a page imports dist/src/browser.js as an ES module,
// its loadCore() fetches build/wirestack.wasm (WebAssembly.compileStreaming, application/wasm), and
// tests/browser/scenario.ts runs checksums, a frame parse and the README's TCP echo on it. The same
// scenario runs in Node on dist/src/node.js; both must give the golden values and each other's.
// Without /usr/bin/chromium these tests are skipped, except under CI (CI=true), where they fail.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import * as L from "../../src/generated/layout.js";
import { randomBytes, refSum } from "../helpers/checksum.js";
import { CHROMIUM_PATH, type Chromium, launchChromium } from "../helpers/chromium.js";
import * as G from "../helpers/golden.js";
import { readmeExample, testExample } from "../helpers/readme.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";
import { toolGate } from "../helpers/tools.js";
import type { Api, ScenarioInput, ScenarioResult } from "./scenario.js";

const ROOT = new URL("../../", import.meta.url);
const at = (p: string) => fileURLToPath(new URL(p, ROOT));
const SCENARIO = new URL("./scenario.ts", import.meta.url);

const BULK = randomBytes(1500, 0x5eed);
const toHex = (b: Uint8Array) => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");

const INPUT: ScenarioInput = {
  rfc1071: "00 01 f2 03 f4 f5 f6 f7", // RFC 1071 section 3: sum ddf2, checksum 220d
  ipv4Header: "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", // checksum field b861
  bulk: toHex(BULK),
  frame: G.TCP_SYN, // a SYN captured from Linux, 10.77.0.1:49172 > 10.77.0.2:8080
};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>wirestack in Chromium</title>
<link rel="icon" href="data:,">
<script type="module">
  // import() inside so a module that fails to load rejects with its reason
  globalThis.runWirestack = async (input) => {
    const [api, scenario] = await Promise.all([import("/dist/src/browser.js"), import("/scenario.js")]);
    return scenario.runScenario(api, input);
  };
</script>
`;

async function scenarioJs(): Promise<string> {
  const src = await readFile(SCENARIO, "utf8");
  return ts.transpileModule(src, {
    fileName: "scenario.ts",
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

function requireBuild(): void {
  for (const p of ["dist/src/node.js", "dist/src/browser.js", "build/wirestack.wasm"])
    if (!existsSync(at(p))) throw new Error(`${p} is missing: run \`npm run build\` first`);
}

/** The scenario in Node, on the built package's Node entry (the same JS the page gets). */
async function runInNode(): Promise<ScenarioResult> {
  const api = (await import(new URL("dist/src/node.js", ROOT).href)) as Api;
  const { runScenario } = await import("./scenario.js");
  return runScenario(api, INPUT);
}

const chromiumGate = toolGate("chromium", existsSync(CHROMIUM_PATH));

interface Runs {
  server: StaticServer;
  pageLog: string[];
  inNode: ScenarioResult;
  inBrowser: ScenarioResult;
}

describe.runIf(chromiumGate.run)(`the browser build in Chromium${chromiumGate.note}`, () => {
  let server: StaticServer | undefined;
  let browser: Chromium | undefined;
  let runs: Promise<Runs> | undefined;

  // Started by the first test and shared: a failure here fails every test (under CI a missing
  // Chromium too), where a failing beforeAll would only mark them skipped.
  async function start(): Promise<Runs> {
    chromiumGate.require();
    requireBuild();
    server = await startStaticServer({
      mounts: { "/dist/": at("dist/"), "/build/": at("build/") },
      files: { "/index.html": () => PAGE, "/scenario.js": scenarioJs },
    });
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const pageLog: string[] = [];
    page.on("console", (m) => pageLog.push(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => pageLog.push(`pageerror: ${e.message}`));
    await page.goto(`${server.origin}/index.html`);
    let inBrowser: ScenarioResult;
    try {
      inBrowser = await page.evaluate(
        (input) =>
          (globalThis as unknown as { runWirestack(i: ScenarioInput): Promise<ScenarioResult> }).runWirestack(
            input,
          ),
        INPUT,
      );
    } catch (e) {
      throw new Error(`the scenario failed in Chromium: ${(e as Error).message}\n${pageLog.join("\n")}`);
    }
    return { server, pageLog, inNode: await runInNode(), inBrowser };
  }
  // One fresh retry of the whole start (new server, new Chromium): on a loaded 2-core machine a
  // Chromium launch can fail for reasons of its own; a real fault fails twice.
  const run = () => {
    runs ??= start().catch(async (first: unknown) => {
      await browser?.close().catch(() => {});
      await server?.close().catch(() => {});
      browser = undefined;
      server = undefined;
      return start().catch((second: unknown) => {
        throw new Error(`Chromium scenario failed twice:\n1: ${String(first)}\n2: ${String(second)}`);
      });
    });
    return runs;
  };

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("loads the core through browser.js: build/wirestack.wasm served as application/wasm, nothing missing", async () => {
    const { server, pageLog } = await run();
    const reqs = server.requests;
    expect(reqs.filter((r) => r.status !== 200)).toEqual([]);
    expect(reqs.filter((r) => r.path.endsWith(".wasm"))).toEqual([
      { path: "/build/wirestack.wasm", status: 200, type: "application/wasm" },
    ]);
    expect(reqs.map((r) => r.path)).toContain("/dist/src/browser.js");
    expect(pageLog.filter((l) => l.startsWith("pageerror") || l.startsWith("console.error"))).toEqual([]);
  });

  it("checksums: the RFC 1071 example, an IPv4 header and 1500 bytes at four alignments", async () => {
    const { inNode, inBrowser } = await run();
    const c = inBrowser.checksum;
    expect(c.rfc1071).toEqual({ partial: 0xddf2, folded: 0x220d });
    expect(c.ipv4).toEqual({ verify: 0, recomputed: 0xb861 });
    const folded = ~refSum(BULK) & 0xffff;
    expect(c.bulk.map((b) => [b.align, b.folded])).toEqual([0, 1, 3, 16].map((a) => [a, folded]));
    expect(c).toEqual(inNode.checksum);
  });

  it("parseFrame: the fields of a captured Linux SYN", async () => {
    const { inNode, inBrowser } = await run();
    const f = inBrowser.frame;
    expect(f).toEqual({
      rc: 0,
      reason: 0,
      flags: L.FRAMEF_ETH | L.FRAMEF_IPV4 | L.FRAMEF_IP_CSUM_OK | L.FRAMEF_TCP | L.FRAMEF_L4_CSUM_OK,
      len: 74,
      ethertype: 0x0800,
      l3Off: 14,
      l4Off: 34,
      payloadLen: 0,
      eth: { dst: 0x02_00_00_00_00_02, src: 0x02_00_00_00_00_01, type: 0x0800 },
      ipv4: { ihl: 5, ttl: 64, totalLen: 60, id: 41111, proto: 6, saddr: 0x0a4d_0001, daddr: 0x0a4d_0002 },
      tcp: {
        sport: 49172,
        dport: 8080,
        seq: 857637114,
        ack: 0,
        flags: 0x02, // SYN
        window: 64240,
        mss: 1460,
        wscale: 10,
        tsval: 3934863541,
        tsecr: 0,
      },
    });
    expect(f).toEqual(inNode.frame);
  });

  it("the README's TCP echo: same text, same virtual time, same counters as in Node", async () => {
    const { inNode, inBrowser } = await run();
    const t = inBrowser.tcp;
    expect(t.log).toEqual(["hello over TCP after 6.006 ms"]);
    expect(t.nrSockets).toBe(0);
    expect(t.snmp.client.Tcp.ActiveOpens).toBe(1);
    expect(t.snmp.server.Tcp.PassiveOpens).toBe(1);
    expect(t).toEqual(inNode.tcp);
  });
});

it("the scenario's TCP program is the README's", () => {
  expect(readmeExample("tcp")).toEqual(testExample(SCENARIO.href));
});
