// Differential property test: the core's rxBatch against its TypeScript twin (src/twin/rxbatch.ts).
// Two cores are prepared identically (same calls in the same order, so every address agrees); random
// mixes of frames (predicted data, out-of-order, old, corrupted, truncated, other flows and hosts,
// random flags / windows / timestamps / ECN, UDP, ARP, fragments, dead ring slots) go through the
// core's rxBatch on one and the twin on the other, in batches of random budgets with host actions in
// between (slow segments consumed, state republished, queues drained). After every batch both cores
// must agree on: the return value, the RXB header and events byte for byte, every FRAME written (as
// read back: absent reprs are not compared), the wake and eventpoll lists, every TSK cell byte for
// byte, every queued skb descriptor and its bytes, the ready lists, the ring, the skb pool and the
// drop counters.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { readFrameFields } from "../src/core/frame.js";
import type { Core } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { type EpollStore, WasmEpollStore } from "../src/kernel/epollstore.js";
import { EpollTwin } from "../src/twin/epoll.js";
import { EhashTwin } from "../src/twin/flow.js";
import { MemoryWatchers, RxTwin, TwinWatchers } from "../src/twin/rxbatch.js";
import { freshCore } from "./helpers/core.js";
import {
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  type Flow,
  flow,
  OUR_MAC,
  PEER_IP,
  PEER_MAC,
  predFlags,
  queueSkbs,
  type Rxe,
  readEvents,
  readWords,
  type SegSpec,
  segment,
  skbBytes,
} from "./helpers/rx.js";

const KINDS = [
  "good",
  "ooo",
  "old",
  "pureack",
  "ackdiff",
  "flags",
  "window",
  "oldts",
  "unaligned",
  "ecn",
  "corrupt",
  "trunc",
  "mac",
  "frag",
  "udp",
  "arp",
  "noflow",
  "random",
  "dead",
] as const;
type Kind = (typeof KINDS)[number];

interface FlowSpec {
  ts: boolean;
  window: number;
  rcvbuf: number;
  watch: number[]; // eventpoll indexes (0..2) this flow's epitems are on
  itemEvents: number; // interest mask of its epitems
}
interface FrameSpec {
  flow: number;
  kind: Kind;
  len: number;
  extra: number;
  bytes: Uint8Array;
}
interface HostStep {
  budget: number;
  republish: number; // bit i: republish flow i's rcv_nxt to the sender's next seq
  drain: number; // bit i: consume flow i's receive queue
}
interface Scenario {
  dev: number;
  flows: FlowSpec[];
  frames: FrameSpec[];
  steps: HostStep[];
}

const flowArb: fc.Arbitrary<FlowSpec> = fc.record({
  ts: fc.boolean(),
  window: fc.constantFrom(1024, 65535, 512),
  rcvbuf: fc.oneof({ weight: 3, arbitrary: fc.constant(1 << 20) }, fc.integer({ min: 0, max: 200 })),
  watch: fc.uniqueArray(fc.nat(2), { maxLength: 2 }),
  itemEvents: fc.constantFrom(EPOLLIN, EPOLLIN | EPOLLET, EPOLLOUT, 0x41 | EPOLLOUT),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 5 }).chain((nFlows) =>
  fc.record({
    dev: fc.constantFrom(L.RXDEV_ETHER, L.RXDEV_ETHER, L.RXDEV_LOOPBACK, L.RXDEV_TUN),
    flows: fc.array(flowArb, { minLength: nFlows, maxLength: nFlows }),
    frames: fc.array(
      fc.record({
        flow: fc.nat(nFlows - 1),
        kind: fc.oneof({ weight: 6, arbitrary: fc.constant<Kind>("good") }, fc.constantFrom(...KINDS)),
        len: fc.integer({ min: 1, max: 60 }),
        extra: fc.nat(0xffff),
        bytes: fc.uint8Array({ maxLength: 80 }),
      }),
      { minLength: 1, maxLength: 48, size: "medium" },
    ),
    steps: fc.array(
      fc.record({
        budget: fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) },
          fc.integer({ min: 1, max: L.RX_BUDGET_MAX }),
        ),
        republish: fc.nat(31),
        drain: fc.nat(31),
      }),
      { minLength: 1, maxLength: 16, size: "medium" },
    ),
  }),
);

const ISN0 = 0x7fff_ff00; // near the sign boundary of seq arithmetic
const TS0 = 0xffff_fff0; // near the u32 wrap of tsval
const SND_UNA = 5000;

/** The frames of a scenario, as the sender's state machine would produce them. */
function buildFrames(sc: Scenario, flows: Flow[]): Uint8Array[] {
  const seq = sc.flows.map((_, i) => (ISN0 + i * 1000) >>> 0);
  const tsv = sc.flows.map(() => TS0);
  const out: Uint8Array[] = [];
  for (const fr of sc.frames) {
    const i = fr.flow;
    const fs = sc.flows[i];
    const base: SegSpec = {
      seq: seq[i],
      ack: SND_UNA,
      window: fs.window,
      payload: fr.len,
      flags: L.TCPHDR_ACK | (fr.extra & 1 ? L.TCPHDR_PSH : 0),
      ts: fs.ts ? { val: tsv[i], ecr: 77 } : undefined,
    };
    const advance = () => {
      seq[i] = (seq[i] + fr.len) >>> 0;
      if (fs.ts) tsv[i] = (tsv[i] + (fr.extra % 3)) >>> 0;
    };
    let b: Uint8Array;
    switch (fr.kind) {
      case "good":
        b = segment(flows[i], base);
        advance();
        break;
      case "ooo":
        b = segment(flows[i], { ...base, seq: (seq[i] + 1 + (fr.extra % 2000)) >>> 0 });
        break;
      case "old":
        b = segment(flows[i], { ...base, seq: (seq[i] - 1 - (fr.extra % 50)) >>> 0 });
        break;
      case "pureack":
        b = segment(flows[i], { ...base, payload: 0 });
        break;
      case "ackdiff":
        b = segment(flows[i], { ...base, ack: SND_UNA + 1 + (fr.extra % 3) });
        break;
      case "flags":
        b = segment(flows[i], { ...base, flags: fr.extra & 0xff });
        if ((fr.extra & 0xff & ~L.TCPHDR_PSH) === L.TCPHDR_ACK) advance();
        break;
      case "window":
        b = segment(flows[i], { ...base, window: fr.extra });
        break;
      case "oldts":
        b = segment(flows[i], { ...base, ts: { val: (tsv[i] - 1 - (fr.extra % 5)) >>> 0 } });
        break;
      case "unaligned":
        b = segment(flows[i], { ...base, ts: { val: tsv[i], aligned: false } });
        break;
      case "ecn":
        b = segment(flows[i], { ...base, tos: fr.extra & 3 });
        if ((fr.extra & 3) !== 3) advance();
        break;
      case "corrupt": {
        b = segment(flows[i], base);
        b[fr.extra % b.length] ^= 1 << (fr.extra % 8);
        break;
      }
      case "trunc":
        b = segment(flows[i], base).slice(0, fr.extra % 70);
        break;
      case "mac":
        b = segment(flows[i], { ...base, dstMac: fr.extra & 1 ? 0xffff_ffff_ffff : 0x02_00_00_00_00_99 });
        if (fr.extra & 1 || sc.dev !== L.RXDEV_ETHER) advance(); // else dropped (OTHERHOST)
        break;
      case "frag":
        b = segment(flows[i], { ...base, fragOff: 0x2000 | (fr.extra & 0x1fff) });
        break;
      case "udp":
      case "arp":
      case "random": {
        // link header + random rest (ARP / IPv4-with-UDP / anything); the dissectors decide
        b = new Uint8Array(14 + fr.bytes.length);
        const dv = new DataView(b.buffer);
        dv.setUint16(0, Math.floor(OUR_MAC / 0x1_0000_0000));
        dv.setUint32(2, OUR_MAC >>> 0);
        dv.setUint16(6, Math.floor(PEER_MAC / 0x1_0000_0000));
        dv.setUint32(8, PEER_MAC >>> 0);
        dv.setUint16(12, fr.kind === "arp" ? L.ETH_P_ARP : fr.kind === "udp" ? L.ETH_P_IP : fr.extra);
        b.set(fr.bytes, 14);
        if (fr.kind === "udp" && b.length >= 34) {
          b[14] = 0x45;
          b[23] = L.IPPROTO_UDP;
        }
        break;
      }
      case "noflow":
        b = segment(flow(1 + (fr.extra % 1000), 80, PEER_IP + 1), base);
        break;
      case "dead":
        b = new Uint8Array(0); // marker: a freed skb handle on the ring
        break;
    }
    if (sc.dev === L.RXDEV_TUN && fr.kind !== "dead" && fr.kind !== "random")
      b = b.slice(Math.min(14, b.length));
    out.push(b);
  }
  return out;
}

/** One side of the comparison: a core and what was made in it. */
interface Side {
  core: Core;
  ring: number;
  dev: number;
  ehash: number;
  out: number;
  tsks: number[];
  cellEps: number[]; // the core's epoll cells (made on both cores, so allocations agree)
  cellItems: number[];
  eps: number[]; // the eventpolls / epitems the batch marks: the core's cells, or an EpollTwin's
  items: number[];
  store: EpollStore;
  run(budget: number): number;
}

function prepare(core: Core, sc: Scenario, flows: Flow[], frames: Uint8Array[], out: number): Side {
  const x = core.x;
  const ehash = x.ehashCreate(16, 0, 0x5eed);
  const ring = x.ringCreate(64);
  const dev = x.arenaAlloc(L.RXDEV_SIZE);
  const dv = core.dv;
  dv.setUint16(dev, Math.floor(OUR_MAC / 0x1_0000_0000));
  dv.setUint32(dev + 2, OUR_MAC >>> 0);
  core.u8[dev + L.RXDEV_KIND] = sc.dev;
  const eps = [x.epCreate(), x.epCreate(), x.epCreate()];
  const tsks: number[] = [];
  const items: number[] = [];
  sc.flows.forEach((fs, i) => {
    const t = x.tskCreate(i + 1, fs.rcvbuf);
    const f = flows[i];
    if (x.ehashInsert(ehash, f.saddr, f.sport, f.daddr, f.dport, t) !== 0) throw new Error("ehash");
    const isn = (ISN0 + i * 1000) >>> 0;
    x.tskPublish(
      t,
      predFlags(fs.ts ? 32 : 20, fs.window),
      isn,
      isn,
      4000,
      SND_UNA,
      TS0,
      fs.ts ? 1 : 0,
      fs.rcvbuf,
    );
    for (const e of fs.watch) {
      const it = x.epItemAdd(eps[e], fs.itemEvents, i);
      x.tskWatch(t, it);
      items.push(it);
    }
    tsks.push(t);
  });
  for (const b of frames) {
    const skb = x.allocSkb(2048);
    x.skbReserve(skb, 2);
    if (b.length > 0) core.u8.set(b, x.skbPut(skb, b.length));
    else x.kfreeSkb(skb, 0); // "dead": the handle of a freed skb
    if (x.ringPush(ring, skb) !== 0) throw new Error("ring");
  }
  return {
    core,
    ring,
    dev,
    ehash,
    out,
    tsks,
    cellEps: eps,
    cellItems: items,
    eps,
    items,
    store: new WasmEpollStore(core),
    run: (budget) => x.rxBatch(ring, budget, ehash, dev, out),
  };
}

/** Makes `side` run the twin: lookup in an EhashTwin, epoll through the core's cells or an EpollTwin. */
function twinOf(side: Side, sc: Scenario, flows: Flow[], epollMode: "wasm" | "ts"): Side {
  const eh = new EhashTwin({ initFlows: 16, seed: 0x5eed });
  for (const [i, f] of flows.entries()) eh.insert(f.saddr, f.sport, f.daddr, f.dport, side.tsks[i]);
  let store: EpollStore = side.store;
  let eps = side.eps;
  let items = side.items;
  let watchers: MemoryWatchers | TwinWatchers = new MemoryWatchers(side.core);
  if (epollMode === "ts") {
    // the same epoll objects again, in TypeScript; the core's cells stay as made
    const et = new EpollTwin();
    const tw = new TwinWatchers();
    store = et;
    eps = [et.epCreate(), et.epCreate(), et.epCreate()];
    items = [];
    sc.flows.forEach((fs, i) => {
      for (const e of fs.watch) {
        const it = et.itemAdd(eps[e], fs.itemEvents, i);
        tw.watch(side.tsks[i], it, eps[e]);
        items.push(it);
      }
    });
    watchers = tw;
  }
  const twin = new RxTwin(side.core, { ehash: eh, epoll: store, watchers });
  return { ...side, eps, items, store, run: (budget) => twin.rxBatch(side.ring, budget, side.dev, side.out) };
}

function readyList(s: Side, ep: number): number[] {
  const out: number[] = [];
  for (let it = s.store.readyFirst(ep); it !== 0; it = s.store.readyNext(ep, it))
    out.push(s.items.indexOf(it));
  return out;
}

/** An event's fields that mean something for its kind (the others keep stale bytes). */
function meaningful(e: Rxe): Partial<Rxe> {
  if (e.kind === L.RXE_FAST) return e;
  if (e.kind === L.RXE_DROP) return { kind: e.kind, skb: e.skb, tsk: e.tsk, len: e.len };
  return { kind: e.kind, skb: e.skb, tsk: e.tsk };
}

function compare(a: Side, b: Side, budget: number, rc: number, exact: boolean): void {
  const ua = a.core.u8;
  const ub = b.core.u8;
  const hdr = L.RXB_HDR_SIZE + rc * L.RXE_SIZE;
  expect(readWords(b.core, b.out, 8), "RXB header").toEqual(readWords(a.core, a.out, 8));
  const evs = readEvents(a.core, a.out, rc);
  expect(readEvents(b.core, b.out, rc).map(meaningful), "events").toEqual(evs.map(meaningful));
  // Byte for byte, stale bytes included, when both sides wrote the same bytes before (an EpollTwin
  // writes its handles into the eventpoll list, which a later batch with a larger budget overlays).
  if (exact) expect(ub.slice(b.out, b.out + hdr), "RXB bytes").toEqual(ua.slice(a.out, a.out + hdr));
  const fo = L.RXB_HDR_SIZE + budget * L.RXE_SIZE;
  evs.forEach((e, i) => {
    if (e.kind === L.RXE_DROP && e.skb === 0) return; // nothing parsed
    const at = fo + i * L.FRAME_SIZE;
    expect(readFrameFields(b.core, b.out + at), `FRAME ${i}`).toEqual(readFrameFields(a.core, a.out + at));
  });
  const h = readWords(a.core, a.out, 8);
  const wk = fo + budget * L.FRAME_SIZE;
  expect(readWords(b.core, b.out + wk, h[4]), "wakes").toEqual(readWords(a.core, a.out + wk, h[4]));
  // eventpolls by creation index (an EpollTwin's handles are not addresses)
  const epw = (s: Side) => readWords(s.core, s.out + wk + budget * 4, h[5]).map((ep) => s.eps.indexOf(ep));
  expect(epw(b), "ep wakes").toEqual(epw(a));
  for (let i = 0; i < a.tsks.length; i++) {
    const t = a.tsks[i];
    expect(ub.slice(t, t + L.TSK_SIZE), `TSK ${i}`).toEqual(ua.slice(t, t + L.TSK_SIZE));
    const qa = queueSkbs(a.core, t + L.TSK_RCVQ);
    expect(queueSkbs(b.core, t + L.TSK_RCVQ), `queue ${i}`).toEqual(qa);
    for (const s of qa) {
      expect(ub.slice(s, s + L.SKB_SIZE), `skb ${s}`).toEqual(ua.slice(s, s + L.SKB_SIZE));
      expect(skbBytes(b.core, s)).toEqual(skbBytes(a.core, s));
    }
  }
  for (let e = 0; e < 3; e++)
    expect(readyList(b, b.eps[e]), `ready list ${e}`).toEqual(readyList(a, a.eps[e]));
  expect(ub.slice(b.ring, b.ring + L.RING_HDR_SIZE), "ring").toEqual(
    ua.slice(a.ring, a.ring + L.RING_HDR_SIZE),
  );
  expect(b.core.x.skbInUse(), "skbs in use").toBe(a.core.x.skbInUse());
  expect(b.core.drops(), "drops").toEqual(a.core.drops());
  expect(b.core.counter(L.CNT_SKB_OP_REFUSED)).toBe(a.core.counter(L.CNT_SKB_OP_REFUSED));
}

/**
 * The host between batches, identically on both sides (through the core's exports): its slow path
 * takes in-order data of flows whose `republish` bit is set (rcv_nxt advances, published again),
 * consumes every slow skb, and drains the receive queues whose `drain` bit is set.
 */
function hostStep(s: Side, sc: Scenario, step: HostStep, budget: number, rc: number): void {
  const x = s.core.x;
  const fo = s.out + L.RXB_HDR_SIZE + budget * L.RXE_SIZE;
  readEvents(s.core, s.out, rc).forEach((e, n) => {
    if (e.kind !== L.RXE_SLOW) return;
    const i = s.tsks.indexOf(e.tsk);
    if (i >= 0 && step.republish & (1 << i)) {
      const f = readFrameFields(s.core, fo + n * L.FRAME_SIZE);
      const u32 = s.core.u32;
      const t = e.tsk;
      const nxt = u32[(t + L.TSK_RCV_NXT) >>> 2];
      const fs = sc.flows[i];
      if (f.tcp.seq === nxt && f.payloadLen > 0) {
        const to = (nxt + f.payloadLen) >>> 0;
        const ts = u32[(t + L.TSK_TS_RECENT) >>> 2];
        x.tskPublish(
          t,
          predFlags(fs.ts ? 32 : 20, fs.window),
          to,
          to,
          4000,
          SND_UNA,
          ts,
          fs.ts ? 1 : 0,
          fs.rcvbuf,
        );
      }
    }
    x.consumeSkb(e.skb);
  });
  sc.flows.forEach((_, i) => {
    if (!(step.drain & (1 << i))) return;
    const q = s.tsks[i] + L.TSK_RCVQ;
    for (let k = x.skbDequeue(q); k !== 0; k = x.skbDequeue(q)) x.consumeSkb(k);
  });
}

/** What the host frees at the end: the ring's leftovers and the sockets (their queues purged). */
function teardown(s: Side): void {
  const x = s.core.x;
  for (let k = x.ringPop(s.ring); k !== 0; k = x.ringPop(s.ring)) if (x.skbIsLive(k)) x.kfreeSkb(k, 0);
  for (const t of s.tsks) x.tskFree(t, L.DROP_NOT_SPECIFIED);
}

/** Back to empty whatever happened (a failed run too), so the next run's allocations repeat alike. */
function sweep(s: Side): void {
  const x = s.core.x;
  teardown(s);
  for (let i = 0; i < L.SKB_COUNT; i++) {
    const skb = L.SKB_DESC_OFFSET + i * L.SKB_SIZE;
    while (x.skbIsLive(skb)) x.kfreeSkb(skb, 0);
  }
  for (const it of s.cellItems) x.epItemRemove(it);
  for (const ep of s.cellEps) x.epDestroy(ep);
}

describe("rxBatch: Wasm vs TypeScript twin", () => {
  let wa: Core;
  let tw: Core;
  let outA = 0;
  let outB = 0;
  beforeAll(async () => {
    wa = await freshCore();
    tw = await freshCore();
    outA = wa.x.arenaAlloc(wa.x.rxbSize(L.RX_BUDGET_MAX));
    outB = tw.x.arenaAlloc(tw.x.rxbSize(L.RX_BUDGET_MAX));
  });

  for (const [mode, runs] of [
    ["wasm", 150],
    ["ts", 60],
  ] as const) {
    it(`random batches agree (twin's epoll: ${mode === "wasm" ? "the core's cells" : "an EpollTwin"})`, () => {
      fc.assert(
        fc.property(scenarioArb, (sc) => {
          const flows = sc.flows.map((_, i) => flow(30000 + i));
          const frames = buildFrames(sc, flows);
          const a = prepare(wa, sc, flows, frames, outA);
          const b = twinOf(prepare(tw, sc, flows, frames, outB), sc, flows, mode);
          try {
            expect(b.tsks, "identical allocations").toEqual(a.tsks);
            for (const step of sc.steps) {
              const rc = a.run(step.budget);
              expect(b.run(step.budget), "frames taken").toBe(rc);
              compare(a, b, step.budget, rc, mode === "wasm");
              hostStep(a, sc, step, step.budget, rc);
              hostStep(b, sc, step, step.budget, rc);
            }
            teardown(a);
            teardown(b);
            expect(wa.x.skbInUse(), "skbs left (core)").toBe(0);
            expect(tw.x.skbInUse(), "skbs left (twin)").toBe(0);
          } finally {
            sweep(a);
            sweep(b);
          }
        }),
        { numRuns: runs },
      );
    }, 120_000);
  }
});
