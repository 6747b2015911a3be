// The filesystem, as far as sockets need one: a flat per-kernel namespace of socket inodes that
// bind() creates on AF_UNIX paths. As in Linux, the inode outlives the socket (a stale name stays
// until unlink(), so a second bind gets EADDRINUSE and a connect ECONNREFUSED), and connecting
// needs write permission on it (mode from the binder's umask).
// Not modelled: directories (any path string is a name; "/a//b" and "/a/b" differ), symlinks,
// other file types.

import { S_IFSOCK } from "./constants.js";
import { EACCES, EEXIST, ENOENT, EPERM } from "./errno.js";
import type { Process } from "./process.js";

export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

export interface Inode {
  readonly ino: number;
  mode: number;
  uid: number;
  gid: number;
  /** What is bound to the name (an AF_UNIX sock) — null once that socket is closed. */
  bound: unknown;
}

export class Vfs {
  private readonly names = new Map<string, Inode>();

  constructor(private readonly allocIno: () => number) {}

  lookup(path: string): Inode | undefined {
    return this.names.get(path);
  }

  /** Linux vfs_mknod(S_IFSOCK): -EEXIST if the name is taken. */
  mknodSock(path: string, task: Process | null, bound: unknown): Inode | number {
    if (this.names.has(path)) return -EEXIST;
    const umask = task?.umask ?? 0o022;
    const inode: Inode = {
      ino: this.allocIno(),
      mode: S_IFSOCK | (0o777 & ~umask),
      uid: task?.uid ?? 0,
      gid: task?.gid ?? 0,
      bound,
    };
    this.names.set(path, inode);
    return inode;
  }

  unlink(path: string): number {
    return this.names.delete(path) ? 0 : -ENOENT;
  }

  chmod(path: string, mode: number, task: Process): number {
    const inode = this.names.get(path);
    if (!inode) return -ENOENT;
    if (task.uid !== 0 && task.uid !== inode.uid) return -EPERM;
    inode.mode = (inode.mode & ~0o7777) | (mode & 0o7777);
    return 0;
  }

  /** Linux generic_permission(): owner, group, other bits; uid 0 may do anything. */
  permission(inode: Inode, task: Process | null, mask: number): number {
    if (!task || task.uid === 0) return 0;
    let bits = inode.mode & 0o7;
    if (task.uid === inode.uid) bits = (inode.mode >> 6) & 0o7;
    else if (task.gid === inode.gid) bits = (inode.mode >> 3) & 0o7;
    return (bits & mask) === mask ? 0 : -EACCES;
  }

  /** Every name (for tools and tests). */
  paths(): string[] {
    return [...this.names.keys()];
  }
}
