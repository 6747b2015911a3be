// Every public script runs to a verdict on the fake engine: the runner itself never throws, reads
// each script's defaults.sh, and reports UNSUPPORTED only for what it documents (TFO, MD5, UDP,
// IPv6, outbound ICMP, symbols it has no value for). The fake sends nothing unprompted, so most
// scripts FAIL at their first `>` line; that is expected here - the verdicts on a real TCP are the
// integrator's conformance run.
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeEngine } from "../../src/packetdrill/fake.js";
import { type RunResult, runFile } from "../../src/packetdrill/run.js";
import { CORPUS_DIR, corpusPresent, corpusScripts, corpusSkipReason, requireCorpusInCi } from "./corpus.js";

requireCorpusInCi();

describe.skipIf(!corpusPresent)(
  `packetdrill corpus on the fake engine${corpusPresent ? "" : ` (skipped: ${corpusSkipReason})`}`,
  () => {
    it("reaches a verdict on all 176 scripts without a runner error", async () => {
      const results: RunResult[] = [];
      for (const f of corpusScripts())
        results.push(await runFile(f, () => new FakeEngine(), { maxWaitNs: 2e9 }));
      const crashes = results.filter(
        (r) => r.status === "FAIL" && /engine error|parse error/.test(r.failure.text),
      );
      expect(
        crashes.map((r) => r.status === "FAIL" && `${relative(CORPUS_DIR, r.path)}: ${r.failure.text}`),
      ).toEqual([]);
      const unsupported = new Map<string, number>();
      for (const r of results)
        if (r.status === "UNSUPPORTED") unsupported.set(r.construct, (unsupported.get(r.construct) ?? 0) + 1);
      const count = (s: RunResult["status"]) => results.filter((r) => r.status === s).length;
      console.log(
        `fake engine: ${count("PASS")} pass, ${count("FAIL")} fail, ${count("UNSUPPORTED")} unsupported: ${[
          ...unsupported,
        ]
          .map(([k, v]) => `${k} x${v}`)
          .join("; ")}`,
      );
      // The fake answers no packets, so a PASS here means a script with no `>` line it could fail.
      expect(results).toHaveLength(176);
      for (const r of results)
        if (r.status === "UNSUPPORTED")
          expect(r.construct).toMatch(/Fast Open|MD5|UDP|IPv6|ICMP|unknown symbol|ipv6/);
    });
  },
);
