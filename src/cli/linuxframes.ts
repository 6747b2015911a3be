// The Linux section of the tour: frames the real Linux kernel sent (tests/fixtures/linux/linux.pcap),
// decoded by the Wasm core and printed tcpdump-style with checksum verdicts, compared line by line
// with tcpdump's own decode; then damaged copies and the drop reason the core gives each.
import { readFile } from "node:fs/promises";
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import { type PcapRecord, readPcap } from "../tools/pcap.js";
import { FramePrinter, formatSummary, type PrintStyle, printCapture } from "../tools/print.js";

const FIXTURE = "tests/fixtures/linux/linux.pcap";
const TCPDUMP_TEXT = "tests/fixtures/linux/linux.tcpdump.txt";

export interface LinuxSectionResult {
  /** Frames in the Linux capture, and how many passed every check in the core. */
  linuxFrames: number;
  linuxPassed: number;
  /** Lines identical to tcpdump's own decode (tags aside). */
  tcpdumpAgree: number;
  /** Drop reason name per damaged copy, in the order shown. */
  damaged: { what: string; reason: string }[];
}

/** Reads a file relative to the package root (src/cli under vitest, dist/src/cli when built). */
async function packageFile(path: string): Promise<Uint8Array> {
  for (const up of ["../../", "../../../"]) {
    try {
      return new Uint8Array(await readFile(new URL(`${up}${path}`, import.meta.url)));
    } catch {}
  }
  throw new Error(`wirestack demo: ${path} not found (the demo runs from a checkout of the repository)`);
}

/** Print the section through `write` (lines indented by the caller's convention: two spaces). */
export async function linuxSection(
  core: Core,
  write: (line: string) => void,
  style: PrintStyle,
  c: {
    bold(s: string): string;
    dim(s: string): string;
    green(s: string): string;
    yellow(s: string): string;
    red(s: string): string;
  },
): Promise<LinuxSectionResult> {
  write(c.dim(`  ${FIXTURE}: two network namespaces on a veth pair, captured with tcpdump (see its README)`));
  const file = readPcap(await packageFile(FIXTURE));
  const shown = printCapture(core, file, { style });
  for (const l of shown.lines) write(`  ${l}`);
  write(c.bold(`  ${formatSummary(shown.summary).replace("\n", "\n  ")}`));
  const tcpdumpLines = new TextDecoder()
    .decode(await packageFile(TCPDUMP_TEXT))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const plain = printCapture(core, file, { verdicts: false }).lines;
  const agree = plain.filter((l, i) => l === tcpdumpLines[i]).length;
  write(
    (agree === tcpdumpLines.length ? c.green : c.yellow)(
      `  ${agree} of ${tcpdumpLines.length} lines identical to \`tcpdump -nn -ttttt\` on the same capture (tags aside)`,
    ),
  );
  write("");
  write(c.bold("  Damaged copies: what the core drops, and why (Linux drop reasons)"));
  const printer = new FramePrinter(core, { style });
  const damaged: LinuxSectionResult["damaged"] = [];
  for (const d of damage(core, file.records)) {
    const { line, dissected } = printer.print(d.data, d.tsNs);
    write(`  ${c.yellow(d.what)}`);
    write(`    ${line}`);
    damaged.push({ what: d.what, reason: dissected.frame.reasonName });
  }
  return {
    linuxFrames: shown.summary.frames,
    linuxPassed: shown.summary.passed,
    tcpdumpAgree: agree,
    damaged,
  };
}

interface Damaged {
  what: string;
  data: Uint8Array;
  tsNs: bigint;
}

/** Three broken copies of Linux frames. Checksums the damage must keep valid are recomputed by the core. */
function damage(core: Core, records: PcapRecord[]): Damaged[] {
  const last = records[records.length - 1].tsNs;
  const find = (pred: (d: Uint8Array) => boolean, what: string) => {
    const r = records.find((x) => pred(x.data));
    if (!r) throw new Error(`wirestack demo: the capture has no ${what}`);
    return r.data.slice();
  };
  const isIp = (d: Uint8Array, proto: number) => d[12] === 0x08 && d[13] === 0x00 && d[14 + 9] === proto;
  const tcpFlags = (d: Uint8Array) => d[14 + 20 + 13];
  const out: Damaged[] = [];

  // a) IP header checksum off by one bit.
  const echo = find((d) => isIp(d, L.IPPROTO_ICMP), "ICMP frame");
  echo[14 + 11] ^= 0x01;
  out.push({
    what: "ICMP echo request with one bit of its IP header checksum flipped",
    data: echo,
    tsNs: last + 1_000_000n,
  });

  // b) A SYN cut after 12 bytes of TCP header; IP total length and checksum made consistent again.
  const syn = find((d) => isIp(d, L.IPPROTO_TCP) && tcpFlags(d) === L.TCPHDR_SYN, "SYN");
  const cut = syn.slice(0, 14 + 20 + 12);
  cut[14 + 2] = 0;
  cut[14 + 3] = 20 + 12;
  core.u8.set(cut, L.STAGING_OFFSET);
  core.x.ipv4ChecksumFill(L.STAGING_OFFSET + 14);
  cut.set(core.u8.subarray(L.STAGING_OFFSET + 14, L.STAGING_OFFSET + 34), 14);
  out.push({
    what: "SYN truncated inside its TCP header (12 of 40 bytes; IP length and checksum fixed up)",
    data: cut,
    tsNs: last + 2_000_000n,
  });

  // c) One payload byte changed in the data segment: the TCP checksum no longer matches.
  const data = find((d) => isIp(d, L.IPPROTO_TCP) && (tcpFlags(d) & L.TCPHDR_PSH) !== 0, "data segment");
  data[data.length - 6] ^= 0x0f; // "hello\n" -> "gello\n"
  out.push({
    what: 'data segment with one payload byte changed ("hello" -> "gello")',
    data,
    tsNs: last + 3_000_000n,
  });
  return out;
}
