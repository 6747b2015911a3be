// Port tables: sockets bound to a local (address, port), for TCP listeners (assembly/flow/lhash.ts)
// and bound UDP sockets (assembly/flow/udptab.ts). Read first: the PT / PTS / PTM diagrams in
// assembly/memory.ts.
//
// A slot holds every socket bound to one exact (addr, port); addr 0 is INADDR_ANY. A lookup for a
// packet to (daddr, dport) scores the sockets of slot (daddr, dport) and, only when none matches, of
// slot (0, dport): the exact local address always wins over the wildcard, as Linux's two passes in
// __inet_lookup_listener() / __udp4_lib_lookup(). Within a slot, compute_score() rules: a connected
// socket (a UDP socket with a peer) matches only its peer and scores above any unconnected one;
// among unconnected sockets of an SO_REUSEPORT group one is chosen by the packet's flow hash
// (reciprocal_scale over the group, skipping connected members, as reuseport_select_sock_by_hash()),
// so one flow always reaches the same member while the group is unchanged.
//
// Binding rules kept here (Linux inet_csk_bind_conflict() / udp_lib_lport_inuse() for one exact key):
// a second socket may join a slot when the slot and the socket both have SO_REUSEPORT and the same
// uid; otherwise -FLOW_E_EXISTS, or -FLOW_E_UID for a reuseport group of another uid (the host
// maps both to EADDRINUSE). One exception, in UDP tables: a socket without SO_REUSEPORT may join a
// slot without SO_REUSEPORT (Linux lets SO_REUSEADDR sockets, and a connected socket beside an
// unconnected one, share an exact address; the host's bind table decides that). Among equally
// scoring members of such a slot the last to join wins, as Linux adds them at the head of the chain. Conflicts across addresses (0.0.0.0:80 vs 10.0.0.1:80, SO_REUSEADDR)
// belong to the host's bind-bucket logic (Linux bhash), which sees every address of a port.
// Group order is join order (sock_reuseport socks[]); a leaving member's place is taken by the last
// member (Linux __reuseport_detach_sock()), so the others keep their positions except that one.
//
// Bucket arrays are sized at creation and never resized, as Linux's lhash2 and udp_table are sized
// at boot; chains grow without limit, so a table stays correct under any load.
import { arenaTop } from "../arena";
import {
  ARENA_BASE, PAGE_SIZE, PT_BUCKETS, PT_BUCKETS_LIMIT, PT_BUCKETS_MIN, PT_GROUP_MAX, PT_MAGIC, PT_MASK,
  PT_MAX_SOCKS, PT_SEED, PT_SIZE, PT_SLOTS, PT_SOCKS, PTM_HANDLE, PTM_RADDR, PTM_RPORT, PTM_SIZE,
  PTS_ADDR, PTS_CAP, PTS_F_REUSEPORT, PTS_FLAGS, PTS_HASH, PTS_MEMBERS, PTS_N, PTS_NEXT, PTS_PORT,
  PTS_SIZE, PTS_UID,
} from "../memory";
import { flowAlloc, flowFree } from "./alloc";
import {
  FLOW_E_EXISTS, FLOW_E_FULL, FLOW_E_INVAL, FLOW_E_NOENT, FLOW_E_NOMEM, FLOW_E_UID, FLOW_HANDLE_MAX,
} from "./codes";
import { flowHashOf, portAddrHashOf, reciprocalScale } from "./jhash";

export const PT_KIND_LISTEN: u32 = 0x4c48_5331; // "LHS1": the magic word of a listener table
export const PT_KIND_UDP: u32 = 0x5548_5331; // "UHS1": the magic word of a UDP table
const GROUP_CAP_MIN: u32 = 4;

@inline export function ptValid(t: u32, kind: u32): bool {
  return t >= ARENA_BASE && t <= arenaTop() - PT_SIZE && (t & 63) == 0 && load<u32>(t + PT_MAGIC) == kind;
}

export function ptCreate(kind: u32, buckets: u32, maxSocks: u32, seed: u32): u32 {
  if (buckets < PT_BUCKETS_MIN) buckets = PT_BUCKETS_MIN;
  if (buckets > PT_BUCKETS_LIMIT) buckets = PT_BUCKETS_LIMIT;
  const size = <u32>1 << (32 - clz<u32>(buckets - 1));
  const t = flowAlloc(PT_SIZE, true);
  if (t == 0) return 0;
  const b = flowAlloc(size << 2, true);
  if (b == 0) {
    flowFree(t, PT_SIZE);
    return 0;
  }
  store<u32>(t + PT_MAGIC, kind);
  store<u32>(t + PT_SEED, seed);
  store<u32>(t + PT_MASK, size - 1);
  store<u32>(t + PT_BUCKETS, b);
  store<u32>(t + PT_MAX_SOCKS, maxSocks == 0 ? 0xffff_ffff : maxSocks);
  return t;
}

@inline function chainHead(t: u32, h: u32): u32 {
  return load<u32>(t + PT_BUCKETS) + ((h & load<u32>(t + PT_MASK)) << 2);
}

@inline function slotIs(s: u32, h: u32, addr: u32, port: u32): bool {
  return (
    load<u32>(s + PTS_HASH) == h && load<u32>(s + PTS_ADDR) == addr && <u32>load<u16>(s + PTS_PORT) == port
  );
}

/** The slot of exactly (addr, port), or 0. */
function slotFind(t: u32, addr: u32, port: u32): u32 {
  const h = portAddrHashOf(addr, port, load<u32>(t + PT_SEED));
  let s = load<u32>(chainHead(t, h));
  while (s != 0) {
    if (slotIs(s, h, addr, port)) return s;
    s = load<u32>(s + PTS_NEXT);
  }
  return 0;
}

@inline function memberPtr(slot: u32, i: u32): u32 {
  return load<u32>(slot + PTS_MEMBERS) + i * PTM_SIZE;
}

@inline function memberConnected(m: u32): bool {
  return (load<u32>(m + PTM_RADDR) | <u32>load<u16>(m + PTM_RPORT)) != 0;
}

/**
 * Chooses the socket of one slot for a packet from saddr:sport, or 0. `h` is the packet's flow hash.
 * Linux: net/ipv4/udp.c compute_score() + udp4_lib_lookup2(); net/core/sock_reuseport.c
 * reuseport_select_sock_by_hash(). Ties go to the earlier member, as Linux's `score > badness`.
 */
function slotPick(slot: u32, saddr: u32, sport: u32, h: u32): u32 {
  const n = load<u32>(slot + PTS_N);
  let best: i32 = -1;
  let bestIdx: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const m = memberPtr(slot, i);
    let score: i32 = 2; // Linux: PF_INET socket
    const ra = load<u32>(m + PTM_RADDR);
    if (ra != 0) {
      if (ra != saddr) continue;
      score += 4;
    }
    const rp = <u32>load<u16>(m + PTM_RPORT);
    if (rp != 0) {
      if (rp != sport) continue;
      score += 4;
    }
    // ties: the later member (only a UDP slot without SO_REUSEPORT can hold equal scorers that are
    // not a reuseport group; the group's unconnected case is resolved below by flow hash)
    if (score >= best) {
      best = score;
      bestIdx = i;
    }
  }
  if (best < 0) return 0;
  if (best == 2 && (load<u16>(slot + PTS_FLAGS) & PTS_F_REUSEPORT) != 0 && n > 1) {
    // an unconnected socket of a reuseport group: pick by flow hash, skipping connected members
    const j = reciprocalScale(h, n);
    let i = j;
    do {
      const m = memberPtr(slot, i);
      if (!memberConnected(m)) return load<u32>(m + PTM_HANDLE);
      i = i + 1 == n ? 0 : i + 1;
    } while (i != j);
  }
  return load<u32>(memberPtr(slot, bestIdx) + PTM_HANDLE);
}

/** Exact local address first, then INADDR_ANY on the same port. Handle, 0, or -FLOW_E_INVAL. */
export function ptLookup(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32): i32 {
  if ((sport | dport) > 0xffff) return -FLOW_E_INVAL;
  const h = flowHashOf(saddr, sport, daddr, dport, load<u32>(t + PT_SEED));
  if (daddr != 0) {
    const s = slotFind(t, daddr, dport);
    if (s != 0) {
      const r = slotPick(s, saddr, sport, h);
      if (r != 0) return <i32>r;
    }
  }
  const s = slotFind(t, 0, dport);
  return s != 0 ? <i32>slotPick(s, saddr, sport, h) : 0;
}

/** Binds `handle` to (addr, port), connected to raddr:rport when either is non-zero. */
export function ptInsert(
  t: u32, addr: u32, port: u32, raddr: u32, rport: u32, uid: u32, reuseport: u32, handle: u32,
): i32 {
  if (handle == 0 || handle > FLOW_HANDLE_MAX || port == 0 || port > 0xffff || rport > 0xffff) {
    return -FLOW_E_INVAL;
  }
  const rp = reuseport != 0;
  let s = slotFind(t, addr, port);
  if (s != 0) {
    const group = (load<u16>(s + PTS_FLAGS) & PTS_F_REUSEPORT) != 0;
    const shared = !rp && !group && load<u32>(t + PT_MAGIC) == PT_KIND_UDP;
    if (!shared) {
      if (!rp || !group) return -FLOW_E_EXISTS;
      if (load<u32>(s + PTS_UID) != uid) return -FLOW_E_UID;
    }
    const n = load<u32>(s + PTS_N);
    for (let i: u32 = 0; i < n; i++) {
      if (load<u32>(memberPtr(s, i) + PTM_HANDLE) == handle) return -FLOW_E_EXISTS;
    }
    if (load<u32>(t + PT_SOCKS) >= load<u32>(t + PT_MAX_SOCKS) || n >= PT_GROUP_MAX) return -FLOW_E_FULL;
    const cap = load<u32>(s + PTS_CAP);
    if (n == cap) {
      const m = flowAlloc(2 * cap * PTM_SIZE, false);
      if (m == 0) return -FLOW_E_NOMEM;
      const old = load<u32>(s + PTS_MEMBERS);
      memory.copy(m, old, n * PTM_SIZE);
      flowFree(old, cap * PTM_SIZE);
      store<u32>(s + PTS_MEMBERS, m);
      store<u32>(s + PTS_CAP, 2 * cap);
    }
  } else {
    if (load<u32>(t + PT_SOCKS) >= load<u32>(t + PT_MAX_SOCKS)) return -FLOW_E_FULL;
    s = flowAlloc(PTS_SIZE, true);
    if (s == 0) return -FLOW_E_NOMEM;
    const m = flowAlloc(GROUP_CAP_MIN * PTM_SIZE, false);
    if (m == 0) {
      flowFree(s, PTS_SIZE);
      return -FLOW_E_NOMEM;
    }
    const h = portAddrHashOf(addr, port, load<u32>(t + PT_SEED));
    const head = chainHead(t, h);
    store<u32>(s + PTS_NEXT, load<u32>(head));
    store<u32>(s + PTS_HASH, h);
    store<u32>(s + PTS_ADDR, addr);
    store<u16>(s + PTS_PORT, <u16>port);
    store<u16>(s + PTS_FLAGS, rp ? <u16>PTS_F_REUSEPORT : 0);
    store<u32>(s + PTS_UID, uid);
    store<u32>(s + PTS_CAP, GROUP_CAP_MIN);
    store<u32>(s + PTS_MEMBERS, m);
    store<u32>(head, s);
    store<u32>(t + PT_SLOTS, load<u32>(t + PT_SLOTS) + 1);
  }
  const n = load<u32>(s + PTS_N);
  const m = memberPtr(s, n);
  store<u32>(m + PTM_HANDLE, handle);
  store<u32>(m + PTM_RADDR, raddr);
  store<u32>(m + PTM_RPORT, rport); // u16 port and a zero u16 pad
  store<u32>(s + PTS_N, n + 1);
  store<u32>(t + PT_SOCKS, load<u32>(t + PT_SOCKS) + 1);
  return 0;
}

/** Unbinds `handle` from (addr, port). 0, or -FLOW_E_NOENT / -FLOW_E_INVAL. */
export function ptDelete(t: u32, addr: u32, port: u32, handle: u32): i32 {
  if (port > 0xffff) return -FLOW_E_INVAL;
  const h = portAddrHashOf(addr, port, load<u32>(t + PT_SEED));
  const head = chainHead(t, h);
  let prev: u32 = 0;
  let s = load<u32>(head);
  while (s != 0) {
    if (slotIs(s, h, addr, port)) break;
    prev = s;
    s = load<u32>(s + PTS_NEXT);
  }
  if (s == 0) return -FLOW_E_NOENT;
  const n = load<u32>(s + PTS_N);
  let i: u32 = 0;
  while (i < n && load<u32>(memberPtr(s, i) + PTM_HANDLE) != handle) i++;
  if (i == n) return -FLOW_E_NOENT;
  // Linux: net/core/sock_reuseport.c __reuseport_detach_sock(): the last member fills the hole
  if (i != n - 1) memory.copy(memberPtr(s, i), memberPtr(s, n - 1), PTM_SIZE);
  store<u32>(s + PTS_N, n - 1);
  store<u32>(t + PT_SOCKS, load<u32>(t + PT_SOCKS) - 1);
  if (n == 1) {
    store<u32>(prev == 0 ? head : prev + PTS_NEXT, load<u32>(s + PTS_NEXT));
    flowFree(load<u32>(s + PTS_MEMBERS), load<u32>(s + PTS_CAP) * PTM_SIZE);
    flowFree(s, PTS_SIZE);
    store<u32>(t + PT_SLOTS, load<u32>(t + PT_SLOTS) - 1);
  }
  return 0;
}

/**
 * Writes the handles bound to exactly (addr, port), in group order, as u32s at outPtr (at most `max`).
 * Returns how many are bound (which may exceed max), or -FLOW_E_INVAL.
 */
export function ptMembers(t: u32, addr: u32, port: u32, outPtr: u32, max: u32): i32 {
  if (port > 0xffff) return -FLOW_E_INVAL;
  if (<u64>outPtr + (<u64>max << 2) > <u64>memory.size() * <u64>PAGE_SIZE) return -FLOW_E_INVAL;
  const s = slotFind(t, addr, port);
  if (s == 0) return 0;
  const n = load<u32>(s + PTS_N);
  for (let i: u32 = 0; i < n && i < max; i++) store<u32>(outPtr + (i << 2), load<u32>(memberPtr(s, i) + PTM_HANDLE));
  return <i32>n;
}
