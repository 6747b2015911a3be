// Device rings in linear memory: a single-producer single-consumer ring of skb handles, as a NIC's
// descriptor ring ("DMA" writes at head, NAPI poll reads at tail). Carved from the arena.
import { arenaAlloc, countInc } from "./arena";
import { DROP_FULL_RING } from "./dropreason";
import { RING_DROPS, RING_HDR_SIZE, RING_HEAD, RING_MASK, RING_TAIL } from "./memory";

/** A ring of `size` slots (a power of two, 2..65536); returns its address, or 0. */
export function ringCreate(size: u32): u32 {
  if (size < 2 || size > 65536 || (size & (size - 1)) != 0) return 0;
  const r = arenaAlloc(RING_HDR_SIZE + size * 4);
  if (r == 0) return 0;
  store<u32>(r + RING_MASK, size - 1);
  return r;
}

/** Producer: append an skb; -DROP_FULL_RING (counted) when full — the caller still owns the skb. */
export function ringPush(r: u32, skb: u32): i32 {
  const head = load<u32>(r + RING_HEAD);
  const tail = load<u32>(r + RING_TAIL);
  const mask = load<u32>(r + RING_MASK);
  if (head - tail > mask) {
    store<u32>(r + RING_DROPS, load<u32>(r + RING_DROPS) + 1);
    countInc(DROP_FULL_RING);
    return -(<i32>DROP_FULL_RING);
  }
  store<u32>(r + RING_HDR_SIZE + ((head & mask) << 2), skb);
  store<u32>(r + RING_HEAD, head + 1);
  return 0;
}

/** Consumer: the oldest skb, or 0 when empty. */
export function ringPop(r: u32): u32 {
  const tail = load<u32>(r + RING_TAIL);
  if (tail == load<u32>(r + RING_HEAD)) return 0;
  const skb = load<u32>(r + RING_HDR_SIZE + ((tail & load<u32>(r + RING_MASK)) << 2));
  store<u32>(r + RING_TAIL, tail + 1);
  return skb;
}

export function ringCount(r: u32): u32 {
  return load<u32>(r + RING_HEAD) - load<u32>(r + RING_TAIL);
}
