// `wirestack tun`: an engine host on a TUN bridge to the Linux kernel of this machine, serving HTTP
// (Node's http over engine sockets) and TCP/UDP echo until SIGINT/SIGTERM; then the socket list and
// the SNMP counters. Needs Linux, root, /dev/net/tun and socat (see src/node/tun.ts).
import { createServer, type Server } from "node:http";
import type { Command } from "commander";
import { serveHttp } from "../node/http.js";
import { EngineNet, type EngineServer } from "../node/net-adapter.js";
import { httpApp, tcpEcho, type UdpEcho, udpEcho } from "../node/services.js";
import { TunBridge, TunUnavailableError } from "../node/tun.js";
import { loadCore } from "../node.js";
import { World } from "../world/world.js";
import { formatSnmp, formatSockets } from "./tun-report.js";

export interface TunCommandOptions {
  addr: string;
  peer: string;
  http?: number;
  echo?: number;
  ifname?: string;
  netns?: string;
  mtu?: number;
  seed?: number;
}

/** A running `wirestack tun`: stop() prints the report (through `write`) and tears everything down. */
export interface TunSession {
  world: World;
  bridge: TunBridge;
  net: EngineNet;
  stop(): Promise<void>;
}

export async function startTun(opts: TunCommandOptions, write: (line: string) => void): Promise<TunSession> {
  const world = new World(await loadCore(), { seed: opts.seed ?? 1 });
  const host = world.addHost("engine");
  const bridge = await TunBridge.open(host, {
    addr: opts.addr,
    peer: opts.peer,
    ifname: opts.ifname,
    netns: opts.netns,
    mtu: opts.mtu,
  });
  const net = await EngineNet.start(host);
  const addr = opts.addr.split("/")[0];
  const servers: EngineServer[] = [];
  let http: Server | undefined;
  let udp: UdpEcho | undefined;
  try {
    if (opts.http !== undefined) {
      http = createServer(httpApp());
      servers.push(await serveHttp(net, http, { port: opts.http }));
    }
    if (opts.echo !== undefined) {
      servers.push(await tcpEcho(net, opts.echo));
      udp = udpEcho(net, opts.echo);
    }
  } catch (e) {
    await net.close();
    await bridge.close();
    throw e;
  }
  const where = opts.netns ? ` in netns ${opts.netns}` : "";
  write(
    `wirestack: engine ${opts.addr} on ${bridge.dev.name} <-> Linux ${bridge.ifname} ${opts.peer}${where}`,
  );
  if (opts.http !== undefined) write(`  http://${addr}:${opts.http}/  (and /bytes/N)`);
  if (opts.echo !== undefined) write(`  echo tcp/udp ${addr}:${opts.echo}`);
  write("  Ctrl-C to stop");
  let stopped = false;
  return {
    world,
    bridge,
    net,
    async stop() {
      if (stopped) return;
      stopped = true;
      write("");
      write(formatSockets(host.net));
      write("");
      write(formatSnmp(host.net));
      const s = bridge.stats;
      write(
        `tun: rx ${s.rxPackets} packets ${s.rxBytes} bytes, tx ${s.txPackets} packets ${s.txBytes} bytes`,
      );
      udp?.close();
      for (const srv of servers) srv.close();
      http?.closeAllConnections();
      await net.close();
      world.kernel.stopRealtime();
      await bridge.close();
    },
  };
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port or number: ${v}`);
  return n;
};

export function registerTun(program: Command): void {
  program
    .command("tun")
    .description("serve HTTP and echo to Linux over a TUN")
    .requiredOption("--addr <cidr>", "the engine's address, e.g. 10.77.0.2/24")
    .requiredOption("--peer <ip>", "the Linux side's address, e.g. 10.77.0.1")
    .option("--http <port>", "serve HTTP on this port (index page and /bytes/N)", int)
    .option("--echo <port>", "TCP and UDP echo on this port", int)
    .option("--ifname <name>", "Linux TUN interface name", "wst0")
    .option("--netns <name>", "move the TUN interface into this network namespace")
    .option("--mtu <bytes>", "MTU of the link", int)
    .option("--seed <n>", "engine random seed", int)
    .action(async (o: TunCommandOptions) => {
      let session: TunSession;
      try {
        session = await startTun(o, (l) => console.log(l));
      } catch (e) {
        if (e instanceof TunUnavailableError) {
          console.error(e.message);
          process.exit(2);
        }
        throw e;
      }
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          resolve();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      });
      await session.stop();
      process.exit(0);
    });
}
