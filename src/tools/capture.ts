// Packet capture on an engine device, as tcpdump -i <dev> -w file does, and replay of a capture into
// a device, as tcpreplay does: the frames' bytes as they crossed the device (Ethernet frames, or raw
// IP packets on a TUN device), stamped with the virtual clock (CLOCK_REALTIME of the world: its
// epoch plus virtual time), written as libpcap by src/tools/pcap.ts.
//
// A tap sees a frame on receive as the link delivers it (before the RX ring, as a packet socket
// does with the NIC's frame), and on transmit as the stack hands it to the device. On the loopback
// device each frame is sent and received by the same device: Linux's tcpdump -i lo shows it once,
// so a loopback capture keeps the transmit side only, unless asked otherwise.
import { allocSkbWith } from "../core/skb.js";
import type { NetDevice } from "../net/device.js";
import type { Host, World } from "../world/world.js";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_RAW,
  type PcapFile,
  type PcapPrecision,
  PcapWriter,
  readPcap,
} from "./pcap.js";

export type CaptureDirection = "both" | "rx" | "tx";

export interface CaptureOptions {
  /** Which direction to keep (default both, tx only on loopback). */
  direction?: CaptureDirection;
  /** Timestamp resolution of the file (default "ns": the virtual clock's). */
  precision?: PcapPrecision;
  /** Longest frame kept (default 262144, i.e. whole frames). */
  snaplen?: number;
}

/** One captured frame. */
export interface CapturedFrame {
  dir: "rx" | "tx";
  /** CLOCK_REALTIME of the world when the device saw it, ns. */
  tsNs: bigint;
  data: Uint8Array;
}

/** The link type a device's frames have in a capture. */
export function linkTypeOf(dev: NetDevice): number {
  return dev.kind === "tun" ? LINKTYPE_RAW : LINKTYPE_ETHERNET;
}

/** A running capture on one device. */
export class DeviceCapture {
  readonly frames: CapturedFrame[] = [];
  readonly linkType: number;
  private readonly tap: (dir: "rx" | "tx", skb: number) => void;
  private running = true;

  constructor(
    readonly world: World,
    readonly dev: NetDevice,
    readonly opts: CaptureOptions = {},
  ) {
    this.linkType = linkTypeOf(dev);
    const want = opts.direction ?? (dev.kind === "loopback" ? "tx" : "both");
    const core = world.core;
    const kernel = world.kernel;
    this.tap = (dir, skb) => {
      if (want !== "both" && want !== dir) return;
      const x = core.x;
      const at = x.skbDataPtr(skb);
      this.frames.push({
        dir,
        tsNs: BigInt(kernel.realtimeEpochNs) + BigInt(kernel.now()),
        data: core.u8.slice(at, at + x.skbLen(skb)),
      });
    };
    dev.taps.push(this.tap);
  }

  /** Stop capturing (the frames so far stay). */
  stop(): this {
    if (this.running) {
      const i = this.dev.taps.indexOf(this.tap);
      if (i >= 0) this.dev.taps.splice(i, 1);
      this.running = false;
    }
    return this;
  }

  /** The capture as a libpcap file. */
  pcap(): Uint8Array {
    const w = new PcapWriter({
      linkType: this.linkType,
      precision: this.opts.precision,
      snaplen: this.opts.snaplen,
    });
    for (const f of this.frames) w.add(f.data, f.tsNs);
    return w.bytes();
  }
}

function deviceOf(world: World, host: Host | string, devName: string): NetDevice {
  const h = typeof host === "string" ? world.host(host) : host;
  return h.net.device(devName);
}

/** Start capturing on a host's device: `capture(world, "server", "eth0")`. */
export function capture(
  world: World,
  host: Host | string,
  devName: string,
  opts: CaptureOptions = {},
): DeviceCapture {
  return new DeviceCapture(world, deviceOf(world, host, devName), opts);
}

export interface ReplayOptions {
  /**
   * "recorded" (default): each frame arrives at the same offset from the first as in the file,
   * starting now; "now": every frame arrives now, in the file's order.
   */
  timing?: "recorded" | "now";
}

/**
 * Feed a capture's frames into a device as if they came off its wire (the device's receive: the
 * RX ring, the interrupt, NAPI, the stack). The file's link type must be the device's. Returns the
 * number of frames scheduled; run the world to deliver them. A frame the skb pools cannot hold is
 * not delivered (it would be an RX ring drop on a real NIC) and not counted.
 */
export function replay(
  world: World,
  host: Host | string,
  devName: string,
  file: Uint8Array | PcapFile,
  opts: ReplayOptions = {},
): number {
  const dev = deviceOf(world, host, devName);
  const f = file instanceof Uint8Array ? readPcap(file) : file;
  const want = linkTypeOf(dev);
  const ok = f.linkType === want || (want === LINKTYPE_RAW && f.linkType === LINKTYPE_IPV4);
  if (!ok)
    throw new RangeError(
      `replay: the capture's link type ${f.linkType} is not ${dev.name}'s (${want === LINKTYPE_RAW ? "raw IP" : "Ethernet"})`,
    );
  if (f.records.length === 0) return 0;
  const kernel = world.kernel;
  const start = kernel.now();
  const t0 = f.records[0].tsNs;
  let n = 0;
  for (const r of f.records) {
    const at = opts.timing === "now" ? start : start + Number(r.tsNs - t0);
    const data = r.data.slice();
    kernel.schedule(at, () => {
      const skb = allocSkbWith(world.core, data);
      if (skb !== 0) dev.receive(skb);
    });
    n++;
  }
  return n;
}
