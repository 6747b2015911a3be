import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  F_GETFL,
  F_SETFL,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  O_NONBLOCK,
  SHUT_WR,
  SO_ERROR,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../src/kernel/constants.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("TCP sockets between two hosts (processes, fds, syscalls)", () => {
  it("an iterative echo server serves three clients in turn; everything is freed after TIME_WAIT", async () => {
    const { world, client, server } = await clientServer();
    const srv = server.spawn("echod", { uid: 0 }, async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 7 });
      sys.listen(s, 16);
      for (let i = 0; i < 3; i++) {
        const c = await sys.accept(s);
        const buf = new Uint8Array(100);
        for (;;) {
          const n = await sys.recv(c, buf);
          if (n === 0) break;
          await sys.send(c, buf.subarray(0, n));
        }
        await sys.close(c);
      }
      await sys.close(s);
      return 0;
    });
    const replies: string[] = [];
    const clients = [0, 1, 2].map((i) =>
      client.spawn(`client${i}`, async (sys) => {
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 7 });
        await sys.send(s, enc.encode(`hello ${i}`));
        const buf = new Uint8Array(7); // MSG_WAITALL: all 7 bytes of the echo, however they arrive
        const n = await sys.recv(s, buf, MSG_WAITALL);
        replies.push(dec.decode(buf.subarray(0, n)));
        await sys.close(s);
        return 0;
      }),
    );
    expect(await world.wait(srv, ...clients)).toEqual([0, 0, 0, 0]);
    expect(replies.sort()).toEqual(["hello 0", "hello 1", "hello 2"]);
    await world.runUntilIdle();
    expect(client.net.tcp.ehash.size + server.net.tcp.ehash.size).toBe(0);
    expect(world.kernel.nrSockets).toBe(0);
    expectNoLeaks(world.core, []);
  });

  it("moves 4 MiB between hosts intact with small and large writes and reads", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 500_000 });
    const size = 4 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
    const want = createHash("sha256").update(data).digest("hex");
    let got = "";
    const srv = server.spawn("sink", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "10.0.0.2", port: 5001 });
      sys.listen(s, 1);
      const c = await sys.accept(s);
      const h = createHash("sha256");
      const sizes = [1, 7, 100, 1500, 65536, 200_000];
      let total = 0;
      for (let i = 0; total < size; i++) {
        const buf = new Uint8Array(sizes[i % sizes.length]);
        const n = await sys.recv(c, buf);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        total += n;
      }
      got = h.digest("hex");
      expect(await sys.recv(c, new Uint8Array(10))).toBe(0); // EOF after the client's FIN
      await sys.close(c);
      await sys.close(s);
      return 0;
    });
    const cli = client.spawn("source", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 5001 });
      const chunks = [3, 1000, 70_000, 13, 300_000];
      let off = 0;
      for (let i = 0; off < size; i++) {
        const n = Math.min(chunks[i % chunks.length], size - off);
        off += await sys.send(s, data.subarray(off, off + n));
      }
      await sys.close(s);
      return 0;
    });
    expect(await world.wait(srv, cli)).toEqual([0, 0]);
    expect(got).toBe(want);
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
  });

  it("connect to a closed port: ECONNREFUSED; non-blocking connect: EINPROGRESS then SO_ERROR", async () => {
    const { world, client } = await clientServer();
    const errs: string[] = [];
    const p = client.spawn("c", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      try {
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 9 });
      } catch (e) {
        errs.push((e as { code: string }).code);
      }
      const n = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      errs.push(String(sys.raw.connect(n, { family: AF_INET, addr: "10.0.0.2", port: 9 })));
      errs.push(String(sys.raw.connect(n, { family: AF_INET, addr: "10.0.0.2", port: 9 })));
      await sys.nanosleep(50_000_000);
      errs.push(String(sys.getsockopt(n, SOL_SOCKET, SO_ERROR)));
      const u = sys.socket(AF_INET, SOCK_STREAM, 0);
      try {
        await sys.connect(u, { family: AF_INET, addr: "192.0.2.1", port: 80 });
      } catch (e) {
        errs.push((e as { code: string }).code);
      }
      return 0;
    });
    await world.wait(p);
    // -115 EINPROGRESS, then -114 EALREADY, then SO_ERROR 111 ECONNREFUSED; no route: ENETUNREACH
    expect(errs).toEqual(["ECONNREFUSED", "-115", "-114", "111", "ENETUNREACH"]);
  });

  it("non-blocking recv reports EAGAIN without throwing; poll bits follow the connection", async () => {
    const { world, client, server } = await clientServer();
    const seen: (number | string)[] = [];
    const srv = server.spawn("s", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 4);
      const c = await sys.accept(s);
      sys.fcntl(c, F_SETFL, sys.fcntl(c, F_GETFL) | O_NONBLOCK);
      seen.push(sys.raw.recv(c, new Uint8Array(10)) as number); // -11 at once
      await sys.nanosleep(10_000_000);
      const buf = new Uint8Array(10);
      seen.push(sys.raw.recv(c, buf, MSG_PEEK) as number);
      seen.push(sys.raw.recv(c, buf, MSG_DONTWAIT) as number);
      seen.push(dec.decode(buf.subarray(0, 4)));
      await sys.nanosleep(10_000_000);
      // the client shut down its side: readable (EOF) and POLLRDHUP
      seen.push(sys.raw.recv(c, buf) as number);
      await sys.close(c);
      await sys.close(s);
      return 0;
    });
    const cli = client.spawn("c", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      await sys.send(s, enc.encode("ping"));
      await sys.nanosleep(15_000_000);
      sys.shutdown(s, SHUT_WR);
      await sys.nanosleep(50_000_000);
      await sys.close(s);
      return 0;
    });
    await world.wait(srv, cli);
    expect(seen).toEqual([-11, 4, 4, "ping", 0]);
  });
});
