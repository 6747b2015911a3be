// Runs the external packetdrill oracle's core list (../shared/packetdrill/CORE.txt, or
// $PACKETDRILL_CORPUS/CORE.txt) against the engine and prints one line per script and the count.
// Informational: exits 0 whatever the count (a failing script is a fidelity gap, not a broken build);
// exits 0 with a message when the corpus is absent, and 2 only when the build is missing.
// Usage: npm run conformance [-- --verbose] [-- LIST.txt]
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const corpus = resolve(process.env.PACKETDRILL_CORPUS ?? resolve(root, "../shared/packetdrill"));
const args = process.argv.slice(2);
const verbose = args.includes("--verbose") || args.includes("-v");
const listName = args.find((a) => !a.startsWith("-")) ?? "CORE.txt";
const list = resolve(corpus, listName);

if (!existsSync(list)) {
  console.log(`conformance: skipped (no packetdrill corpus: ${list} not found; set PACKETDRILL_CORPUS)`);
  process.exit(0);
}
const dist = resolve(root, "dist/src/packetdrill");
if (!existsSync(resolve(dist, "run.js"))) {
  console.error("conformance: dist/ not built; run `npm run build` first");
  process.exit(2);
}
const { runFile, formatResult, summaryLine } = await import(resolve(dist, "run.js"));
const { createEngine } = await import(resolve(dist, "engine-default.js"));

const scripts = readFileSync(list, "utf8")
  .split(/\r?\n/)
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => l.replace(/^\.\//, ""));
process.chdir(corpus);
console.log(`conformance: ${scripts.length} scripts from ${list}`);
// Each suite is run as its own harness runs it. gVisor's packetdrill_test.sh passes
// --tolerance_usecs=100000 (its scripts' timings are written for that tolerance: netstack and Linux
// both have to pass them); the other suites use packetdrill's default (4 ms, or the script's own line).
const suiteOptions = (path) => (path.startsWith("gvisor/") ? { toleranceUs: 100_000 } : {});
const sum = { passed: 0, failed: 0, skipped: 0, results: [] };
for (const path of scripts) {
  const r = await runFile(path, createEngine, suiteOptions(path));
  sum.results.push(r);
  if (r.status === "PASS") sum.passed++;
  else if (r.status === "FAIL") sum.failed++;
  else sum.skipped++;
  console.log(formatResult(r));
  if (verbose) for (const n of r.notes) console.log(`  note: ${n}`);
}
console.log(summaryLine(sum));
process.exitCode = 0;
