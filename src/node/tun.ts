// A TUN bridge: one engine host's device of kind "tun" joined to a real Linux TUN interface, so the
// Linux kernel on this machine is the engine's peer (curl, ping, ss, tcpdump see a real interface).
//
//   engine host (tun0, 10.77.0.2)                         Linux (wst0, 10.77.0.1)
//   NetDevice kind "tun" --xmit--> dgram.send -----UDP----> socat --write--> /dev/net/tun
//   NetDevice.receive <-- skb <-- 'message'   <----UDP----- socat <--read--- /dev/net/tun
//
// Node cannot open /dev/net/tun itself (TUNSETIFF is an ioctl), so socat holds the TUN file and relays
// each IP packet as one UDP datagram over loopback (IFF_TUN | IFF_NO_PI: raw IPv4, no link header,
// no packet-info prefix). socat's TUN address creates the interface; with `netns` the interface is
// then moved into that network namespace (the socat process keeps its file across the move) and
// configured there, so the Linux side of the test network exists only in that namespace.
//
// Requirements: Linux, root (CAP_NET_ADMIN to create a TUN and a namespace), /dev/net/tun, socat,
// and iproute2's `ip` for `netns`. tunRequirements() says which are missing; TunBridge.open() throws
// TunUnavailableError listing them.
//
// Time: the bridge runs the engine in real time (Kernel.startRealtime): packets arrive when Linux
// sends them, and the engine's timers are host timers.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import dgram from "node:dgram";
import { accessSync, existsSync, constants as fsConstants } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { allocSkbWith, skbBytes } from "../core/skb.js";
import { DROP_DEV_READY } from "../generated/layout.js";
import { ipToString, MAC_ZERO, parseCidr } from "../net/addr.js";
import type { NetDevice } from "../net/device.js";
import type { Host } from "../world/world.js";

const execFileP = promisify(execFile);

export interface TunBridgeOptions {
  /** The engine's address on the link, CIDR ("10.77.0.2/24"). */
  addr: string;
  /** The Linux side's address on the same link ("10.77.0.1"); the prefix is the engine's. */
  peer: string;
  /** Name of the Linux TUN interface (default "wst0"). */
  ifname?: string;
  /** Move the interface into this network namespace (created if missing, deleted on close if so). */
  netns?: string;
  /** MTU of both ends (default 1500). */
  mtu?: number;
  /** Name of the engine device (default "tun0"). */
  devName?: string;
  /** socat executable (default: found on PATH). */
  socat?: string;
  /** Milliseconds to wait for socat to bring the interface up (default 5000). */
  startTimeoutMs?: number;
}

export interface TunBridgeStats {
  /** Datagrams from socat (packets Linux sent into the TUN). */
  rxPackets: number;
  rxBytes: number;
  /** Received packets dropped for want of an skb. */
  rxNoBuffer: number;
  /** Datagrams to socat (packets the engine sent to Linux). */
  txPackets: number;
  txBytes: number;
  txErrors: number;
}

/** The bridge cannot run here; `problems` says why, one line each. */
export class TunUnavailableError extends Error {
  readonly code = "ETUNUNAVAILABLE";
  constructor(readonly problems: string[]) {
    super(
      `wirestack tun: a TUN bridge needs Linux, root, /dev/net/tun and socat:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "TunUnavailableError";
  }
}

/** Find an executable on PATH (or an absolute path that exists). */
export function which(cmd: string): string | null {
  if (cmd.includes("/")) return existsSync(cmd) ? cmd : null;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

/** What is missing for a TUN bridge on this machine (empty when it can run). */
export function tunRequirements(opts: { netns?: boolean; socat?: string } = {}): string[] {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push(`Linux is required (this is ${process.platform})`);
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    problems.push("root is required to create a TUN interface (run with sudo)");
  if (!existsSync("/dev/net/tun"))
    problems.push("/dev/net/tun is missing (load the tun module: modprobe tun)");
  else {
    try {
      accessSync("/dev/net/tun", fsConstants.R_OK | fsConstants.W_OK);
    } catch {
      problems.push("/dev/net/tun is not readable and writable by this user");
    }
  }
  if (!which(opts.socat ?? "socat")) problems.push("socat is not installed (apt-get install socat)");
  if (opts.netns && !which("ip")) problems.push("ip (iproute2) is not installed (apt-get install iproute2)");
  return problems;
}

async function ip(args: string[]): Promise<void> {
  try {
    await execFileP("ip", args);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`wirestack tun: ip ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((res, rej) => {
    s.once("error", rej);
    s.bind(0, "127.0.0.1", () => res());
  });
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An engine host joined to a Linux TUN interface through socat. */
export class TunBridge {
  readonly stats: TunBridgeStats = {
    rxPackets: 0,
    rxBytes: 0,
    rxNoBuffer: 0,
    txPackets: 0,
    txBytes: 0,
    txErrors: 0,
  };
  /** socat's stderr, for diagnostics. */
  socatLog = "";
  private closed = false;
  private createdNetns = false;

  private constructor(
    readonly host: Host,
    readonly dev: NetDevice,
    readonly ifname: string,
    readonly netns: string | undefined,
    private readonly sock: dgram.Socket,
    private readonly socat: ChildProcess,
  ) {}

  /**
   * Create the Linux interface, bridge it to a new "tun" device on `host` with the engine address,
   * and switch the host's kernel to real time. Throws TunUnavailableError when the machine cannot.
   */
  static async open(host: Host, opts: TunBridgeOptions): Promise<TunBridge> {
    const problems = tunRequirements({ netns: opts.netns !== undefined, socat: opts.socat });
    if (problems.length) throw new TunUnavailableError(problems);
    const ifname = opts.ifname ?? "wst0";
    const mtu = opts.mtu ?? 1500;
    const { prefix } = parseCidr(opts.addr);
    const peerCidr = `${opts.peer}/${prefix}`;
    if (existsSync(`/sys/class/net/${ifname}`))
      throw new Error(`wirestack tun: interface ${ifname} already exists`);

    const sock = dgram.createSocket({ type: "udp4", recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((res, rej) => {
      sock.once("error", rej);
      sock.bind(0, "127.0.0.1", () => res());
    });
    const ourPort = sock.address().port;
    const socatPort = await freeUdpPort();
    // With a namespace the interface gets its address there, after the move; else socat sets it.
    const tunAddr = opts.netns ? "TUN" : `TUN:${peerCidr}`;
    const args = [
      `${tunAddr},tun-type=tun,iff-no-pi,iff-up,tun-name=${ifname}`,
      `UDP:127.0.0.1:${ourPort},bind=127.0.0.1:${socatPort}`,
    ];
    const socat = spawn(which(opts.socat ?? "socat")!, args, { stdio: ["ignore", "ignore", "pipe"] });
    const net = host.net;
    const devName = opts.devName ?? "tun0";
    const dev = net.addDevice("tun", devName, MAC_ZERO, mtu);
    const bridge = new TunBridge(host, dev, ifname, opts.netns, sock, socat);
    socat.stderr?.setEncoding("utf8");
    socat.stderr?.on("data", (d: string) => {
      bridge.socatLog = (bridge.socatLog + d).slice(-8192);
    });
    let exited = false;
    socat.once("exit", () => {
      exited = true;
    });
    sock.connect(socatPort, "127.0.0.1");
    // Until socat is up, sends fail with ECONNREFUSED (ICMP port unreachable): counted, not fatal.
    sock.on("error", () => {
      bridge.stats.txErrors++;
    });
    sock.on("message", (msg) => bridge.deliver(msg));
    dev.txPort = { name: `${devName}->${ifname}`, receive: (skb) => bridge.transmit(skb) };

    try {
      const deadline = Date.now() + (opts.startTimeoutMs ?? 5000);
      while (!existsSync(`/sys/class/net/${ifname}`)) {
        if (exited)
          throw new Error(`wirestack tun: socat exited: ${bridge.socatLog.trim() || "(no message)"}`);
        if (Date.now() > deadline)
          throw new Error(`wirestack tun: ${ifname} did not appear within the start timeout`);
        await sleep(10);
      }
      if (opts.netns) {
        const { stdout } = await execFileP("ip", ["netns", "list"]);
        if (!stdout.split("\n").some((l) => l.split(" ")[0] === opts.netns)) {
          await ip(["netns", "add", opts.netns]);
          bridge.createdNetns = true;
        }
        await ip(["link", "set", ifname, "netns", opts.netns]);
        await ip(["-n", opts.netns, "link", "set", "lo", "up"]);
        await ip(["-n", opts.netns, "addr", "add", peerCidr, "dev", ifname]);
        await ip(["-n", opts.netns, "link", "set", ifname, "mtu", String(mtu), "up"]);
      } else if (mtu !== 1500) {
        await ip(["link", "set", ifname, "mtu", String(mtu)]);
      }
    } catch (e) {
      await bridge.close();
      throw e;
    }
    net.addAddress(devName, opts.addr);
    host.world.kernel.startRealtime();
    return bridge;
  }

  /** The Linux side's address (the peer). */
  get peerAddress(): string {
    const a = this.host.net.addrs.find((x) => x.dev === this.dev);
    return a ? ipToString(a.addr) : "";
  }

  /** A datagram from socat: one IP packet Linux sent into the TUN (Linux tun_get_user -> netif_rx). */
  private deliver(msg: Buffer): void {
    if (this.closed) return;
    this.stats.rxPackets++;
    this.stats.rxBytes += msg.length;
    const skb = allocSkbWith(this.host.net.core, msg);
    if (skb === 0) {
      this.stats.rxNoBuffer++;
      this.dev.stats.rx_dropped++;
      return;
    }
    this.dev.rxPort.receive(skb);
  }

  /** The engine transmits on the tun device: the IP packet goes to socat (Linux tun_net_xmit). */
  private transmit(skb: number): void {
    const core = this.host.net.core;
    if (this.closed) {
      core.x.kfreeSkb(skb, DROP_DEV_READY);
      return;
    }
    const pkt = Buffer.from(skbBytes(core, skb)); // copied: the send completes after the skb is freed
    core.x.consumeSkb(skb);
    this.stats.txPackets++;
    this.stats.txBytes += pkt.length;
    this.sock.send(pkt);
  }

  /** Stop socat (the interface disappears with it), close the socket, remove a namespace we made. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dev.up = false;
    if (this.socat.exitCode === null && this.socat.signalCode === null) {
      const gone = new Promise<void>((r) => this.socat.once("exit", () => r()));
      this.socat.kill("SIGTERM");
      await Promise.race([gone, sleep(2000)]);
      if (this.socat.exitCode === null && this.socat.signalCode === null) this.socat.kill("SIGKILL");
    }
    await new Promise<void>((r) => this.sock.close(() => r()));
    if (this.createdNetns && this.netns) await ip(["netns", "del", this.netns]).catch(() => {});
  }
}
