// Node's `net` API over engine sockets: EngineSocket is a Duplex over an engine TCP socket and
// EngineServer a net.Server over an engine listener, so Node's own `http` module (and anything else
// written for `net`) runs on the engine's TCP/IP: `httpServer.emit('connection', engineSocket)` and
// `http.request({ createConnection: engineNet.createConnection })`.
//
// Whose descriptors: every socket belongs to one engine process, "node", spawned on the host by
// EngineNet.start() — as all of a Node program's sockets belong to its one process. Its program only
// sleeps on a control socketpair until EngineNet.close(); the sockets are driven from Node callbacks
// through the raw syscalls, which run synchronously unless they must sleep, and then return a Promise
// settled by the engine's wait queues. Several calls of the one process may sleep at once (a recv and
// a send on each socket, an accept per listener), as a libuv program's threads would; nothing else
// needs the engine's clock, so the glue works alike on the virtual clock (tests drive it) and in
// real-time mode (the TUN bridge).
//
// Flow control, both ways:
//   - reading: one blocking recv at a time, and only while the stream wants data (_read); when
//     push() says the readable buffer is full the pump stops, bytes stay in the engine's receive
//     queue and TCP's advertised window closes on the peer;
//   - writing: _writev hands all buffered chunks to one blocking sendmsg, whose Promise settles
//     once the engine's send buffer took every byte; until then the stream buffers and write()
//     returns false past its highWaterMark.
// Half-close: end() -> _final -> shutdown(SHUT_WR) (a FIN after the queued data); the peer's FIN ->
// recv() returns 0 -> push(null) -> 'end'. With allowHalfOpen false (net's default) the writable side
// ends by itself after 'end'.
// Teardown: destroy() wakes calls still sleeping with shutdown(SHUT_RDWR) (a close() alone would not:
// sleeping calls hold a reference on the file, as in Linux) and closes the descriptor: FIN, or RST
// when received data was never read (Linux tcp_close).
import { EventEmitter } from "node:events";
import { Duplex } from "node:stream";
import {
  AF_INET,
  AF_UNIX,
  MSG_NOSIGNAL,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TCP,
  TCP_KEEPIDLE,
  TCP_NODELAY,
} from "../kernel/constants.js";
import { EBADF, EINVAL, ENOTCONN } from "../kernel/errno.js";
import type { SysResult } from "../kernel/file.js";
import type { Kernel } from "../kernel/kernel.js";
import { type Process, ProcessExit } from "../kernel/process.js";
import type { AddrOut, SockAddrIn } from "../kernel/socket.js";
import type { Sys } from "../kernel/syscalls.js";
import { ipToNumber } from "../net/addr.js";
import type { Host } from "../world/world.js";
import { type EngineSystemError, errnoException, notFound } from "./errors.js";

/** Bytes asked of one recv(): what one pushed chunk holds at most (libuv reads 64 KiB too). */
const RECV_CHUNK = 65536;
/** A read smaller than this is copied out so the 64 KiB buffer can be reused. */
const RECV_COPY_BELOW = 16384;
const NS_PER_MS = 1_000_000;

/** Options of EngineNet.connect / createConnection, as net.connect's (IPv4 literals only). */
export interface EngineConnectOptions {
  port: number;
  host?: string;
  localAddress?: string;
  localPort?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  allowHalfOpen?: boolean;
  timeout?: number;
}

/** What http.request hands to createConnection (ClientRequestArgs' fields that matter here). */
export interface LooseConnectOptions {
  port?: number | string | null;
  host?: string | null;
  hostname?: string | null;
  localAddress?: string | null;
  localPort?: number | null;
  noDelay?: boolean | null;
  keepAlive?: boolean | null;
  timeout?: number | null;
}

export interface EngineServerOptions {
  allowHalfOpen?: boolean;
  /** TCP_NODELAY on accepted sockets (http.createServer's default is true). */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

export interface EngineListenOptions {
  port?: number;
  host?: string;
  backlog?: number;
}

export interface AddressInfo {
  address: string;
  family: "IPv4";
  port: number;
}

/** A program's sockets on one engine host: the process that owns them and the factories. */
export class EngineNet {
  readonly kernel: Kernel;
  readonly proc: Process;
  /** @internal the owning process's system calls */
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

function sockAddr(host: string, port: number): SockAddrIn {
  return { family: AF_INET, addr: host, port };
}

/** Engine addresses are IPv4 literals; "localhost" is the loopback address as in /etc/hosts. */
function resolveHost(host: string | undefined): string | null {
  const h = host === undefined || host === "" || host === "localhost" ? "127.0.0.1" : host;
  return Number.isNaN(ipToNumber(h)) ? null : h;
}

/** An engine TCP socket as a Node Duplex with net.Socket's surface. */
export class EngineSocket extends Duplex {
  /** The engine descriptor (in the EngineNet's process), -1 when closed. */
  fd = -1;
  connecting = false;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  bytesRead = 0;
  private written = 0;
  private pumping = false;
  private wantRead = false;
  private recvPending = false;
  private sendsPending = 0;
  private rbuf: Buffer | null = null;
  private timeoutMs = 0;
  private timeoutEv: { cancel(): boolean } | null = null;
  private lastActive = 0;

  constructor(
    readonly net: EngineNet,
    opts: { fd?: number; allowHalfOpen?: boolean } = {},
  ) {
    super({ allowHalfOpen: opts.allowHalfOpen ?? false, decodeStrings: true, emitClose: true });
    net.sockets.add(this);
    if (opts.fd !== undefined) {
      this.fd = opts.fd;
      this.readNames();
    }
  }

  // ---- net.Socket surface ----

  get readyState(): string {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }

  get pending(): boolean {
    return this.fd < 0 || this.connecting;
  }

  get bytesWritten(): number {
    return this.written;
  }

  /** Bytes buffered in the stream, not yet handed to the engine (net.Socket.bufferSize). */
  get bufferSize(): number {
    return this.writableLength;
  }

  address(): AddressInfo | Record<string, never> {
    if (this.localAddress === undefined) return {};
    return { address: this.localAddress, family: "IPv4", port: this.localPort! };
  }

  setNoDelay(noDelay = true): this {
    if (this.fd >= 0) this.net.call((s) => s.raw.setsockopt(this.fd, SOL_TCP, TCP_NODELAY, noDelay ? 1 : 0));
    else this.once("connect", () => this.setNoDelay(noDelay));
    return this;
  }

  setKeepAlive(enable = false, initialDelayMs = 0): this {
    if (this.fd < 0) {
      this.once("connect", () => this.setKeepAlive(enable, initialDelayMs));
      return this;
    }
    this.net.call((s) => s.raw.setsockopt(this.fd, SOL_SOCKET, SO_KEEPALIVE, enable ? 1 : 0));
    const secs = Math.floor(initialDelayMs / 1000);
    if (enable && secs > 0) this.net.call((s) => s.raw.setsockopt(this.fd, SOL_TCP, TCP_KEEPIDLE, secs));
    return this;
  }

  /**
   * Idle timeout as net.Socket's: 'timeout' after `ms` without reads or writes (0 turns it off).
   * Measured on the engine's clock (virtual in tests, real with the TUN bridge).
   */
  setTimeout(ms: number, callback?: () => void): this {
    this.timeoutMs = Math.max(ms, 0) || 0;
    if (callback) {
      if (this.timeoutMs === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    if (this.timeoutMs === 0) {
      this.timeoutEv?.cancel();
      this.timeoutEv = null;
    } else {
      this.touch();
    }
    return this;
  }

  get timeout(): number | undefined {
    return this.timeoutMs || undefined;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** Abort with a RST (SO_LINGER {1, 0} then close), as net.Socket.resetAndDestroy(). */
  resetAndDestroy(): this {
    if (this.fd >= 0)
      this.net.call((s) => s.raw.setsockopt(this.fd, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 0 }));
    return this.destroy();
  }

  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  // ---- connect ----

  /** @internal start connecting (EngineNet.connect). */
  connect(opts: EngineConnectOptions): this {
    const host = resolveHost(opts.host);
    const port = opts.port;
    this.connecting = true;
    if (opts.timeout) this.setTimeout(opts.timeout);
    if (host === null) {
      process.nextTick(() => this.destroy(Object.assign(notFound(opts.host!), { hostname: opts.host })));
      return this;
    }
    const fail = (r: number, syscall: string) => {
      this.connecting = false;
      this.destroy(errnoException(-r, syscall, host, port));
    };
    const fd = this.net.call((s) => s.raw.socket(AF_INET, SOCK_STREAM, 0)) as number;
    if (fd < 0) {
      process.nextTick(() => fail(fd, "socket"));
      return this;
    }
    this.fd = fd;
    if (opts.localAddress !== undefined || opts.localPort !== undefined) {
      const r = this.net.call((s) =>
        s.raw.bind(fd, sockAddr(opts.localAddress ?? "0.0.0.0", opts.localPort ?? 0)),
      );
      if (typeof r === "number" && r < 0) {
        process.nextTick(() => fail(r, "bind"));
        return this;
      }
    }
    if (opts.noDelay) this.net.call((s) => s.raw.setsockopt(fd, SOL_TCP, TCP_NODELAY, 1));
    if (opts.keepAlive) this.setKeepAlive(true, opts.keepAliveInitialDelay ?? 0);
    const done = (r: number) => {
      if (this.destroyed) return;
      if (r < 0) return fail(r, "connect");
      this.connecting = false;
      this.readNames();
      this.touch();
      this.emit("connect");
      this.emit("ready");
      if (this.wantRead) this.startPump();
    };
    const r = this.net.call((s) => s.raw.connect(fd, sockAddr(host, port)));
    if (typeof r === "number") process.nextTick(done, r);
    else r.then(done);
    return this;
  }

  private readNames(): void {
    const local: AddrOut = {};
    const peer: AddrOut = {};
    if (this.net.call((s) => s.raw.getsockname(this.fd, local)) === 0 && local.addr?.family === AF_INET) {
      this.localAddress = local.addr.addr;
      this.localPort = local.addr.port;
    }
    if (this.net.call((s) => s.raw.getpeername(this.fd, peer)) === 0 && peer.addr?.family === AF_INET) {
      this.remoteAddress = peer.addr.addr;
      this.remotePort = peer.addr.port;
      this.remoteFamily = "IPv4";
    }
  }

  // ---- reading ----

  override _read(): void {
    this.wantRead = true;
    if (!this.connecting && this.fd >= 0) this.startPump();
  }

  private startPump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  /** recv() while the consumer wants data; stops (pumping = false) when push() says the buffer is full. */
  private async pump(): Promise<void> {
    for (;;) {
      if (this.destroyed || this.fd < 0) {
        this.pumping = false;
        return;
      }
      this.rbuf ??= Buffer.allocUnsafe(RECV_CHUNK);
      const buf = this.rbuf;
      let r = this.net.call((s) => s.raw.recv(this.fd, buf, 0));
      if (typeof r !== "number") {
        this.recvPending = true;
        r = await r;
        this.recvPending = false;
      }
      if (this.destroyed) {
        this.pumping = false;
        return;
      }
      if (r < 0) {
        this.pumping = false;
        this.destroy(errnoException(-r, "read"));
        return;
      }
      if (r === 0) {
        this.pumping = false;
        this.push(null);
        return;
      }
      this.bytesRead += r;
      this.touch();
      let chunk: Buffer;
      if (r < RECV_COPY_BELOW) {
        chunk = Buffer.from(buf.subarray(0, r));
      } else {
        chunk = buf.subarray(0, r);
        this.rbuf = null;
      }
      if (!this.push(chunk)) {
        this.wantRead = false;
        this.pumping = false;
        return;
      }
    }
  }

  // ---- writing ----

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.sendAll([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.sendAll(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  /** sendmsg until every byte is in the engine's send buffer (a blocking send may return short on a signal). */
  private sendAll(iov: Buffer[], cb: (err?: Error | null) => void): void {
    if (this.connecting) {
      const go = () => {
        this.off("close", drop);
        this.sendAll(iov, cb);
      };
      const drop = () => this.off("connect", go);
      this.once("connect", go);
      this.once("close", drop);
      return;
    }
    let left = iov.reduce((n, b) => n + b.length, 0);
    const step = (r: number): void => {
      if (r < 0) {
        cb(errnoException(-r, "write"));
        return;
      }
      this.written += r;
      left -= r;
      if (r > 0) this.touch();
      if (left <= 0) {
        cb();
        return;
      }
      iov = skip(iov, r);
      send();
    };
    const send = (): void => {
      if (this.fd < 0) {
        cb(errnoException(EBADF, "write"));
        return;
      }
      const r = this.net.call((s) => s.raw.sendmsg(this.fd, { iov }, MSG_NOSIGNAL));
      if (typeof r === "number") {
        step(r);
        return;
      }
      this.sendsPending++;
      r.then((v) => {
        this.sendsPending--;
        step(v);
      });
    };
    if (left === 0) cb();
    else send();
  }

  /** end(): FIN after the queued data (shutdown SHUT_WR). ENOTCONN is not an error here, as in net. */
  override _final(cb: (err?: Error | null) => void): void {
    if (this.connecting) {
      this.once("connect", () => this._final(cb));
      return;
    }
    const r = this.fd < 0 ? 0 : (this.net.call((s) => s.raw.shutdown(this.fd, SHUT_WR)) as number);
    cb(r < 0 && r !== -ENOTCONN ? errnoException(-r, "shutdown") : null);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.timeoutEv?.cancel();
    this.timeoutEv = null;
    this.connecting = false;
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) {
      // Wake our own sleeping calls: they hold the file, so close() alone would not end them.
      if (this.recvPending || this.sendsPending > 0) {
        this.net.call((s) => s.raw.shutdown(fd, this.sendsPending > 0 ? SHUT_RDWR : SHUT_RD));
      }
      this.net.call((s) => s.raw.close(fd));
    }
    this.net.sockets.delete(this);
    cb(err);
  }

  // ---- idle timeout ----

  private touch(): void {
    if (this.timeoutMs === 0) return;
    this.lastActive = this.net.kernel.now();
    if (!this.timeoutEv) this.armTimeout(this.timeoutMs * NS_PER_MS);
  }

  private armTimeout(ns: number): void {
    this.timeoutEv = this.net.kernel.after(ns, () => {
      this.timeoutEv = null;
      if (this.destroyed || this.timeoutMs === 0) return;
      const idle = this.net.kernel.now() - this.lastActive;
      const limit = this.timeoutMs * NS_PER_MS;
      if (idle >= limit) this.emit("timeout");
      else this.armTimeout(limit - idle);
    });
  }
}

function skip(iov: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of iov) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}

/** A listening engine socket with net.Server's surface: 'listening', 'connection', 'close', 'error'. */
export class EngineServer extends EventEmitter {
  fd = -1;
  listening = false;
  maxConnections: number | undefined;
  private closing = false;
  private readonly conns = new Set<EngineSocket>();
  private local: AddressInfo | null = null;

  constructor(
    readonly net: EngineNet,
    readonly options: EngineServerOptions = {},
  ) {
    super();
  }

  /** listen(port, host?, backlog?, cb?) or listen({ port, host, backlog }, cb?). Errors go to 'error'. */
  listen(options: EngineListenOptions, cb?: () => void): this;
  listen(port?: number, host?: string, backlog?: number, cb?: () => void): this;
  listen(port?: number, host?: string, cb?: () => void): this;
  listen(port?: number, cb?: () => void): this;
  listen(a?: EngineListenOptions | number, ...rest: unknown[]): this {
    const cb = rest.find((x) => typeof x === "function") as (() => void) | undefined;
    const o: EngineListenOptions =
      typeof a === "object" && a !== null
        ? a
        : {
            port: a,
            host: typeof rest[0] === "string" ? rest[0] : undefined,
            backlog: typeof rest[1] === "number" ? rest[1] : undefined,
          };
    if (cb) this.once("listening", cb);
    const host = o.host === undefined ? "0.0.0.0" : resolveHost(o.host);
    const port = o.port ?? 0;
    const fail = (r: number, syscall: string) => {
      if (this.fd >= 0) this.net.call((s) => s.raw.close(this.fd));
      this.fd = -1;
      process.nextTick(() => this.emit("error", errnoException(-r, syscall, host ?? o.host, port)));
    };
    if (this.listening || this.fd >= 0) {
      fail(-EINVAL, "listen");
      return this;
    }
    if (host === null) {
      process.nextTick(() => this.emit("error", notFound(o.host!)));
      return this;
    }
    const fd = this.net.call((s) => s.raw.socket(AF_INET, SOCK_STREAM, 0)) as number;
    if (fd < 0) {
      fail(fd, "socket");
      return this;
    }
    this.fd = fd;
    // Node sets SO_REUSEADDR on every listening socket (libuv uv_tcp_bind).
    this.net.call((s) => s.raw.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1));
    let r = this.net.call((s) => s.raw.bind(fd, sockAddr(host, port))) as number;
    if (r < 0) {
      fail(r, "listen");
      return this;
    }
    r = this.net.call((s) => s.raw.listen(fd, o.backlog ?? 511)) as number;
    if (r < 0) {
      fail(r, "listen");
      return this;
    }
    const out: AddrOut = {};
    this.net.call((s) => s.raw.getsockname(fd, out));
    const a2 = out.addr as SockAddrIn;
    this.local = { address: a2.addr, family: "IPv4", port: a2.port };
    this.listening = true;
    this.net.servers.add(this);
    process.nextTick(() => this.emit("listening"));
    void this.acceptLoop(fd);
    return this;
  }

  private async acceptLoop(fd: number): Promise<void> {
    for (;;) {
      let r = this.net.call((s) => s.raw.accept(fd, null));
      if (typeof r !== "number") r = await r;
      if (this.closing || fd !== this.fd) {
        if (r >= 0) this.net.call((s) => s.raw.close(r as number));
        return;
      }
      if (r < 0) {
        this.emit("error", errnoException(-r, "accept"));
        return;
      }
      if (this.maxConnections !== undefined && this.conns.size >= this.maxConnections) {
        this.net.call((s) => s.raw.close(r as number));
        continue;
      }
      const sock = new EngineSocket(this.net, { fd: r, allowHalfOpen: this.options.allowHalfOpen });
      if (this.options.noDelay) sock.setNoDelay(true);
      if (this.options.keepAlive) sock.setKeepAlive(true, this.options.keepAliveInitialDelay ?? 0);
      this.conns.add(sock);
      sock.once("close", () => {
        this.conns.delete(sock);
        this.maybeClosed();
      });
      this.emit("connection", sock);
    }
  }

  address(): AddressInfo | null {
    return this.listening ? this.local : null;
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    process.nextTick(cb, null, this.conns.size);
    return this;
  }

  /** Stop accepting; 'close' once every accepted connection has closed too (as net.Server). */
  close(cb?: (err?: Error) => void): this {
    if (cb) {
      if (!this.listening && !this.closing) {
        process.nextTick(
          cb,
          Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" }),
        );
        return this;
      }
      this.once("close", () => cb());
    }
    if (this.closing) return this;
    this.closing = true;
    this.listening = false;
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) {
      // shutdown(SHUT_RD) on a listener wakes a sleeping accept() with EINVAL (Linux inet_shutdown).
      this.net.call((s) => s.raw.shutdown(fd, SHUT_RD));
      this.net.call((s) => s.raw.close(fd));
    }
    this.net.servers.delete(this);
    this.maybeClosed();
    return this;
  }

  private maybeClosed(): void {
    if (this.closing && this.conns.size === 0 && !this.listening) {
      this.closing = false;
      process.nextTick(() => this.emit("close"));
    }
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

export type { EngineSystemError };
