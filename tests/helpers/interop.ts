// Helpers for tests against the real Linux kernel: which tools are missing, running a command (in a
// network namespace) without blocking the event loop the engine runs in, and bounded polling.
import { type ChildProcess, spawn } from "node:child_process";
import { tunRequirements, which } from "../../src/node/tun.js";

/** Tools the interop tests use besides socat and ip (which tunRequirements checks), by Debian package. */
export const INTEROP_TOOLS: Record<string, string> = {
  curl: "curl",
  ss: "iproute2",
  ping: "iputils-ping",
  tcpdump: "tcpdump",
  tshark: "tshark",
};

/** Everything missing for the interop tests on this machine (empty when they can run). */
export function interopProblems(): string[] {
  const problems = tunRequirements({ netns: true });
  for (const [t, pkg] of Object.entries(INTEROP_TOOLS))
    if (!which(t)) problems.push(`${t} is not installed (apt-get install ${pkg})`);
  return problems;
}

/** CI must run them: a missing tool there is a failure, not a skip. */
export const IN_CI = process.env.CI === "true";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (killed after `timeoutMs`); never rejects. */
export function run(cmd: string, args: string[], timeoutMs = 30_000, stdin?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    p.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    if (stdin !== undefined) p.stdin!.end(stdin);
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", (e) => {
      clearTimeout(t);
      resolve({ code: -1, stdout, stderr: stderr + String(e) });
    });
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run a command inside network namespace `ns`. */
export function inNs(
  ns: string,
  cmd: string,
  args: string[],
  timeoutMs?: number,
  stdin?: string,
): Promise<RunResult> {
  return run("ip", ["netns", "exec", ns, cmd, ...args], timeoutMs, stdin);
}

/** Start a long-running command in `ns`; resolves once a line of its output matches `ready`. */
export function startInNs(
  ns: string,
  cmd: string,
  args: string[],
  ready: RegExp,
  timeoutMs = 10_000,
): Promise<{ proc: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let done = false;
    const t = setTimeout(() => {
      if (done) return;
      done = true;
      proc.kill("SIGKILL");
      reject(new Error(`${cmd} did not become ready in ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!done && ready.test(out)) {
        done = true;
        clearTimeout(t);
        resolve({ proc, output: () => out });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      reject(new Error(`${cmd} exited with ${code} before it was ready: ${out}`));
    });
  });
}

/** Stop a child with `signal` and wait (bounded) for it to exit. */
export async function stop(
  proc: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  waitMs = 5000,
): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once("exit", () => r()));
  proc.kill(signal);
  await Promise.race([gone, new Promise((r) => setTimeout(r, waitMs))]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
}

/** Call `fn` every `intervalMs` until it returns a value other than undefined, at most `tries` times. */
export async function poll<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  intervalMs: number,
  tries: number,
) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return undefined;
}
