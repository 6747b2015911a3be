// Internet checksum (RFC 1071) over linear memory: a scalar and a SIMD sum, the IPv4 pseudo-header,
// and incremental update (RFC 1624).
//
// Read first: RFC 1071 sections 1-2 (the sum is byte-order independent and may be computed in any
// word size, folding carries back in), RFC 1624 sections 2-3 (why eqn. 3 and not eqn. 2), then
// Linux include/net/checksum.h (csum_add, csum_fold, csum_replace2/4, csum_block_add).
//
// Sums are kept as Linux keeps its __wsum: a 32-bit one's-complement partial sum of the span read as
// big-endian 16-bit words, carries folded back in. csumFold turns a partial sum into the final 16-bit
// checksum field value (complemented). All 16- and 32-bit values passed in or out are numbers as read
// big-endian from the wire (a field 0x12 0x34 is 0x1234; 192.168.0.1 is 0xc0a80001).
//
// Byte order inside the sum loops: we add little-endian words (what Wasm loads give) and swap once at
// the end; RFC 1071 section 2(B) shows the one's-complement sum is byte-order independent up to that
// swap. Every csumPartial* returns exactly csumAdd(sum, S) where S is the span's sum folded to 16 bits
// with end-around carries (S is 0 only for an all-zero span), so the scalar, SIMD and TypeScript
// versions agree bit for bit, not just modulo 0xffff.

/**
 * Spans at least this long go to the SIMD loop in csumPartial. Measured crossover (Node 20 / V8 11.3,
 * AMD EPYC Zen 4): the scalar loop wins by about 0.3 ns below 44 bytes, the SIMD loop from 48 bytes on
 * (8.2 against 8.4 ns at 48, 8.8 against 9.5 at 64, 9.8 against 12.0 at 128, per call from JS).
 */
export const CSUM_SIMD_MIN: u32 = 48;

/** Adds a and b with end-around carry (Linux csum_add). */
@inline export function csumAdd(a: u32, b: u32): u32 {
  const s = <u64>a + <u64>b;
  return <u32>(s + (s >> 32));
}

/** Subtracts b from a in one's complement: a + ~b (Linux csum_sub). */
@inline export function csumSub(a: u32, b: u32): u32 {
  return csumAdd(a, ~b);
}

/** Folds a partial sum to 16 bits and complements it: the value for a checksum field (csum_fold). */
@inline export function csumFold(sum: u32): u32 {
  let s = (sum & 0xffff) + (sum >> 16);
  s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

// ---- span sums ----------------------------------------------------------------------------------

/** Cuts a span that runs past the end of linear memory at that end, so no load can trap. */
@inline function spanLen(ptr: usize, len: u32): u32 {
  const limit = <u64>memory.size() << 16;
  if (<u64>ptr + <u64>len <= limit) return len;
  return <u64>ptr >= limit ? 0 : <u32>(limit - <u64>ptr);
}

/** csumAdd(sum, S): S = the exact little-endian word sum folded to 16 bits, then byte-swapped. */
@inline function finish(le: u64, sum: u32): u32 {
  le = (le & 0xffff_ffff) + (le >> 32);
  le = (le & 0xffff_ffff) + (le >> 32);
  let s = <u32>le;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return csumAdd(sum, <u32>bswap<u16>(<u16>s));
}

/** Little-endian word sum of the last n < 16 bytes at p (an odd final byte is a word's low byte). */
@inline function tailLe(p: usize, n: u32): u64 {
  let acc: u64 = 0;
  if (n & 8) {
    const w = load<u64>(p);
    acc = (w & 0xffff_ffff) + (w >> 32);
    p += 8;
  }
  if (n & 4) {
    acc += <u64>load<u32>(p);
    p += 4;
  }
  if (n & 2) {
    acc += <u64>load<u16>(p);
    p += 2;
  }
  if (n & 1) acc += <u64>load<u8>(p);
  return acc;
}

/**
 * Scalar little-endian sum: 32-bit words into four independent 64-bit accumulators, 32 bytes per
 * iteration. A u64 lane takes 2^32 words before it could overflow, more than any u32 length holds.
 */
function scalarLe(p: usize, n: u32): u64 {
  let a0: u64 = 0;
  let a1: u64 = 0;
  let a2: u64 = 0;
  let a3: u64 = 0;
  while (n >= 32) {
    a0 += <u64>load<u32>(p) + <u64>load<u32>(p, 4);
    a1 += <u64>load<u32>(p, 8) + <u64>load<u32>(p, 12);
    a2 += <u64>load<u32>(p, 16) + <u64>load<u32>(p, 20);
    a3 += <u64>load<u32>(p, 24) + <u64>load<u32>(p, 28);
    p += 32;
    n -= 32;
  }
  let acc = a0 + a1 + a2 + a3;
  while (n >= 16) {
    acc += <u64>load<u32>(p) + <u64>load<u32>(p, 4) + <u64>load<u32>(p, 8) + <u64>load<u32>(p, 12);
    p += 16;
    n -= 16;
  }
  return acc + tailLe(p, n);
}

// SIMD: each 16-byte vector is xor-ed with 0x8000 per 16-bit lane and multiplied-and-added with ones
// (i32x4.dot_i16x8_s, one pmaddwd on x86): every i32 lane gets (a - 0x8000) + (b - 0x8000), the sum of
// two words minus 0x10000. Signed lanes move at most 0x10000 per vector; the bias is added back as a
// count (2^18 per vector: 4 lanes of 0x10000). Three vector ops per 16 bytes, against four for
// i32x4.extadd_pairwise_i16x8_u, whose unsigned form x86 has no single instruction for.
// Four accumulators per 64-byte iteration hide the add latency; they are summed and widened to i64
// once per block of SIMD_BLOCK iterations, before any lane could overflow:
// 4 accumulators x SIMD_BLOCK x 0x10000 = 2^30 < 2^31.
// What limits it: V8 turns the inner loop into 4 loads + 12 vector ops (vpxor, vpmaddwd, vpaddd) per
// 64 bytes, hoisting both constants into registers; on Zen 4 that runs at about 3.5 cycles per 64
// bytes, close to the 3 cycles that 12 ops on its 4 vector pipes allow, and 16 KiB (in L1) and 64 KiB
// (in L2) run at the same bytes per cycle, so memory is not the limit. Wasm SIMD is 128 bits wide.
const SIMD_BLOCK: u32 = 4096; // 64-byte iterations per block (256 KiB)
const VEC_BIAS: i64 = 1 << 18; // what one biased vector took away from the sum

@inline function biased(v: v128): v128 {
  return i32x4.dot_i16x8_s(v128.xor(v, i16x8.splat(<i16>0x8000)), i16x8.splat(1));
}

@inline function laneSum(v: v128): i64 {
  const w = i64x2.add(i64x2.extend_low_i32x4_s(v), i64x2.extend_high_i32x4_s(v));
  return i64x2.extract_lane(w, 0) + i64x2.extract_lane(w, 1);
}

/** SIMD little-endian sum: exact, as a non-negative integer (< 2^48 for any u32 length). */
function simdLe(p: usize, n: u32): u64 {
  let acc: i64 = 0;
  while (n >= 128) {
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    let a2 = i32x4.splat(0);
    let a3 = i32x4.splat(0);
    let blk = n >> 6; // >= 2
    if (blk > SIMD_BLOCK) blk = SIMD_BLOCK;
    n -= blk << 6;
    acc += <i64>blk * (4 * VEC_BIAS);
    do {
      a0 = i32x4.add(a0, biased(v128.load(p)));
      a1 = i32x4.add(a1, biased(v128.load(p, 16)));
      a2 = i32x4.add(a2, biased(v128.load(p, 32)));
      a3 = i32x4.add(a3, biased(v128.load(p, 48)));
      p += 64;
    } while (--blk); // a counter, not p < end: end may wrap to 0 at the 4 GiB top of memory
    acc += laneSum(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)));
  }
  if (n >= 16) {
    let b = biased(v128.load(p));
    let k: i64 = 1;
    p += 16;
    n -= 16;
    while (n >= 16) {
      b = i32x4.add(b, biased(v128.load(p)));
      k++;
      p += 16;
      n -= 16;
    }
    acc += k * VEC_BIAS + laneSum(b);
  }
  return <u64>acc + tailLe(p, n);
}

/**
 * One's-complement partial sum of `len` bytes at `ptr`, as big-endian words, added to `sum`
 * (Linux csum_partial). Any alignment, any length: an odd final byte is the high byte of a word.
 * Picks the scalar or the SIMD loop by length. A span past the end of memory is cut there (no trap).
 */
export function csumPartial(ptr: usize, len: u32, sum: u32): u32 {
  len = spanLen(ptr, len);
  return finish(len >= CSUM_SIMD_MIN ? simdLe(ptr, len) : scalarLe(ptr, len), sum);
}

/** csumPartial with the scalar loop only (for benchmarks and differential tests). */
export function csumPartialScalar(ptr: usize, len: u32, sum: u32): u32 {
  return finish(scalarLe(ptr, spanLen(ptr, len)), sum);
}

/** csumPartial with the SIMD loop only (for benchmarks and differential tests). */
export function csumPartialSimd(ptr: usize, len: u32, sum: u32): u32 {
  return finish(simdLe(ptr, spanLen(ptr, len)), sum);
}

/**
 * Adds the partial sum `csum2` of a span that starts `offset` bytes into the packet to `csum`
 * (Linux csum_block_add). A span at an odd offset has its words' bytes the other way round relative
 * to the packet, so its sum is rotated by 8 bits (which is a byte swap modulo 0xffff) before adding.
 */
export function csumBlockAdd(csum: u32, csum2: u32, offset: u32): u32 {
  return csumAdd(csum, offset & 1 ? rotr<u32>(csum2, 8) : csum2);
}

/** Removes a span's partial sum added by csumBlockAdd (Linux csum_block_sub). */
export function csumBlockSub(csum: u32, csum2: u32, offset: u32): u32 {
  return csumBlockAdd(csum, ~csum2, offset);
}

// ---- pseudo-header and IPv4 header --------------------------------------------------------------

/** IPv4 pseudo-header partial sum (Linux csum_tcpudp_nofold): addresses as numeric values. */
export function csumTcpudpNofold(saddr: u32, daddr: u32, len: u32, proto: u32, sum: u32): u32 {
  let s: u64 = <u64>sum;
  s += <u64>(saddr >> 16) + <u64>(saddr & 0xffff);
  s += <u64>(daddr >> 16) + <u64>(daddr & 0xffff);
  s += <u64>proto + <u64>len;
  s = (s & 0xffff_ffff) + (s >> 32);
  return <u32>((s & 0xffff_ffff) + (s >> 32));
}

/** Final TCP/UDP checksum from pseudo-header fields and the segment's partial sum (csum_tcpudp_magic). */
export function csumTcpudpMagic(saddr: u32, daddr: u32, len: u32, proto: u32, sum: u32): u32 {
  return csumFold(csumTcpudpNofold(saddr, daddr, len, proto, sum));
}

/** Checksum of an IPv4 header of `ihl` 32-bit words at ptr; 0 when the stored checksum is right. */
export function ipFastCsum(ptr: usize, ihl: u32): u32 {
  return csumFold(csumPartial(ptr, ihl << 2, 0));
}

// ---- incremental update (RFC 1624) --------------------------------------------------------------
//
// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), every + a 16-bit one's-complement add (end-around carry).
// A one's-complement sum of operands that are not all zero is never +0 (0x0000), so HC' is 0xffff only
// when ~HC, ~m and m' are all zero; for any real header the result lies in 0x0000..0xfffe, exactly what
// a full recomputation gives (csumFold of a non-zero sum never yields 0xffff). Eqn. 2 of RFC 1141
// (HC' = HC + m + ~m') can give 0xffff where recomputation gives 0x0000 (RFC 1624 section 4:
// HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000 here, 0xffff by eqn. 2). Linux's csum_replace2/4 are
// eqn. 3, so are these. The one case where recomputation differs: if the new header is all zero bytes
// recomputation gives 0xffff and eqn. 3 gives 0x0000 (both mean zero in one's complement).

/** 16-bit one's-complement add (Linux csum16_add). */
@inline function csum16Add(a: u32, b: u32): u32 {
  const s = (a & 0xffff) + (b & 0xffff);
  return (s & 0xffff) + (s >> 16);
}

/**
 * New checksum field value after a 16-bit field changed from old16 to new16 (RFC 1624 eqn. 3;
 * Linux include/net/checksum.h csum_replace2()).
 */
export function csumReplace2(check: u32, old16: u32, new16: u32): u32 {
  return ~csum16Add(csum16Add(~check, ~old16), new16) & 0xffff;
}

/**
 * New checksum field value after a 32-bit field (e.g. an IPv4 address) changed from old32 to new32
 * (RFC 1624 eqn. 3 with 32-bit one's-complement adds; Linux csum_replace4()).
 */
export function csumReplace4(check: u32, old32: u32, new32: u32): u32 {
  return csumFold(csumAdd(csumSub(~(check & 0xffff), old32), new32));
}
