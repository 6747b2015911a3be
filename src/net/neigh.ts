// The ARP neighbour table (Linux net/core/neighbour.c + net/ipv4/arp.c), with NUD states and Linux's
// default timings (Documentation/networking/ip-sysctl.rst, neigh/default):
//   INCOMPLETE: a broadcast request every retrans_time (1 s), mcast_solicit (3) times, packets queued
//     (unres_qlen, 101 packets) — then FAILED: the queue is dropped (NEIGH_FAILED) and senders told.
//   REACHABLE for reachable_time (random in [0.5, 1.5) x base_reachable_time 30 s), then STALE.
//   STALE is still used; the first use moves it to DELAY, which becomes PROBE after
//     delay_first_probe_time (5 s) unless confirmed; PROBE sends ucast_solicit (3) unicast requests.
// Replies and requests from the peer confirm an entry (REACHABLE).
import { ipToString, type Mac, macToString } from "./addr.js";
import type { TimerLike } from "./tcp/sock.js";

export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;

const NUD_NAMES: Record<number, string> = {
  [NUD_INCOMPLETE]: "INCOMPLETE",
  [NUD_REACHABLE]: "REACHABLE",
  [NUD_STALE]: "STALE",
  [NUD_DELAY]: "DELAY",
  [NUD_PROBE]: "PROBE",
  [NUD_FAILED]: "FAILED",
  [NUD_NOARP]: "NOARP",
  [NUD_PERMANENT]: "PERMANENT",
};

const SEC = 1_000_000_000;

export interface NeighParams {
  retransTime: number;
  baseReachableTime: number;
  delayFirstProbeTime: number;
  mcastSolicit: number;
  ucastSolicit: number;
  unresQlen: number;
}

export const DEFAULT_NEIGH_PARAMS: NeighParams = {
  retransTime: 1 * SEC,
  baseReachableTime: 30 * SEC,
  delayFirstProbeTime: 5 * SEC,
  mcastSolicit: 3,
  ucastSolicit: 3,
  unresQlen: 101,
};

export interface NeighIo<P> {
  now(): number;
  timer(fn: () => void): TimerLike;
  random(): number; // [0, 1)
  /** Send an ARP request for `ip`; to `mac` when unicast (probing), else broadcast. */
  solicit(ip: number, mac: Mac | undefined): void;
  /** Transmit a queued packet now that the address is known. */
  transmit(pkt: P, mac: Mac): void;
  /** Drop a queued packet: resolution failed or the queue overflowed. */
  drop(pkt: P, reason: "NEIGH_FAILED" | "NEIGH_QUEUEFULL"): void;
}

export interface Neighbour<P> {
  ip: number;
  mac: Mac | undefined;
  state: number;
  probes: number;
  updated: number;
  confirmed: number;
  queue: P[];
  timer: TimerLike;
}

export class NeighTable<P> {
  private entries = new Map<number, Neighbour<P>>();
  stats = { lookups: 0, hits: 0, resFailed: 0, unresDiscards: 0 };

  constructor(
    readonly io: NeighIo<P>,
    readonly params: NeighParams = DEFAULT_NEIGH_PARAMS,
  ) {}

  private reachableTime(): number {
    return Math.floor(this.params.baseReachableTime * (0.5 + this.io.random()));
  }

  get(ip: number): Neighbour<P> | undefined {
    return this.entries.get(ip);
  }

  private create(ip: number): Neighbour<P> {
    const n: Neighbour<P> = {
      ip,
      mac: undefined,
      state: NUD_INCOMPLETE,
      probes: 0,
      updated: this.io.now(),
      confirmed: 0,
      queue: [],
      timer: undefined as unknown as TimerLike,
    };
    n.timer = this.io.timer(() => this.onTimer(n));
    this.entries.set(ip, n);
    return n;
  }

  /** Send `pkt` to next hop `ip` (Linux neigh_resolve_output): now if known, else queue and solicit. */
  output(ip: number, pkt: P): void {
    this.stats.lookups++;
    let n = this.entries.get(ip);
    if (n?.mac && n.state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP | NUD_DELAY | NUD_PROBE)) {
      this.stats.hits++;
      this.io.transmit(pkt, n.mac);
      return;
    }
    if (n?.mac && n.state === NUD_STALE) {
      // First use of a stale entry: send now, and start the DELAY timer (neigh_event_send).
      this.stats.hits++;
      n.state = NUD_DELAY;
      n.updated = this.io.now();
      n.timer.mod(this.io.now() + this.params.delayFirstProbeTime);
      this.io.transmit(pkt, n.mac);
      return;
    }
    if (!n || n.state === NUD_FAILED) {
      n ??= this.create(ip);
      n.state = NUD_INCOMPLETE;
      n.probes = 0;
      this.solicit(n);
    }
    if (n.queue.length >= this.params.unresQlen) {
      this.stats.unresDiscards++;
      this.io.drop(n.queue.shift()!, "NEIGH_QUEUEFULL");
    }
    n.queue.push(pkt);
  }

  private solicit(n: Neighbour<P>): void {
    n.probes++;
    this.io.solicit(n.ip, n.state === NUD_PROBE ? n.mac : undefined);
    n.timer.mod(this.io.now() + this.params.retransTime);
  }

  /**
   * An ARP packet from `ip` with hardware address `mac` (Linux arp_process -> neigh_update).
   * `confirm`: a reply to us, or a request targeting us, confirms reachability; other requests we
   * overhear only refresh an existing entry as STALE.
   */
  update(ip: number, mac: Mac, confirm: boolean): void {
    let n = this.entries.get(ip);
    if (!n) {
      if (!confirm) return;
      n = this.create(ip);
    }
    if (n.state === NUD_PERMANENT) return;
    const changed = !n.mac || macToString(n.mac) !== macToString(mac);
    n.mac = Uint8Array.from(mac);
    n.updated = this.io.now();
    if (confirm) {
      n.state = NUD_REACHABLE;
      n.confirmed = this.io.now();
      n.probes = 0;
      n.timer.mod(this.io.now() + this.reachableTime());
    } else if (changed || n.state & (NUD_INCOMPLETE | NUD_FAILED)) {
      n.state = NUD_STALE;
      n.timer.del();
    }
    const q = n.queue;
    n.queue = [];
    for (const p of q) this.io.transmit(p, n.mac);
  }

  /** A static entry (ip neigh add ... nud permanent). */
  addPermanent(ip: number, mac: Mac): void {
    const n = this.entries.get(ip) ?? this.create(ip);
    n.mac = Uint8Array.from(mac);
    n.state = NUD_PERMANENT;
    n.timer.del();
  }

  /** Upper layers saw forward progress (e.g. a TCP ACK): Linux neigh_confirm / dst_confirm. */
  confirm(ip: number): void {
    const n = this.entries.get(ip);
    if (n?.mac && n.state & (NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_REACHABLE)) {
      n.state = NUD_REACHABLE;
      n.confirmed = this.io.now();
      n.probes = 0;
      n.timer.mod(this.io.now() + this.reachableTime());
    }
  }

  private onTimer(n: Neighbour<P>): void {
    switch (n.state) {
      case NUD_REACHABLE:
        n.state = NUD_STALE;
        n.updated = this.io.now();
        return;
      case NUD_DELAY:
        n.state = NUD_PROBE;
        n.probes = 0;
        this.solicit(n);
        return;
      case NUD_INCOMPLETE:
      case NUD_PROBE: {
        const max = n.state === NUD_INCOMPLETE ? this.params.mcastSolicit : this.params.ucastSolicit;
        if (n.probes < max) {
          this.solicit(n);
          return;
        }
        n.state = NUD_FAILED;
        n.updated = this.io.now();
        this.stats.resFailed++;
        const q = n.queue;
        n.queue = [];
        for (const p of q) this.io.drop(p, "NEIGH_FAILED");
        return;
      }
    }
  }

  /** Drop every entry (device down) and release queued packets. */
  flush(): void {
    for (const n of this.entries.values()) {
      n.timer.del();
      for (const p of n.queue) this.io.drop(p, "NEIGH_FAILED");
    }
    this.entries.clear();
  }

  /** `ip neigh` style listing. */
  format(dev: string): string {
    return [...this.entries.values()]
      .map(
        (n) =>
          `${ipToString(n.ip)} dev ${dev}${n.mac ? ` lladdr ${macToString(n.mac)}` : ""} ${NUD_NAMES[n.state] ?? n.state}`,
      )
      .join("\n");
  }
}
