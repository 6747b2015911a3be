// A scripted fake Engine for the runner's own tests. Not a TCP: it has a virtual clock with timers,
// answers syscalls from canned defaults or a test's hook, lets a test react to injected packets by
// emitting segments (now or later), and records everything the runner asked of it.

import type {
  BlockedSyscall,
  Engine,
  EngineFeatures,
  EngineSettings,
  InboundPacket,
  OutboundSegment,
  SyscallCall,
  SyscallOutcome,
  SyscallReturn,
} from "./engine.js";

export interface FakeHooks {
  /** Answer a syscall; undefined falls back to the defaults (see FakeEngine.defaultSyscall). */
  onSyscall?(call: SyscallCall, fake: FakeEngine): SyscallReturn | undefined;
  /** React to an injected packet (e.g. emit a SYN-ACK for a SYN). */
  onInject?(pkt: InboundPacket, fake: FakeEngine): void;
  /** Settings the engine accepts; others return false. Default: every net.ipv4.* name. */
  knowsSysctl?(name: string): boolean;
}

/** A blocked call the test completes later with complete(). */
export class FakeBlocked implements BlockedSyscall {
  readonly blocked = true as const;
  private done: (SyscallOutcome & { atNs: number }) | undefined;

  constructor(private readonly fake: FakeEngine) {}

  complete(outcome: SyscallOutcome): void {
    this.done = { ...outcome, atNs: this.fake.now() };
  }
  poll(): (SyscallOutcome & { atNs: number }) | undefined {
    return this.done;
  }
}

export class FakeEngine implements Engine {
  features: EngineFeatures = {};
  settings: EngineSettings | null = null;
  readonly sysctls: [string, string][] = [];
  readonly commands: string[] = [];
  readonly calls: { atNs: number; call: SyscallCall }[] = [];
  readonly injected: { atNs: number; pkt: InboundPacket }[] = [];
  private clock = 0;
  private timers: { atNs: number; seq: number; fn: () => void }[] = [];
  private timerSeq = 0;
  private out: OutboundSegment[] = [];
  private nextFd = 3;

  constructor(private readonly hooks: FakeHooks = {}) {}

  reset(settings: EngineSettings): void {
    this.settings = settings;
  }
  applySysctl(name: string, value: string): boolean {
    this.sysctls.push([name, value]);
    return this.hooks.knowsSysctl ? this.hooks.knowsSysctl(name) : name.startsWith("net.ipv4.");
  }
  command(line: string): boolean {
    this.commands.push(line);
    return false;
  }
  now(): number {
    return this.clock;
  }
  pollAt(): number | null {
    return this.timers.length ? this.timers[0].atNs : null;
  }
  advanceTo(ns: number): void {
    if (ns < this.clock) throw new Error(`advanceTo(${ns}) is before now (${this.clock})`);
    while (this.timers.length && this.timers[0].atNs <= ns) {
      const t = this.timers.shift()!;
      this.clock = Math.max(this.clock, t.atNs);
      t.fn();
    }
    this.clock = ns;
  }
  syscall(call: SyscallCall): SyscallReturn {
    this.calls.push({ atNs: this.clock, call });
    return this.hooks.onSyscall?.(call, this) ?? this.defaultSyscall(call);
  }
  inject(pkt: InboundPacket): boolean {
    this.injected.push({ atNs: this.clock, pkt });
    this.hooks.onInject?.(pkt, this);
    return true;
  }
  outbound(): OutboundSegment[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  // --- helpers for tests -----------------------------------------------------------------------------

  /** Run fn at virtual time atNs (>= now). */
  at(atNs: number, fn: () => void): void {
    this.timers.push({ atNs, seq: this.timerSeq++, fn });
    this.timers.sort((a, b) => a.atNs - b.atNs || a.seq - b.seq);
  }

  /** Transmit a segment now, from the SUT's address to the remote's (fields default to zero/empty). */
  emit(seg: Partial<OutboundSegment> & Pick<OutboundSegment, "srcPort" | "dstPort" | "seq" | "flags">): void {
    const s = this.settings;
    this.out.push({
      atNs: this.clock,
      srcIp: s?.localIp ?? "192.168.0.1",
      dstIp: s?.remoteIp ?? "192.0.2.1",
      ack: 0,
      window: 0,
      urg: 0,
      options: [],
      payloadLen: 0,
      ...seg,
    });
  }

  /** A call that completes when the test says so. */
  block(): FakeBlocked {
    return new FakeBlocked(this);
  }

  /**
   * Defaults: socket/accept/open/epoll_create return the next fd from 3; read/write/send/recv and
   * friends return their length argument; everything else returns 0.
   */
  defaultSyscall(call: SyscallCall): SyscallOutcome {
    const intArg = (i: number) => {
      const a = call.args[i];
      return a && a.kind === "int" ? a.value : 0;
    };
    switch (call.name) {
      case "socket":
      case "accept":
      case "accept4":
      case "open":
      case "epoll_create":
      case "epoll_create1":
        return { ret: this.nextFd++ };
      case "read":
      case "write":
      case "send":
      case "recv":
      case "sendto":
      case "recvfrom":
        return { ret: intArg(2) };
      default:
        return { ret: 0 };
    }
  }
}
