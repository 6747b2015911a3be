// Deterministic 32-bit values for building benchmark inputs (xorshift32), so every run measures the
// same frames, flows and orders.
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}
