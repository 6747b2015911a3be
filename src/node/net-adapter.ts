// Node's `net` API over engine sockets: EngineSocket is a Duplex over an engine TCP socket and
// EngineServer a net.Server over an engine listener, so Node's own `http` module (and anything else
// written for `net`) runs on the engine's TCP/IP: `httpServer.emit('connection', engineSocket)` and
// `http.request({ createConnection: engineNet.createConnection })`.
//
// The pieces: engine-net.ts (EngineNet: the owning process, connect, createConnection,
// createServer), engine-socket.ts (EngineSocket: Duplex, flow control, half-close, teardown),
// engine-server.ts (EngineServer), net-options.ts (option shapes), errors.ts (Node-style errors).
export { EngineNet } from "./engine-net.js";
export { EngineServer } from "./engine-server.js";
export { EngineSocket } from "./engine-socket.js";
export type { EngineSystemError } from "./errors.js";
export type {
  AddressInfo,
  EngineConnectOptions,
  EngineListenOptions,
  EngineServerOptions,
  LooseConnectOptions,
} from "./net-options.js";
