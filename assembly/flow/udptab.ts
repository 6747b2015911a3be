// The bound-UDP table: UDP sockets by local (address, port), each optionally connected to a peer.
// Linux: net/ipv4/udp.c __udp4_lib_lookup(), udp4_lib_lookup2(), compute_score(); the rules are in
// assembly/flow/porttab.ts. Scores as Linux: 2 for a matching IPv4 socket, +4 for a matching
// connected peer address, +4 for a matching connected peer port; a connected socket whose peer
// differs does not match at all. Exact local address before INADDR_ANY, whatever the scores.
// connect() on a bound socket is delete + insert with the peer (Linux udp_v4_rehash() moves it too).
import { FLOW_E_INVAL } from "./codes";
import { PT_KIND_UDP, ptCreate, ptDelete, ptInsert, ptLookup, ptMembers, ptValid } from "./porttab";

/** A UDP table with `buckets` chains (a power of two is taken), at most `maxSocks` (0 = no limit). */
export function udptabCreate(buckets: u32, maxSocks: u32, seed: u32): u32 {
  return ptCreate(PT_KIND_UDP, buckets, maxSocks, seed);
}

/**
 * Binds a UDP socket to (laddr, lport), connected to raddr:rport when either is non-zero (0 = any).
 * Codes as lhashInsert. Linux: udp_lib_get_port() (+ reuseport_add_sock()).
 */
export function udptabInsert(
  t: u32, laddr: u32, lport: u32, raddr: u32, rport: u32, uid: u32, reuseport: u32, handle: u32,
): i32 {
  if (!ptValid(t, PT_KIND_UDP)) return -FLOW_E_INVAL;
  return ptInsert(t, laddr, lport, raddr, rport, uid, reuseport, handle);
}

/** Unbinds a UDP socket; the group's last member takes its place. Linux: udp_lib_unhash(). */
export function udptabDelete(t: u32, laddr: u32, lport: u32, handle: u32): i32 {
  if (!ptValid(t, PT_KIND_UDP)) return -FLOW_E_INVAL;
  return ptDelete(t, laddr, lport, handle);
}

/** The socket for a datagram saddr:sport -> daddr:dport, 0 = none (ICMP port unreachable). */
export function udptabLookup(t: u32, saddr: u32, sport: u32, daddr: u32, dport: u32): i32 {
  if (!ptValid(t, PT_KIND_UDP)) return -FLOW_E_INVAL;
  return ptLookup(t, saddr, sport, daddr, dport);
}

/** The handles bound to exactly (laddr, lport) in group order (see ptMembers). */
export function udptabMembers(t: u32, laddr: u32, lport: u32, outPtr: u32, max: u32): i32 {
  if (!ptValid(t, PT_KIND_UDP)) return -FLOW_E_INVAL;
  return ptMembers(t, laddr, lport, outPtr, max);
}
