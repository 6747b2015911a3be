// Runs a server model against the same load: a World with a "server" host and a "client" host on one
// cable; `clients` client processes on the client host each open `connections` connections one
// after the other and send `requests` requests on each, waiting for every response and checking it
// byte for byte. Reports requests per second in virtual time (the simulated network and service
// times) and in host time (what the simulation cost here), and the server processes' wakeups.

import type { Core } from "../../core/wasm.js";
import { AF_INET, MSG_WAITALL, SIGKILL, SOCK_STREAM } from "../../kernel/constants.js";
import type { Process } from "../../kernel/process.js";
import type { Sys } from "../../kernel/syscalls.js";
import { World } from "../../world/world.js";
import type { ModelCtx, ServerModel } from "./models.js";
import { makeRequest, makeResponse, RESP_SIZE, sameBytes } from "./protocol.js";

export interface LoadOptions {
  /** Client processes (default 8). */
  clients?: number;
  /** Connections each client opens, one after another (default 4). */
  connections?: number;
  /** Requests per connection, each waiting for its response (default 8). */
  requests?: number;
  /** Worker processes of the multi-worker models (default 4). */
  workers?: number;
  /** Virtual CPU time per request in ns (default 0: only the network takes time). */
  serviceNs?: number;
  /** One-way link latency in ns (default 50 µs). */
  latencyNs?: number;
  seed?: number;
}

export interface ModelResult {
  model: string;
  title: string;
  requests: number;
  /** Responses that matched their request byte for byte. */
  ok: number;
  /** Virtual time from the first client's start to the last client's end. */
  virtualNs: number;
  /** Host time for the same span. */
  hostMs: number;
  rpsVirtual: number;
  rpsHost: number;
  /** Server processes that ran (workers, forked children, the parent). */
  serverProcs: number;
  /** Server processes' wakeups during the load, and those that found nothing to do. */
  wakeups: number;
  spurious: number;
  syscalls: number;
  /** Errors of detached tasks or client checks (empty when all went well). */
  errors: string[];
}

const PORT = 8080;

async function client(
  sys: Sys,
  c: number,
  load: Required<LoadOptions>,
  stats: { ok: number; errors: string[] },
) {
  const resp = new Uint8Array(RESP_SIZE);
  for (let k = 0; k < load.connections; k++) {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: PORT });
    for (let r = 0; r < load.requests; r++) {
      const req = makeRequest(c, k, r);
      await sys.send(s, req);
      const n = await sys.recv(s, resp, MSG_WAITALL);
      if (n === RESP_SIZE && sameBytes(resp, makeResponse(req))) stats.ok++;
      else stats.errors.push(`client ${c} conn ${k} req ${r}: wrong response (${n} bytes)`);
    }
    await sys.close(s);
  }
}

/** Serve the load with `model` in a fresh World on `core`. */
export async function runModel(core: Core, model: ServerModel, opts: LoadOptions = {}): Promise<ModelResult> {
  const load: Required<LoadOptions> = {
    clients: opts.clients ?? 8,
    connections: opts.connections ?? 4,
    requests: opts.requests ?? 8,
    workers: opts.workers ?? 4,
    serviceNs: opts.serviceNs ?? 0,
    latencyNs: opts.latencyNs ?? 50_000,
    seed: opts.seed ?? 1,
  };
  const world = new World(core, { seed: load.seed });
  const kernel = world.kernel;
  const clientHost = world.addHost("client");
  const serverHost = world.addHost("server");
  world.cable(clientHost, "10.0.0.1/24", serverHost, "10.0.0.2/24", { latencyNs: load.latencyNs });

  const servers: Process[] = [];
  const ctx: ModelCtx = {
    port: PORT,
    workers: load.workers,
    serviceNs: load.serviceNs,
    enter: (sys) => {
      servers.push(kernel.process(sys.getpid())!);
    },
    errors: [],
  };
  const main = serverHost.spawn(model.name, async (sys) => {
    ctx.enter(sys);
    await model.serve(sys, ctx);
  });
  // Setting up takes no virtual time; a millisecond lets every worker reach its accept or epoll_wait.
  await kernel.advance(1_000_000);
  const base = new Map(servers.map((p) => [p, { w: p.wakeups, s: p.spuriousWakeups, c: p.syscalls }]));

  const stats = { ok: 0, errors: [] as string[] };
  const t0 = kernel.now();
  const h0 = performance.now();
  const clients = Array.from({ length: load.clients }, (_, c) =>
    clientHost.spawn(`client${c}`, (sys) => client(sys, c, load, stats)),
  );
  await world.wait(...clients);
  const hostMs = performance.now() - h0;
  const virtualNs = kernel.now() - t0;
  for (const p of clients) if (p.error !== undefined) stats.errors.push(String(p.error));

  let wakeups = 0;
  let spurious = 0;
  let syscalls = 0;
  for (const p of servers) {
    const b = base.get(p) ?? { w: 0, s: 0, c: 0 };
    wakeups += p.wakeups - b.w;
    spurious += p.spuriousWakeups - b.s;
    syscalls += p.syscalls - b.c;
  }
  const live = servers.filter((p) => p.alive);
  for (const p of live) kernel.kill(p.pid, SIGKILL);
  await world.wait(main, ...live);
  for (const p of servers) if (p.error !== undefined) stats.errors.push(String(p.error));
  for (const e of ctx.errors) stats.errors.push(String(e));
  await world.runUntilIdle(); // TIME_WAIT and the rest, so the core is clean for the next model

  const requests = load.clients * load.connections * load.requests;
  return {
    model: model.name,
    title: model.title,
    requests,
    ok: stats.ok,
    virtualNs,
    hostMs,
    rpsVirtual: virtualNs > 0 ? (stats.ok * 1e9) / virtualNs : 0,
    rpsHost: hostMs > 0 ? (stats.ok * 1000) / hostMs : 0,
    serverProcs: servers.length,
    wakeups,
    spurious,
    syscalls,
    errors: stats.errors,
  };
}

function fmt(x: number, digits = 0): string {
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The results as a plain-text table. */
export function formatModels(results: ModelResult[], load: LoadOptions = {}): string {
  const head = [
    "model",
    "procs",
    "ok/requests",
    "virtual ms",
    "req/s virtual",
    "host ms",
    "req/s host",
    "wakeups",
    "spurious",
    "wakeups/req",
    "syscalls/req",
  ];
  const rows = results.map((r) => [
    r.model,
    String(r.serverProcs),
    `${r.ok}/${r.requests}`,
    fmt(r.virtualNs / 1e6, 2),
    fmt(r.rpsVirtual),
    fmt(r.hostMs, 1),
    fmt(r.rpsHost),
    String(r.wakeups),
    String(r.spurious),
    fmt(r.wakeups / Math.max(1, r.ok), 2),
    fmt(r.syscalls / Math.max(1, r.ok), 1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  const l = load;
  const about =
    `load: ${l.clients ?? 8} clients x ${l.connections ?? 4} connections x ${l.requests ?? 8} requests, ` +
    `${l.workers ?? 4} workers, link latency ${((l.latencyNs ?? 50_000) / 1000).toFixed(0)} µs, ` +
    `service time ${((l.serviceNs ?? 0) / 1000).toFixed(0)} µs per request`;
  const titles = results.map((r) => `  ${r.model.padEnd(w[0])}  ${r.title}`);
  return [about, "", line(head), ...rows.map(line), "", ...titles].join("\n");
}
