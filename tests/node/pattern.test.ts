// The /bytes/N stream: words of xorshift32 from 0x9e3779b9, little-endian, however it is cut.
import { describe, expect, it } from "vitest";
import { PatternStream, patternBytes } from "../../src/node/services.js";

/** The definition, word by word. */
function reference(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const u = x >>> 0;
    for (let b = 0; b < 4 && i + b < n; b++) out[i + b] = (u >>> (8 * b)) & 255;
  }
  return out;
}

describe("PatternStream", () => {
  it("starts with the golden words of xorshift32(13, 17, 5) from 0x9e3779b9", () => {
    // words 0x510c4619, 0xe02e553e, little-endian
    expect(patternBytes(8).toString("hex")).toBe("19460c513e552ee0");
    expect(Buffer.from(reference(8)).toString("hex")).toBe("19460c513e552ee0");
    expect(patternBytes(3).toString("hex")).toBe("19460c");
  });

  it("gives the same bytes in one piece and cut at odd sizes", () => {
    const n = 200_003;
    const want = reference(n);
    expect(Buffer.compare(patternBytes(n), want)).toBe(0);
    const s = new PatternStream();
    const parts: Buffer[] = [];
    const sizes = [1, 3, 7, 4096, 65536, 5, 2, 65535];
    for (let got = 0, i = 0; got < n; i++) {
      const k = Math.min(sizes[i % sizes.length], n - got);
      parts.push(s.next(k));
      got += k;
    }
    expect(Buffer.compare(Buffer.concat(parts), want)).toBe(0);
  });
});
