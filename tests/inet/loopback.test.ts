import { describe, expect, it } from "vitest";
import { AF_INET, SOCK_STREAM, SOL_TCP, TCP_MAXSEG } from "../../src/kernel/constants.js";
import type { AddrOut } from "../../src/kernel/socket.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { newWorld } from "../helpers/world.js";

describe("TCP over loopback on one host", () => {
  it("connects to 127.0.0.1 with an ephemeral port in 32768-60999, MSS from lo's MTU, names as Linux", async () => {
    const world = await newWorld(7);
    const h = world.addHost("box");
    const seen: Record<string, unknown> = {};
    const srv = h.spawn("srv", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "127.0.0.1", port: 8080 });
      sys.listen(s, 8);
      const from: AddrOut = {};
      const c = await sys.accept(s, from);
      seen.peer = from.addr;
      seen.mss = sys.getsockopt(c, SOL_TCP, TCP_MAXSEG);
      const b = new Uint8Array(100_000);
      let total = 0;
      for (;;) {
        const n = await sys.recv(c, b);
        if (n === 0) break;
        total += n;
      }
      seen.total = total;
      await sys.close(c);
      await sys.close(s);
      return 0;
    });
    const cli = h.spawn("cli", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "127.0.0.1", port: 8080 });
      seen.local = sys.getsockname(s);
      seen.remote = sys.getpeername(s);
      await sys.send(s, new Uint8Array(300_000));
      await sys.close(s);
      return 0;
    });
    await world.wait(srv, cli);
    const local = seen.local as { addr: string; port: number };
    expect(local.addr).toBe("127.0.0.1");
    expect(local.port).toBeGreaterThanOrEqual(32768);
    expect(local.port).toBeLessThanOrEqual(60999);
    expect(seen.remote).toEqual({ family: AF_INET, addr: "127.0.0.1", port: 8080 });
    expect(seen.peer).toEqual(local);
    // lo's MTU is 65536 (advmss 65483), but Linux bounds the send MSS to half the peer's largest
    // window (tcp_bound_to_half_wnd): the first windows are 64 KiB, so ss shows mss:32768 on lo.
    expect(seen.mss).toBe(32768);
    expect(seen.total).toBe(300_000);
    expect(h.net.lo.stats.rx_packets).toBeGreaterThan(0);
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
  });
});
