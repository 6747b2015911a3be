// The batch RX fast path (Linux: net_rx_action -> napi_poll -> ... -> tcp_v4_rcv -> tcp_rcv_established,
// its header-prediction branch). One call takes up to `budget` frames off a device ring and, per
// frame: dissects and verifies every layer (wire/frame.ts: lengths, IPv4 header checksum, TCP/UDP
// checksum with the pseudo-header), drops bad frames with their reason (also frames for another
// MAC, and martians off a wire: ip_route_input_slow's checks), looks the 4-tuple up in the
// established table, and, when the segment is what the socket predicted - in-order data, ACK and
// window unchanged, timestamps in their aligned place and not older than ts_recent - pulls the skb to
// its payload and links it onto the socket's receive queue. Everything else goes to the host's TCP
// (the slow path) with its FRAME already written. At the end the epoll callbacks of each socket that
// got data run once, and the summary (RXB in memory.ts) lists the sockets and eventpolls whose
// waiters the host must wake. One boundary crossing per batch.
//
// Read first: Linux tcp_rcv_established() (net/ipv4/tcp_input.c) from "Header prediction" to
// "slow_path", and tcp_fast_path_on(). Differences, on purpose:
//   - Only data segments that acknowledge nothing new (ack == snd_una) are predicted; Linux also runs
//     tcp_ack() on the fast path. Pure ACKs and ACK-advancing data go to the host, which owns the
//     retransmit queue.
//   - A CE-marked segment goes to the host (it changes the ECN state).
//   - The per-segment accounting Linux does after queueing (tcp_event_data_recv: ATO, rcv_mss, window
//     growth; __tcp_ack_snd_check) runs on the host as it replays the batch's events in order, with
//     no allocation and no call back into the core, so ACKs leave exactly as they would from the slow
//     path (src/net/stack.ts rxBatch, src/net/tcp/sock.ts TcpSock.rcvPredicted).
//   - Within a batch ts_recent advances with every predicted segment (stricter than Linux, which
//     stores it only when rcv_nxt == rcv_wup): an older timestamp later in the batch goes to the host.
// Once a socket's segment went to the host in a batch, its later segments in that batch do too, so the
// host always sees a socket's segments in order.
//
// TSK cells (memory.ts) are the fast path's half of a socket: the host publishes its TCP state into
// them; rxBatch reads it and advances rcv_nxt and ts_recent as it queues.
import { arenaAlloc, countInc } from "../arena";
import { DROP_ARP_INVALID, DROP_IP_INVALID_SOURCE, DROP_IP_LOCALNET, DROP_OTHERHOST } from "../dropreason";
import { epIsItem, epPollCallbackFromCore } from "../epoll";
import { ehashFind } from "../flow/ehash";
import {
  CNT_ARENA_FAIL, CNT_SKB_OP_REFUSED, EPC_EP, EPC_RXGEN, EPC_WNEXT, EPCB_MATCH, ETH_DST, FRAME_ETH, FRAME_ETHERTYPE,
  FRAME_FLAGS, FRAME_L3, FRAME_L4, FRAME_L4_OFF, FRAME_L3_OFF, FRAME_PAYLOAD_LEN, FRAME_PAYLOAD_OFF,
  FRAME_SIZE, FRAMEF_ARP, FRAMEF_IPV4, FRAMEF_IP_FRAGMENT, FRAMEF_IP_OPTIONS, FRAMEF_TCP, FRAMEF_TCP_OPTS_MALFORMED,
  IPV4_DADDR, IPV4_SADDR, IPV4_TOS, RX_BUDGET_MAX, RXB_BYTES, RXB_DROP, RXB_FAST, RXB_FBYTES,
  RXB_HDR_SIZE, RXB_NEPW, RXB_NEV, RXB_NWAKE, RXB_SLOW, RXDEV_ETHER, RXDEV_KIND, RXDEV_LOOPBACK, RXDEV_MAC, RXDEV_TUN,
  RXE_DROP, RXE_ECN, RXE_FAST, RXE_KIND, RXE_LEN, RXE_PSH, RXE_SIZE, RXE_SKB, RXE_SLOW, RXE_TSK,
  RXE_TSVAL, SKB_DATA, SKB_HEAD, SKB_LIST, SKB_MAC_HDR, SKB_NET_HDR, SKB_TAIL, SKB_TRANS_HDR, SKBQ_BYTES, TCP_ACK,
  TCP_DPORT, TCP_SEQ, TCP_SPORT, TSK_CHUNK, TSK_EPI, TSK_FLAGS, TSK_ID, TSK_KIND,
  TSK_KIND_FREE, TSK_KIND_LIVE, TSK_PRED, TSK_RCV_NXT, TSK_RCV_WND, TSK_RCV_WUP, TSK_RCVBUF, TSK_RCVQ,
  TSK_SEGS, TSK_SIZE, TSK_SND_UNA, TSK_TS_RECENT, TSK_WAKE, TSK_WAKE_END, TSKF_SLOW, TSKF_TS,
} from "../memory";
import { ringPop } from "../ring";
import { kfreeSkb, skbIsLive, skbPullUnchecked, skbTrimUnchecked } from "../skb";
import { skbQueueHeadInit, skbQueuePurge, skbQueueTailUnchecked } from "../skbqueue";
import { dissectFrame, dissectIp } from "../wire/frame";

const EINVAL: i32 = 22;
const EBUSY: i32 = 16;
const ENOENT: i32 = 2;

// Linux include/net/tcp.h: TCP_HP_BITS = ~(TCP_RESERVED_BITS | TCP_FLAG_PSH), in host order.
const TCP_HP_BITS: u32 = ~(0x0f00_0000 | 0x0008_0000);
const TCP_FLAG_PSH_WORD: u32 = 0x0008_0000;
// The aligned timestamp option's first word: NOP, NOP, kind 8, length 10 (tcp_parse_aligned_timestamp).
const TS_ALIGNED_WORD: u32 = 0x0101_080a;
const TCP_HDR_TS_ALIGNED: u32 = 32;
// sk_data_ready's key: EPOLLIN | EPOLLRDNORM.
const DATA_READY_KEY: u32 = 0x041;
const ECN_CE: u32 = 3;

// ---- TSK slab ----------------------------------------------------------------------------------

let tskFreeHead: u32 = 0;
let tskInUse: u32 = 0;
let rxGen: u32 = 0;

@inline function tskLive(t: u32): bool {
  return (
    t != 0 &&
    (t & 31) == 0 &&
    <u64>t + <u64>TSK_SIZE <= (<u64>memory.size() << 16) &&
    load<u32>(t + TSK_KIND) == TSK_KIND_LIVE
  );
}

/** A new TSK with an empty receive queue, prediction off, for the host's connection `id`; 0 when out of memory. */
export function tskCreate(id: u32, rcvbuf: u32): u32 {
  if (tskFreeHead == 0) {
    const base = arenaAlloc(TSK_CHUNK * TSK_SIZE);
    if (base == 0) {
      countInc(CNT_ARENA_FAIL);
      return 0;
    }
    // Lowest address first off the free list: deterministic, and the twin can mirror it.
    for (let i: i32 = <i32>TSK_CHUNK - 1; i >= 0; i--) {
      const c = base + <u32>i * TSK_SIZE;
      store<u32>(c + TSK_KIND, TSK_KIND_FREE);
      store<u32>(c + TSK_WAKE, tskFreeHead);
      tskFreeHead = c;
    }
  }
  const t = tskFreeHead;
  tskFreeHead = load<u32>(t + TSK_WAKE);
  memory.fill(t, 0, TSK_SIZE);
  skbQueueHeadInit(t + TSK_RCVQ);
  store<u32>(t + TSK_RCVBUF, rcvbuf);
  store<u32>(t + TSK_ID, id);
  store<u32>(t + TSK_KIND, TSK_KIND_LIVE);
  tskInUse++;
  return t;
}

/**
 * Frees a TSK: its receive queue is purged (dropped with `reason`), its watchers unlinked. The host
 * calls it once the connection is gone and unhashed. Returns the skbs purged, or -EINVAL.
 */
export function tskFree(t: u32, reason: u32): i32 {
  if (!tskLive(t)) return -EINVAL;
  const n = skbQueuePurge(t + TSK_RCVQ, reason);
  let e = load<u32>(t + TSK_EPI);
  while (e > TSK_WAKE_END) {
    const next = load<u32>(e + EPC_WNEXT);
    store<u32>(e + EPC_WNEXT, 0);
    e = next;
  }
  store<u32>(t + TSK_KIND, TSK_KIND_FREE);
  store<u32>(t + TSK_WAKE, tskFreeHead);
  tskFreeHead = t;
  tskInUse--;
  return n;
}

/** TSK cells in use, for leak checks. */
export function tskCount(): u32 {
  return tskInUse;
}

/**
 * Publishes the host's TCP state into a TSK (Linux tcp_fast_path_on / tcp_fast_path_check, with the
 * fields header prediction compares against). pred 0 turns prediction off. 0 or -EINVAL.
 */
export function tskPublish(
  t: u32, pred: u32, rcvNxt: u32, rcvWup: u32, rcvWnd: u32, sndUna: u32, tsRecent: u32, flags: u32,
  rcvbuf: u32,
): i32 {
  if (!tskLive(t)) return -EINVAL;
  store<u32>(t + TSK_PRED, pred);
  store<u32>(t + TSK_RCV_NXT, rcvNxt);
  store<u32>(t + TSK_RCV_WUP, rcvWup);
  store<u32>(t + TSK_RCV_WND, rcvWnd);
  store<u32>(t + TSK_SND_UNA, sndUna);
  store<u32>(t + TSK_TS_RECENT, tsRecent);
  store<u32>(t + TSK_FLAGS, flags & TSKF_TS);
  store<u32>(t + TSK_RCVBUF, rcvbuf);
  return 0;
}

/**
 * Registers a (non-exclusive) epitem as watching the TSK's socket, so rxBatch runs its callback when
 * data is queued (Linux: the epitem's entry on sk_wq). An epitem watches one socket at most (its
 * EPC_WNEXT is 0 when it watches none; TSK_WAKE_END ends a list). 0, -EBUSY when it already watches
 * one (this or another), or -EINVAL.
 */
export function tskWatch(t: u32, item: u32): i32 {
  if (!tskLive(t) || !epIsItem(item)) return -EINVAL;
  if (load<u32>(item + EPC_WNEXT) != 0) return -EBUSY;
  const head = load<u32>(t + TSK_EPI);
  store<u32>(item + EPC_WNEXT, head == 0 ? TSK_WAKE_END : head);
  store<u32>(t + TSK_EPI, item);
  return 0;
}

/** Unregisters an epitem from a TSK. 0, -ENOENT, or -EINVAL. */
export function tskUnwatch(t: u32, item: u32): i32 {
  if (!tskLive(t)) return -EINVAL;
  let prev: u32 = 0;
  for (let e = load<u32>(t + TSK_EPI); e > TSK_WAKE_END; e = load<u32>(e + EPC_WNEXT)) {
    if (e == item) {
      const next = load<u32>(e + EPC_WNEXT);
      if (prev == 0) store<u32>(t + TSK_EPI, next == TSK_WAKE_END ? 0 : next);
      else store<u32>(prev + EPC_WNEXT, next);
      store<u32>(e + EPC_WNEXT, 0);
      return 0;
    }
    prev = e;
  }
  return -ENOENT;
}

// ---- the batch -----------------------------------------------------------------------------------

/** Where the FRAME structs of an RXB area for `budget` frames start. */
export function rxbFrames(budget: u32): u32 {
  return RXB_HDR_SIZE + budget * RXE_SIZE;
}

/** Where the woken-socket list of an RXB area starts. */
export function rxbWakes(budget: u32): u32 {
  return rxbFrames(budget) + budget * FRAME_SIZE;
}

/** Where the woken-eventpoll list of an RXB area starts. */
export function rxbEpWakes(budget: u32): u32 {
  return rxbWakes(budget) + budget * 4;
}

/** Bytes of an RXB area for `budget` frames. */
export function rxbSize(budget: u32): u32 {
  return rxbEpWakes(budget) + budget * 4;
}

@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline function sdiff(a: u32, b: u32): i32 {
  return <i32>(a - b);
}

// The link header is ours when the destination MAC is the device's or broadcast.
@inline function macForUs(f: usize, dev: u32): bool {
  const dst = f + FRAME_ETH + ETH_DST;
  const d4 = load<u32>(dst);
  const d2 = load<u16>(dst + 4);
  if (d4 == load<u32>(dev + RXDEV_MAC) && d2 == load<u16>(dev + RXDEV_MAC + 4)) return true;
  return d4 == 0xffff_ffff && d2 == 0xffff;
}

// The batch's wake list runs in order of first touch (Linux's ready list is in wake order too):
// wakeHead .. wakeTail linked through TSK_WAKE, the tail's link TSK_WAKE_END.
let wakeHead: u32 = TSK_WAKE_END;
let wakeTail: u32 = TSK_WAKE_END;

/**
 * Linux ip_route_input_slow()'s martian checks for a packet that came off a wire (not lo): a 127/8
 * destination (route_localnet = 0) is IP_LOCALNET; a source in 127/8, multicast, the limited
 * broadcast, or 0/8 (allowed only towards the limited broadcast, as DHCP does) is
 * IP_INVALID_SOURCE. 0 when neither.
 */
@inline function martianReason(saddr: u32, daddr: u32): u32 {
  if (daddr >> 24 == 127) return DROP_IP_LOCALNET;
  const s8 = saddr >> 24;
  if (s8 == 127 || s8 >> 4 == 0xe || saddr == 0xffff_ffff) return DROP_IP_INVALID_SOURCE;
  if (s8 == 0 && daddr != 0xffff_ffff) return DROP_IP_INVALID_SOURCE;
  return 0;
}

// On this batch's wake list (once).
@inline function wakeLink(t: u32): void {
  if (load<u32>(t + TSK_WAKE) != 0) return;
  store<u32>(t + TSK_WAKE, TSK_WAKE_END);
  if (wakeTail == TSK_WAKE_END) wakeHead = t;
  else store<u32>(wakeTail + TSK_WAKE, t);
  wakeTail = t;
}

/**
 * Header prediction for one verified TCP segment of frame `f` (skb data at `ptr`) on socket t.
 * Returns the payload length when the segment is predicted, else 0.
 */
@inline function predict(t: u32, ptr: usize, f: usize): u32 {
  const pred = load<u32>(t + TSK_PRED);
  const flags = load<u32>(t + TSK_FLAGS);
  if (pred == 0 || (flags & TSKF_SLOW) != 0) return 0;
  const th = ptr + <usize>load<u16>(f + FRAME_L4_OFF);
  const l4 = f + FRAME_L4;
  if ((be32(th + 12) & TCP_HP_BITS) != pred) return 0;
  const rcvNxt = load<u32>(t + TSK_RCV_NXT);
  if (load<u32>(l4 + TCP_SEQ) != rcvNxt) return 0;
  if (load<u32>(l4 + TCP_ACK) != load<u32>(t + TSK_SND_UNA)) return 0;
  const len = load<u32>(f + FRAME_PAYLOAD_LEN);
  if (len == 0) return 0;
  if (flags & TSKF_TS) {
    // pred carries the header length, so this segment's header is exactly 32 bytes
    if (be32(th + 20) != TS_ALIGNED_WORD) return 0;
    if (sdiff(be32(th + 24), load<u32>(t + TSK_TS_RECENT)) < 0) return 0;
  }
  // tcp_receive_window() must be open, and the queue not over SO_RCVBUF (tcp_try_rmem_schedule).
  if (sdiff(load<u32>(t + TSK_RCV_WUP) + load<u32>(t + TSK_RCV_WND), rcvNxt) <= 0) return 0;
  if (load<u32>(t + TSK_RCVQ + SKBQ_BYTES) > load<u32>(t + TSK_RCVBUF)) return 0;
  if ((<u32>load<u8>(f + FRAME_L3 + IPV4_TOS) & 3) == ECN_CE) return 0;
  return len;
}

/**
 * Polls up to `budget` frames off `ring` (RX_BUDGET_MAX at most) for the device described at `dev`
 * (RXDEV), predicting TCP segments against the established table `ehash` (0: no prediction, every
 * good frame goes to the host), and writes the summary at `out` (rxbSize(budget) bytes, RXB).
 * Returns the number of frames taken, or -EINVAL.
 */
export function rxBatch(ring: u32, budget: u32, ehash: u32, dev: u32, out: u32): i32 {
  if (budget == 0 || budget > RX_BUDGET_MAX) return -EINVAL;
  const top = <u64>memory.size() << 16;
  if (<u64>out + <u64>rxbSize(budget) > top || <u64>dev + 16 > top || ring == 0) return -EINVAL;
  const kind = <u32>load<u8>(dev + RXDEV_KIND);
  const frames = out + rxbFrames(budget);
  let nFast: u32 = 0;
  let nSlow: u32 = 0;
  let nDrop: u32 = 0;
  let bytes: u32 = 0;
  let fbytes: u32 = 0;
  wakeHead = TSK_WAKE_END;
  wakeTail = TSK_WAKE_END;
  let n: u32 = 0;
  for (; n < budget; n++) {
    const skb = ringPop(ring);
    if (skb == 0) break;
    const ev = out + RXB_HDR_SIZE + n * RXE_SIZE;
    const f = frames + n * FRAME_SIZE;
    store<u32>(ev + RXE_KIND, 0); // kind, ecn, psh; the fields an event does not use stay 0
    store<u32>(ev + RXE_TSK, 0);
    store<u32>(ev + RXE_SKB, skb);
    store<u32>(ev + RXE_LEN, 0);
    store<u32>(ev + RXE_TSVAL, 0);
    if (!skbIsLive(skb) || load<u32>(skb + SKB_LIST) != 0) {
      // not an skb, or one still on a queue: a host bug; nothing to free, nothing to touch
      countInc(CNT_SKB_OP_REFUSED);
      store<u8>(ev + RXE_KIND, <u8>RXE_DROP);
      store<u32>(ev + RXE_SKB, 0);
      store<u32>(ev + RXE_LEN, 1);
      nDrop++;
      continue;
    }
    const head = load<u32>(skb + SKB_HEAD);
    const data = load<u32>(skb + SKB_DATA);
    const len = load<u32>(skb + SKB_TAIL) - data;
    const ptr = <usize>(head + data);
    bytes += len;
    store<u16>(skb + SKB_MAC_HDR, <u16>data); // skb_reset_mac_header
    const r = kind == RXDEV_TUN ? dissectIp(ptr, len, f) : dissectFrame(ptr, len, f);
    const fflags = load<u32>(f + FRAME_FLAGS);
    if (r != 0) {
      const reason = <u32>-r;
      if ((fflags & FRAMEF_ARP) != 0 && reason == DROP_ARP_INVALID) {
        // an ARP packet we do not speak: the host decides (Linux arp_rcv drops it, counted there)
        store<u8>(ev + RXE_KIND, <u8>RXE_SLOW);
        store<u32>(ev + RXE_LEN, reason);
        nSlow++;
        continue;
      }
      kfreeSkb(skb, reason);
      store<u8>(ev + RXE_KIND, <u8>RXE_DROP);
      store<u32>(ev + RXE_LEN, reason);
      nDrop++;
      continue;
    }
    if (kind == RXDEV_ETHER && load<u16>(f + FRAME_ETHERTYPE) == 0x0800 && !macForUs(f, dev)) {
      // eth_type_trans: PACKET_OTHERHOST, which ip_rcv drops
      kfreeSkb(skb, DROP_OTHERHOST);
      store<u8>(ev + RXE_KIND, <u8>RXE_DROP);
      store<u32>(ev + RXE_LEN, DROP_OTHERHOST);
      nDrop++;
      continue;
    }
    // ip_route_input: martians off a wire
    if (kind != RXDEV_LOOPBACK && (fflags & FRAMEF_IPV4) != 0) {
      const martian = martianReason(load<u32>(f + FRAME_L3 + IPV4_SADDR), load<u32>(f + FRAME_L3 + IPV4_DADDR));
      if (martian != 0) {
        kfreeSkb(skb, martian);
        store<u8>(ev + RXE_KIND, <u8>RXE_DROP);
        store<u32>(ev + RXE_LEN, martian);
        nDrop++;
        continue;
      }
    }
    let t: u32 = 0;
    let plen: u32 = 0;
    if (
      ehash != 0 &&
      (fflags & (FRAMEF_TCP | FRAMEF_IP_FRAGMENT | FRAMEF_IP_OPTIONS | FRAMEF_TCP_OPTS_MALFORMED)) == FRAMEF_TCP
    ) {
      const l3 = f + FRAME_L3;
      const l4 = f + FRAME_L4;
      t = ehashFind(
        ehash,
        load<u32>(l3 + IPV4_SADDR),
        <u32>load<u16>(l4 + TCP_SPORT),
        load<u32>(l3 + IPV4_DADDR),
        <u32>load<u16>(l4 + TCP_DPORT),
      );
      if (t != 0) plen = predict(t, ptr, f);
    }
    if (plen == 0) {
      if (t != 0) {
        // the host now owns this socket's order for the rest of the batch
        store<u32>(t + TSK_FLAGS, load<u32>(t + TSK_FLAGS) | TSKF_SLOW);
        wakeLink(t);
      }
      store<u32>(ev + RXE_TSK, t);
      store<u8>(ev + RXE_KIND, <u8>RXE_SLOW);
      nSlow++;
      continue;
    }
    // Predicted: ip_rcv's header marks, pull to the payload, trim link padding, queue (tcp_queue_rcv).
    const th = ptr + <usize>load<u16>(f + FRAME_L4_OFF);
    store<u16>(skb + SKB_NET_HDR, <u16>(data + <u32>load<u16>(f + FRAME_L3_OFF)));
    store<u16>(skb + SKB_TRANS_HDR, <u16>(data + <u32>load<u16>(f + FRAME_L4_OFF)));
    skbPullUnchecked(skb, <u32>load<u16>(f + FRAME_PAYLOAD_OFF));
    if (load<u32>(skb + SKB_TAIL) - load<u32>(skb + SKB_DATA) > plen) skbTrimUnchecked(skb, plen);
    skbQueueTailUnchecked(t + TSK_RCVQ, skb); // a TSK's queue; the skb was checked above
    store<u32>(t + TSK_RCV_NXT, load<u32>(t + TSK_RCV_NXT) + plen);
    const tsval = load<u32>(t + TSK_FLAGS) & TSKF_TS ? be32(th + 24) : 0;
    if (load<u32>(t + TSK_FLAGS) & TSKF_TS) store<u32>(t + TSK_TS_RECENT, tsval);
    store<u32>(t + TSK_SEGS, load<u32>(t + TSK_SEGS) + 1);
    wakeLink(t);
    store<u8>(ev + RXE_KIND, <u8>RXE_FAST);
    store<u8>(ev + RXE_ECN, <u8>(load<u8>(f + FRAME_L3 + IPV4_TOS) & 3));
    store<u8>(ev + RXE_PSH, (be32(th + 12) & TCP_FLAG_PSH_WORD) != 0 ? 1 : 0);
    store<u32>(ev + RXE_TSK, t);
    store<u32>(ev + RXE_LEN, plen);
    store<u32>(ev + RXE_TSVAL, tsval);
    nFast++;
    fbytes += plen;
  }
  // Empty the wake list: sockets that got data (in list order) and their epoll callbacks (sk_data_ready
  // -> ep_poll_callback), each eventpoll listed once.
  rxGen++;
  if (rxGen == 0) rxGen = 1;
  const wakes = out + rxbWakes(budget);
  const epw = out + rxbEpWakes(budget);
  let nWake: u32 = 0;
  let nEpw: u32 = 0;
  let t = wakeHead;
  while (t != TSK_WAKE_END) {
    const next = load<u32>(t + TSK_WAKE);
    const segs = load<u32>(t + TSK_SEGS);
    store<u32>(t + TSK_WAKE, 0);
    store<u32>(t + TSK_FLAGS, load<u32>(t + TSK_FLAGS) & ~TSKF_SLOW);
    store<u32>(t + TSK_SEGS, 0);
    if (segs != 0 && nWake < budget) {
      store<u32>(wakes + nWake * 4, t);
      nWake++;
      // (a watcher the host freed without tskUnwatch - a host bug - ends the walk: a freed cell is
      // zeroed, its kind is no epitem's and its link is 0)
      for (let e = load<u32>(t + TSK_EPI); e > TSK_WAKE_END; e = load<u32>(e + EPC_WNEXT)) {
        if ((epPollCallbackFromCore(e, DATA_READY_KEY) & EPCB_MATCH) == 0) continue;
        const ep = load<u32>(e + EPC_EP);
        if (load<u32>(ep + EPC_RXGEN) != rxGen && nEpw < budget) {
          store<u32>(ep + EPC_RXGEN, rxGen);
          store<u32>(epw + nEpw * 4, ep);
          nEpw++;
        }
      }
    }
    t = next;
  }
  store<u32>(out + RXB_NEV, n);
  store<u32>(out + RXB_FAST, nFast);
  store<u32>(out + RXB_SLOW, nSlow);
  store<u32>(out + RXB_DROP, nDrop);
  store<u32>(out + RXB_NWAKE, nWake);
  store<u32>(out + RXB_NEPW, nEpw);
  store<u32>(out + RXB_BYTES, bytes);
  store<u32>(out + RXB_FBYTES, fbytes);
  return <i32>n;
}
