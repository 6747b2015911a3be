// A packet's timeline as a table:
//
//   T+µs    stage               what happened                                          host ns
//   T+0.00  NIC RX ring         eth0: frame of 71 bytes DMA'd into the RX ring             410
//   ...
//   T+0.00  Socket Lookup       hash(4-tuple ...) -> found socket fd=4, owned by nginx pid=1  230
//
// T+ is virtual time since the frame reached the NIC, in µs; "host ns" what the stage cost the host
// running the engine, measured.
import type { PacketTrace } from "./tracer.js";

/** How to colour the table's parts (terminal escapes from the CLI; none by default). */
export interface TimelineStyle {
  head(s: string): string;
  time(s: string): string;
  stage(s: string): string;
  cost(s: string): string;
}

const plain = (s: string) => s;
const PLAIN: TimelineStyle = { head: plain, time: plain, stage: plain, cost: plain };

export interface TimelineOptions {
  style?: TimelineStyle;
  /** Leave out the host cost column (for output that must not change between runs). */
  costs?: boolean;
}

/** T+ of a virtual time offset in ns, in µs with two decimals. */
export function tPlus(ns: number): string {
  return `T+${(ns / 1000).toFixed(2)}`;
}

/** The timeline's lines (no trailing newline). */
export function formatTimeline(p: PacketTrace, opts: TimelineOptions = {}): string[] {
  const st = opts.style ?? PLAIN;
  const costs = opts.costs ?? true;
  const t0 = p.stages[0]?.atNs ?? 0;
  const rows = p.stages.map((s) => [tPlus(s.atNs - t0), s.title, s.text, costs ? String(s.costNs) : ""]);
  const w0 = Math.max(4, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  const w3 = Math.max(7, ...rows.map((r) => r[3].length));
  const w2 = Math.max(13, ...rows.map((r) => r[2].length));
  const head = `${"T+µs".padEnd(w0)}  ${"stage".padEnd(w1)}  ${costs ? `${"what happened".padEnd(w2)}  ${"host ns".padStart(w3)}` : "what happened"}`;
  const out = [st.head(head)];
  for (const r of rows) {
    const what = costs ? r[2].padEnd(w2) : r[2];
    const cost = costs ? `  ${st.cost(r[3].padStart(w3))}` : "";
    out.push(`${st.time(r[0].padEnd(w0))}  ${st.stage(r[1].padEnd(w1))}  ${what}${cost}`);
  }
  if (costs) {
    const total = p.stages.reduce((a, s) => a + s.costNs, 0);
    out.push(
      st.time(`${"".padEnd(w0)}  ${"total".padEnd(w1)}  ${"".padEnd(w2)}  ${String(total).padStart(w3)}`),
    );
  }
  return out;
}
