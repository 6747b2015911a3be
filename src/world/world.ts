// A World: one kernel (virtual clock, processes, files), one core (linear memory shared by every
// host's skbs), and hosts — network namespaces with their own devices, addresses, routes and
// sockets — joined by cables or switches. Processes run on a host; their AF_INET sockets live in
// that host's stack.
import type { Core } from "../core/wasm.js";
import { DROP_NOT_SPECIFIED } from "../generated/layout.js";
import { epollReadyFromCore } from "../kernel/eventpoll.js";
import { Kernel, type KernelOptions } from "../kernel/kernel.js";
import type { Process, ProcessMain, SpawnOptions } from "../kernel/process.js";
import type { Mac } from "../net/addr.js";
import { createInetFamily } from "../net/inet/af_inet.js";
import { Link, type LinkEnv, type LinkOptions, Switch } from "../net/link.js";
import { type NetEnv, NetStack } from "../net/stack.js";

export interface WorldOptions extends KernelOptions {}

/** A host: a name, a network stack, and its processes. */
export class Host {
  constructor(
    readonly world: World,
    readonly name: string,
    readonly net: NetStack,
  ) {}

  /** Start a process on this host (its sockets use this host's stack). */
  spawn(name: string, opts: SpawnOptions, main: ProcessMain): Process;
  spawn(name: string, main: ProcessMain): Process;
  spawn(name: string, a: SpawnOptions | ProcessMain, b?: ProcessMain): Process {
    const p =
      typeof a === "function" ? this.world.kernel.spawn(name, a) : this.world.kernel.spawn(name, a, b!);
    p.netns = this; // before its first syscall: spawn starts the program on a later microtask
    return p;
  }

  /** Processes of this host that have not been reaped. */
  processes(): Process[] {
    return this.world.kernel.processes().filter((p) => this.world.hostOf(p) === this);
  }
}

export class World {
  readonly kernel: Kernel;
  readonly hosts = new Map<string, Host>();
  readonly links: Link[] = [];
  private macSeq = 0;
  readonly env: NetEnv;
  readonly linkEnv: LinkEnv;

  constructor(
    readonly core: Core,
    opts: WorldOptions = {},
  ) {
    const kernel = new Kernel({ ...opts, core });
    this.kernel = kernel;
    this.env = {
      core,
      now: () => kernel.now(),
      at: (ns, fn) => {
        kernel.schedule(ns, fn);
      },
      timer: (fn) => kernel.timer(() => fn()),
      random: () => kernel.rng.float(),
      rand32: () => kernel.rng.next32(),
      epollReady: (h) => epollReadyFromCore(kernel, h),
    };
    const x = core.x;
    this.linkEnv = {
      now: () => kernel.now(),
      at: (ns, fn) => {
        kernel.schedule(ns, fn);
      },
      random: () => kernel.rng.float(),
      skbLen: (s) => x.skbLen(s),
      skbClone: (s) => x.skbClone(s),
      skbCopy: (s) => x.skbCopy(s),
      corrupt: (s, off) => {
        core.u8[x.skbDataPtr(s) + off] ^= 1 << kernel.rng.int(0, 7);
      },
      drop: (s) => {
        x.kfreeSkb(s, DROP_NOT_SPECIFIED);
      },
    };
    kernel.registerFamily(createInetFamily(kernel, (task) => (task ? this.hostOf(task)?.net : undefined)));
  }

  /** The host a process runs on (its network namespace; fork copies it, as Linux's nsproxy). */
  hostOf(p: Process): Host | undefined {
    return p.netns instanceof Host ? p.netns : undefined;
  }

  /** A new host with only a loopback device (lo, 127.0.0.1/8). */
  addHost(name: string): Host {
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    const h = new Host(this, name, new NetStack(this.env, name));
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** A locally administered unicast MAC, unique in this world (02:00:00:00:xx:xx). */
  nextMac(): Mac {
    const n = ++this.macSeq;
    return Uint8Array.of(0x02, 0, 0, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  }

  /**
   * Join two hosts with a cable: a new Ethernet device on each ("eth0", "eth1", ...), the given
   * addresses (CIDR) on them, and the link's latency, bandwidth, MTU and faults.
   */
  cable(a: Host, addrA: string, b: Host, addrB: string, opts: LinkOptions = {}): Link {
    const mtu = opts.mtu ?? 1500;
    const da = a.net.addDevice("ether", this.nextDevName(a), this.nextMac(), mtu);
    const db = b.net.addDevice("ether", this.nextDevName(b), this.nextMac(), mtu);
    a.net.addAddress(da.name, addrA);
    b.net.addAddress(db.name, addrB);
    const link = new Link(this.linkEnv, da.rxPort, db.rxPort, opts);
    da.txPort = link.txA;
    db.txPort = link.txB;
    this.links.push(link);
    return link;
  }

  /** A learning switch joining many hosts; each gets a device with the address given for it. */
  lan(members: [Host, string][], opts: LinkOptions = {}): Switch {
    const x = this.core.x;
    const u8 = () => this.core.u8;
    const hex = (p: number) =>
      Array.from(u8().subarray(p, p + 6), (v) => v.toString(16).padStart(2, "0")).join(":");
    const sw = new Switch(
      this.linkEnv,
      (skb) => ({ dst: hex(x.skbDataPtr(skb)), src: hex(x.skbDataPtr(skb) + 6) }),
      opts,
    );
    for (const [h, addr] of members) {
      const d = h.net.addDevice("ether", this.nextDevName(h), this.nextMac(), opts.mtu ?? 1500);
      h.net.addAddress(d.name, addr);
      d.txPort = sw.attach(d.rxPort);
    }
    return sw;
  }

  private nextDevName(h: Host): string {
    return `eth${h.net.devices.filter((d) => d.kind === "ether").length}`;
  }

  /** Run the simulation until nothing is left to do (or `maxNs` of virtual time). */
  runUntilIdle(opts: { maxNs?: number } = {}): Promise<void> {
    return this.kernel.runUntilIdle(opts);
  }

  /** Run until every given process has exited; returns their exit codes. */
  async wait(...procs: Process[]): Promise<number[]> {
    return (await this.kernel.runUntil(Promise.all(procs.map((p) => p.exited)))) ?? [];
  }
}
