// Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4; Linux include/net/tcp.h before()/after()).
// Every comparison of sequence numbers goes through these: plain < on u32 values breaks at wrap-around.

/** seq1 comes before seq2 (Linux before()). */
export function before(seq1: number, seq2: number): boolean {
  return ((seq1 - seq2) | 0) < 0;
}

/** seq1 comes after seq2 (Linux after()). */
export function after(seq1: number, seq2: number): boolean {
  return ((seq2 - seq1) | 0) < 0;
}

/** seq1 >= seq2 in sequence space. */
export function afterEq(seq1: number, seq2: number): boolean {
  return ((seq1 - seq2) | 0) >= 0;
}

/** seq2 <= seq1 <= seq3 (Linux between()). */
export function between(seq1: number, seq2: number, seq3: number): boolean {
  return (seq3 - seq2) >>> 0 >= (seq1 - seq2) >>> 0;
}

/** seq + n, wrapped to u32. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/** The distance from `from` to `to` going forward (to - from mod 2^32), as a signed number. */
export function seqDiff(to: number, from: number): number {
  return (to - from) | 0;
}
