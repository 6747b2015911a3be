// Host handles on the core's flow tables (assembly/flow/*): thin wrappers over the raw exports, with
// the same interfaces the TypeScript twin (src/twin/flow.ts) implements, so one case suite runs on
// both. Every method returns the core's integer: a handle (> 0), 0 for a miss, or a negated FLOW_E_*
// code (FLOW_E_EXISTS ...), which the syscall layer maps to errno.
import { EH_OLD_SEGS, STAGING_OFFSET, STAGING_SIZE, type WasmExports } from "../generated/layout.js";
import type { Core } from "./wasm.js";

/** The established table (Linux inet_ehash): 4-tuple -> handle. saddr/sport = remote, daddr/dport = local. */
export interface FlowEstablished {
  insert(saddr: number, sport: number, daddr: number, dport: number, handle: number): number;
  delete(saddr: number, sport: number, daddr: number, dport: number): number;
  lookup(saddr: number, sport: number, daddr: number, dport: number): number;
  /** Flows in the table. */
  count(): number;
  /** True while an incremental rehash is running. */
  rehashing(): boolean;
  /** Moves up to n old buckets; returns how many remain (0 = no rehash running). */
  rehashStep(n: number): number;
}

/** The listener table (Linux inet_lhash2): (addr, port) -> listening socket(s), SO_REUSEPORT groups. */
export interface FlowListeners {
  insert(addr: number, port: number, uid: number, reuseport: boolean, handle: number): number;
  delete(addr: number, port: number, handle: number): number;
  lookup(saddr: number, sport: number, daddr: number, dport: number): number;
  /** Handles bound to exactly (addr, port), in group order. */
  members(addr: number, port: number): number[];
}

/** The bound-UDP table (Linux udp_table): local (addr, port) with an optional connected peer. */
export interface FlowUdp {
  insert(
    laddr: number,
    lport: number,
    raddr: number,
    rport: number,
    uid: number,
    reuseport: boolean,
    handle: number,
  ): number;
  delete(laddr: number, lport: number, handle: number): number;
  lookup(saddr: number, sport: number, daddr: number, dport: number): number;
  members(laddr: number, lport: number): number[];
}

export interface EhashOptions {
  /** Flows to size the first bucket array for (default 1024). */
  initFlows?: number;
  /** Insert limit (0 or absent: the table's own limit). */
  maxFlows?: number;
  seed?: number;
}

export interface PortTableOptions {
  /** Hash chains (rounded to a power of two; default 256). */
  buckets?: number;
  /** Socket limit (0 or absent: none). */
  maxSocks?: number;
  seed?: number;
}

function created(ptr: number, what: string): number {
  if (ptr === 0) throw new Error(`wirestack: could not allocate ${what} (arena exhausted)`);
  return ptr >>> 0;
}

function readMembers(core: Core, n: number): number[] {
  if (n < 0) return [];
  const max = STAGING_SIZE >>> 2;
  const u32 = core.u32;
  const out: number[] = [];
  for (let i = 0; i < Math.min(n, max); i++) out.push(u32[(STAGING_OFFSET >>> 2) + i]);
  return out;
}

export class EhashTable implements FlowEstablished {
  readonly ptr: number;
  private readonly x: WasmExports;

  constructor(
    readonly core: Core,
    opts: EhashOptions = {},
  ) {
    this.x = core.x;
    this.ptr = created(
      core.x.ehashCreate(opts.initFlows ?? 1024, opts.maxFlows ?? 0, opts.seed ?? 0),
      "an established table",
    );
  }
  insert(saddr: number, sport: number, daddr: number, dport: number, handle: number): number {
    return this.x.ehashInsert(this.ptr, saddr, sport, daddr, dport, handle);
  }
  delete(saddr: number, sport: number, daddr: number, dport: number): number {
    return this.x.ehashDelete(this.ptr, saddr, sport, daddr, dport);
  }
  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    return this.x.ehashLookup(this.ptr, saddr, sport, daddr, dport);
  }
  /** FLOWKEY array at keysPtr -> u32 handles at outPtr (both in linear memory); returns hits. */
  lookupBatch(keysPtr: number, count: number, outPtr: number): number {
    return this.x.ehashLookupBatch(this.ptr, keysPtr, count, outPtr);
  }
  count(): number {
    return this.x.ehashCount(this.ptr);
  }
  rehashing(): boolean {
    return this.core.u32[(this.ptr + EH_OLD_SEGS) >>> 2] !== 0;
  }
  rehashStep(n: number): number {
    return this.x.ehashRehashStep(this.ptr, n);
  }
}

export class LhashTable implements FlowListeners {
  readonly ptr: number;
  private readonly x: WasmExports;

  constructor(
    readonly core: Core,
    opts: PortTableOptions = {},
  ) {
    this.x = core.x;
    this.ptr = created(
      core.x.lhashCreate(opts.buckets ?? 256, opts.maxSocks ?? 0, opts.seed ?? 0),
      "a listener table",
    );
  }
  insert(addr: number, port: number, uid: number, reuseport: boolean, handle: number): number {
    return this.x.lhashInsert(this.ptr, addr, port, uid, reuseport ? 1 : 0, handle);
  }
  delete(addr: number, port: number, handle: number): number {
    return this.x.lhashDelete(this.ptr, addr, port, handle);
  }
  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    return this.x.lhashLookup(this.ptr, saddr, sport, daddr, dport);
  }
  members(addr: number, port: number): number[] {
    return readMembers(
      this.core,
      this.x.lhashMembers(this.ptr, addr, port, STAGING_OFFSET, STAGING_SIZE >>> 2),
    );
  }
}

export class UdpHashTable implements FlowUdp {
  readonly ptr: number;
  private readonly x: WasmExports;

  constructor(
    readonly core: Core,
    opts: PortTableOptions = {},
  ) {
    this.x = core.x;
    this.ptr = created(
      core.x.udptabCreate(opts.buckets ?? 256, opts.maxSocks ?? 0, opts.seed ?? 0),
      "a UDP table",
    );
  }
  insert(
    laddr: number,
    lport: number,
    raddr: number,
    rport: number,
    uid: number,
    reuseport: boolean,
    handle: number,
  ): number {
    return this.x.udptabInsert(this.ptr, laddr, lport, raddr, rport, uid, reuseport ? 1 : 0, handle);
  }
  delete(laddr: number, lport: number, handle: number): number {
    return this.x.udptabDelete(this.ptr, laddr, lport, handle);
  }
  lookup(saddr: number, sport: number, daddr: number, dport: number): number {
    return this.x.udptabLookup(this.ptr, saddr, sport, daddr, dport);
  }
  members(laddr: number, lport: number): number[] {
    return readMembers(
      this.core,
      this.x.udptabMembers(this.ptr, laddr, lport, STAGING_OFFSET, STAGING_SIZE >>> 2),
    );
  }
}
