// The benchmark harness every suite uses: tinybench underneath, one JSON shape out.
//   { suite, machine, results: [ { case, impl, median_ns, ops_per_s, bytes_per_s } ] }
// A case's function runs `ops` operations per call (an inner loop), so operations far shorter than
// the timer's resolution are still measured; figures are per operation, from the median sample.
import { cpus } from "node:os";
import { SingleBar } from "cli-progress";
import { Bench } from "tinybench";

export interface BenchCase {
  /** Short size or count: "64B", "1500B", "64KiB", "1k", "1M", "hit-1k". */
  case: string;
  /** "wasm-…" for the core, "ts…" for a TypeScript twin, or a peer's name. */
  impl: string;
  /** Operations performed by one call of fn. */
  ops: number;
  /** Bytes processed per operation (0 when bytes mean nothing for the case). */
  bytes: number;
  fn: () => unknown;
  /** Minimum samples, for cases whose one call is long (whole transfers); tinybench's default otherwise. */
  iterations?: number;
}

export interface BenchResult {
  case: string;
  impl: string;
  median_ns: number;
  ops_per_s: number;
  bytes_per_s: number;
  samples: number;
  rme_pct: number;
}

export interface SuiteResult {
  suite: string;
  machine: string;
  node: string;
  date: string;
  quick: boolean;
  results: BenchResult[];
}

export interface SuiteOptions {
  quick: boolean;
}

export interface Suite {
  name: string;
  description: string;
  /** Builds the cases (allocating cores, tables, frames) before anything is timed. */
  cases(opts: SuiteOptions): Promise<BenchCase[]>;
}

export function machineName(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? "unknown cpu"} x${c.length}`;
}

/** Runs each case in turn and returns the suite's JSON. Progress goes to stderr when it is a TTY. */
export async function runSuite(suite: Suite, opts: SuiteOptions): Promise<SuiteResult> {
  const cases = await suite.cases(opts);
  const time = opts.quick ? 150 : 1000;
  const warmupTime = opts.quick ? 50 : 250;
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: `${suite.name} [{bar}] {value}/{total} {case}`, hideCursor: true })
    : undefined;
  bar?.start(cases.length, 0, { case: "" });
  const results: BenchResult[] = [];
  for (const c of cases) {
    bar?.update({ case: `${c.case} ${c.impl}` });
    const bench = new Bench({
      time,
      warmupTime,
      warmup: true,
      ...(c.iterations ? { iterations: c.iterations, warmupIterations: 1 } : {}),
    });
    bench.add(`${c.case}/${c.impl}`, c.fn);
    await bench.run();
    const r = bench.tasks[0].result;
    if (r.state !== "completed") throw new Error(`bench ${suite.name} ${c.case}/${c.impl}: ${r.state}`);
    const median_ns = (r.latency.p50 * 1e6) / c.ops;
    const ops_per_s = median_ns > 0 ? 1e9 / median_ns : 0;
    results.push({
      case: c.case,
      impl: c.impl,
      median_ns: round(median_ns),
      ops_per_s: Math.round(ops_per_s),
      bytes_per_s: Math.round(ops_per_s * c.bytes),
      samples: r.latency.samplesCount ?? 0,
      rme_pct: round(r.latency.rme),
    });
    bar?.increment();
  }
  bar?.stop();
  return {
    suite: suite.name,
    machine: machineName(),
    node: process.version,
    date: new Date().toISOString(),
    quick: opts.quick,
    results,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Ratio of two impls' medians for one case (a / b as speed: b.median / a.median). */
export function speedup(res: SuiteResult, kase: string, fast: string, slow: string): number {
  const a = res.results.find((r) => r.case === kase && r.impl === fast);
  const b = res.results.find((r) => r.case === kase && r.impl === slow);
  if (!a || !b || a.median_ns === 0) return Number.NaN;
  return b.median_ns / a.median_ns;
}

/** Plain-text table of a suite's results for the terminal. */
export function formatSuite(res: SuiteResult): string {
  const rows = res.results.map((r) => [
    r.case,
    r.impl,
    r.median_ns.toFixed(r.median_ns < 100 ? 2 : 0),
    fmtRate(r.ops_per_s, "op/s"),
    r.bytes_per_s ? fmtRate(r.bytes_per_s, "B/s") : "-",
  ]);
  const head = ["case", "impl", "median ns", "ops/s", "bytes/s"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [`${res.suite} — ${res.machine}, node ${res.node}`, line(head), ...rows.map(line)].join("\n");
}

export function fmtRate(x: number, unit: string): string {
  const p = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const;
  for (const [v, s] of p) if (x >= v) return `${(x / v).toFixed(2)} ${s}${unit}`;
  return `${x.toFixed(0)} ${unit}`;
}
