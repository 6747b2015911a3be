// `wirestack packetdrill <script.pkt...>`: run packetdrill-format scripts, one line per script and a
// summary line `N passed, M failed` (`, K skipped` for unsupported scripts).
import type { Command } from "commander";
import { createEngine } from "../packetdrill/engine-default.js";
import { runFiles } from "../packetdrill/run.js";

export function registerPacketdrill(program: Command): void {
  program
    .command("packetdrill")
    .description("run packetdrill TCP scripts on the engine")
    .argument("<scripts...>", "packetdrill .pkt files")
    .option(
      "-v, --verbose",
      "also print the notes for each script (settings not applied, skipped code)",
      false,
    )
    .option("--strict-segments", "do not coalesce back-to-back segments into one TSO-sized segment")
    .option("--strict-end", "fail on outbound segments left unmatched at the end of a script", false)
    .option("--tolerance-usecs <n>", "timing tolerance in microseconds (overrides the scripts')")
    .option("-D, --define <sym=value...>", "define a symbol, as packetdrill -D")
    .action(
      async (
        scripts: string[],
        o: {
          verbose: boolean;
          strictSegments?: boolean;
          strictEnd: boolean;
          toleranceUsecs?: string;
          define?: string[];
        },
      ) => {
        const defines: Record<string, string> = {};
        for (const d of o.define ?? []) {
          const eq = d.indexOf("=");
          if (eq > 0) defines[d.slice(0, eq)] = d.slice(eq + 1);
        }
        try {
          const sum = await runFiles(scripts, createEngine, {
            verbose: o.verbose,
            strictSegments: o.strictSegments,
            strictEnd: o.strictEnd,
            toleranceUs: o.toleranceUsecs === undefined ? undefined : Number(o.toleranceUsecs),
            defines,
          });
          if (sum.failed > 0) process.exitCode = 1;
        } catch (e) {
          console.error(`packetdrill: ${e instanceof Error ? e.message : String(e)}`);
          process.exitCode = 2;
        }
      },
    );
}
