// TypeScript twin of assembly/checksum.ts: the same functions over a Uint8Array, for differential
// tests and as the benchmark baseline. Results are bit-for-bit those of the Wasm core (u32 numbers,
// checksum field values 0..0xffff); see the header of assembly/checksum.ts for the conventions.
//
// The hot loop is the best plain TypeScript we found on V8: aligned 32-bit loads from a Uint32Array
// over the underlying ArrayBuffer, each word split into its two 16-bit halves and added into four
// int32 accumulators (8 words per iteration), chunked so no accumulator leaves the int32 range (V8
// would fall back to float adds). A float64 `acc += u32[i]` loop and 16-bit loads measured slower.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const CHUNK_WORDS = 16384; // 8 words/iteration, 4 accumulators: each gets <= 2048 * 4 * 0xffff < 2^31

// The view last summed, its byteOffset and a Uint32Array over its whole ArrayBuffer. Reading
// `.buffer` and `.byteOffset` of a typed array costs tens of nanoseconds on V8, more than summing 64
// bytes, so they are read once per view. A view's byteOffset never changes; if its buffer was detached
// its length is 0 and no word is read; if a resizable buffer grew, the word view is rebuilt.
let lastView: Uint8Array | undefined;
let lastBase = 0;
let lastWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function useView(buf: Uint8Array): void {
  const ab = buf.buffer;
  lastView = buf;
  lastBase = buf.byteOffset;
  lastWords = new Uint32Array(ab, 0, ab.byteLength >>> 2);
}

/** Adds a and b with end-around carry (Linux csum_add). */
export function csumAdd(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return (s >= 0x1_0000_0000 ? s + 1 : s) >>> 0;
}

/** a + ~b in one's complement (Linux csum_sub). */
export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** Folds a partial sum to 16 bits and complements it (csum_fold). */
export function csumFold(sum: number): number {
  let s = (sum & 0xffff) + (sum >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Folds a non-negative integer below 2^53 to 16 bits with end-around carries (0 only for 0). */
function fold16(x: number): number {
  // 2^32 = 1 modulo 0xffff, so carrying the bits above 32 back in keeps the residue and non-zeroness.
  while (x > 0xffff_ffff) x = (x % 0x1_0000_0000) + Math.floor(x / 0x1_0000_0000);
  x = (x >>> 16) + (x & 0xffff);
  return (x >>> 16) + (x & 0xffff);
}

function bswap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/**
 * Sum of the words [i, end) of `w`, each split into its 16-bit halves (as stored in memory order),
 * as an exact non-negative integer.
 */
function sumWords(w: Uint32Array<ArrayBufferLike>, i: number, end: number): number {
  let total = 0;
  while (i < end) {
    const stop = Math.min(end, i + CHUNK_WORDS);
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (; i + 8 <= stop; i += 8) {
      const w0 = w[i];
      const w1 = w[i + 1];
      const w2 = w[i + 2];
      const w3 = w[i + 3];
      const w4 = w[i + 4];
      const w5 = w[i + 5];
      const w6 = w[i + 6];
      const w7 = w[i + 7];
      a += (w0 & 0xffff) + (w0 >>> 16) + (w4 & 0xffff) + (w4 >>> 16);
      b += (w1 & 0xffff) + (w1 >>> 16) + (w5 & 0xffff) + (w5 >>> 16);
      c += (w2 & 0xffff) + (w2 >>> 16) + (w6 & 0xffff) + (w6 >>> 16);
      d += (w3 & 0xffff) + (w3 >>> 16) + (w7 & 0xffff) + (w7 >>> 16);
    }
    for (; i < stop; i++) {
      const x = w[i];
      a += (x & 0xffff) + (x >>> 16);
    }
    total += a + b + c + d;
  }
  return total;
}

/**
 * One's-complement partial sum of `len` bytes of `buf` from `off`, as big-endian words, added to `sum`
 * (Linux csum_partial; assembly/checksum.ts csumPartial). Any offset, any length. A span running past
 * the end of `buf` is cut there, as the core cuts one at the end of its memory.
 */
export function csumPartial(buf: Uint8Array, off: number, len: number, sum: number): number {
  const n = buf.length;
  if (!(off >= 0)) off = 0;
  else if (off > n) off = n;
  if (!(len >= 0)) len = 0;
  else if (len > n - off) len = n - off;
  if (buf !== lastView) useView(buf);
  // Work in absolute positions of the ArrayBuffer so the middle can use aligned Uint32Array loads.
  // Bytes at even absolute addresses are the low bytes of little-endian words ("abs" order); the
  // span's own word order differs by one byte swap when it starts at an odd address.
  const base = lastBase;
  const start = base + off;
  const end = start + len;
  let abs = 0;
  let p = start;
  const alignedStart = Math.min(end, start + ((4 - (start & 3)) & 3));
  for (; p < alignedStart; p++) abs += (p & 1) === 0 ? buf[p - base] : buf[p - base] << 8;
  const wordEnd = end >>> 2; // byte positions < 2^32: Node's ArrayBuffers stop at 4 GiB
  if (p >>> 2 < wordEnd) {
    if (wordEnd > lastWords.length) useView(buf);
    const middle = sumWords(lastWords, p >>> 2, wordEnd);
    // On a big-endian host a Uint32Array word's halves hold the bytes the other way round.
    abs += LITTLE_ENDIAN ? middle : fold16(middle) * 0x100;
    p = wordEnd * 4;
  }
  for (; p < end; p++) abs += (p & 1) === 0 ? buf[p - base] : buf[p - base] << 8;
  const f = fold16(abs);
  // abs order -> span order (swap when start is odd) -> big-endian (swap): two swaps cancel.
  return csumAdd(sum, (start & 1) === 1 ? f : bswap16(f));
}

/** Linux csum_block_add: a span at an odd offset has its sum rotated by 8 bits before adding. */
export function csumBlockAdd(csum: number, csum2: number, offset: number): number {
  csum2 >>>= 0;
  return csumAdd(csum, offset & 1 ? ((csum2 >>> 8) | (csum2 << 24)) >>> 0 : csum2);
}

/** Linux csum_block_sub. */
export function csumBlockSub(csum: number, csum2: number, offset: number): number {
  return csumBlockAdd(csum, ~csum2 >>> 0, offset);
}

/** IPv4 pseudo-header partial sum (Linux csum_tcpudp_nofold): addresses as numeric values. */
export function csumTcpudpNofold(
  saddr: number,
  daddr: number,
  len: number,
  proto: number,
  sum: number,
): number {
  let s = (sum >>> 0) + (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + (proto >>> 0);
  s += len >>> 0;
  // s < 2^35: fold the bits above 32 back in twice, as the core does with its u64.
  s = (s % 0x1_0000_0000) + Math.floor(s / 0x1_0000_0000);
  s = (s % 0x1_0000_0000) + Math.floor(s / 0x1_0000_0000);
  return s >>> 0;
}

/** Final TCP/UDP checksum from the pseudo-header fields and the segment's partial sum (csum_tcpudp_magic). */
export function csumTcpudpMagic(
  saddr: number,
  daddr: number,
  len: number,
  proto: number,
  sum: number,
): number {
  return csumFold(csumTcpudpNofold(saddr, daddr, len, proto, sum));
}

/** Checksum of an IPv4 header of `ihl` 32-bit words at buf[off]; 0 when the stored checksum is right. */
export function ipFastCsum(buf: Uint8Array, off: number, ihl: number): number {
  return csumFold(csumPartial(buf, off, ihl << 2, 0));
}

function csum16Add(a: number, b: number): number {
  const s = (a & 0xffff) + (b & 0xffff);
  return (s & 0xffff) + (s >>> 16);
}

/** New checksum field after a 16-bit field changed (RFC 1624 eqn. 3; Linux csum_replace2). */
export function csumReplace2(check: number, old16: number, new16: number): number {
  return ~csum16Add(csum16Add(~check, ~old16), new16) & 0xffff;
}

/** New checksum field after a 32-bit field changed (RFC 1624 eqn. 3; Linux csum_replace4). */
export function csumReplace4(check: number, old32: number, new32: number): number {
  return csumFold(csumAdd(csumSub(~(check & 0xffff) >>> 0, old32), new32));
}
