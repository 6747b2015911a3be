// The packetdrill Engine over a wirestack World: one host "sut" whose only link is a TUN-style test
// device, and one process on it that makes the script's system calls.
//
// - Addresses as packetdrill sets up its tun device: the SUT has localIp with the settings' netmask
//   on "tun0" and reaches the remote (and everything else) through the gateway on that subnet.
// - Inbound: each `<` segment is built into a raw IPv4 packet in an skb (world-wire.ts) and handed to
//   the device's receive path (RX ring, NAPI poll, ip_rcv ...), exactly like a frame from a link; a
//   segment larger than the MTU goes in whole, as one GRO super-packet. The engine then runs whatever
//   became due at the current instant (the NAPI poll is an event "now"), so the SUT has reacted before
//   the runner's next step, as a real tun write completes its softirq before packetdrill continues.
// - Outbound: the device's transmit port is the runner's sniffer: every packet is dissected with the
//   core and kept as an OutboundSegment stamped with the virtual time it left. The device is a plain
//   MTU-sized NIC (no TSO); the runner coalesces back-to-back MSS-sized segments (match.ts).
// - Time: the kernel's virtual clock is driven only by advanceTo(), which runs the kernel's event heap
//   and jiffies timer wheel in order, one due instant at a time; pollAt() is the kernel's next event.
// - Syscalls: raw forms on the process (world-syscalls.ts). A call that sleeps returns a Promise;
//   it becomes a BlockedSyscall whose completion time is the virtual time its promise settled.
// - Sysctls: net.ipv4.* names of the host's TcpSysctl and net.core.* names of the kernel's Sysctl.
import type { Core } from "../core/wasm.js";
import { SIGPIPE } from "../kernel/constants.js";
import type { Process } from "../kernel/process.js";
import { MAC_ZERO } from "../net/addr.js";
import type { NetDevice } from "../net/device.js";
import type { TcpSysctl } from "../net/tcp/sysctl.js";
import { type Host, World } from "../world/world.js";
import type {
  Engine,
  EngineFeatures,
  EngineSettings,
  InboundPacket,
  OutboundSegment,
  SyscallCall,
  SyscallOutcome,
  SyscallReturn,
} from "./engine.js";
import { outcome, ScriptSyscalls } from "./world-syscalls.js";
import { TestWire } from "./world-wire.js";

/** Prefix length of a dotted netmask ("255.255.0.0" -> 16). */
function maskPrefix(mask: string): number {
  let n = 0;
  for (const part of mask.split(".")) {
    let b = Number(part);
    while (b & 0x80) {
      n++;
      b = (b << 1) & 0xff;
    }
  }
  return n;
}

export class WorldEngine implements Engine {
  readonly features: EngineFeatures = {};
  private world: World | null = null;
  private host: Host | null = null;
  private dev: NetDevice | null = null;
  private proc: Process | null = null;
  private calls: ScriptSyscalls | null = null;
  private settings: EngineSettings | null = null;
  private out: OutboundSegment[] = [];
  private endProcess: (() => void) | null = null;
  private readonly wire: TestWire;
  private ipId = 1;

  constructor(
    private readonly core: Core,
    private readonly seed = 1,
  ) {
    this.wire = new TestWire(core);
  }

  private get w(): World {
    if (!this.world) throw new Error("packetdrill engine used before reset()");
    return this.world;
  }

  reset(settings: EngineSettings): void {
    this.settings = settings;
    const world = new World(this.core, { seed: this.seed });
    const host = world.addHost("sut");
    const dev = host.net.addDevice("tun", "tun0", MAC_ZERO, settings.mtu);
    host.net.addAddress("tun0", `${settings.localIp}/${maskPrefix(settings.netmask)}`);
    host.net.addRoute("default", settings.gatewayIp, "tun0");
    dev.txPort = { name: "packetdrill", receive: (skb) => this.sniff(skb) };
    this.world = world;
    this.host = host;
    this.dev = dev;
    this.out = [];
    this.proc = host.spawn("packetdrill", () => new Promise<void>((res) => (this.endProcess = res)));
    // packetdrill ignores SIGPIPE, so a write on a shut-down socket returns EPIPE instead of killing it.
    this.proc.setDisposition(SIGPIPE, "ignore");
    this.calls = new ScriptSyscalls(this.proc, () => this.settings!);
  }

  /** The host under test (for tests and tools that look inside). */
  get sut(): Host {
    if (!this.host) throw new Error("packetdrill engine used before reset()");
    return this.host;
  }

  private sniff(skb: number): void {
    const seg = this.wire.parseOutbound(skb, this.w.kernel.now());
    this.core.x.consumeSkb(skb);
    if (seg) this.out.push(seg);
  }

  applySysctl(name: string, value: string): boolean {
    const net = this.sut.net.sysctl;
    const v4 = /^net\.ipv4\.([a-z0-9_]+)$/.exec(name);
    if (v4 && v4[1] in net) {
      const key = v4[1] as keyof TcpSysctl;
      const nums = value.trim().split(/\s+/).map(Number);
      if (nums.some((n) => !Number.isFinite(n))) return false;
      const cur = net[key];
      if (Array.isArray(cur)) {
        if (nums.length !== cur.length) return false;
        (net[key] as number[]) = nums;
      } else {
        if (nums.length !== 1) return false;
        (net[key] as number) = nums[0];
      }
      return true;
    }
    const core = /^net\.core\.(rmem_max|wmem_max|rmem_default|wmem_default|somaxconn)$/.exec(name);
    if (core) {
      const n = Number(value.trim());
      if (!Number.isFinite(n)) return false;
      const ks = this.w.kernel.sysctl;
      ks[`net_core_${core[1]}` as keyof typeof ks] = n;
      if (core[1] === "somaxconn") net.somaxconn = n;
      return true;
    }
    return false;
  }

  now(): number {
    return this.w.kernel.now();
  }

  pollAt(): number | null {
    const t = this.w.kernel.nextEventTime();
    return t === Number.POSITIVE_INFINITY ? null : t;
  }

  /** Run the heap events and wheel timers due at time t (>= now), the clock moved to t first. */
  private step(t: number): void {
    const k = this.w.kernel;
    k.clock.advanceTo(Math.max(t, k.now()));
    for (;;) {
      const ev = k.events.popUntil(t);
      if (!ev) break;
      ev.fire();
    }
    k.wheel.run(Math.floor(t / k.tickNs));
  }

  advanceTo(ns: number): void {
    const k = this.w.kernel;
    if (ns < k.now()) throw new Error(`advanceTo(${ns}) is before now (${k.now()})`);
    for (;;) {
      const t = k.nextEventTime();
      if (t > ns) break;
      this.step(t);
    }
    this.step(ns);
  }

  /** Everything due at the current instant (the device's NAPI poll after a packet, softirq work). */
  private runDue(): void {
    const k = this.w.kernel;
    for (let i = 0; i < 10_000 && k.nextEventTime() <= k.now(); i++) this.step(k.now());
  }

  syscall(call: SyscallCall): SyscallReturn {
    const p = this.calls!.start(call);
    if (p.unsupported) return { ret: 0, unsupported: p.unsupported };
    const ret = p.ret;
    if (typeof ret === "number") {
      const o = outcome(ret, p.out?.(ret));
      this.runDue();
      return o;
    }
    let done: (SyscallOutcome & { atNs: number }) | undefined;
    ret.then(
      (r) => {
        done = { ...outcome(r, p.out?.(r)), atNs: this.now() };
      },
      (e) => {
        done = { ret: -1, errno: "EINTR", atNs: this.now(), unsupported: `call failed: ${String(e)}` };
      },
    );
    return { blocked: true, poll: () => done };
  }

  inject(pkt: InboundPacket): boolean {
    const id = this.ipId++;
    const skb = pkt.proto === "tcp" ? this.wire.buildTcp(pkt, id) : this.wire.buildIcmp(pkt, id);
    if (skb === 0) return false;
    this.dev!.receive(skb);
    this.runDue();
    return true;
  }

  outbound(): OutboundSegment[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  dispose(): void {
    this.endProcess?.();
    this.endProcess = null;
  }
}
