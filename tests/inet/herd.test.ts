// The thundering herd, measured. N server processes wait for connections on port 80; one client
// connects once. Wakeups are read from the processes' counters (Process.wakeups, spuriousWakeups),
// and each count is what Linux gives:
//   N in accept() on one shared listener                     -> 1 (accept sleeps exclusively)
//   N in epoll_wait, each its own epoll fd on that listener  -> N (epitems wait non-exclusively),
//                                                               1 accept succeeds, N-1 find nothing
//   the same with EPOLLEXCLUSIVE                             -> 1 (Linux: "at least one"; exactly one
//                                                               when every waiter is idle)
//   N listeners with SO_REUSEPORT, one per process            -> 1 (the connection picks one listener)
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  EAGAIN,
  EPOLL_CTL_ADD,
  EPOLLEXCLUSIVE,
  EPOLLIN,
  type EpollEvent,
  F_SETFL,
  type Process,
  SIGKILL,
  SO_REUSEPORT,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  type Sys,
} from "../../src/kernel/index.js";
import type { World } from "../../src/world/world.js";
import { clientServer } from "../helpers/world.js";

const N = 8;
const FOREVER = 1e15;

type Mode = "accept" | "epoll" | "epoll-exclusive" | "reuseport-epoll" | "reuseport-accept";

interface HerdResult {
  wakeups: number;
  spurious: number;
  accepted: number;
  eagain: number;
}

function listener(sys: Sys, reuseport: boolean): number {
  const l = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (reuseport) sys.setsockopt(l, SOL_SOCKET, SO_REUSEPORT, 1);
  sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
  sys.listen(l, 64);
  return l;
}

/** One waiter: wait for a connection the way `mode` says, try to accept it, then sleep for good. */
async function waiter(sys: Sys, mode: Mode, shared: number, out: HerdResult): Promise<void> {
  const l = mode.startsWith("reuseport") ? listener(sys, true) : shared;
  if (mode === "accept" || mode === "reuseport-accept") {
    sys.fcntl(l, F_SETFL, 0); // a blocking listener: accept() sleeps
    const r = await sys.raw.accept(l);
    if (r >= 0) out.accepted++;
  } else {
    const ep = sys.epoll_create1(0);
    sys.epoll_ctl(ep, EPOLL_CTL_ADD, l, {
      events: EPOLLIN | (mode === "epoll-exclusive" ? EPOLLEXCLUSIVE : 0),
      data: l,
    });
    const ev: EpollEvent[] = [];
    await sys.epoll_wait(ep, ev, 8, -1);
    const r = sys.raw.accept4(l, null, SOCK_NONBLOCK) as number; // non-blocking: never sleeps
    if (r >= 0) out.accepted++;
    else if (r === -EAGAIN) out.eagain++;
  }
  await sys.nanosleep(FOREVER);
}

async function herd(mode: Mode): Promise<HerdResult> {
  const { world, client, server } = await clientServer();
  const out: HerdResult = { wakeups: 0, spurious: 0, accepted: 0, eagain: 0 };
  const pids: number[] = [];
  const blocking = mode === "accept" || mode === "reuseport-accept";
  const parent = server.spawn("server", async (sys) => {
    const shared = mode.startsWith("reuseport") ? -1 : listener(sys, false);
    for (let i = 0; i < N; i++) pids.push(sys.fork((c) => waiter(c, mode, shared, out)));
    await sys.nanosleep(FOREVER);
  });
  const k = world.kernel;
  const procs = (): Process[] => pids.map((p) => k.process(p)!);
  const wchan = blocking ? "inet_csk_accept" : "ep_poll";
  await k.runUntil(() => pids.length === N && procs().every((p) => p.wchan === wchan));
  const before = procs().map((p) => p.wakeups);
  expect(before).toEqual(Array(N).fill(0));
  const cli = client.spawn("client", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    await sys.nanosleep(FOREVER);
  });
  await k.runUntil(
    () => out.accepted === 1 && procs().every((p) => p.wchan === "hrtimer_nanosleep" || p.wchan === wchan),
  );
  await k.advance(1_000_000);
  for (const p of procs()) {
    out.wakeups += p.wakeups;
    out.spurious += p.spuriousWakeups;
  }
  await stop(world, [parent, cli, ...procs()]);
  return out;
}

async function stop(world: World, procs: Process[]): Promise<void> {
  for (const p of procs) if (p.alive) world.kernel.kill(p.pid, SIGKILL);
  await world.wait(...procs);
}

describe(`the thundering herd: ${N} waiters, one connection`, () => {
  it("N processes blocked in accept() on one listener: 1 wakeup (exclusive wait)", async () => {
    const r = await herd("accept");
    expect(r).toEqual({ wakeups: 1, spurious: 0, accepted: 1, eagain: 0 });
  });

  it("N processes in epoll_wait, each on its own epoll fd watching the listener: N wakeups", async () => {
    const r = await herd("epoll");
    expect(r.wakeups).toBe(N);
    expect(r.accepted).toBe(1);
    // Every other waiter woke for nothing: its accept found the queue empty (or it slept again).
    expect(r.eagain + r.spurious).toBe(N - 1);
  });

  it("the same with EPOLLEXCLUSIVE: 1 wakeup", async () => {
    const r = await herd("epoll-exclusive");
    expect(r).toEqual({ wakeups: 1, spurious: 0, accepted: 1, eagain: 0 });
  });

  it("SO_REUSEPORT, one listener and one epoll fd per process: 1 wakeup", async () => {
    const r = await herd("reuseport-epoll");
    expect(r).toEqual({ wakeups: 1, spurious: 0, accepted: 1, eagain: 0 });
  });

  it("SO_REUSEPORT, one listener per process blocked in accept(): 1 wakeup", async () => {
    const r = await herd("reuseport-accept");
    expect(r).toEqual({ wakeups: 1, spurious: 0, accepted: 1, eagain: 0 });
  });
});
