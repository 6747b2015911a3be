// A tiny static HTTP server on 127.0.0.1 (random port) for browser tests: folders mounted under URL
// prefixes, plus in-memory files. Sends the MIME types browsers insist on (application/wasm for
// WebAssembly.compileStreaming, a JavaScript type for module scripts) and records every request.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, resolve, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

export function mimeType(path: string): string {
  return MIME[extname(path)] ?? "application/octet-stream";
}

export interface ServedRequest {
  path: string;
  status: number;
  type: string;
}

export interface StaticServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  origin: string;
  requests: ServedRequest[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** URL prefix ("/dist/") -> absolute folder */
  mounts: Record<string, string>;
  /** URL path -> body, produced on each request */
  files: Record<string, () => string | Promise<string>>;
}

async function lookup(opts: StaticServerOptions, path: string): Promise<Uint8Array | string | null> {
  const file = opts.files[path];
  if (file) return file();
  for (const [prefix, dir] of Object.entries(opts.mounts)) {
    if (!path.startsWith(prefix)) continue;
    const root = resolve(dir);
    const full = resolve(root, path.slice(prefix.length));
    if (!full.startsWith(root + sep)) return null; // ../ out of the mount
    try {
      return await readFile(full);
    } catch {
      return null;
    }
  }
  return null;
}

export async function startStaticServer(opts: StaticServerOptions): Promise<StaticServer> {
  const requests: ServedRequest[] = [];
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      path = "";
    }
    const reply = (status: number, type: string, body: Uint8Array | string) => {
      requests.push({ path, status, type });
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "text/plain", "method not allowed");
    lookup(opts, path).then(
      (body) => (body === null ? reply(404, "text/plain", "not found") : reply(200, mimeType(path), body)),
      (e: unknown) => reply(500, "text/plain", String(e)),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
