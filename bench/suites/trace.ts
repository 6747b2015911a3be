// `wirestack bench trace`: what the per-packet trace costs. The same receive workload runs with no
// tracer attached and with one recording every stage of every frame the server receives.
//   rx-1KiB  a client's TCP connection sends 32 segments of 1 KiB per call (its write queue filled
//            directly, then pushed); the World runs until idle: the frames cross the cable, the
//            server's NIC rings, NAPI, IPv4, TCP, the socket's receive queue, the wake-up, and a
//            server process's recv() copies them out; the server ACKs. ops = segments.
//     trace-off  no tracer: each hook point is one undefined check
//     trace-on   a Tracer on the server host (src/trace): every point records a stage, reads the
//                clock twice and describes what it saw (the lookup names the owning fd and pid)
// A build without the hook points is not made: their cost when off is one `undefined` check each
// (13 points per frame on the softirq path, 3 more per recv() call), which this suite cannot
// separate from run-to-run noise.
import { AF_INET, SOCK_STREAM } from "../../src/kernel/constants.js";
import type { TcpConn } from "../../src/net/tcp/conn.js";
import { loadCore } from "../../src/node.js";
import { startTrace } from "../../src/trace/index.js";
import { World } from "../../src/world/world.js";
import type { BenchCase, Suite } from "../harness.js";

const SEG = 1024;
const BATCH = 32;

async function workload(traced: boolean): Promise<() => Promise<void>> {
  const world = new World(await loadCore(), { seed: 7 });
  const client = world.addHost("client");
  const server = world.addHost("server");
  // No bandwidth limit: a batch arrives at one virtual instant, as one NAPI round.
  world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24", { latencyNs: 20_000, bandwidth: 0 });
  let received = 0;
  server.spawn("sink", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 9 });
    sys.listen(s, 1);
    const c = await sys.accept(s);
    const buf = new Uint8Array(256 * 1024);
    for (;;) {
      const n = await sys.recv(c, buf);
      if (n === 0) break;
      received += n;
    }
  });
  client.spawn("source", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 9 });
    await sys.nanosleep(Number.MAX_SAFE_INTEGER);
  });
  await world.runUntilIdle({ maxNs: 10_000_000 });
  const conn = [...client.net.tcp.ehash.values()][0] as TcpConn | undefined;
  if (!conn) throw new Error("bench trace: no connection");
  conn.sndbuf = 1 << 20; // room for a whole batch in the write queue
  if (traced) startTrace(world, [server], { limit: 64 });
  const payload = new Uint8Array(SEG * BATCH).fill(0x61);
  let expected = 0;
  return async () => {
    conn.append(payload);
    conn.sk.pushPending();
    expected += payload.length;
    await world.kernel.runUntil(() => received === expected);
  };
}

export const traceSuite: Suite = {
  name: "trace",
  description: "per-packet trace: the same TCP receive path with no tracer and with one",
  async cases(): Promise<BenchCase[]> {
    return [
      { case: "rx-1KiB", impl: "trace-off", ops: BATCH, bytes: SEG, fn: await workload(false) },
      { case: "rx-1KiB", impl: "trace-on", ops: BATCH, bytes: SEG, fn: await workload(true) },
    ];
  },
};
