// Descriptor-level system calls (Linux fs/read_write.c, fs/open.c, fs/file.c, fs/fcntl.c,
// fs/ioctl.c): read, write, close, dup/dup2/dup3, fcntl, ioctl.

import {
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  FIOCLEX,
  FIONBIO,
  FIONCLEX,
  O_APPEND,
  O_CLOEXEC,
  O_DIRECT,
  O_NONBLOCK,
} from "./constants.js";
import { EBADF, EFAULT, EINVAL, ENOTTY } from "./errno.js";
import { FdTable } from "./fdtable.js";
import type { SysResult } from "./file.js";
import type { Process } from "./process.js";
import { isInt, withFileRef } from "./socketcalls.js";

/** Flags F_SETFL may change here (Linux SETFL_MASK less FASYNC/O_NOATIME, which we do not model). */
const SETFL_MASK = O_APPEND | O_NONBLOCK;

export function sysRead(task: Process, fd: number, buf: Uint8Array): SysResult {
  const file = task.files.lookup(fd);
  if (!file) return -EBADF;
  if (!file.readable) return -EBADF;
  if (!(buf instanceof Uint8Array)) return -EFAULT;
  if (!file.ops.read) return -EINVAL;
  return withFileRef(file, task, file.ops.read(file, task, buf));
}

export function sysWrite(task: Process, fd: number, buf: Uint8Array): SysResult {
  const file = task.files.lookup(fd);
  if (!file) return -EBADF;
  if (!file.writable) return -EBADF;
  if (!(buf instanceof Uint8Array)) return -EFAULT;
  if (!file.ops.write) return -EINVAL;
  return withFileRef(file, task, file.ops.write(file, task, buf));
}

/** Linux close(): the descriptor goes at once; the file when its last reference does. */
export function sysClose(task: Process, fd: number): SysResult {
  const file = task.files.remove(fd);
  if (!file) return -EBADF;
  const r = file.put(task);
  return typeof r === "number" ? 0 : r.then(() => 0);
}

export function sysDup(task: Process, oldfd: number): number {
  const file = task.files.lookup(oldfd);
  if (!file) return -EBADF;
  const fd = task.files.alloc(0, task.rlimitNofile.rlim_cur);
  if (fd < 0) return fd;
  task.files.install(fd, file.get(), false);
  return fd;
}

/** Linux ksys_dup3(). */
export function sysDup3(task: Process, oldfd: number, newfd: number, flags: number): SysResult {
  if (!isInt(flags) || (flags & ~O_CLOEXEC) !== 0) return -EINVAL;
  if (oldfd === newfd) return -EINVAL;
  if (!FdTable.valid(newfd) || newfd >= task.rlimitNofile.rlim_cur) return -EBADF;
  const file = task.files.lookup(oldfd);
  if (!file) return -EBADF;
  const old = task.files.replace(newfd, file.get(), (flags & O_CLOEXEC) !== 0);
  if (typeof old === "number") {
    void file.put(task);
    return old; // EBUSY: the slot is being filled by a concurrent call
  }
  if (old) {
    const r = old.put(task);
    if (typeof r !== "number") return r.then(() => newfd);
  }
  return newfd;
}

/** Linux dup2(): dup3 without flags, except that oldfd == newfd returns newfd if it is valid. */
export function sysDup2(task: Process, oldfd: number, newfd: number): SysResult {
  if (oldfd === newfd) return task.files.lookup(oldfd) ? newfd : -EBADF;
  return sysDup3(task, oldfd, newfd, 0);
}

/** Linux do_fcntl(). */
export function sysFcntl(task: Process, fd: number, cmd: number, arg: number): number {
  const files = task.files;
  const file = files.lookup(fd);
  if (!file) return -EBADF;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      // arg is unsigned: a negative one is huge, so >= the limit.
      const limit = task.rlimitNofile.rlim_cur;
      if (!isInt(arg) || arg < 0 || arg >= limit) return -EINVAL;
      const nfd = files.alloc(arg, limit);
      if (nfd < 0) return nfd;
      files.install(nfd, file.get(), cmd === F_DUPFD_CLOEXEC);
      return nfd;
    }
    case F_GETFD:
      return files.cloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      files.setCloexec(fd, ((arg | 0) & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return file.flags;
    case F_SETFL: {
      if (!isInt(arg)) return -EINVAL;
      if (arg & O_DIRECT) return -EINVAL; // no file here can do O_DIRECT
      file.flags = (arg & SETFL_MASK) | (file.flags & ~SETFL_MASK);
      return 0;
    }
    default:
      return -EINVAL;
  }
}

/**
 * Linux do_vfs_ioctl() then the file's ioctl. Requests that return a value through an int
 * pointer in C (FIONREAD, SIOCOUTQ) return it directly here; FIONBIO takes its int as `arg`.
 */
export function sysIoctl(task: Process, fd: number, cmd: number, arg: number): number {
  const files = task.files;
  const file = files.lookup(fd);
  if (!file) return -EBADF;
  switch (cmd) {
    case FIOCLEX:
      files.setCloexec(fd, true);
      return 0;
    case FIONCLEX:
      files.setCloexec(fd, false);
      return 0;
    case FIONBIO:
      if (arg) file.flags |= O_NONBLOCK;
      else file.flags &= ~O_NONBLOCK;
      return 0;
    default:
      return file.ops.ioctl ? file.ops.ioctl(file, task, cmd, arg) : -ENOTTY;
  }
}
