// Each server model serves a small load: every request gets its right response, nothing leaks, and
// the wakeup counts tell the models apart as they should.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runServeModels } from "../../src/cli/serve-models.js";
import { models } from "../../src/examples/servers/models.js";
import { makeRequest, makeResponse, REQ_SIZE, RESP_SIZE } from "../../src/examples/servers/protocol.js";
import { formatModels, type ModelResult, runModel } from "../../src/examples/servers/run.js";
import { freshCore } from "../helpers/core.js";
import { expectNoLeaks } from "../helpers/leaks.js";

const load = { clients: 4, connections: 2, requests: 3, workers: 3 };
const results = new Map<string, ModelResult>();

describe("server models", () => {
  it("the protocol: fixed sizes; a response depends on every byte of its request", () => {
    const a = makeRequest(1, 2, 3);
    expect(a.length).toBe(REQ_SIZE);
    expect(new TextDecoder().decode(a.subarray(0, 14))).toBe("GET c=1 k=2 r=");
    const ra = makeResponse(a);
    expect(ra.length).toBe(RESP_SIZE);
    for (const i of [0, 20, 63]) {
      const b = a.slice();
      b[i] ^= 1;
      expect(makeResponse(b)).not.toEqual(ra);
    }
  });

  it.each(models.map((m) => [m.name, m] as const))("%s serves every request right", async (_name, model) => {
    const core = await freshCore();
    const r = await runModel(core, model, load);
    results.set(model.name, r);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(r.requests);
    expect(r.requests).toBe(24);
    expect(r.virtualNs).toBeGreaterThan(0);
    expectNoLeaks(core, []);
  });

  it("the wakeup counts tell the models apart", () => {
    const w = (m: string) => results.get(m)!;
    // Process per connection: one child per connection.
    expect(w("fork").serverProcs).toBe(1 + load.clients * load.connections);
    expect(w("prefork").serverProcs).toBe(1 + load.workers);
    // Every worker's epoll watches the one listener: each connection wakes idle workers that then
    // find nothing to accept, so the shared-listener workers wake more than the reuseport ones.
    expect(w("workers-epoll").wakeups).toBeGreaterThan(w("reuseport").wakeups);
    const table = formatModels([...results.values()], load);
    expect(table).toContain("req/s virtual");
    for (const m of models) expect(table).toContain(m.name);
  });
});

describe("wirestack serve-models", () => {
  it("prints the table for the models asked for", async () => {
    const lines: string[] = [];
    const r = await runServeModels({ ...load, only: ["epoll", "prefork"], write: (l) => lines.push(l) });
    expect(r.map((x) => x.model)).toEqual(["epoll", "prefork"]);
    const text = lines.join("\n");
    expect(text).toMatch(/^load: 4 clients x 2 connections x 3 requests, 3 workers/);
    expect(text).toMatch(/^epoll\s+1\s+24\/24\s/m);
    expect(text).toMatch(/^prefork\s+4\s+24\/24\s/m);
    await expect(runServeModels({ only: ["nope"], write: () => {} })).rejects.toThrow(/unknown model nope/);
  });

  it("is listed by --help", () => {
    const main = new URL("../../dist/src/cli/main.js", import.meta.url).pathname;
    const out = execFileSync(process.execPath, [main, "--help"], {
      encoding: "utf8",
      env: { ...process.env, COLUMNS: "200" },
    });
    expect(out).toMatch(/^\s+serve-models \[options\]\s+seven server models/m);
  });
});
