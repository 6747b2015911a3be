// Node's own http and stream machinery over engine sockets, between two engine hosts on the virtual
// clock: http.Server fed with engine connections, http.request with an engine createConnection,
// backpressure both ways, half-close, error codes as Node's.
import { createHash } from "node:crypto";
import http from "node:http";
import { describe, expect, it } from "vitest";
import { SHUT_WR, SOL_TCP, TCP_NODELAY } from "../../src/kernel/constants.js";
import { TCP_ESTABLISHED, TCP_STATE_NAMES } from "../../src/net/tcp/state.js";
import { serveHttp } from "../../src/node/http.js";
import { EngineNet, type EngineSocket } from "../../src/node/net-adapter.js";
import { httpApp, patternBytes } from "../../src/node/services.js";
import type { World } from "../../src/world/world.js";
import { drive } from "../helpers/drive.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function pair(latencyNs = 100_000) {
  const { world, client, server } = await clientServer({ latencyNs });
  const snet = await EngineNet.start(server);
  const cnet = await EngineNet.start(client);
  return { world, client, server, snet, cnet };
}

/** GET over the engine with Node's http client; resolves with status, headers and body. */
function get(cnet: EngineNet, path: string, port = 80) {
  return new Promise<{
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
    socket: EngineSocket;
  }>((resolve, reject) => {
    const req = http.request(
      { host: "10.0.0.2", port, path, createConnection: cnet.createConnection },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            socket: req.socket as unknown as EngineSocket,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Close everything, let TIME_WAIT pass, and check nothing is left. */
async function teardown(world: World, ...nets: EngineNet[]) {
  await drive(world, Promise.all(nets.map((n) => n.close())));
  await world.runUntilIdle();
  expect(world.kernel.stats()).toMatchObject({ processes: 0, files: 0, sockets: 0 });
  expectNoLeaks(world.core, []);
}

describe("Node http over engine sockets (virtual clock)", () => {
  it("serves the index page and 8 MiB of /bytes/N to Node's http client, SHA-256 equal", async () => {
    const { world, snet, cnet } = await pair();
    const hs = http.createServer(httpApp());
    const es = await serveHttp(snet, hs, { port: 80 });
    const page = await drive(world, get(cnet, "/"));
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain("served by Node's http module over the wirestack engine");
    expect(page.body.toString()).toContain("You are 10.0.0.1:");
    const n = 8 * 1024 * 1024;
    const big = await drive(world, get(cnet, `/bytes/${n}`));
    expect(big.status).toBe(200);
    expect(big.headers["content-length"]).toBe(String(n));
    expect(big.body.length).toBe(n);
    expect(sha(big.body)).toBe(sha(patternBytes(n)));
    const missing = await drive(world, get(cnet, "/nope"));
    expect(missing.status).toBe(404);
    es.close();
    await teardown(world, snet, cnet);
  });

  it("carries a multi-MiB request body (client -> server) intact", async () => {
    const { world, snet, cnet } = await pair();
    const body = patternBytes(3 * 1024 * 1024 + 17);
    let got = "";
    const hs = http.createServer((req, res) => {
      const h = createHash("sha256");
      req.on("data", (d: Buffer) => h.update(d));
      req.on("end", () => {
        got = h.digest("hex");
        res.end("ok");
      });
    });
    const es = await serveHttp(snet, hs, { port: 8080 });
    const status = await drive(
      world,
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: "10.0.0.2",
            port: 8080,
            method: "POST",
            path: "/up",
            createConnection: cnet.createConnection,
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
    );
    expect(status).toBe(200);
    expect(got).toBe(sha(body));
    es.close();
    await teardown(world, snet, cnet);
  });

  it("reports addresses as net.Socket does and sets TCP_NODELAY", async () => {
    const { world, snet, cnet } = await pair();
    const seen: string[] = [];
    const srv = snet.createServer({}, (s) => {
      seen.push(
        `${s.remoteAddress}:${(s.remotePort ?? 0) > 0} ${s.localAddress}:${s.localPort} ${s.remoteFamily}`,
      );
      s.end();
    });
    srv.listen(7000);
    await drive(world, new Promise((r) => srv.once("listening", r)));
    expect(srv.address()).toEqual({ address: "0.0.0.0", family: "IPv4", port: 7000 });
    const c = cnet.connect(7000, "10.0.0.2");
    await drive(world, new Promise((r) => c.once("connect", r)));
    const a = c.address() as { address: string; family: string; port: number };
    expect(a.address).toBe("10.0.0.1");
    expect(a.family).toBe("IPv4");
    expect(a.port).toBeGreaterThanOrEqual(32768);
    expect([c.remoteAddress, c.remotePort, c.localPort]).toEqual(["10.0.0.2", 7000, a.port]);
    expect(cnet.sys.getsockopt(c.fd, SOL_TCP, TCP_NODELAY)).toBe(0);
    c.setNoDelay(true);
    expect(cnet.sys.getsockopt(c.fd, SOL_TCP, TCP_NODELAY)).toBe(1);
    c.resume();
    await drive(world, new Promise((r) => c.once("end", r)));
    expect(seen).toEqual(["10.0.0.1:true 10.0.0.2:7000 IPv4"]);
    srv.close();
    await teardown(world, snet, cnet);
  });
});

describe("the same glue in real-time mode (no driver: host timers move the engine)", () => {
  it("Node's http client fetches 1 MiB from Node's http server between two engine hosts", async () => {
    const { world, snet, cnet } = await pair();
    const hs = http.createServer(httpApp());
    const es = await serveHttp(snet, hs, { port: 80 });
    world.kernel.startRealtime();
    try {
      const n = 1024 * 1024;
      const got = await get(cnet, `/bytes/${n}`);
      expect(got.status).toBe(200);
      expect(sha(got.body)).toBe(sha(patternBytes(n)));
      es.close();
      await Promise.all([snet.close(), cnet.close()]);
    } finally {
      world.kernel.stopRealtime();
    }
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
  });
});

describe("backpressure, half-close and errors", () => {
  it("a paused reader stops the engine's recv; the writer's stream fills up, then everything arrives", async () => {
    const { world, client, snet, cnet } = await pair(1_000_000);
    const total = 4 * 1024 * 1024;
    const data = patternBytes(total);
    let writeFull = false;
    let finished = false;
    let serverSock!: EngineSocket;
    const srv = snet.createServer({}, (s) => {
      serverSock = s;
      // one big write: the stream holds what the engine's send buffer cannot take yet
      writeFull = !s.write(data);
      s.once("finish", () => {
        finished = true;
      });
      s.end();
    });
    srv.listen(9000);
    const c = cnet.connect(9000, "10.0.0.2");
    const chunks: Buffer[] = [];
    c.on("data", (d: Buffer) => chunks.push(d));
    c.pause();
    await drive(world, new Promise((r) => c.once("connect", r)));
    // Two seconds of virtual time with the reader paused.
    await world.kernel.advance(2e9);
    const conn = [...client.net.tcp.ehash.values()][0];
    const received = chunks.reduce((n, b) => n + b.length, 0);
    expect(writeFull).toBe(true);
    expect(finished).toBe(false);
    expect(serverSock.writableLength).toBeGreaterThan(0); // still in the stream, not yet in the engine
    expect(received).toBe(0);
    // what TCP delivered waits in the engine's receive queue, bounded by the receive buffer
    expect(conn.rcvBytes).toBeGreaterThan(0);
    expect(conn.rcvBytes).toBeLessThanOrEqual(conn.rcvbuf);
    expect(conn.rcvBytes).toBeLessThan(total);
    c.resume();
    await drive(world, new Promise((r) => c.once("end", r)));
    expect(finished).toBe(true);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(total);
    expect(sha(all)).toBe(sha(data));
    expect(c.bytesRead).toBe(total);
    srv.close();
    await teardown(world, snet, cnet);
  });

  it("http: IncomingMessage pause()/resume() holds the body back and then delivers it intact", async () => {
    const { world, snet, cnet } = await pair();
    const hs = http.createServer(httpApp());
    const es = await serveHttp(snet, hs, { port: 80 });
    const n = 2 * 1024 * 1024;
    let got = 0;
    let pausedOnce = false;
    let res!: http.IncomingMessage;
    const h = createHash("sha256");
    const ended = new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: "10.0.0.2", port: 80, path: `/bytes/${n}`, createConnection: cnet.createConnection },
        (r) => {
          res = r;
          r.on("data", (d: Buffer) => {
            got += d.length;
            h.update(d);
            if (got >= 65536 && !pausedOnce) {
              pausedOnce = true;
              r.pause();
            }
          });
          r.on("end", () => resolve());
        },
      );
      req.on("error", reject);
      req.end();
    });
    await drive(
      world,
      new Promise<void>((r) => {
        const t = () => (res?.isPaused() ? r() : setImmediate(t));
        t();
      }),
    );
    await world.kernel.advance(1e9);
    const atPause = got;
    await world.kernel.advance(1e9);
    expect(got).toBe(atPause); // nothing delivered while paused
    expect(got).toBeLessThan(n);
    res.resume();
    await drive(world, ended);
    expect(got).toBe(n);
    expect(h.digest("hex")).toBe(sha(patternBytes(n)));
    es.close();
    await teardown(world, snet, cnet);
  });

  it("half-close: end() sends FIN, the peer sees 'end', answers, and ends too", async () => {
    const { world, client, server, snet, cnet } = await pair();
    const name = (n: number) => TCP_STATE_NAMES[n];
    const cState = () => name([...client.net.tcp.ehash.values()][0].sk.state);
    const sState = () => name([...server.net.tcp.ehash.values()][0].sk.state);
    const srv = snet.createServer({ allowHalfOpen: true });
    srv.listen(7);
    const serverEnd = new Promise<[EngineSocket, string]>((resolve) => {
      srv.on("connection", (s: EngineSocket) => {
        const got: Buffer[] = [];
        s.on("data", (d: Buffer) => got.push(d));
        s.on("end", () => resolve([s, Buffer.concat(got).toString()]));
      });
    });
    const c = cnet.connect({ port: 7, host: "10.0.0.2", allowHalfOpen: true });
    const reply: Buffer[] = [];
    c.on("data", (d: Buffer) => reply.push(d));
    const clientEnd = new Promise<void>((r) => c.once("end", () => r()));
    c.write("ping");
    c.end();
    const [s, got] = await drive(world, serverEnd);
    expect(got).toBe("ping");
    // The server's ACK of the FIN is delayed (Linux tcp_fin enters pingpong mode: 40 ms ATO), then
    // reaches the client.
    await world.kernel.advance(41e6);
    expect([cState(), sState()]).toEqual(["FIN_WAIT2", "CLOSE_WAIT"]);
    expect(s.writable).toBe(true); // half-open: the server may still write
    s.end("pong");
    await drive(world, clientEnd);
    expect(Buffer.concat(reply).toString()).toBe("pong");
    await drive(
      world,
      Promise.all([c, s].map((x) => new Promise((r) => (x.closed ? r(null) : x.once("close", r))))),
    );
    await world.kernel.advance(1e6); // the client's last ACK reaches the server (LAST_ACK -> CLOSE)
    // the side that closed first waits in TIME_WAIT; the other side is gone
    expect(cState()).toBe("TIME_WAIT");
    expect(server.net.tcp.ehash.size).toBe(0);
    srv.close();
    await teardown(world, snet, cnet);
  });

  it("maps engine errors to Node's codes: ECONNREFUSED, ENETUNREACH, EADDRINUSE, ECONNRESET", async () => {
    const { world, snet, cnet } = await pair();
    const errOf = (s: EngineSocket) =>
      new Promise<NodeJS.ErrnoException>((resolve) =>
        s.once("error", (e) => resolve(e as NodeJS.ErrnoException)),
      );
    const refused = await drive(world, errOf(cnet.connect(9, "10.0.0.2")));
    expect(refused).toMatchObject({
      code: "ECONNREFUSED",
      errno: -111,
      syscall: "connect",
      address: "10.0.0.2",
      port: 9,
    });
    expect(refused.message).toBe("connect ECONNREFUSED 10.0.0.2:9");
    const unreach = await drive(world, errOf(cnet.connect(80, "192.0.2.1")));
    expect(unreach).toMatchObject({ code: "ENETUNREACH", syscall: "connect" });
    const bad = await drive(world, errOf(cnet.connect(80, "example.com")));
    expect(bad).toMatchObject({ code: "ENOTFOUND", syscall: "getaddrinfo" });

    // http.request sees the same error object
    const httpErr = await drive(
      world,
      new Promise<NodeJS.ErrnoException>((resolve) => {
        const req = http.request({ host: "10.0.0.2", port: 81, createConnection: cnet.createConnection });
        req.on("error", (e) => resolve(e as NodeJS.ErrnoException));
        req.end();
      }),
    );
    expect(httpErr.code).toBe("ECONNREFUSED");

    const a = snet.createServer();
    a.listen(5000);
    const b = snet.createServer();
    const inUse = await drive(
      world,
      new Promise<NodeJS.ErrnoException>((resolve) => {
        b.once("error", (e) => resolve(e as NodeJS.ErrnoException));
        b.listen(5000);
      }),
    );
    expect(inUse).toMatchObject({ code: "EADDRINUSE", errno: -98, syscall: "listen" });

    // a peer that aborts (RST): the reader gets ECONNRESET
    a.on("connection", (s: EngineSocket) => s.resetAndDestroy());
    const c = cnet.connect(5000, "10.0.0.2");
    c.resume();
    const reset = await drive(world, errOf(c));
    expect(reset).toMatchObject({ code: "ECONNRESET", errno: -104, syscall: "read" });
    a.close();
    await teardown(world, snet, cnet);
  });

  it("writing into a reset connection fails with ECONNRESET, into a shut-down one with EPIPE (no SIGPIPE)", async () => {
    const { world, snet, cnet } = await pair();
    const srv = snet.createServer({}, (s) => s.resetAndDestroy());
    srv.listen(5001);
    const c = cnet.connect(5001, "10.0.0.2");
    await drive(world, new Promise((r) => c.once("connect", r)));
    await world.kernel.advance(10e6); // the RST has arrived
    const writeErr = (s: EngineSocket, data: string) =>
      drive(
        world,
        new Promise<NodeJS.ErrnoException>((resolve) => {
          s.once("error", (e) => resolve(e as NodeJS.ErrnoException));
          s.write(data);
        }),
      );
    expect(await writeErr(c, "after reset")).toMatchObject({
      code: "ECONNRESET",
      errno: -104,
      syscall: "write",
    });

    // EPIPE: sending on a socket whose sending side is shut down (here behind the stream's back).
    // MSG_NOSIGNAL keeps SIGPIPE from killing the engine process, as Node ignores SIGPIPE.
    const srv2 = snet.createServer({}, (s) => s.resume());
    srv2.listen(5002);
    const d = cnet.connect(5002, "10.0.0.2");
    await drive(world, new Promise((r) => d.once("connect", r)));
    cnet.sys.shutdown(d.fd, SHUT_WR);
    expect(await writeErr(d, "two")).toMatchObject({ code: "EPIPE", errno: -32, syscall: "write" });
    expect(cnet.proc.alive).toBe(true);
    expect(cnet.proc.signalsReceived).toEqual([]);
    srv.close();
    srv2.close();
    await teardown(world, snet, cnet);
  });

  it("an idle timeout fires on the engine clock and a keep-alive server closes idle connections", async () => {
    const { world, snet, cnet } = await pair();
    const hs = http.createServer({ keepAliveTimeout: 2000 }, httpApp());
    const es = await serveHttp(snet, hs, { port: 80 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: unknown }).createConnection = cnet.createConnection;
    const once = () =>
      new Promise<EngineSocket>((resolve, reject) => {
        const req = http.request({ host: "10.0.0.2", port: 80, path: "/", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(req.socket as unknown as EngineSocket));
        });
        req.on("error", reject);
        req.end();
      });
    const s1 = await drive(world, once());
    const s2 = await drive(world, once());
    expect(s2).toBe(s1); // one connection, reused
    const t0 = world.kernel.now();
    await drive(world, new Promise((r) => s1.once("close", r)));
    // the server's 2 s keep-alive timeout, on the virtual clock
    expect(world.kernel.now() - t0).toBeGreaterThanOrEqual(2e9);
    agent.destroy();
    es.close();
    await teardown(world, snet, cnet);
  });

  it("the engine connection states follow the stream: ESTABLISHED while open", async () => {
    const { world, client, snet, cnet } = await pair();
    const srv = snet.createServer({}, (s) => s.pipe(s));
    srv.listen(7);
    const c = cnet.connect(7, "10.0.0.2");
    await drive(world, new Promise((r) => c.once("connect", r)));
    expect([...client.net.tcp.ehash.values()].map((x) => x.sk.state)).toEqual([TCP_ESTABLISHED]);
    c.end("bye");
    c.resume();
    await drive(world, new Promise((r) => c.once("close", r)));
    srv.close();
    await teardown(world, snet, cnet);
  });
});
