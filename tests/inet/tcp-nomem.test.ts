// When the core has no memory for a TCP socket's cell (TSK), nothing throws: connect() fails with
// ENOBUFS (Linux: sk_alloc / tcp_connect failing) and a completed handshake is a ListenDrop (Linux
// tcp_v4_syn_recv_sock failing). The core's allocator is made to fail through a wrapped export.
import { describe, expect, it } from "vitest";
import type { Core } from "../../src/core/wasm.js";
import { AF_INET, ENOBUFS, SOCK_STREAM } from "../../src/kernel/index.js";
import { clientServer } from "../helpers/world.js";

/** Make x.tskCreate fail while `failing.on` is set. */
function failTskCreate(core: Core): { on: boolean } {
  const failing = { on: false };
  const real = core.x;
  // the exports object is frozen: a copy of it, with one export wrapped
  const shim = {
    ...real,
    tskCreate: (id: number, rcvbuf: number) => (failing.on ? 0 : real.tskCreate(id, rcvbuf)),
  };
  Object.defineProperty(core, "x", { value: shim });
  return failing;
}

describe("no memory for a TCP socket's core cell", () => {
  it("connect() gets ENOBUFS and nothing is left bound to the peer", async () => {
    const { world, client } = await clientServer();
    const failing = failTskCreate(world.core);
    const seen: number[] = [];
    const p = client.spawn("cli", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      failing.on = true;
      seen.push(sys.raw.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 }) as number);
      failing.on = false;
      seen.push(sys.raw.getpeername(s, {}) as number);
      await sys.close(s);
    });
    expect(await world.wait(p)).toEqual([0]);
    expect(seen).toEqual([-ENOBUFS, -107 /* ENOTCONN */]);
  });

  it("a handshake the server cannot complete is counted as ListenDrops, and the server keeps serving", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 100_000 });
    const failing = failTskCreate(world.core);
    const srv = server.spawn("srv", async (sys) => {
      const l = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(l, 4);
      const c = await sys.accept(l);
      await sys.close(c);
      await sys.close(l);
    });
    const cli = client.spawn("cli", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      const c = sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      failing.on = true; // the client's cell exists already; the server's child will not get one
      await sys.nanosleep(50_000_000);
      failing.on = false;
      await c.catch(() => undefined);
      await sys.close(s);
      const t = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(t, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      await sys.close(t);
    });
    expect(await world.wait(srv, cli)).toEqual([0, 0]);
    expect(server.net.snmp.get("TcpExt", "ListenDrops")).toBeGreaterThanOrEqual(1);
    await world.runUntilIdle();
  });
});
