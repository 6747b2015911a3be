// Links between devices: point-to-point cables and a learning switch, with latency, bandwidth, MTU
// and faults (loss, duplication, reordering, corruption, jitter) drawn from the kernel's seeded
// generator. Frames travel as skb handles, as between a veth pair (no copy on the wire); a corrupted
// frame is copied first so the sender's retransmit copy stays intact.

/** What a link needs from the engine: the clock, the generator and skb operations. */
export interface LinkEnv {
  now(): number;
  at(ns: number, fn: () => void): void;
  random(): number;
  skbLen(skb: number): number;
  skbClone(skb: number): number;
  skbCopy(skb: number): number;
  /** Flip one bit of the frame at `offset` (the skb must not be shared). */
  corrupt(skb: number, offset: number): void;
  drop(skb: number, reason: string): void;
}

export interface LinkFaults {
  /** Probability a frame is lost. */
  loss?: number;
  /** Probability a frame is delivered twice. */
  duplicate?: number;
  /** Probability a frame is held back by `reorderDelayNs` (arrives after later frames). */
  reorder?: number;
  reorderDelayNs?: number;
  /** Probability one bit of a frame is flipped (checksums must catch it). */
  corrupt?: number;
  /** Uniform extra delay in [0, jitterNs). Frames may reorder when jitter exceeds their spacing. */
  jitterNs?: number;
}

export interface LinkOptions {
  /** One-way propagation delay in ns (default 100 µs). */
  latencyNs?: number;
  /** Bits per second; 0 = infinite (default 1 Gbit/s). */
  bandwidth?: number;
  mtu?: number;
  /** Frames that may wait for the wire (Linux txqueuelen, default 1000). */
  txqueuelen?: number;
  faults?: LinkFaults;
}

/** A port is where a link delivers: a device's receive function. */
export interface LinkPort {
  name: string;
  receive(skb: number): void;
}

export interface LinkStats {
  frames: number;
  bytes: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  queueDrops: number;
}

type FullOptions = Required<Omit<LinkOptions, "faults">> & { faults: LinkFaults };

function fill(o: LinkOptions): FullOptions {
  return {
    latencyNs: o.latencyNs ?? 100_000,
    bandwidth: o.bandwidth ?? 1e9,
    mtu: o.mtu ?? 1500,
    txqueuelen: o.txqueuelen ?? 1000,
    faults: o.faults ?? {},
  };
}

/** One direction of a cable: a transmit queue serialised at `bandwidth`, then `latency` in flight. */
export class Lane {
  busyUntil = 0;
  queued = 0;
  stats: LinkStats = {
    frames: 0,
    bytes: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    queueDrops: 0,
  };

  constructor(
    readonly env: LinkEnv,
    readonly opts: FullOptions,
    readonly to: LinkPort,
  ) {}

  send(skb: number): void {
    const env = this.env;
    const len = env.skbLen(skb);
    if (this.queued >= this.opts.txqueuelen) {
      this.stats.queueDrops++;
      env.drop(skb, "QDISC_DROP");
      return;
    }
    const now = env.now();
    const start = Math.max(now, this.busyUntil);
    // serialisation time, counting preamble, inter-frame gap and FCS (24 bytes) as a real wire does
    const txTime = this.opts.bandwidth > 0 ? Math.ceil(((len + 24) * 8 * 1e9) / this.opts.bandwidth) : 0;
    this.busyUntil = start + txTime;
    this.queued++;
    this.stats.frames++;
    this.stats.bytes += len;
    const f = this.opts.faults;
    const depart = this.busyUntil;
    env.at(depart, () => {
      this.queued--;
    });
    if (f.loss && env.random() < f.loss) {
      this.stats.lost++;
      env.at(depart, () => env.drop(skb, "LINK_LOSS"));
      return;
    }
    let frame = skb;
    if (f.corrupt && env.random() < f.corrupt) {
      const copy = env.skbCopy(skb);
      env.drop(skb, "LINK_CORRUPT");
      if (copy === 0) return;
      frame = copy;
      env.corrupt(frame, Math.floor(env.random() * len));
      this.stats.corrupted++;
    }
    let arrive = depart + this.opts.latencyNs;
    if (f.jitterNs) arrive += Math.floor(env.random() * f.jitterNs);
    if (f.reorder && env.random() < f.reorder) {
      arrive += f.reorderDelayNs ?? this.opts.latencyNs * 2;
      this.stats.reordered++;
    }
    if (f.duplicate && env.random() < f.duplicate) {
      const dup = env.skbClone(frame);
      if (dup !== 0) {
        this.stats.duplicated++;
        env.at(arrive + 1, () => this.to.receive(dup));
      }
    }
    env.at(arrive, () => this.to.receive(frame));
  }
}

/** A full-duplex cable between two ports; each side transmits into the port `sideOf` returns. */
export class Link {
  readonly toB: Lane;
  readonly toA: Lane;
  readonly mtu: number;

  constructor(env: LinkEnv, a: LinkPort, b: LinkPort, opts: LinkOptions = {}) {
    const o = fill(opts);
    this.mtu = o.mtu;
    this.toB = new Lane(env, o, b);
    this.toA = new Lane(env, o, a);
  }

  /** The transmit port for side a (frames go to b) and side b (frames go to a). */
  get txA(): LinkPort {
    return { name: `${this.toB.to.name}<-`, receive: (skb) => this.toB.send(skb) };
  }
  get txB(): LinkPort {
    return { name: `${this.toA.to.name}<-`, receive: (skb) => this.toA.send(skb) };
  }

  stats(): { toB: LinkStats; toA: LinkStats } {
    return { toB: this.toB.stats, toA: this.toA.stats };
  }
}

/**
 * A learning Ethernet switch: remembers which port each source MAC was seen on and forwards to it;
 * floods broadcast, multicast and unknown destinations to every other port (IEEE 802.1D, no STP).
 */
export class Switch {
  private ports: { dev: LinkPort; out: Lane }[] = [];
  private fdb = new Map<string, number>();

  constructor(
    readonly env: LinkEnv,
    /** Reads the destination and source MAC of a frame as "xx:xx:..." strings. */
    readonly readMacs: (skb: number) => { dst: string; src: string },
    readonly opts: LinkOptions = {},
  ) {}

  /** Attach a device; returns the port the device transmits into. */
  attach(dev: LinkPort): LinkPort {
    const index = this.ports.length;
    const o = fill(this.opts);
    this.ports.push({ dev, out: new Lane(this.env, o, dev) });
    const uplink: LinkPort = { name: `sw${index}`, receive: (skb) => this.forward(index, skb) };
    const inLane = new Lane(this.env, o, uplink);
    return { name: `${dev.name}->sw${index}`, receive: (skb) => inLane.send(skb) };
  }

  private forward(inPort: number, skb: number): void {
    const { dst, src } = this.readMacs(skb);
    this.fdb.set(src, inPort);
    const out = this.fdb.get(dst);
    const multicast = (Number.parseInt(dst.slice(0, 2), 16) & 1) === 1;
    if (!multicast && out !== undefined) {
      if (out === inPort) this.env.drop(skb, "SWITCH_SAME_PORT");
      else this.ports[out].out.send(skb);
      return;
    }
    const targets = this.ports.filter((_, i) => i !== inPort);
    if (targets.length === 0) {
      this.env.drop(skb, "SWITCH_NO_PORT");
      return;
    }
    for (let i = 1; i < targets.length; i++) {
      const c = this.env.skbClone(skb);
      if (c) targets[i].out.send(c);
    }
    targets[0].out.send(skb);
  }
}
