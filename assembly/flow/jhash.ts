// The flow hash (internal primitives; the exported forms are in flowhash.ts): Bob Jenkins' lookup3 final mix as Linux's include/linux/jhash.h uses it.
//
// Why jhash and not a multiply-xorshift mix: it is the function Linux uses for exactly these tables
// (inet_ehashfn, udp_ehashfn, ipv4_portaddr_hash), so a reader can follow the kernel line by line; it
// is seeded (the seed enters every word, as Linux's inet_ehash_secret); it needs only 32-bit add, xor
// and rotate, so the TypeScript twin computes the identical value at the same cost class (no 64-bit
// multiply, no BigInt); and it is cheap: about 25 ALU ops for the 4-tuple, less than one cache miss.
// jhash_3words(a, b, c, iv) equals lookup3 hashword() over [a, b, c] and hashlittle() over the same
// 12 bytes little-endian, which is how tests/flow.hash.test.ts checks it against lookup3's published
// vectors.

const JHASH_INITVAL: u32 = 0xdeadbeef;

// Linux: include/linux/jhash.h jhash_3words() (__jhash_nwords + __jhash_final)
@inline export function jhash3(a: u32, b: u32, c: u32, initval: u32): u32 {
  const iv = initval + JHASH_INITVAL + (3 << 2);
  a += iv;
  b += iv;
  c += iv;
  c ^= b; c -= rotl<u32>(b, 14);
  a ^= c; a -= rotl<u32>(c, 11);
  b ^= a; b -= rotl<u32>(a, 25);
  c ^= b; c -= rotl<u32>(b, 16);
  a ^= c; a -= rotl<u32>(c, 4);
  b ^= a; b -= rotl<u32>(a, 14);
  c ^= b; c -= rotl<u32>(b, 24);
  return c;
}

// Linux: include/linux/jhash.h jhash_1word()
@inline export function jhash1(a: u32, initval: u32): u32 {
  const iv = initval + JHASH_INITVAL + (1 << 2);
  a += iv;
  let b = iv;
  let c = iv;
  c ^= b; c -= rotl<u32>(b, 14);
  a ^= c; a -= rotl<u32>(c, 11);
  b ^= a; b -= rotl<u32>(a, 25);
  c ^= b; c -= rotl<u32>(b, 16);
  a ^= c; a -= rotl<u32>(c, 4);
  b ^= a; b -= rotl<u32>(a, 14);
  c ^= b; c -= rotl<u32>(b, 24);
  return c;
}

/**
 * The 4-tuple flow hash (Linux: net/ipv4/inet_hashtables.c inet_ehashfn(), __inet_ehashfn()):
 * jhash_3words(laddr, faddr, lport << 16 | fport, seed), local = the packet's destination. Linux mixes
 * a host-order lport with a network-order fport; here both ports are numeric values.
 */
@inline export function flowHashOf(saddr: u32, sport: u32, daddr: u32, dport: u32, seed: u32): u32 {
  return jhash3(daddr, saddr, (dport << 16) | sport, seed);
}

/** Linux: include/net/ipv6.h ipv4_portaddr_hash(): jhash_1word(addr, mix) ^ port. */
@inline export function portAddrHashOf(addr: u32, port: u32, seed: u32): u32 {
  return jhash1(addr, seed) ^ port;
}

/** Linux: include/linux/kernel.h reciprocal_scale(): maps a hash onto [0, n) without a division. */
@inline export function reciprocalScale(hash: u32, n: u32): u32 {
  return <u32>((<u64>hash * <u64>n) >> 32);
}
