// eventfd(2) as Linux fs/eventfd.c: a u64 counter; read takes it (or 1 with EFD_SEMAPHORE) and blocks
// at 0; write adds and blocks when the sum would reach 2^64-1; readiness IN while non-zero, OUT while
// one more fits; EFD_NONBLOCK / EFD_CLOEXEC; errno.
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EFD_SEMAPHORE,
  EINVAL,
  F_GETFD,
  FD_CLOEXEC,
  Kernel,
  NSEC_PER_MSEC,
  POLLIN,
  POLLOUT,
  type PollFd,
  type Sys,
} from "../../src/kernel/index.js";
import { expectNoLeaks, runAll } from "../helpers/kernel.js";

const u64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const val = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);

async function run(main: (sys: Sys, k: Kernel) => Promise<void>): Promise<void> {
  const k = new Kernel();
  const p = k.spawn("t", async (sys) => {
    await main(sys, k);
  });
  await runAll(k, p);
  expectNoLeaks(k);
}

describe("eventfd", () => {
  it("counts: write adds, read takes all (or 1 in semaphore mode); EAGAIN at 0 when non-blocking", async () => {
    await run(async (sys, k) => {
      const e = sys.eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
      expect(sys.fcntl(e, F_GETFD)).toBe(FD_CLOEXEC);
      expect(
        k
          .process(sys.getpid())!
          .fds()
          .find((x) => x.fd === e)!.link,
      ).toBe("anon_inode:[eventfd]");
      await sys.write(e, u64(4n));
      const b = new Uint8Array(8);
      expect(await sys.read(e, b)).toBe(8);
      expect(val(b)).toBe(7n);
      expect(sys.raw.read(e, b)).toBe(-EAGAIN);
      const s = sys.eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
      expect(await sys.read(s, b)).toBe(8);
      expect(val(b)).toBe(1n);
      expect(await sys.read(s, b)).toBe(8);
      expect(sys.raw.read(s, b)).toBe(-EAGAIN);
      await sys.close(e);
      await sys.close(s);
    });
  });

  it("errno: EINVAL for short buffers, a write of 2^64-1, unknown flags, initval outside unsigned int", async () => {
    await run(async (sys) => {
      const e = sys.eventfd(0, EFD_NONBLOCK);
      expect(sys.raw.read(e, new Uint8Array(7))).toBe(-EINVAL);
      expect(sys.raw.write(e, new Uint8Array(7))).toBe(-EINVAL);
      expect(sys.raw.write(e, u64(0xffff_ffff_ffff_ffffn))).toBe(-EINVAL);
      expect(sys.raw.eventfd(0, 0o100)).toBe(-EINVAL);
      expect(sys.raw.eventfd(-1, 0)).toBe(-EINVAL);
      expect(sys.raw.eventfd(2 ** 32, 0)).toBe(-EINVAL);
      // The sum may reach 2^64-2 but not 2^64-1: then writes would block (EAGAIN here).
      expect(await sys.write(e, u64(0xffff_ffff_ffff_fffen))).toBe(8);
      expect(sys.raw.write(e, u64(1n))).toBe(-EAGAIN);
      const p: PollFd[] = [{ fd: e, events: POLLIN | POLLOUT, revents: 0 }];
      expect(sys.raw.poll(p, 0)).toBe(1);
      expect(p[0].revents).toBe(POLLIN); // no room for one more: not writable
      await sys.close(e);
    });
  });

  it("a blocked read wakes when another process writes; a blocked write when the counter is read", async () => {
    await run(async (sys, k) => {
      const e = sys.eventfd(0);
      const full = sys.eventfd(5);
      let wroteAt = -1;
      const child = sys.fork(async (c) => {
        await c.nanosleep(2 * NSEC_PER_MSEC);
        await c.write(e, u64(9n));
        await c.write(full, u64(0xffff_ffff_ffff_fffdn)); // 5 + that would reach 2^64-1: blocks
        wroteAt = k.now();
        c.exit(0);
      });
      const b = new Uint8Array(8);
      const t0 = k.now();
      expect(await sys.read(e, b)).toBe(8);
      expect(k.now() - t0).toBe(2 * NSEC_PER_MSEC);
      expect(val(b)).toBe(9n);
      await sys.nanosleep(NSEC_PER_MSEC);
      expect(wroteAt).toBe(-1);
      expect(await sys.read(full, b)).toBe(8);
      expect(val(b)).toBe(5n);
      await sys.waitpid(child);
      expect(wroteAt).toBe(3 * NSEC_PER_MSEC);
      expect(await sys.read(full, b)).toBe(8);
      expect(val(b)).toBe(0xffff_ffff_ffff_fffdn);
      await sys.close(e);
      await sys.close(full);
    });
  });
});
