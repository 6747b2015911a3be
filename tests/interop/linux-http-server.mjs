// A plain Node HTTP server on the Linux kernel's TCP (run inside the test's network namespace):
// GET /bytes/N returns the same deterministic bytes as the engine's /bytes/N (little-endian words of
// xorshift32 (13, 17, 5) from 0x9e3779b9), written independently of src/node/services.ts so each
// side checks the other. Usage: node linux-http-server.mjs <addr> <port>; prints "listening" when up.
import http from "node:http";

function pattern(n) {
  const words = Math.ceil(n / 4);
  const w = new Uint32Array(words);
  let x = 0x9e3779b9;
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w[i] = x >>> 0;
  }
  return Buffer.from(w.buffer, 0, n);
}

// The last body served is kept: repeated requests measure the network, not the generator.
let cached = Buffer.alloc(0);

const [addr, port] = [process.argv[2] ?? "127.0.0.1", Number(process.argv[3] ?? 8080)];
const server = http.createServer((req, res) => {
  const m = /^\/bytes\/(\d+)$/.exec(req.url ?? "");
  if (!m) {
    res.writeHead(200, { "content-type": "text/plain" }).end("linux server\n");
    return;
  }
  const n = Number(m[1]);
  if (cached.length !== n) cached = pattern(n);
  const body = cached;
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
  res.end(body);
});
server.listen(port, addr, () => console.log("listening"));
process.on("SIGTERM", () => process.exit(0));
