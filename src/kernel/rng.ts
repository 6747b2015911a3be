// The kernel's one seeded random generator: xoshiro128** (Blackman & Vigna), its 128-bit state
// filled from the seed by a splitmix32-style Weyl sequence with a murmur3 finalizer.
// Everything random in the engine (autobind names, ISNs, ephemeral ports, link faults) draws
// from the kernel's instance, so the same seed gives the same run.

const GOLDEN = 0x9e3779b9;

function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  readonly seed: number;

  constructor(seed = 1) {
    this.seed = seed >>> 0;
    let w = this.seed;
    const next = (): number => {
      w = (w + GOLDEN) | 0;
      return mix32(w);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A uniform unsigned 32-bit integer. */
  next32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.next32() / 4294967296;
  }

  /** A uniform integer in [lo, hi], both inclusive (like Linux get_random_u32_inclusive). hi - lo < 2^32. */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (!(span >= 1 && span <= 4294967296) || !Number.isInteger(lo) || !Number.isInteger(hi)) {
      throw new RangeError(`Rng.int: bad range [${lo}, ${hi}]`);
    }
    if (span === 4294967296) return lo + this.next32();
    // Rejection sampling: accept draws below the largest multiple of span.
    const limit = 4294967296 - (4294967296 % span);
    for (;;) {
      const x = this.next32();
      if (x < limit) return lo + (x % span);
    }
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }
}
