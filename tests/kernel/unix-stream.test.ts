import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type AddrOut,
  AF_UNIX,
  EAGAIN,
  ECONNRESET,
  EPIPE,
  F_SETFL,
  FIONREAD,
  Kernel,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_PEEK,
  MSG_WAITALL,
  NSEC_PER_MSEC,
  O_NONBLOCK,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDHUP,
  type Process,
  SHUT_RD,
  SHUT_WR,
  SIGPIPE,
  SIGTERM,
  SIOCOUTQ,
  SO_ERROR,
  SO_RCVTIMEO,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  type SockAddr,
  type Sys,
  SyscallError,
} from "../../src/kernel/index.js";
import { bytes, expectNoLeaks, patternBytes, runAll, text } from "../helpers/kernel.js";

const MS = NSEC_PER_MSEC;
const un = (path: string): SockAddr => ({ family: AF_UNIX, path });

/** Readiness of a process's descriptor, as poll() would compute it. */
function readiness(p: Process, fd: number, events = POLLIN | POLLOUT): number {
  const f = p.fds().find((x) => x.fd === fd)!.file;
  return f.ops.poll(f, events);
}

function listenOn(sys: Sys, path: string, backlog = 16): number {
  const fd = sys.socket(AF_UNIX, SOCK_STREAM);
  sys.bind(fd, un(path));
  sys.listen(fd, backlog);
  return fd;
}

async function connectTo(sys: Sys, path: string): Promise<number> {
  const fd = sys.socket(AF_UNIX, SOCK_STREAM);
  await sys.connect(fd, un(path));
  return fd;
}

async function readAll(sys: Sys, fd: number, chunk = 4096): Promise<string> {
  let out = "";
  const buf = new Uint8Array(chunk);
  for (;;) {
    const n = await sys.recv(fd, buf);
    if (n === 0) return out;
    out += text(buf.subarray(0, n));
  }
}

describe("AF_UNIX stream: servers and clients", () => {
  it("an iterative echo server serves several clients one after another", async () => {
    const k = new Kernel();
    const order: string[] = [];
    const server = k.spawn("echod", async (sys) => {
      const l = listenOn(sys, "/run/echo.sock");
      for (let i = 0; i < 4; i++) {
        const from: AddrOut = {};
        const c = await sys.accept(l, from);
        expect(from.addr).toEqual({ family: AF_UNIX, path: "" }); // clients are unbound
        expect(sys.getsockname(c)).toEqual(un("/run/echo.sock"));
        const buf = new Uint8Array(64);
        for (;;) {
          const n = await sys.recv(c, buf);
          if (n === 0) break;
          order.push(text(buf.subarray(0, n)));
          await sys.send(c, buf.subarray(0, n));
        }
        await sys.close(c);
      }
      await sys.close(l);
    });
    const clients = [0, 1, 2, 3].map((i) =>
      k.spawn(`client${i}`, async (sys) => {
        await sys.nanosleep(i * MS);
        const fd = await connectTo(sys, "/run/echo.sock");
        expect(sys.getpeername(fd)).toEqual(un("/run/echo.sock"));
        const buf = new Uint8Array(64);
        let got = "";
        for (const word of [`c${i}-a`, `c${i}-b`]) {
          await sys.send(fd, bytes(word));
          const n = await sys.recv(fd, buf);
          got += text(buf.subarray(0, n));
        }
        expect(got).toBe(`c${i}-ac${i}-b`);
        await sys.close(fd);
      }),
    );
    await runAll(k, server, ...clients);
    expect(order).toEqual(["c0-a", "c0-b", "c1-a", "c1-b", "c2-a", "c2-b", "c3-a", "c3-b"]);
    expectNoLeaks(k);
  });

  it("a listener shared after fork: both processes accept, each connection exactly once", async () => {
    const k = new Kernel();
    const served: Record<string, number[]> = { parent: [], child: [] };
    const serve = async (sys: Sys, who: string, l: number) => {
      for (;;) {
        const c = await sys.accept(l);
        const buf = new Uint8Array(8);
        const n = await sys.recv(c, buf);
        const id = Number(text(buf.subarray(0, n)));
        if (id < 0) return;
        served[who].push(id);
        await sys.send(c, bytes(who));
        await sys.nanosleep(3 * MS); // "work", so the other acceptor gets the next one
        await sys.close(c);
      }
    };
    const parent = k.spawn("prefork", async (sys) => {
      const l = listenOn(sys, "/run/pre.sock");
      const child = sys.fork((csys) => serve(csys, "child", l));
      await serve(sys, "parent", l);
      await sys.waitpid(child);
      await sys.close(l);
    });
    const client = k.spawn("client", async (sys) => {
      await sys.nanosleep(MS);
      for (let i = 0; i < 10; i++) {
        const fd = await connectTo(sys, "/run/pre.sock");
        await sys.send(fd, bytes(String(i)));
        expect(["parent", "child"]).toContain(await readAll(sys, fd));
        await sys.close(fd);
        await sys.nanosleep(MS);
      }
      for (let i = 0; i < 2; i++) {
        const fd = await connectTo(sys, "/run/pre.sock");
        await sys.send(fd, bytes("-1"));
        await sys.close(fd);
      }
    });
    await runAll(k, parent, client);
    const all = [...served.parent, ...served.child].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(served.parent.length).toBeGreaterThan(0);
    expect(served.child.length).toBeGreaterThan(0);
    expectNoLeaks(k);
  });

  it("listen backlog: a full accept queue makes connect block (or EAGAIN) until accept makes room", async () => {
    const k = new Kernel();
    let connectedAt = -1;
    const server = k.spawn("server", async (sys) => {
      const l = listenOn(sys, "/run/bl", 1); // Linux queues backlog + 1
      await sys.nanosleep(50 * MS);
      for (let i = 0; i < 3; i++) await sys.close(await sys.accept(l));
      await sys.close(l);
    });
    const client = k.spawn("client", async (sys) => {
      await sys.nanosleep(MS);
      const a = await connectTo(sys, "/run/bl");
      const b = await connectTo(sys, "/run/bl");
      const nb = sys.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      expect(await sys.raw.connect(nb, un("/run/bl"))).toBe(-EAGAIN);
      expect(sys.clock_gettime(1)).toBe(MS);
      // Listener, two queued embryos and their two connectors:
      expect(k.unix.socks().filter((u) => u.state === 1 /* TCP_ESTABLISHED */)).toHaveLength(4);
      expect(k.unix.socks().filter((u) => u.socket === null)).toHaveLength(2); // embryos: no struct socket yet
      const c = await connectTo(sys, "/run/bl"); // sleeps in unix_wait_for_peer
      connectedAt = sys.clock_gettime(1);
      for (const fd of [a, b, c, nb]) await sys.close(fd);
    });
    await k.advance(10 * MS);
    expect(client.state).toBe("S");
    expect(client.wchan).toBe("unix_wait_for_peer");
    await runAll(k, server, client);
    expect(connectedAt).toBe(50 * MS);
    expectNoLeaks(k);
  });

  it("closing a listener resets the connections it never accepted", async () => {
    const k = new Kernel();
    const server = k.spawn("server", async (sys) => {
      const l = listenOn(sys, "/run/x");
      await sys.nanosleep(10 * MS);
      await sys.close(l);
    });
    const client = k.spawn("client", async (sys) => {
      const fd = await connectTo(sys, "/run/x");
      await sys.send(fd, bytes("never read"));
      const buf = new Uint8Array(8);
      await expect(sys.recv(fd, buf)).rejects.toMatchObject({ code: "ECONNRESET", errno: ECONNRESET });
      expect(await sys.recv(fd, buf)).toBe(0);
      await sys.close(fd);
    });
    await runAll(k, server, client);
    expectNoLeaks(k);
  });
});

describe("AF_UNIX stream: blocking and non-blocking I/O", () => {
  it("the raw form returns numbers synchronously and a Promise only when it must sleep", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const buf = new Uint8Array(16);
      const r1 = sys.raw.recv(a, buf, MSG_DONTWAIT);
      expect(r1).toBe(-EAGAIN); // a plain number: no exception, no Promise
      sys.fcntl(b, F_SETFL, O_NONBLOCK);
      expect(sys.raw.recv(b, buf)).toBe(-EAGAIN);
      expect(sys.raw.send(b, bytes("hi"))).toBe(2);
      expect(sys.raw.recv(a, buf)).toBe(2); // data there: synchronous even on a blocking socket
      const pending = sys.raw.recv(a, buf);
      expect(pending).toBeInstanceOf(Promise);
      expect(p.state).toBe("S");
      expect(p.wchan).toBe("unix_stream_data_wait");
      sys.raw.send(b, bytes("late")); // wakes the sleeping recv
      expect(await pending).toBe(4);
      try {
        await sys.recv(b, buf);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SyscallError);
        expect(e).toMatchObject({ code: "EAGAIN", errno: 11, syscall: "recv" });
        expect((e as Error).message).toBe("recv EAGAIN (Resource temporarily unavailable)");
      }
    });
    await runAll(k, p);
  });

  it("MSG_PEEK, MSG_WAITALL, FIONREAD and SO_RCVLOWAT", async () => {
    const k = new Kernel();
    const reader = k.spawn("reader", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      sys.fork(async (w) => {
        await w.close(a);
        for (const part of ["abc", "def", "ghij"]) {
          await w.nanosleep(MS);
          await w.send(b, bytes(part));
        }
        await w.close(b);
      });
      await sys.close(b);
      const buf = new Uint8Array(10);
      expect(await sys.recv(a, buf.subarray(0, 2), MSG_PEEK)).toBe(2);
      expect(text(buf.subarray(0, 2))).toBe("ab");
      expect(sys.ioctl(a, FIONREAD)).toBe(3);
      // WAITALL waits for all 10 bytes across three sends.
      expect(await sys.recv(a, buf, MSG_WAITALL)).toBe(10);
      expect(text(buf)).toBe("abcdefghij");
      expect(sys.clock_gettime(1)).toBe(3 * MS);
      expect(await sys.recv(a, buf)).toBe(0);
      await sys.waitpid(-1);
    });
    await runAll(k, reader);
    const k2 = new Kernel();
    const lowat = k2.spawn("lowat", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      sys.setsockopt(a, SOL_SOCKET, 18 /* SO_RCVLOWAT */, 5);
      sys.fork(async (w) => {
        for (const part of ["ab", "cd", "ef"]) {
          await w.nanosleep(MS);
          await w.send(b, bytes(part));
        }
      });
      const buf = new Uint8Array(10);
      expect(await sys.recv(a, buf)).toBe(6); // wakes at 3 ms with >= 5 bytes
      expect(sys.clock_gettime(1)).toBe(3 * MS);
      await sys.waitpid(-1);
    });
    await runAll(k2, lowat);
    expectNoLeaks(k2);
  });

  it("backpressure: a writer blocks until the reader drains; several MiB arrive intact", async () => {
    const k = new Kernel({ seed: 7 });
    const total = 6 * 1024 * 1024;
    const data = patternBytes(total, 99);
    const sent = createHash("sha256").update(data).digest("hex");
    let received = "";
    let maxOutq = 0;
    let sndbuf = 0;
    let wchanSeen = "";
    const writer = k.spawn("writer", async (sys) => {
      const fd = listenOn(sys, "/run/bulk");
      const c = await sys.accept(fd);
      sndbuf = sys.getsockopt(c, SOL_SOCKET, SO_SNDBUF) as number;
      let off = 0;
      while (off < total) {
        const len = Math.min(total - off, k.rng.int(1, 300_000));
        const n = await sys.send(c, data.subarray(off, off + len));
        expect(n).toBe(len); // a blocking stream send sends everything
        off += n;
        maxOutq = Math.max(maxOutq, sys.ioctl(c, SIOCOUTQ));
      }
      await sys.close(c);
      await sys.close(fd);
    });
    const reader = k.spawn("reader", async (sys) => {
      const fd = await connectTo(sys, "/run/bulk");
      const h = createHash("sha256");
      const buf = new Uint8Array(200_000);
      for (;;) {
        if (writer.state === "S") wchanSeen = writer.wchan ?? "";
        const n = await sys.recv(fd, buf.subarray(0, k.rng.int(1, buf.length)));
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        if (k.rng.chance(0.05)) await sys.nanosleep(k.rng.int(1, 100) * 1000);
      }
      received = h.digest("hex");
      await sys.close(fd);
    });
    await runAll(k, writer, reader);
    expect(received).toBe(sent);
    expect(sndbuf).toBe(212992);
    expect(wchanSeen).toBe("sock_alloc_send_pskb");
    expect(writer.wakeups).toBeGreaterThan(10);
    // Linux charges at most one skb past a full buffer.
    expect(maxOutq).toBeLessThan(sndbuf + 40_000);
    expectNoLeaks(k);
  });

  it("non-blocking writes fill the buffer, get EAGAIN, and resume once the reader drains a quarter", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      sys.setsockopt(a, SOL_SOCKET, SO_SNDBUF, 16384); // doubled: 32768
      expect(sys.getsockopt(a, SOL_SOCKET, SO_SNDBUF)).toBe(32768);
      const chunk = new Uint8Array(4096);
      let queued = 0;
      for (;;) {
        const r = sys.raw.send(a, chunk);
        if (r === -EAGAIN) break;
        expect(r).toBeGreaterThan(0);
        queued += r as number;
      }
      expect(queued).toBeGreaterThan(16384);
      expect(readiness(p, a) & POLLOUT).toBe(0);
      const buf = new Uint8Array(4096);
      let drained = 0;
      while ((readiness(p, a) & POLLOUT) === 0) drained += sys.raw.recv(b, buf) as number;
      expect(sys.ioctl(a, SIOCOUTQ) * 4).toBeLessThanOrEqual(32768);
      expect(sys.raw.send(a, chunk)).toBe(4096);
      expect(drained + sys.ioctl(b, FIONREAD)).toBe(queued + 4096);
    });
    await runAll(k, p);
    expectNoLeaks(k);
  });

  it("SO_RCVTIMEO / SO_SNDTIMEO give EAGAIN after the timeout (or the bytes moved so far)", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      sys.setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 0, tv_usec: 250_500 });
      expect(sys.getsockopt(a, SOL_SOCKET, SO_RCVTIMEO)).toEqual({ tv_sec: 0, tv_usec: 251_000 }); // jiffies
      await expect(sys.recv(a, new Uint8Array(4))).rejects.toMatchObject({ code: "EAGAIN" });
      expect(sys.clock_gettime(1)).toBe(251 * MS);
      sys.setsockopt(b, SOL_SOCKET, SO_SNDBUF, 0); // the minimum: 4608
      sys.setsockopt(b, SOL_SOCKET, SO_SNDTIMEO, { tv_sec: 1, tv_usec: 0 });
      const n = await sys.send(b, new Uint8Array(100_000));
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(100_000); // partial: what fitted before the timeout
      expect(sys.clock_gettime(1)).toBe(1251 * MS);
      await expect(sys.send(b, new Uint8Array(10))).rejects.toMatchObject({ code: "EAGAIN" });
      const l = listenOn(sys, "/run/t");
      sys.setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 2, tv_usec: 0 });
      await expect(sys.accept(l)).rejects.toMatchObject({ code: "EAGAIN" });
      expect(sys.clock_gettime(1)).toBe(4251 * MS);
    });
    await runAll(k, p);
    expectNoLeaks(k);
  });
});

describe("AF_UNIX stream: shutdown, EOF, EPIPE, SIGPIPE", () => {
  it("SHUT_WR: the peer reads what was sent, then EOF (POLLRDHUP); the other direction still works", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.send(a, bytes("last words"));
      sys.shutdown(a, SHUT_WR);
      expect(readiness(p, b) & (POLLIN | POLLRDHUP)).toBe(POLLIN | POLLRDHUP);
      expect(readiness(p, b) & POLLHUP).toBe(0);
      expect(await readAll(sys, b)).toBe("last words");
      await sys.send(b, bytes("reply"));
      const buf = new Uint8Array(16);
      expect(text(buf.subarray(0, await sys.recv(a, buf)))).toBe("reply");
      await expect(sys.send(a, bytes("x"), MSG_NOSIGNAL)).rejects.toMatchObject({ code: "EPIPE" });
      sys.shutdown(b, SHUT_WR);
      expect(readiness(p, a) & POLLHUP).toBe(POLLHUP); // both directions shut: hang-up
    });
    await runAll(k, p);
    expect(p.signalsReceived).toEqual([]);
  });

  it("SHUT_RD: reads give EOF; the peer's writes fail with EPIPE", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      sys.shutdown(a, SHUT_RD);
      expect(await sys.recv(a, new Uint8Array(4))).toBe(0);
      expect(await sys.raw.send(b, bytes("x"), MSG_NOSIGNAL)).toBe(-EPIPE);
    });
    await runAll(k, p);
  });

  it("closing with unread data: the peer gets ECONNRESET once, then EOF; SO_ERROR reads and clears", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.send(a, bytes("ignored"));
      await sys.send(b, bytes("still here"));
      await sys.close(b); // b never read "ignored"
      const buf = new Uint8Array(32);
      expect(text(buf.subarray(0, await sys.recv(a, buf)))).toBe("still here"); // queued data first
      expect(sys.getsockopt(a, SOL_SOCKET, SO_ERROR)).toBe(ECONNRESET);
      expect(sys.getsockopt(a, SOL_SOCKET, SO_ERROR)).toBe(0);
      expect(await sys.recv(a, buf)).toBe(0);
      const [c, d] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.send(c, bytes("unread"));
      await sys.close(d);
      await expect(sys.recv(c, buf)).rejects.toMatchObject({ code: "ECONNRESET" });
      expect(await sys.recv(c, buf)).toBe(0);
    });
    await runAll(k, p);
    expectNoLeaks(k);
  });

  it("EPIPE + SIGPIPE: the default action terminates the writer", async () => {
    const k = new Kernel();
    let after = false;
    const p = k.spawn("writer", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.close(b);
      await sys.send(a, bytes("to nobody"));
      after = true;
    });
    expect(await k.runUntil(p.exited)).toBe(128 + SIGPIPE);
    expect(after).toBe(false);
    expect(p.termSignal).toBe(SIGPIPE);
    expect(p.exitCode).toBeNull();
    expect(p.signalsReceived).toEqual([SIGPIPE]);
    expect(p.waitStatus).toBe(SIGPIPE);
    expectNoLeaks(k);
  });

  it("EPIPE with SIGPIPE ignored, with MSG_NOSIGNAL, and with a handler", async () => {
    const k = new Kernel();
    const handled: number[] = [];
    const p = k.spawn("writer", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.close(b);
      expect(await sys.raw.send(a, bytes("x"), MSG_NOSIGNAL)).toBe(-EPIPE);
      expect(p.signalsReceived).toEqual([]);
      expect(sys.signal(SIGPIPE, "ignore")).toBe("default");
      await expect(sys.write(a, bytes("x"))).rejects.toMatchObject({ code: "EPIPE" });
      expect(p.signalsReceived).toEqual([SIGPIPE]);
      sys.signal(SIGPIPE, (sig) => handled.push(sig));
      expect(await sys.raw.send(a, bytes("x"))).toBe(-EPIPE);
      await sys.nanosleep(1);
      expect(handled).toEqual([SIGPIPE]);
      return 3;
    });
    expect(await runAll(k, p)).toEqual([3]);
  });
});

describe("AF_UNIX stream: kill and wake-ups", () => {
  it("kill of a process blocked in recv: its call unwinds, its descriptors close, the peer sees EOF", async () => {
    const k = new Kernel();
    let unwound = false;
    let peerSaw = -1;
    const victim = k.spawn("victim", async (sys) => {
      const l = listenOn(sys, "/run/v");
      const c = await sys.accept(l);
      try {
        await sys.recv(c, new Uint8Array(4));
      } finally {
        unwound = true;
      }
    });
    const peer = k.spawn("peer", async (sys) => {
      await sys.nanosleep(MS);
      const fd = await connectTo(sys, "/run/v");
      peerSaw = await sys.recv(fd, new Uint8Array(4));
      await sys.close(fd);
    });
    await k.advance(5 * MS);
    expect(victim.state).toBe("S");
    k.kill(victim.pid, SIGTERM);
    expect(victim.state).not.toBe("S");
    await runAll(k, peer);
    expect(await victim.exited).toBe(128 + SIGTERM);
    expect(unwound).toBe(true);
    expect(peerSaw).toBe(0);
    expectNoLeaks(k);
  });

  it("N processes blocked in accept: one connection wakes exactly one (exclusive wait)", async () => {
    const k = new Kernel();
    const N = 5;
    const acceptors: Process[] = [];
    let accepted = 0;
    const parent = k.spawn("parent", async (sys) => {
      const l = listenOn(sys, "/run/herd");
      for (let i = 0; i < N; i++) {
        sys.fork(async (c) => {
          const fd = await c.accept(l);
          accepted++;
          await c.close(fd);
        });
      }
      await sys.close(l);
    });
    await k.advance(MS);
    for (const p of k.processes()) if (p !== parent && p.state === "S") acceptors.push(p);
    expect(acceptors).toHaveLength(N);
    expect(acceptors.every((p) => p.wchan === "__skb_wait_for_more_packets")).toBe(true);
    const client = k.spawn("client", async (sys) => {
      await sys.close(await connectTo(sys, "/run/herd"));
    });
    await runAll(k, client);
    await k.advance(MS);
    expect(accepted).toBe(1);
    expect(acceptors.reduce((s, p) => s + p.wakeups, 0)).toBe(1);
    expect(acceptors.reduce((s, p) => s + p.spuriousWakeups, 0)).toBe(0);
    for (const p of acceptors) if (p.alive) k.kill(p.pid, 9);
    await k.runUntilIdle();
    expectNoLeaks(k);
  });

  it("N processes blocked reading one stream socket: one write wakes them all (non-exclusive), N-1 spuriously", async () => {
    const k = new Kernel();
    const N = 5;
    const parent = k.spawn("parent", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      for (let i = 0; i < N; i++) {
        sys.fork(async (c) => {
          await c.recv(a, new Uint8Array(100));
        });
      }
      await sys.nanosleep(MS);
      await sys.send(b, bytes("one message"));
      await sys.nanosleep(MS);
    });
    await k.advance(MS / 2);
    const readers = k.processes().filter((p) => p !== parent);
    expect(readers.every((p) => p.state === "S")).toBe(true);
    await k.advance(2 * MS);
    expect(readers.reduce((s, p) => s + p.wakeups, 0)).toBe(N);
    expect(readers.reduce((s, p) => s + p.spuriousWakeups, 0)).toBe(N - 1);
    expect(readers.filter((p) => p.state === "S")).toHaveLength(N - 1);
    for (const p of readers) if (p.alive) k.kill(p.pid, 9);
    await k.runUntilIdle();
    expectNoLeaks(k);
  });
});
