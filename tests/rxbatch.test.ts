// Scenario tests of the core's batch RX fast path (assembly/tcp/fastpath.ts rxBatch) with real
// frames: what predicts and lands on the socket's receive queue, every reason a segment goes to the
// host instead, every class of bad frame dropped with its reason, epoll marking, budget, TUN, tskFree.
import { describe, expect, it } from "vitest";
import { EthRepr, UdpRepr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { WasmEpollStore } from "../src/kernel/epollstore.js";
import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  flow,
  OUR_IP,
  OUR_MAC,
  PEER_IP,
  PEER_MAC,
  pattern,
  RxRig,
  type SegSpec,
  segment,
} from "./helpers/rx.js";
import { buildFrame, ipRepr } from "./helpers/wire.js";

const F = flow(40000);
const ISN = 0x1000_0000;

/** A rig with one socket on F, expecting `ISN` (overrides in st). */
async function oneSocket(st: Partial<Parameters<RxRig["tsk"]>[1]> = {}) {
  const rig = await RxRig.create();
  const base = rig.x.skbInUse();
  const t = rig.tsk(F, { rcvNxt: ISN, ...st });
  return { rig, t, base };
}

/** Runs one segment through a fresh single-socket rig; returns its event kind. */
async function verdict(seg: Partial<SegSpec>, st: Partial<Parameters<RxRig["tsk"]>[1]> = {}) {
  const { rig, t } = await oneSocket(st);
  rig.push(segment(F, { seq: ISN, payload: 10, ...seg }));
  expect(rig.run()).toBe(1);
  const [e] = rig.events();
  return { kind: e.kind, e, rig, t };
}

describe("rxBatch: predicted in-order data", () => {
  it("queues in-order segments on the socket, advances rcv_nxt, and counts them", async () => {
    const { rig, t, base } = await oneSocket();
    let seq = ISN;
    const want: Uint8Array[] = [];
    for (const n of [10, 1, 6, 100]) {
      rig.push(segment(F, { seq, payload: n, flags: n === 6 ? L.TCPHDR_ACK | L.TCPHDR_PSH : L.TCPHDR_ACK }));
      want.push(pattern(seq, n));
      seq += n;
    }
    expect(rig.run()).toBe(4);
    const h = rig.header();
    expect(h).toMatchObject({ nev: 4, fast: 4, slow: 0, drop: 0, nwake: 1, nepw: 0, fbytes: 117 });
    expect(h.bytes).toBe(64 + 64 + 64 + (14 + 20 + 20 + 100));
    expect(rig.tskWord(t, L.TSK_RCV_NXT)).toBe(seq >>> 0);
    expect(rig.queued(t)).toEqual(Uint8Array.from(want.flatMap((w) => [...w])));
    expect(rig.x.skbQueueLen(t + L.TSK_RCVQ)).toBe(4);
    expect(rig.x.skbQueueBytes(t + L.TSK_RCVQ)).toBe(117);
    const ev = rig.events();
    expect(ev.map((e) => [e.kind, e.tsk, e.len, e.psh])).toEqual([
      [L.RXE_FAST, t, 10, 0],
      [L.RXE_FAST, t, 1, 0],
      [L.RXE_FAST, t, 6, 1],
      [L.RXE_FAST, t, 100, 0],
    ]);
    expect(rig.wakes()).toEqual([t]);
    // per-batch scratch is cleared: wake link, SLOW flag, segs, bytes
    for (const w of [L.TSK_WAKE, L.TSK_SEGS, L.TSK_BYTES]) expect(rig.tskWord(t, w)).toBe(0);
    // skbs on the queue are pulled to the payload with marks set; freeing the queue frees everything
    const skb = ev[0].skb;
    expect(rig.x.skbListOwner(skb)).toBe(t + L.TSK_RCVQ);
    expect(rig.x.skbMacOffset(skb)).toBe(-54);
    expect(rig.x.skbNetworkOffset(skb)).toBe(-40);
    expect(rig.x.skbTransportOffset(skb)).toBe(-20);
    expect(rig.drain(t)).toBe(4);
    expect(rig.x.skbInUse()).toBe(base);
    expect(rig.core.drops()).toEqual({});
  });

  it("with timestamps: the aligned option predicts, ts_recent follows, tsval is reported", async () => {
    const { rig, t } = await oneSocket({ ts: true, tsRecent: 500 });
    rig.push(segment(F, { seq: ISN, payload: 8, ts: { val: 500 } }));
    rig.push(segment(F, { seq: ISN + 8, payload: 4, ts: { val: 501 } }));
    expect(rig.run()).toBe(2);
    expect(rig.events().map((e) => [e.kind, e.tsval, e.len])).toEqual([
      [L.RXE_FAST, 500, 8],
      [L.RXE_FAST, 501, 4],
    ]);
    expect(rig.tskWord(t, L.TSK_TS_RECENT)).toBe(501);
    expect(rig.queued(t)).toEqual(Uint8Array.from([...pattern(ISN, 8), ...pattern(ISN + 8, 4)]));
  });

  it("trims Ethernet padding off a short segment", async () => {
    const { rig, t } = await oneSocket();
    rig.push(segment(F, { seq: ISN, payload: 1, minLen: 64 }));
    rig.run();
    expect(rig.queued(t)).toEqual(pattern(ISN, 1));
  });

  it("reports the ECN field (ECT) of a predicted segment", async () => {
    const { kind, e } = await verdict({ tos: 2 });
    expect(kind).toBe(L.RXE_FAST);
    expect(e.ecn).toBe(2);
  });
});

describe("rxBatch: prediction misses go to the host (RXE_SLOW with the socket)", () => {
  const cases: [string, Partial<SegSpec>, Partial<Parameters<RxRig["tsk"]>[1]>][] = [
    ["out-of-order seq (ahead)", { seq: ISN + 10 }, {}],
    ["old seq (behind)", { seq: ISN - 10 }, {}],
    ["ack != snd_una", { ack: 1001 }, {}],
    ["window change", { window: 1025 }, {}],
    ["SYN", { flags: L.TCPHDR_ACK | L.TCPHDR_SYN }, {}],
    ["FIN", { flags: L.TCPHDR_ACK | L.TCPHDR_FIN }, {}],
    ["RST", { flags: L.TCPHDR_ACK | L.TCPHDR_RST }, {}],
    ["URG", { flags: L.TCPHDR_ACK | L.TCPHDR_URG }, {}],
    ["ECE", { flags: L.TCPHDR_ACK | L.TCPHDR_ECE }, {}],
    ["no ACK", { flags: 0 }, {}],
    ["pure ACK (no payload)", { payload: 0 }, {}],
    ["TS older than ts_recent", { ts: { val: 99 } }, { ts: true, tsRecent: 100 }],
    ["TS not in the aligned place", { ts: { val: 100, aligned: false } }, { ts: true, tsRecent: 100 }],
    ["TS missing on a TS socket", {}, { ts: true, tsRecent: 100 }],
    ["TS on a socket without TS (header length differs)", { ts: { val: 5 } }, {}],
    ["receive window closed", {}, { rcvWup: ISN - 100, rcvWnd: 100 }],
    ["CE-marked", { tos: 3 }, {}],
    ["prediction off (pred 0)", {}, { pred: 0 }],
  ];
  for (const [name, seg, st] of cases) {
    it(name, async () => {
      const { rig, t } = await oneSocket(st);
      const b = segment(F, { seq: ISN, payload: 10, ...seg });
      rig.push(b);
      expect(rig.run()).toBe(1);
      const [e] = rig.events();
      expect(e.kind).toBe(L.RXE_SLOW);
      expect(e.tsk).toBe(t);
      expect(rig.header()).toMatchObject({ fast: 0, slow: 1, nwake: 0, fbytes: 0 });
      // slow skbs are left whole for the host, the socket untouched, the SLOW mark cleared
      expect(rig.x.skbLen(e.skb)).toBe(b.length);
      expect(rig.tskWord(t, L.TSK_FLAGS) & L.TSKF_SLOW).toBe(0);
      expect(rig.tskWord(t, L.TSK_WAKE)).toBe(0);
    });
  }

  it("rcvbuf exceeded: queued bytes over SO_RCVBUF stop prediction (tcp_try_rmem_schedule)", async () => {
    const { rig, t } = await oneSocket({ rcvbuf: 15 });
    for (let i = 0; i < 3; i++) rig.push(segment(F, { seq: ISN + 10 * i, payload: 10 }));
    rig.run();
    // rmem 0 <= 15: queued; rmem 10 <= 15: queued; rmem 20 > 15: the host decides
    expect(rig.events().map((e) => e.kind)).toEqual([L.RXE_FAST, L.RXE_FAST, L.RXE_SLOW]);
    expect(rig.x.skbQueueBytes(t + L.TSK_RCVQ)).toBe(20);
  });

  it("PSH is allowed (masked out of the prediction word)", async () => {
    expect((await verdict({ flags: L.TCPHDR_ACK | L.TCPHDR_PSH })).kind).toBe(L.RXE_FAST);
  });

  it("a TS equal to ts_recent predicts (tsval - ts_recent >= 0)", async () => {
    expect((await verdict({ ts: { val: 100 } }, { ts: true, tsRecent: 100 })).kind).toBe(L.RXE_FAST);
  });

  it("TS comparison wraps (RFC 7323 PAWS: signed 32-bit difference)", async () => {
    expect((await verdict({ ts: { val: 5 } }, { ts: true, tsRecent: 0xffff_fff0 })).kind).toBe(L.RXE_FAST);
    expect((await verdict({ ts: { val: 0xffff_fff0 } }, { ts: true, tsRecent: 5 })).kind).toBe(L.RXE_SLOW);
  });

  it("a frame for no socket goes slow with tsk 0", async () => {
    const { rig } = await oneSocket();
    rig.push(segment(flow(40001), { seq: ISN, payload: 10 }));
    rig.run();
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_SLOW, tsk: 0 });
  });

  it("an IPv4 fragment is not a drop: it goes slow without a lookup", async () => {
    const { rig } = await oneSocket();
    rig.push(segment(F, { seq: ISN, payload: 10, fragOff: 0x2000 }));
    rig.run();
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_SLOW, tsk: 0 });
    expect(rig.header().drop).toBe(0);
    expect(rig.core.drops()).toEqual({});
  });

  it("once a socket went slow in a batch, its later in-order segments go slow too", async () => {
    const { rig, t } = await oneSocket();
    const other = rig.tsk(flow(40002), { rcvNxt: 7 }, 2);
    rig.push(segment(F, { seq: ISN, payload: 10 })); // fast
    rig.push(segment(F, { seq: ISN + 10, payload: 5, flags: L.TCPHDR_ACK | L.TCPHDR_FIN })); // slow
    rig.push(segment(F, { seq: ISN + 10, payload: 5 })); // in order, but after a slow one: slow
    rig.push(segment(flow(40002), { seq: 7, payload: 3 })); // another socket is unaffected
    rig.run();
    expect(rig.events().map((e) => [e.kind, e.tsk])).toEqual([
      [L.RXE_FAST, t],
      [L.RXE_SLOW, t],
      [L.RXE_SLOW, t],
      [L.RXE_FAST, other],
    ]);
    expect(rig.tskWord(t, L.TSK_RCV_NXT)).toBe(ISN + 10);
    expect(new Set(rig.wakes())).toEqual(new Set([t, other]));
    // the mark lasts one batch only
    rig.consumeSlow();
    rig.push(segment(F, { seq: ISN + 10, payload: 5 }));
    rig.run();
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_FAST, tsk: t });
  });

  it("without an established table (ehash 0) every good frame goes slow", async () => {
    const { rig } = await oneSocket();
    rig.push(segment(F, { seq: ISN, payload: 10 }));
    expect(rig.x.rxBatch(rig.ring, 8, 0, rig.dev, rig.out)).toBe(1);
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_SLOW, tsk: 0 });
  });
});

describe("rxBatch: bad frames are dropped with their reason, counted, and freed", () => {
  function good(): Uint8Array {
    return segment(F, { seq: ISN, payload: 10 });
  }
  function flip(b: Uint8Array, at: number, x = 0xff): Uint8Array {
    const c = b.slice();
    c[at] ^= x;
    return c;
  }
  const udp = () =>
    buildFrame(
      Object.assign(new EthRepr(), { dst: OUR_MAC, src: PEER_MAC, type: L.ETH_P_IP }),
      ipRepr(PEER_IP, OUR_IP, L.IPPROTO_UDP),
      { udp: Object.assign(new UdpRepr(), { sport: 5000, dport: 53 }) },
      pattern(0, 12),
      64,
    );
  const cases: [string, () => Uint8Array, string][] = [
    // Linux ip_rcv_core: pskb_may_pull(iphdr) fails -> inhdr_error
    ["truncated inside the IP header", () => good().slice(0, 30), "IP_INHDR"],
    ["shorter than the IP total length", () => good().slice(0, 60), "PKT_TOO_SMALL"],
    ["truncated Ethernet header", () => good().slice(0, 10), "PKT_TOO_SMALL"],
    ["bad IP header checksum", () => flip(good(), 14 + 10), "IP_CSUM"],
    ["bad TCP checksum (payload byte)", () => flip(good(), 54 + 3), "TCP_CSUM"],
    ["bad UDP checksum", () => flip(udp(), 42 + 1), "UDP_CSUM"],
    ["bad IP version", () => flip(good(), 14, 0x60), "IP_INHDR"],
    ["bad IHL (< 5)", () => flip(good(), 14, 0x05 ^ 0x03), "IP_INHDR"],
    ["unknown ethertype", () => flip(good(), 12, 0x80), "UNHANDLED_PROTO"],
    [
      "IPv4 for another host's MAC",
      () => segment(F, { seq: ISN, payload: 10, dstMac: 0x02_00_00_00_00_99 }),
      "OTHERHOST",
    ],
    // Linux ip_route_input_slow(): martians off a wire
    [
      "a 127/8 destination off the wire (route_localnet = 0)",
      () => segment(flow(41000, 80, 0x7f00_0001, 0x7f00_0001), { seq: ISN, payload: 10 }),
      "IP_LOCALNET",
    ],
    [
      "a 127/8 source off the wire",
      () => segment(flow(41000, 80, 0x7f00_0001), { seq: ISN, payload: 10 }),
      "IP_INVALID_SOURCE",
    ],
    [
      "a multicast source",
      () => segment(flow(41000, 80, 0xe000_0001), { seq: ISN, payload: 10 }),
      "IP_INVALID_SOURCE",
    ],
    [
      "the limited broadcast as source",
      () => segment(flow(41000, 80, 0xffff_ffff), { seq: ISN, payload: 10 }),
      "IP_INVALID_SOURCE",
    ],
    [
      "a 0/8 source to a unicast address",
      () => segment(flow(41000, 80, 0), { seq: ISN, payload: 10 }),
      "IP_INVALID_SOURCE",
    ],
  ];
  for (const [name, make, reason] of cases) {
    it(name, async () => {
      const { rig } = await oneSocket();
      const before = rig.x.skbInUse();
      rig.push(make());
      expect(rig.x.skbInUse()).toBe(before + 1);
      expect(rig.run()).toBe(1);
      const [e] = rig.events();
      expect(e.kind).toBe(L.RXE_DROP);
      expect(L.DROP_REASON_NAMES[e.len]).toBe(reason);
      expect(rig.header()).toMatchObject({ nev: 1, drop: 1, fast: 0, slow: 0 });
      expect(rig.core.drops()).toEqual({ [reason]: 1 });
      expect(rig.x.skbInUse()).toBe(before);
    });
  }

  it("a UDP frame with a good checksum and broadcast IPv4 are not drops", async () => {
    const { rig } = await oneSocket();
    rig.push(udp());
    rig.push(segment(F, { seq: ISN, payload: 10, dstMac: 0xffff_ffff_ffff }));
    rig.run();
    expect(rig.events().map((e) => e.kind)).toEqual([L.RXE_SLOW, L.RXE_FAST]);
  });

  it("an ARP packet we do not speak goes to the host, not dropped", async () => {
    const { rig } = await oneSocket();
    const b = new Uint8Array(64);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, Math.floor(0xffff_ffff_ffff / 0x1_0000_0000));
    dv.setUint32(2, 0xffff_ffff);
    dv.setUint16(6, Math.floor(PEER_MAC / 0x1_0000_0000));
    dv.setUint32(8, PEER_MAC >>> 0);
    dv.setUint16(12, L.ETH_P_ARP);
    dv.setUint16(14, 6); // htype IEEE 802: not Ethernet
    dv.setUint16(16, L.ETH_P_IP);
    b[18] = 6;
    b[19] = 4;
    dv.setUint16(20, 1);
    rig.push(b);
    rig.run();
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_SLOW, tsk: 0 });
    expect(rig.core.drops()).toEqual({});
  });

  it("0.0.0.0 towards the limited broadcast (DHCP) is no martian; on lo, 127/8 is home", async () => {
    const { rig } = await oneSocket();
    rig.push(segment(flow(68, 67, 0, 0xffff_ffff), { seq: 1, payload: 10, dstMac: 0xffff_ffff_ffff }));
    rig.run();
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_SLOW, tsk: 0 });
    const lo = await RxRig.create({ kind: L.RXDEV_LOOPBACK });
    const home = flow(41000, 80, 0x7f00_0001, 0x7f00_0001);
    const t = lo.tsk(home, { rcvNxt: ISN });
    lo.push(segment(home, { seq: ISN, payload: 10 }));
    lo.run();
    expect(lo.events()[0]).toMatchObject({ kind: L.RXE_FAST, tsk: t });
  });

  it("a loopback device does not filter by MAC", async () => {
    const rig = await RxRig.create({ kind: L.RXDEV_LOOPBACK });
    const t = rig.tsk(F, { rcvNxt: ISN });
    rig.push(segment(F, { seq: ISN, payload: 10, dstMac: 0x02_00_00_00_00_99 }));
    rig.run();
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_FAST, tsk: t });
  });

  it("a ring slot that is no live skb is a drop event with skb 0", async () => {
    const { rig } = await oneSocket();
    const skb = rig.x.allocSkb(64);
    rig.x.kfreeSkb(skb, 0);
    rig.x.ringPush(rig.ring, skb);
    rig.x.ringPush(rig.ring, 12345);
    expect(rig.run()).toBe(2);
    expect(rig.events().map((e) => [e.kind, e.skb, e.len])).toEqual([
      [L.RXE_DROP, 0, 1],
      [L.RXE_DROP, 0, 1],
    ]);
  });

  it("a mixed batch: counts per kind and per reason, no skb leaks after the host's share is freed", async () => {
    const { rig, t, base } = await oneSocket();
    rig.push(good()); // fast
    rig.push(flip(good(), 24)); // IP_CSUM
    rig.push(segment(F, { seq: ISN + 10, payload: 4 })); // fast
    rig.push(flip(segment(F, { seq: ISN + 14, payload: 4 }), 55)); // TCP_CSUM (a payload byte)
    rig.push(segment(F, { seq: ISN + 100, payload: 4 })); // slow (ooo) and marks the socket
    rig.push(segment(F, { seq: ISN + 14, payload: 4 })); // slow (socket marked)
    rig.push(good().slice(0, 20)); // IP_INHDR (6 bytes of IP header)
    expect(rig.run()).toBe(7);
    expect(rig.header()).toMatchObject({ nev: 7, fast: 2, slow: 2, drop: 3, nwake: 1, fbytes: 14 });
    expect(rig.core.drops()).toEqual({ IP_CSUM: 1, TCP_CSUM: 1, IP_INHDR: 1 });
    rig.consumeSlow();
    rig.drain(t);
    expect(rig.x.skbInUse()).toBe(base);
  });
});

describe("rxBatch: epoll", () => {
  it("a watching epitem is linked on the ready list once; its eventpoll is listed once", async () => {
    const rig = await RxRig.create();
    const x = rig.x;
    const ep = x.epCreate();
    const other = x.epCreate();
    const store = new WasmEpollStore(rig.core);
    const socks: number[] = [];
    const items: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = rig.tsk(flow(41000 + i), { rcvNxt: i * 1000 }, i + 1);
      const it = x.epItemAdd(ep, EPOLLIN | EPOLLERR | EPOLLHUP, 100 + i);
      expect(x.tskWatch(t, it)).toBe(0);
      socks.push(t);
      items.push(it);
    }
    // an item interested in EPOLLOUT only: no match, not linked, its eventpoll not listed
    const outItem = x.epItemAdd(other, EPOLLOUT, 7);
    expect(x.tskWatch(socks[0], outItem)).toBe(0);
    // an epitem watches one socket at most: again, or another socket, is EBUSY
    expect(x.tskWatch(socks[0], outItem)).toBe(-16);
    expect(x.tskWatch(socks[1], outItem)).toBe(-16);
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 20; i++)
        rig.push(segment(flow(41000 + i), { seq: i * 1000 + round * 5, payload: 5 }));
    expect(rig.run()).toBe(60);
    expect(rig.header()).toMatchObject({ fast: 60, nwake: 20, nepw: 1 });
    expect(rig.epWakes()).toEqual([ep]);
    // Sockets are woken in the order the batch first touched them, as Linux's rdllist gets them.
    expect(rig.wakes()).toEqual(socks);
    expect(store.readyCount(ep)).toBe(20);
    expect(store.readyCount(other)).toBe(0);
    for (const it of items) expect(store.itemLinked(it)).toBe(true);
    // ready-list order is callback order: the wake-list order
    const ready: number[] = [];
    for (let it = store.readyFirst(ep); it !== 0; it = store.readyNext(ep, it)) ready.push(it);
    expect(ready).toEqual(items);
  });

  it("slow-only sockets wake nobody; tskUnwatch stops the callback", async () => {
    const rig = await RxRig.create();
    const x = rig.x;
    const ep = x.epCreate();
    const store = new WasmEpollStore(rig.core);
    const t = rig.tsk(F, { rcvNxt: ISN });
    const it = x.epItemAdd(ep, EPOLLIN, 3);
    x.tskWatch(t, it);
    rig.push(segment(F, { seq: ISN + 1, payload: 10 }));
    rig.run();
    expect(rig.header()).toMatchObject({ slow: 1, nwake: 0, nepw: 0 });
    expect(store.itemLinked(it)).toBe(false);
    expect(x.tskUnwatch(t, it)).toBe(0);
    expect(x.tskUnwatch(t, it)).toBe(-2);
    rig.push(segment(F, { seq: ISN, payload: 10 }));
    rig.run();
    expect(rig.header()).toMatchObject({ fast: 1, nwake: 1, nepw: 0 });
    expect(store.itemLinked(it)).toBe(false);
  });

  it("several eventpolls are each listed once per batch, and again in the next batch", async () => {
    const rig = await RxRig.create();
    const x = rig.x;
    const eps = [x.epCreate(), x.epCreate(), x.epCreate()];
    for (let i = 0; i < 6; i++) {
      const t = rig.tsk(flow(42000 + i), { rcvNxt: 0 }, i + 1);
      x.tskWatch(t, x.epItemAdd(eps[i % 3], EPOLLIN, i));
      x.tskWatch(t, x.epItemAdd(eps[(i + 1) % 3], EPOLLIN, 10 + i));
    }
    for (let i = 0; i < 6; i++) rig.push(segment(flow(42000 + i), { seq: 0, payload: 1 }));
    rig.run();
    expect(rig.epWakes().sort()).toEqual([...eps].sort());
    for (let i = 0; i < 6; i++) rig.push(segment(flow(42000 + i), { seq: 1, payload: 1 }));
    rig.run();
    expect(rig.epWakes().sort()).toEqual([...eps].sort());
  });
});

describe("rxBatch: budget, TUN, tskFree, bad arguments", () => {
  it("takes at most `budget` frames; the ring keeps the rest in order", async () => {
    const { rig, t } = await oneSocket();
    for (let i = 0; i < 10; i++) rig.push(segment(F, { seq: ISN + i, payload: 1 }));
    expect(rig.run(4)).toBe(4);
    expect(rig.x.ringCount(rig.ring)).toBe(6);
    expect(rig.header().nev).toBe(4);
    expect(rig.run(4)).toBe(4);
    expect(rig.run(4)).toBe(2);
    expect(rig.run(4)).toBe(0);
    expect(rig.header()).toMatchObject({ nev: 0, fast: 0, nwake: 0 });
    expect(rig.tskWord(t, L.TSK_RCV_NXT)).toBe(ISN + 10);
    expect(rig.x.skbQueueLen(t + L.TSK_RCVQ)).toBe(10);
  });

  it("refuses budget 0, budget > RX_BUDGET_MAX, ring 0, and an out area past memory", async () => {
    const { rig } = await oneSocket();
    const x = rig.x;
    expect(x.rxBatch(rig.ring, 0, rig.ehash.ptr, rig.dev, rig.out)).toBe(-22);
    expect(x.rxBatch(rig.ring, L.RX_BUDGET_MAX + 1, rig.ehash.ptr, rig.dev, rig.out)).toBe(-22);
    expect(x.rxBatch(0, 1, rig.ehash.ptr, rig.dev, rig.out)).toBe(-22);
    expect(x.rxBatch(rig.ring, 1, rig.ehash.ptr, rig.dev, rig.core.u8.length - 16)).toBe(-22);
  });

  it("a TUN device dissects raw IP", async () => {
    const rig = await RxRig.create({ kind: L.RXDEV_TUN });
    const t = rig.tsk(F, { rcvNxt: ISN });
    rig.push(segment(F, { seq: ISN, payload: 10, minLen: 0 }).slice(14));
    rig.push(segment(F, { seq: ISN + 10, payload: 3, minLen: 0, dstMac: 0x02_00_00_00_00_99 }).slice(14));
    rig.push(new Uint8Array([0x60, 0, 0, 0, 0, 0, 0, 0])); // IPv6: not handled
    expect(rig.run()).toBe(3);
    expect(rig.events().map((e) => e.kind)).toEqual([L.RXE_FAST, L.RXE_FAST, L.RXE_DROP]);
    expect(rig.queued(t)).toEqual(Uint8Array.from([...pattern(ISN, 10), ...pattern(ISN + 10, 3)]));
    expect(rig.core.drops()).toEqual({ UNHANDLED_PROTO: 1 });
    const skb = rig.events()[0].skb;
    expect(rig.x.skbNetworkOffset(skb)).toBe(-40);
  });

  it("an skb still on a queue is a host bug: left alone, refused, nothing queued, rcv_nxt unchanged", async () => {
    const { rig, t } = await oneSocket();
    const x = rig.x;
    const q = x.arenaAlloc(L.SKBQ_SIZE);
    x.skbQueueHeadInit(q);
    const skb = rig.push(segment(F, { seq: ISN, payload: 10 }));
    expect(x.skbQueueTail(q, skb)).not.toBe(0);
    const refused = rig.core.counter(L.CNT_SKB_OP_REFUSED);
    const len = x.skbLen(skb);
    expect(rig.run()).toBe(1);
    expect(rig.events()[0]).toMatchObject({ kind: L.RXE_DROP, skb: 0, len: 1 });
    expect(rig.core.counter(L.CNT_SKB_OP_REFUSED)).toBe(refused + 1);
    expect(x.skbLen(skb)).toBe(len);
    expect(x.skbQueueLen(q)).toBe(1);
    expect(rig.queued(t).length).toBe(0);
    expect(rig.tskWord(t, L.TSK_RCV_NXT)).toBe(ISN);
    expect(x.skbDequeue(q)).toBe(skb);
    x.kfreeSkb(skb, L.DROP_NOT_SPECIFIED);
  });

  it("tskFree purges the receive queue with the reason, unlinks watchers, and recycles the cell", async () => {
    const { rig, t, base } = await oneSocket();
    const x = rig.x;
    const ep = x.epCreate();
    const it = x.epItemAdd(ep, EPOLLIN, 1);
    x.tskWatch(t, it);
    for (let i = 0; i < 3; i++) rig.push(segment(F, { seq: ISN + 10 * i, payload: 10 }));
    rig.run();
    const n = x.tskCount();
    expect(x.tskFree(t, L.DROP_NOT_SPECIFIED)).toBe(3);
    expect(x.tskFree(t, L.DROP_NOT_SPECIFIED)).toBe(-22);
    expect(x.tskCount()).toBe(n - 1);
    expect(x.skbInUse()).toBe(base);
    expect(rig.core.drops()).toEqual({ NOT_SPECIFIED: 3 });
    expect(rig.core.u32[(it + L.EPC_WNEXT) >>> 2]).toBe(0);
    expect(x.tskPublish(t, 1, 0, 0, 0, 0, 0, 0, 0)).toBe(-22);
    expect(x.tskCreate(9, 100)).toBe(t); // LIFO free list
  });
});
