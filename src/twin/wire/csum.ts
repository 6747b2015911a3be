// Internet checksum (RFC 1071) for the wire twins, over a DataView: 32-bit big-endian word loads into
// a double accumulator (exact below 2^53, so no carry handling inside the loop), folded once.
// Sums are kept folded to 16 bits and never complemented; 0 only when every word was 0, as with
// end-around carry arithmetic.

/** One's-complement sum of `len` bytes at `off` plus `sum`, folded to 16 bits (not complemented). */
export function csumPartial(dv: DataView, off: number, len: number, sum: number): number {
  let acc = sum;
  let i = off;
  const end = off + len;
  const end4 = end - 3;
  while (i < end4) {
    acc += dv.getUint32(i);
    i += 4;
  }
  if (i + 1 < end) {
    acc += dv.getUint16(i);
    i += 2;
  }
  if (i < end) acc += dv.getUint8(i) << 8;
  return fold(acc);
}

/** Folds a non-negative sum (< 2^53) to 16 bits with end-around carry. */
export function fold(x: number): number {
  let s = x;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
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
