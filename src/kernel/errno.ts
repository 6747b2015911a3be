// Linux errno numbers (include/uapi/asm-generic/errno-base.h, errno.h) with glibc's strerror texts,
// and the error class the syscall layer throws.

/** [name, number, strerror text] — Linux x86-64 values. */
const TABLE: readonly (readonly [string, number, string])[] = [
  ["EPERM", 1, "Operation not permitted"],
  ["ENOENT", 2, "No such file or directory"],
  ["ESRCH", 3, "No such process"],
  ["EINTR", 4, "Interrupted system call"],
  ["EIO", 5, "Input/output error"],
  ["ENXIO", 6, "No such device or address"],
  ["E2BIG", 7, "Argument list too long"],
  ["ENOEXEC", 8, "Exec format error"],
  ["EBADF", 9, "Bad file descriptor"],
  ["ECHILD", 10, "No child processes"],
  ["EAGAIN", 11, "Resource temporarily unavailable"],
  ["ENOMEM", 12, "Cannot allocate memory"],
  ["EACCES", 13, "Permission denied"],
  ["EFAULT", 14, "Bad address"],
  ["ENOTBLK", 15, "Block device required"],
  ["EBUSY", 16, "Device or resource busy"],
  ["EEXIST", 17, "File exists"],
  ["EXDEV", 18, "Invalid cross-device link"],
  ["ENODEV", 19, "No such device"],
  ["ENOTDIR", 20, "Not a directory"],
  ["EISDIR", 21, "Is a directory"],
  ["EINVAL", 22, "Invalid argument"],
  ["ENFILE", 23, "Too many open files in system"],
  ["EMFILE", 24, "Too many open files"],
  ["ENOTTY", 25, "Inappropriate ioctl for device"],
  ["ETXTBSY", 26, "Text file busy"],
  ["EFBIG", 27, "File too large"],
  ["ENOSPC", 28, "No space left on device"],
  ["ESPIPE", 29, "Illegal seek"],
  ["EROFS", 30, "Read-only file system"],
  ["EMLINK", 31, "Too many links"],
  ["EPIPE", 32, "Broken pipe"],
  ["EDOM", 33, "Numerical argument out of domain"],
  ["ERANGE", 34, "Numerical result out of range"],
  ["EDEADLK", 35, "Resource deadlock avoided"],
  ["ENAMETOOLONG", 36, "File name too long"],
  ["ENOLCK", 37, "No locks available"],
  ["ENOSYS", 38, "Function not implemented"],
  ["ENOTEMPTY", 39, "Directory not empty"],
  ["ELOOP", 40, "Too many levels of symbolic links"],
  ["ENOMSG", 42, "No message of desired type"],
  ["EIDRM", 43, "Identifier removed"],
  ["ENODATA", 61, "No data available"],
  ["ETIME", 62, "Timer expired"],
  ["EPROTO", 71, "Protocol error"],
  ["EBADMSG", 74, "Bad message"],
  ["EOVERFLOW", 75, "Value too large for defined data type"],
  ["EILSEQ", 84, "Invalid or incomplete multibyte or wide character"],
  ["ENOTSOCK", 88, "Socket operation on non-socket"],
  ["EDESTADDRREQ", 89, "Destination address required"],
  ["EMSGSIZE", 90, "Message too long"],
  ["EPROTOTYPE", 91, "Protocol wrong type for socket"],
  ["ENOPROTOOPT", 92, "Protocol not available"],
  ["EPROTONOSUPPORT", 93, "Protocol not supported"],
  ["ESOCKTNOSUPPORT", 94, "Socket type not supported"],
  ["EOPNOTSUPP", 95, "Operation not supported"],
  ["EPFNOSUPPORT", 96, "Protocol family not supported"],
  ["EAFNOSUPPORT", 97, "Address family not supported by protocol"],
  ["EADDRINUSE", 98, "Address already in use"],
  ["EADDRNOTAVAIL", 99, "Cannot assign requested address"],
  ["ENETDOWN", 100, "Network is down"],
  ["ENETUNREACH", 101, "Network is unreachable"],
  ["ENETRESET", 102, "Network dropped connection on reset"],
  ["ECONNABORTED", 103, "Software caused connection abort"],
  ["ECONNRESET", 104, "Connection reset by peer"],
  ["ENOBUFS", 105, "No buffer space available"],
  ["EISCONN", 106, "Transport endpoint is already connected"],
  ["ENOTCONN", 107, "Transport endpoint is not connected"],
  ["ESHUTDOWN", 108, "Cannot send after transport endpoint shutdown"],
  ["ETOOMANYREFS", 109, "Too many references: cannot splice"],
  ["ETIMEDOUT", 110, "Connection timed out"],
  ["ECONNREFUSED", 111, "Connection refused"],
  ["EHOSTDOWN", 112, "Host is down"],
  ["EHOSTUNREACH", 113, "No route to host"],
  ["EALREADY", 114, "Operation already in progress"],
  ["EINPROGRESS", 115, "Operation now in progress"],
  ["ESTALE", 116, "Stale file handle"],
  ["EDQUOT", 122, "Disk quota exceeded"],
  ["ECANCELED", 125, "Operation canceled"],
];

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const EWOULDBLOCK = EAGAIN;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const ENOTBLK = 15;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const EPIPE = 32;
export const EDOM = 33;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENAMETOOLONG = 36;
export const ENOLCK = 37;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENOMSG = 42;
export const EIDRM = 43;
export const ENODATA = 61;
export const ETIME = 62;
export const EPROTO = 71;
export const EBADMSG = 74;
export const EOVERFLOW = 75;
export const EILSEQ = 84;
export const ENOTSOCK = 88;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const ESOCKTNOSUPPORT = 94;
export const EOPNOTSUPP = 95;
export const ENOTSUP = EOPNOTSUPP;
export const EPFNOSUPPORT = 96;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ENETRESET = 102;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ESHUTDOWN = 108;
export const ETOOMANYREFS = 109;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTDOWN = 112;
export const EHOSTUNREACH = 113;
export const EALREADY = 114;
export const EINPROGRESS = 115;
export const ESTALE = 116;
export const EDQUOT = 122;
export const ECANCELED = 125;

/**
 * Kernel-internal only, never seen by a caller: an ioctl a protocol does not know
 * (Linux include/linux/errno.h ENOIOCTLCMD; the socket layer turns it into ENOTTY).
 */
export const ENOIOCTLCMD = 515;

const NAMES = new Map<number, string>();
const TEXTS = new Map<number, string>();
for (const [name, no, text] of TABLE) {
  NAMES.set(no, name);
  TEXTS.set(no, text);
}

/** 'EAGAIN' for 11; `E<n>` for a number Linux does not name here. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

/** Linux/glibc strerror text: strerror(11) = "Resource temporarily unavailable". */
export function strerror(errno: number): string {
  return TEXTS.get(errno) ?? `Unknown error ${errno}`;
}

/** The errno number for a name ('EAGAIN' -> 11), or undefined. */
export function errnoNumber(name: string): number | undefined {
  for (const [n, no] of TABLE) if (n === name) return no;
  return undefined;
}

/**
 * A failed system call, shaped like Node's system errors:
 * `code` 'EAGAIN', `errno` 11, `syscall` 'recv', message "recv EAGAIN (Resource temporarily unavailable)".
 * (Node's own `err.errno` is negative; ours is Linux's positive errno, as C's `errno` variable.)
 */
export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number) {
    const code = errnoName(errno);
    super(`${syscall} ${code} (${strerror(errno)})`);
    this.name = "SyscallError";
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}
