// Shared helpers for the flow-table tests: address literals, and the two implementations behind one
// factory interface so tests/flow.cases.ts runs unchanged on the Wasm core and on the TypeScript twin.
import {
  type EhashOptions,
  EhashTable,
  type FlowEstablished,
  type FlowListeners,
  type FlowUdp,
  LhashTable,
  type PortTableOptions,
  UdpHashTable,
} from "../../src/core/flow.js";
import { EhashTwin, LhashTwin, UdpTwin } from "../../src/twin/flow.js";
import { freshCore } from "./core.js";

/** "10.0.0.1" -> 0x0a000001 (a u32 value). */
export function ip(dotted: string): number {
  const p = dotted.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export interface FlowImpl {
  name: string;
  ehash(opts?: EhashOptions): Promise<FlowEstablished>;
  lhash(opts?: PortTableOptions): Promise<FlowListeners>;
  udp(opts?: PortTableOptions): Promise<FlowUdp>;
}

/** Each table on a fresh core, so cases never share an arena. */
export const wasmImpl: FlowImpl = {
  name: "wasm",
  ehash: async (o) => new EhashTable(await freshCore(), o),
  lhash: async (o) => new LhashTable(await freshCore(), o),
  udp: async (o) => new UdpHashTable(await freshCore(), o),
};

export const twinImpl: FlowImpl = {
  name: "twin",
  ehash: async (o) => new EhashTwin(o),
  lhash: async (o) => new LhashTwin(o),
  udp: async (o) => new UdpTwin(o),
};

/** A member as Linux's reuseport selection sees it. */
export interface GroupMember {
  handle: number;
  connected: boolean;
}

/**
 * Linux net/core/sock_reuseport.c reuseport_select_sock_by_hash(), restated for test expectations:
 * start at reciprocal_scale(hash, n) and walk forward to the first member that is not connected.
 */
export function linuxReuseportPick(members: GroupMember[], hash: number): number {
  const n = members.length;
  const j = Math.floor(((hash >>> 0) * n) / 2 ** 32);
  for (let k = 0; k < n; k++) {
    const m = members[(j + k) % n];
    if (!m.connected) return m.handle;
  }
  return 0;
}
