// `lookup`: established-table (4-tuple) lookups, hit and miss, at 1k / 10k / 100k / 1M flows.
//   wasm        one JS -> Wasm call per lookup (ehashLookup): the honest per-lookup cost from JS
//   wasm-batch  ehashLookupBatch over BATCH keys in linear memory per call: hash and touch every
//               key's bucket first, then resolve, so the cache misses of a batch overlap
//   wasm-loop   the same batched call without the touch pass (ehashLookupLoop): what the overlap buys
//   ts          the TypeScript twin (src/twin/flow.ts), one call per lookup
//   js-map      a JavaScript Map keyed by `${saddr}:${sport}-${daddr}:${dport}`, the key string built
//               per lookup as a user would
// and `call` / `wasm-empty`: the same loop calling an export that only loads one word (arenaTop), the
// floor under the `wasm` figures.
// Keys: hits are every inserted flow in a random order (so at 1M the buckets really miss the cache),
// misses are as many distinct flows never inserted; each timed call does OPS lookups, continuing
// where the previous call stopped. Tables start at 1024 flows and grow to their size by incremental
// rehashing, as they would in use.
import { EhashTable } from "../../src/core/flow.js";
import type { Core } from "../../src/core/wasm.js";
import { FLOWKEY_SIZE } from "../../src/generated/layout.js";
import { loadCore } from "../../src/node.js";
import { EhashTwin } from "../../src/twin/flow.js";
import type { BenchCase, Suite } from "../harness.js";
import { xorshift } from "../rng.js";

const SIZES: [string, number][] = [
  ["1k", 1_000],
  ["10k", 10_000],
  ["100k", 100_000],
  ["1M", 1_000_000],
];
const OPS = 4096; // lookups per timed call
const BATCH = 64; // keys per ehashLookupBatch call
const SEED = 0x9e3779b9;

/** A key set: parallel arrays (what JS code reads) and the same keys as FLOWKEYs in linear memory. */
interface Keys {
  n: number;
  saddr: Uint32Array;
  sport: Uint16Array;
  daddr: Uint32Array;
  dport: Uint16Array;
  ptr: number;
}

function newKeys(n: number): Keys {
  return {
    n,
    saddr: new Uint32Array(n),
    sport: new Uint16Array(n),
    daddr: new Uint32Array(n),
    dport: new Uint16Array(n),
    ptr: 0,
  };
}

/** Copies keys into an arena block as FLOWKEYs (saddr, daddr, sport, dport). */
function toLinear(core: Core, k: Keys): void {
  const ptr = core.x.arenaAlloc(k.n * FLOWKEY_SIZE) >>> 0;
  if (ptr === 0) throw new Error("lookup bench: arena exhausted");
  const dv = core.dv;
  for (let i = 0; i < k.n; i++) {
    const o = ptr + i * FLOWKEY_SIZE;
    dv.setUint32(o, k.saddr[i], true);
    dv.setUint32(o + 4, k.daddr[i], true);
    dv.setUint16(o + 8, k.sport[i], true);
    dv.setUint16(o + 10, k.dport[i], true);
  }
  k.ptr = ptr;
}

const mapKey = (sa: number, sp: number, da: number, dp: number) => `${sa}:${sp}-${da}:${dp}`;

interface Sized {
  label: string;
  wasm: EhashTable;
  twin: EhashTwin;
  map: Map<string, number>;
  hit: Keys;
  miss: Keys;
}

/** n distinct server-side flows (clients anywhere, a few local addresses and ports), and n misses. */
function build(core: Core, label: string, n: number): Sized {
  const rnd = xorshift(n * 2654435761);
  const wasm = new EhashTable(core, { initFlows: 1024, seed: SEED });
  const twin = new EhashTwin({ initFlows: 1024, seed: SEED });
  const map = new Map<string, number>();
  const ins = newKeys(n);
  const local = [0x0a000001, 0x0a000002, 0x0a000003, 0x0a000004];
  const lports = [80, 443, 8080, 8443];
  const draw = (k: Keys, i: number) => {
    k.saddr[i] = rnd();
    k.sport[i] = 1024 + (rnd() % 64512);
    k.daddr[i] = local[rnd() & 3];
    k.dport[i] = lports[rnd() & 3];
  };
  for (let i = 0; i < n; ) {
    draw(ins, i);
    const h = i + 1;
    if (twin.insert(ins.saddr[i], ins.sport[i], ins.daddr[i], ins.dport[i], h) !== 0) continue; // drawn twice
    if (wasm.insert(ins.saddr[i], ins.sport[i], ins.daddr[i], ins.dport[i], h) !== 0)
      throw new Error("lookup bench: wasm insert failed");
    map.set(mapKey(ins.saddr[i], ins.sport[i], ins.daddr[i], ins.dport[i]), h);
    i++;
  }
  wasm.rehashStep(1 << 24);
  twin.rehashStep(1 << 24);
  // hits: every inserted flow once, in a random order
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rnd() % (i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const hit = newKeys(n);
  for (let i = 0; i < n; i++) {
    const p = perm[i];
    hit.saddr[i] = ins.saddr[p];
    hit.sport[i] = ins.sport[p];
    hit.daddr[i] = ins.daddr[p];
    hit.dport[i] = ins.dport[p];
  }
  const miss = newKeys(n);
  for (let i = 0; i < n; ) {
    draw(miss, i);
    if (twin.lookup(miss.saddr[i], miss.sport[i], miss.daddr[i], miss.dport[i]) === 0) i++;
  }
  toLinear(core, hit);
  toLinear(core, miss);
  return { label, wasm, twin, map, hit, miss };
}

/** Every impl must give the right answers before it is timed. */
function verify(core: Core, s: Sized): void {
  const x = core.x;
  for (const [keys, hit] of [
    [s.hit, true],
    [s.miss, false],
  ] as const) {
    const m = Math.min(keys.n, 20000);
    const out = x.arenaAlloc(m * 4) >>> 0;
    const hits = x.ehashLookupBatch(s.wasm.ptr, keys.ptr, m, out);
    const loopHits = x.ehashLookupLoop(s.wasm.ptr, keys.ptr, m, out);
    if (hits !== (hit ? m : 0) || loopHits !== hits)
      throw new Error(`lookup bench ${s.label}: batch miscounted`);
    for (let i = 0; i < m; i++) {
      const a = s.wasm.lookup(keys.saddr[i], keys.sport[i], keys.daddr[i], keys.dport[i]);
      const b = s.twin.lookup(keys.saddr[i], keys.sport[i], keys.daddr[i], keys.dport[i]);
      const c = s.map.get(mapKey(keys.saddr[i], keys.sport[i], keys.daddr[i], keys.dport[i])) ?? 0;
      if (a !== b || a !== c || hit !== a > 0)
        throw new Error(`lookup bench ${s.label}: impls disagree at ${i}`);
    }
  }
}

const sink = { v: 0 }; // results go somewhere, so no engine can drop the loops

function cases(core: Core, s: Sized, kind: "hit" | "miss"): BenchCase[] {
  const k = kind === "hit" ? s.hit : s.miss;
  const { n, saddr, sport, daddr, dport } = k;
  const name = `${kind}-${s.label}`;
  const x = core.x;
  const t = s.wasm.ptr;
  const look = x.ehashLookup;
  const batch = x.ehashLookupBatch;
  const loop = x.ehashLookupLoop;
  const twin = s.twin;
  const map = s.map;
  const out = x.arenaAlloc(BATCH * 4) >>> 0;
  const lastBatch = n - BATCH; // a batch never runs past the key array
  // Each impl has its own loop written out (no shared higher-order helper), so every call site in a
  // timed loop stays monomorphic and the engine can inline what it would inline in user code.
  let c1 = 0;
  const wasm = () => {
    let acc = 0;
    let i = c1;
    for (let j = 0; j < OPS; j++) {
      acc += look(t, saddr[i], sport[i], daddr[i], dport[i]);
      if (++i === n) i = 0;
    }
    c1 = i;
    sink.v ^= acc;
  };
  let c2 = 0;
  const wasmBatch = () => {
    let acc = 0;
    let i = c2;
    for (let j = 0; j < OPS; j += BATCH) {
      acc += batch(t, k.ptr + i * FLOWKEY_SIZE, BATCH, out);
      i += BATCH;
      if (i > lastBatch) i = 0;
    }
    c2 = i;
    sink.v ^= acc;
  };
  let c3 = 0;
  const wasmLoop = () => {
    let acc = 0;
    let i = c3;
    for (let j = 0; j < OPS; j += BATCH) {
      acc += loop(t, k.ptr + i * FLOWKEY_SIZE, BATCH, out);
      i += BATCH;
      if (i > lastBatch) i = 0;
    }
    c3 = i;
    sink.v ^= acc;
  };
  let c4 = 0;
  const ts = () => {
    let acc = 0;
    let i = c4;
    for (let j = 0; j < OPS; j++) {
      acc += twin.lookup(saddr[i], sport[i], daddr[i], dport[i]);
      if (++i === n) i = 0;
    }
    c4 = i;
    sink.v ^= acc;
  };
  let c5 = 0;
  const jsMap = () => {
    let acc = 0;
    let i = c5;
    for (let j = 0; j < OPS; j++) {
      acc += map.get(`${saddr[i]}:${sport[i]}-${daddr[i]}:${dport[i]}`) ?? 0;
      if (++i === n) i = 0;
    }
    c5 = i;
    sink.v ^= acc;
  };
  return [
    { case: name, impl: "wasm", ops: OPS, bytes: 0, fn: wasm },
    { case: name, impl: "wasm-batch", ops: OPS, bytes: 0, fn: wasmBatch },
    { case: name, impl: "wasm-loop", ops: OPS, bytes: 0, fn: wasmLoop },
    { case: name, impl: "ts", ops: OPS, bytes: 0, fn: ts },
    { case: name, impl: "js-map", ops: OPS, bytes: 0, fn: jsMap },
  ];
}

export const lookupSuite: Suite = {
  name: "lookup",
  description:
    "established-table 4-tuple lookup, hit and miss at 1k-1M flows: Wasm per call, Wasm batched (with and without the touch pass), TS twin, JS Map with string keys",
  async cases() {
    const core = await loadCore();
    const built = SIZES.map(([label, n]) => build(core, label, n));
    for (const s of built) verify(core, s);
    const out: BenchCase[] = [];
    for (const kind of ["hit", "miss"] as const) for (const s of built) out.push(...cases(core, s, kind));
    const x = core.x;
    const probe = built[0].hit;
    let c = 0;
    out.push({
      case: "call",
      impl: "wasm-empty",
      ops: OPS,
      bytes: 0,
      fn: () => {
        let acc = 0;
        let i = c;
        for (let j = 0; j < OPS; j++) {
          acc += x.arenaTop() + probe.sport[i];
          if (++i === probe.n) i = 0;
        }
        c = i;
        sink.v ^= acc;
      },
    });
    return out;
  },
};
