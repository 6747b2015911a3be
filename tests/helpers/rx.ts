// A test rig for the RX fast path: a core with a device ring, an RXDEV, an RXB output area, an
// established table and an eventpoll; TCP segment builders (real frames: Ethernet + IPv4 + TCP with
// correct checksums, padded to 64 bytes) and readers for the batch summary and the receive queues.

import { EhashTable } from "../../src/core/flow.js";
import { EthRepr } from "../../src/core/frame.js";
import type { Core } from "../../src/core/wasm.js";
import * as L from "../../src/generated/layout.js";
import { freshCore } from "./core.js";
import { buildFrame, ipRepr, MAC_A, MAC_B, tcpRepr } from "./wire.js";

export const PEER_IP = 0x0a4d_0001; // 10.77.0.1: the sender
export const OUR_IP = 0x0a4d_0002; // 10.77.0.2: us
export const PEER_MAC = MAC_A;
export const OUR_MAC = MAC_B;

/** A connection as packets arrive: source = the peer. */
export interface Flow {
  saddr: number;
  sport: number;
  daddr: number;
  dport: number;
}

export function flow(sport: number, dport = 80, saddr = PEER_IP, daddr = OUR_IP): Flow {
  return { saddr, sport, daddr, dport };
}

export interface SegSpec {
  seq: number;
  ack?: number;
  flags?: number; // TCPHDR_*; ACK by default
  window?: number;
  payload?: Uint8Array | number; // bytes, or a length of patterned bytes
  ts?: { val: number; ecr?: number; aligned?: boolean }; // aligned: NOP,NOP,TS (else SACK_PERM,TS)
  tos?: number;
  fragOff?: number; // the IP field (DF by default)
  dstMac?: number;
  minLen?: number; // Ethernet padding target, 64 by default
}

/** Payload bytes derived from seq, so queue contents can be predicted. */
export function pattern(seq: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (seq + i) & 0xff;
  return b;
}

/** One Ethernet / IPv4 / TCP frame of flow f. */
export function segment(f: Flow, s: SegSpec): Uint8Array {
  const payload =
    typeof s.payload === "number" ? pattern(s.seq, s.payload) : (s.payload ?? new Uint8Array(0));
  const tcp = tcpRepr({
    sport: f.sport,
    dport: f.dport,
    seq: s.seq >>> 0,
    ack: (s.ack ?? 1000) >>> 0,
    flags: s.flags ?? L.TCPHDR_ACK,
    window: s.window ?? 1024,
  });
  if (s.ts) {
    tcp.opt = s.ts.aligned === false ? L.TCPO_TS | L.TCPO_SACK_PERM : L.TCPO_TS;
    tcp.tsval = s.ts.val >>> 0;
    tcp.tsecr = (s.ts.ecr ?? 0) >>> 0;
  }
  const eth = Object.assign(new EthRepr(), { dst: s.dstMac ?? OUR_MAC, src: PEER_MAC, type: L.ETH_P_IP });
  const ip = ipRepr(f.saddr, f.daddr, L.IPPROTO_TCP, { tos: s.tos ?? 0, fragOff: s.fragOff ?? L.IP_DF });
  return buildFrame(eth, ip, { tcp }, payload, s.minLen ?? 64);
}

/** Linux pred_flags in host order: header length / 4 << 28 | ACK << 16 | window. */
export function predFlags(hdrLen: number, window: number): number {
  return (((hdrLen >>> 2) << 28) | (L.TCPHDR_ACK << 16) | window) >>> 0;
}

export interface TskState {
  pred?: number; // default: predFlags(20 or 32, window)
  window?: number; // 1024 by default
  rcvNxt: number;
  rcvWup?: number; // rcvNxt by default
  rcvWnd?: number; // 65535 by default
  sndUna?: number; // 1000 by default
  tsRecent?: number;
  ts?: boolean;
  rcvbuf?: number; // 1 MiB by default
}

export interface Rxe {
  kind: number;
  ecn: number;
  psh: number;
  skb: number;
  tsk: number;
  len: number;
  tsval: number;
}

export interface RxbHeader {
  nev: number;
  fast: number;
  slow: number;
  drop: number;
  nwake: number;
  nepw: number;
  bytes: number;
  fbytes: number;
}

export class RxRig {
  readonly x: Core["x"];
  readonly ring: number;
  readonly dev: number;
  readonly out: number;
  readonly ehash: EhashTable;

  private constructor(
    readonly core: Core,
    readonly budgetMax: number,
    kind: number,
    ringSize: number,
  ) {
    const x = core.x;
    this.x = x;
    this.ehash = new EhashTable(core, { initFlows: 64 });
    this.ring = x.ringCreate(ringSize);
    this.dev = x.arenaAlloc(L.RXDEV_SIZE);
    this.out = x.arenaAlloc(x.rxbSize(budgetMax));
    const dv = core.dv;
    dv.setUint16(this.dev + L.RXDEV_MAC, Math.floor(OUR_MAC / 0x1_0000_0000));
    dv.setUint32(this.dev + L.RXDEV_MAC + 2, OUR_MAC >>> 0);
    core.u8[this.dev + L.RXDEV_KIND] = kind;
  }

  static async create(
    opts: { kind?: number; budget?: number; ringSize?: number; core?: Core } = {},
  ): Promise<RxRig> {
    const core = opts.core ?? (await freshCore());
    return new RxRig(core, opts.budget ?? L.RX_BUDGET_MAX, opts.kind ?? L.RXDEV_ETHER, opts.ringSize ?? 1024);
  }

  /** A TSK for f, hashed in the established table and published. */
  tsk(f: Flow, st: TskState, id = 1): number {
    const x = this.x;
    const t = x.tskCreate(id, st.rcvbuf ?? 1 << 20);
    if (t === 0) throw new Error("tskCreate failed");
    if (this.ehash.insert(f.saddr, f.sport, f.daddr, f.dport, t) !== 0) throw new Error("ehash insert");
    this.publish(t, st);
    return t;
  }

  publish(t: number, st: TskState): void {
    const window = st.window ?? 1024;
    const pred = st.pred ?? predFlags(st.ts ? 32 : 20, window);
    const rc = this.x.tskPublish(
      t,
      pred,
      st.rcvNxt >>> 0,
      (st.rcvWup ?? st.rcvNxt) >>> 0,
      st.rcvWnd ?? 65535,
      (st.sndUna ?? 1000) >>> 0,
      (st.tsRecent ?? 0) >>> 0,
      st.ts ? L.TSKF_TS : 0,
      st.rcvbuf ?? 1 << 20,
    );
    if (rc !== 0) throw new Error(`tskPublish ${rc}`);
  }

  /** An skb holding `bytes` (as a driver's DMA), pushed on the ring. Returns the skb. */
  push(bytes: Uint8Array): number {
    const x = this.x;
    const skb = x.allocSkb(2048);
    if (skb === 0) throw new Error("allocSkb failed");
    x.skbReserve(skb, 2); // NET_IP_ALIGN
    const p = x.skbPut(skb, bytes.length);
    this.core.u8.set(bytes, p);
    if (x.ringPush(this.ring, skb) !== 0) throw new Error("ring full");
    return skb;
  }

  run(budget = this.budgetMax): number {
    return this.x.rxBatch(this.ring, budget, this.ehash.ptr, this.dev, this.out);
  }

  header(): RxbHeader {
    const u32 = this.core.u32;
    const o = this.out >>> 2;
    return {
      nev: u32[o],
      fast: u32[o + 1],
      slow: u32[o + 2],
      drop: u32[o + 3],
      nwake: u32[o + 4],
      nepw: u32[o + 5],
      bytes: u32[o + 6],
      fbytes: u32[o + 7],
    };
  }

  events(): Rxe[] {
    return readEvents(this.core, this.out, this.header().nev);
  }

  wakes(budget = this.budgetMax): number[] {
    return readWords(this.core, this.out + this.x.rxbWakes(budget), this.header().nwake);
  }

  epWakes(budget = this.budgetMax): number[] {
    return readWords(this.core, this.out + this.x.rxbEpWakes(budget), this.header().nepw);
  }

  /** The FRAME written for event i. */
  frameAddr(i: number, budget = this.budgetMax): number {
    return this.out + this.x.rxbFrames(budget) + i * L.FRAME_SIZE;
  }

  tskWord(t: number, field: number): number {
    return this.core.u32[(t + field) >>> 2];
  }

  /** The payload bytes on t's receive queue, in order. */
  queued(t: number): Uint8Array {
    return concat(queueSkbs(this.core, t + L.TSK_RCVQ).map((s) => skbBytes(this.core, s)));
  }

  /** Consumes every skb left on t's receive queue (as recv() would). */
  drain(t: number): number {
    let n = 0;
    for (let s = this.x.skbDequeue(t + L.TSK_RCVQ); s !== 0; s = this.x.skbDequeue(t + L.TSK_RCVQ)) {
      this.x.consumeSkb(s);
      n++;
    }
    return n;
  }

  /** Consumes the skbs of the batch's slow events (as the host's slow path would). */
  consumeSlow(): void {
    for (const e of this.events()) if (e.kind === L.RXE_SLOW) this.x.consumeSkb(e.skb);
  }
}

export function readEvents(core: Core, out: number, n: number): Rxe[] {
  const dv = core.dv;
  const evs: Rxe[] = [];
  for (let i = 0; i < n; i++) {
    const e = out + L.RXB_HDR_SIZE + i * L.RXE_SIZE;
    evs.push({
      kind: dv.getUint8(e + L.RXE_KIND),
      ecn: dv.getUint8(e + L.RXE_ECN),
      psh: dv.getUint8(e + L.RXE_PSH),
      skb: dv.getUint32(e + L.RXE_SKB, true),
      tsk: dv.getUint32(e + L.RXE_TSK, true),
      len: dv.getUint32(e + L.RXE_LEN, true),
      tsval: dv.getUint32(e + L.RXE_TSVAL, true),
    });
  }
  return evs;
}

export function readWords(core: Core, at: number, n: number): number[] {
  return Array.from(core.u32.subarray(at >>> 2, (at >>> 2) + n));
}

/** The skbs on queue q, head to tail. */
export function queueSkbs(core: Core, q: number): number[] {
  const u32 = core.u32;
  const out: number[] = [];
  for (let s = u32[(q + L.SKBQ_NEXT) >>> 2]; s !== q; s = u32[(s + L.SKB_NEXT) >>> 2]) {
    out.push(s);
    if (out.length > L.SKB_COUNT) throw new Error("queue does not end");
  }
  return out;
}

export function skbBytes(core: Core, skb: number): Uint8Array {
  const u32 = core.u32;
  const head = u32[(skb + L.SKB_HEAD) >>> 2];
  return core.u8.slice(head + u32[(skb + L.SKB_DATA) >>> 2], head + u32[(skb + L.SKB_TAIL) >>> 2]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLET = 0x8000_0000;
export const EPOLLEXCLUSIVE = 0x1000_0000;
