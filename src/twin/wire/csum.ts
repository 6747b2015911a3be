// Internet checksum (RFC 1071) for the wire twins, over a DataView: 32-bit big-endian word loads,
// each split into its two 16-bit halves so the accumulator stays a small integer (V8 keeps it in a
// register as an int), folded per 32 KiB chunk and once at the end.
// Sums are kept folded to 16 bits and never complemented; 0 only when every word was 0, as with
// end-around carry arithmetic.

const CHUNK = 32768; // bytes per inner loop: 8192 words x 2 halves x 0xffff < 2^31

/** One's-complement sum of `len` bytes at `off` plus `sum` (< 2^31), folded to 16 bits. */
export function csumPartial(dv: DataView, off: number, len: number, sum: number): number {
  let acc = sum;
  let i = off;
  const end = off + len;
  while (end - i >= 4) {
    const stop = Math.min(end - 3, i + CHUNK);
    for (; i < stop; i += 4) {
      const w = dv.getUint32(i);
      acc += (w >>> 16) + (w & 0xffff);
    }
    acc = (acc & 0xffff) + (acc >>> 16);
  }
  if (i + 1 < end) {
    acc += dv.getUint16(i);
    i += 2;
  }
  if (i < end) acc += dv.getUint8(i) << 8;
  return fold(acc);
}

/** Folds a non-negative sum to 16 bits with end-around carry. */
export function fold(x: number): number {
  let s = x;
  while (s > 0xffff_ffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The value for a checksum field from a folded sum (Linux csum_fold). */
export function csumFold(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** Adds the IPv4 pseudo-header (addresses as u32 numbers) to a sum (csum_tcpudp_nofold). */
export function csumPseudo(saddr: number, daddr: number, len: number, proto: number, sum: number): number {
  return fold(sum + (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + proto + len);
}
