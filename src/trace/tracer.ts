// A per-packet timeline of the receive path: for each frame a traced host receives, every stage it
// goes through (src/net/trace.ts lists the hook points), with the virtual time the stage started and
// the host time it took, measured with performance.now().
//
// How costs are measured. The hook points run in nested synchronous runs: a device's receive (ring,
// irq), one frame's NAPI processing (napi ... end), a recv() copy (copy, copied). A stage's cost is
// the host time from its point to the next point of the same run, less the tracer's own work (the
// clock is read on entry to the hook and again on leaving it; only the time in between hooks counts)
// and less any nested run (a reply on the loopback device comes back through receive while the
// outer frame's stage is still open). "Process scheduled" is the time from the end of the frame's
// softirq processing to the moment the woken process runs its recv() again: in this engine that is
// the virtual-time driver handing control to the process (one host macrotask turn).
//
// With no tracer attached each hook point costs one undefined check (bench suite `trace`).
import type { Process } from "../kernel/process.js";
import type { RxFrame } from "../net/frame.js";
import type { NetStack } from "../net/stack.js";
import type { TcpConn } from "../net/tcp/conn.js";
import { TCP_LISTEN } from "../net/tcp/state.js";
import type { TraceDetail, TraceStage } from "../net/trace.js";
import { type InetIndex, inetIndex, socketHolders } from "../tools/views/index.js";
import type { Host, World } from "../world/world.js";
import {
  copyText,
  dropText,
  enqueueText,
  ethText,
  ipText,
  lookupText,
  STAGE_TITLES,
  schedText,
  segmentSummary,
  stateText,
  tcpText,
  wakeupText,
  xmitText,
} from "./describe.js";

/**
 * One stage of one packet's path. `text` is worked out the first time it is read (the lookup's
 * owner, from the fd tables, then), so recording a stage costs little more than the clock reads.
 */
export interface StageRecord {
  stage: TraceStage;
  title: string;
  readonly text: string;
  /** Virtual time when the stage started, ns. */
  atNs: number;
  /** Host time the stage took, ns (performance.now deltas; sub-µs figures are the timer's resolution). */
  costNs: number;
}

/** Everything one received frame went through. */
export interface PacketTrace {
  id: number;
  host: string;
  dev: string;
  len: number;
  /** tcpdump-like one-liner of a TCP segment ("" for other frames). */
  readonly summary: string;
  /** The parsed frame, once the stack has parsed it (TCP segments). */
  frame?: RxFrame;
  stages: StageRecord[];
  /** Bytes it queued for reading that no recv() has copied yet. */
  unread: number;
  /** True once every stage that can happen to it has happened (dropped, consumed, or all copied). */
  complete: boolean;
}

export interface TracerOptions {
  /** Keep at most this many packets (the oldest go first). Default 1000. */
  limit?: number;
}

/** A synchronous run of hook points. */
interface Run {
  packets: PacketTrace[];
  /** The open stage of each packet (the same object for all in a copy run). */
  open: StageRecord | undefined;
  /** Host time the open stage (re)started, ms. */
  mark: number;
  /** Host time the open stage already accumulated before a nested run, ms. */
  acc: number;
  kind: "rx" | "napi" | "copy";
  host: Host;
  /** napi runs: the state before the state machine ran, for its description. */
  stateBefore?: number;
  listener?: boolean;
  conn?: TcpConn;
}

interface Unread {
  packet: PacketTrace;
  bytes: number;
  woke: Process[];
  scheduled: boolean;
}

const now = (): number => performance.now();

export class Tracer {
  readonly packets: PacketTrace[] = [];
  private readonly limit: number;
  private nextId = 1;
  private runs: Run[] = [];
  /** Frames in device rings, by skb handle, until a NAPI poll takes them. */
  private inRing = new Map<number, PacketTrace>();
  /** Per connection, the traced packets whose bytes wait in its receive queue, oldest first. */
  private unread = new Map<TcpConn, Unread[]>();
  /** When each packet's softirq processing ended (host ms), for "Process scheduled". */
  private softirqEnd = new WeakMap<PacketTrace, number>();
  private attached: NetStack[] = [];
  /** Who owns which socket, per host, and the kernel's file/socket/process counts it was read at. */
  private owners = new Map<Host, { idx: InetIndex; gen: string }>();

  constructor(
    readonly world: World,
    opts: TracerOptions = {},
  ) {
    this.limit = opts.limit ?? 1000;
  }

  /** Start tracing frames received by these hosts (default: every host of the world). */
  start(hosts: readonly Host[] = [...this.world.hosts.values()]): this {
    for (const h of hosts) {
      h.net.setTrace((stage, d) => this.hook(h, stage, d));
      this.attached.push(h.net);
    }
    return this;
  }

  /** Remove the hooks; the packets traced so far stay. */
  stop(): void {
    for (const n of this.attached) n.setTrace(undefined);
    this.attached = [];
    this.runs = [];
    this.inRing.clear();
  }

  /** The first packet matching `pred` (e.g. the first with data for a port). */
  find(pred: (p: PacketTrace) => boolean): PacketTrace | undefined {
    return this.packets.find(pred);
  }

  private newPacket(host: Host, d: TraceDetail): PacketTrace {
    const p = new Packet(this.nextId++, host.name, d.dev?.name ?? "?", d.len ?? 0);
    this.packets.push(p);
    if (this.packets.length > this.limit) this.packets.shift();
    return p;
  }

  /**
   * The host's socket owners, read again from the fd tables when files, sockets or processes came
   * or went since the last read (a lookup names the fd and pid at the moment it happened).
   */
  private index(host: Host): InetIndex {
    const k = this.world.kernel;
    const gen = `${k.nrFiles}:${k.nrSockets}:${k.processes().length}`;
    const c = this.owners.get(host);
    if (c && c.gen === gen) return c.idx;
    const idx = inetIndex(socketHolders(this.world, host));
    this.owners.set(host, { idx, gen });
    return idx;
  }

  private top(): Run | undefined {
    return this.runs[this.runs.length - 1];
  }

  /** Close the open stage of a run at host time `t` (ms). */
  private close(r: Run, t: number): void {
    const s = r.open;
    if (!s) return;
    s.costNs = Math.max(0, Math.round((r.acc + (t - r.mark)) * 1e6));
    if (s.stage === "input" && r.conn)
      setText(s, stateText.bind(null, r.stateBefore ?? 0, r.conn.sk.state, false));
    r.open = undefined;
    r.acc = 0;
  }

  private begin(r: Run, stage: TraceStage, text: string | (() => string)): StageRecord {
    const s = record(stage, text, this.world.kernel.now(), 0);
    for (const p of r.packets) p.stages.push(s);
    r.open = s;
    return s;
  }

  private push(r: Run, t: number): void {
    const outer = this.top();
    if (outer?.open) outer.acc += t - outer.mark;
    this.runs.push(r);
  }

  private hook(host: Host, stage: TraceStage, d: TraceDetail): void {
    const t0 = now();
    const r = this.top();
    switch (stage) {
      case "ring": {
        const p = this.newPacket(host, d);
        if (d.skb !== undefined) this.inRing.set(d.skb, p);
        this.push({ packets: [p], open: undefined, mark: t0, acc: 0, kind: "rx", host }, t0);
        this.begin(this.top()!, stage, () => `${p.dev}: frame of ${p.len} bytes DMA'd into the RX ring`);
        break;
      }
      case "irq": {
        if (r?.kind !== "rx") break;
        this.close(r, t0);
        const q = d.queued ?? 0;
        const raised = d.raised;
        this.begin(r, stage, () =>
          raised
            ? `interrupt raised -> napi_schedule (${q} frame${q === 1 ? "" : "s"} in the ring)`
            : `no interrupt: NAPI already scheduled (${q} frame${q === 1 ? "" : "s"} in the ring; interrupt mitigation)`,
        );
        break;
      }
      case "napi": {
        const skb = d.skb ?? 0;
        const p = this.inRing.get(skb) ?? this.newPacket(host, d);
        this.inRing.delete(skb);
        this.push({ packets: [p], open: undefined, mark: t0, acc: 0, kind: "napi", host }, t0);
        const { dev, n, budget } = d;
        this.begin(
          this.top()!,
          stage,
          () => `net_rx_action -> napi_poll(${dev?.name}): frame ${n} of budget ${budget}`,
        );
        break;
      }
      case "end": {
        if (!r || (r.kind !== "rx" && r.kind !== "napi")) break;
        this.close(r, t0);
        this.runs.pop();
        if (r.kind === "napi") {
          const p = r.packets[0];
          this.softirqEnd.set(p, t0);
          if (p.unread === 0) p.complete = true;
        }
        break;
      }
      case "eth":
      case "ip":
      case "tcp":
      case "lookup":
      case "input":
      case "enqueue":
      case "wakeup":
      case "xmit":
        if (r?.kind === "napi") this.napiStage(r, stage, d, t0);
        break;
      case "drop":
        if (r?.kind === "napi") this.napiStage(r, stage, d, t0);
        else if (r?.kind === "rx") {
          // the RX ring was full: the NIC dropped the frame
          this.close(r, t0);
          const reason = d.reason ?? 0;
          this.begin(r, stage, () => dropText(reason));
          r.packets[0].complete = true;
        }
        break;
      case "sched":
        this.sched(d, t0);
        break;
      case "copy": {
        const q = d.conn ? this.unread.get(d.conn) : undefined;
        if (!q || q.length === 0) break;
        this.push(
          {
            packets: q.map((u) => u.packet),
            open: undefined,
            mark: t0,
            acc: 0,
            kind: "copy",
            host,
            conn: d.conn,
          },
          t0,
        );
        this.begin(this.top()!, stage, "");
        break;
      }
      case "copied":
        if (r && r.kind === "copy") this.copied(r, d, t0);
        break;
    }
    // The tracer's own work above is not part of any stage.
    const t1 = now();
    const after = this.top();
    if (after) after.mark = t1;
  }

  private napiStage(r: Run, stage: TraceStage, d: TraceDetail, t0: number): void {
    const p = r.packets[0];
    const f = d.frame;
    if (stage === "input") {
      // The lookup ends here: say what it found, then the state machine starts.
      const lookup = r.open?.stage === "lookup" ? r.open : undefined;
      this.close(r, t0);
      const found = { conn: d.conn, listener: d.listener };
      if (lookup) setText(lookup, lookupText(this.index(r.host), found));
      r.conn = d.conn;
      r.listener = d.listener !== undefined;
      const before = d.conn ? d.conn.sk.state : TCP_LISTEN;
      r.stateBefore = before;
      const listener = r.listener;
      this.begin(r, stage, () =>
        found.conn || found.listener
          ? stateText(before, before, listener)
          : "tcp_v4_send_reset: no socket for the segment",
      );
      return;
    }
    this.close(r, t0);
    let text: string | (() => string) = "";
    switch (stage) {
      case "eth":
        text = "__netif_receive_skb_core: the frame enters the stack";
        break;
      case "drop": {
        const reason = d.reason ?? 0;
        text = () => dropText(reason);
        p.complete = true;
        const eth = f && p.stages.find((s) => s.stage === "eth");
        if (f && eth) setText(eth, () => ethText(f));
        break;
      }
      case "ip":
        if (f) {
          text = () => ipText(f);
          // the Ethernet stage's text, now that the frame is parsed
          const eth = p.stages.find((s) => s.stage === "eth");
          if (eth) setText(eth, () => ethText(f));
        }
        break;
      case "tcp":
        if (f) {
          text = () => tcpText(f);
          p.frame = f;
        }
        break;
      case "lookup":
        text = "__inet_lookup_established, then __inet_lookup_listener";
        break;
      case "enqueue": {
        const conn = d.conn!;
        const len = d.len ?? 0;
        const queued = conn.rcvBytes;
        text = () => enqueueText(len, queued);
        p.unread += len;
        let q = this.unread.get(conn);
        if (!q) {
          q = [];
          this.unread.set(conn, q);
        }
        q.push({ packet: p, bytes: len, woke: [], scheduled: false });
        break;
      }
      case "wakeup": {
        const w = wakeupText(d.events ?? 0, d.waiters ?? []);
        text = () => w.text();
        const q = r.conn ? this.unread.get(r.conn) : undefined;
        const mine = q?.find((u) => u.packet === p);
        if (mine) mine.woke.push(...w.tasks);
        break;
      }
      case "xmit": {
        const { seg, laddr, lport, raddr, rport } = d;
        text = () => xmitText(seg!, laddr ?? 0, lport ?? 0, raddr ?? 0, rport ?? 0);
        break;
      }
    }
    this.begin(r, stage, text);
  }

  /** A process that slept in recv() runs again: attach it to the packet whose wake-up woke it. */
  private sched(d: TraceDetail, t0: number): void {
    const q = d.conn ? this.unread.get(d.conn) : undefined;
    if (!q || !d.task) return;
    const u = q.find((x) => !x.scheduled && x.woke.includes(d.task!)) ?? q.find((x) => !x.scheduled);
    if (!u) return;
    u.scheduled = true;
    const end = this.softirqEnd.get(u.packet);
    const task = d.task;
    u.packet.stages.push(
      record(
        "sched",
        () => schedText(task),
        this.world.kernel.now(),
        end === undefined ? 0 : Math.max(0, Math.round((t0 - end) * 1e6)),
      ),
    );
  }

  /** The copy ended: share its cost among the packets whose bytes it took, by bytes. */
  private copied(r: Run, d: TraceDetail, t0: number): void {
    const s = r.open;
    this.close(r, t0);
    this.runs.pop();
    const conn = r.conn;
    const q = conn ? this.unread.get(conn) : undefined;
    if (!s || !q) return;
    const total = d.len ?? 0;
    let left = total;
    const shares: [PacketTrace, number][] = [];
    while (left > 0 && q.length > 0) {
      const u = q[0];
      const n = Math.min(u.bytes, left);
      u.bytes -= n;
      left -= n;
      shares.push([u.packet, n]);
      if (u.bytes === 0) q.shift();
    }
    if (q.length === 0 && conn) this.unread.delete(conn);
    // Each packet gets its own record of the shared copy, with its part of the cost.
    for (const p of r.packets) {
      const i = p.stages.indexOf(s);
      const share = shares.find((x) => x[0] === p);
      if (!share) {
        if (i >= 0) p.stages.splice(i, 1); // none of its bytes were in this copy
        continue;
      }
      const n = share[1];
      p.stages[i] = record(
        "copy",
        () => copyText(n, total),
        s.atNs,
        total > 0 ? Math.round((s.costNs * n) / total) : s.costNs,
      );
      p.unread -= share[1];
      if (p.unread <= 0) p.complete = true;
    }
  }
}

class Packet implements PacketTrace {
  readonly stages: StageRecord[] = [];
  frame?: RxFrame;
  unread = 0;
  complete = false;

  constructor(
    readonly id: number,
    readonly host: string,
    readonly dev: string,
    readonly len: number,
  ) {}

  get summary(): string {
    return this.frame ? segmentSummary(this.frame, this.frame.plen) : "";
  }
}

/** A stage record whose text is a string, or worked out on first read. */
class Stage implements StageRecord {
  readonly title: string;
  private words: string | (() => string);

  constructor(
    readonly stage: TraceStage,
    text: string | (() => string),
    readonly atNs: number,
    public costNs: number,
  ) {
    this.title = STAGE_TITLES[stage];
    this.words = text;
  }

  get text(): string {
    if (typeof this.words !== "string") this.words = this.words();
    return this.words;
  }

  setText(text: string | (() => string)): void {
    this.words = text;
  }

  toJSON(): object {
    return { stage: this.stage, title: this.title, text: this.text, atNs: this.atNs, costNs: this.costNs };
  }
}

function record(stage: TraceStage, text: string | (() => string), atNs: number, costNs: number): Stage {
  return new Stage(stage, text, atNs, costNs);
}

function setText(s: StageRecord, text: string | (() => string)): void {
  (s as Stage).setText(text);
}

/** Start tracing a world's hosts (all of them by default). */
export function startTrace(world: World, hosts?: readonly Host[], opts: TracerOptions = {}): Tracer {
  return new Tracer(world, opts).start(hosts);
}
