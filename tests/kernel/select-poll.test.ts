// select(2) and poll(2) over the same readiness epoll uses: POLLIN/OUT/ERR/HUP/NVAL/RDHUP, negative
// fds ignored, FD_SETSIZE and its errno (EINVAL, EBADF, EFAULT), sets and timeouts changed in place,
// precise timeouts on the virtual clock, and a wake from any of the watched files.
import { describe, expect, it } from "vitest";
import {
  AF_UNIX,
  EBADF,
  EFAULT,
  EINTR,
  EINVAL,
  FD_SETSIZE,
  FdSet,
  File,
  type FileOperations,
  Kernel,
  NSEC_PER_MSEC,
  O_RDWR,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDHUP,
  POLLRDNORM,
  POLLWRNORM,
  type PollFd,
  SHUT_WR,
  SIGUSR1,
  SOCK_STREAM,
  type Sys,
  type Timeval,
} from "../../src/kernel/index.js";
import { bytes, expectNoLeaks, runAll } from "../helpers/kernel.js";

const MS = NSEC_PER_MSEC;

async function run(main: (sys: Sys, k: Kernel) => Promise<void>): Promise<Kernel> {
  const k = new Kernel();
  const p = k.spawn("t", async (sys) => {
    await main(sys, k);
  });
  await runAll(k, p);
  expectNoLeaks(k);
  return k;
}

const pfd = (fd: number, events: number): PollFd => ({ fd, events, revents: -1 });

/** A descriptor for a file type that cannot be polled (a regular file in Linux). */
function installRegular(sys: Sys, k: Kernel): number {
  const ops: FileOperations = {
    name: () => "/etc/motd",
    mntId: 1,
    poll: () => {
      throw new Error("poll of a file that cannot be polled");
    },
    noPoll: true,
    pollQueue: () => null,
    release: () => 0,
  };
  const task = k.process(sys.getpid())!;
  const fd = task.files.alloc(0, 1024);
  task.files.install(fd, new File(k, ops, O_RDWR, 0o100644, null), false);
  return fd;
}

describe("FdSet (fd_set)", () => {
  it("holds descriptors 0..FD_SETSIZE-1 as bits, like FD_SET / FD_CLR / FD_ISSET / FD_ZERO", () => {
    const s = FdSet.of(0, 31, 32, 1023);
    expect(s.fds()).toEqual([0, 31, 32, 1023]);
    expect(s.size).toBe(4);
    expect(s.isSet(31)).toBe(true);
    expect(s.isSet(30)).toBe(false);
    s.clear(31);
    expect(s.isSet(31)).toBe(false);
    expect(Array.from(s.bits.subarray(0, 2))).toEqual([1, 1]);
    expect(s.bits[31]).toBe(0x8000_0000);
    s.zero();
    expect(s.fds()).toEqual([]);
    expect(() => s.set(FD_SETSIZE)).toThrow(RangeError);
    expect(() => s.set(-1)).toThrow(RangeError);
    expect(() => s.isSet(1.5)).toThrow(RangeError);
  });
});

describe("poll", () => {
  it("reports asked-for events plus ERR/HUP; POLLNVAL for closed fds; negative fds are skipped", async () => {
    await run(async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const fds = [
        pfd(a, POLLIN),
        pfd(a, POLLOUT),
        pfd(-1, POLLIN),
        pfd(77, POLLIN),
        pfd(b, POLLIN | POLLRDHUP),
      ];
      expect(sys.raw.poll(fds, 0)).toBe(2); // a writable, 77 invalid
      expect(fds.map((p) => p.revents)).toEqual([0, POLLOUT, 0, POLLNVAL, 0]);
      await sys.write(b, bytes("hi"));
      sys.shutdown(a, SHUT_WR);
      expect(sys.raw.poll(fds, 0)).toBe(4);
      expect(fds.map((p) => p.revents)).toEqual([POLLIN, POLLOUT, 0, POLLNVAL, POLLIN | POLLRDHUP]);
      // b's peer closes with "hi" unread: Linux resets b (sk_err = ECONNRESET). ERR and HUP are
      // reported without being asked for.
      await sys.close(a);
      const only = [pfd(b, 0)];
      expect(sys.raw.poll(only, 0)).toBe(1);
      expect(only[0].revents).toBe(POLLERR | POLLHUP);
      await sys.close(b);
    });
  });

  it("a file without f_op->poll is always readable and writable", async () => {
    await run(async (sys, k) => {
      const reg = installRegular(sys, k);
      const fds = [pfd(reg, POLLIN | POLLOUT | POLLPRI)];
      expect(sys.raw.poll(fds, -1)).toBe(1);
      expect(fds[0].revents).toBe(POLLIN | POLLOUT);
      const r = FdSet.of(reg);
      const w = FdSet.of(reg);
      const e = FdSet.of(reg);
      expect(sys.raw.select(reg + 1, r, w, e, null)).toBe(2);
      expect([r.fds(), w.fds(), e.fds()]).toEqual([[reg], [reg], []]);
      await sys.close(reg);
    });
  });

  it("errors: EINVAL beyond RLIMIT_NOFILE, EFAULT for what is not an array of pollfds", async () => {
    await run(async (sys) => {
      const many = Array.from({ length: 1025 }, () => pfd(-1, 0));
      expect(sys.raw.poll(many, 0)).toBe(-EINVAL);
      expect(sys.raw.poll(many.slice(0, 1024), 0)).toBe(0);
      expect(sys.raw.poll(null as unknown as PollFd[], 0)).toBe(-EFAULT);
      expect(sys.raw.poll([{ fd: 0 } as PollFd], 0)).toBe(-EFAULT);
      expect(sys.raw.poll([], 0)).toBe(0);
    });
  });

  it("sleeps until any watched file is ready, or exactly the timeout; a signal handler gives EINTR", async () => {
    await run(async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const [c, d] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const fds = [pfd(a, POLLIN), pfd(c, POLLIN)];
      let t0 = k.now();
      expect(await sys.poll(fds, 13)).toBe(0);
      expect(k.now() - t0).toBe(13 * MS);
      expect(fds.map((p) => p.revents)).toEqual([0, 0]);
      const w = sys.fork(async (child) => {
        await child.nanosleep(4 * MS);
        await child.write(d, bytes("x"));
        child.exit(0);
      });
      t0 = k.now();
      const task = k.process(sys.getpid())!;
      const wakeups = task.wakeups;
      expect(await sys.poll(fds, -1)).toBe(1);
      expect(k.now() - t0).toBe(4 * MS);
      expect(task.wakeups - wakeups).toBe(1);
      expect(fds.map((p) => p.revents)).toEqual([0, POLLIN]);
      await sys.waitpid(w);
      // The registrations are gone after the call.
      const f = task.fds().find((x) => x.fd === a)!.file;
      expect(f.ops.pollQueue(f)!.length).toBe(0);
      sys.signal(SIGUSR1, () => {});
      const pid = sys.getpid();
      const killer = sys.fork(async (child) => {
        await child.nanosleep(MS);
        child.kill(pid, SIGUSR1);
        child.exit(0);
      });
      await sys.read(c, new Uint8Array(4));
      expect(await sys.raw.poll(fds, -1)).toBe(-EINTR);
      await sys.waitpid(killer);
      for (const fd of [a, b, c, d]) await sys.close(fd);
    });
  });

  it("a wake that finds nothing ready is counted as spurious, and the sleep goes on", async () => {
    await run(async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const task = k.process(sys.getpid())!;
      const w = sys.fork(async (child) => {
        await child.nanosleep(MS);
        await child.write(b, bytes("1"));
        await child.nanosleep(MS);
        await child.write(b, bytes("2"));
        child.exit(0);
      });
      // Ask for POLLPRI only: data arrival wakes the sleeper (the key includes POLLPRI) but does not satisfy it.
      const fds = [pfd(a, POLLPRI)];
      expect(await sys.poll(fds, 5)).toBe(0);
      expect(task.spuriousWakeups).toBe(2);
      await sys.waitpid(w);
      await sys.close(a);
      await sys.close(b);
    });
  });
});

describe("select", () => {
  it("changes the sets in place to the ready descriptors and returns the total over the three sets", async () => {
    await run(async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.write(b, bytes("data"));
      const r = FdSet.of(a, b);
      const w = FdSet.of(a);
      const e = FdSet.of(a, b);
      expect(await sys.select(Math.max(a, b) + 1, r, w, e, { tv_sec: 0, tv_usec: 0 })).toBe(2);
      expect(r.fds()).toEqual([a]);
      expect(w.fds()).toEqual([a]);
      expect(e.fds()).toEqual([]);
      // Descriptors at or above nfds are not looked at (even closed ones).
      const r2 = FdSet.of(a, 900);
      expect(await sys.select(a + 1, r2, null, null, { tv_sec: 0, tv_usec: 0 })).toBe(1);
      expect(r2.fds()).toEqual([a]);
      await sys.close(a);
      await sys.close(b);
    });
  });

  it("errno: EINVAL for nfds < 0, nfds > FD_SETSIZE and bad timeouts; EBADF for a closed fd in any set; EFAULT", async () => {
    await run(async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const zero = () => ({ tv_sec: 0, tv_usec: 0 });
      expect(sys.raw.select(-1, null, null, null, zero())).toBe(-EINVAL);
      expect(sys.raw.select(FD_SETSIZE + 1, null, null, null, zero())).toBe(-EINVAL);
      expect(sys.raw.select(FD_SETSIZE, null, null, null, zero())).toBe(0);
      expect(sys.raw.select(1, null, null, null, { tv_sec: -1, tv_usec: 0 })).toBe(-EINVAL);
      expect(sys.raw.select(1, null, null, null, { tv_sec: 0, tv_usec: -1 })).toBe(-EINVAL);
      expect(sys.raw.select(1, null, null, null, {} as Timeval)).toBe(-EFAULT);
      expect(sys.raw.select(1, new Set([0]) as unknown as FdSet, null, null, zero())).toBe(-EFAULT);
      const closed = 50;
      for (const sets of [
        [FdSet.of(closed), null, null],
        [null, FdSet.of(closed), null],
        [null, null, FdSet.of(a, closed)],
      ] as (FdSet | null)[][]) {
        const before = sets.map((s) => s?.fds());
        expect(sys.raw.select(closed + 1, sets[0], sets[1], sets[2], zero())).toBe(-EBADF);
        expect(sets.map((s) => s?.fds())).toEqual(before); // untouched on error
      }
      await sys.close(a);
      await sys.close(b);
    });
  });

  it("sleeps until ready or exactly the timeout, and writes back the time left (tv_usec carries)", async () => {
    await run(async (sys, k) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const tv = { tv_sec: 0, tv_usec: 2_500_000 }; // 2.5 s
      let t0 = k.now();
      const r = FdSet.of(a);
      expect(await sys.select(a + 1, r, null, null, tv)).toBe(0);
      expect(k.now() - t0).toBe(2500 * MS);
      expect(tv).toEqual({ tv_sec: 0, tv_usec: 0 });
      expect(r.fds()).toEqual([]);
      const w = sys.fork(async (child) => {
        await child.nanosleep(300 * MS);
        await child.write(b, bytes("x"));
        child.exit(0);
      });
      const tv2 = { tv_sec: 1, tv_usec: 0 };
      const r2 = FdSet.of(a);
      t0 = k.now();
      expect(await sys.select(a + 1, r2, null, null, tv2)).toBe(1);
      expect(k.now() - t0).toBe(300 * MS);
      expect(tv2).toEqual({ tv_sec: 0, tv_usec: 700_000 });
      expect(r2.fds()).toEqual([a]);
      await sys.waitpid(w);
      // null timeout: forever; woken by the peer's close (HUP makes a descriptor readable for select).
      const w2 = sys.fork(async (child) => {
        await child.nanosleep(MS);
        await child.close(b);
        child.exit(0);
      });
      await sys.close(b);
      await sys.read(a, new Uint8Array(1));
      const r3 = FdSet.of(a);
      expect(await sys.select(a + 1, r3, null, null, null)).toBe(1);
      expect(r3.fds()).toEqual([a]);
      await sys.waitpid(w2);
      await sys.close(a);
    });
  });

  it("POLLERR and POLLHUP make a descriptor readable for select; POLLERR also writable", () => {
    // The POLLIN_SET / POLLOUT_SET of Linux fs/select.c, checked through a file whose readiness we set.
    const k = new Kernel();
    let mask = 0;
    const ops: FileOperations = {
      name: () => "x",
      mntId: 1,
      poll: () => mask,
      pollQueue: () => null,
      release: () => 0,
    };
    const results: number[][] = [];
    const p = k.spawn("t", async (sys) => {
      const task = k.process(sys.getpid())!;
      const fd = task.files.alloc(0, 1024);
      task.files.install(fd, new File(k, ops, O_RDWR, 0, null), false);
      for (const m of [POLLERR, POLLHUP, POLLRDNORM, POLLWRNORM, POLLPRI]) {
        mask = m;
        const r = FdSet.of(fd);
        const w = FdSet.of(fd);
        const e = FdSet.of(fd);
        sys.raw.select(fd + 1, r, w, e, { tv_sec: 0, tv_usec: 0 });
        results.push([r.size, w.size, e.size]);
      }
      await sys.close(fd);
    });
    return runAll(k, p).then(() => {
      expect(results).toEqual([
        [1, 1, 0], // ERR
        [1, 0, 0], // HUP
        [1, 0, 0], // RDNORM
        [0, 1, 0], // WRNORM
        [0, 0, 1], // PRI: exceptional condition
      ]);
    });
  });
});
