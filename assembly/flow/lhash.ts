// The listener table: TCP sockets in LISTEN by local (address, port), with SO_REUSEPORT groups.
// Linux: net/ipv4/inet_hashtables.c __inet_lookup_listener(), inet_lhash2_lookup(); the rules are in
// assembly/flow/porttab.ts. A listener has no peer, so within a slot the choice is the first member,
// or for a reuseport group the member at reciprocal_scale(flow hash, members).
import { FLOW_E_INVAL } from "./codes";
import { PT_KIND_LISTEN, ptCreate, ptDelete, ptInsert, ptLookup, ptMembers, ptValid } from "./porttab";

/** A listener table with `buckets` chains (a power of two is taken), at most `maxSocks` (0 = no limit). */
export function lhashCreate(buckets: u32, maxSocks: u32, seed: u32): u32 {
  return ptCreate(PT_KIND_LISTEN, buckets, maxSocks, seed);
}

/**
 * Adds a listening socket on (addr, port); addr 0 = INADDR_ANY. 0, or -FLOW_E_EXISTS (bound without
 * SO_REUSEPORT on both sides), -FLOW_E_UID (a reuseport group of another uid), -FLOW_E_FULL,
 * -FLOW_E_NOMEM, -FLOW_E_INVAL. Linux: inet_hash() -> __inet_hash() -> inet_reuseport_add_sock().
 */
export function lhashInsert(t: u32, addr: u32, port: u32, uid: u32, reuseport: u32, handle: u32): i32 {
  if (!ptValid(t, PT_KIND_LISTEN)) return -FLOW_E_INVAL;
  return ptInsert(t, addr, port, 0, 0, uid, reuseport, handle);
}

/** Removes a listening socket; the group's last member takes its place. Linux: inet_unhash(). */
export function lhashDelete(t: u32, addr: u32, port: u32, handle: u32): i32 {
  if (!ptValid(t, PT_KIND_LISTEN)) return -FLOW_E_INVAL;
  return ptDelete(t, addr, port, handle);
}

/** The listener for a packet saddr:sport -> daddr:dport: exact daddr first, then 0.0.0.0; 0 = none. */
export function lhashLookup(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32): i32 {
  if (!ptValid(t, PT_KIND_LISTEN)) return -FLOW_E_INVAL;
  return ptLookup(t, saddr, sport, daddr, dport);
}

/** The handles bound to exactly (addr, port) in group order (see ptMembers). */
export function lhashMembers(t: u32, addr: u32, port: u32, outPtr: u32, max: u32): i32 {
  if (!ptValid(t, PT_KIND_LISTEN)) return -FLOW_E_INVAL;
  return ptMembers(t, addr, port, outPtr, max);
}
