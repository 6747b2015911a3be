import { describe, expect, it, vi } from "vitest";
import {
  AF_UNIX,
  EBADF,
  EINVAL,
  EMFILE,
  ENOTSOCK,
  EPERM,
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  FIONBIO,
  FIONREAD,
  Kernel,
  MSG_DONTWAIT,
  O_APPEND,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  RLIMIT_NOFILE,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOCKFS_MNT_ID,
  type Socket,
  type Sys,
  SyscallError,
} from "../../src/kernel/index.js";
import { bytes, expectNoLeaks, runAll } from "../helpers/kernel.js";

/** Run one program in a fresh kernel and surface its failures. */
async function inProcess(fn: (sys: Sys) => Promise<void> | void, k = new Kernel()): Promise<Kernel> {
  const p = k.spawn("t", async (sys) => {
    await fn(sys);
  });
  await runAll(k, p);
  return k;
}

function errnoOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof SyscallError) return e.errno;
    throw e;
  }
  return 0;
}

describe("descriptor allocation", () => {
  it("0, 1, 2 are stdio; new descriptors take the lowest free number", async () => {
    await inProcess((sys) => {
      expect(sys.socket(AF_UNIX, SOCK_STREAM)).toBe(3);
      expect(sys.socket(AF_UNIX, SOCK_STREAM)).toBe(4);
      expect(sys.socket(AF_UNIX, SOCK_STREAM)).toBe(5);
      void sys.close(4);
      expect(sys.socket(AF_UNIX, SOCK_DGRAM)).toBe(4);
      void sys.close(0);
      expect(sys.socketpair(AF_UNIX, SOCK_STREAM)).toEqual([0, 6]);
    });
  });

  it("stdio: stdin reads end of file, stdout/stderr are captured, wrong directions are EBADF", async () => {
    const k = new Kernel();
    const p = k.spawn("io", async (sys) => {
      expect(await sys.read(0, new Uint8Array(8))).toBe(0);
      await sys.write(1, bytes("out "));
      await sys.write(2, bytes("err"));
      await sys.write(1, bytes("more"));
      await expect(sys.write(0, bytes("x"))).rejects.toMatchObject({ code: "EBADF" });
      await expect(sys.read(1, new Uint8Array(1))).rejects.toMatchObject({ code: "EBADF" });
      expect(errnoOf(() => sys.listen(1, 1))).toBe(ENOTSOCK);
      expect(sys.fcntl(0, F_GETFL)).toBe(O_RDONLY);
      expect(sys.fcntl(1, F_GETFL)).toBe(O_WRONLY);
      expect(sys.ioctl(0, FIONREAD)).toBe(0);
    });
    await runAll(k, p);
    expect(p.stdout).toBe("out more");
    expect(p.stderr).toBe("err");
  });

  it("EMFILE at the RLIMIT_NOFILE soft limit (default 1024); setrlimit rules", async () => {
    await inProcess((sys) => {
      expect(sys.getrlimit(RLIMIT_NOFILE)).toEqual({ rlim_cur: 1024, rlim_max: 4096 });
      let last = 2;
      for (;;) {
        const r = sys.raw.socket(AF_UNIX, SOCK_DGRAM, 0);
        if (r < 0) {
          expect(r).toBe(-EMFILE);
          break;
        }
        last = r;
      }
      expect(last).toBe(1023);
      expect(errnoOf(() => sys.socketpair(AF_UNIX, SOCK_STREAM))).toBe(EMFILE);
      expect(errnoOf(() => sys.dup(3))).toBe(EMFILE);
      void sys.close(700);
      expect(sys.dup(3)).toBe(700);
      // Lower the soft limit: descriptors above it stay, new ones must fit below it.
      sys.setrlimit(RLIMIT_NOFILE, { rlim_cur: 10, rlim_max: 4096 });
      void sys.close(5);
      expect(sys.dup(3)).toBe(5);
      expect(errnoOf(() => sys.dup(3))).toBe(EMFILE);
      expect(errnoOf(() => sys.setrlimit(RLIMIT_NOFILE, { rlim_cur: 20, rlim_max: 10 }))).toBe(EINVAL);
    });
  });

  it("raising the hard limit needs uid 0", async () => {
    const k = new Kernel();
    const user = k.spawn("user", { uid: 1000 }, (sys) => {
      expect(sys.raw.setrlimit(RLIMIT_NOFILE, { rlim_cur: 100, rlim_max: 8192 })).toBe(-EPERM);
      sys.setrlimit(RLIMIT_NOFILE, { rlim_cur: 100, rlim_max: 2000 }); // lowering is fine
      expect(sys.raw.setrlimit(RLIMIT_NOFILE, { rlim_cur: 100, rlim_max: 3000 })).toBe(-EPERM);
    });
    const root = k.spawn("root", (sys) => {
      sys.setrlimit(RLIMIT_NOFILE, { rlim_cur: 100, rlim_max: 8192 });
      expect(sys.raw.setrlimit(RLIMIT_NOFILE, { rlim_cur: 1, rlim_max: 2_000_000 })).toBe(-EPERM); // > fs.nr_open
    });
    await runAll(k, user, root);
  });
});

describe("dup, dup2, dup3, fcntl", () => {
  it("dup takes the lowest free descriptor and clears close-on-exec", async () => {
    await inProcess((sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
      expect(sys.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
      void sys.close(1);
      const d = sys.dup(fd);
      expect(d).toBe(1);
      expect(sys.fcntl(d, F_GETFD)).toBe(0);
      expect(errnoOf(() => sys.dup(99))).toBe(EBADF);
    });
  });

  it("dup2 replaces an open descriptor, dup2(fd, fd) checks fd, limits give EBADF", async () => {
    await inProcess(async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      expect(await sys.dup2(a, 1)).toBe(1); // stdout is closed and replaced
      expect(sys.fcntl(1, F_GETFL)).toBe(O_RDWR);
      expect(await sys.dup2(a, a)).toBe(a);
      expect(await sys.raw.dup2(42, 42)).toBe(-EBADF);
      expect(await sys.raw.dup2(42, 7)).toBe(-EBADF);
      expect(await sys.raw.dup2(a, 1024)).toBe(-EBADF); // >= RLIMIT_NOFILE
      expect(await sys.raw.dup2(a, -1)).toBe(-EBADF);
      await sys.send(1, bytes("via the dup"));
      const buf = new Uint8Array(32);
      expect(await sys.recv(b, buf)).toBe(11);
    });
  });

  it("dup3: same fd EINVAL, flags only O_CLOEXEC, O_CLOEXEC sets FD_CLOEXEC", async () => {
    await inProcess(async (sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_STREAM);
      expect(await sys.raw.dup3(fd, fd, 0)).toBe(-EINVAL);
      expect(await sys.raw.dup3(fd, 9, O_NONBLOCK)).toBe(-EINVAL);
      expect(await sys.dup3(fd, 9, O_CLOEXEC)).toBe(9);
      expect(sys.fcntl(9, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.fcntl(fd, F_GETFD)).toBe(0);
      expect(await sys.dup3(fd, 9, 0)).toBe(9);
      expect(sys.fcntl(9, F_GETFD)).toBe(0);
    });
  });

  it("F_DUPFD / F_DUPFD_CLOEXEC: lowest >= arg; arg at or over the limit is EINVAL", async () => {
    await inProcess((sys) => {
      const fd = sys.socket(AF_UNIX, SOCK_STREAM);
      expect(sys.fcntl(fd, F_DUPFD, 10)).toBe(10);
      expect(sys.fcntl(fd, F_DUPFD, 10)).toBe(11);
      expect(sys.fcntl(fd, F_DUPFD, 0)).toBe(4);
      const c = sys.fcntl(fd, F_DUPFD_CLOEXEC, 20);
      expect(c).toBe(20);
      expect(sys.fcntl(c, F_GETFD)).toBe(FD_CLOEXEC);
      expect(errnoOf(() => sys.fcntl(fd, F_DUPFD, 1024))).toBe(EINVAL);
      expect(errnoOf(() => sys.fcntl(fd, F_DUPFD, -1))).toBe(EINVAL);
      expect(errnoOf(() => sys.fcntl(fd, 9999))).toBe(EINVAL);
      sys.fcntl(fd, F_SETFD, FD_CLOEXEC);
      expect(sys.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.fcntl(10, F_GETFD)).toBe(0); // descriptor flags are per descriptor
    });
  });

  it("F_SETFL changes O_NONBLOCK/O_APPEND only, and they are shared by dups (one open file)", async () => {
    await inProcess(async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      expect(sys.fcntl(a, F_GETFL)).toBe(O_RDWR | O_NONBLOCK);
      const d = sys.dup(b);
      sys.fcntl(d, F_SETFL, O_WRONLY | O_APPEND); // access mode is not changeable
      expect(sys.fcntl(b, F_GETFL)).toBe(O_RDWR | O_APPEND);
      sys.ioctl(b, FIONBIO, 1);
      expect(sys.fcntl(d, F_GETFL)).toBe(O_RDWR | O_APPEND | O_NONBLOCK);
      expect(await sys.raw.recv(d, new Uint8Array(4))).toBe(-11);
      sys.fcntl(b, F_SETFL, 0);
      expect(sys.fcntl(d, F_GETFL)).toBe(O_RDWR);
      await sys.send(a, bytes("x"));
      expect(await sys.recv(d, new Uint8Array(4), MSG_DONTWAIT)).toBe(1);
    });
  });

  it("/proc/<pid>/fd and fdinfo: socket:[ino], pipes, flags in octal with O_CLOEXEC", async () => {
    const k = new Kernel();
    const p = k.spawn("t", async (sys) => {
      sys.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
      await sys.nanosleep(1);
    });
    await k.advance(0);
    const fds = p.fds();
    expect(fds.map((f) => f.fd)).toEqual([0, 1, 2, 3]);
    expect(fds[0].link).toMatch(/^pipe:\[\d+\]$/);
    const s = fds[3];
    expect(s.link).toBe(`socket:[${s.ino}]`);
    expect(p.fdinfo(3)).toBe(`pos:\t0\nflags:\t02004002\nmnt_id:\t${SOCKFS_MNT_ID}\nino:\t${s.ino}\n`);
    expect(p.fdinfo(1)).toMatch(/^pos:\t0\nflags:\t01\n/);
    expect(p.fdinfo(9)).toBeNull();
    await runAll(k, p);
  });
});

describe("reference counts", () => {
  it("fork shares open files; the socket is released exactly once, at the last close", async () => {
    const k = new Kernel();
    let releases = 0;
    let eofAt = -1;
    const parent = k.spawn("parent", async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      const a2 = sys.dup(a);
      const fileA = parent.fds().find((f) => f.fd === a)!.file;
      const sock = fileA.priv as Socket;
      const spy = vi.spyOn(sock, "release");
      expect(fileA.refs).toBe(2);
      const child = sys.fork(async (csys) => {
        await csys.nanosleep(1000);
        await csys.close(a);
        await csys.nanosleep(1000);
        await csys.close(a2);
        await csys.close(b);
      });
      expect(child).toBeGreaterThan(sys.getpid());
      expect(fileA.refs).toBe(4);
      await sys.close(a);
      await sys.close(a2);
      expect(fileA.refs).toBe(2);
      expect(await sys.raw.recv(b, new Uint8Array(1), MSG_DONTWAIT)).toBe(-11); // peer still open
      expect(await sys.recv(b, new Uint8Array(1))).toBe(0); // EOF once the child closed its copies
      eofAt = sys.clock_gettime(1);
      releases = spy.mock.calls.length;
      expect(fileA.refs).toBe(0);
      expect(await sys.waitpid(child)).toBe(child);
    });
    await runAll(k, parent);
    expect(releases).toBe(1);
    expect(eofAt).toBe(2000);
    expectNoLeaks(k);
  });

  it("exit closes every descriptor (the peer sees EOF); so does kill", async () => {
    const k = new Kernel();
    let fds: number[] = [];
    const holder = k.spawn("holder", async (sys) => {
      for (let i = 0; i < 5; i++) sys.socket(AF_UNIX, SOCK_DGRAM);
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      fds = [a, b];
      await sys.nanosleep(10);
      // returns without closing anything
    });
    await k.advance(1);
    expect(k.stats().files).toBe(3 + 5 + 2);
    await runAll(k, holder);
    expect(fds).toEqual([8, 9]);
    expectNoLeaks(k);

    const victim = k.spawn("victim", async (sys) => {
      sys.socketpair(AF_UNIX, SOCK_STREAM);
      await sys.recv(3, new Uint8Array(1));
    });
    await k.advance(1);
    expect(victim.state).toBe("S");
    k.kill(victim.pid, 9);
    expect(await k.runUntil(victim.exited)).toBe(128 + 9);
    expectNoLeaks(k);
  });
});
