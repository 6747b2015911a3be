// EngineNet: a program's engine sockets on one host, and the process that owns them.
//
// Whose descriptors: every socket belongs to one engine process, "node", spawned on the host by
// EngineNet.start() — as all of a Node program's sockets belong to its one process. Its program only
// sleeps on a control socketpair until EngineNet.close(); the sockets are driven from Node callbacks
// through the raw syscalls, which run synchronously unless they must sleep, and then return a Promise
// settled by the engine's wait queues. Several calls of the one process may sleep at once (a recv and
// a send on each socket, an accept per listener), as a libuv program's threads would; nothing else
// needs the engine's clock, so the glue works alike on the virtual clock (tests drive it) and in
// real-time mode (the TUN bridge).
import { AF_UNIX, SOCK_STREAM } from "../kernel/constants.js";
import { EBADF } from "../kernel/errno.js";
import type { SysResult } from "../kernel/file.js";
import type { Kernel } from "../kernel/kernel.js";
import { type Process, ProcessExit } from "../kernel/process.js";
import type { Sys } from "../kernel/syscalls.js";
import type { Host } from "../world/world.js";
import { EngineServer } from "./engine-server.js";
import { EngineSocket } from "./engine-socket.js";
import type { EngineConnectOptions, EngineServerOptions, LooseConnectOptions } from "./net-options.js";

/** A program's sockets on one engine host: the process that owns them and the factories. */
export class EngineNet {
  readonly kernel: Kernel;
  readonly proc: Process;
  /** The owning process's system calls: for what the adapter does not wrap (UDP, socket options). */
  sys!: Sys;
  /** Open sockets and listeners (for close()). */
  readonly sockets = new Set<EngineSocket>();
  readonly servers = new Set<EngineServer>();
  private ctl = -1;
  private closed = false;

  private constructor(
    readonly host: Host,
    name: string,
    uid: number,
    ready: (net: EngineNet) => void,
  ) {
    this.kernel = host.world.kernel;
    this.proc = host.spawn(name, { uid }, async (sys) => {
      this.sys = sys;
      const sv = sys.socketpair(AF_UNIX, SOCK_STREAM, 0);
      this.ctl = sv[1];
      ready(this);
      // Sleep until close() closes the other end (read() then returns 0).
      await sys.read(sv[0], new Uint8Array(1));
      return 0;
    });
  }

  /** Spawn the owning process ("node" by default) on `host`; resolves once it runs. */
  static start(host: Host, opts: { name?: string; uid?: number } = {}): Promise<EngineNet> {
    return new Promise((resolve) => {
      new EngineNet(host, opts.name ?? "node", opts.uid ?? 0, resolve);
    });
  }

  /** net.connect(): a socket connecting to `host:port` (engine addresses, IPv4 literals). */
  connect(options: EngineConnectOptions, listener?: () => void): EngineSocket;
  connect(port: number, host?: string, listener?: () => void): EngineSocket;
  connect(a: EngineConnectOptions | number, b?: string | (() => void), c?: () => void): EngineSocket {
    const opts: EngineConnectOptions =
      typeof a === "number" ? { port: a, host: typeof b === "string" ? b : undefined } : a;
    const listener = typeof b === "function" ? b : c;
    const s = new EngineSocket(this, { allowHalfOpen: opts.allowHalfOpen });
    if (listener) s.once("connect", listener);
    s.connect(opts);
    return s;
  }

  /**
   * For `http.request({ createConnection })` and http.Agent: (options, callback) => socket, with the
   * loose option types http passes (a port may be a string; unset fields may be null). The callback
   * runs on 'connect' with (null, socket): a net-style connect listener ignores the arguments, and
   * http's oncreate(err, socket) tolerates being called again after the socket was returned.
   */
  readonly createConnection = (
    options: LooseConnectOptions,
    callback?: (err: null, socket: EngineSocket) => void,
  ): EngineSocket => {
    const s = this.connect({
      port: Number(options.port ?? 80),
      host: options.host ?? options.hostname ?? undefined,
      localAddress: options.localAddress ?? undefined,
      localPort: options.localPort ?? undefined,
      noDelay: options.noDelay ?? undefined,
      keepAlive: options.keepAlive ?? undefined,
      timeout: options.timeout ?? undefined,
    });
    if (callback) s.once("connect", () => callback(null, s));
    return s;
  };

  /** net.createServer(). */
  createServer(options: EngineServerOptions = {}, onConnection?: (s: EngineSocket) => void): EngineServer {
    const srv = new EngineServer(this, options);
    if (onConnection) srv.on("connection", onConnection);
    return srv;
  }

  /** Close every listener, destroy every socket, and end the process. Resolves when it has exited. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const s of this.servers) s.close();
      for (const s of this.sockets) s.destroy();
      if (this.ctl >= 0 && this.proc.alive) void this.sys.raw.close(this.ctl);
    }
    await this.proc.exited;
  }

  /** @internal run a raw call; a process that has exited reports EBADF instead of unwinding the caller. */
  call(fn: (sys: Sys) => SysResult): SysResult {
    if (!this.proc.alive) return -EBADF;
    try {
      const r = fn(this.sys);
      return typeof r === "number" ? r : r.catch(exitToErrno);
    } catch (e) {
      return exitToErrno(e);
    }
  }
}

function exitToErrno(e: unknown): number {
  if (e instanceof ProcessExit) return -EBADF;
  throw e;
}
