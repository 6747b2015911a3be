// EngineServer: a listening engine socket with net.Server's surface, accepting EngineSockets.
import { EventEmitter } from "node:events";
import { AF_INET, SHUT_RD, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../kernel/constants.js";
import type { AddrOut, SockAddrIn } from "../kernel/socket.js";
import type { EngineNet } from "./engine-net.js";
import { EngineSocket } from "./engine-socket.js";
import { errnoException, notFound } from "./errors.js";
import {
  type AddressInfo,
  type EngineListenOptions,
  type EngineServerOptions,
  resolveHost,
  sockAddr,
} from "./net-options.js";

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
      // net.Server: ERR_SERVER_ALREADY_LISTEN, thrown; the listening socket stays as it is
      throw Object.assign(new Error("Listen method has been called more than once without closing."), {
        code: "ERR_SERVER_ALREADY_LISTEN",
      });
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
