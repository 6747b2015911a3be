// `wirestack bench stream`: host-time throughput of a TCP byte stream between two processes on two
// hosts joined by a 10 Gbit/s cable with 50 µs of latency, on the virtual clock: every byte crosses
// the whole engine (send copy, segmentation, TCP/IP/Ethernet headers built by the core, the link,
// NAPI, parse and checksum verification in the core, socket lookup in the core's table, the receive
// queue, recv copy). Also AF_UNIX between two processes, which never touches the network, as the
// floor the kernel's process/wait machinery sets. bytes_per_s is payload bytes per host second.
import { AF_INET, AF_UNIX, SOCK_STREAM } from "../../src/kernel/constants.js";
import type { Sys } from "../../src/kernel/syscalls.js";
import { loadCore } from "../../src/node.js";
import { World } from "../../src/world/world.js";
import type { BenchCase, Suite } from "../harness.js";

const CHUNK = new Uint8Array(1 << 20).map((_, i) => i * 31);

async function pump(sys: Sys, fd: number, size: number): Promise<void> {
  for (let off = 0; off < size; off += CHUNK.length)
    await sys.send(fd, CHUNK.subarray(0, Math.min(CHUNK.length, size - off)));
}

async function drain(sys: Sys, fd: number): Promise<number> {
  const buf = new Uint8Array(1 << 20);
  let total = 0;
  for (;;) {
    const n = await sys.recv(fd, buf);
    if (n === 0) return total;
    total += n;
  }
}

async function tcpOnce(size: number): Promise<void> {
  const world = new World(await loadCore(), { seed: 1 });
  const a = world.addHost("a");
  const b = world.addHost("b");
  world.cable(a, "10.0.0.1/24", b, "10.0.0.2/24", { latencyNs: 50_000, bandwidth: 10e9 });
  let got = 0;
  const srv = b.spawn("sink", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 5001 });
    sys.listen(s, 1);
    const c = await sys.accept(s);
    got = await drain(sys, c);
    await sys.close(c);
    return 0;
  });
  const cli = a.spawn("source", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 5001 });
    await pump(sys, s, size);
    await sys.close(s);
    return 0;
  });
  await world.wait(srv, cli);
  if (got !== size) throw new Error(`stream bench: ${got} of ${size} bytes arrived`);
}

async function unixOnce(size: number): Promise<void> {
  const world = new World(await loadCore(), { seed: 1 });
  const h = world.addHost("h");
  let got = 0;
  const addr = { family: AF_UNIX, path: "/run/bench.sock" } as const;
  const srv = h.spawn("sink", async (sys) => {
    const s = sys.socket(AF_UNIX, SOCK_STREAM, 0);
    sys.bind(s, addr);
    sys.listen(s, 1);
    const c = await sys.accept(s);
    got = await drain(sys, c);
    await sys.close(c);
    return 0;
  });
  const cli = h.spawn("source", async (sys) => {
    const s = sys.socket(AF_UNIX, SOCK_STREAM, 0);
    await sys.connect(s, addr);
    await pump(sys, s, size);
    await sys.close(s);
    return 0;
  });
  await world.wait(srv, cli);
  if (got !== size) throw new Error(`stream bench: ${got} of ${size} bytes arrived`);
}

export const streamSuite: Suite = {
  name: "stream",
  description: "TCP between two hosts over a 10 Gbit/s cable, and AF_UNIX: host-time throughput",
  async cases(opts): Promise<BenchCase[]> {
    const size = (opts.quick ? 2 : 8) * 1024 * 1024;
    const label = opts.quick ? "2MiB" : "8MiB";
    return [
      { case: label, impl: "wirestack-tcp", ops: 1, bytes: size, iterations: 3, fn: () => tcpOnce(size) },
      { case: label, impl: "wirestack-unix", ops: 1, bytes: size, iterations: 3, fn: () => unixOnce(size) },
    ];
  },
};
