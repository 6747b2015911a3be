import { describe, expect, it } from "vitest";
import {
  AF_UNIX,
  ECHILD,
  EINTR,
  EPERM,
  Kernel,
  NSEC_PER_MSEC,
  ProcessExit,
  SIGCHLD,
  SIGKILL,
  SIGTERM,
  SIGUSR1,
  SOCK_STREAM,
  type StatusOut,
  SyscallError,
  WEXITSTATUS,
  WIFEXITED,
  WIFSIGNALED,
  WNOHANG,
  WTERMSIG,
} from "../../src/kernel/index.js";
import { bytes, expectNoLeaks, runAll } from "../helpers/kernel.js";

const MS = NSEC_PER_MSEC;

describe("processes", () => {
  it("pids count from 1; spawned processes have ppid 0; fork gives the next pid and ppid", async () => {
    const k = new Kernel();
    const seen: number[][] = [];
    const a = k.spawn("a", async (sys) => {
      const child = sys.fork((c) => {
        seen.push([c.getpid(), c.getppid()]);
      });
      seen.push([sys.getpid(), sys.getppid(), child]);
      await sys.waitpid(child);
    });
    const b = k.spawn("b", { uid: 1000 }, (sys) => {
      seen.push([sys.getpid(), sys.getppid(), sys.getuid(), sys.getgid()]);
    });
    await runAll(k, a, b);
    expect(a.pid).toBe(1);
    expect(b.pid).toBe(2);
    expect(seen).toContainEqual([1, 0, 3]);
    expect(seen).toContainEqual([3, 1]);
    expect(seen).toContainEqual([2, 0, 1000, 1000]);
  });

  it("a child is a zombie until waitpid reaps it; the status encodes exit code or signal", async () => {
    const k = new Kernel();
    const parent = k.spawn("parent", async (sys) => {
      const c1 = sys.fork(async (c) => {
        await c.nanosleep(MS);
        return 42;
      });
      const c2 = sys.fork(async (c) => {
        await c.nanosleep(10 * MS);
      });
      const st: StatusOut = {};
      expect(await sys.waitpid(c1, st, WNOHANG)).toBe(0); // still running
      await sys.nanosleep(2 * MS);
      expect(k.process(c1)!.state).toBe("Z");
      expect(parent.signalsReceived).toEqual([SIGCHLD]);
      expect(await sys.waitpid(-1, st)).toBe(c1);
      expect(WIFEXITED(st.status!)).toBe(true);
      expect(WEXITSTATUS(st.status!)).toBe(42);
      expect(k.process(c1)).toBeUndefined();
      sys.kill(c2, SIGTERM);
      expect(await sys.waitpid(c2, st)).toBe(c2);
      expect(WIFSIGNALED(st.status!)).toBe(true);
      expect(WTERMSIG(st.status!)).toBe(SIGTERM);
      expect(await sys.raw.waitpid(-1, null, 0)).toBe(-ECHILD);
    });
    await runAll(k, parent);
    expect(k.stats().processes).toBe(0);
  });

  it("orphans are reparented to the kernel and reaped when they exit; SIGCHLD ignored auto-reaps", async () => {
    const k = new Kernel();
    let orphan = 0;
    const parent = k.spawn("parent", (sys) => {
      orphan = sys.fork(async (c) => {
        await c.nanosleep(5 * MS);
      });
    });
    await runAll(k, parent);
    expect(k.process(orphan)!.ppid).toBe(0);
    await k.runUntilIdle();
    expect(k.process(orphan)).toBeUndefined();

    const p2 = k.spawn("ignorer", async (sys) => {
      sys.signal(SIGCHLD, "ignore");
      const c = sys.fork(() => {});
      await sys.nanosleep(MS);
      expect(k.process(c)).toBeUndefined();
      expect(await sys.raw.waitpid(c, null, 0)).toBe(-ECHILD);
    });
    await runAll(k, p2);
  });

  it("exit() ends the program at once (finally blocks run); returning nothing is exit code 0", async () => {
    const k = new Kernel();
    const trail: string[] = [];
    const p = k.spawn("exiter", async (sys) => {
      try {
        sys.exit(7);
      } finally {
        trail.push("finally");
      }
      trail.push("after"); // never reached
    });
    const q = k.spawn("plain", () => {});
    expect(await runAll(k, p, q)).toEqual([7, 0]);
    expect(trail).toEqual(["finally"]);
    expect(p.exitCode).toBe(7);
  });

  it("an uncaught exception exits with 1 and is kept on the process", async () => {
    const seen: unknown[] = [];
    const k = new Kernel({ onUncaught: (_p, e) => seen.push(e) });
    const p = k.spawn("thrower", () => {
      throw new Error("boom");
    });
    expect(await k.runUntil(p.exited)).toBe(1);
    expect((p.error as Error).message).toBe("boom");
    expect(seen).toEqual([p.error]);
  });

  it("a program that swallows ProcessExit still cannot make system calls", async () => {
    const k = new Kernel();
    let second: unknown;
    const p = k.spawn("stubborn", async (sys) => {
      const [a] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      try {
        await sys.recv(a, new Uint8Array(1));
      } catch {}
      try {
        sys.socket(AF_UNIX, SOCK_STREAM);
      } catch (e) {
        second = e;
      }
    });
    await k.advance(MS);
    k.kill(p.pid, SIGKILL);
    expect(await k.runUntil(p.exited)).toBe(128 + SIGKILL);
    await k.runUntilIdle();
    expect(second).toBeInstanceOf(ProcessExit);
    expect(second).toMatchObject({ pid: p.pid, signal: SIGKILL, code: null });
    expectNoLeaks(k);
  });

  it("a handled signal interrupts a sleeping call with EINTR; state and wake-ups are observable", async () => {
    const k = new Kernel();
    const got: number[] = [];
    const p = k.spawn("sleepy", async (sys) => {
      sys.signal(SIGUSR1, (sig) => got.push(sig));
      const [a] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      expect(await sys.raw.recv(a, new Uint8Array(1))).toBe(-EINTR);
      expect(await sys.raw.nanosleep(5 * MS)).toBe(-EINTR);
    });
    await k.advance(MS);
    expect(p.state).toBe("S");
    expect(p.wchan).toBe("unix_stream_data_wait");
    expect(p.wakeups).toBe(0);
    k.kill(p.pid, SIGUSR1);
    await k.advance(MS);
    expect(p.wchan).toBe("hrtimer_nanosleep");
    expect(p.wakeups).toBe(1);
    k.kill(p.pid, SIGUSR1);
    await runAll(k, p);
    expect(got).toEqual([SIGUSR1, SIGUSR1]);
    expect(p.signalsReceived).toEqual([SIGUSR1, SIGUSR1]);
    expect(p.wakeups).toBe(2);
    expect(p.state).toBe("Z");
  });

  it("kill() between processes: permission by uid, kill(-1), and every blocked call of a killed process unwinds", async () => {
    const k = new Kernel();
    const rootVictim = k.spawn("root-daemon", (sys) => sys.nanosleep(1e9));
    const userVictim = k.spawn("user-daemon", { uid: 1000 }, async (sys) => {
      const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM);
      await Promise.all([sys.recv(a, new Uint8Array(1)), sys.recv(b, new Uint8Array(1))]);
    });
    const killer = k.spawn("killer", { uid: 1000 }, async (sys) => {
      await sys.nanosleep(MS);
      expect(sys.raw.kill(rootVictim.pid, SIGTERM)).toBe(-EPERM);
      expect(userVictim.sleeping).toBe(2);
      sys.kill(userVictim.pid, 0); // existence check only
      sys.kill(-1, SIGTERM); // everyone it may signal: just user-daemon
    });
    await runAll(k, killer);
    expect(await k.runUntil(userVictim.exited)).toBe(128 + SIGTERM);
    expect(rootVictim.alive).toBe(true);
    expect(() => k.kill(999, SIGKILL)).toThrow(SyscallError);
    k.kill(rootVictim.pid, SIGKILL);
    await k.runUntilIdle();
    expectNoLeaks(k);
  });

  it("a forked child writes to the same captured stdout", async () => {
    const k = new Kernel();
    const p = k.spawn("parent", async (sys) => {
      await sys.write(1, bytes("parent "));
      const c = sys.fork(async (cs) => {
        await cs.write(1, bytes("child "));
      });
      await sys.waitpid(c);
      await sys.write(1, bytes("done"));
    });
    await runAll(k, p);
    expect(p.stdout).toBe("parent child done");
  });
});

describe("processes awaiting things outside the kernel", () => {
  it("a process may await another process's `exited` (it is running, not sleeping)", async () => {
    const k = new Kernel();
    const worker = k.spawn("worker", async (sys) => {
      await sys.nanosleep(5 * MS);
      return 3;
    });
    const watcher = k.spawn("watcher", async (sys) => {
      const code = await worker.exited;
      await sys.write(1, bytes(`worker exited ${code} at ${sys.clock_gettime(1)}`));
    });
    await runAll(k, watcher, worker);
    expect(watcher.stdout).toBe(`worker exited 3 at ${5 * MS}`);
  });

  it("a process awaiting a host timer keeps the run going instead of a stall", async () => {
    const k = new Kernel();
    const p = k.spawn("host", async (sys) => {
      await new Promise((r) => setTimeout(r, 3));
      await sys.nanosleep(MS);
      return 9;
    });
    expect(await k.runUntil(p.exited)).toBe(9);
    expect(k.now()).toBe(MS);
  });
});
