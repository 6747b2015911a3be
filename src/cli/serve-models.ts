// `wirestack serve-models`: the seven server models of src/examples/servers serve the same load, one
// after another, each in a fresh World; prints requests per second (virtual and host time) and the
// server processes' wakeups as a table.
import type { Command } from "commander";
import { findModel, models, type ServerModel } from "../examples/servers/models.js";
import { formatModels, type LoadOptions, type ModelResult, runModel } from "../examples/servers/run.js";
import { loadCore } from "../node.js";

export interface ServeModelsOptions extends LoadOptions {
  /** Model names to run (default: all). */
  only?: string[];
  write?: (line: string) => void;
}

export async function runServeModels(opts: ServeModelsOptions = {}): Promise<ModelResult[]> {
  const write = opts.write ?? ((l: string) => console.log(l));
  const chosen: ServerModel[] = opts.only?.length
    ? opts.only.map((n) => {
        const m = findModel(n);
        if (!m) throw new Error(`unknown model ${n} (models: ${models.map((x) => x.name).join(", ")})`);
        return m;
      })
    : models;
  const results: ModelResult[] = [];
  for (const m of chosen) {
    const r = await runModel(await loadCore(), m, opts);
    if (r.errors.length) throw new Error(`${m.name}: ${r.errors.slice(0, 3).join("; ")}`);
    results.push(r);
  }
  write(formatModels(results, opts));
  return results;
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${v}`);
  return n;
};

export function registerServeModels(program: Command): void {
  program
    .command("serve-models")
    .description("seven server models: req/s and wakeups")
    .option("--clients <n>", "client processes", int, 8)
    .option("--connections <n>", "connections per client, one after another", int, 4)
    .option("--requests <n>", "requests per connection", int, 8)
    .option("--workers <n>", "workers of the multi-worker models", int, 4)
    .option("--service-us <n>", "virtual CPU time per request, in µs", int, 0)
    .option("--latency-us <n>", "one-way link latency, in µs", int, 50)
    .option("--only <models...>", `models to run (${models.map((m) => m.name).join(", ")})`)
    .action(
      async (o: {
        clients: number;
        connections: number;
        requests: number;
        workers: number;
        serviceUs: number;
        latencyUs: number;
        only?: string[];
      }) => {
        await runServeModels({
          clients: o.clients,
          connections: o.connections,
          requests: o.requests,
          workers: o.workers,
          serviceNs: o.serviceUs * 1000,
          latencyNs: o.latencyUs * 1000,
          only: o.only,
        });
      },
    );
}
