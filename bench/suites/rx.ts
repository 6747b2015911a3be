// `wirestack bench rx`: the whole receive fast path for 64-byte TCP frames (Ethernet 14 + IPv4 20 +
// TCP 20 + 10 payload bytes) of 10k established flows, each frame the next in-order segment of its
// flow: dissect and verify (IPv4 header checksum, TCP checksum with the pseudo-header), MAC filter,
// established lookup, header prediction, pull / trim, receive-queue link, and the epoll callback of the
// one epitem watching each socket (all on one eventpoll). One op = one frame; ops_per_s is
// packets per second (a timed call runs 8 fills). Cases: `64B` (10k flows: sockets, buckets and epitems mostly miss the cache)
// and `64B-hot` (64 flows, everything cached: the instruction cost alone).
//   wasm-batch  one rxBatch call per 64-frame ring fill (a NAPI poll with budget 64)
//   wasm-call   rxBatch with budget 1, 64 calls: the cost of crossing into Wasm per packet
//   ts          the TypeScript twin (src/twin/rxbatch.ts) over the same memory layout, with its own
//               established table (EhashTwin) and epoll store (EpollTwin)
//   harness     the refill and drain below with no RX at all: the floor under every figure above
// Each impl has its own core. Frames are built once (checksummed) in linear memory; flows are taken
// in a shuffled order, 64 distinct flows per op. Every op, as a driver and a reader would:
//   refill  64 pooled skbs get their frame copied in (16 word stores, the "DMA") and are pushed on the
//           ring (slot and head words written directly);
//   drain   each touched socket's receive queue is emptied (as recv() would leave it) and its rcv_nxt
//           rewound, so the same frames are in order again next time; the ready list is emptied with
//           one epCommit (EpollTwin.commit for ts).
// The sockets, queue heads and skbs are written with plain word stores, never through exports, so the
// refill and drain cost the same for every impl (see `harness`).

import { EthRepr, Ipv4Repr, TcpRepr } from "../../src/core/frame.js";
import type { Core } from "../../src/core/wasm.js";
import * as L from "../../src/generated/layout.js";
import { loadCore } from "../../src/node.js";
import { EpollTwin } from "../../src/twin/epoll.js";
import { EhashTwin } from "../../src/twin/flow.js";
import { RxTwin, TwinWatchers } from "../../src/twin/rxbatch.js";
import { ethernetEmit } from "../../src/twin/wire/ethernet.js";
import { ipv4Emit } from "../../src/twin/wire/ipv4.js";
import { tcpChecksumFill, tcpEmit } from "../../src/twin/wire/tcp.js";
import type { BenchCase, Suite } from "../harness.js";
import { xorshift } from "../rng.js";

const CASES: [string, number][] = [
  ["64B", 10_000],
  ["64B-hot", 64],
];
const BATCH = 64; // frames per ring fill (and the NAPI budget of wasm-batch)
const ROUNDS = 8; // fills per timed call, so the timer's per-call overhead is spread over 512 frames
const FRAME_LEN = 64;
const WINDOW = 1024;
const SND_UNA = 1;
const OUR_MAC = 0x02_00_00_00_00_02;
const OUR_IP = 0x0a01_0001;
const EPOLLIN = 0x001;

// Word indexes (byte offset / 4) of the fields the refill and drain write, hoisted out of the loops.
const FRAME_WORDS = FRAME_LEN / 4;
const RING_HEAD_W = L.RING_HEAD >>> 2;
const RING_MASK_W = L.RING_MASK >>> 2;
const RING_SLOTS_W = L.RING_HDR_SIZE >>> 2;
const SKB_NEXT_W = L.SKB_NEXT >>> 2;
const SKB_PREV_W = L.SKB_PREV >>> 2;
const SKB_DATA_W = L.SKB_DATA >>> 2;
const SKB_TAIL_W = L.SKB_TAIL >>> 2;
const SKB_LIST_W = L.SKB_LIST >>> 2;
const RCVQ_NEXT_W = (L.TSK_RCVQ + L.SKBQ_NEXT) >>> 2;
const RCVQ_PREV_W = (L.TSK_RCVQ + L.SKBQ_PREV) >>> 2;
const RCVQ_QLEN_W = (L.TSK_RCVQ + L.SKBQ_QLEN) >>> 2;
const RCVQ_BYTES_W = (L.TSK_RCVQ + L.SKBQ_BYTES) >>> 2;
const RCV_NXT_W = L.TSK_RCV_NXT >>> 2;

export let sink = 0;

type Frames = ReturnType<typeof buildFrames>;

/** The flows' frames, back to back, and each flow's first sequence number. */
function buildFrames(flows: number): {
  bytes: Uint8Array;
  isn: Uint32Array;
  saddr: Uint32Array;
  sport: Uint16Array;
} {
  const bytes = new Uint8Array(flows * FRAME_LEN);
  const dv = new DataView(bytes.buffer);
  const isn = new Uint32Array(flows);
  const saddr = new Uint32Array(flows);
  const sport = new Uint16Array(flows);
  const r = xorshift(0x5eed);
  for (let i = 0; i < flows; i++) {
    const base = i * FRAME_LEN;
    isn[i] = r();
    saddr[i] = (0x0a02_0000 + (i >>> 8)) >>> 0;
    sport[i] = 1024 + (i & 0xff) * 97 + (r() & 63);
    const eth = Object.assign(new EthRepr(), { dst: OUR_MAC, src: 0x02_00_00_00_10_00 + i, type: 0x0800 });
    const tcp = Object.assign(new TcpRepr(), {
      sport: sport[i],
      dport: 80,
      seq: isn[i],
      ack: SND_UNA,
      window: WINDOW,
      flags: L.TCPHDR_ACK | (i % 4 === 0 ? L.TCPHDR_PSH : 0),
    });
    const l3 = base + ethernetEmit(eth, dv, base, FRAME_LEN);
    const l4 = l3 + 20;
    const hlen = tcpEmit(tcp, dv, l4, FRAME_LEN);
    for (let p = l4 + hlen; p < base + FRAME_LEN; p++) bytes[p] = r() & 0xff;
    const segLen = base + FRAME_LEN - l4;
    const ip = Object.assign(new Ipv4Repr(), {
      version: 4,
      ihl: 5,
      ttl: 64,
      id: r() & 0xffff,
      fragOff: L.IP_DF,
      proto: L.IPPROTO_TCP,
      totalLen: 20 + segLen,
      saddr: saddr[i],
      daddr: OUR_IP,
    });
    ipv4Emit(ip, dv, l3, 20);
    tcpChecksumFill(dv, l4, segLen, saddr[i], OUR_IP);
  }
  return { bytes, isn, saddr, sport };
}

type Impl = "wasm-batch" | "wasm-call" | "ts" | "harness";

/** One impl's world: a core with the flows' sockets, frames, skb pool, ring and output area. */
class RxBench {
  readonly x: Core["x"];
  readonly flows: number;
  readonly tsks: Uint32Array;
  readonly pool = new Uint32Array(BATCH);
  readonly poolData = new Uint32Array(BATCH); // word index of each pooled skb's buffer
  readonly order: Uint32Array;
  readonly frames: number;
  readonly ring: number;
  readonly dev: number;
  readonly out: number;
  readonly verdicts: number;
  ehash = 0;
  ep = 0;
  twin: RxTwin | null = null;
  epTwin: EpollTwin | null = null;
  private cursor = 0;
  private readonly picked = new Uint32Array(BATCH);

  constructor(
    readonly core: Core,
    readonly impl: Impl,
    f: Frames,
  ) {
    const x = core.x;
    this.x = x;
    const flows = f.isn.length;
    this.flows = flows;
    this.tsks = new Uint32Array(flows);
    this.order = new Uint32Array(flows);
    this.frames = x.arenaAlloc(flows * FRAME_LEN);
    this.ring = x.ringCreate(BATCH);
    this.dev = x.arenaAlloc(L.RXDEV_SIZE);
    this.out = x.arenaAlloc(x.rxbSize(BATCH));
    this.verdicts = x.arenaAlloc(BATCH); // zeros: EPV_DROP
    if (!this.frames || !this.ring || !this.dev || !this.out || !this.verdicts)
      throw new Error("rx bench: arena");
    core.u8.set(f.bytes, this.frames);
    core.dv.setUint16(this.dev + L.RXDEV_MAC, Math.floor(OUR_MAC / 0x1_0000_0000));
    core.dv.setUint32(this.dev + L.RXDEV_MAC + 2, OUR_MAC >>> 0);
    core.u8[this.dev + L.RXDEV_KIND] = L.RXDEV_ETHER;
    for (let i = 0; i < BATCH; i++) {
      const skb = x.allocSkb(2048);
      if (skb === 0) throw new Error("rx bench: allocSkb");
      this.pool[i] = skb;
      this.poolData[i] = core.u32[(skb + L.SKB_HEAD) >>> 2] >>> 2; // data offset 0: the buffer start
    }
    const pred = ((5 << 28) | (L.TCPHDR_ACK << 16) | WINDOW) >>> 0;
    const useTwin = impl === "ts";
    const ehTwin = useTwin ? new EhashTwin({ initFlows: flows }) : null;
    if (!useTwin) this.ehash = x.ehashCreate(flows, 0, 0x9e37_79b9);
    const store = useTwin ? new EpollTwin() : null;
    const watchers = useTwin ? new TwinWatchers() : null;
    this.ep = store ? store.epCreate() : x.epCreate();
    for (let i = 0; i < flows; i++) {
      const t = x.tskCreate(i + 1, 1 << 20);
      if (t === 0) throw new Error("rx bench: tskCreate");
      this.tsks[i] = t;
      x.tskPublish(t, pred, f.isn[i], f.isn[i], 65535, SND_UNA, 0, 0, 1 << 20);
      if (ehTwin) ehTwin.insert(f.saddr[i], f.sport[i], OUR_IP, 80, t);
      else x.ehashInsert(this.ehash, f.saddr[i], f.sport[i], OUR_IP, 80, t);
      if (store && watchers) watchers.watch(t, store.itemAdd(this.ep, EPOLLIN, i + 3), this.ep);
      else x.tskWatch(t, x.epItemAdd(this.ep, EPOLLIN, i + 3));
    }
    if (store && watchers && ehTwin) {
      this.epTwin = store;
      this.twin = new RxTwin(core, { ehash: ehTwin, epoll: store, watchers });
    }
    // flows in a shuffled order (Fisher-Yates), so consecutive frames touch scattered sockets
    const r = xorshift(0xbe5c);
    for (let i = 0; i < flows; i++) this.order[i] = i;
    for (let i = flows - 1; i > 0; i--) {
      const j = r() % (i + 1);
      const tmp = this.order[i];
      this.order[i] = this.order[j];
      this.order[j] = tmp;
    }
  }

  /** The driver: 64 frames of the next 64 flows into the pooled skbs, onto the ring. */
  refill(): void {
    const u32 = this.core.u32;
    const { order, picked, pool, poolData, flows } = this;
    const frames = this.frames >>> 2;
    const ring = this.ring >>> 2;
    const head = u32[ring + RING_HEAD_W];
    const mask = u32[ring + RING_MASK_W];
    let cursor = this.cursor;
    for (let i = 0; i < BATCH; i++) {
      const fl = order[cursor];
      cursor = cursor + 1 === flows ? 0 : cursor + 1;
      picked[i] = fl;
      const skb = pool[i];
      const s = skb >>> 2;
      const dst = poolData[i];
      const src = frames + fl * FRAME_WORDS;
      for (let w = 0; w < FRAME_WORDS; w++) u32[dst + w] = u32[src + w];
      u32[s + SKB_NEXT_W] = 0;
      u32[s + SKB_PREV_W] = 0;
      u32[s + SKB_DATA_W] = 0;
      u32[s + SKB_TAIL_W] = FRAME_LEN;
      u32[s + SKB_LIST_W] = 0;
      u32[ring + RING_SLOTS_W + ((head + i) & mask)] = skb;
    }
    this.cursor = cursor;
    u32[ring + RING_HEAD_W] = head + BATCH;
  }

  /** The reader: each touched socket's queue emptied and rcv_nxt rewound; the ready list emptied. */
  drain(isn: Uint32Array): void {
    const u32 = this.core.u32;
    const { picked, tsks } = this;
    for (let i = 0; i < BATCH; i++) {
      const fl = picked[i];
      const t = tsks[fl];
      const q = t + L.TSK_RCVQ;
      const w = t >>> 2;
      u32[w + RCVQ_NEXT_W] = q;
      u32[w + RCVQ_PREV_W] = q;
      u32[w + RCVQ_QLEN_W] = 0;
      u32[w + RCVQ_BYTES_W] = 0;
      u32[w + RCV_NXT_W] = isn[fl];
    }
    if (this.epTwin) {
      const n = this.epTwin.readyCount(this.ep);
      if (n) this.epTwin.commit(this.ep, ZEROS, n);
    } else {
      const n = u32[(this.ep + L.EPC_NREADY) >>> 2];
      if (n) this.x.epCommit(this.ep, this.verdicts, n);
    }
  }

  /** The RX of one op. Returns the fast segments taken. */
  rx(): number {
    const x = this.x;
    switch (this.impl) {
      case "wasm-batch":
        x.rxBatch(this.ring, BATCH, this.ehash, this.dev, this.out);
        return this.core.u32[(this.out + L.RXB_FAST) >>> 2];
      case "wasm-call": {
        let fast = 0;
        for (let i = 0; i < BATCH; i++) {
          x.rxBatch(this.ring, 1, this.ehash, this.dev, this.out);
          fast += this.core.u32[(this.out + L.RXB_FAST) >>> 2];
        }
        return fast;
      }
      case "ts":
        this.twin!.rxBatch(this.ring, BATCH, this.dev, this.out);
        return this.core.u32[(this.out + L.RXB_FAST) >>> 2];
      case "harness": {
        // pop the ring as the consumer would, and nothing else
        const u32 = this.core.u32;
        const r = this.ring >>> 2;
        u32[r + (L.RING_TAIL >>> 2)] = u32[r + (L.RING_HEAD >>> 2)];
        return BATCH;
      }
    }
  }
}

const ZEROS = new Uint8Array(BATCH);

export const rxSuite: Suite = {
  name: "rx",
  description:
    "batch RX fast path, 64-byte TCP frames of 10k in-order flows: validate, checksum, lookup, predict, queue, epoll mark",
  async cases(): Promise<BenchCase[]> {
    const impls: Impl[] = ["wasm-batch", "wasm-call", "ts", "harness"];
    const out: BenchCase[] = [];
    for (const [name, flows] of CASES) {
      const f = buildFrames(flows);
      for (const impl of impls) out.push(await rxCase(name, impl, f));
    }
    return out;
  },
};

/** One impl on its own core, checked before anything is timed. */
async function rxCase(name: string, impl: Impl, f: Frames): Promise<BenchCase> {
  const b = new RxBench(await loadCore(), impl, f);
  // Every frame of a full cycle through the flows (and past its wrap) must take the fast path and wake
  // its socket's eventpoll: the rewind in drain() really makes each next frame in order again.
  for (let k = Math.ceil(f.isn.length / BATCH) + 2; k > 0; k--) {
    b.refill();
    const fast = b.rx();
    if (fast !== BATCH) throw new Error(`rx bench ${impl}: ${fast} of ${BATCH} frames predicted`);
    if (impl === "wasm-batch" || impl === "ts") {
      const u32 = b.core.u32;
      const nwake = u32[(b.out + L.RXB_NWAKE) >>> 2];
      const nepw = u32[(b.out + L.RXB_NEPW) >>> 2];
      if (nwake !== BATCH || nepw !== 1)
        throw new Error(`rx bench ${impl}: ${nwake} wakes, ${nepw} eventpolls`);
    }
    if (impl !== "harness") {
      const ready = b.epTwin ? b.epTwin.readyCount(b.ep) : b.core.u32[(b.ep + L.EPC_NREADY) >>> 2];
      if (ready !== BATCH) throw new Error(`rx bench ${impl}: ${ready} epitems ready`);
    }
    b.drain(f.isn);
  }
  return {
    case: name,
    impl,
    ops: BATCH * ROUNDS,
    bytes: FRAME_LEN,
    fn: () => {
      for (let r = 0; r < ROUNDS; r++) {
        b.refill();
        sink ^= b.rx();
        b.drain(f.isn);
      }
    },
  };
}
