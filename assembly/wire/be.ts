// Network byte order loads and stores over linear memory (Wasm is little-endian).
// Helpers for assembly/wire/*; not exported from the core.

@inline export function ld8(p: usize): u32 {
  return <u32>load<u8>(p);
}

@inline export function ld16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

@inline export function ld32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline export function st8(p: usize, v: u32): void {
  store<u8>(p, <u8>v);
}

@inline export function st16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

@inline export function st32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

/** Copies a 6-byte MAC address. */
@inline export function copyMac(dst: usize, src: usize): void {
  store<u32>(dst, load<u32>(src));
  store<u16>(dst + 4, load<u16>(src + 4));
}

/** Negative return of every xxxEmit when `cap` is too small: -ENOBUFS, as Linux's "no buffer space". */
export const EMIT_NO_ROOM: i32 = -105;
