// The packetdrill runner: executes a parsed script against an Engine on the virtual clock, playing
// packetdrill's remote peer and its syscall thread, and reports PASS, FAIL (the first mismatch with
// its line, expected and actual) or UNSUPPORTED (the construct).
//
// Events run in file order. Before each one the clock is advanced to its time (timers fire on the
// way, one pollAt() step at a time); an event already late by more than the tolerance is a timing
// failure. Syscalls without `...` must return at once (one that blocks is waited for on the clock, as
// packetdrill's main thread would be, and may make later events late); `start...end` syscalls start,
// the script moves on, and their return is checked against `end` when the engine completes them (at
// most one at a time, as packetdrill). `<` lines are mapped to live numbers (model.ts) and injected.
// `>` lines take the next segment of the connection under test - waiting on the clock until the end
// of the line's time window - and compare it field by field (match.ts); a different segment in its
// place (an extra, unexpected or wrong one) fails the line, as does none. Segments of other
// connections are ignored, as packetdrill's sniffer ignores them. At the end, a blocking call still
// in progress after one more virtual second fails the script. Like packetdrill, segments sent after
// the last `>` line are not checked unless RunOptions.strictEnd is set.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { IcmpPacketAst, Script, ScriptEvent, SyscallAst, TcpPacketAst } from "./ast.js";
import { DEFAULT_DEFINES, errnoName, LINUX_ERRNO, LINUX_SYMBOLS } from "./constants.js";
import {
  type BlockedSyscall,
  type Engine,
  type EngineSettings,
  isBlocked,
  type OutboundSegment,
  type SyscallOutcome,
  type Value,
} from "./engine.js";
import { appendable, coalesce, compareSegment, optionFeatures } from "./match.js";
import { type Flow, inboundToLive, outboundToScript, parseFlags, SockTracker, segmentText } from "./model.js";
import { tryParseScript } from "./parse.js";
import { interpretCommand } from "./shell.js";
import {
  blockingEndUs,
  checkTime,
  DEFAULT_TOLERANCE,
  formatSeconds,
  type ResolvedTime,
  resolveTime,
  type Tolerance,
  toleranceUs,
  window,
} from "./timing.js";
import {
  type EvalContext,
  evalExpr,
  FD_RESULT,
  FdMap,
  fdArgPositions,
  matchValue,
  UnknownSymbol,
  valueText,
} from "./values.js";

export interface RunOptions {
  /** Override the tolerance (the script's --tolerance_usecs line, else 4000 us). */
  toleranceUs?: number;
  /** Override the percentage tolerance (--tolerance_percent, else 12.5). */
  tolerancePercent?: number;
  /** Force packetdrill's --strict_segments (no TSO coalescing). */
  strictSegments?: boolean;
  /** The remote's live ISN; default: the seq of the script's own SYN (as packetdrill). */
  remoteIsn?: number;
  /** -D definitions (added to the Linux selftests' CMSG_LEVEL_IP / CMSG_TYPE_RECVERR defaults). */
  defines?: Record<string, string>;
  /** Longest virtual wait for something with no deadline (a `*` packet, a call that should not block). Default 600 s. */
  maxWaitNs?: number;
  /** First remote port for passive connections. Default 49152. */
  ephemeralPortBase?: number;
  /** Fail on segments of the connection under test still unmatched at the end (packetdrill does not check). */
  strictEnd?: boolean;
  /** Reads files a script refers to (defaults.sh); default: the file system. null: not found. */
  readFile?: (path: string) => string | null;
}

export interface Failure {
  line: number;
  text: string;
  expected: string;
  actual: string;
}

export type RunResult =
  | { status: "PASS"; path: string; notes: string[] }
  | { status: "FAIL"; path: string; failure: Failure; notes: string[] }
  | { status: "UNSUPPORTED"; path: string; line: number | null; construct: string; notes: string[] };

class ScriptFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.text);
  }
}

class ScriptUnsupported extends Error {
  constructor(
    readonly construct: string,
    readonly line: number | null,
  ) {
    super(construct);
  }
}

interface ScriptConfig {
  tol: Tolerance;
  tsTickUs: number;
  tsEcrScaled: boolean;
  strictSegments: boolean;
  mss: number;
  settings: EngineSettings;
}

interface Pending {
  ev: ScriptEvent;
  sc: SyscallAst;
  args: Value[];
  handle: BlockedSyscall;
  rt: ResolvedTime;
  endUs: number;
}

const FASTOPEN_SYMBOLS = new Set([
  "MSG_FASTOPEN",
  "TCP_FASTOPEN",
  "TCP_FASTOPEN_CONNECT",
  "TCP_FASTOPEN_KEY",
]);

const defaultReadFile = (p: string): string | null => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
};

const flush = (): Promise<void> =>
  new Promise((r) => {
    const si = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
    if (si) si(r);
    else setTimeout(r, 0);
  });

/** Run one parsed script on a fresh engine. */
export async function runScript(script: Script, engine: Engine, opts: RunOptions = {}): Promise<RunResult> {
  const run = new ScriptRun(script, engine, opts);
  try {
    await run.run();
    return { status: "PASS", path: script.path, notes: run.finalNotes() };
  } catch (e) {
    if (e instanceof ScriptFailure)
      return { status: "FAIL", path: script.path, failure: e.failure, notes: run.finalNotes() };
    if (e instanceof ScriptUnsupported)
      return {
        status: "UNSUPPORTED",
        path: script.path,
        line: e.line,
        construct: e.construct,
        notes: run.finalNotes(),
      };
    const msg = e instanceof Error ? e.message : String(e);
    const line = run.currentLine();
    return {
      status: "FAIL",
      path: script.path,
      failure: { line, text: `engine error: ${msg}`, expected: run.currentText(), actual: "an exception" },
      notes: run.finalNotes(),
    };
  }
}

class ScriptRun {
  private readonly cfg: ScriptConfig;
  private readonly notes: string[] = [];
  private readonly codeLines: number[] = [];
  private readonly ctx: EvalContext;
  private readonly fds = new FdMap();
  private readonly tracker: SockTracker;
  private readonly queue: OutboundSegment[] = [];
  private readonly maxWaitNs: number;
  private readonly readFile: (p: string) => string | null;
  private startNs = 0;
  private ev: ScriptEvent | null = null;
  private last: { ev: ScriptEvent; rt: ResolvedTime } | null = null;
  private pending: Pending | null = null;
  private ignoredSegments = 0;

  constructor(
    private readonly script: Script,
    private readonly engine: Engine,
    private readonly opts: RunOptions,
  ) {
    this.cfg = this.configure();
    this.ctx = { defines: { ...DEFAULT_DEFINES, ...(opts.defines ?? {}) } };
    this.maxWaitNs = opts.maxWaitNs ?? 600e9;
    this.readFile = opts.readFile ?? defaultReadFile;
    const s = this.cfg.settings;
    this.tracker = new SockTracker({
      localIp: s.localIp,
      remoteIp: s.remoteIp,
      bindPort: s.bindPort,
      connectPort: s.connectPort,
      remoteIsn: opts.remoteIsn ?? null,
      ephemeralPortBase: opts.ephemeralPortBase ?? 49152,
    });
  }

  currentLine(): number {
    return this.ev?.line ?? 0;
  }
  currentText(): string {
    return this.ev?.text ?? "";
  }

  finalNotes(): string[] {
    const out = [...this.notes];
    if (this.codeLines.length)
      out.push(
        `skipped ${this.codeLines.length} %{ }% code block(s) (line ${this.codeLines.join(", ")}): packetdrill runs them as Python`,
      );
    if (this.ignoredSegments)
      out.push(`ignored ${this.ignoredSegments} outbound segment(s) of other connections`);
    return out;
  }

  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  private fail(text: string, expected?: string, actual = "", line?: number): never {
    throw new ScriptFailure({
      line: line ?? this.currentLine(),
      text,
      expected: expected ?? this.currentText(),
      actual,
    });
  }

  private unsupported(construct: string, line: number | null = this.ev?.line ?? null): never {
    throw new ScriptUnsupported(construct, line);
  }

  // --- configuration ----------------------------------------------------------------------------

  private configure(): ScriptConfig {
    const cfg: ScriptConfig = {
      tol: { ...DEFAULT_TOLERANCE },
      tsTickUs: 0,
      tsEcrScaled: false,
      strictSegments: false,
      mss: 1460,
      settings: {
        localIp: "192.168.0.1",
        remoteIp: "192.0.2.1",
        gatewayIp: "192.168.0.2",
        netmask: "255.255.0.0",
        mtu: 1500,
        bindPort: 8080,
        connectPort: 8080,
      },
    };
    const num = (name: string, v: string | null): number => {
      const n = Number(v);
      if (v === null || !Number.isFinite(n)) this.unsupportedLater(`option --${name}=${v}`);
      return n;
    };
    for (const o of this.script.options) {
      const v = o.value;
      switch (o.name) {
        case "tolerance_usecs":
          cfg.tol.usecs = num(o.name, v);
          break;
        case "tolerance_percent":
          cfg.tol.percent = num(o.name, v);
          break;
        case "tcp_ts_tick_usecs":
          cfg.tsTickUs = num(o.name, v);
          break;
        case "tcp_ts_ecr_scaled":
          cfg.tsEcrScaled = true;
          break;
        case "strict_segments":
          cfg.strictSegments = true;
          break;
        case "mss":
          cfg.mss = num(o.name, v);
          break;
        case "mtu":
          cfg.settings.mtu = num(o.name, v);
          break;
        case "bind_port":
          cfg.settings.bindPort = num(o.name, v);
          break;
        case "connect_port":
          cfg.settings.connectPort = num(o.name, v);
          break;
        case "local_ip":
        case "remote_ip":
        case "gateway_ip":
        case "netmask_ip": {
          const addr = (v ?? "").replace(/\/\d+$/, "");
          if (addr.includes(":")) this.unsupportedLater(`IPv6 address (--${o.name}=${v})`, o.line);
          const key = (
            {
              local_ip: "localIp",
              remote_ip: "remoteIp",
              gateway_ip: "gatewayIp",
              netmask_ip: "netmask",
            } as const
          )[o.name];
          cfg.settings[key] = addr;
          break;
        }
        case "ip_version":
          if (v !== "ipv4") this.unsupportedLater(`--ip_version=${v} (the engine is IPv4)`, o.line);
          break;
        default:
          this.note(`option --${o.name}${v === null ? "" : `=${v}`} ignored`);
      }
    }
    if (this.opts.toleranceUs !== undefined) cfg.tol.usecs = this.opts.toleranceUs;
    if (this.opts.tolerancePercent !== undefined) cfg.tol.percent = this.opts.tolerancePercent;
    if (this.opts.strictSegments !== undefined) cfg.strictSegments = this.opts.strictSegments;
    return cfg;
  }

  private deferredUnsupported: { construct: string; line: number | null } | null = null;
  private unsupportedLater(construct: string, line: number | null = null): void {
    this.deferredUnsupported ??= { construct, line };
  }

  /** Constructs the engine cannot run, found before anything runs. */
  private prescan(): void {
    if (this.deferredUnsupported)
      this.unsupported(this.deferredUnsupported.construct, this.deferredUnsupported.line);
    const features = this.engine.features ?? {};
    for (const ev of this.script.events) {
      const a = ev.action;
      if (a.kind === "udp") this.unsupported("UDP packets", ev.line);
      if (a.kind === "icmp" && a.dir === ">") this.unsupported("expected outbound ICMP packets", ev.line);
      if (a.kind === "tcp") {
        const need = optionFeatures(a.options);
        if (need.has("fastopen") && !features.fastOpen)
          this.unsupported("TCP Fast Open option (FO/FOEXP)", ev.line);
        if (need.has("md5") && !features.md5) this.unsupported("TCP MD5 option", ev.line);
      }
      if (a.kind === "syscall" && !features.fastOpen) {
        const sym = [...a.args, a.result].flatMap(symbolsOf).find((s) => FASTOPEN_SYMBOLS.has(s));
        if (sym) this.unsupported(`TCP Fast Open (${sym})`, ev.line);
      }
    }
  }

  // --- clock ---------------------------------------------------------------------------------------

  private nowUs(): number {
    return (this.engine.now() - this.startNs) / 1000;
  }
  private usToNs(us: number): number {
    return this.startNs + Math.round(us * 1000);
  }

  /** After any engine call: collect its output, let promise callbacks run, check a blocked call. */
  private async afterEngine(): Promise<void> {
    for (const s of this.engine.outbound()) this.queue.push(s);
    await flush();
    for (const s of this.engine.outbound()) this.queue.push(s);
    this.checkPending();
  }

  /** Advance the clock to limitNs, one timer at a time, stopping early when stop() says so. */
  private async advanceUntil(limitNs: number, stop?: () => boolean): Promise<void> {
    let stuck = 0;
    for (;;) {
      if (stop?.()) return;
      const now = this.engine.now();
      if (now >= limitNs) return;
      const p = this.engine.pollAt();
      let to = limitNs;
      if (p !== null && p < limitNs) to = Math.max(p, now);
      if (to === now) {
        if (++stuck > 1000) to = limitNs; // a timer the engine keeps reporting but never runs
      } else stuck = 0;
      this.engine.advanceTo(to);
      await this.afterEngine();
    }
  }

  /** Bring the clock to an event's time and check it is not already too late. */
  private async waitFor(rt: ResolvedTime, tolUs: number, description: string): Promise<void> {
    if (rt.kind !== "any" && this.nowUs() < rt.us) await this.advanceUntil(this.usToNs(rt.us));
    const err = checkTime(rt, this.nowUs(), tolUs, description);
    if (err) this.fail(err, undefined, `at ${formatSeconds(this.nowUs())} sec`);
  }

  // --- main loop -----------------------------------------------------------------------------------

  async run(): Promise<void> {
    this.prescan();
    this.engine.reset(this.cfg.settings);
    this.startNs = this.engine.now();
    let first = true;
    for (const ev of this.script.events) {
      this.ev = ev;
      if (ev.time === null) {
        if (ev.action.kind === "command") await this.command(ev.action.text);
        continue;
      }
      const anchored = this.last !== null && isInbound(this.last.ev) && isInbound(ev);
      const rt = resolveTime(ev.time, this.nowUs(), anchored ? this.last!.rt.us : null);
      if (first && rt.kind !== "any" && rt.us !== 0) this.fail("first event should be at time 0");
      first = false;
      if (this.last && isAbsolute(this.last.ev) && isAbsolute(ev) && rt.us < this.last.rt.us)
        this.fail(`time goes backward in script from ${this.last.rt.us} usec to ${rt.us} usec`);
      const tol = toleranceUs(this.cfg.tol, rt.us, this.last ? this.last.rt.us : null);
      const a = ev.action;
      switch (a.kind) {
        case "command":
          await this.waitFor(rt, tol, "command");
          await this.command(a.text);
          break;
        case "code":
          await this.waitFor(rt, tol, "data collection for code");
          this.codeLines.push(ev.line);
          break;
        case "syscall":
          await this.syscall(ev, a, rt, tol);
          break;
        case "tcp":
          if (a.dir === "<") await this.inject(a, rt, tol);
          else await this.expect(ev, a, rt, tol);
          break;
        case "icmp":
          await this.injectIcmp(a, rt, tol);
          break;
        case "udp":
          this.unsupported("UDP packets");
      }
      this.last = { ev, rt };
    }
    await this.finish();
  }

  private async finish(): Promise<void> {
    if (this.pending) {
      const p = this.pending;
      await this.advanceUntil(this.engine.now() + 1e9, () => this.pending === null);
      if (this.pending)
        this.fail(
          "exiting while a blocking system call is in progress",
          p.ev.text,
          "still blocked",
          p.ev.line,
        );
    }
    if (this.opts.strictEnd) {
      const flow = this.tracker.underTest?.flow;
      const seg = flow ? this.queue.find((s) => flow.owns(s)) : undefined;
      if (flow && seg)
        this.fail(
          "unexpected outbound packet after the last script event",
          "(no more packets)",
          `> ${segmentText(outboundToScript(flow, seg))} at ${formatSeconds((seg.atNs - this.startNs) / 1000)} sec`,
        );
    }
  }

  // --- shell commands --------------------------------------------------------------------------------

  private async command(
    text: string,
    depth = 0,
    baseDir = dirname(resolve(this.script.path)),
  ): Promise<void> {
    for (const act of interpretCommand(text)) {
      switch (act.kind) {
        case "sysctl":
          if (!this.engine.applySysctl(act.name, act.value))
            this.note(`sysctl ${act.name}=${act.value} not applied (the engine has no such setting)`);
          break;
        case "include": {
          const file = this.findInclude(resolve(baseDir, act.path));
          if (file === null || depth > 4) {
            this.note(`${act.path} not found: engine defaults kept`);
            break;
          }
          await this.command(file.text, depth + 1, dirname(file.path));
          break;
        }
        case "ignore":
          break;
        case "other":
          if (!this.engine.command?.(act.line)) this.note(`shell command not applied: ${act.line}`);
          break;
      }
    }
    await this.afterEngine();
  }

  /** Read an included shell file, following a git symlink stored as a one-line text file. */
  private findInclude(path: string): { path: string; text: string } | null {
    let p = path;
    for (let hops = 0; hops < 4; hops++) {
      const text = this.readFile(p);
      if (text === null) return null;
      const t = text.trim();
      if (!t.includes("\n") && /^[\w./-]+\.sh$/.test(t) && !t.startsWith("#")) {
        p = resolve(dirname(p), t);
        continue;
      }
      return { path: p, text };
    }
    return null;
  }

  // --- syscalls --------------------------------------------------------------------------------------

  private evalArgs(sc: SyscallAst): Value[] {
    let args: Value[];
    try {
      args = sc.args.map((a) => evalExpr(a, this.ctx));
    } catch (e) {
      if (e instanceof UnknownSymbol) this.unsupported(`${e.message} in ${sc.name}()`);
      throw e;
    }
    for (const i of fdArgPositions(sc.name)) {
      const a = args[i];
      if (a && a.kind === "int") args[i] = { ...a, value: this.fds.live(a.value) };
    }
    return args.map((a) => this.fds.deep(a));
  }

  private async syscall(ev: ScriptEvent, sc: SyscallAst, rt: ResolvedTime, tol: number): Promise<void> {
    if (sc.endUs !== null && this.pending) {
      // packetdrill waits (up to a second) for the previous blocking call before starting another.
      await this.advanceUntil(this.engine.now() + 1e9, () => this.pending === null);
      if (this.pending)
        this.fail("blocking system call while another blocking system call is already in progress");
    }
    await this.waitFor(rt, tol, "system call start");
    const args = this.evalArgs(sc);
    this.trackStart(sc, args);
    const ret = this.engine.syscall({ name: sc.name, args, line: ev.line });
    if (isBlocked(ret)) {
      if (sc.endUs !== null) {
        this.pending = {
          ev,
          sc,
          args,
          handle: ret,
          rt,
          endUs: blockingEndUs(rt.spec, sc.endUs, rt.offsetUs),
        };
        await this.afterEngine();
        return;
      }
      let done: (SyscallOutcome & { atNs: number }) | undefined;
      await this.afterEngine();
      const completed = (): boolean => {
        done = ret.poll();
        return done !== undefined;
      };
      if (!completed()) await this.advanceUntil(this.engine.now() + this.maxWaitNs, completed);
      if (!done)
        this.fail(`${sc.name}() blocked, but the script expects it to return at once (no ...end time)`);
      this.checkOutcome(ev, sc, args, done);
      return;
    }
    this.checkOutcome(ev, sc, args, ret);
    if (sc.endUs !== null) {
      const endUs = blockingEndUs(rt.spec, sc.endUs, rt.offsetUs);
      this.checkEnd(ev, rt, endUs, this.nowUs());
    }
    await this.afterEngine();
  }

  private checkEnd(ev: ScriptEvent, rt: ResolvedTime, endUs: number, actualUs: number): void {
    if (rt.kind === "any") return;
    const endRt: ResolvedTime = { kind: "exact", us: endUs, endUs, offsetUs: rt.offsetUs, spec: rt.spec };
    const err = checkTime(endRt, actualUs, toleranceUs(this.cfg.tol, endUs, rt.us), "system call return");
    if (err) this.fail(err, ev.text, `returned at ${formatSeconds(actualUs)} sec`, ev.line);
  }

  private checkPending(): void {
    const p = this.pending;
    if (!p) return;
    const done = p.handle.poll();
    if (!done) return;
    this.pending = null;
    this.checkEnd(p.ev, p.rt, p.endUs, (done.atNs - this.startNs) / 1000);
    this.checkOutcome(p.ev, p.sc, p.args, done);
  }

  private checkOutcome(ev: ScriptEvent, sc: SyscallAst, args: Value[], out: SyscallOutcome): void {
    if (out.unsupported) this.unsupported(`${sc.name}(): ${out.unsupported}`, ev.line);
    let expected: Value;
    try {
      expected = evalExpr(sc.result, this.ctx);
    } catch (e) {
      if (e instanceof UnknownSymbol) this.unsupported(`${e.message} in the result of ${sc.name}()`, ev.line);
      throw e;
    }
    if (expected.kind !== "int")
      this.unsupported(`non-integer result ${valueText(expected)} of ${sc.name}()`, ev.line);
    const gotErrno =
      out.errno === undefined ? null : typeof out.errno === "number" ? errnoName(out.errno) : out.errno;
    const actualText = `= ${out.ret}${gotErrno && out.ret < 0 ? ` ${gotErrno}` : ""}`;
    const bad = (text: string): never => this.fail(`${sc.name}(): ${text}`, ev.text, actualText, ev.line);
    const want = expected.value;
    if (FD_RESULT.has(sc.name) && want >= 0) {
      if (out.ret < 0) bad(`expected a new fd (${want}) but got ${out.ret}${gotErrno ? ` ${gotErrno}` : ""}`);
      this.fds.set(want, out.ret);
    } else if (out.ret !== want) {
      bad(
        `expected result ${want} but got ${out.ret}${gotErrno && out.ret < 0 ? ` with errno ${gotErrno}` : ""}`,
      );
    }
    if (sc.errno !== null) {
      const wantNo = LINUX_ERRNO[sc.errno];
      if (wantNo === undefined) this.unsupported(`unknown errno ${sc.errno}`, ev.line);
      const gotNo =
        out.errno === undefined ? null : typeof out.errno === "number" ? out.errno : LINUX_ERRNO[out.errno];
      if (gotNo !== wantNo)
        bad(
          `expected errno ${sc.errno} (${wantNo}) but got ${gotErrno ?? "none"}${gotNo ? ` (${gotNo})` : ""}`,
        );
    }
    for (const [k, actual] of Object.entries(out.out ?? {})) {
      const i = Number(k);
      const exp = args[i];
      if (!exp) continue;
      if (sc.name === "pipe" && i === 0 && exp.kind === "array" && actual.kind === "array") {
        exp.items.forEach((e, j) => {
          const a = actual.items[j];
          if (e.kind === "int" && a && a.kind === "int") this.fds.set(e.value, a.value);
        });
        continue;
      }
      const m = matchValue(exp, actual, `argument ${i + 1}`);
      if (m) this.fail(`${sc.name}(): ${m}`, ev.text, valueText(actual), ev.line);
    }
    this.trackEnd(sc, out, want);
  }

  /** The script fd in argument i, or -1. */
  private scriptFd(sc: SyscallAst, i: number): number {
    const e = sc.args[i];
    if (!e) return -1;
    try {
      const v = evalExpr(e, this.ctx);
      return v.kind === "int" ? v.value : -1;
    } catch {
      return -1;
    }
  }

  /** connect() and sendto(MSG_FASTOPEN) make the socket connecting before the call, as packetdrill. */
  private trackStart(sc: SyscallAst, args: Value[]): void {
    if (sc.name === "connect") this.tracker.onConnect(this.scriptFd(sc, 0));
    if (sc.name === "sendto" || sc.name === "sendmsg") {
      const flags = args[sc.name === "sendto" ? 3 : 2];
      if (flags?.kind === "int" && flags.value & LINUX_SYMBOLS.MSG_FASTOPEN)
        this.tracker.onConnect(this.scriptFd(sc, 0));
    }
  }

  /** Keep packetdrill's socket-under-test model in step with completed calls (script fds). */
  private trackEnd(sc: SyscallAst, out: SyscallOutcome, want: number): void {
    switch (sc.name) {
      case "socket":
        if (out.ret >= 0) this.tracker.onSocket(want);
        break;
      case "listen":
        if (out.ret === 0) this.tracker.onListen(this.scriptFd(sc, 0));
        break;
      case "accept":
      case "accept4":
        if (out.ret >= 0) this.tracker.onAccept(want);
        break;
      case "close":
        if (out.ret === 0) this.tracker.onClose(this.scriptFd(sc, 0));
        break;
    }
  }

  // --- packets -------------------------------------------------------------------------------------

  private async inject(pkt: TcpPacketAst, rt: ResolvedTime, tol: number): Promise<void> {
    await this.waitFor(rt, tol, "inbound packet");
    const flow = this.tracker.flowForInbound(pkt, parseFlags(pkt.flags));
    const live = inboundToLive(flow, pkt, {
      tsEcrScaled: this.cfg.tsEcrScaled,
      mtu: this.cfg.settings.mtu,
      mss: this.cfg.mss,
    });
    if (typeof live === "string") this.fail(live);
    if (!this.engine.inject(live)) this.unsupported("inbound TCP packet the engine cannot inject");
    await this.afterEngine();
  }

  private async injectIcmp(pkt: IcmpPacketAst, rt: ResolvedTime, tol: number): Promise<void> {
    await this.waitFor(rt, tol, "inbound packet");
    const flow = this.tracker.underTest?.flow;
    if (!flow) this.fail("no connection under test for this ICMP message");
    let quoted = null;
    if (pkt.echoed?.kind === "tcp")
      quoted = {
        srcPort: flow.localPort ?? 0,
        dstPort: flow.remotePort,
        seq: flow.localToLive(pkt.echoed.seq.start, false),
        len: pkt.echoed.seq.len,
      };
    else if (pkt.echoed) this.unsupported(`ICMP quoting a ${pkt.echoed.kind} header`);
    const ok = this.engine.inject({
      proto: "icmp",
      srcIp: flow.remoteIp,
      dstIp: flow.localIp,
      type: pkt.type,
      code: pkt.code,
      mtu: pkt.mtu,
      quoted,
    });
    if (!ok) this.unsupported("inbound ICMP packets");
    await this.afterEngine();
  }

  private takeOwned(flow: Flow): OutboundSegment | null {
    while (this.queue.length) {
      const s = this.queue.shift()!;
      if (flow.owns(s)) return s;
      this.ignoredSegments++;
    }
    return null;
  }

  private async nextSegment(flow: Flow, deadlineNs: number): Promise<OutboundSegment | null> {
    for (;;) {
      const s = this.takeOwned(flow);
      if (s) return s;
      if (this.engine.now() >= deadlineNs) return null;
      await this.advanceUntil(deadlineNs, () => this.queue.length > 0);
    }
  }

  private async expect(ev: ScriptEvent, pkt: TcpPacketAst, rt: ResolvedTime, tol: number): Promise<void> {
    const flags = parseFlags(pkt.flags);
    const flow = this.tracker.flowForOutbound(pkt, flags);
    if (!flow) this.fail("no connection under test for this outbound packet", ev.text, "no socket");
    const { hi } = window(rt, tol);
    const deadlineNs = rt.kind === "any" ? this.engine.now() + this.maxWaitNs : this.usToNs(hi);
    const first = await this.nextSegment(flow, deadlineNs);
    const at = (s: OutboundSegment) => (s.atNs - this.startNs) / 1000;
    if (!first) {
      const by = rt.kind === "any" ? this.nowUs() : hi;
      this.fail(
        `timed out waiting for packet: none was sent by ${formatSeconds(by)} sec`,
        ev.text,
        "no packet",
      );
    }
    this.tracker.learnLocal(flow, flags, first);
    const burst = [first];
    let have = first.payloadLen;
    let coalesceError: string | null = null;
    while (have < pkt.seq.len && !this.cfg.strictSegments) {
      const next = await this.nextSegment(flow, deadlineNs);
      if (!next) {
        coalesceError = "no further segment to coalesce";
        break;
      }
      const why = appendable(first, burst[burst.length - 1], next, have, pkt.seq.len);
      if (why) {
        coalesceError = `next segment not coalesced: ${why}`;
        break;
      }
      burst.push(next);
      have += next.payloadLen;
    }
    const live = burst.length === 1 ? first : coalesce(burst);
    // Remember which live TS val the script's TS val stands for (before mapping this packet).
    const expTs = Array.isArray(pkt.options) ? pkt.options.find((o) => o.kind === "ts") : undefined;
    const liveTs = live.options.find((o) => o.kind === "ts");
    if (expTs?.kind === "ts" && liveTs?.kind === "ts") flow.recordTs(expTs.val, liveTs.val);
    const actual = outboundToScript(flow, live);
    const actualText = `> ${segmentText(actual)} at ${formatSeconds(at(first))} sec${burst.length > 1 ? ` (${burst.length} segments coalesced)` : ""}`;
    const diff = compareSegment(pkt, actual, { tsTickUs: this.cfg.tsTickUs, toleranceUs: tol });
    if (diff)
      this.fail(
        coalesceError && diff.field === "tcp payload" ? `${diff.text} (${coalesceError})` : diff.text,
        ev.text,
        actualText,
      );
    for (const s of burst.length > 1 ? [first, burst[burst.length - 1]] : [first]) {
      const err = checkTime(rt, at(s), tol, "outbound packet");
      if (err) this.fail(err, ev.text, actualText);
    }
  }
}

function isInbound(ev: ScriptEvent): boolean {
  return (
    (ev.action.kind === "tcp" || ev.action.kind === "icmp" || ev.action.kind === "udp") &&
    ev.action.dir === "<"
  );
}

function isAbsolute(ev: ScriptEvent): boolean {
  return ev.time?.kind === "abs" || ev.time?.kind === "absRange";
}

function symbolsOf(e: import("./ast.js").Expr): string[] {
  switch (e.kind) {
    case "symbol":
      return [e.name];
    case "or":
      return e.terms.flatMap(symbolsOf);
    case "array":
    case "struct":
      return e.items.flatMap(symbolsOf);
    case "field":
      return [...(e.args ?? []).flatMap(symbolsOf), ...symbolsOf(e.value)];
    case "call":
      return e.args.flatMap(symbolsOf);
    default:
      return [];
  }
}

// --- files ---------------------------------------------------------------------------------------------

export type EngineFactory = () => Engine | Promise<Engine>;

/** Read, parse and run one script file on a fresh engine. */
export async function runFile(
  path: string,
  createEngine: EngineFactory,
  opts: RunOptions = {},
): Promise<RunResult> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      status: "FAIL",
      path,
      failure: { line: 0, text: `cannot read script: ${msg}`, expected: "", actual: "" },
      notes: [],
    };
  }
  const parsed = tryParseScript(text, path);
  if (parsed.kind === "error") {
    const e = parsed.error;
    return {
      status: "FAIL",
      path,
      failure: {
        line: e.line,
        text: `parse error at column ${e.col}: ${e.detail}`,
        expected: "",
        actual: "",
      },
      notes: [],
    };
  }
  if (parsed.kind === "unsupported")
    return {
      status: "UNSUPPORTED",
      path,
      line: parsed.error.line,
      construct: parsed.error.construct,
      notes: [],
    };
  const engine = await createEngine();
  try {
    return await runScript(parsed.script, engine, opts);
  } finally {
    engine.dispose?.();
  }
}

/** One line for a result: `PASS path`, `FAIL path:line: text | expected: .. | actual: ..`, `SKIP path:line: unsupported: ..`. */
export function formatResult(r: RunResult): string {
  switch (r.status) {
    case "PASS":
      return `PASS ${r.path}`;
    case "FAIL": {
      const f = r.failure;
      let s = `FAIL ${r.path}:${f.line}: ${f.text}`;
      if (f.expected) s += ` | expected: ${f.expected}`;
      if (f.actual) s += ` | actual: ${f.actual}`;
      return s;
    }
    case "UNSUPPORTED":
      return `SKIP ${r.path}${r.line ? `:${r.line}` : ""}: unsupported: ${r.construct}`;
  }
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  results: RunResult[];
}

/** `N passed, M failed` and `, K skipped` when some scripts were unsupported. */
export function summaryLine(s: RunSummary): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""}`;
}

/** Run scripts one after another, printing one line each and the summary line last. */
export async function runFiles(
  paths: string[],
  createEngine: EngineFactory,
  opts: RunOptions & { log?: (line: string) => void; verbose?: boolean } = {},
): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const sum: RunSummary = { passed: 0, failed: 0, skipped: 0, results: [] };
  for (const p of paths) {
    const r = await runFile(p, createEngine, opts);
    sum.results.push(r);
    if (r.status === "PASS") sum.passed++;
    else if (r.status === "FAIL") sum.failed++;
    else sum.skipped++;
    log(formatResult(r));
    if (opts.verbose) for (const n of r.notes) log(`  note: ${n}`);
  }
  log(summaryLine(sum));
  return sum;
}
