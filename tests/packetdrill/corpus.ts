// The external packetdrill scripts (../shared/packetdrill, not part of the project): where they are,
// and whether a test may skip when they are absent (it may not in CI).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const CORPUS_DIR = resolve(process.env.PACKETDRILL_CORPUS ?? "/work/shared/packetdrill");
export const corpusPresent = existsSync(join(CORPUS_DIR, "CORE.txt"));
export const corpusSkipReason = `packetdrill corpus not found at ${CORPUS_DIR} (set PACKETDRILL_CORPUS)`;

/** Fails the run in CI when the corpus is missing; elsewhere the caller skips with corpusSkipReason. */
export function requireCorpusInCi(): void {
  if (!corpusPresent && process.env.CI === "true") throw new Error(corpusSkipReason);
}

export function corpusScripts(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".pkt")) out.push(p);
    }
  };
  walk(CORPUS_DIR);
  return out;
}
