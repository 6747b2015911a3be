// Renders suite JSON results as one self-contained HTML page: a bar chart per suite (median ns per
// operation, log scale, one bar per impl for each case) and the raw table. Chart.js is inlined from
// node_modules so the page opens offline.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { SuiteResult } from "./harness.js";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function renderReport(suites: SuiteResult[]): Promise<string> {
  const require = createRequire(import.meta.url);
  const chartJs = await readFile(require.resolve("chart.js/dist/chart.umd.min.js"), "utf8");
  const sections = suites.map((s, i) => {
    const cases = [...new Set(s.results.map((r) => r.case))];
    const impls = [...new Set(s.results.map((r) => r.impl))];
    const datasets = impls.map((impl) => ({
      label: impl,
      data: cases.map((c) => s.results.find((r) => r.case === c && r.impl === impl)?.median_ns ?? null),
    }));
    const rows = s.results
      .map(
        (r) =>
          `<tr><td>${esc(r.case)}</td><td>${esc(r.impl)}</td><td>${r.median_ns}</td><td>${r.ops_per_s.toLocaleString("en")}</td><td>${r.bytes_per_s ? (r.bytes_per_s / 1e9).toFixed(2) : "-"}</td></tr>`,
      )
      .join("\n");
    return `<section><h2>${esc(s.suite)}</h2><p>${esc(s.machine)} · node ${esc(s.node)} · ${esc(s.date)}${s.quick ? " · quick" : ""}</p>
<canvas id="c${i}" height="110"></canvas>
<script>new Chart(document.getElementById("c${i}"),{type:"bar",data:${JSON.stringify({ labels: cases, datasets })},options:{scales:{y:{type:"logarithmic",title:{display:true,text:"median ns per op (lower is better)"}}}}});</script>
<table><thead><tr><th>case</th><th>impl</th><th>median ns</th><th>ops/s</th><th>GB/s</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>wirestack benchmarks</title>
<style>body{font:14px system-ui,sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:nth-child(-n+2){text-align:left}</style>
<script>${chartJs}</script></head><body><h1>wirestack benchmarks</h1>${sections.join("\n")}</body></html>`;
}
