// Node's http over engine sockets: an http.Server fed with an engine listener's connections, and the
// options that make http.request connect through the engine.
import type { Server } from "node:http";
import type { EngineListenOptions, EngineNet, EngineServer } from "./net-adapter.js";

/**
 * Serve `server` (an http.Server that is never listen()ed itself) on an engine listener: each accepted
 * engine connection is handed to it as net.Server would (`server.emit('connection', socket)`), with
 * http.createServer's socket defaults (allowHalfOpen, TCP_NODELAY). Resolves once listening; rejects
 * with the listen error (EADDRINUSE ...).
 */
export function serveHttp(
  net: EngineNet,
  server: Server,
  listen: EngineListenOptions,
): Promise<EngineServer> {
  const engine = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) =>
    server.emit("connection", s),
  );
  return new Promise((resolve, reject) => {
    engine.once("error", reject);
    engine.listen(listen, () => {
      engine.off("error", reject);
      resolve(engine);
    });
  });
}

/** Request options for http.request / http.get that connect through the engine (no Agent). */
export function engineRequestOptions(net: EngineNet): { createConnection: EngineNet["createConnection"] } {
  return { createConnection: net.createConnection };
}
