// The frames captured from Linux (tests/fixtures/linux/, see its README) and tshark's decode of them.
import { readFileSync } from "node:fs";

const dir = new URL("../fixtures/linux/", import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, dir), "utf8");
}

/** One frame as tshark decoded it: field name -> values (outer header first, then any quoted one). */
export type TsharkFrame = Record<string, string[]>;

export function tsharkOracle(): TsharkFrame[] {
  return JSON.parse(fixtureText("linux.tshark.json")) as TsharkFrame[];
}

/** First value of a field as a number (hex "0x.." or decimal), or undefined when absent. */
export function num(f: TsharkFrame, field: string, i = 0): number | undefined {
  const v = f[field]?.[i];
  return v === undefined ? undefined : Number(v);
}

/** tshark's "1795323027.631811000" as nanoseconds. */
export function epochNs(s: string): bigint {
  const [sec, frac = ""] = s.split(".");
  return BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, "0").slice(0, 9));
}
