// Network devices (Linux struct net_device + NAPI). A frame arriving from a link is written into the
// device's RX ring in linear memory ("DMA"); the device raises an interrupt unless one is already
// pending or NAPI polling is on; the poll then takes up to `budget` frames per round (Linux
// net.core.dev_weight = 64) and hands each to the stack. If frames remain, polling continues in the
// next softirq round without a new interrupt — so under load interrupts per frame fall (interrupt
// mitigation), which `stats.interrupts` shows.
//
// A poll round is one call into the core when the stack installed `onBatch` (its RX fast path,
// NetStack.rxBatch): the core takes the round's frames off the ring and handles what it can itself.
// With a trace hook installed the poll hands frames over one at a time instead, so every stage shows.
import type { Core } from "../core/wasm.js";
import {
  DROP_DEV_READY,
  DROP_FULL_RING,
  DROP_NOT_SPECIFIED,
  RXDEV_ETHER,
  RXDEV_KIND,
  RXDEV_LOOPBACK,
  RXDEV_MAC,
  RXDEV_SIZE,
  RXDEV_TUN,
} from "../generated/layout.js";
import type { Mac } from "./addr.js";
import type { LinkPort } from "./link.js";
import { NO_DETAIL, type TraceFn } from "./trace.js";

export interface DeviceStats {
  rx_packets: number;
  rx_bytes: number;
  rx_dropped: number;
  tx_packets: number;
  tx_bytes: number;
  tx_dropped: number;
  interrupts: number;
  polls: number;
  /** Polls that used their whole budget (Linux softnet_stat time_squeeze analogue). */
  budget_exhausted: number;
}

export interface DeviceEnv {
  core: Core;
  now(): number;
  at(ns: number, fn: () => void): void;
}

export type DeviceKind = "loopback" | "ether" | "tun";

export class NetDevice {
  readonly ring: number;
  up = true;
  /** Interrupt (default) or busy NAPI polling every `pollIntervalNs` when `napiOnly`. */
  budget = 64;
  irqDelayNs = 0;
  private pollScheduled = false;
  stats: DeviceStats = {
    rx_packets: 0,
    rx_bytes: 0,
    rx_dropped: 0,
    tx_packets: 0,
    tx_bytes: 0,
    tx_dropped: 0,
    interrupts: 0,
    polls: 0,
    budget_exhausted: 0,
  };
  /** Where transmitted frames go (a link port); unset for loopback. */
  txPort: LinkPort | undefined;
  /** The port links deliver into. */
  readonly rxPort: LinkPort;
  /**
   * Set by the host stack: one NAPI round through the core's batch RX path. Takes up to `budget`
   * frames off the ring, updates rx_packets / rx_bytes, and returns how many it took.
   */
  onBatch: ((dev: NetDevice, budget: number) => number) | undefined;
  /** The core's RXDEV descriptor of this device (MAC and kind), for onBatch. */
  readonly rxdev: number;
  /** Set by the host stack: processes one received frame (takes ownership of the skb). */
  onReceive: (dev: NetDevice, skb: number) => void = (_d, skb) =>
    this.env.core.x.kfreeSkb(skb, DROP_NOT_SPECIFIED);
  /** Taps (pcap, trace) see every frame in both directions. */
  taps: ((dir: "rx" | "tx", skb: number) => void)[] = [];
  /** The stack's trace hook (src/net/trace.ts), set with NetStack.setTrace. */
  trace: TraceFn | undefined = undefined;

  constructor(
    readonly env: DeviceEnv,
    readonly name: string,
    readonly ifindex: number,
    readonly kind: DeviceKind,
    readonly mac: Mac,
    public mtu: number,
    ringSize = 1024,
  ) {
    const x = env.core.x;
    this.ring = x.ringCreate(ringSize);
    if (this.ring === 0) throw new Error(`${name}: no memory for an RX ring of ${ringSize}`);
    this.rxdev = x.arenaAlloc(RXDEV_SIZE);
    if (this.rxdev === 0) throw new Error(`${name}: no memory for its RX descriptor`);
    const u8 = env.core.u8;
    u8.set(mac.subarray(0, 6), this.rxdev + RXDEV_MAC);
    u8[this.rxdev + RXDEV_KIND] =
      kind === "tun" ? RXDEV_TUN : kind === "loopback" ? RXDEV_LOOPBACK : RXDEV_ETHER;
    this.rxPort = { name, receive: (skb) => this.receive(skb) };
  }

  /** A frame arrives from the wire (Linux: the NIC DMAs it into the ring, then IRQ -> napi_schedule). */
  receive(skb: number): void {
    const x = this.env.core.x;
    if (!this.up) {
      this.stats.rx_dropped++;
      x.kfreeSkb(skb, DROP_DEV_READY);
      return;
    }
    for (const t of this.taps) t("rx", skb);
    const trace = this.trace;
    if (trace !== undefined) trace("ring", { dev: this, skb, len: x.skbLen(skb) });
    if (x.ringPush(this.ring, skb) < 0) {
      this.stats.rx_dropped++;
      if (trace !== undefined) trace("drop", { dev: this, reason: DROP_FULL_RING });
      x.kfreeSkb(skb, DROP_FULL_RING);
      if (trace !== undefined) trace("end", NO_DETAIL);
      return;
    }
    if (trace !== undefined)
      trace("irq", { dev: this, raised: !this.pollScheduled, queued: x.ringCount(this.ring) });
    if (!this.pollScheduled) {
      this.pollScheduled = true;
      this.stats.interrupts++;
      this.env.at(this.env.now() + this.irqDelayNs, () => this.poll());
    }
    if (trace !== undefined) trace("end", NO_DETAIL);
  }

  /** One NAPI poll round (Linux net_rx_action -> napi_poll with the device's weight). */
  private poll(): void {
    const x = this.env.core.x;
    this.stats.polls++;
    const done =
      this.onBatch !== undefined && this.trace === undefined
        ? this.onBatch(this, this.budget)
        : this.pollEach();
    if (done === this.budget && x.ringCount(this.ring) > 0) {
      // Budget used up: stay in polling mode, run again in the next softirq round, no interrupt.
      this.stats.budget_exhausted++;
      this.env.at(this.env.now(), () => this.poll());
      return;
    }
    if (x.ringCount(this.ring) > 0) {
      // Frames arrived while the batch was being handled (loopback replies, say): interrupts were
      // re-enabled by napi_complete, so the first of them raises one.
      this.stats.interrupts++;
      this.env.at(this.env.now() + this.irqDelayNs, () => this.poll());
      return;
    }
    this.pollScheduled = false; // napi_complete: interrupts re-enabled
  }

  /** One round frame by frame through onReceive (no batch path, or tracing). */
  private pollEach(): number {
    const x = this.env.core.x;
    let done = 0;
    while (done < this.budget) {
      const skb = x.ringPop(this.ring);
      if (skb === 0) break;
      done++;
      const trace = this.trace;
      if (trace !== undefined) trace("napi", { dev: this, skb, n: done, budget: this.budget });
      this.stats.rx_packets++;
      this.stats.rx_bytes += x.skbLen(skb);
      this.onReceive(this, skb);
      if (trace !== undefined) trace("end", NO_DETAIL);
    }
    return done;
  }

  /** Transmit a frame (Linux dev_queue_xmit -> ndo_start_xmit). Takes ownership of the skb. */
  xmit(skb: number): void {
    const x = this.env.core.x;
    if (!this.up) {
      this.stats.tx_dropped++;
      x.kfreeSkb(skb, DROP_DEV_READY);
      return;
    }
    this.stats.tx_packets++;
    this.stats.tx_bytes += x.skbLen(skb);
    for (const t of this.taps) t("tx", skb);
    if (this.kind === "loopback") {
      // Linux loopback_xmit: the frame re-enters the stack through this device's receive path.
      this.receive(skb);
      return;
    }
    if (!this.txPort) {
      this.stats.tx_dropped++;
      x.kfreeSkb(skb, DROP_DEV_READY);
      return;
    }
    this.txPort.receive(skb);
  }
}
