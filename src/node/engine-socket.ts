// EngineSocket: an engine TCP socket as a Node Duplex with net.Socket's surface.
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
import { Duplex } from "node:stream";
import {
  AF_INET,
  MSG_NOSIGNAL,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_KEEPALIVE,
  SO_LINGER,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TCP,
  TCP_KEEPIDLE,
  TCP_NODELAY,
} from "../kernel/constants.js";
import { EBADF, ENOTCONN } from "../kernel/errno.js";
import type { AddrOut } from "../kernel/socket.js";
import type { EngineNet } from "./engine-net.js";
import { errnoException, notFound } from "./errors.js";
import { type AddressInfo, type EngineConnectOptions, resolveHost, sockAddr } from "./net-options.js";

/** Bytes asked of one recv(): what one pushed chunk holds at most (libuv reads 64 KiB too). */
const RECV_CHUNK = 65536;
/** A read smaller than this is copied out so the 64 KiB buffer can be reused. */
const RECV_COPY_BELOW = 16384;
const NS_PER_MS = 1_000_000;

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
