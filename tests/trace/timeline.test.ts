// The per-packet timeline: every stage from the NIC to recv(), in order, with monotonic virtual
// times, the socket the lookup found named by fd and pid, and costs measured on the host.
import { describe, expect, it } from "vitest";
import { AF_INET, SOCK_DGRAM, SOCK_STREAM } from "../../src/kernel/constants.js";
import type { TraceStage } from "../../src/net/trace.js";
import { capture, replay } from "../../src/tools/capture.js";
import { writePcap } from "../../src/tools/pcap.js";
import { formatTimeline, type PacketTrace, startTrace } from "../../src/trace/index.js";
import { FULL_RX_PATH } from "../helpers/trace-stages.js";
import { clientServer } from "../helpers/world.js";

const enc = new TextEncoder();

/** The order stages may appear in (each at most once per packet, except the ones a reply repeats). */
const ORDER: TraceStage[] = FULL_RX_PATH;

function expectInOrder(p: PacketTrace): void {
  let last = -1;
  for (const s of p.stages) {
    const i = ORDER.indexOf(s.stage);
    expect(i, `${s.stage} after ${ORDER[last]}`).toBeGreaterThanOrEqual(last);
    last = i;
  }
  for (let i = 1; i < p.stages.length; i++)
    expect(p.stages[i].atNs).toBeGreaterThanOrEqual(p.stages[i - 1].atNs);
  for (const s of p.stages) {
    expect(Number.isInteger(s.costNs)).toBe(true);
    expect(s.costNs).toBeGreaterThanOrEqual(0);
  }
}

/** nginx accepts one connection and reads once; curl connects, waits, sends `msgs`. */
async function exchange(msgs: string[], opts: { irqDelayNs?: number; readAfterNs?: number } = {}) {
  const { world, client, server } = await clientServer({ latencyNs: 50_000 });
  server.net.device("eth0").irqDelayNs = opts.irqDelayNs ?? 0;
  const tracer = startTrace(world, [server]);
  let got = "";
  const srv = server.spawn("nginx", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
    sys.listen(s, 8);
    const c = await sys.accept(s);
    if (opts.readAfterNs) await sys.nanosleep(opts.readAfterNs);
    const buf = new Uint8Array(1000);
    const n = await sys.recv(c, buf);
    got = new TextDecoder().decode(buf.subarray(0, n));
    await sys.close(c);
    await sys.close(s);
  });
  const cli = client.spawn("curl", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    await sys.nanosleep(1_000_000);
    for (const m of msgs) await sys.send(s, enc.encode(m));
    await sys.nanosleep(10_000_000);
    await sys.close(s);
  });
  expect(await world.wait(srv, cli)).toEqual([0, 0]);
  tracer.stop();
  return { world, server, tracer, srv, got };
}

describe("per-packet trace", () => {
  it("a data segment: NIC, IRQ, NAPI, Ethernet, IP, TCP, lookup, enqueue, wakeup, scheduling, copy", async () => {
    const { tracer, srv, got } = await exchange(["GET / HTTP/1.0\r\n\r\n"]);
    expect(got).toBe("GET / HTTP/1.0\r\n\r\n");
    const data = tracer.find((p) => / length 18$/.test(p.summary))!;
    expect(data).toBeDefined();
    expect(data.summary).toMatch(
      /^10\.0\.0\.1:\d+ > 10\.0\.0\.2:80: Flags \[P\.\], seq \d+:\d+, ack \d+, win \d+, length 18$/,
    );
    const stages = data.stages.map((s) => s.stage);
    expect(stages).toEqual(FULL_RX_PATH);
    expectInOrder(data);
    expect(data.complete).toBe(true);
    expect(data.unread).toBe(0);
    const text = (st: TraceStage) => data.stages.find((s) => s.stage === st)!.text;
    expect(text("ring")).toBe("eth0: frame of 84 bytes DMA'd into the RX ring");
    expect(text("irq")).toBe("interrupt raised -> napi_schedule (1 frame in the ring)");
    expect(text("eth")).toMatch(/^eth_type_trans: 02:00:00:00:00:01 > 02:00:00:00:00:02, type IPv4/);
    expect(text("lookup")).toMatch(
      new RegExp(
        `^hash\\(4-tuple 10\\.0\\.0\\.1:\\d+ -> 10\\.0\\.0\\.2:80\\) -> found socket fd=4, owned by nginx pid=${srv.pid}$`,
      ),
    );
    expect(text("input")).toBe("tcp_rcv_established: ESTABLISHED");
    expect(text("enqueue")).toBe("tcp_queue_rcv: 18 bytes linked on sk_receive_queue (18 bytes unread)");
    expect(text("wakeup")).toBe(`sk_data_ready -> woke nginx pid=${srv.pid} (sleeping in wait_woken)`);
    expect(text("sched")).toBe(`nginx pid=${srv.pid} runs again: schedule() returns into recv()`);
    expect(text("copy")).toMatch(/^skb_copy_datagram_msg: 18 bytes into the user buffer/);
    // the table
    const lines = formatTimeline(data);
    expect(lines[0]).toMatch(/^T\+µs +stage +what happened +host ns$/);
    expect(lines[7]).toMatch(
      /^T\+0\.00 +Socket Lookup +hash\(4-tuple .*\) -> found socket fd=4, owned by nginx pid=\d+ +\d+$/,
    );
    expect(lines.at(-1)).toMatch(/^ +total +\d+$/);
    expect(formatTimeline(data, { costs: false })[7]).toMatch(/pid=\d+$/);
  });

  it("the handshake: the SYN finds the listener, the ACK completes it and wakes accept()", async () => {
    const { tracer, srv } = await exchange(["x"]);
    const syn = tracer.find((p) => p.summary.includes("Flags [S]"))!;
    expect(syn.stages.map((s) => s.stage)).toEqual([
      "ring",
      "irq",
      "napi",
      "eth",
      "ip",
      "tcp",
      "lookup",
      "input",
      "xmit",
    ]);
    expect(syn.stages[6].text).toBe(
      `established: miss; listener 0.0.0.0:80 -> found listening socket fd=3, owned by nginx pid=${srv.pid}`,
    );
    expect(syn.stages[8].text).toMatch(
      /^tcp_transmit_skb: \[S\.\] 10\.0\.0\.2:80 > 10\.0\.0\.1:\d+, Flags \[S\.\]/,
    );
    const ack = tracer.packets[tracer.packets.indexOf(syn) + 1];
    expect(ack.summary).toMatch(/Flags \[\.\], seq \d+, ack \d+/);
    expect(ack.stages.find((s) => s.stage === "wakeup")?.text).toBe(
      `sk_data_ready -> woke nginx pid=${srv.pid} (sleeping in inet_csk_accept)`,
    );
    for (const p of tracer.packets) expectInOrder(p);
  });

  it("virtual time moves with the interrupt delay; a frame read later is scheduled later", async () => {
    const { tracer } = await exchange(["hello"], { irqDelayNs: 3_000, readAfterNs: 20_000_000 });
    const data = tracer.find((p) => / length 5$/.test(p.summary))!;
    expectInOrder(data);
    const at = (st: TraceStage) => data.stages.find((s) => s.stage === st)!.atNs - data.stages[0].atNs;
    expect(at("irq")).toBe(0);
    expect(at("napi")).toBe(3_000);
    // nobody slept in recv() when the data came: no wake-up of a task, no scheduling; the copy
    // happens when the process gets to recv()
    expect(data.stages.some((s) => s.stage === "sched")).toBe(false);
    expect(data.stages.find((s) => s.stage === "wakeup")?.text).toBe(
      "sk_data_ready: nobody waiting on the socket",
    );
    expect(at("copy")).toBeGreaterThan(19_000_000);
    expect(formatTimeline(data)[3]).toMatch(/^T\+3\.00 +NAPI poll/);
  });

  it("one recv() copying two segments shares the copy between them", async () => {
    const { tracer, got } = await exchange(["first ", "second"], { readAfterNs: 20_000_000 });
    expect(got).toBe("first second");
    const a = tracer.find(
      (p) => / length 6$/.test(p.summary) && p.stages.some((s) => s.stage === "enqueue"),
    )!;
    const b = tracer.packets[tracer.packets.indexOf(a) + 1];
    expect(b.summary).toMatch(/ length 6$/);
    const ca = a.stages.find((s) => s.stage === "copy")!;
    const cb = b.stages.find((s) => s.stage === "copy")!;
    expect(ca.text).toMatch(/^skb_copy_datagram_msg: 6 of its bytes \(12 in all\)/);
    expect(cb.text).toMatch(/^skb_copy_datagram_msg: 6 of its bytes \(12 in all\)/);
    expect(ca.atNs).toBe(cb.atNs);
    expect([a.complete, b.complete]).toEqual([true, true]);
  });

  it("a damaged frame: the timeline ends with the drop and its reason", async () => {
    const { world, client, server } = await clientServer();
    const cap = capture(world, client, "eth0", { direction: "tx" });
    const p = client.spawn("dig", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      await sys.sendto(s, enc.encode("query"), 0, { family: AF_INET, addr: "10.0.0.2", port: 53 });
    });
    await world.wait(p);
    await world.runUntilIdle();
    cap.stop();
    const udp = cap.frames.find((f) => f.data[23] === 17)!;
    const bad = udp.data.slice();
    bad[bad.length - 1] ^= 0x20; // "query" -> "quer" + "Y": the UDP checksum no longer matches
    const tracer = startTrace(world, [server]);
    replay(world, server, "eth0", writePcap([{ data: bad, tsNs: 0n }]));
    await world.runUntilIdle();
    tracer.stop();
    expect(tracer.packets.length).toBe(1);
    const t = tracer.packets[0];
    expect(t.stages.map((s) => s.stage)).toEqual(["ring", "irq", "napi", "eth", "drop"]);
    expect(t.stages[4].text).toBe("kfree_skb: SKB_DROP_REASON_UDP_CSUM");
    expect(t.complete).toBe(true);

    // a burst larger than the RX ring (1024 slots): the NIC drops the rest before any NAPI poll
    const burst = startTrace(world, [server], { limit: 2000 });
    replay(world, server, "eth0", writePcap(Array.from({ length: 1030 }, () => ({ data: bad, tsNs: 0n }))), {
      timing: "now",
    });
    await world.runUntilIdle();
    burst.stop();
    const ringDrops = burst.packets.filter((p) =>
      p.stages.some((s) => s.text === "kfree_skb: SKB_DROP_REASON_FULL_RING"),
    );
    expect(ringDrops.length).toBe(6);
    for (const p of ringDrops) expect(p.stages.map((s) => s.stage)).toEqual(["ring", "drop"]);
    const coalesced = burst.packets.filter((p) =>
      p.stages[1]?.text.startsWith("no interrupt: NAPI already scheduled"),
    );
    expect(coalesced.length).toBe(1023);
    expect(server.net.device("eth0").stats.rx_dropped).toBe(6);
  });

  it("stop() removes every hook: nothing more is recorded", async () => {
    const { world, server, tracer } = await exchange(["x"]);
    expect(server.net.trace).toBeUndefined();
    for (const d of server.net.devices) expect(d.trace).toBeUndefined();
    const n = tracer.packets.length;
    await world.runUntilIdle();
    expect(tracer.packets.length).toBe(n);
  });
});
