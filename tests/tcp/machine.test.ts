import { describe, expect, it } from "vitest";
import { TCPF_ACK, TCPF_FIN, TCPF_RST, TCPF_SYN } from "../../src/net/tcp/segment.js";
import { after, before, between, seqAdd } from "../../src/net/tcp/seq.js";
import {
  TCP_CLOSE,
  TCP_CLOSE_WAIT,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_LAST_ACK,
  TCP_SYN_SENT,
  TCP_TIME_WAIT,
} from "../../src/net/tcp/state.js";
import { Endpoint, FakeClock, MS, pump, toSegment, type WireSeg } from "../helpers/tcp-pair.js";

function pair(issA = 1000, issB = 5000) {
  const clock = new FakeClock();
  const wire: WireSeg[] = [];
  const a = new Endpoint("a", 0x0a000001, 40000, 0x0a000002, 80, clock, wire);
  const b = new Endpoint("b", 0x0a000002, 80, 0x0a000001, 40000, clock, wire);
  const deliver = (w: WireSeg) => (w.from === "a" ? b : a).sk.input(toSegment(w));
  return { clock, wire, a, b, deliver, issA, issB };
}

describe("sequence arithmetic", () => {
  it("compares across wrap-around", () => {
    expect(before(0xffff_fff0, 0x10)).toBe(true);
    expect(after(0x10, 0xffff_fff0)).toBe(true);
    expect(between(0x5, 0xffff_fff0, 0x10)).toBe(true);
    expect(seqAdd(0xffff_ffff, 2)).toBe(1);
  });
});

describe("TCP machine: simultaneous open and close", () => {
  it("both sides SYN at once, both reach ESTABLISHED, then close simultaneously through CLOSING", () => {
    const { wire, a, b, deliver, clock } = pair();
    a.sk.connect(0xffff_fff0, 0); // ISN near wrap-around on purpose
    b.sk.connect(7777, 0);
    expect(a.sk.state).toBe(TCP_SYN_SENT);
    // Deliver both SYNs crosswise, then whatever follows.
    pump(wire, deliver);
    expect(a.sk.state).toBe(TCP_ESTABLISHED);
    expect(b.sk.state).toBe(TCP_ESTABLISHED);
    a.write(new TextEncoder().encode("hello"));
    pump(wire, deliver);
    expect(new TextDecoder().decode(b.read())).toBe("hello");
    // simultaneous close: both FINs cross
    a.sk.shutdownWrite();
    b.sk.shutdownWrite();
    expect(a.sk.state).toBe(TCP_FIN_WAIT1);
    const held = wire.splice(0);
    for (const w of held) deliver(w);
    expect([a.sk.state, b.sk.state]).toEqual([TCP_CLOSING, TCP_CLOSING]);
    pump(wire, deliver);
    expect([a.sk.state, b.sk.state]).toEqual([TCP_TIME_WAIT, TCP_TIME_WAIT]);
    clock.advance(60_000 * MS);
    expect([a.sk.state, b.sk.state]).toEqual([TCP_CLOSE, TCP_CLOSE]);
  });
});

describe("TCP machine: active close", () => {
  it("FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT for 60 s; peer CLOSE_WAIT -> LAST_ACK -> CLOSE", () => {
    const { wire, a, b, deliver, clock } = pair();
    a.sk.connect(100, 0);
    b.sk.connect(200, 0);
    pump(wire, deliver);
    a.sk.close(0, false);
    pump(wire, deliver);
    // Linux tcp_fin() enters pingpong mode: the ACK of a FIN waits for the delayed-ACK timer (40 ms).
    expect(a.sk.state).toBe(TCP_FIN_WAIT1);
    clock.advance(40 * MS);
    pump(wire, deliver);
    expect(a.sk.state).toBe(TCP_FIN_WAIT2);
    expect(b.sk.state).toBe(TCP_CLOSE_WAIT);
    b.sk.close(0, false);
    expect(b.sk.state).toBe(TCP_LAST_ACK);
    pump(wire, deliver);
    expect(b.sk.state).toBe(TCP_CLOSE);
    expect(a.sk.state).toBe(TCP_TIME_WAIT);
    clock.advance(59_999 * MS);
    expect(a.sk.state).toBe(TCP_TIME_WAIT);
    clock.advance(1 * MS);
    expect(a.sk.state).toBe(TCP_CLOSE);
  });

  it("close with unread data sends RST and the peer sees ECONNRESET", () => {
    const { wire, a, b, deliver } = pair();
    a.sk.connect(100, 0);
    b.sk.connect(200, 0);
    pump(wire, deliver);
    a.write(new Uint8Array(10));
    pump(wire, deliver);
    b.sk.close(10, false);
    const seen = pump(wire, deliver);
    expect(seen.some((w) => w.from === "b" && w.flags & TCPF_RST)).toBe(true);
    expect(a.sk.state).toBe(TCP_CLOSE);
    expect(a.sk.err).toBe("ECONNRESET");
  });
});

describe("TCP machine: data transfer", () => {
  it("segments by MSS, respects the receive window, and delivers a large stream intact", () => {
    const { wire, a, b, deliver } = pair();
    a.sk.connect(0xffff_0000, 0);
    b.sk.connect(3, 0);
    pump(wire, deliver);
    const data = new Uint8Array(1_000_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
    a.write(data);
    const got: Uint8Array[] = [];
    let maxSeg = 0;
    for (let round = 0; round < 10000 && (a.sndLen > 0 || wire.length); round++) {
      const seen = pump(wire, deliver);
      for (const w of seen) maxSeg = Math.max(maxSeg, w.dataLen);
      got.push(b.read());
    }
    const all = new Uint8Array(got.reduce((n, g) => n + g.length, 0));
    let o = 0;
    for (const g of got) {
      all.set(g, o);
      o += g.length;
    }
    expect(all.length).toBe(data.length);
    expect(Buffer.compare(Buffer.from(all), Buffer.from(data))).toBe(0);
    expect(maxSeg).toBe(1448); // 1460 - 12 bytes of timestamp option
    // The last, short, pushed segment is ACKed when the reader empties the queue (Linux
    // tcp_cleanup_rbuf with ICSK_ACK_PUSHED), not after the delayed-ACK timer.
    pump(wire, deliver);
    expect(a.sk.sndUna).toBe(a.sk.sndNxt);
  });

  it("retransmits a lost segment after the RTO and the stream stays intact", () => {
    // Without SACK two duplicate ACKs do not trigger a fast retransmit (and there is no tail loss
    // probe): the RTO repairs the loss. With SACK, RACK would repair it at once.
    const { wire, a, b, deliver, clock } = pair();
    a.sk.cfg.sysctl.tcp_sack = 0;
    b.sk.cfg.sysctl.tcp_sack = 0;
    a.sk.connect(1, 0);
    b.sk.connect(2, 0);
    pump(wire, deliver);
    a.write(new Uint8Array(3000).fill(9));
    let dropped = 0;
    pump(wire, deliver, (w) => w.from === "a" && w.dataLen > 0 && dropped++ === 0);
    expect(b.rcvLen).toBe(0); // the first segment was lost, the second waits out of order
    clock.advance(1_000 * MS);
    pump(wire, deliver);
    expect(b.read().length).toBe(3000);
    expect(a.sk.totalRetrans).toBeGreaterThan(0);
  });

  it("an RST to a SYN gives ECONNREFUSED", () => {
    const { wire, a } = pair();
    a.sk.connect(1, 0);
    const syn = wire.shift()!;
    expect(syn.flags).toBe(TCPF_SYN);
    a.sk.input({
      saddr: syn.daddr,
      daddr: syn.saddr,
      sport: syn.dport,
      dport: syn.sport,
      seq: 0,
      ack: seqAdd(syn.seq, 1),
      flags: TCPF_RST | TCPF_ACK,
      window: 0,
      options: {},
      len: 0,
      payload: undefined,
    });
    expect(a.sk.state).toBe(TCP_CLOSE);
    expect(a.sk.err).toBe("ECONNREFUSED");
  });

  it("SYN retries back off 1, 2, 4, ... s and give ETIMEDOUT after tcp_syn_retries (127 s)", () => {
    const { wire, a, clock } = pair();
    a.sk.connect(1, 0);
    const times: number[] = [];
    for (let i = 0; i < 200 && a.sk.state !== TCP_CLOSE; i++) {
      while (wire.length) {
        wire.shift();
        times.push(clock.now / MS / 1000);
      }
      clock.advance(1000 * MS);
    }
    expect(times).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(a.sk.err).toBe("ETIMEDOUT");
    expect(clock.now / MS / 1000).toBeGreaterThanOrEqual(127);
  });

  it("FIN carries the right sequence and the peer reads EOF state", () => {
    const { wire, a, b, deliver, clock } = pair();
    a.sk.connect(10, 0);
    b.sk.connect(20, 0);
    pump(wire, deliver);
    a.write(new Uint8Array(5));
    a.sk.shutdownWrite();
    const seen = pump(wire, deliver);
    const fin = seen.find((w) => w.flags & TCPF_FIN)!;
    expect(fin.seq).toBe(seqAdd(a.sk.iss, 1 + (fin.dataLen === 5 ? 0 : 5)));
    expect(b.sk.state).toBe(TCP_CLOSE_WAIT);
    expect(b.sk.rcvShutdown).toBe(true);
    clock.advance(40 * MS); // the FIN's ACK is delayed (pingpong mode after tcp_fin)
    pump(wire, deliver);
    expect(a.sk.state).toBe(TCP_FIN_WAIT2);
  });
});
