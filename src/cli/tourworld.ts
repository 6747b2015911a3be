// The tour's world (`wirestack demo`, `wirestack ss`, `wirestack proc`): a client and a server on
// one cable; on the server an nginx-like master that opens the listener on :80 and forks three
// workers sharing it (each accepts a connection and serves its keep-alive requests); on the client a
// load generator that opens four keep-alive connections one after another and sends a request on
// each. Three workers serve the first three; the fourth connection waits in the listener's accept
// queue with its request unread, as it would on Linux with every worker busy.
// The server's eth0 is captured and every frame the server receives is traced from the start.
import { AF_INET, MSG_WAITALL, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../kernel/constants.js";
import type { Process } from "../kernel/process.js";
import { loadCore } from "../node.js";
import { capture, type DeviceCapture } from "../tools/capture.js";
import { startTrace, type Tracer } from "../trace/index.js";
import { type Host, World } from "../world/world.js";

export const REQUEST = "GET /index.html HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n";
export const BODY = "hello, world\n";
export const RESPONSE = `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
export const WORKERS = 3;
export const CONNECTIONS = 4;
const FOREVER = 3_600_000_000_000; // an hour of virtual time: "until the tour is over"

export interface TourWorld {
  world: World;
  client: Host;
  server: Host;
  master: Process;
  /** Worker pids, in fork order. */
  workers: number[];
  wrk: Process;
  tracer: Tracer;
  capture: DeviceCapture;
  /** Responses the client received, in order. */
  responses: string[];
}

/** Build the tour's world and run it until the three requests are answered and things settle. */
export async function buildTourWorld(): Promise<TourWorld> {
  const world = new World(await loadCore(), { seed: 1 });
  const client = world.addHost("client");
  const server = world.addHost("server");
  world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24", { latencyNs: 100_000 });
  const cap = capture(world, server, "eth0");
  const tracer = startTrace(world, [server]);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const workers: number[] = [];
  const responses: string[] = [];

  const master = server.spawn("nginx", { uid: 0 }, async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
    sys.listen(s, 511);
    for (let i = 0; i < WORKERS; i++) {
      // A worker: accept a connection, serve its requests until the client closes, again.
      const pid = sys.fork(async (w) => {
        const buf = new Uint8Array(4096);
        for (;;) {
          const c = await w.accept(s);
          for (;;) {
            const n = await w.recv(c, buf);
            if (n === 0) break;
            await w.send(c, enc.encode(RESPONSE));
          }
          await w.close(c);
        }
      });
      workers.push(pid);
    }
    await sys.nanosleep(FOREVER);
  });

  const wrk = client.spawn("wrk", { uid: 1000 }, async (sys) => {
    await sys.nanosleep(1_000_000); // let the workers reach accept()
    for (let i = 0; i < CONNECTIONS; i++) {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      await sys.nanosleep(1_000_000); // the worker is asleep in recv() when the request arrives
      await sys.send(s, enc.encode(REQUEST));
      if (i === WORKERS) break; // every worker is busy: this one waits in the accept queue
      const buf = new Uint8Array(RESPONSE.length);
      const n = await sys.recv(s, buf, MSG_WAITALL);
      responses.push(dec.decode(buf.subarray(0, n)));
    }
    await sys.nanosleep(FOREVER); // keep the connections open while the tour looks at them
  });

  await world.kernel.advance(50_000_000); // 50 ms of virtual time: requests answered, ACKs settled
  return { world, client, server, master, workers, wrk, tracer, capture: cap, responses };
}

/**
 * Run the tour's request path a few hundred times in a throwaway world (traced, like the tour's),
 * so the timeline the tour shows is measured on compiled code, not on the JIT's first passes.
 */
export async function warmUp(requests = 300): Promise<void> {
  const world = new World(await loadCore(), { seed: 2 });
  const client = world.addHost("client");
  const server = world.addHost("server");
  world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24", { latencyNs: 100_000 });
  startTrace(world, [server], { limit: 16 });
  const enc = new TextEncoder();
  const srv = server.spawn("nginx", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
    sys.listen(s, 8);
    const c = await sys.accept(s);
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await sys.recv(c, buf);
      if (n === 0) break;
      await sys.send(c, enc.encode(RESPONSE));
    }
    await sys.close(c);
    await sys.close(s);
  });
  const cli = client.spawn("wrk", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
    const buf = new Uint8Array(RESPONSE.length);
    for (let i = 0; i < requests; i++) {
      await sys.send(s, enc.encode(REQUEST));
      await sys.recv(s, buf, MSG_WAITALL);
    }
    await sys.close(s);
  });
  await world.wait(srv, cli);
}
