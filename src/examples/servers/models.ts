// Seven ways to write a server, as programs for wirestack processes: the classic models from the
// seed texts (C10K, "thundering herd"), each serving the protocol of protocol.ts on one TCP port.
//
//   iterative        one process: accept, serve that connection to its end, accept the next
//   fork             process per connection: the parent accepts and forks a child per connection
//   tasks            task per connection: one process, one async task (a thread, in effect) each
//   epoll            one process, one thread: non-blocking sockets and an edge-triggered epoll loop
//   workers-epoll    W forked workers, each its own epoll loop over the one shared listener
//                    (every worker's epoll watches it: a connection wakes them all — the herd)
//   reuseport        W workers, each with its own SO_REUSEPORT listener and epoll loop
//   prefork          W forked workers blocked in accept() on one shared listener (Apache prefork)
//
// A model gets a ModelCtx: the port, the worker count, the per-request service time (charged as a
// nanosleep: CPU time in virtual time; a process or task is its own CPU), and `enter(sys)`, which
// every server process calls first so the harness can read its counters.

import {
  AF_INET,
  EPOLL_CTL_ADD,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  MSG_WAITALL,
  SIGCHLD,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../kernel/constants.js";
import { EAGAIN, EINTR, SyscallError } from "../../kernel/errno.js";
import type { EpollEvent } from "../../kernel/eventpoll.js";
import type { Sys } from "../../kernel/syscalls.js";
import { makeResponse, REQ_SIZE, RESP_SIZE } from "./protocol.js";

export interface ModelCtx {
  port: number;
  /** Worker processes for the multi-worker models. */
  workers: number;
  /** Virtual CPU time per request (ns), spent in nanosleep; 0 for none. */
  serviceNs: number;
  /** Every server process calls this first (the harness reads its wakeup counters). */
  enter(sys: Sys): void;
  /** Errors a detached task could not throw anywhere. */
  errors: unknown[];
}

export interface ServerModel {
  name: string;
  title: string;
  /** The server's main program; runs until the harness kills it. */
  serve(sys: Sys, ctx: ModelCtx): Promise<void>;
}

const FOREVER = 1e15;
const LISTEN_BACKLOG = 1024;

function listenOn(sys: Sys, ctx: ModelCtx, opts: { nonblock?: boolean; reuseport?: boolean } = {}): number {
  const l = sys.socket(AF_INET, SOCK_STREAM | (opts.nonblock ? SOCK_NONBLOCK : 0), 0);
  sys.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
  if (opts.reuseport) sys.setsockopt(l, SOL_SOCKET, SO_REUSEPORT, 1);
  sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: ctx.port });
  sys.listen(l, LISTEN_BACKLOG);
  return l;
}

/** Blocking I/O: read whole requests (MSG_WAITALL), answer each, until the client closes. */
async function serveBlocking(sys: Sys, fd: number, ctx: ModelCtx): Promise<void> {
  const req = new Uint8Array(REQ_SIZE);
  const resp = new Uint8Array(RESP_SIZE);
  try {
    for (;;) {
      const n = await sys.recv(fd, req, MSG_WAITALL);
      if (n < REQ_SIZE) break; // end of stream (or the client left mid-request)
      if (ctx.serviceNs > 0) await sys.nanosleep(ctx.serviceNs);
      await sys.send(fd, makeResponse(req, resp));
    }
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e; // ECONNRESET and friends end the connection
  }
  await sys.close(fd);
}

// ---- the event loop (non-blocking sockets, edge-triggered epoll) ----

interface Conn {
  fd: number;
  inBuf: Uint8Array;
  inLen: number;
  /** Responses not yet fully sent, and how much of the first went out. */
  out: Uint8Array[];
  outOff: number;
  /** EPOLLOUT is in the interest mask (only while a response waits for send-buffer space). */
  wantOut: boolean;
}

const CONN_EVENTS = EPOLLIN | EPOLLRDHUP | EPOLLET;

/**
 * One thread's event loop over `listeners` (non-blocking). Edge-triggered, so every readiness is
 * drained to EAGAIN: accept until EAGAIN, read until EAGAIN, write until done or EAGAIN. EPOLLOUT
 * is asked for only while a response is stuck (EPOLL_CTL_MOD on and off), so a connection whose
 * writes go straight out never wakes the loop for write space. Uses the raw syscall forms: EAGAIN
 * costs no exception.
 */
async function eventLoop(sys: Sys, listeners: number[], ctx: ModelCtx, listenFlags = 0): Promise<never> {
  const raw = sys.raw;
  const ep = sys.epoll_create1(0);
  for (const l of listeners) sys.epoll_ctl(ep, EPOLL_CTL_ADD, l, { events: EPOLLIN | listenFlags, data: l });
  const conns = new Map<number, Conn>();
  const events: EpollEvent[] = [];

  const close = async (c: Conn) => {
    conns.delete(c.fd);
    await raw.close(c.fd); // the last reference: its epoll registration goes too
  };
  const want = (c: Conn, out: boolean) => {
    if (c.wantOut === out) return;
    c.wantOut = out;
    sys.epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, { events: CONN_EVENTS | (out ? EPOLLOUT : 0), data: c.fd });
  };
  const flush = (c: Conn): boolean => {
    while (c.out.length > 0) {
      const buf = c.out[0];
      const r = raw.send(c.fd, buf.subarray(c.outOff)) as number; // non-blocking: never sleeps
      if (r === -EAGAIN) {
        want(c, true);
        return true;
      }
      if (r < 0) return false;
      c.outOff += r;
      if (c.outOff === buf.length) {
        c.out.shift();
        c.outOff = 0;
      }
    }
    want(c, false);
    return true;
  };
  // Read until EAGAIN; answer every whole request. Returns false when the connection is done.
  const drain = async (c: Conn): Promise<boolean> => {
    for (;;) {
      const r = raw.recv(c.fd, c.inBuf.subarray(c.inLen)) as number;
      if (r === -EAGAIN) return true;
      if (r <= 0) return false; // end of stream or error
      c.inLen += r;
      let off = 0;
      while (c.inLen - off >= REQ_SIZE) {
        if (ctx.serviceNs > 0) await sys.nanosleep(ctx.serviceNs); // the whole loop waits: one thread
        c.out.push(makeResponse(c.inBuf.subarray(off, off + REQ_SIZE)));
        off += REQ_SIZE;
      }
      c.inBuf.copyWithin(0, off, c.inLen);
      c.inLen -= off;
      if (!flush(c)) return false;
    }
  };

  for (;;) {
    const n = (await raw.epoll_wait(ep, events, 64, -1)) as number;
    if (n === -EINTR) continue;
    if (n < 0) throw new SyscallError("epoll_wait", -n);
    for (let i = 0; i < n; i++) {
      const { events: ev, data: fd } = events[i];
      if (listeners.includes(fd)) {
        for (;;) {
          const c = raw.accept4(fd, null, SOCK_NONBLOCK) as number;
          if (c < 0) break; // EAGAIN: another worker got it, or the queue is drained
          conns.set(c, { fd: c, inBuf: new Uint8Array(4096), inLen: 0, out: [], outOff: 0, wantOut: false });
          sys.epoll_ctl(ep, EPOLL_CTL_ADD, c, { events: CONN_EVENTS, data: c });
        }
        continue;
      }
      const c = conns.get(fd);
      if (!c) continue;
      let alive = true;
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) alive = await drain(c);
      if (alive && ev & EPOLLOUT) alive = flush(c);
      if (!alive) await close(c);
    }
  }
}

/** Fork `n` workers running `fn`, then sleep (the harness kills everyone at the end). */
async function forkWorkers(sys: Sys, ctx: ModelCtx, fn: (w: Sys) => Promise<void>): Promise<void> {
  for (let i = 0; i < ctx.workers; i++)
    sys.fork(async (w) => {
      ctx.enter(w);
      await fn(w);
    });
  await sys.nanosleep(FOREVER);
}

export const models: ServerModel[] = [
  {
    name: "iterative",
    title: "iterative: one connection at a time",
    async serve(sys, ctx) {
      const l = listenOn(sys, ctx);
      for (;;) await serveBlocking(sys, await sys.accept(l), ctx);
    },
  },
  {
    name: "fork",
    title: "process per connection (fork)",
    async serve(sys, ctx) {
      sys.signal(SIGCHLD, "ignore"); // children are reaped as they exit
      const l = listenOn(sys, ctx);
      for (;;) {
        const c = await sys.accept(l);
        sys.fork(async (child) => {
          ctx.enter(child);
          await child.close(l);
          await serveBlocking(child, c, ctx);
        });
        await sys.close(c);
      }
    },
  },
  {
    name: "tasks",
    title: "task per connection (one process)",
    async serve(sys, ctx) {
      const l = listenOn(sys, ctx);
      for (;;) {
        const c = await sys.accept(l);
        // Detached: the process keeps accepting while the task serves. A kill ends it with
        // ProcessExit, which is not an error of the model.
        serveBlocking(sys, c, ctx).catch((e: unknown) => {
          if (!(e instanceof Error && e.name === "ProcessExit")) ctx.errors.push(e);
        });
      }
    },
  },
  {
    name: "epoll",
    title: "event loop: non-blocking + epoll ET",
    async serve(sys, ctx) {
      await eventLoop(sys, [listenOn(sys, ctx, { nonblock: true })], ctx);
    },
  },
  {
    name: "workers-epoll",
    title: "workers, each its own epoll, one listener",
    async serve(sys, ctx) {
      const l = listenOn(sys, ctx, { nonblock: true });
      await forkWorkers(sys, ctx, (w) => eventLoop(w, [l], ctx));
    },
  },
  {
    name: "reuseport",
    title: "workers with SO_REUSEPORT listeners + epoll",
    async serve(sys, ctx) {
      await forkWorkers(sys, ctx, (w) =>
        eventLoop(w, [listenOn(w, ctx, { nonblock: true, reuseport: true })], ctx),
      );
    },
  },
  {
    name: "prefork",
    title: "prefork: workers blocked in accept()",
    async serve(sys, ctx) {
      const l = listenOn(sys, ctx);
      await forkWorkers(sys, ctx, async (w) => {
        for (;;) await serveBlocking(w, await w.accept(l), ctx);
      });
    },
  },
];

export function findModel(name: string): ServerModel | undefined {
  return models.find((m) => m.name === name);
}
