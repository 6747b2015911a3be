import { describe, expect, it } from "vitest";
import {
  AF_UNIX,
  EAGAIN,
  Kernel,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_DOMAIN,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PEERCRED,
  SO_PRIORITY,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVLOWAT,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_SNDLOWAT,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../src/kernel/index.js";
import { runAll } from "../helpers/kernel.js";

describe("SOL_SOCKET options", () => {
  it("read-only facts: SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN", async () => {
    const k = new Kernel();
    const p = k.spawn("t", (sys) => {
      const raw = sys.socket(AF_UNIX, SOCK_RAW); // AF_UNIX turns SOCK_RAW into SOCK_DGRAM
      expect(sys.getsockopt(raw, SOL_SOCKET, SO_TYPE)).toBe(SOCK_DGRAM);
      expect(sys.getsockopt(raw, SOL_SOCKET, SO_DOMAIN)).toBe(AF_UNIX);
      expect(sys.getsockopt(raw, SOL_SOCKET, SO_PROTOCOL)).toBe(0);
      const l = sys.socket(AF_UNIX, SOCK_STREAM);
      expect(sys.getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN)).toBe(0);
      sys.bind(l, { family: AF_UNIX, path: "/l" });
      sys.listen(l, 1);
      expect(sys.getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
      expect(sys.getsockopt(l, SOL_SOCKET, SO_ERROR)).toBe(0);
      expect(sys.getsockopt(l, SOL_SOCKET, SO_SNDLOWAT)).toBe(1);
      expect(sys.getsockopt(l, SOL_SOCKET, SO_PEERCRED)).toEqual({ pid: 1, uid: 0, gid: 0 });
      expect(sys.getsockopt(raw, SOL_SOCKET, SO_PEERCRED)).toEqual({ pid: 0, uid: 65534, gid: 65534 });
    });
    await runAll(k, p);
  });

  it("buffer sizes: doubled, clamped to net.core.[rw]mem_max and to the minimum", async () => {
    const k = new Kernel();
    const p = k.spawn("t", (sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_STREAM);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(212992);
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 65536);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(131072);
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 10_000_000);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(2 * 212992);
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 1);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(2304);
      sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, -1); // read as unsigned: huge, so clamped
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_SNDBUF)).toBe(2 * 212992);
      sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 0);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_SNDBUF)).toBe(4608);
      sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, 1_000_000); // root: not clamped
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_SNDBUF)).toBe(2_000_000);
    });
    await runAll(k, p);
  });

  it("flags, linger, low-water marks and timeouts round-trip as Linux reports them", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_STREAM);
      for (const opt of [SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST]) {
        expect(sys.getsockopt(fd, SOL_SOCKET, opt)).toBe(0);
        sys.setsockopt(fd, SOL_SOCKET, opt, true);
        expect(sys.getsockopt(fd, SOL_SOCKET, opt)).toBe(1);
      }
      sys.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, 0); // turning it off is allowed on AF_UNIX
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_LINGER)).toEqual({ l_onoff: 0, l_linger: 0 });
      sys.setsockopt(fd, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 5 });
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_LINGER)).toEqual({ l_onoff: 1, l_linger: 5 });
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, -5);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT)).toBe(0x7fffffff);
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, 0);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT)).toBe(1);
      sys.setsockopt(fd, SOL_SOCKET, SO_PRIORITY, 7); // root may
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_PRIORITY)).toBe(7);
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO)).toEqual({ tv_sec: 0, tv_usec: 0 });
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 2, tv_usec: 1 });
      expect(sys.getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO)).toEqual({ tv_sec: 2, tv_usec: 1000 });
      // A negative timeout means "never wait": a blocking socket then behaves as non-blocking.
      const [a] = sys.socketpair(AF_UNIX, SOCK_DGRAM);
      sys.setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: -1, tv_usec: 0 });
      expect(sys.raw.recv(a, new Uint8Array(1))).toBe(-EAGAIN);
      expect(sys.getsockopt(a, SOL_SOCKET, SO_RCVTIMEO)).toEqual({ tv_sec: 0, tv_usec: 0 });
    });
    await runAll(k, p);
  });
});
