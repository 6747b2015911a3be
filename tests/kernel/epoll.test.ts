// epoll against Linux's documented behaviour (epoll(7), epoll_ctl(2), epoll_wait(2), fs/eventpoll.c),
// over AF_UNIX sockets and eventfds, with the ready lists in Wasm and — the same suite again — in
// the TypeScript twin: LT vs ET with partial reads, ONESHOT re-arm with MOD, timeouts, maxevents
// batches, the dup/fork surprise, nesting and ELOOP, errno in Linux's order, fdinfo, leaks.
import { describe, expect, it } from "vitest";
import {
  AF_UNIX,
  EAGAIN,
  EBADF,
  EEXIST,
  EFAULT,
  EINTR,
  EINVAL,
  ELOOP,
  ENOENT,
  ENOSYS,
  EPERM,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDHUP,
  EPOLLRDNORM,
  EPOLLWAKEUP,
  type EpollEvent,
  eventpollOf,
  F_GETFD,
  FD_CLOEXEC,
  File,
  type FileOperations,
  Kernel,
  NSEC_PER_MSEC,
  O_RDWR,
  POLLIN,
  SHUT_WR,
  SIGUSR1,
  SOCK_STREAM,
  type Sys,
} from "../../src/kernel/index.js";
import { EpollTwin } from "../../src/twin/epoll.js";
import { freshCore } from "../helpers/core.js";
import { bytes, expectNoLeaks, runAll } from "../helpers/kernel.js";

const MS = NSEC_PER_MSEC;
type StoreKind = "wasm" | "ts";

async function newKernel(store: StoreKind): Promise<Kernel> {
  const k = new Kernel({ core: await freshCore() });
  if (store === "ts") k.epollStore = new EpollTwin();
  return k;
}

/** Run one program to completion in a fresh kernel and check that nothing leaked. */
async function run(store: StoreKind, main: (sys: Sys, k: Kernel) => Promise<void>): Promise<Kernel> {
  const k = await newKernel(store);
  const p = k.spawn("t", async (sys) => {
    await main(sys, k);
  });
  await runAll(k, p);
  expectNoLeaks(k);
  expect(k.stats().epollCells ?? 0).toBe(0);
  return k;
}

function waitNow(sys: Sys, ep: number, max = 16): EpollEvent[] {
  const ev: EpollEvent[] = [];
  const n = sys.raw.epoll_wait(ep, ev, max, 0) as number;
  expect(n).toBeGreaterThanOrEqual(0);
  return ev.slice(0, n);
}

const add = (sys: Sys, ep: number, fd: number, events: number, data = fd) =>
  sys.epoll_ctl(ep, EPOLL_CTL_ADD, fd, { events, data });

describe.each<StoreKind>(["wasm", "ts"])("epoll (ready lists in %s)", (store) => {
  it("epoll_create1 takes only EPOLL_CLOEXEC; epoll_create wants size > 0", async () => {
    await run(store, async (sys) => {
      const a = sys.epoll_create1(0);
      const b = sys.epoll_create1(EPOLL_CLOEXEC);
      expect(sys.fcntl(a, F_GETFD)).toBe(0);
      expect(sys.fcntl(b, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.raw.epoll_create1(1)).toBe(-EINVAL);
      expect(sys.raw.epoll_create1(EPOLL_CLOEXEC | 0o4000)).toBe(-EINVAL);
      expect(sys.raw.epoll_create(0)).toBe(-EINVAL);
      expect(sys.raw.epoll_create(-5)).toBe(-EINVAL);
      const c = sys.epoll_create(1);
      expect(sys.raw.read(c, new Uint8Array(8))).toBe(-EINVAL); // no read on an epoll fd
      for (const fd of [a, b, c]) await sys.close(fd);
    });
  });

  it("epoll_ctl gives Linux's errno, in Linux's order", async () => {
    await run(store, async (sys, k) => {
      const ep = sys.epoll_create1(0);
      const ep2 = sys.epoll_create1(0);
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const r = sys.raw;
      const ev = { events: EPOLLIN, data: 0 };
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, a, null)).toBe(-EFAULT); // event needed (before EBADF)
      expect(r.epoll_ctl(99, EPOLL_CTL_ADD, 98, null)).toBe(-EFAULT);
      expect(r.epoll_ctl(99, EPOLL_CTL_ADD, a, ev)).toBe(-EBADF); // epfd first
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, 98, ev)).toBe(-EBADF);
      expect(r.epoll_ctl(ep, EPOLL_CTL_DEL, 98, null)).toBe(-EBADF);
      // A file that cannot be polled (a regular file in Linux).
      const task = k.process(sys.getpid())!;
      const regOps: FileOperations = {
        name: () => "/tmp/x",
        mntId: 1,
        poll: () => 0,
        noPoll: true,
        pollQueue: () => null,
        release: () => 0,
      };
      const reg = task.files.alloc(0, 1024);
      task.files.install(reg, new File(k, regOps, O_RDWR, 0o100644, null), false);
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, reg, ev)).toBe(-EPERM);
      expect(r.epoll_ctl(a, EPOLL_CTL_ADD, reg, ev)).toBe(-EPERM); // EPERM before "not an epoll fd"
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, ep, ev)).toBe(-EINVAL); // itself
      expect(r.epoll_ctl(a, EPOLL_CTL_ADD, b, ev)).toBe(-EINVAL); // epfd is not an epoll fd
      expect(r.epoll_ctl(ep, 7, a, ev)).toBe(-EINVAL); // unknown op
      expect(r.epoll_ctl(ep, EPOLL_CTL_DEL, a, null)).toBe(-ENOENT);
      expect(r.epoll_ctl(ep, EPOLL_CTL_MOD, a, ev)).toBe(-ENOENT);
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, a, ev)).toBe(0);
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, a, ev)).toBe(-EEXIST);
      // EPOLLEXCLUSIVE: not with MOD, not on an epoll target, only with IN/OUT/ERR/HUP/WAKEUP/ET.
      const ex = { events: EPOLLIN | EPOLLEXCLUSIVE, data: 0 };
      expect(r.epoll_ctl(ep, EPOLL_CTL_MOD, a, ex)).toBe(-EINVAL);
      expect(r.epoll_ctl(ep, EPOLL_CTL_ADD, ep2, ex)).toBe(-EINVAL);
      expect(
        r.epoll_ctl(ep, EPOLL_CTL_ADD, b, { events: EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, data: 0 }),
      ).toBe(-EINVAL);
      expect(
        r.epoll_ctl(ep, EPOLL_CTL_ADD, b, { events: EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, data: 0 }),
      ).toBe(-EINVAL);
      expect(
        r.epoll_ctl(ep, EPOLL_CTL_ADD, b, { events: EPOLLIN | EPOLLOUT | EPOLLEXCLUSIVE | EPOLLET, data: 0 }),
      ).toBe(0);
      // An entry added with EPOLLEXCLUSIVE cannot be modified at all.
      expect(r.epoll_ctl(ep, EPOLL_CTL_MOD, b, ev)).toBe(-EINVAL);
      expect(r.epoll_ctl(ep, EPOLL_CTL_DEL, b, null)).toBe(0);
      expect(r.epoll_ctl(ep, EPOLL_CTL_DEL, a, undefined)).toBe(0); // DEL ignores the event
      // epoll_wait's own checks.
      expect(r.epoll_wait(ep, [], 0, 0)).toBe(-EINVAL);
      expect(r.epoll_wait(ep, [], -1, 0)).toBe(-EINVAL);
      expect(r.epoll_wait(ep, null as unknown as EpollEvent[], 1, 0)).toBe(-EFAULT);
      expect(r.epoll_wait(99, [], 1, 0)).toBe(-EBADF);
      expect(r.epoll_wait(a, [], 1, 0)).toBe(-EINVAL); // not an epoll fd
      for (const fd of [ep, ep2, a, b, reg]) await sys.close(fd);
    });
  });

  it("nesting: ELOOP for a cycle and for chains longer than EP_MAX_NESTS (4) links", async () => {
    await run(store, async (sys) => {
      const e = Array.from({ length: 7 }, () => sys.epoll_create1(0));
      const r = sys.raw;
      const ev = { events: EPOLLIN, data: 0 };
      // e1 -> e2 -> e3 -> e4 -> e5: four links, allowed (added bottom up, then top down).
      expect(r.epoll_ctl(e[4], EPOLL_CTL_ADD, e[5], ev)).toBe(0);
      expect(r.epoll_ctl(e[3], EPOLL_CTL_ADD, e[4], ev)).toBe(0);
      expect(r.epoll_ctl(e[1], EPOLL_CTL_ADD, e[2], ev)).toBe(0);
      expect(r.epoll_ctl(e[2], EPOLL_CTL_ADD, e[3], ev)).toBe(0);
      expect(r.epoll_ctl(e[0], EPOLL_CTL_ADD, e[1], ev)).toBe(-ELOOP); // a fifth link on top
      expect(r.epoll_ctl(e[5], EPOLL_CTL_ADD, e[6], ev)).toBe(-ELOOP); // a fifth link below
      expect(r.epoll_ctl(e[5], EPOLL_CTL_ADD, e[1], ev)).toBe(-ELOOP); // a cycle
      expect(r.epoll_ctl(e[3], EPOLL_CTL_ADD, e[2], ev)).toBe(-ELOOP); // a short cycle
      // Cutting the chain makes room.
      expect(r.epoll_ctl(e[1], EPOLL_CTL_DEL, e[2], null)).toBe(0);
      expect(r.epoll_ctl(e[0], EPOLL_CTL_ADD, e[1], ev)).toBe(0);
      for (const fd of e) await sys.close(fd);
    });
  });

  it("level-triggered reports while data remains; edge-triggered once per arrival, partial reads or not", async () => {
    await run(store, async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const lt = sys.epoll_create1(0);
      const et = sys.epoll_create1(0);
      add(sys, lt, a, EPOLLIN);
      add(sys, et, a, EPOLLIN | EPOLLET);
      expect(waitNow(sys, lt)).toEqual([]);
      expect(waitNow(sys, et)).toEqual([]);
      await sys.write(b, bytes("0123456789"));
      expect(waitNow(sys, lt)).toEqual([{ events: EPOLLIN, data: a }]);
      expect(waitNow(sys, lt)).toEqual([{ events: EPOLLIN, data: a }]); // still ready: reported again
      expect(waitNow(sys, et)).toEqual([{ events: EPOLLIN, data: a }]);
      expect(waitNow(sys, et)).toEqual([]); // no new edge
      await sys.read(a, new Uint8Array(4)); // partial read: 6 bytes left
      expect(waitNow(sys, lt)).toHaveLength(1);
      expect(waitNow(sys, et)).toEqual([]); // ET: data left behind is not an event
      await sys.write(b, bytes("x")); // a new arrival is
      expect(waitNow(sys, et)).toEqual([{ events: EPOLLIN, data: a }]);
      await sys.read(a, new Uint8Array(64));
      expect(waitNow(sys, lt)).toEqual([]); // drained: the level-triggered entry leaves the list
      expect(eventpollOf(k.process(sys.getpid())!, lt)!.readyCount).toBe(0);
      for (const fd of [a, b, lt, et]) await sys.close(fd);
    });
  });

  it("EPOLLONESHOT reports once, then stays disarmed until EPOLL_CTL_MOD re-arms it", async () => {
    await run(store, async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const ep = sys.epoll_create1(0);
      add(sys, ep, a, EPOLLIN | EPOLLONESHOT, 42);
      await sys.write(b, bytes("one"));
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLIN, data: 42 }]);
      expect(waitNow(sys, ep)).toEqual([]);
      await sys.write(b, bytes("two")); // more data: still disarmed
      expect(waitNow(sys, ep)).toEqual([]);
      // MOD re-arms (and the data changes with it); the pending data makes it ready at once.
      sys.epoll_ctl(ep, EPOLL_CTL_MOD, a, { events: EPOLLIN | EPOLLONESHOT, data: 43 });
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLIN, data: 43 }]);
      expect(waitNow(sys, ep)).toEqual([]);
      for (const fd of [a, b, ep]) await sys.close(fd);
    });
  });

  it("reports only the events asked for, plus EPOLLERR/EPOLLHUP always; RDHUP and HUP on peer shutdown/close", async () => {
    await run(store, async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const ep = sys.epoll_create1(0);
      add(sys, ep, a, EPOLLOUT | EPOLLRDHUP);
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLOUT, data: a }]);
      sys.epoll_ctl(ep, EPOLL_CTL_MOD, a, { events: EPOLLIN | EPOLLRDHUP | EPOLLET, data: a });
      expect(waitNow(sys, ep)).toEqual([]);
      sys.shutdown(b, SHUT_WR); // peer sends no more: readable (EOF) and RDHUP
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLIN | EPOLLRDHUP, data: a }]);
      sys.epoll_ctl(ep, EPOLL_CTL_MOD, a, { events: 0, data: a }); // nothing asked: only ERR/HUP can come
      expect(waitNow(sys, ep)).toEqual([]);
      await sys.close(b); // peer gone: HUP, reported although not asked for
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLHUP, data: a }]);
      for (const fd of [a, ep]) await sys.close(fd);
    });
  });

  it("timeouts: 0 does not wait, n ms waits n ms of virtual time, -1 waits for an event", async () => {
    await run(store, async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const ep = sys.epoll_create1(0);
      add(sys, ep, a, EPOLLIN);
      const ev: EpollEvent[] = [];
      let t0 = k.now();
      expect(await sys.epoll_wait(ep, ev, 4, 0)).toBe(0);
      expect(k.now()).toBe(t0);
      expect(await sys.epoll_wait(ep, ev, 4, 25)).toBe(0);
      expect(k.now() - t0).toBe(25 * MS); // exactly: an hrtimer, not jiffies
      const writer = sys.fork(async (child) => {
        await child.nanosleep(7 * MS + 123);
        await child.write(b, bytes("!"));
        child.exit(0);
      });
      t0 = k.now();
      expect(await sys.epoll_wait(ep, ev, 4, -1)).toBe(1);
      expect(k.now() - t0).toBe(7 * MS + 123);
      expect(ev[0]).toEqual({ events: EPOLLIN, data: a });
      // Woken before the timeout: returns then, not at the timeout.
      await sys.read(a, new Uint8Array(8));
      const w2 = sys.fork(async (child) => {
        await child.nanosleep(3 * MS);
        await child.write(b, bytes("?"));
        child.exit(0);
      });
      t0 = k.now();
      expect(await sys.epoll_wait(ep, ev, 4, 1000)).toBe(1);
      expect(k.now() - t0).toBe(3 * MS);
      await sys.waitpid(writer);
      await sys.waitpid(w2);
      for (const fd of [a, b, ep]) await sys.close(fd);
    });
  });

  it("a signal handler interrupts epoll_wait: EINTR", async () => {
    const k = await newKernel(store);
    let r = 0;
    const p = k.spawn("w", async (sys) => {
      sys.signal(SIGUSR1, () => {});
      const ep = sys.epoll_create1(0);
      r = (await sys.raw.epoll_wait(ep, [], 1, -1)) as number;
      await sys.close(ep);
    });
    await k.advance(5 * MS);
    k.kill(p.pid, SIGUSR1);
    await runAll(k, p);
    expect(r).toBe(-EINTR);
    expectNoLeaks(k);
  });

  it("maxevents caps a batch; level-triggered entries rotate through the tail", async () => {
    await run(store, async (sys) => {
      const ep = sys.epoll_create1(0);
      const pairs = Array.from({ length: 5 }, () => sys.socketpair(AF_UNIX, SOCK_STREAM));
      for (const [i, [a, b]] of pairs.entries()) {
        add(sys, ep, a, EPOLLIN, 100 + i);
        await sys.write(b, bytes("x"));
      }
      const ids = (n: number) => waitNow(sys, ep, n).map((e) => e.data - 100);
      expect(ids(2)).toEqual([0, 1]);
      expect(ids(2)).toEqual([2, 3]);
      expect(ids(2)).toEqual([4, 0]);
      expect(ids(10)).toEqual([1, 2, 3, 4, 0]);
      // The events array is reused in place, as the C array is.
      const arr: EpollEvent[] = [{ events: 0, data: -1 }];
      const keep = arr[0];
      expect(sys.raw.epoll_wait(ep, arr, 1, 0)).toBe(1);
      expect(arr[0]).toBe(keep);
      expect(keep.data - 100).toBe(1);
      for (const [a, b] of pairs) {
        await sys.close(a);
        await sys.close(b);
      }
      await sys.close(ep);
    });
  });

  it("closing one of two dup'ed fds leaves the registration: events come for the closed number", async () => {
    await run(store, async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const ep = sys.epoll_create1(0);
      add(sys, ep, a, EPOLLIN);
      const d = sys.dup(a);
      await sys.close(a);
      await sys.write(b, bytes("surprise"));
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLIN, data: a }]); // a is closed
      expect(sys.raw.epoll_ctl(ep, EPOLL_CTL_DEL, a, null)).toBe(-EBADF); // and cannot be removed by it
      expect(sys.raw.epoll_ctl(ep, EPOLL_CTL_DEL, d, null)).toBe(-ENOENT); // registered as (file, a), not d
      // Another fd may take number a again; the old registration still reports under it.
      const e = sys.eventfd(0);
      expect(e).toBe(a);
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLIN, data: a }]);
      await sys.close(e);
      await sys.close(d); // the last reference: the registration goes with the file
      expect(eventpollOf(k.process(sys.getpid())!, ep)!.size).toBe(0);
      expect(waitNow(sys, ep)).toEqual([]);
      await sys.close(b);
      await sys.close(ep);
    });
  });

  it("after fork the child's reference keeps the registration alive until it exits", async () => {
    await run(store, async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const ep = sys.epoll_create1(0);
      add(sys, ep, a, EPOLLIN);
      const efd = sys.eventfd(0);
      const child = sys.fork(async (c) => {
        // Hold everything until the parent says so.
        await c.read(efd, new Uint8Array(8));
        c.exit(0);
      });
      await sys.close(a);
      await sys.write(b, bytes("still watched"));
      expect(waitNow(sys, ep)).toEqual([{ events: EPOLLIN, data: a }]);
      const one = new Uint8Array(8);
      new DataView(one.buffer).setBigUint64(0, 1n, true);
      await sys.write(efd, one);
      await sys.waitpid(child);
      expect(eventpollOf(k.process(sys.getpid())!, ep)!.size).toBe(0);
      expect(waitNow(sys, ep)).toEqual([]);
      for (const fd of [b, ep, efd]) await sys.close(fd);
    });
  });

  it("an epoll fd is pollable and nests: readiness and wakeups propagate outwards", async () => {
    await run(store, async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const inner = sys.epoll_create1(0);
      const outer = sys.epoll_create1(0);
      add(sys, inner, a, EPOLLIN);
      add(sys, outer, inner, EPOLLIN, 7);
      const pfd = [{ fd: inner, events: POLLIN, revents: 0 }];
      expect(sys.raw.poll(pfd, 0)).toBe(0);
      expect(waitNow(sys, outer)).toEqual([]);
      const writer = sys.fork(async (c) => {
        await c.nanosleep(2 * MS);
        await c.write(b, bytes("nested"));
        c.exit(0);
      });
      const t0 = k.now();
      const ev: EpollEvent[] = [];
      expect(await sys.epoll_wait(outer, ev, 4, -1)).toBe(1); // woken through the inner instance
      expect(k.now() - t0).toBe(2 * MS);
      expect(ev[0]).toEqual({ events: EPOLLIN, data: 7 });
      expect(sys.raw.poll(pfd, 0)).toBe(1);
      expect(pfd[0].revents).toBe(POLLIN);
      expect(waitNow(sys, inner)).toEqual([{ events: EPOLLIN, data: a }]);
      await sys.read(a, new Uint8Array(16));
      // The inner entry is stale now; polling the inner fd drops it and reports nothing.
      expect(sys.raw.poll(pfd, 0)).toBe(0);
      expect(eventpollOf(k.process(sys.getpid())!, inner)!.readyCount).toBe(0);
      expect(waitNow(sys, outer)).toEqual([]);
      await sys.waitpid(writer);
      // Closing the inner instance removes it from the outer one.
      await sys.close(inner);
      expect(eventpollOf(k.process(sys.getpid())!, outer)!.size).toBe(0);
      for (const fd of [a, b, outer]) await sys.close(fd);
    });
  });

  it("epoll_wait sleepers on one instance wake one per event (exclusive); EPOLLWAKEUP is kept only for root", async () => {
    const k = await newKernel(store);
    let ep = -1;
    let efd = -1;
    const got: number[] = [];
    const parent = k.spawn("p", async (sys) => {
      ep = sys.epoll_create1(0);
      efd = sys.eventfd(0);
      sys.epoll_ctl(ep, EPOLL_CTL_ADD, efd, { events: EPOLLIN | EPOLLET | EPOLLWAKEUP, data: 1 });
      expect(
        eventpollOf(k.process(sys.getpid())!, ep)!.items.values().next().value!.events & EPOLLWAKEUP,
      ).toBe(EPOLLWAKEUP);
      const kids = [0, 1, 2].map((i) =>
        sys.fork(async (c) => {
          const ev: EpollEvent[] = [];
          const n = await c.epoll_wait(ep, ev, 1, 50);
          got.push(n);
          c.exit(0);
          return i;
        }),
      );
      await sys.nanosleep(MS);
      const one = new Uint8Array(8);
      new DataView(one.buffer).setBigUint64(0, 1n, true);
      await sys.write(efd, one);
      for (const c of kids) await sys.waitpid(c);
      await sys.close(ep);
      await sys.close(efd);
    });
    await runAll(k, parent);
    // One child got the event at once; the others timed out at 50 ms.
    expect(got.sort()).toEqual([0, 0, 1]);
    const user = k.spawn("u", { uid: 1000 }, async (sys) => {
      const e = sys.epoll_create1(0);
      const f = sys.eventfd(0);
      sys.epoll_ctl(e, EPOLL_CTL_ADD, f, { events: EPOLLIN | EPOLLWAKEUP, data: 0 });
      expect(
        eventpollOf(k.process(sys.getpid())!, e)!.items.values().next().value!.events & EPOLLWAKEUP,
      ).toBe(0);
      await sys.close(e);
      await sys.close(f);
    });
    await runAll(k, user);
    expectNoLeaks(k);
  });

  it("fdinfo lists the targets as Linux's ep_show_fdinfo; readlink says anon_inode:[eventpoll]", async () => {
    await run(store, async (sys, k) => {
      const ep = sys.epoll_create1(0);
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      add(sys, ep, a, EPOLLIN | EPOLLET, 0x1234);
      const task = k.process(sys.getpid())!;
      const info = task.fdinfo(ep)!;
      const ino = task.fds().find((x) => x.fd === a)!.ino;
      expect(info).toContain(
        `tfd: ${String(a).padStart(8)} events: 80000019 data:             1234  pos:0 ino:${ino.toString(16)} sdev:0\n`,
      );
      expect(task.fds().find((x) => x.fd === ep)!.link).toBe("anon_inode:[eventpoll]");
      for (const fd of [ep, a, b]) await sys.close(fd);
    });
  });

  it("closing the epoll fd unhooks every entry from the watched files' wait queues", async () => {
    await run(store, async (sys, k) => {
      const ep = sys.epoll_create1(0);
      const fds = Array.from({ length: 50 }, () => sys.eventfd(0));
      for (const fd of fds) add(sys, ep, fd, EPOLLIN | EPOLLOUT);
      expect(k.stats().epollCells).toBe(51);
      expect(waitNow(sys, ep, 100)).toHaveLength(50); // every eventfd is writable
      const task = k.process(sys.getpid())!;
      const q = task.fds().find((x) => x.fd === fds[0])!.file;
      expect(q.ops.pollQueue(q)!.length).toBe(1);
      await sys.close(ep);
      expect(q.ops.pollQueue(q)!.length).toBe(0);
      expect(q.watchers).toBeNull();
      expect(k.stats().epollCells).toBe(0);
      for (const fd of fds) await sys.close(fd);
    });
  });

  it("exit closes everything: instances and registrations go with the process", async () => {
    const k = await newKernel(store);
    const p = k.spawn("leaky", async (sys) => {
      const ep = sys.epoll_create1(0);
      const inner = sys.epoll_create1(0);
      const [a] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      add(sys, inner, a, EPOLLIN);
      add(sys, ep, inner, EPOLLIN);
      add(sys, ep, a, EPOLLOUT);
      return 0;
    });
    await runAll(k, p);
    expectNoLeaks(k);
    expect(k.stats().epollCells).toBe(0);
  });

  it("EAGAIN is never an epoll error: an empty non-blocking wait returns 0", async () => {
    await run(store, async (sys) => {
      const ep = sys.epoll_create1(0);
      expect(sys.raw.epoll_wait(ep, [], 1, 0)).toBe(0);
      expect(sys.raw.epoll_wait(ep, [], 1, 0)).not.toBe(-EAGAIN);
      await sys.close(ep);
    });
  });
});

describe("epoll without a core", () => {
  it("a kernel with neither a core nor an epoll store has no epoll: ENOSYS, as Linux without CONFIG_EPOLL", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      expect(sys.raw.epoll_create1(0)).toBe(-ENOSYS);
      expect(sys.raw.epoll_create(1)).toBe(-ENOSYS);
    });
    await runAll(k, p);
  });

  it("EPOLLIN | EPOLLRDNORM is what an epoll fd reports when polled", async () => {
    await run("wasm", async (sys) => {
      const ep = sys.epoll_create1(0);
      const efd = sys.eventfd(1);
      add(sys, ep, efd, EPOLLIN);
      const pfd = [{ fd: ep, events: 0xffff, revents: 0 }];
      expect(sys.raw.poll(pfd, 0)).toBe(1);
      expect(pfd[0].revents).toBe(EPOLLIN | EPOLLRDNORM);
      expect(EPOLLERR | EPOLLHUP).toBe(0x18);
      await sys.close(ep);
      await sys.close(efd);
    });
  });
});
