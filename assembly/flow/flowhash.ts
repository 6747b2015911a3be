// The flow tables' hash functions as exports, for tests and the host (the TypeScript twin must agree
// with them bit for bit so reuseport member choices agree). See jhash.ts for the functions themselves.
import { flowHashOf, portAddrHashOf, reciprocalScale } from "./jhash";

/** Exported for tests and the host: the flow hash of a 4-tuple under `seed`. */
export function flowHash(saddr: u32, sport: u32, daddr: u32, dport: u32, seed: u32): u32 {
  return flowHashOf(saddr, sport & 0xffff, daddr, dport & 0xffff, seed);
}

/** Exported for tests: the (address, port) hash of the listener and UDP tables under `seed`. */
export function portAddrHash(addr: u32, port: u32, seed: u32): u32 {
  return portAddrHashOf(addr, port & 0xffff, seed);
}

/** Exported for tests (the twin must pick the same reuseport member). */
export function flowReciprocalScale(hash: u32, n: u32): u32 {
  return reciprocalScale(hash, n);
}
