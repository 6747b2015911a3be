// SOL_SOCKET options, handled by the socket layer for every family (Linux net/core/sock.c
// sk_setsockopt / sk_getsockopt). Values: a number (or boolean) for int options,
// { l_onoff, l_linger } for SO_LINGER, { tv_sec, tv_usec } for SO_RCVTIMEO / SO_SNDTIMEO,
// { pid, uid, gid } from SO_PEERCRED. A value of the wrong shape is EINVAL, as a too-short optlen.

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_BSDCOMPAT,
  SO_DEBUG,
  SO_DOMAIN,
  SO_DONTROUTE,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_MARK,
  SO_NO_CHECK,
  SO_OOBINLINE,
  SO_PASSCRED,
  SO_PEERCRED,
  SO_PRIORITY,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_RCVLOWAT,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_SNDLOWAT,
  SO_SNDTIMEO,
  SO_TYPE,
  TCP_LISTEN,
} from "./constants.js";
import { EACCES, EDOM, EINVAL, ENOPROTOOPT, EOPNOTSUPP, EPERM } from "./errno.js";
import type { Process } from "./process.js";
import {
  SOCK_MIN_RCVBUF,
  SOCK_MIN_SNDBUF,
  SOCK_RCVBUF_LOCK,
  SOCK_SNDBUF_LOCK,
  type Sock,
  type Ucred,
} from "./sock.js";
import type { Socket } from "./socket.js";
import { MAX_SCHEDULE_TIMEOUT } from "./wait.js";

export interface Linger {
  l_onoff: number;
  l_linger: number;
}

export interface Timeval {
  tv_sec: number;
  tv_usec: number;
}

/** An option value: int options as numbers (booleans accepted on set), structs as objects. */
export type OptVal = number | boolean | Linger | Timeval | Ucred;

/** Out-parameter of the raw getsockopt. */
export interface OptOut {
  value?: OptVal;
}

const INT_MAX = 0x7fffffff;
/** Linux TC_PRIO_INTERACTIVE: SO_PRIORITY above this needs CAP_NET_ADMIN. */
const TC_PRIO_INTERACTIVE = 6;
/** overflowuid / overflowgid: SO_PEERCRED of a socket without peer credentials. */
const OVERFLOW_ID = 65534;

/** An int option value, or null when the value is not an int (EINVAL). */
export function optInt(v: OptVal | undefined): number | null {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= INT_MAX) return v;
  return null;
}

/** min_t(u32, val, max): a negative int is a huge unsigned value. */
function minU32(val: number, max: number): number {
  return Math.min(val >>> 0, max);
}

function isRoot(task: Process): boolean {
  return task.uid === 0;
}

/** Linux sock_set_timeout(): timeval -> jiffies (rounded up). */
function setTimeout(sk: Sock, which: "rcvtimeo" | "sndtimeo", v: OptVal | undefined): number {
  if (typeof v !== "object" || v === null || !("tv_sec" in v) || !("tv_usec" in v)) return -EINVAL;
  const { tv_sec, tv_usec } = v;
  if (!Number.isInteger(tv_sec) || !Number.isInteger(tv_usec)) return -EINVAL;
  if (tv_usec < 0 || tv_usec >= 1_000_000) return -EDOM;
  if (tv_sec < 0) {
    sk[which] = 0; // Linux: a negative timeout means "do not wait at all"
    return 0;
  }
  const hz = sk.kernel.hz;
  sk[which] =
    tv_sec === 0 && tv_usec === 0
      ? MAX_SCHEDULE_TIMEOUT
      : tv_sec * hz + Math.ceil(tv_usec / (1_000_000 / hz));
  return 0;
}

/** Linux sock_get_timeout(). */
function getTimeout(sk: Sock, timeo: number): Timeval {
  if (timeo === MAX_SCHEDULE_TIMEOUT) return { tv_sec: 0, tv_usec: 0 };
  const hz = sk.kernel.hz;
  return { tv_sec: Math.floor(timeo / hz), tv_usec: Math.floor(((timeo % hz) * 1_000_000) / hz) };
}

/** Linux sk_setsockopt(): 0 or a negative errno. */
export function sockSetsockopt(sock: Socket, optname: number, optval: OptVal, task: Process): number {
  const sk = sock.sk!;
  const sysctl = sk.kernel.sysctl;
  if (optname === SO_RCVTIMEO) return setTimeout(sk, "rcvtimeo", optval);
  if (optname === SO_SNDTIMEO) return setTimeout(sk, "sndtimeo", optval);
  if (optname === SO_LINGER) {
    // optlen must cover struct linger.
    if (typeof optval !== "object" || optval === null || !("l_onoff" in optval) || !("l_linger" in optval)) {
      return -EINVAL;
    }
    const onoff = optInt(optval.l_onoff);
    const secs = optInt(optval.l_linger);
    if (onoff === null || secs === null) return -EINVAL;
    if (!onoff) {
      sk.linger = false;
    } else {
      const t = secs >>> 0; // l_linger is read as unsigned
      sk.lingertime = t >= Math.floor(INT_MAX / sk.kernel.hz) ? MAX_SCHEDULE_TIMEOUT : t * sk.kernel.hz;
      sk.linger = true;
    }
    return 0;
  }
  const val = optInt(optval);
  if (val === null) return -EINVAL;
  const valbool = val !== 0;
  switch (optname) {
    case SO_PRIORITY:
      if ((val >= 0 && val <= TC_PRIO_INTERACTIVE) || isRoot(task)) {
        sk.priority = val;
        return 0;
      }
      return -EPERM;
    case SO_TYPE:
    case SO_PROTOCOL:
    case SO_DOMAIN:
    case SO_ERROR:
      return -ENOPROTOOPT;
    case SO_DEBUG:
      if (val && !isRoot(task)) return -EACCES;
      sk.debug = valbool;
      return 0;
    case SO_REUSEADDR:
      sk.reuse = valbool;
      return 0;
    case SO_REUSEPORT:
      // Linux >= 6.13 (backported to stable): SO_REUSEPORT is for inet sockets only.
      if (valbool && sk.family !== AF_INET && sk.family !== AF_INET6) return -EOPNOTSUPP;
      sk.reuseport = valbool;
      return 0;
    case SO_DONTROUTE:
      sk.localroute = valbool;
      return 0;
    case SO_BROADCAST:
      sk.broadcast = valbool;
      return 0;
    case SO_SNDBUFFORCE:
      if (!isRoot(task)) return -EPERM;
      return setSndbuf(sk, Math.max(val, 0));
    case SO_SNDBUF:
      // BSD treats the sizes as hints: never an error; clamped to net.core.wmem_max, doubled.
      return setSndbuf(sk, minU32(val, sysctl.net_core_wmem_max));
    case SO_RCVBUFFORCE:
      if (!isRoot(task)) return -EPERM;
      setRcvbuf(sk, Math.max(val, 0));
      return 0;
    case SO_RCVBUF:
      setRcvbuf(sk, minU32(val, sysctl.net_core_rmem_max));
      return 0;
    case SO_KEEPALIVE:
      sk.keepalive(valbool);
      sk.keepopen = valbool;
      return 0;
    case SO_OOBINLINE:
      sk.urginline = valbool;
      return 0;
    case SO_NO_CHECK:
      sk.noCheckTx = valbool;
      return 0;
    case SO_BSDCOMPAT:
      return 0;
    case SO_RCVLOWAT: {
      const v = val < 0 ? INT_MAX : val;
      if (sock.ops.setRcvlowat) return sock.ops.setRcvlowat(sock, v);
      sk.rcvlowat = v || 1;
      return 0;
    }
    case SO_MARK:
      if (!isRoot(task)) return -EPERM;
      sk.mark = val >>> 0;
      return 0;
    case SO_PASSCRED:
      // Linux sk_may_scm_recv(): credentials pass over AF_UNIX (and netlink) only.
      if (sk.family !== AF_UNIX) return -EOPNOTSUPP;
      sk.passcred = valbool;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

function setSndbuf(sk: Sock, val: number): number {
  val = Math.min(val, Math.floor(INT_MAX / 2));
  sk.userlocks |= SOCK_SNDBUF_LOCK;
  sk.sndbuf = Math.max(val * 2, SOCK_MIN_SNDBUF);
  sk.writeSpace(); // wake writers if the buffer grew
  return 0;
}

/** Linux __sock_set_rcvbuf(). */
function setRcvbuf(sk: Sock, val: number): void {
  val = Math.min(val, Math.floor(INT_MAX / 2));
  sk.userlocks |= SOCK_RCVBUF_LOCK;
  sk.rcvbuf = Math.max(val * 2, SOCK_MIN_RCVBUF);
}

/** Linux sk_getsockopt(): 0 (value in out.value) or a negative errno. */
export function sockGetsockopt(sock: Socket, optname: number, out: OptOut): number {
  const sk = sock.sk!;
  let v: OptVal;
  switch (optname) {
    case SO_DEBUG:
      v = sk.debug ? 1 : 0;
      break;
    case SO_DONTROUTE:
      v = sk.localroute ? 1 : 0;
      break;
    case SO_BROADCAST:
      v = sk.broadcast ? 1 : 0;
      break;
    case SO_SNDBUF:
      v = sk.sndbuf;
      break;
    case SO_RCVBUF:
      v = sk.rcvbuf;
      break;
    case SO_REUSEADDR:
      v = sk.reuse ? 1 : 0;
      break;
    case SO_REUSEPORT:
      v = sk.reuseport ? 1 : 0;
      break;
    case SO_KEEPALIVE:
      v = sk.keepopen ? 1 : 0;
      break;
    case SO_TYPE:
      v = sk.type;
      break;
    case SO_PROTOCOL:
      v = sk.protocol;
      break;
    case SO_DOMAIN:
      v = sk.family;
      break;
    case SO_ERROR: {
      // Read and clear: the hard error, else the soft one.
      let e = -sk.sockError();
      if (e === 0) {
        e = sk.errSoft;
        sk.errSoft = 0;
      }
      v = e;
      break;
    }
    case SO_OOBINLINE:
      v = sk.urginline ? 1 : 0;
      break;
    case SO_NO_CHECK:
      v = sk.noCheckTx ? 1 : 0;
      break;
    case SO_PRIORITY:
      v = sk.priority;
      break;
    case SO_LINGER:
      v = {
        l_onoff: sk.linger ? 1 : 0,
        l_linger: sk.lingertime === MAX_SCHEDULE_TIMEOUT ? INT_MAX : Math.floor(sk.lingertime / sk.kernel.hz),
      };
      break;
    case SO_BSDCOMPAT:
      v = 0;
      break;
    case SO_RCVTIMEO:
      v = getTimeout(sk, sk.rcvtimeo);
      break;
    case SO_SNDTIMEO:
      v = getTimeout(sk, sk.sndtimeo);
      break;
    case SO_RCVLOWAT:
      v = sk.rcvlowat;
      break;
    case SO_SNDLOWAT:
      v = 1;
      break;
    case SO_PASSCRED:
      v = sk.passcred ? 1 : 0;
      break;
    case SO_PEERCRED:
      v = sk.peerCred ? { ...sk.peerCred } : { pid: 0, uid: OVERFLOW_ID, gid: OVERFLOW_ID };
      break;
    case SO_ACCEPTCONN:
      v = sk.state === TCP_LISTEN ? 1 : 0;
      break;
    case SO_MARK:
      v = sk.mark;
      break;
    default:
      return -ENOPROTOOPT;
  }
  out.value = v;
  return 0;
}
