// A small scenario with one socket of every kind the tools show: on "server" (10.0.0.2) an nginx
// listener (backlog 8) with one accepted connection holding unread bytes and two connections
// waiting in its accept queue (one with 7 unread bytes), an echo server, and a UDP socket with a
// datagram nobody read, and a supervisor with a Unix listener (one pending client) and a socketpair
// with 12 unread bytes; on "client" (10.0.0.1) the clients, one of them left in TIME_WAIT.
import { AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM } from "../../src/kernel/constants.js";
import type { Process } from "../../src/kernel/process.js";
import { clientServer } from "./world.js";

const enc = new TextEncoder();
const SLEEP = 3_600_000_000_000; // an hour: the processes stay while the test looks

export async function socketZoo() {
  const { world, client, server } = await clientServer({ latencyNs: 50_000 });
  const pids: Record<string, Process> = {};
  pids.nginx = server.spawn("nginx", { uid: 0 }, async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
    sys.listen(s, 8);
    await sys.accept(s);
    await sys.nanosleep(SLEEP);
  });
  pids.echod = server.spawn("echod", { uid: 0 }, async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "10.0.0.2", port: 7 });
    sys.listen(s, 4);
    const c = await sys.accept(s);
    const buf = new Uint8Array(64);
    for (;;) {
      const n = await sys.recv(c, buf);
      if (n === 0) break;
      await sys.send(c, buf.subarray(0, n));
    }
    await sys.close(c);
    await sys.nanosleep(SLEEP);
  });
  pids.dnsd = server.spawn("dnsd", { uid: 101 }, async (sys) => {
    const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 5353 });
    await sys.nanosleep(SLEEP);
  });
  pids.supervisord = server.spawn("supervisord", { uid: 0 }, async (sys) => {
    const l = sys.socket(AF_UNIX, SOCK_STREAM, 0);
    sys.bind(l, { family: AF_UNIX, path: "/run/supervisor.sock" });
    sys.listen(l, 5);
    const [a, b] = sys.socketpair(AF_UNIX, SOCK_STREAM, 0);
    await sys.send(a, enc.encode("hello, pair!"));
    if (
      sys.fork(async (child) => {
        const c = child.socket(AF_UNIX, SOCK_STREAM, 0);
        await child.connect(c, { family: AF_UNIX, path: "/run/supervisor.sock" });
        await child.nanosleep(SLEEP);
      }) < 0
    )
      throw new Error("fork");
    void b;
    await sys.nanosleep(SLEEP);
  });
  pids.curl = client.spawn("curl", { uid: 1000 }, async (sys) => {
    await sys.nanosleep(1_000_000);
    const a = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(a, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    await sys.send(a, enc.encode("GET /"));
    await sys.nanosleep(1_000_000);
    const b = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(b, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    await sys.send(b, enc.encode("GET /b\n"));
    const c = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(c, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    const u = sys.socket(AF_INET, SOCK_DGRAM, 0);
    await sys.sendto(u, enc.encode("query"), 0, { family: AF_INET, addr: "10.0.0.2", port: 5353 });
    await sys.close(u);
    await sys.nanosleep(SLEEP);
  });
  pids.nc = client.spawn("nc", { uid: 1000 }, async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 7 });
    await sys.send(s, enc.encode("ping"));
    await sys.recv(s, new Uint8Array(4));
    await sys.close(s); // active close: FIN_WAIT1, FIN_WAIT2, then TIME_WAIT on echod's FIN
  });
  await world.kernel.advance(1_000_000_000); // one second of virtual time
  return { world, client, server, pids };
}
