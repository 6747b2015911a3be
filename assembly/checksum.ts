// Internet checksum (RFC 1071) over linear memory.
//
// Sums are kept as Linux keeps its __wsum: a 32-bit one's-complement partial sum of the span read as
// big-endian 16-bit words, carries folded back in. csumFold turns a partial sum into the final
// 16-bit checksum field value (complemented). Byte order: we add little-endian words and swap once at
// the end; RFC 1071 section 2(B) shows the sum is byte-order independent up to that swap.

/** Adds a and b with end-around carry (Linux csum_add). */
@inline export function csumAdd(a: u32, b: u32): u32 {
  const s = <u64>a + <u64>b;
  return <u32>(s + (s >> 32));
}

/**
 * One's-complement partial sum of `len` bytes at `ptr`, as big-endian words, added to `sum`
 * (Linux csum_partial). Any alignment, any length: an odd final byte is the high byte of a word.
 */
export function csumPartial(ptr: usize, len: u32, sum: u32): u32 {
  let acc: u64 = 0;
  let p = ptr;
  let n = len;
  while (n >= 8) {
    const w = load<u64>(p);
    acc += (w & 0xffff_ffff) + (w >> 32);
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    acc += <u64>load<u32>(p);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    acc += <u64>load<u16>(p);
    p += 2;
    n -= 2;
  }
  if (n) acc += <u64>load<u8>(p);
  // fold 64 -> 32 (little-endian word sum), then swap to big-endian word order
  acc = (acc & 0xffff_ffff) + (acc >> 32);
  acc = (acc & 0xffff_ffff) + (acc >> 32);
  let le = <u32>acc;
  le = (le & 0xffff) + (le >> 16);
  le = (le & 0xffff) + (le >> 16);
  return csumAdd(sum, <u32>bswap<u16>(<u16>le));
}

/** Folds a partial sum to 16 bits and complements it: the value for a checksum field (csum_fold). */
@inline export function csumFold(sum: u32): u32 {
  let s = (sum & 0xffff) + (sum >> 16);
  s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

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
