// Martians off a wire (Linux ip_route_input_slow, route_localnet = 0): a frame on eth0 that claims
// to come from 127.0.0.1 and to go to 127.0.0.1 is dropped (IP_LOCALNET), even when it is exactly the
// next in-order segment of a live loopback connection - the same bytes through lo are delivered.
// Both receive paths check it: the core's rxBatch and the host's frame-by-frame path.
import { describe, expect, it } from "vitest";
import { AF_INET, SOCK_STREAM } from "../../src/kernel/constants.js";
import type { TcpConn } from "../../src/net/tcp/conn.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { flow, segment } from "../helpers/rx.js";
import { clientServer } from "../helpers/world.js";

const LOCALHOST = 0x7f00_0001;

async function loopbackPair() {
  const env = await clientServer();
  const { world, server } = env;
  const done = { close: false };
  const srv = server.spawn("srv", async (sys) => {
    const l = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(l, { family: AF_INET, addr: "127.0.0.1", port: 7000 });
    sys.listen(l, 1);
    const c = await sys.accept(l);
    while (!done.close) await sys.nanosleep(1_000_000);
    await sys.close(c);
    await sys.close(l);
  });
  const cli = server.spawn("cli", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "127.0.0.1", port: 7000 });
    while (!done.close) await sys.nanosleep(1_000_000);
    await sys.close(s);
  });
  await world.kernel.advance(10_000_000);
  const conn = [...server.net.tcp.ehash.values()].find((c) => c.lport === 7000) as TcpConn;
  const finish = async () => {
    done.close = true;
    await world.wait(srv, cli);
  };
  return { ...env, conn, finish };
}

/** The next in-order segment of `conn` (from its peer), as raw Ethernet bytes. */
function nextSegment(conn: TcpConn, dstMac: number): Uint8Array {
  const sk = conn.sk;
  return segment(flow(conn.rport, conn.lport, LOCALHOST, LOCALHOST), {
    seq: sk.rcvNxt,
    ack: sk.sndUna,
    window: sk.sndWnd >>> sk.sndWscale,
    payload: 10,
    ts: sk.tsOk ? { val: sk.tsRecent + 1, ecr: 0 } : undefined,
    dstMac,
  });
}

function macNumber(mac: Uint8Array): number {
  return mac.reduce((n, b) => n * 256 + b, 0);
}

describe("martians off a wire", () => {
  for (const path of ["the core's batch", "frame by frame"] as const) {
    it(`a 127.0.0.1 -> 127.0.0.1 segment on eth0 is dropped as IP_LOCALNET (${path}); through lo it is data`, async () => {
      const { world, server, conn, finish } = await loopbackPair();
      const eth0 = server.net.device("eth0");
      if (path === "frame by frame") for (const d of server.net.devices) d.onBatch = undefined;
      const x = world.core.x;
      const inject = (dev: typeof eth0, bytes: Uint8Array) => {
        const skb = x.allocSkb(2048);
        world.core.u8.set(bytes, x.skbPut(skb, bytes.length));
        dev.receive(skb);
      };
      const before = world.core.drops().IP_LOCALNET ?? 0;
      inject(eth0, nextSegment(conn, macNumber(eth0.mac)));
      await world.kernel.advance(1_000_000);
      expect(conn.rcvBytes).toBe(0);
      expect(world.core.drops().IP_LOCALNET ?? 0).toBe(before + 1);
      // the very same segment through lo is the connection's next data
      inject(server.net.lo, nextSegment(conn, 0));
      await world.kernel.advance(1_000_000);
      expect(conn.rcvBytes).toBe(10);
      await finish();
      await world.runUntilIdle();
      expectNoLeaks(world.core, []);
    });
  }
});
