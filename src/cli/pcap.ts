// `wirestack pcap <file>`: a capture decoded by the Wasm core, one tcpdump-style line per frame, with
// checksum verdicts and drop reasons, then a summary.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import pc from "picocolors";
import { loadCore } from "../node.js";
import { PcapError, pcapRecords, readPcapHeader } from "../tools/pcap.js";
import { FramePrinter, formatSummary, type PrintStyle } from "../tools/print.js";

export interface PcapCommandOptions {
  nano?: boolean;
  epoch?: boolean;
  verdicts?: boolean;
  count?: number;
  color?: boolean;
}

/** `wirestack pcap big.pcap | head`: a closed stdout ends the command quietly, as for tcpdump. */
export function exitQuietlyOnEpipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

/** Terminal colours for the printer's tags. */
export function printStyle(color: boolean): PrintStyle {
  const c = pc.createColors(color);
  return { ts: c.dim, ok: c.green, bad: c.red, drop: (s) => c.bold(c.red(s)) };
}

/**
 * Prints the capture in `bytes` through `write`. Returns 0, or 1 when the file is not a capture we
 * read or goes wrong part-way (the frames before that point are printed first, as tcpdump does).
 */
export async function printPcapFile(
  bytes: Uint8Array,
  write: (line: string) => void,
  opts: PcapCommandOptions = {},
): Promise<number> {
  const color = opts.color ?? false;
  const printer = new FramePrinter(await loadCore(), {
    precision: opts.nano ? "ns" : "us",
    time: opts.epoch ? "epoch" : "relative",
    verdicts: opts.verdicts ?? true,
    style: printStyle(color),
  });
  let failure: PcapError | undefined;
  try {
    const header = readPcapHeader(bytes);
    for (const r of pcapRecords(bytes, header)) {
      if (opts.count !== undefined && r.index >= opts.count) break;
      write(printer.print(r.data, r.tsNs, header.linkType, r.origLen).line);
    }
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    failure = e;
  }
  if (printer.summary.frames > 0 || !failure)
    write(pc.createColors(color).bold(formatSummary(printer.summary)));
  if (failure) {
    write(pc.createColors(color).red(`wirestack pcap: ${failure.message} [${failure.code}]`));
    return 1;
  }
  return 0;
}

export function registerPcap(program: Command): void {
  program
    .command("pcap")
    .description("print a capture tcpdump-style via Wasm")
    .argument("<file>", "a libpcap capture (µs or ns timestamps, Ethernet or raw IPv4)")
    .option("--nano", "print nanosecond timestamps", false)
    .option("--epoch", "print seconds since the epoch instead of time since the first frame", false)
    .option("--no-verdicts", "leave out the checksum and drop tags")
    .option("-c, --count <n>", "stop after n frames", (v) => Number.parseInt(v, 10))
    .action(async (file: string, o: PcapCommandOptions) => {
      exitQuietlyOnEpipe();
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (e) {
        console.error(`wirestack pcap: cannot read ${file}: ${(e as Error).message}`);
        process.exitCode = 2;
        return;
      }
      const rc = await printPcapFile(bytes, (l) => console.log(l), { ...o, color: pc.isColorSupported });
      if (rc) process.exitCode = rc;
    });
}
