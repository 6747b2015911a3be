// Two hosts joined by a cable, driven by TestNetEnv, with helpers to listen and connect at the
// TcpConn level (below the socket layer): for stack and lossy-link tests.

import { DROP_NOT_SPECIFIED } from "../../src/generated/layout.js";
import { ipToNumber } from "../../src/net/addr.js";
import { Link, type LinkOptions } from "../../src/net/link.js";
import { NetStack } from "../../src/net/stack.js";
import type { TcpConn } from "../../src/net/tcp/conn.js";
import { TcpListener } from "../../src/net/tcp/listen.js";
import type { ListenEntry } from "../../src/net/tcp/proto.js";
import { freshCore } from "./core.js";
import { TestNetEnv } from "./netenv.js";

export const MS = 1_000_000;

export async function twoHosts(linkOpts: LinkOptions = {}, seed = 42) {
  const core = await freshCore();
  const env = new TestNetEnv(core, seed);
  const a = new NetStack(env, "a");
  const b = new NetStack(env, "b");
  const ea = a.addDevice("ether", "eth0", Uint8Array.of(2, 0, 0, 0, 0, 1), 1500);
  const eb = b.addDevice("ether", "eth0", Uint8Array.of(2, 0, 0, 0, 0, 2), 1500);
  a.addAddress("eth0", "10.0.0.1/24");
  b.addAddress("eth0", "10.0.0.2/24");
  const x = core.x;
  const link = new Link(
    {
      now: () => env.now(),
      at: (t, fn) => env.at(t, fn),
      random: () => env.random(),
      skbLen: (s) => x.skbLen(s),
      skbClone: (s) => x.skbClone(s),
      skbCopy: (s) => x.skbCopy(s),
      corrupt: (s, off) => {
        core.u8[x.skbDataPtr(s) + off] ^= 0x10;
      },
      drop: (s) => x.kfreeSkb(s, DROP_NOT_SPECIFIED),
    },
    ea.rxPort,
    eb.rxPort,
    linkOpts,
  );
  ea.txPort = link.txA;
  eb.txPort = link.txB;
  return { core, env, a, b, link };
}

export function listen(net: NetStack, port: number, backlog = 128): ListenEntry {
  const e: ListenEntry = {
    addr: 0,
    port,
    tl: undefined as unknown as TcpListener,
    acceptQ: [],
    childConfig: (daddr: number) => ({
      cfg: net.tcp.config({ advMss: net.tcp.advMssFor(daddr) }),
      sndbuf: 1 << 20,
    }),
    onChild: () => {},
  };
  e.tl = new TcpListener(
    net.tcp.listenIo(() => e),
    net.sysctl,
    backlog,
  );
  net.tcp.addListener(e);
  return e;
}

export function connect(net: NetStack, raddr: string, rport: number, lport = 40000): TcpConn {
  const daddr = ipToNumber(raddr);
  const saddr = net.sourceFor(daddr);
  const c = net.tcp.newConn(
    saddr,
    lport,
    daddr,
    rport,
    net.tcp.config({ advMss: net.tcp.advMssFor(daddr) }),
    1 << 20,
  );
  if (c === undefined) throw new Error("no memory for a connection");
  net.tcp.hash(c);
  const { iss, tsOffset } = net.tcp.isn(saddr, lport, daddr, rport);
  c.sk.connect(iss, tsOffset);
  return c;
}
