// AF_UNIX socket addresses (Linux struct sockaddr_un; net/unix/af_unix.c unix_validate_addr,
// unix_mkname_bsd). `path` is a filesystem name, or an abstract name when it starts with "\0";
// sun_path holds 108 bytes.

import { AF_UNIX } from "../constants.js";
import { EINVAL } from "../errno.js";
import type { SockAddr, SockAddrUn } from "../socket.js";
import type { UnixAddress } from "./sock.js";

/** sizeof(sockaddr_un.sun_path). */
export const UNIX_PATH_MAX = 108;

const encoder = new TextEncoder();

/** `{ family: AF_UNIX }` with an empty path: the 2-byte address that asks bind() to autobind. */
export function isAutobindAddr(addr: SockAddr): boolean {
  const a = addr as Partial<SockAddrUn>;
  return a.family === AF_UNIX && (a.path === undefined || a.path === "");
}

/**
 * Linux unix_validate_addr() + unix_mkname_bsd(): the name to look up or bind, or -EINVAL
 * (wrong family, empty, longer than sun_path). A path name stops at its first NUL.
 */
export function unixName(addr: SockAddr): UnixAddress | number {
  const a = addr as Partial<SockAddrUn>;
  if (a.family !== AF_UNIX || typeof a.path !== "string" || a.path.length === 0) return -EINVAL;
  const path = a.path;
  if (encoder.encode(path).length > UNIX_PATH_MAX) return -EINVAL;
  if (path.charCodeAt(0) === 0) return { name: path, abstract: true };
  const nul = path.indexOf("\0");
  return { name: nul < 0 ? path : path.slice(0, nul), abstract: false };
}

/** The address userspace sees (getsockname, recvfrom, accept). */
export function toSockAddr(a: UnixAddress | null): SockAddrUn {
  return { family: AF_UNIX, path: a ? a.name : "" };
}
