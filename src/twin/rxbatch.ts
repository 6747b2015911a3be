// TypeScript twin of the core's batch RX fast path (assembly/tcp/fastpath.ts rxBatch): the same
// algorithm, run over a Core's linear memory (device ring, skbs, TSK cells, RXB output area), so its
// results compare byte for byte with the core's. For differential tests and as the `rx` benchmark's
// "ts" baseline only; the engine uses the core.
//
// Per frame, in TypeScript: ring pop, skb checks, dissection by the wire twins (src/twin/wire), the
// FRAME struct written out, the MAC filter, the established lookup in a TS table (EhashTwin, value =
// TSK address), header prediction, the pull / trim and the receive-queue link (sk_buff_head words and
// the skb's SKB_LIST / SKB_LIST_GEN label, as assembly/skbqueue.ts skbQueueTail), and the RXE event.
// Calls into the core, and why:
//   - kfreeSkb for a dropped frame: the skb pool (free stacks, buffer refcounts, drop counters) is the
//     core's; mirroring it would be a second allocator. Drops are off the fast path.
//   - the epoll callback, only when the store given is the core's (WasmEpollStore): once per woken
//     socket and watcher, after the loop. With EpollTwin nothing crosses.
// Differences, on purpose (the differential test compares everything else):
//   - The eventpolls listed in RXB are deduplicated with a TS map, not the cell's EPC_RXGEN word.
//   - An skb that is still on a queue when it reaches the ring (a host bug) is refused by the queue
//     link as in the core (CNT_SKB_OP_REFUSED), but its old queue's byte count is not adjusted for the
//     pull / trim (the core repairs it through skbListOwner).
import { FrameFields } from "../core/frame.js";
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import type { EpollStore } from "../kernel/epollstore.js";
import { martianReason } from "../net/addr.js";
import { parseFrameAt, parseIpPacketAt } from "./wire/frame.js";
import { writeFrameFields } from "./wire/frameout.js";

// Linux include/net/tcp.h TCP_HP_BITS: ~(TCP_RESERVED_BITS | TCP_FLAG_PSH), in host order.
const TCP_HP_BITS = ~(0x0f00_0000 | 0x0008_0000) >>> 0;
const TCP_FLAG_PSH_WORD = 0x0008_0000;
const TS_ALIGNED_WORD = 0x0101_080a; // NOP, NOP, TIMESTAMP, 10
const DATA_READY_KEY = 0x041; // EPOLLIN | EPOLLRDNORM, sk_data_ready's key
const ECN_CE = 3;
const ETH_P_IP = 0x0800;
const BROADCAST = 0xffff_ffff_ffff;
const EINVAL = 22;

/** The established table as the twin sees it: 4-tuple (source = peer) -> TSK address, 0 = miss. */
export interface RxLookup {
  lookup(saddr: number, sport: number, daddr: number, dport: number): number;
}

/** The epitems watching a TSK (the core keeps them in TSK_EPI / EPC_WNEXT). */
export interface TskWatchers {
  /** The first epitem watching TSK t, 0 when none. */
  first(t: number): number;
  /** The next epitem on the same TSK's list, 0 at the end. */
  next(item: number): number;
  /** The eventpoll of `item`, or 0 when it is no live epitem (the walk ends there, as in the core). */
  epOf(item: number): number;
}

/** The core's watcher lists, read from linear memory (for use with the core's epoll cells). */
export class MemoryWatchers implements TskWatchers {
  constructor(private readonly core: Core) {}
  first(t: number): number {
    return this.core.u32[(t + L.TSK_EPI) >>> 2];
  }
  next(item: number): number {
    const n = this.core.u32[(item + L.EPC_WNEXT) >>> 2];
    return n === L.TSK_WAKE_END ? 0 : n; // the core ends a list with TSK_WAKE_END
  }
  epOf(item: number): number {
    // The core checks the cell against its chunk table; the host can check kind and alignment.
    const u32 = this.core.u32;
    if (item < L.ARENA_BASE || item % L.EPCELL_SIZE !== 0 || (item + L.EPCELL_SIZE) >>> 2 > u32.length)
      return 0;
    return u32[(item + L.EPC_KIND) >>> 2] === L.EPK_ITEM ? u32[(item + L.EPC_EP) >>> 2] : 0;
  }
}

/**
 * Watcher lists kept in TypeScript, for an EpollTwin (whose handles are not addresses). Same order as
 * the core's tskWatch: the newest watcher first.
 */
export class TwinWatchers implements TskWatchers {
  private readonly head = new Map<number, number>();
  private readonly link = new Map<number, number>(); // item -> next item
  private readonly epOfItem = new Map<number, number>();

  /** As tskWatch: 0, or -EBUSY when the item already watches a socket. */
  watch(t: number, item: number, ep: number): number {
    if (this.epOfItem.has(item)) return -16;
    this.link.set(item, this.first(t));
    this.epOfItem.set(item, ep);
    this.head.set(t, item);
    return 0;
  }
  /** As tskUnwatch: 0, -ENOENT. */
  unwatch(t: number, item: number): number {
    let prev = 0;
    for (let e = this.first(t); e !== 0; e = this.next(e)) {
      if (e === item) {
        const nx = this.next(e);
        if (prev === 0) this.head.set(t, nx);
        else this.link.set(prev, nx);
        this.link.delete(e);
        this.epOfItem.delete(e);
        return 0;
      }
      prev = e;
    }
    return -2;
  }
  /** Forgets every watcher of t (as tskFree). */
  forget(t: number): void {
    for (let e = this.first(t); e !== 0; ) {
      const nx = this.next(e);
      this.link.delete(e);
      this.epOfItem.delete(e);
      e = nx;
    }
    this.head.delete(t);
  }
  first(t: number): number {
    return this.head.get(t) ?? 0;
  }
  next(item: number): number {
    return this.link.get(item) ?? 0;
  }
  epOf(item: number): number {
    return this.epOfItem.get(item) ?? 0;
  }
}

export interface RxTwinOptions {
  /** The established table; null: no prediction, every good frame goes to the host. */
  ehash: RxLookup | null;
  epoll: EpollStore;
  watchers: TskWatchers;
}

/** RXB area offsets for a budget, as the core's rxbFrames / rxbWakes / rxbEpWakes / rxbSize. */
export function rxbFramesOff(budget: number): number {
  return L.RXB_HDR_SIZE + budget * L.RXE_SIZE;
}
export function rxbWakesOff(budget: number): number {
  return rxbFramesOff(budget) + budget * L.FRAME_SIZE;
}
export function rxbEpWakesOff(budget: number): number {
  return rxbWakesOff(budget) + budget * 4;
}
export function rxbSizeOf(budget: number): number {
  return rxbEpWakesOff(budget) + budget * 4;
}

export class RxTwin {
  private readonly f = new FrameFields();
  private readonly epGen = new Map<number, number>();
  private gen = 0;

  constructor(
    private readonly core: Core,
    private readonly opts: RxTwinOptions,
  ) {}

  /**
   * As the core's rxBatch(ring, budget, ehash, dev, out): frames taken, or -EINVAL. `out` must be
   * 4-aligned (the twin writes words through a Uint32Array); the core's arenaAlloc gives that.
   */
  rxBatch(ring: number, budget: number, dev: number, out: number): number {
    const core = this.core;
    if (budget === 0 || budget > L.RX_BUDGET_MAX) return -EINVAL;
    const top = core.u8.length;
    if (out + rxbSizeOf(budget) > top || dev + 16 > top || ring === 0) return -EINVAL;
    // Nothing below grows memory (kfreeSkb and the epoll callback do not allocate): views hold.
    const u32 = core.u32;
    const u8 = core.u8;
    const dv = core.dv;
    const x = core.x;
    const f = this.f;
    const ehash = this.opts.ehash;
    const kind = u8[dev + L.RXDEV_KIND];
    const devMac = dv.getUint16(dev + L.RXDEV_MAC) * 0x1_0000_0000 + dv.getUint32(dev + L.RXDEV_MAC + 2);
    const frames = out + rxbFramesOff(budget);
    const rmask = u32[(ring + L.RING_MASK) >>> 2];
    let nFast = 0;
    let nSlow = 0;
    let nDrop = 0;
    let bytes = 0;
    let fbytes = 0;
    const wake = { head: L.TSK_WAKE_END, tail: L.TSK_WAKE_END };
    let n = 0;
    for (; n < budget; n++) {
      // ringPop
      const tail = u32[(ring + L.RING_TAIL) >>> 2];
      if (tail === u32[(ring + L.RING_HEAD) >>> 2]) break;
      const skb = u32[(ring + L.RING_HDR_SIZE + ((tail & rmask) << 2)) >>> 2];
      u32[(ring + L.RING_TAIL) >>> 2] = tail + 1;
      const ev = out + L.RXB_HDR_SIZE + n * L.RXE_SIZE;
      const fa = frames + n * L.FRAME_SIZE;
      u32[(ev + L.RXE_KIND) >>> 2] = 0; // kind, ecn, psh: 0 until decided
      u32[(ev + L.RXE_TSK) >>> 2] = 0;
      u32[(ev + L.RXE_SKB) >>> 2] = skb;
      u32[(ev + L.RXE_TSVAL) >>> 2] = 0;
      if (!skbIsLive(u8, skb) || u32[(skb + L.SKB_LIST) >>> 2] !== 0) {
        // not an skb, or one still on a queue: a host bug, left as it was (the core counts a refusal)
        countInc(u32, L.CNT_SKB_OP_REFUSED);
        u8[ev + L.RXE_KIND] = L.RXE_DROP;
        u32[(ev + L.RXE_SKB) >>> 2] = 0;
        u32[(ev + L.RXE_LEN) >>> 2] = 1;
        nDrop++;
        continue;
      }
      const data = u32[(skb + L.SKB_DATA) >>> 2];
      const len = (u32[(skb + L.SKB_TAIL) >>> 2] - data) >>> 0;
      const ptr = u32[(skb + L.SKB_HEAD) >>> 2] + data;
      bytes = (bytes + len) >>> 0;
      dv.setUint16(skb + L.SKB_MAC_HDR, data & 0xffff, true); // skb_reset_mac_header
      const r = kind === L.RXDEV_TUN ? parseIpPacketAt(dv, ptr, len, f) : parseFrameAt(dv, ptr, len, f);
      writeFrameFields(dv, fa, f);
      if (r !== 0) {
        const reason = -r;
        if ((f.flags & L.FRAMEF_ARP) !== 0 && reason === L.DROP_ARP_INVALID) {
          u8[ev + L.RXE_KIND] = L.RXE_SLOW; // the host decides (Linux arp_rcv drops it)
          u32[(ev + L.RXE_LEN) >>> 2] = reason;
          nSlow++;
          continue;
        }
        x.kfreeSkb(skb, reason);
        u8[ev + L.RXE_KIND] = L.RXE_DROP;
        u32[(ev + L.RXE_LEN) >>> 2] = reason;
        nDrop++;
        continue;
      }
      if (
        kind === L.RXDEV_ETHER &&
        f.ethertype === ETH_P_IP &&
        f.eth.dst !== devMac &&
        f.eth.dst !== BROADCAST
      ) {
        x.kfreeSkb(skb, L.DROP_OTHERHOST); // eth_type_trans: PACKET_OTHERHOST, dropped by ip_rcv
        u8[ev + L.RXE_KIND] = L.RXE_DROP;
        u32[(ev + L.RXE_LEN) >>> 2] = L.DROP_OTHERHOST;
        nDrop++;
        continue;
      }
      if (kind !== L.RXDEV_LOOPBACK && (f.flags & L.FRAMEF_IPV4) !== 0) {
        const martian = martianReason(f.ipv4.saddr, f.ipv4.daddr); // ip_route_input: martians off a wire
        if (martian !== 0) {
          x.kfreeSkb(skb, martian);
          u8[ev + L.RXE_KIND] = L.RXE_DROP;
          u32[(ev + L.RXE_LEN) >>> 2] = martian;
          nDrop++;
          continue;
        }
      }
      let t = 0;
      let plen = 0;
      const hp = L.FRAMEF_TCP | L.FRAMEF_IP_FRAGMENT | L.FRAMEF_IP_OPTIONS | L.FRAMEF_TCP_OPTS_MALFORMED;
      if (ehash !== null && (f.flags & hp) === L.FRAMEF_TCP) {
        const v = ehash.lookup(f.ipv4.saddr, f.tcp.sport, f.ipv4.daddr, f.tcp.dport);
        t = Math.max(v, 0); // a negative result (bad ports) cannot happen for parsed ports
        if (t !== 0) plen = predict(u32, dv, t, ptr, f);
      }
      if (plen === 0) {
        if (t !== 0) {
          // the host now owns this socket's order for the rest of the batch
          u32[(t + L.TSK_FLAGS) >>> 2] |= L.TSKF_SLOW;
          wakeLink(u32, t, wake);
        }
        u32[(ev + L.RXE_TSK) >>> 2] = t;
        u8[ev + L.RXE_KIND] = L.RXE_SLOW;
        u32[(ev + L.RXE_LEN) >>> 2] = 0;
        nSlow++;
        continue;
      }
      // Predicted: header marks, pull to the payload, trim link padding, queue at the tail.
      const th = ptr + f.l4Off;
      dv.setUint16(skb + L.SKB_NET_HDR, (data + f.l3Off) & 0xffff, true);
      dv.setUint16(skb + L.SKB_TRANS_HDR, (data + f.l4Off) & 0xffff, true);
      const pdata = data + f.payloadOff;
      u32[(skb + L.SKB_DATA) >>> 2] = pdata;
      if (u32[(skb + L.SKB_TAIL) >>> 2] - pdata > plen) u32[(skb + L.SKB_TAIL) >>> 2] = pdata + plen;
      skbQueueTail(u32, t + L.TSK_RCVQ, skb);
      u32[(t + L.TSK_RCV_NXT) >>> 2] += plen;
      const ts = (u32[(t + L.TSK_FLAGS) >>> 2] & L.TSKF_TS) !== 0;
      const tsval = ts ? dv.getUint32(th + 24) : 0;
      if (ts) u32[(t + L.TSK_TS_RECENT) >>> 2] = tsval;
      u32[(t + L.TSK_SEGS) >>> 2] += 1;
      wakeLink(u32, t, wake);
      u8[ev + L.RXE_KIND] = L.RXE_FAST;
      u8[ev + L.RXE_ECN] = f.ipv4.tos & 3;
      u8[ev + L.RXE_PSH] = (dv.getUint32(th + 12) & TCP_FLAG_PSH_WORD) !== 0 ? 1 : 0;
      u32[(ev + L.RXE_TSK) >>> 2] = t;
      u32[(ev + L.RXE_LEN) >>> 2] = plen;
      u32[(ev + L.RXE_TSVAL) >>> 2] = tsval;
      nFast++;
      fbytes = (fbytes + plen) >>> 0;
    }
    // Empty the wake list (in order of first touch) and run the epoll callbacks.
    this.gen = (this.gen + 1) >>> 0 || 1;
    const gen = this.gen;
    const { epoll, watchers } = this.opts;
    const wakes = out + rxbWakesOff(budget);
    const epw = out + rxbEpWakesOff(budget);
    let nWake = 0;
    let nEpw = 0;
    let t = wake.head;
    while (t !== L.TSK_WAKE_END) {
      const ti = t >>> 2;
      const next = u32[ti + (L.TSK_WAKE >>> 2)];
      const segs = u32[ti + (L.TSK_SEGS >>> 2)];
      u32[ti + (L.TSK_WAKE >>> 2)] = 0;
      u32[ti + (L.TSK_FLAGS >>> 2)] &= ~L.TSKF_SLOW;
      u32[ti + (L.TSK_SEGS >>> 2)] = 0;
      if (segs !== 0 && nWake < budget) {
        u32[(wakes + nWake * 4) >>> 2] = t;
        nWake++;
        for (let e = watchers.first(t); e !== 0; e = watchers.next(e)) {
          const ep = watchers.epOf(e);
          if (ep === 0) break; // a watcher freed without unwatch ends the walk
          if ((epoll.pollCallback(e, DATA_READY_KEY, false) & L.EPCB_MATCH) === 0) continue;
          if (this.epGen.get(ep) !== gen && nEpw < budget) {
            this.epGen.set(ep, gen);
            u32[(epw + nEpw * 4) >>> 2] = ep;
            nEpw++;
          }
        }
      }
      t = next;
    }
    const o = out >>> 2;
    u32[o + L.RXB_NEV / 4] = n;
    u32[o + L.RXB_FAST / 4] = nFast;
    u32[o + L.RXB_SLOW / 4] = nSlow;
    u32[o + L.RXB_DROP / 4] = nDrop;
    u32[o + L.RXB_NWAKE / 4] = nWake;
    u32[o + L.RXB_NEPW / 4] = nEpw;
    u32[o + L.RXB_BYTES / 4] = bytes;
    u32[o + L.RXB_FBYTES / 4] = fbytes;
    return n;
  }
}

/** assembly/arena.ts countInc: one u64 counter of the COUNTERS region, as two u32 words. */
function countInc(u32: Uint32Array, index: number): void {
  const i = (L.COUNTERS_OFFSET + index * L.COUNTER_SIZE) >>> 2;
  u32[i] = (u32[i] + 1) >>> 0;
  if (u32[i] === 0) u32[i + 1] = (u32[i + 1] + 1) >>> 0;
}

/** assembly/skb.ts skbIsLive: a descriptor slot of the slab, not marked freed. */
function skbIsLive(u8: Uint8Array, skb: number): boolean {
  const off = (skb - L.SKB_DESC_OFFSET) >>> 0;
  return (
    off < L.SKB_DESC_SIZE && (off & (L.SKB_SIZE - 1)) === 0 && (u8[skb + L.SKB_FLAGS] & L.SKBF_FREED) === 0
  );
}

function skbInSlab(p: number): boolean {
  const off = (p - L.SKB_DESC_OFFSET) >>> 0;
  return off < L.SKB_DESC_SIZE && (off & (L.SKB_SIZE - 1)) === 0;
}

/** On this batch's wake list (once), at its tail; the last link is TSK_WAKE_END. */
function wakeLink(u32: Uint32Array, t: number, list: { head: number; tail: number }): void {
  if (u32[(t + L.TSK_WAKE) >>> 2] !== 0) return;
  u32[(t + L.TSK_WAKE) >>> 2] = L.TSK_WAKE_END;
  if (list.tail === L.TSK_WAKE_END) list.head = t;
  else u32[(list.tail + L.TSK_WAKE) >>> 2] = t;
  list.tail = t;
}

/** The core's predict(): the payload length when the segment is what socket t expects, else 0. */
function predict(u32: Uint32Array, dv: DataView, t: number, ptr: number, f: FrameFields): number {
  const ti = t >>> 2;
  const pred = u32[ti + (L.TSK_PRED >>> 2)];
  const flags = u32[ti + (L.TSK_FLAGS >>> 2)];
  if (pred === 0 || (flags & L.TSKF_SLOW) !== 0) return 0;
  const th = ptr + f.l4Off;
  if ((dv.getUint32(th + 12) & TCP_HP_BITS) >>> 0 !== pred) return 0;
  const rcvNxt = u32[ti + (L.TSK_RCV_NXT >>> 2)];
  if (f.tcp.seq !== rcvNxt) return 0;
  if (f.tcp.ack !== u32[ti + (L.TSK_SND_UNA >>> 2)]) return 0;
  const len = f.payloadLen;
  if (len === 0) return 0;
  if (flags & L.TSKF_TS) {
    // pred carries the header length, so this header is exactly 32 bytes
    if (dv.getUint32(th + 20) !== TS_ALIGNED_WORD) return 0;
    if (((dv.getUint32(th + 24) - u32[ti + (L.TSK_TS_RECENT >>> 2)]) | 0) < 0) return 0;
  }
  // tcp_receive_window() open, and the queue not over SO_RCVBUF
  if (((u32[ti + (L.TSK_RCV_WUP >>> 2)] + u32[ti + (L.TSK_RCV_WND >>> 2)] - rcvNxt) | 0) <= 0) return 0;
  if (u32[ti + ((L.TSK_RCVQ + L.SKBQ_BYTES) >>> 2)] > u32[ti + (L.TSK_RCVBUF >>> 2)]) return 0;
  if ((f.ipv4.tos & 3) === ECN_CE) return 0;
  return len;
}

/** assembly/skbqueue.ts skbQueueTail (its linkBetween) onto the live queue q. */
function skbQueueTail(u32: Uint32Array, q: number, skb: number): void {
  const prev = u32[(q + L.SKBQ_PREV) >>> 2];
  if (u32[(skb + L.SKB_LIST) >>> 2] !== 0 || !(prev === q || skbInSlab(prev))) {
    // refused, counted as the core counts it (a u64 counter)
    const c = (L.COUNTERS_OFFSET + L.CNT_SKB_OP_REFUSED * L.COUNTER_SIZE) >>> 2;
    if (++u32[c] === 0) u32[c + 1]++;
    return;
  }
  const s = skb >>> 2;
  u32[s + (L.SKB_NEXT >>> 2)] = q;
  u32[s + (L.SKB_PREV >>> 2)] = prev;
  u32[(q + L.SKBQ_PREV) >>> 2] = skb;
  u32[(prev + L.SKB_NEXT) >>> 2] = skb;
  u32[s + (L.SKB_LIST >>> 2)] = q;
  u32[s + (L.SKB_LIST_GEN >>> 2)] = u32[(q + L.SKBQ_GEN) >>> 2];
  u32[s + (L.SKB_LIST_GEN >>> 2) + 1] = u32[(q + L.SKBQ_GEN + 4) >>> 2];
  u32[(q + L.SKBQ_QLEN) >>> 2] += 1;
  u32[(q + L.SKBQ_BYTES) >>> 2] += u32[s + (L.SKB_TAIL >>> 2)] - u32[s + (L.SKB_DATA >>> 2)];
}
