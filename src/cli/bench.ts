// `wirestack bench <suite> [--quick] [--json <file|->]` and `wirestack bench-report`.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Command } from "commander";
import { formatSuite, runSuite, type SuiteResult } from "../../bench/harness.js";
import { renderReport } from "../../bench/report.js";
import { findSuite, suites } from "../../bench/suites/index.js";

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("run a benchmark suite (Wasm vs its twin)")
    .argument("<suite>", `one of: ${suites.map((s) => s.name).join(", ")}, or all`)
    .option("--quick", "short runs (for CI and smoke checks)", false)
    .option("--json <file>", "write the JSON results to a file, or - for stdout")
    .option("--html <file>", "also render an HTML report with charts")
    .action(async (name: string, o: { quick: boolean; json?: string; html?: string }) => {
      const chosen = name === "all" ? suites : [findSuite(name)];
      if (chosen.some((s) => !s)) {
        console.error(`unknown suite '${name}'; suites: ${suites.map((s) => s.name).join(", ")}`);
        process.exitCode = 2;
        return;
      }
      const results: SuiteResult[] = [];
      for (const s of chosen) {
        const res = await runSuite(s!, { quick: o.quick });
        results.push(res);
        if (o.json !== "-") console.log(`${formatSuite(res)}\n`);
      }
      const json = JSON.stringify(results.length === 1 ? results[0] : results, null, 2);
      if (o.json === "-") process.stdout.write(`${json}\n`);
      else if (o.json) await writeOut(o.json, json);
      if (o.html) await writeOut(o.html, await renderReport(results));
    });

  program
    .command("bench-report")
    .description("render saved bench JSON as HTML charts")
    .argument("<json...>", "result files written by `wirestack bench --json`")
    .requiredOption("-o, --out <file>", "the HTML file to write")
    .action(async (files: string[], o: { out: string }) => {
      const all: SuiteResult[] = [];
      for (const f of files) {
        const v = JSON.parse(await readFile(f, "utf8")) as SuiteResult | SuiteResult[];
        all.push(...(Array.isArray(v) ? v : [v]));
      }
      await writeOut(o.out, await renderReport(all));
      console.log(`wrote ${o.out}`);
    });
}

async function writeOut(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}
