// Engine errno -> Node's system errors. Node reports a failed socket call as an Error whose `code` is
// the errno name ('ECONNREFUSED'), `errno` is libuv's negative number (-111 on Linux), `syscall` is
// the operation ('connect', 'read', 'write', 'listen') and, for connect and listen, `address` and
// `port`; the message reads "connect ECONNREFUSED 10.0.0.2:80" (Node lib/internal/errors.js
// uvExceptionWithHostPort). Engine sockets fail the same way so code written for `net` needs no change.
import { errnoName } from "../kernel/errno.js";

/** A Node-style system error (NodeJS.ErrnoException) for a positive Linux errno. */
export interface EngineSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

export function errnoException(
  errno: number,
  syscall: string,
  address?: string,
  port?: number,
): EngineSystemError {
  const code = errnoName(errno);
  const where =
    address === undefined ? "" : port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  const err = new Error(`${syscall} ${code}${where}`) as EngineSystemError;
  err.code = code;
  err.errno = -errno; // libuv's convention, as Node's err.errno
  err.syscall = syscall;
  if (address !== undefined) err.address = address;
  if (port !== undefined && port > 0) err.port = port;
  return err;
}

/** getaddrinfo failure for a host name the engine cannot resolve (it has no resolver). */
export function notFound(host: string): EngineSystemError {
  const err = new Error(`getaddrinfo ENOTFOUND ${host}`) as EngineSystemError;
  err.code = "ENOTFOUND";
  err.errno = -3008; // UV_EAI_NONAME, as Node reports it
  err.syscall = "getaddrinfo";
  return err;
}
