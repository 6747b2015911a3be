// `wirestack bench epoll`: one ready descriptor among n registered (n = 10, 100, 1k, 10k, 100k),
// found with epoll_wait, poll or select — the scan the seed texts compare. Every call is a real
// system call of a process (the raw form, timeout 0, so nothing sleeps) on eventfds: the cheapest
// pollable file (a counter; the ready one holds 1, the others 0). RLIMIT_NOFILE is raised to fit.
//   wasm    epoll_wait over the Wasm ready list: the one ready epitem is walked, re-polled, reported
//           and requeued (level-triggered) in one epCommit crossing; cost independent of n
//   ts      the same epoll_wait with the ready list in the TypeScript twin (src/twin/epoll.ts)
//   poll    poll() over n pollfds (fd lookup + f_op->poll each)
//   select  select() over an fd_set (FdSet) of n descriptors, reset from a template before each
//           call as C code must (select rewrites the set); only up to 1k: FD_SETSIZE is 1024
// Case names are `<api>-<n>`: epoll-10 ... epoll-100k, poll-10 ... poll-100k, select-10 ... select-1k.
// Targets (issue 4, same run): epoll_wait at 100k <= 1.5x its cost at 1k; poll at 100k >= 100x epoll.
import { EPOLL_CTL_ADD, EPOLLIN, POLLIN, RLIMIT_NOFILE } from "../../src/kernel/constants.js";
import type { EpollEvent } from "../../src/kernel/eventpoll.js";
import { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import { FdSet, type PollFd } from "../../src/kernel/select.js";
import { loadCore } from "../../src/node.js";
import { EpollTwin } from "../../src/twin/epoll.js";
import type { BenchCase, Suite } from "../harness.js";

const SIZES: [string, number][] = [
  ["10", 10],
  ["100", 100],
  ["1k", 1000],
  ["10k", 10_000],
  ["100k", 100_000],
];
const SELECT_MAX = 1000;
const MAX_EVENTS = 64;

export let sink = 0;

/** A process that stays runnable (never sleeps) so the bench can make its system calls. */
function benchProcess(k: Kernel): Process {
  const p = k.spawn("bench", () => new Promise<void>(() => {}));
  const lim = 2 * SIZES[SIZES.length - 1][1] + 64;
  if (p.sys.setrlimit(RLIMIT_NOFILE, { rlim_cur: lim, rlim_max: lim }) !== 0) throw new Error("setrlimit");
  return p;
}

interface Setup {
  proc: Process;
  /** Eventfd descriptors; the first is the ready one. */
  fds: number[];
  /** An epoll fd per size, watching the first n eventfds for EPOLLIN. */
  eps: number[];
}

function setup(k: Kernel, withEpoll: boolean): Setup {
  const proc = benchProcess(k);
  const sys = proc.sys;
  const max = SIZES[SIZES.length - 1][1];
  const fds: number[] = [];
  for (let i = 0; i < max; i++) fds.push(sys.eventfd(i === 0 ? 1 : 0));
  const eps: number[] = [];
  if (withEpoll)
    for (const [, n] of SIZES) {
      const ep = sys.epoll_create1(0);
      for (let i = 0; i < n; i++) sys.epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], { events: EPOLLIN, data: fds[i] });
      eps.push(ep);
    }
  return { proc, fds, eps };
}

export const epollSuite: Suite = {
  name: "epoll",
  description: "epoll_wait (Wasm ready list, TS twin) vs poll vs select: 1 ready among 10 .. 100k registered",
  async cases(): Promise<BenchCase[]> {
    const wasmK = new Kernel({ core: await loadCore() });
    const tsK = new Kernel();
    tsK.epollStore = new EpollTwin();
    const w = setup(wasmK, true);
    const t = setup(tsK, true);
    const cases: BenchCase[] = [];
    const events: EpollEvent[] = Array.from({ length: MAX_EVENTS }, () => ({ events: 0, data: 0 }));

    // Every path finds exactly the one ready descriptor before anything is timed.
    for (const [si, [name, n]] of SIZES.entries()) {
      for (const s of [w, t]) {
        const r = s.proc.sys.raw.epoll_wait(s.eps[si], events, MAX_EVENTS, 0);
        if (r !== 1 || events[0].data !== s.fds[0]) throw new Error(`epoll-${name}: ${r} events`);
      }
      const pfds: PollFd[] = w.fds.slice(0, n).map((fd) => ({ fd, events: POLLIN, revents: 0 }));
      if (w.proc.sys.raw.poll(pfds, 0) !== 1 || pfds[0].revents !== POLLIN) throw new Error(`poll-${name}`);
    }

    const epollOps = 200;
    for (const [si, [name]] of SIZES.entries()) {
      for (const [impl, s] of [
        ["wasm", w],
        ["ts", t],
      ] as const) {
        const raw = s.proc.sys.raw;
        const ep = s.eps[si];
        cases.push({
          case: `epoll-${name}`,
          impl,
          ops: epollOps,
          bytes: 0,
          fn: () => {
            let x = 0;
            for (let i = 0; i < epollOps; i++) x += raw.epoll_wait(ep, events, MAX_EVENTS, 0) as number;
            sink += x;
          },
        });
      }
    }
    for (const [name, n] of SIZES) {
      const raw = w.proc.sys.raw;
      const pfds: PollFd[] = w.fds.slice(0, n).map((fd) => ({ fd, events: POLLIN, revents: 0 }));
      const ops = Math.max(1, Math.round(20_000 / n));
      cases.push({
        case: `poll-${name}`,
        impl: "poll",
        ops,
        bytes: 0,
        fn: () => {
          let x = 0;
          for (let i = 0; i < ops; i++) x += raw.poll(pfds, 0) as number;
          sink += x;
        },
      });
    }
    for (const [name, n] of SIZES) {
      if (n > SELECT_MAX) continue;
      const raw = w.proc.sys.raw;
      const want = FdSet.of(...w.fds.slice(0, n));
      const nfds = Math.max(...w.fds.slice(0, n)) + 1;
      const rset = new FdSet();
      const tv = { tv_sec: 0, tv_usec: 0 };
      rset.bits.set(want.bits);
      if (raw.select(nfds, rset, null, null, tv) !== 1) throw new Error(`select-${name}`);
      const ops = Math.max(1, Math.round(20_000 / n));
      cases.push({
        case: `select-${name}`,
        impl: "select",
        ops,
        bytes: 0,
        fn: () => {
          let x = 0;
          for (let i = 0; i < ops; i++) {
            rset.bits.set(want.bits);
            x += raw.select(nfds, rset, null, null, tv) as number;
          }
          sink += x;
        },
      });
    }
    return cases;
  },
};
