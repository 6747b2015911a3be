// The services `wirestack tun` runs on the engine: an HTTP server (Node's http over engine sockets)
// with a small index page and /bytes/N, and TCP and UDP echo (RFC 862).
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { AF_INET, SHUT_RD, SOCK_DGRAM } from "../kernel/constants.js";
import type { AddrOut } from "../kernel/socket.js";
import type { EngineNet, EngineServer } from "./net-adapter.js";

/** Largest body /bytes/N serves (1 GiB). */
export const BYTES_MAX = 1 << 30;
const CHUNK = 64 * 1024;

/**
 * The deterministic byte stream /bytes/N serves: little-endian 32-bit words of xorshift32 (13, 17, 5)
 * from the seed 0x9e3779b9, cut after N bytes. Not periodic, so a segment delivered twice, lost or
 * out of place changes the SHA-256 of what was received.
 */
export class PatternStream {
  private state = 0x9e3779b9 | 0;
  private carry: Uint8Array = new Uint8Array(0);

  /** The next `n` bytes of the stream. */
  next(n: number): Buffer {
    // a fresh ArrayBuffer (not Node's shared pool), so its words are 4-byte aligned
    const out = Buffer.from(new ArrayBuffer((n + 3) & ~3), 0, n);
    const off = Math.min(this.carry.length, n);
    out.set(this.carry.subarray(0, off), 0);
    this.carry = this.carry.subarray(off);
    if (off === n) return out;
    // Words go straight into the output when it is word-aligned (no carry); else via a scratch array.
    const words = Math.ceil((n - off) / 4);
    const direct = off === 0;
    const w = direct ? new Int32Array(out.buffer, 0, words) : new Int32Array(words);
    let x = this.state;
    for (let i = 0; i < words; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      w[i] = x; // int32 holds the same 32 bits as the u32 word
    }
    this.state = x;
    const bytes = new Uint8Array(w.buffer, w.byteOffset, words * 4);
    if (!direct) out.set(bytes.subarray(0, n - off), off);
    this.carry = bytes.slice(n - off);
    return out;
  }
}

/** The first `n` bytes of the pattern in one buffer. */
export function patternBytes(n: number): Buffer {
  return new PatternStream().next(n);
}

function indexPage(req: IncomingMessage): string {
  const sock = req.socket;
  return [
    "<!doctype html>",
    "<html><head><title>wirestack</title></head><body>",
    "<h1>wirestack</h1>",
    "<p>This page was served by Node's http module over the wirestack engine's TCP/IP.</p>",
    `<p>You are ${sock.remoteAddress ?? "?"}:${sock.remotePort ?? "?"}; this is ${sock.localAddress ?? "?"}:${sock.localPort ?? "?"}.</p>`,
    '<p><a href="/bytes/1048576">/bytes/N</a> returns N deterministic bytes (xorshift32 words).</p>',
    "</body></html>",
    "",
  ].join("\n");
}

/** Write `n` pattern bytes, honouring backpressure (wait for 'drain' whenever write() says so). */
function sendPattern(res: ServerResponse, n: number): void {
  const stream = new PatternStream();
  let left = n;
  const pump = (): void => {
    while (left > 0) {
      const k = Math.min(CHUNK, left);
      left -= k;
      if (!res.write(stream.next(k))) {
        res.once("drain", pump);
        return;
      }
    }
    res.end();
  };
  res.once("close", () => {
    left = 0;
  });
  pump();
}

/** The HTTP application: GET / (index page) and GET /bytes/N (N deterministic bytes). */
export function httpApp(): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://engine");
    const m = /^\/bytes\/(\d+)$/.exec(url.pathname);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (url.pathname === "/") {
      const body = indexPage(req);
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-length": Buffer.byteLength(body),
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (m) {
      const n = Number(m[1]);
      if (!Number.isSafeInteger(n) || n > BYTES_MAX) {
        res.writeHead(400, { "content-type": "text/plain" }).end(`at most ${BYTES_MAX} bytes\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
      if (req.method === "HEAD") res.end();
      else sendPattern(res, n);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  };
}

/** TCP echo on `port`: every connection gets its bytes back; the peer's FIN is echoed as a FIN. */
export function tcpEcho(net: EngineNet, port: number, host?: string): Promise<EngineServer> {
  const srv = net.createServer({ allowHalfOpen: false, noDelay: true }, (s) => {
    s.on("error", () => s.destroy());
    s.pipe(s);
  });
  return new Promise((resolve, reject) => {
    srv.once("error", reject);
    srv.listen({ port, host }, () => {
      srv.off("error", reject);
      resolve(srv);
    });
  });
}

/** A UDP echo server running on the EngineNet's process; close() stops it. */
export interface UdpEcho {
  readonly fd: number;
  /** Datagrams echoed. */
  readonly count: number;
  close(): void;
}

/** UDP echo on `port`: each datagram is sent back to where it came from. */
export function udpEcho(net: EngineNet, port: number, host = "0.0.0.0"): UdpEcho {
  const sys = net.sys;
  const fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
  sys.bind(fd, { family: AF_INET, addr: host, port });
  let closed = false;
  const state = {
    fd,
    count: 0,
    close(): void {
      if (closed) return;
      closed = true;
      // shutdown(SHUT_RD) wakes the sleeping recvfrom (it returns 0); then the descriptor can go.
      net.call((s) => s.raw.shutdown(fd, SHUT_RD));
      net.call((s) => s.raw.close(fd));
    },
  };
  const buf = new Uint8Array(65536);
  void (async () => {
    while (!closed) {
      const from: AddrOut = {};
      let r = net.call((s) => s.raw.recvfrom(fd, buf, 0, from));
      if (typeof r !== "number") r = await r;
      if (closed || r < 0) return;
      if (!from.addr) continue;
      net.call((s) => s.raw.sendto(fd, buf.subarray(0, r as number), 0, from.addr!));
      state.count++;
    }
  })();
  return state;
}
