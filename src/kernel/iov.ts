// Scatter/gather helpers over iovec arrays (Uint8Array[]), Linux lib/iov_iter.c in miniature.

/** Linux UIO_MAXIOV: more iovec entries than this fail with EMSGSIZE (sendmsg/recvmsg). */
export const UIO_MAXIOV = 1024;

export function iovLength(iov: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of iov) n += b.length;
  return n;
}

/** Copy `len` bytes of `src` (from `srcOff`) into the iovec at logical offset `off`. */
export function copyToIov(
  iov: readonly Uint8Array[],
  off: number,
  src: Uint8Array,
  srcOff: number,
  len: number,
): void {
  if (iov.length === 1) {
    iov[0].set(src.subarray(srcOff, srcOff + len), off);
    return;
  }
  for (const b of iov) {
    if (len === 0) return;
    if (off >= b.length) {
      off -= b.length;
      continue;
    }
    const n = Math.min(b.length - off, len);
    b.set(src.subarray(srcOff, srcOff + n), off);
    srcOff += n;
    len -= n;
    off = 0;
  }
}

/** Gather `len` bytes from the iovec at logical offset `off` into a new array. */
export function copyFromIov(iov: readonly Uint8Array[], off: number, len: number): Uint8Array {
  if (iov.length === 1) return iov[0].slice(off, off + len);
  const out = new Uint8Array(len);
  let dst = 0;
  for (const b of iov) {
    if (dst === len) break;
    if (off >= b.length) {
      off -= b.length;
      continue;
    }
    const n = Math.min(b.length - off, len - dst);
    out.set(b.subarray(off, off + n), dst);
    dst += n;
    off = 0;
  }
  return out;
}
