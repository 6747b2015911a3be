// The RX fast path seen from whole hosts: header prediction takes the in-order data of a bulk
// transfer, the wire is byte-for-byte and nanosecond-for-nanosecond the same with prediction on,
// off, or with frame-by-frame NAPI polling, and epoll learns of predicted data from the core.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  EPOLL_CTL_ADD,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLIN,
  SOCK_STREAM,
} from "../../src/kernel/constants.js";
import type { EpollEvent } from "../../src/kernel/eventpoll.js";
import type { Sys } from "../../src/kernel/syscalls.js";
import { capture } from "../../src/tools/capture.js";
import type { World } from "../../src/world/world.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let v = seed;
  for (let i = 0; i < n; i++) {
    v = (Math.imul(v, 1103515245) + 12345) >>> 0;
    b[i] = v >>> 24;
  }
  return b;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function recvAll(sys: Sys, fd: number, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await sys.recv(fd, out.subarray(got));
    if (r === 0) break;
    got += r;
  }
  return out.subarray(0, got);
}

/** Requests and responses of several sizes, then a bulk upload; returns what the server saw. */
async function exchange(world: World): Promise<{ upload: string; replies: number }> {
  const seen = { upload: "", replies: 0 };
  const srv = world.host("server").spawn("srv", async (sys) => {
    const l = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
    sys.listen(l, 4);
    const c = await sys.accept(l);
    for (const size of [100, 3000, 20_000]) {
      const req = await recvAll(sys, c, size);
      await sys.send(c, pattern(size * 2, req[0]));
    }
    seen.upload = sha(await recvAll(sys, c, 400_000));
    await sys.close(c);
    await sys.close(l);
  });
  const cli = world.host("client").spawn("cli", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    for (const size of [100, 3000, 20_000]) {
      await sys.send(s, pattern(size, size));
      if ((await recvAll(sys, s, size * 2)).length === size * 2) seen.replies++;
    }
    await sys.send(s, pattern(400_000, 7));
    await sys.close(s);
  });
  await world.wait(srv, cli);
  await world.runUntilIdle();
  return seen;
}

type Mode = "per-frame" | "batch, no prediction" | "batch with prediction";

async function run(mode: Mode, faults: boolean) {
  const { world, client, server } = await clientServer(
    faults
      ? {
          latencyNs: 100_000,
          bandwidth: 1e9,
          faults: { loss: 0.02, reorder: 0.02, reorderDelayNs: 150_000, duplicate: 0.01, jitterNs: 10_000 },
        }
      : { latencyNs: 100_000, bandwidth: 1e9 },
    3,
  );
  for (const h of [client, server]) {
    if (mode === "per-frame") for (const d of h.net.devices) d.onBatch = undefined;
    if (mode === "batch, no prediction") h.net.rxPredict = false;
  }
  const capS = capture(world, server, "eth0");
  const capC = capture(world, client, "eth0");
  const seen = await exchange(world);
  capS.stop();
  capC.stop();
  const wire = (c: typeof capS) =>
    c.frames.map((f) => `${f.tsNs} ${f.dir} ${Buffer.from(f.data).toString("hex")}`);
  return {
    seen,
    server: wire(capS),
    client: wire(capC),
    hits: server.net.snmp.get("TcpExt", "TCPHPHits") + client.net.snmp.get("TcpExt", "TCPHPHits"),
    serverHits: server.net.snmp.get("TcpExt", "TCPHPHits"),
    serverInSegs: server.net.snmp.get("Tcp", "InSegs"),
    world,
  };
}

describe("the RX fast path on whole hosts", () => {
  it("predicts most data segments of a bulk upload; the bytes arrive intact; TCPHPHits counts them", async () => {
    const r = await run("batch with prediction", false);
    expect(r.seen).toEqual({ upload: sha(pattern(400_000, 7)), replies: 3 });
    // 400 kB in 1448-byte segments is ~277 segments; the handshake, ACK-advancing data, FIN are not predicted
    expect(r.serverHits).toBeGreaterThan(250);
    expect(r.serverHits).toBeLessThan(r.serverInSegs);
    expectNoLeaks(r.world.core, []);
  });

  for (const faults of [false, true]) {
    it(`changes nothing on the wire${faults ? " of a lossy, reordering link" : ""}: per-frame, batch and predicted runs send the same frames at the same times`, async () => {
      const a = await run("per-frame", faults);
      const b = await run("batch, no prediction", faults);
      const c = await run("batch with prediction", faults);
      expect(a.hits).toBe(0);
      expect(b.hits).toBe(0);
      expect(c.hits).toBeGreaterThan(100);
      for (const r of [a, b, c]) expect(r.seen).toEqual({ upload: sha(pattern(400_000, 7)), replies: 3 });
      expect(b.server).toEqual(a.server);
      expect(b.client).toEqual(a.client);
      expect(c.server).toEqual(a.server);
      expect(c.client).toEqual(a.client);
      for (const r of [a, b, c]) expectNoLeaks(r.world.core, []);
    });
  }
});

describe("epoll over predicted data", () => {
  async function epollServer(events: number, registerBeforeConnect: boolean) {
    const { world, server, client } = await clientServer({ latencyNs: 50_000 });
    const log: { wakes: number; bytes: number } = { wakes: 0, bytes: 0 };
    const TOTAL = 200_000;
    const srv = server.spawn("srv", async (sys) => {
      const ep = sys.epoll_create1(0);
      let c: number;
      if (registerBeforeConnect) {
        // an active opener registered before connect(): the connection's cell gets the watcher
        c = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.epoll_ctl(ep, EPOLL_CTL_ADD, c, { events, data: c });
        await sys.connect(c, { family: AF_INET, addr: "10.0.0.1", port: 81 });
      } else {
        const l = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
        sys.listen(l, 4);
        c = await sys.accept(l);
        await sys.close(l);
        sys.epoll_ctl(ep, EPOLL_CTL_ADD, c, { events, data: c });
      }
      const out: EpollEvent[] = [];
      const buf = new Uint8Array(1 << 16);
      while (log.bytes < TOTAL) {
        const n = await sys.epoll_wait(ep, out, 8, -1);
        expect(n).toBe(1);
        expect(out[0].events & EPOLLIN).toBe(EPOLLIN);
        log.wakes++;
        for (;;) {
          const r = sys.raw.recv(c, buf, 0x40 /* MSG_DONTWAIT */) as number;
          if (r <= 0) break;
          log.bytes += r;
        }
      }
      await sys.close(c);
      await sys.close(ep);
    });
    const cli = client.spawn("cli", async (sys: Sys) => {
      let s: number;
      if (registerBeforeConnect) {
        const l = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 81 });
        sys.listen(l, 1);
        s = await sys.accept(l);
        await sys.close(l);
      } else {
        s = sys.socket(AF_INET, SOCK_STREAM, 0);
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      }
      await sys.send(s, pattern(TOTAL, 1));
      await sys.close(s);
    });
    await world.wait(srv, cli);
    await world.runUntilIdle();
    return { log, hits: server.net.snmp.get("TcpExt", "TCPHPHits"), world };
  }

  for (const [name, events, before] of [
    ["level-triggered", EPOLLIN, false],
    ["edge-triggered", EPOLLIN | EPOLLET, false],
    ["EPOLLEXCLUSIVE (woken by the host, not the core)", EPOLLIN | EPOLLEXCLUSIVE, false],
    ["registered before connect()", EPOLLIN, true],
  ] as const) {
    it(`${name}: epoll_wait returns for data the core queued, and every cell is freed`, async () => {
      const r = await epollServer(events, before);
      expect(r.log.bytes).toBe(200_000);
      expect(r.hits).toBeGreaterThan(50);
      expect(r.log.wakes).toBeGreaterThan(1);
      expectNoLeaks(r.world.core, []);
    });
  }
});
