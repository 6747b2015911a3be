// eventfd (Linux fs/eventfd.c): a file around one u64 counter. write() adds to it, read() takes it
// (or 1 in EFD_SEMAPHORE mode) and blocks while it is 0; readable while the counter is non-zero,
// writable while one more can be added. The cheapest pollable file there is: the `epoll` benchmark
// registers 100 k of them, and an event loop can use one to be woken by another process.

import {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EFD_SEMAPHORE,
  O_NONBLOCK,
  O_RDWR,
  POLLERR,
  POLLIN,
  POLLOUT,
} from "./constants.js";
import { EAGAIN, EINTR, EINVAL } from "./errno.js";
import { File, type FileOperations } from "./file.js";
import type { Process } from "./process.js";
import { isInt } from "./socketcalls.js";
import { blockOn, WaitOn } from "./wait.js";
import { WaitQueue } from "./waitqueue.js";

/** Linux anon_inodefs: the id is arbitrary but stable (eventfd and eventpoll files live there). */
export const ANON_INODE_MNT_ID = 15;

const ULLONG_MAX = 0xffff_ffff_ffff_ffffn;
const EFD_SHARED_FCNTL_FLAGS = EFD_CLOEXEC | EFD_NONBLOCK;
const EFD_FLAGS_SET = EFD_SHARED_FCNTL_FLAGS | EFD_SEMAPHORE;

/** Linux struct eventfd_ctx. */
export class EventfdCtx {
  count: bigint;
  readonly wqh = new WaitQueue();
  readonly readWait: WaitOn;
  readonly writeWait: WaitOn;

  constructor(
    initval: number,
    readonly semaphore: boolean,
  ) {
    this.count = BigInt(initval);
    this.readWait = new WaitOn(this.wqh, POLLIN, false, "eventfd_read");
    this.writeWait = new WaitOn(this.wqh, POLLOUT, false, "eventfd_write");
  }
}

function ctxOf(f: File): EventfdCtx {
  return f.priv as EventfdCtx;
}

// Linux eventfd_read(): the counter as 8 bytes in host order (little-endian here).
function eventfdRead(f: File, task: Process, buf: Uint8Array) {
  if (buf.length < 8) return -EINVAL;
  const ctx = ctxOf(f);
  return blockOn(
    task,
    f.flags & O_NONBLOCK ? 0 : Number.POSITIVE_INFINITY,
    () => {
      if (ctx.count === 0n) return ctx.readWait;
      const ucnt = ctx.semaphore ? 1n : ctx.count;
      ctx.count -= ucnt;
      if (ctx.wqh.active) ctx.wqh.wake(POLLOUT, 1);
      new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, ucnt, true);
      return 8;
    },
    () => -EAGAIN,
    () => -EINTR,
  );
}

// Linux eventfd_write(): adds a u64 (not ULLONG_MAX); waits while the sum would reach ULLONG_MAX.
function eventfdWrite(f: File, task: Process, buf: Uint8Array) {
  if (buf.length < 8) return -EINVAL;
  const ucnt = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (ucnt === ULLONG_MAX) return -EINVAL;
  const ctx = ctxOf(f);
  return blockOn(
    task,
    f.flags & O_NONBLOCK ? 0 : Number.POSITIVE_INFINITY,
    () => {
      if (ULLONG_MAX - ctx.count <= ucnt) return ctx.writeWait;
      ctx.count += ucnt;
      if (ctx.wqh.active) ctx.wqh.wake(POLLIN, 1);
      return 8;
    },
    () => -EAGAIN,
    () => -EINTR,
  );
}

export const eventfdFileOps: FileOperations = {
  name: () => "anon_inode:[eventfd]",
  mntId: ANON_INODE_MNT_ID,
  read: eventfdRead,
  write: eventfdWrite,
  // Linux eventfd_poll().
  poll(f) {
    const count = ctxOf(f).count;
    let events = 0;
    if (count > 0n) events |= POLLIN;
    if (count === ULLONG_MAX) events |= POLLERR;
    if (ULLONG_MAX - 1n > count) events |= POLLOUT;
    return events;
  },
  pollQueue: (f) => ctxOf(f).wqh,
  release: () => 0,
};

/** Linux eventfd2(initval, flags): EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE. */
export function sysEventfd2(task: Process, initval: number, flags: number): number {
  if (!isInt(flags) || flags & ~EFD_FLAGS_SET) return -EINVAL;
  // initval is a C unsigned int.
  if (!isInt(initval) || initval < 0 || initval > 0xffff_ffff) return -EINVAL;
  const fd = task.files.alloc(0, task.rlimitNofile.rlim_cur);
  if (fd < 0) return fd;
  const ctx = new EventfdCtx(initval, (flags & EFD_SEMAPHORE) !== 0);
  const file = new File(task.kernel, eventfdFileOps, O_RDWR | (flags & EFD_NONBLOCK), 0o600, ctx);
  task.files.install(fd, file, (flags & EFD_CLOEXEC) !== 0);
  return fd;
}
