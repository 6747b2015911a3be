// TypeScript twin of the core's flow tables (assembly/flow/*): the same operations, results, growth
// policy and hash, in typed arrays. For differential tests and as the benchmark baseline only; the
// engine uses the Wasm tables (src/core/flow.ts). The comments in assembly/flow/ explain the design;
// here only what differs in representation:
// - Established table: buckets are 16 Int32 words (the 64-byte EHB: hash0..2, next, then three slots
//   of saddr, daddr, ports, handle); overflow blocks live in a separate growable pool and `next` is a
//   block number in it (0 = end of chain). The rehash policy (when to double, buckets moved per
//   operation, empty-bucket visits) is the core's, so `rehashing()` agrees step for step.
// - Port tables: slots are 8 Int32 words in a pool (next, hash, addr, port, flags, uid, n, -), chained
//   from Int32 bucket heads by slot number; each slot's members are one Int32Array of
//   (handle, raddr, rport) triples, grown by doubling, in the same group order as the core's.
// All values are kept as int32 (`| 0`) so comparisons need no conversion; handles are < 2^31.
import type { FlowEstablished, FlowListeners, FlowUdp } from "../core/flow.js";
import {
  EH_BUCKETS_LIMIT,
  EH_BUCKETS_MIN,
  EH_LOAD,
  EH_REHASH_EMPTY_VISITS,
  EH_REHASH_STEP,
  FLOW_E_EXISTS,
  FLOW_E_FULL,
  FLOW_E_INVAL,
  FLOW_E_NOENT,
  FLOW_E_UID,
  FLOW_HANDLE_MAX,
  PT_BUCKETS_LIMIT,
  PT_BUCKETS_MIN,
  PT_GROUP_MAX,
} from "../generated/layout.js";

// ---- the hash (assembly/flow/jhash.ts) --------------------------------------------------------------

/** Linux jhash_3words() as an int32 (the core's u32 value | 0). */
export function jhash3i(a: number, b: number, c: number, initval: number): number {
  const iv = (initval + 0xdeadbeef + 12) | 0;
  a = (a + iv) | 0;
  b = (b + iv) | 0;
  c = (c + iv) | 0;
  c ^= b;
  c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c;
  a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a;
  b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b;
  c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c;
  a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a;
  b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b;
  c = (c - ((b << 24) | (b >>> 8))) | 0;
  return c;
}

/** Linux jhash_1word() as an int32. */
export function jhash1i(a: number, initval: number): number {
  const iv = (initval + 0xdeadbeef + 4) | 0;
  a = (a + iv) | 0;
  let b = iv;
  let c = iv;
  c ^= b;
  c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c;
  a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a;
  b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b;
  c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c;
  a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a;
  b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b;
  c = (c - ((b << 24) | (b >>> 8))) | 0;
  return c;
}

/** The 4-tuple flow hash (core flowHash): jhash_3words(daddr, saddr, dport << 16 | sport, seed), u32. */
export function flowHash(saddr: number, sport: number, daddr: number, dport: number, seed: number): number {
  return jhash3i(daddr | 0, saddr | 0, ((dport & 0xffff) << 16) | (sport & 0xffff), seed | 0) >>> 0;
}

/** The (address, port) chain hash (core portAddrHash): jhash_1word(addr, seed) ^ port, u32. */
export function portAddrHash(addr: number, port: number, seed: number): number {
  return (jhash1i(addr | 0, seed | 0) ^ (port & 0xffff)) >>> 0;
}

/** Linux reciprocal_scale(): (hash * n) >> 32. Exact in doubles while n < 2^21. */
export function reciprocalScale(hash: number, n: number): number {
  return Math.floor(((hash >>> 0) * n) / 4294967296);
}

function pow2AtLeast(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

// ---- established table ------------------------------------------------------------------------------

const BW = 16; // words per bucket / overflow block
const NEXT = 3;
const SLOT = 4; // slot s at SLOT + 4 * s: saddr, daddr, ports, handle

export class EhashTwin implements FlowEstablished {
  private readonly seed: number;
  private readonly maxFlows: number;
  private readonly maxSize: number;
  private buckets: Int32Array;
  private mask: number;
  private old: Int32Array | null = null;
  private oldMask = 0;
  private rehashIdx = 0;
  private n = 0;
  /** Overflow blocks: block b at words [b * BW, b * BW + BW); block 0 is never used. */
  private ovf: Int32Array = new Int32Array(BW * 16);
  private ovfFree = 0;
  private ovfBump = 1;
  private readonly scratch = new Int32Array(BW);
  grows = 0;

  constructor(opts: { initFlows?: number; maxFlows?: number; seed?: number } = {}) {
    const limit = EH_LOAD * EH_BUCKETS_LIMIT;
    let maxFlows = opts.maxFlows ?? 0;
    if (maxFlows === 0 || maxFlows > limit) maxFlows = limit;
    const initFlows = Math.min(opts.initFlows ?? 1024, maxFlows);
    const size = Math.max(pow2AtLeast(Math.ceil(initFlows / EH_LOAD)), EH_BUCKETS_MIN);
    this.maxSize = Math.min(Math.max(pow2AtLeast(Math.ceil(maxFlows / EH_LOAD)), size), EH_BUCKETS_LIMIT);
    this.maxFlows = maxFlows;
    this.seed = (opts.seed ?? 0) | 0;
    this.buckets = new Int32Array(size * BW);
    this.mask = size - 1;
  }

  private hash(saddr: number, sport: number, daddr: number, dport: number): number {
    return jhash3i(daddr, saddr, (dport << 16) | sport, this.seed);
  }

  /** [array, word offset] of the head block of hash h's chain. */
  private headArr(h: number): Int32Array {
    if (this.old !== null && (h & this.oldMask) >>> 0 >= this.rehashIdx) return this.old;
    return this.buckets;
  }
  private headOff(h: number, arr: Int32Array): number {
    return arr === this.buckets ? (h & this.mask) * BW : (h & this.oldMask) * BW;
  }

  private find(arr: Int32Array, o: number, h: number, sa: number, da: number, ports: number): number {
    for (;;) {
      if (arr[o] === h && arr[o + 4] === sa && arr[o + 5] === da && arr[o + 6] === ports && arr[o + 7] !== 0)
        return arr[o + 7];
      if (
        arr[o + 1] === h &&
        arr[o + 8] === sa &&
        arr[o + 9] === da &&
        arr[o + 10] === ports &&
        arr[o + 11] !== 0
      )
        return arr[o + 11];
      if (
        arr[o + 2] === h &&
        arr[o + 12] === sa &&
        arr[o + 13] === da &&
        arr[o + 14] === ports &&
        arr[o + 15] !== 0
      )
        return arr[o + 15];
      const next = arr[o + NEXT];
      if (next === 0) return 0;
      arr = this.ovf;
      o = next * BW;
    }
  }

  private ovfAlloc(): number {
    let b = this.ovfFree;
    if (b !== 0) this.ovfFree = this.ovf[b * BW + NEXT];
    else {
      b = this.ovfBump++;
      if (b * BW + BW > this.ovf.length) {
        const grown = new Int32Array(this.ovf.length * 2);
        grown.set(this.ovf);
        this.ovf = grown;
      }
    }
    this.ovf.fill(0, b * BW, b * BW + BW);
    return b;
  }

  private ovfRelease(b: number): void {
    this.ovf[b * BW + NEXT] = this.ovfFree;
    this.ovfFree = b;
  }

  private append(
    arr: Int32Array,
    o: number,
    h: number,
    sa: number,
    da: number,
    ports: number,
    handle: number,
  ) {
    for (;;) {
      for (let s = 0; s < 3; s++) {
        const sp = o + SLOT + 4 * s;
        if (arr[sp + 3] === 0) {
          arr[o + s] = h;
          arr[sp] = sa;
          arr[sp + 1] = da;
          arr[sp + 2] = ports;
          arr[sp + 3] = handle;
          return;
        }
      }
      const next = arr[o + NEXT];
      if (next === 0) break;
      arr = this.ovf;
      o = next * BW;
    }
    const nb = this.ovfAlloc(); // may replace this.ovf
    if (arr !== this.buckets && arr !== this.old) arr = this.ovf;
    arr[o + NEXT] = nb;
    const q = nb * BW;
    this.ovf[q] = h;
    this.ovf[q + SLOT] = sa;
    this.ovf[q + SLOT + 1] = da;
    this.ovf[q + SLOT + 2] = ports;
    this.ovf[q + SLOT + 3] = handle;
  }

  private moveEntries(src: Int32Array, o: number): void {
    for (let s = 0; s < 3; s++) {
      const sp = o + SLOT + 4 * s;
      const handle = src[sp + 3];
      if (handle === 0) continue;
      const h = src[o + s];
      this.append(this.buckets, (h & this.mask) * BW, h, src[sp], src[sp + 1], src[sp + 2], handle);
    }
  }

  private step(n: number): number {
    const old = this.old;
    if (old === null) return 0;
    const oldSize = this.oldMask + 1;
    let idx = this.rehashIdx;
    let emptyVisits = n * EH_REHASH_EMPTY_VISITS;
    const scratch = this.scratch;
    while (n > 0 && idx < oldSize) {
      const ob = idx * BW;
      this.buckets.fill(0, idx * BW, idx * BW + BW);
      this.buckets.fill(0, (idx + oldSize) * BW, (idx + oldSize) * BW + BW);
      let next = old[ob + NEXT];
      if (next === 0 && (old[ob + 7] | old[ob + 11] | old[ob + 15]) === 0) {
        idx++;
        if (--emptyVisits === 0) break;
        continue;
      }
      this.moveEntries(old, ob);
      while (next !== 0) {
        const b = next;
        next = this.ovf[b * BW + NEXT];
        scratch.set(this.ovf.subarray(b * BW, b * BW + BW));
        this.ovfRelease(b);
        this.moveEntries(scratch, 0);
      }
      idx++;
      n--;
    }
    if (idx >= oldSize) {
      this.old = null;
      this.oldMask = 0;
      this.rehashIdx = 0;
      return 0;
    }
    this.rehashIdx = idx;
    return oldSize - idx;
  }

  private maybeGrow(): void {
    if (this.old !== null) return;
    const size = this.mask + 1;
    if (this.n <= EH_LOAD * size || size >= this.maxSize) return;
    this.old = this.buckets;
    this.oldMask = size - 1;
    this.rehashIdx = 0;
    this.buckets = new Int32Array(2 * size * BW);
    this.mask = 2 * size - 1;
    this.grows++;
  }

  insert(saddr: number, sport: number, daddr: number, dport: number, handle: number): number {
    if (handle <= 0 || handle > FLOW_HANDLE_MAX || (sport | dport) > 0xffff || sport < 0 || dport < 0)
      return -FLOW_E_INVAL;
    if (this.old !== null) this.step(EH_REHASH_STEP);
    const sa = saddr | 0;
    const da = daddr | 0;
    const ports = (dport << 16) | sport;
    const h = this.hash(sa, sport, da, dport);
    const arr = this.headArr(h);
    const o = this.headOff(h, arr);
    if (this.find(arr, o, h, sa, da, ports) !== 0) return -FLOW_E_EXISTS;
    if (this.n >= this.maxFlows) return -FLOW_E_FULL;
    this.append(arr, o, h, sa, da, ports, handle);
    this.n++;
    this.maybeGrow();
    return 0;
  }

  delete(saddr: number, sport: number, daddr: number, dport: number): number {
    if ((sport | dport) > 0xffff || sport < 0 || dport < 0) return -FLOW_E_INVAL;
    if (this.old !== null) this.step(EH_REHASH_STEP);
    const sa = saddr | 0;
    const da = daddr | 0;
    const ports = (dport << 16) | sport;
    const h = this.hash(sa, sport, da, dport);
    const head = this.headArr(h);
    let arr = head;
    let o = this.headOff(h, arr);
    let prevArr: Int32Array | null = null;
    let prevOff = 0;
    for (;;) {
      for (let s = 0; s < 3; s++) {
        const sp = o + SLOT + 4 * s;
        const v = arr[sp + 3];
        if (v !== 0 && arr[o + s] === h && arr[sp] === sa && arr[sp + 1] === da && arr[sp + 2] === ports) {
          arr[o + s] = 0;
          arr.fill(0, sp, sp + 4);
          this.n--;
          if (prevArr !== null && (arr[o + 7] | arr[o + 11] | arr[o + 15]) === 0) {
            prevArr[prevOff + NEXT] = arr[o + NEXT];
            this.ovfRelease(o / BW);
          }
          return v;
        }
      }
      const next = arr[o + NEXT];
      if (next === 0) return -FLOW_E_NOENT;
      prevArr = arr;
      prevOff = o;
      arr = this.ovf;
      o = next * BW;
    }
  }

  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    if ((sport | dport) > 0xffff || sport < 0 || dport < 0) return -FLOW_E_INVAL;
    const sa = saddr | 0;
    const da = daddr | 0;
    const ports = (dport << 16) | sport;
    const h = jhash3i(da, sa, ports, this.seed);
    let arr = this.buckets;
    let o = (h & this.mask) * BW;
    if (this.old !== null && (h & this.oldMask) >>> 0 >= this.rehashIdx) {
      arr = this.old;
      o = (h & this.oldMask) * BW;
    }
    return this.find(arr, o, h, sa, da, ports);
  }

  count(): number {
    return this.n;
  }
  rehashing(): boolean {
    return this.old !== null;
  }
  rehashStep(n: number): number {
    return this.step(n);
  }
}

// ---- port tables: listeners and bound UDP sockets -----------------------------------------------------

const SW = 8; // words per slot: next, hash, addr, port, flags, uid, n, (unused)
const S_NEXT = 0;
const S_HASH = 1;
const S_ADDR = 2;
const S_PORT = 3;
const S_REUSE = 4;
const S_UID = 5;
const S_N = 6;

class PortTableTwin {
  private readonly seed: number;
  private readonly mask: number;
  private readonly maxSocks: number;
  private readonly heads: Int32Array;
  private slots = new Int32Array(SW * 16);
  /** members[s]: (handle, raddr, rport) triples of slot s; length = 3 * capacity. */
  private members: (Int32Array | null)[] = [null];
  private slotFree = 0;
  private slotBump = 1;
  private socks = 0;

  constructor(
    opts: { buckets?: number; maxSocks?: number; seed?: number },
    /** A UDP table (PT_KIND_UDP): non-reuseport sockets may share a slot. */
    private readonly udp = false,
  ) {
    const b = Math.min(Math.max(opts.buckets ?? 256, PT_BUCKETS_MIN), PT_BUCKETS_LIMIT);
    const size = pow2AtLeast(b);
    this.mask = size - 1;
    this.heads = new Int32Array(size);
    this.seed = (opts.seed ?? 0) | 0;
    this.maxSocks = opts.maxSocks ? opts.maxSocks : 0xffffffff;
  }

  private find(addr: number, port: number): number {
    const h = jhash1i(addr, this.seed) ^ port;
    const sl = this.slots;
    let s = this.heads[h & this.mask];
    while (s !== 0) {
      const o = s * SW;
      if (sl[o + S_HASH] === h && sl[o + S_ADDR] === addr && sl[o + S_PORT] === port) return s;
      s = sl[o + S_NEXT];
    }
    return 0;
  }

  private pick(s: number, saddr: number, sport: number, h: number): number {
    const o = s * SW;
    const n = this.slots[o + S_N];
    const m = this.members[s]!;
    let best = -1;
    let bestIdx = 0;
    for (let i = 0; i < n; i++) {
      let score = 2;
      const ra = m[3 * i + 1];
      if (ra !== 0) {
        if (ra !== saddr) continue;
        score += 4;
      }
      const rp = m[3 * i + 2];
      if (rp !== 0) {
        if (rp !== sport) continue;
        score += 4;
      }
      if (score >= best) {
        best = score;
        bestIdx = i;
      }
    }
    if (best < 0) return 0;
    if (best === 2 && this.slots[o + S_REUSE] !== 0 && n > 1) {
      const j = reciprocalScale(h, n);
      let i = j;
      do {
        if ((m[3 * i + 1] | m[3 * i + 2]) === 0) return m[3 * i];
        i = i + 1 === n ? 0 : i + 1;
      } while (i !== j);
    }
    return m[3 * bestIdx];
  }

  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    if ((sport | dport) > 0xffff || sport < 0 || dport < 0) return -FLOW_E_INVAL;
    const sa = saddr | 0;
    const da = daddr | 0;
    const h = jhash3i(da, sa, (dport << 16) | sport, this.seed);
    if (da !== 0) {
      const s = this.find(da, dport);
      if (s !== 0) {
        const r = this.pick(s, sa, sport, h);
        if (r !== 0) return r;
      }
    }
    const s = this.find(0, dport);
    return s !== 0 ? this.pick(s, sa, sport, h) : 0;
  }

  insert(
    addr: number,
    port: number,
    raddr: number,
    rport: number,
    uid: number,
    reuseport: boolean,
    handle: number,
  ): number {
    if (handle <= 0 || handle > FLOW_HANDLE_MAX || port <= 0 || port > 0xffff || rport < 0 || rport > 0xffff)
      return -FLOW_E_INVAL;
    const a = addr | 0;
    const u = uid | 0;
    let s = this.find(a, port);
    if (s !== 0) {
      const o = s * SW;
      const group = this.slots[o + S_REUSE] !== 0;
      // a UDP socket without SO_REUSEPORT may share a slot without it (see assembly/flow/porttab.ts)
      if (!(this.udp && !reuseport && !group)) {
        if (!reuseport || !group) return -FLOW_E_EXISTS;
        if (this.slots[o + S_UID] !== u) return -FLOW_E_UID;
      }
      const n = this.slots[o + S_N];
      const m = this.members[s]!;
      for (let i = 0; i < n; i++) if (m[3 * i] === handle) return -FLOW_E_EXISTS;
      if (this.socks >= this.maxSocks || n >= PT_GROUP_MAX) return -FLOW_E_FULL;
      if (3 * n === m.length) {
        const grown = new Int32Array(m.length * 2);
        grown.set(m);
        this.members[s] = grown;
      }
    } else {
      if (this.socks >= this.maxSocks) return -FLOW_E_FULL;
      s = this.slotFree;
      if (s !== 0) this.slotFree = this.slots[s * SW + S_NEXT];
      else {
        s = this.slotBump++;
        if (s * SW + SW > this.slots.length) {
          const grown = new Int32Array(this.slots.length * 2);
          grown.set(this.slots);
          this.slots = grown;
        }
      }
      const h = jhash1i(a, this.seed) ^ port;
      const o = s * SW;
      this.slots.fill(0, o, o + SW);
      this.slots[o + S_NEXT] = this.heads[h & this.mask];
      this.slots[o + S_HASH] = h;
      this.slots[o + S_ADDR] = a;
      this.slots[o + S_PORT] = port;
      this.slots[o + S_REUSE] = reuseport ? 1 : 0;
      this.slots[o + S_UID] = u;
      this.heads[h & this.mask] = s;
      this.members[s] = new Int32Array(3 * 4);
    }
    const o = s * SW;
    const n = this.slots[o + S_N];
    const m = this.members[s]!;
    m[3 * n] = handle;
    m[3 * n + 1] = raddr | 0;
    m[3 * n + 2] = rport;
    this.slots[o + S_N] = n + 1;
    this.socks++;
    return 0;
  }

  delete(addr: number, port: number, handle: number): number {
    if (port < 0 || port > 0xffff) return -FLOW_E_INVAL;
    const a = addr | 0;
    const h = jhash1i(a, this.seed) ^ port;
    const sl = this.slots;
    let prev = 0;
    let s = this.heads[h & this.mask];
    while (s !== 0) {
      const o = s * SW;
      if (sl[o + S_HASH] === h && sl[o + S_ADDR] === a && sl[o + S_PORT] === port) break;
      prev = s;
      s = sl[o + S_NEXT];
    }
    if (s === 0) return -FLOW_E_NOENT;
    const o = s * SW;
    const n = sl[o + S_N];
    const m = this.members[s]!;
    let i = 0;
    while (i < n && m[3 * i] !== handle) i++;
    if (i === n) return -FLOW_E_NOENT;
    if (i !== n - 1) m.copyWithin(3 * i, 3 * (n - 1), 3 * n); // the last member fills the hole
    sl[o + S_N] = n - 1;
    this.socks--;
    if (n === 1) {
      if (prev === 0) this.heads[h & this.mask] = sl[o + S_NEXT];
      else sl[prev * SW + S_NEXT] = sl[o + S_NEXT];
      this.members[s] = null;
      sl[o + S_NEXT] = this.slotFree;
      this.slotFree = s;
    }
    return 0;
  }

  members_(addr: number, port: number): number[] {
    if (port < 0 || port > 0xffff) return [];
    const s = this.find(addr | 0, port);
    if (s === 0) return [];
    const n = this.slots[s * SW + S_N];
    const m = this.members[s]!;
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(m[3 * i]);
    return out;
  }
}

export class LhashTwin implements FlowListeners {
  private readonly t: PortTableTwin;
  constructor(opts: { buckets?: number; maxSocks?: number; seed?: number } = {}) {
    this.t = new PortTableTwin(opts);
  }
  insert(addr: number, port: number, uid: number, reuseport: boolean, handle: number): number {
    return this.t.insert(addr, port, 0, 0, uid, reuseport, handle);
  }
  delete(addr: number, port: number, handle: number): number {
    return this.t.delete(addr, port, handle);
  }
  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    return this.t.lookup(saddr, sport, daddr, dport);
  }
  members(addr: number, port: number): number[] {
    return this.t.members_(addr, port);
  }
}

export class UdpTwin implements FlowUdp {
  private readonly t: PortTableTwin;
  constructor(opts: { buckets?: number; maxSocks?: number; seed?: number } = {}) {
    this.t = new PortTableTwin(opts, true);
  }
  insert(
    laddr: number,
    lport: number,
    raddr: number,
    rport: number,
    uid: number,
    reuseport: boolean,
    handle: number,
  ): number {
    return this.t.insert(laddr, lport, raddr, rport, uid, reuseport, handle);
  }
  delete(laddr: number, lport: number, handle: number): number {
    return this.t.delete(laddr, lport, handle);
  }
  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    return this.t.lookup(saddr, sport, daddr, dport);
  }
  members(laddr: number, lport: number): number[] {
    return this.t.members_(laddr, lport);
  }
}
