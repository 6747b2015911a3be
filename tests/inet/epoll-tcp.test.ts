// epoll over TCP sockets between two hosts: a listener is EPOLLIN while connections wait; a
// non-blocking connect completes as EPOLLOUT; the peer's shutdown(SHUT_WR) is EPOLLIN | EPOLLRDHUP;
// an RST is EPOLLERR | EPOLLHUP whether asked for or not (then recv gives ECONNRESET); poll and
// select see the same readiness.
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  ECONNRESET,
  EINPROGRESS,
  EPOLL_CTL_ADD,
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  type EpollEvent,
  FdSet,
  POLLIN,
  SHUT_WR,
  SO_ERROR,
  SO_LINGER,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  type Sys,
} from "../../src/kernel/index.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

const addr = { family: AF_INET, addr: "10.0.0.2", port: 80 } as const;
const enc = new TextEncoder();

async function wait(sys: Sys, ep: number, timeout = -1): Promise<EpollEvent[]> {
  const ev: EpollEvent[] = [];
  const n = await sys.epoll_wait(ep, ev, 16, timeout);
  return ev.slice(0, n);
}

describe("epoll over TCP", () => {
  it("listener EPOLLIN, connect EPOLLOUT, peer shutdown EPOLLIN|EPOLLRDHUP (edge-triggered)", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 100_000 });
    const seen: string[] = [];
    const srv = server.spawn("srv", async (sys) => {
      const l = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(l, 8);
      const ep = sys.epoll_create1(0);
      sys.epoll_ctl(ep, EPOLL_CTL_ADD, l, { events: EPOLLIN, data: l });
      expect(await wait(sys, ep)).toEqual([{ events: EPOLLIN, data: l }]);
      const c = (await sys.accept4(l, null, SOCK_NONBLOCK)) as number;
      expect(await wait(sys, ep, 0)).toEqual([]); // queue empty again
      sys.epoll_ctl(ep, EPOLL_CTL_ADD, c, { events: EPOLLIN | EPOLLRDHUP | EPOLLET, data: c });
      for (;;) {
        const evs = await wait(sys, ep);
        const e = evs.find((x) => x.data === c);
        if (!e) continue;
        seen.push(e.events.toString(16));
        const buf = new Uint8Array(64);
        let n = sys.raw.recv(c, buf) as number;
        for (; n > 0; n = sys.raw.recv(c, buf) as number)
          seen.push(new TextDecoder().decode(buf.subarray(0, n)));
        if (n === 0) break;
      }
      await sys.close(c);
      await sys.close(ep);
      await sys.close(l);
    });
    const cli = client.spawn("cli", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      expect(sys.raw.connect(s, addr)).toBe(-EINPROGRESS);
      const ep = sys.epoll_create1(0);
      sys.epoll_ctl(ep, EPOLL_CTL_ADD, s, { events: EPOLLOUT | EPOLLET, data: 1 });
      expect(await wait(sys, ep)).toEqual([{ events: EPOLLOUT, data: 1 }]);
      expect(sys.getsockopt(s, SOL_SOCKET, SO_ERROR)).toBe(0);
      await sys.send(s, enc.encode("hello"));
      await sys.nanosleep(5_000_000);
      sys.shutdown(s, SHUT_WR);
      await sys.nanosleep(5_000_000);
      await sys.close(ep);
      await sys.close(s);
    });
    await world.wait(srv, cli);
    expect(seen).toEqual([EPOLLIN.toString(16), "hello", (EPOLLIN | EPOLLRDHUP).toString(16)]);
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
    expect(world.kernel.stats().epollCells).toBe(0);
  });

  it("an RST is EPOLLERR | EPOLLHUP even when only EPOLLIN was asked for; poll and select agree", async () => {
    const { world, client, server } = await clientServer();
    let got = 0;
    let pollRevents = 0;
    let selectReadable = false;
    let recvErr = 0;
    const srv = server.spawn("srv", async (sys) => {
      const l = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(l, 8);
      const c = await sys.accept(l);
      const ep = sys.epoll_create1(0);
      sys.epoll_ctl(ep, EPOLL_CTL_ADD, c, { events: EPOLLOUT & 0, data: c });
      const evs = await wait(sys, ep);
      got = evs[0].events;
      const p = [{ fd: c, events: POLLIN, revents: 0 }];
      sys.raw.poll(p, 0);
      pollRevents = p[0].revents;
      const r = FdSet.of(c);
      await sys.select(c + 1, r, null, null, { tv_sec: 0, tv_usec: 0 });
      selectReadable = r.isSet(c);
      recvErr = sys.raw.recv(c, new Uint8Array(8)) as number;
      await sys.close(c);
      await sys.close(ep);
      await sys.close(l);
    });
    const cli = client.spawn("cli", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, addr);
      sys.setsockopt(s, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 0 }); // close sends RST
      await sys.nanosleep(1_000_000);
      await sys.close(s);
    });
    await world.wait(srv, cli);
    expect(got & (EPOLLERR | EPOLLHUP)).toBe(EPOLLERR | EPOLLHUP);
    expect(got & ~(EPOLLERR | EPOLLHUP)).toBe(0); // nothing else was asked for
    expect(pollRevents & (EPOLLERR | EPOLLHUP)).toBe(EPOLLERR | EPOLLHUP);
    expect(selectReadable).toBe(true);
    expect(recvErr).toBe(-ECONNRESET);
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
  });
});

describe("EPOLLOUT edges (Linux: writers are woken only after one found no room, SOCK_NOSPACE)", () => {
  it("ACKs for data nobody is blocked on give no new EPOLLOUT edge; after EAGAIN, freed space gives exactly one", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 100_000 });
    const log: string[] = [];
    const srv = server.spawn("sink", async (sys) => {
      const l = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(l, 1);
      const c = await sys.accept(l);
      await sys.nanosleep(50_000_000); // let the client fill its buffers first
      const buf = new Uint8Array(1 << 16);
      while ((await sys.recv(c, buf)) > 0);
      await sys.close(c);
      await sys.close(l);
    });
    const cli = client.spawn("writer", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      expect(sys.raw.connect(s, addr)).toBe(-EINPROGRESS);
      const ep = sys.epoll_create1(0);
      sys.epoll_ctl(ep, EPOLL_CTL_ADD, s, { events: EPOLLOUT | EPOLLET, data: s });
      expect(await wait(sys, ep)).toEqual([{ events: EPOLLOUT, data: s }]); // connected
      // A small write that fits: its ACK frees space, but nobody waited for it.
      expect(sys.raw.send(s, new Uint8Array(1000))).toBe(1000);
      await sys.nanosleep(5_000_000); // the ACK is back
      log.push(`after ack: ${(await wait(sys, ep, 0)).length}`);
      // Fill the send buffer until EAGAIN: now a writer is short of room.
      let total = 0;
      for (;;) {
        const r = sys.raw.send(s, new Uint8Array(1 << 16)) as number;
        if (r < 0) break;
        total += r;
      }
      log.push(`full: ${total > 0}; ${(await wait(sys, ep, 0)).length}`);
      // The reader drains; the first ACKs that free enough space give one edge, the rest none.
      const first = await wait(sys, ep, 1000);
      log.push(`edge: ${first.map((e) => e.events.toString(16)).join(",")}`);
      await sys.nanosleep(5_000_000);
      log.push(`then: ${(await wait(sys, ep, 0)).length}`);
      await sys.close(s);
      await sys.close(ep);
    });
    expect(await world.wait(srv, cli)).toEqual([0, 0]);
    await world.runUntilIdle();
    expect(log).toEqual(["after ack: 0", "full: true; 0", "edge: 4", "then: 0"]);
    expectNoLeaks(world.core, []);
  });
});
