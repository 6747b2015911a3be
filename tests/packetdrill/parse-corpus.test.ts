// Every public packetdrill script in the external corpus parses, or is reported as an unsupported
// construct (never a parse error). The counts are printed for the report.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { tryParseScript } from "../../src/packetdrill/parse.js";
import { CORPUS_DIR, corpusPresent, corpusScripts, corpusSkipReason, requireCorpusInCi } from "./corpus.js";

requireCorpusInCi();

describe.skipIf(!corpusPresent)(
  `packetdrill corpus parses${corpusPresent ? "" : ` (skipped: ${corpusSkipReason})`}`,
  () => {
    it("parses all 176 scripts with no parse errors", () => {
      const files = corpusScripts();
      expect(files.length).toBe(176);
      const errors: string[] = [];
      const unsupported: string[] = [];
      let ok = 0;
      let events = 0;
      for (const f of files) {
        const r = tryParseScript(readFileSync(f, "utf8"), relative(CORPUS_DIR, f));
        if (r.kind === "ok") {
          ok++;
          events += r.script.events.length;
        } else if (r.kind === "error") errors.push(r.error.message);
        else unsupported.push(r.error.message);
      }
      console.log(
        `packetdrill corpus: ${files.length} scripts, ${ok} parsed (${events} events), ${unsupported.length} unsupported, ${errors.length} parse errors`,
      );
      for (const u of unsupported) console.log(`  ${u}`);
      expect(errors).toEqual([]);
      expect(ok + unsupported.length).toBe(176);
    });
  },
);
