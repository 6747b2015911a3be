// A harness at the segment boundary for the pure TCP machine (STYLE lesson 14): two endpoints joined
// by an in-memory wire, a hand-driven clock with simple timers, and byte buffers instead of skbs.
import { type RequestSock, TcpListener } from "../../src/net/tcp/listen.js";
import { segEnd, type TcpOutSeg, type TcpSegment } from "../../src/net/tcp/segment.js";
import { type TcpConfig, TcpSock, type TimerLike } from "../../src/net/tcp/sock.js";
import { defaultTcpSysctl, MS } from "../../src/net/tcp/sysctl.js";

export class FakeClock {
  now = 0;
  private timers = new Set<FakeTimer>();
  timer(fn: () => void): TimerLike {
    const t = new FakeTimer(fn, this.timers);
    return t;
  }
  /** Runs timers due up to `until` in order. */
  advance(ns: number): void {
    const until = this.now + ns;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) if (t.at <= until && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.now = next.at;
      this.timers.delete(next);
      next.fn();
    }
    this.now = until;
  }
  pendingTimers(): number {
    return this.timers.size;
  }
}

class FakeTimer implements TimerLike {
  at = 0;
  constructor(
    readonly fn: () => void,
    private set: Set<FakeTimer>,
  ) {}
  mod(at: number): void {
    this.at = at;
    this.set.add(this);
  }
  del(): void {
    this.set.delete(this);
  }
  get pending(): boolean {
    return this.set.has(this);
  }
}

export interface WireSeg extends TcpOutSeg {
  from: string;
  saddr: number;
  sport: number;
  daddr: number;
  dport: number;
  payload: Uint8Array;
}

/** One endpoint: a TcpSock with byte-array buffers. */
export class Endpoint {
  sndBuf: Uint8Array[] = [];
  sndLen = 0;
  rcv: Uint8Array[] = [];
  rcvLen = 0;
  rcvbuf = 131072;
  sk: TcpSock;
  destroyed = false;
  wakes = 0;

  constructor(
    readonly name: string,
    readonly addr: number,
    readonly port: number,
    readonly peerAddr: number,
    readonly peerPort: number,
    readonly clock: FakeClock,
    readonly wire: WireSeg[],
    cfg: Partial<TcpConfig> = {},
  ) {
    const self = this;
    this.sk = new TcpSock(
      {
        now: () => clock.now,
        timer: (fn) => clock.timer(fn),
        output(seg) {
          wire.push({
            ...seg,
            from: self.name,
            saddr: self.addr,
            sport: self.port,
            daddr: self.peerAddr,
            dport: self.peerPort,
            payload: self.sndBytes(seg.dataOff, seg.dataLen),
          });
        },
        rcvQueue(payload, skip, len) {
          const p = payload as Uint8Array;
          self.rcv.push(p.subarray(skip, skip + len));
          self.rcvLen += len;
        },
        hold() {},
        release() {},
        sndAcked(n) {
          self.dropSnd(n);
        },
        sndBuffered: () => self.sndLen,
        rcvSpace: () => self.rcvbuf - self.rcvLen,
        wake() {
          self.wakes++;
        },
        destroy() {
          self.destroyed = true;
        },
      },
      {
        sysctl: defaultTcpSysctl(),
        advMss: 1460,
        rcvbuf: 131072,
        nodelay: false,
        keepalive: false,
        userMss: 0,
        ...cfg,
      },
    );
  }

  write(data: Uint8Array): void {
    this.sndBuf.push(data);
    this.sndLen += data.length;
    this.sk.queueData(data.length, true);
    this.sk.pushPending();
  }

  read(max = Number.POSITIVE_INFINITY): Uint8Array {
    const out: number[] = [];
    while (this.rcv.length && out.length < max) {
      const c = this.rcv[0];
      const n = Math.min(c.length, max - out.length);
      for (let i = 0; i < n; i++) out.push(c[i]);
      if (n === c.length) this.rcv.shift();
      else this.rcv[0] = c.subarray(n);
      this.rcvLen -= n;
    }
    this.sk.onReadDrained();
    return Uint8Array.from(out);
  }

  private sndBytes(off: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let o = 0;
    let skip = off;
    for (const c of this.sndBuf) {
      if (o >= len) break;
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const n = Math.min(c.length - skip, len - o);
      out.set(c.subarray(skip, skip + n), o);
      o += n;
      skip = 0;
    }
    return out;
  }

  private dropSnd(n: number): void {
    this.sndLen -= n;
    while (n > 0) {
      const c = this.sndBuf[0];
      if (c.length <= n) {
        n -= c.length;
        this.sndBuf.shift();
      } else {
        this.sndBuf[0] = c.subarray(n);
        n = 0;
      }
    }
  }
}

export function toSegment(w: WireSeg): TcpSegment {
  return {
    saddr: w.saddr,
    daddr: w.daddr,
    sport: w.sport,
    dport: w.dport,
    seq: w.seq,
    ack: w.ack,
    flags: w.flags,
    window: w.window,
    options: w.options,
    len: w.dataLen,
    payload: w.payload,
  };
}

/** Delivers every queued segment to `deliver`, repeatedly, until the wire is quiet. */
export function pump(
  wire: WireSeg[],
  deliver: (w: WireSeg) => void,
  drop?: (w: WireSeg) => boolean,
): WireSeg[] {
  const seen: WireSeg[] = [];
  for (let i = 0; i < 100000 && wire.length; i++) {
    const w = wire.shift()!;
    seen.push(w);
    if (drop?.(w)) continue;
    deliver(w);
  }
  return seen;
}

export { MS, type RequestSock, segEnd, TcpListener };
