// The project's own packetdrill scripts (tests/packetdrill/scripts, written from Linux's documented
// behaviour) run through the runner against the World engine: every one must PASS, and nothing the
// connection under test sends may be left unmatched at the end.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../src/packetdrill/engine-default.js";
import { formatResult, runFile } from "../../src/packetdrill/run.js";

const DIR = join(import.meta.dirname, "scripts");
const scripts = readdirSync(DIR)
  .filter((f) => f.endsWith(".pkt"))
  .sort();

describe("own packetdrill scripts on the World engine", () => {
  it("has the scripts the TCP issue asks for", () => {
    for (const name of [
      "handshake-active-options.pkt",
      "handshake-passive-options.pkt",
      "data-delayed-ack.pkt",
      "fin-active-close.pkt",
      "fin-passive-close.pkt",
      "rst-closed-port.pkt",
      "rst-close-unread.pkt",
      "rto-backoff.pkt",
      "connect-refused.pkt",
    ])
      expect(scripts).toContain(name);
  });

  for (const name of scripts) {
    it(name, async () => {
      const r = await runFile(join(DIR, name), createEngine, { strictEnd: true });
      expect(formatResult(r)).toBe(`PASS ${join(DIR, name)}`);
    });
  }
});
