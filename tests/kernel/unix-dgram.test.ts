import { describe, expect, it } from "vitest";
import {
  type AddrOut,
  AF_UNIX,
  AF_UNSPEC,
  EAGAIN,
  ECONNREFUSED,
  ENOTCONN,
  EPERM,
  EPIPE,
  FIONREAD,
  Kernel,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  type MsgHdr,
  NSEC_PER_MSEC,
  POLLOUT,
  SO_PASSCRED,
  SO_PEERCRED,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  type SockAddr,
  WaitEntry,
} from "../../src/kernel/index.js";
import { bytes, expectNoLeaks, runAll, text } from "../helpers/kernel.js";

const MS = NSEC_PER_MSEC;
const un = (path: string): SockAddr => ({ family: AF_UNIX, path });

describe("AF_UNIX datagrams", () => {
  it("keeps message boundaries; a short buffer truncates (MSG_TRUNC) and the rest is lost", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_DGRAM);
      for (const m of ["one", "two-two", "three-three-three"]) await sys.send(a, bytes(m));
      const buf = new Uint8Array(64);
      expect(sys.ioctl(b, FIONREAD)).toBe(3); // the first datagram's size
      expect(text(buf.subarray(0, await sys.recv(b, buf)))).toBe("one");
      const small = new Uint8Array(3);
      const msg: MsgHdr = { iov: [small] };
      expect(await sys.recvmsg(b, msg)).toBe(3);
      expect(text(small)).toBe("two");
      expect(msg.flags).toBe(MSG_TRUNC);
      // MSG_TRUNC as an input flag: the datagram's real length comes back.
      expect(await sys.recv(b, small, MSG_PEEK | MSG_TRUNC)).toBe(17);
      const iov = [new Uint8Array(5), new Uint8Array(20)];
      const m2: MsgHdr = { iov };
      expect(await sys.recvmsg(b, m2)).toBe(17);
      expect(text(iov[0]) + text(iov[1].subarray(0, 12))).toBe("three-three-three");
      expect(m2.flags).toBe(0);
      expect(await sys.raw.recv(b, buf, MSG_DONTWAIT)).toBe(-EAGAIN);
      expect(await sys.send(a, new Uint8Array(0))).toBe(0); // an empty datagram is a datagram
      expect(await sys.recv(b, buf)).toBe(0);
    });
    await runAll(k, p);
    expectNoLeaks(k);
  });

  it("recvfrom reports the sender's name (none for an unbound sender)", async () => {
    const k = new Kernel();
    const server = k.spawn("server", async (sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(fd, un("/run/log"));
      const buf = new Uint8Array(64);
      const seen: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const from: AddrOut = {};
        const n = await sys.recvfrom(fd, buf, 0, from);
        seen.push(
          `${text(buf.subarray(0, n))} from ${from.addr ? JSON.stringify((from.addr as { path: string }).path) : "nobody"}`,
        );
        if (from.addr) await sys.sendto(fd, bytes("ack"), 0, from.addr);
      }
      expect(seen).toEqual(['hello from "/run/client"', "anon from nobody", 'abstract from "\\u0000cl"']);
      await sys.close(fd);
    });
    const client = k.spawn("client", async (sys) => {
      await sys.nanosleep(MS);
      const fd = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(fd, un("/run/client"));
      await sys.sendto(fd, bytes("hello"), 0, un("/run/log"));
      const buf = new Uint8Array(8);
      expect(text(buf.subarray(0, await sys.recv(fd, buf)))).toBe("ack");
      const anon = sys.socket(AF_UNIX, SOCK_DGRAM);
      await sys.sendto(anon, bytes("anon"), 0, un("/run/log"));
      const abs = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(abs, un("\0cl"));
      await sys.sendto(abs, bytes("abstract"), 0, un("/run/log"));
      expect(text(buf.subarray(0, await sys.recv(abs, buf)))).toBe("ack");
    });
    await runAll(k, server, client);
    expectNoLeaks(k);
  });

  it("connect sets the default destination; receivers connected elsewhere refuse (EPERM); AF_UNSPEC disconnects", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const srv = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(srv, un("/run/srv"));
      const c = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(c, un("/run/c"));
      await sys.connect(c, un("/run/srv"));
      expect(sys.getpeername(c)).toEqual(un("/run/srv"));
      await sys.send(c, bytes("via connect"));
      const buf = new Uint8Array(32);
      expect(text(buf.subarray(0, await sys.recv(srv, buf)))).toBe("via connect");
      // c is connected to srv: a third socket may not send to c.
      const other = sys.socket(AF_UNIX, SOCK_DGRAM);
      expect(await sys.raw.sendto(other, bytes("x"), 0, un("/run/c"))).toBe(-EPERM);
      await sys.sendto(srv, bytes("back"), 0, un("/run/c")); // srv is allowed: it is c's peer
      expect(text(buf.subarray(0, await sys.recv(c, buf)))).toBe("back");
      await sys.connect(c, { family: AF_UNSPEC });
      expect(sys.raw.getpeername(c, {})).toBe(-ENOTCONN);
      expect(await sys.raw.send(c, bytes("x"))).toBe(-ENOTCONN);
      await sys.sendto(other, bytes("now fine"), 0, un("/run/c"));
    });
    await runAll(k, p);
    expectNoLeaks(k);
  });

  it("a full receiver queue (net.unix.max_dgram_qlen) blocks senders, EAGAIN when non-blocking", async () => {
    const k = new Kernel();
    let resumedAt = -1;
    const receiver = k.spawn("receiver", async (sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(fd, un("/run/q"));
      await sys.nanosleep(20 * MS);
      const buf = new Uint8Array(8);
      for (let i = 0; i < 13; i++) await sys.recv(fd, buf);
      await sys.close(fd);
    });
    const sender = k.spawn("sender", async (sys) => {
      await sys.nanosleep(MS);
      const fd = sys.socket(AF_UNIX, SOCK_DGRAM);
      await sys.connect(fd, un("/run/q"));
      for (let i = 0; i < 11; i++) await sys.send(fd, bytes(`m${i}`)); // qlen 10 queues 11
      const nb = sys.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
      await sys.connect(nb, un("/run/q"));
      expect(await sys.raw.send(nb, bytes("x"))).toBe(-EAGAIN);
      const f = sender.fds().find((x) => x.fd === nb)!.file;
      expect(f.ops.poll(f, POLLOUT) & POLLOUT).toBe(0); // a relay is armed on the receiver
      const woke: number[] = [];
      const poller = new WaitEntry(POLLOUT, (_e, key) => woke.push(key) > 0);
      f.ops.pollQueue(f)!.add(poller);
      await sys.send(fd, bytes("m11")); // sleeps until the receiver reads one
      resumedAt = sys.clock_gettime(1);
      expect(woke.length).toBe(1); // the receiver's dequeue reached our poller through the relay
      poller.detach();
      await sys.send(fd, bytes("m12"));
      await sys.nanosleep(MS); // the receiver drains everything
      expect(f.ops.poll(f, POLLOUT) & POLLOUT).toBe(POLLOUT);
    });
    await runAll(k, receiver, sender);
    expect(resumedAt).toBe(20 * MS);
    expectNoLeaks(k);
  });

  it("sending to a closed connected peer: ECONNREFUSED once, then not connected", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const srv = sys.socket(AF_UNIX, SOCK_DGRAM);
      sys.bind(srv, un("/run/gone"));
      const c = sys.socket(AF_UNIX, SOCK_DGRAM);
      await sys.connect(c, un("/run/gone"));
      await sys.close(srv);
      expect(await sys.raw.send(c, bytes("x"))).toBe(-ECONNREFUSED);
      expect(await sys.raw.send(c, bytes("x"))).toBe(-ENOTCONN);
      expect(await sys.raw.sendto(c, bytes("x"), 0, un("/run/gone"))).toBe(-ECONNREFUSED); // stale file
      sys.unlink("/run/gone");
      expect(await sys.raw.sendto(c, bytes("x"), 0, un("/run/gone"))).toBe(-2); // ENOENT
    });
    await runAll(k, p);
    expectNoLeaks(k);
  });
});

describe("AF_UNIX seqpacket", () => {
  it("a connection that keeps message boundaries; EOF and EPIPE (without SIGPIPE) after close", async () => {
    const k = new Kernel();
    const server = k.spawn("server", async (sys) => {
      const l = sys.socket(AF_UNIX, SOCK_SEQPACKET);
      sys.bind(l, un("/run/seq"));
      sys.listen(l, 4);
      const c = await sys.accept(l);
      const buf = new Uint8Array(64);
      const got: string[] = [];
      for (;;) {
        const n = await sys.recv(c, buf);
        if (n === 0) break;
        got.push(text(buf.subarray(0, n)));
      }
      expect(got).toEqual(["alpha", "beta", "gamma"]);
      expect(await sys.raw.send(c, bytes("late"))).toBe(-EPIPE);
      await sys.close(c);
      await sys.close(l);
    });
    const client = k.spawn("client", async (sys) => {
      await sys.nanosleep(MS);
      const fd = sys.socket(AF_UNIX, SOCK_SEQPACKET);
      await sys.connect(fd, un("/run/seq"));
      for (const m of ["alpha", "beta", "gamma"]) await sys.write(fd, bytes(m));
      await sys.close(fd);
    });
    await runAll(k, server, client);
    expect(server.signalsReceived).toEqual([]);
    expectNoLeaks(k);
  });
});

describe("AF_UNIX names and credentials", () => {
  it("path names outlive their socket until unlink; abstract names do not", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const a = sys.socket(AF_UNIX, SOCK_STREAM);
      sys.bind(a, un("/run/p"));
      await sys.close(a);
      const b = sys.socket(AF_UNIX, SOCK_STREAM);
      expect(sys.raw.bind(b, un("/run/p"))).toBe(-98); // EADDRINUSE: the socket file is still there
      sys.unlink("/run/p");
      sys.bind(b, un("/run/p"));
      expect(sys.getsockname(b)).toEqual(un("/run/p"));
      const c = sys.socket(AF_UNIX, SOCK_STREAM);
      sys.bind(c, un("\0abs"));
      expect(sys.getsockname(c)).toEqual(un("\0abs"));
      await sys.close(c);
      const d = sys.socket(AF_UNIX, SOCK_STREAM);
      sys.bind(d, un("\0abs")); // free again
      // The same abstract name may be bound by a socket of another type.
      sys.bind(sys.socket(AF_UNIX, SOCK_DGRAM), un("\0abs"));
      // A path name stops at its first NUL.
      const e = sys.socket(AF_UNIX, SOCK_STREAM);
      sys.bind(e, un("/run/e\0ignored"));
      expect(sys.getsockname(e)).toEqual(un("/run/e"));
    });
    await runAll(k, p);
    expect(k.vfs.paths().sort()).toEqual(["/run/e", "/run/p"]);
  });

  it("autobind picks '\\0' + five hex digits from the seeded generator", async () => {
    const names: string[] = [];
    for (const seed of [1, 1, 2]) {
      const k = new Kernel({ seed });
      const p = k.spawn("t", (sys) => {
        const fd = sys.socket(AF_UNIX, SOCK_DGRAM);
        sys.bind(fd, { family: AF_UNIX, path: "" });
        names.push((sys.getsockname(fd) as { path: string }).path);
      });
      await runAll(k, p);
    }
    expect(names[0]).toMatch(/^\0[0-9a-f]{5}$/);
    expect(names[1]).toBe(names[0]);
    expect(names[2]).not.toBe(names[0]);
  });

  it("SO_PASSCRED autobinds on connect/sendto; SO_PEERCRED reports the peer's pid and uid", async () => {
    const k = new Kernel();
    const server = k.spawn("server", async (sys) => {
      const l = sys.socket(AF_UNIX, SOCK_STREAM);
      sys.bind(l, un("/run/cred"));
      sys.chmod("/run/cred", 0o777); // let uid 1000 connect
      sys.listen(l, 1);
      const from: AddrOut = {};
      const c = await sys.accept(l, from);
      expect((from.addr as { path: string }).path).toMatch(/^\0[0-9a-f]{5}$/);
      expect(sys.getsockopt(c, SOL_SOCKET, SO_PEERCRED)).toEqual({ pid: 2, uid: 1000, gid: 1000 });
      await sys.close(c);
    });
    const client = k.spawn("client", { uid: 1000 }, async (sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_STREAM);
      sys.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, 1);
      await sys.connect(fd, un("/run/cred"));
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_PEERCRED)).toEqual({ pid: 1, uid: 0, gid: 0 });
      expect(await sys.recv(fd, new Uint8Array(1))).toBe(0);
    });
    await runAll(k, server, client);
    expectNoLeaks(k);
  });
});
