// A process's file descriptor table (Linux struct files_struct, fs/file.c): descriptors are small
// integers, allocated lowest-free first, each pointing to a shared open file description with a
// per-descriptor close-on-exec flag.

import { EBUSY, EMFILE } from "./errno.js";
import type { File } from "./file.js";

interface FdSlot {
  file: File;
  cloexec: boolean;
}

/** A slot taken by get_unused_fd_flags() but not yet installed (Linux: set in open_fds, fd[fd] NULL). */
const RESERVED = null;

export class FdTable {
  private slots: (FdSlot | typeof RESERVED | undefined)[] = [];
  /** Linux files->next_fd: no free descriptor below this. */
  private nextFd = 0;
  private open = 0;

  /** Descriptors in use (installed). */
  get count(): number {
    return this.open;
  }

  /** Valid descriptor syntax: a non-negative integer (C int). */
  static valid(fd: number): boolean {
    return Number.isInteger(fd) && fd >= 0 && fd <= 0x7fffffff;
  }

  /** Linux files_lookup_fd / fdget: the file, or null (EBADF). */
  lookup(fd: number): File | null {
    if (!FdTable.valid(fd)) return null;
    const s = this.slots[fd];
    return s ? s.file : null;
  }

  cloexec(fd: number): boolean {
    return this.slots[fd]?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.slots[fd];
    if (s) s.cloexec = on;
  }

  private isFree(fd: number): boolean {
    return this.slots[fd] === undefined;
  }

  /**
   * Linux alloc_fd(start, end): reserve the lowest free descriptor >= `start` and < `end`
   * (the RLIMIT_NOFILE soft limit). Returns it, or -EMFILE.
   */
  alloc(start: number, end: number): number {
    let fd = Math.max(start, this.nextFd);
    while (fd < end && !this.isFree(fd)) fd++;
    if (fd >= end) return -EMFILE;
    this.slots[fd] = RESERVED;
    if (start <= this.nextFd) this.nextFd = fd + 1;
    return fd;
  }

  /** Linux fd_install(): put a file into a reserved slot (the caller's reference moves in). */
  install(fd: number, file: File, cloexec: boolean): void {
    if (this.slots[fd] !== RESERVED) throw new Error(`wirestack: fd_install on unreserved fd ${fd}`);
    this.slots[fd] = { file, cloexec };
    this.open++;
  }

  /** Linux put_unused_fd(): give back a reserved slot. */
  unreserve(fd: number): void {
    if (this.slots[fd] !== RESERVED) return;
    this.free(fd);
  }

  private free(fd: number): void {
    this.slots[fd] = undefined;
    if (fd < this.nextFd) this.nextFd = fd;
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === undefined) this.slots.pop();
  }

  /** Linux file_close_fd(): detach a descriptor; returns its file (the caller drops the reference). */
  remove(fd: number): File | null {
    if (!FdTable.valid(fd)) return null;
    const s = this.slots[fd];
    if (!s) return null;
    this.free(fd);
    this.open--;
    return s.file;
  }

  /**
   * Linux do_dup2(): make `fd` refer to `file` (reference already taken by the caller).
   * Returns the file previously there (to be released by the caller), null if none, or -EBUSY
   * when the slot is reserved by a concurrent open.
   */
  replace(fd: number, file: File, cloexec: boolean): File | null | number {
    const s = this.slots[fd];
    if (s === RESERVED) return -EBUSY;
    this.slots[fd] = { file, cloexec };
    if (s) return s.file;
    this.open++;
    return null;
  }

  /** Installed descriptors in increasing order. */
  entries(): { fd: number; file: File; cloexec: boolean }[] {
    const out: { fd: number; file: File; cloexec: boolean }[] = [];
    this.slots.forEach((s, fd) => {
      if (s) out.push({ fd, file: s.file, cloexec: s.cloexec });
    });
    return out;
  }

  /** Linux dup_fd() for fork(): same descriptors and flags, each file's reference count raised. */
  clone(): FdTable {
    const t = new FdTable();
    this.slots.forEach((s, fd) => {
      if (s) {
        t.slots[fd] = { file: s.file.get(), cloexec: s.cloexec };
        t.open++;
      }
    });
    t.nextFd = 0;
    while (!t.isFree(t.nextFd)) t.nextFd++;
    return t;
  }

  /** Remove every descriptor (exit); returns the files in descriptor order. */
  removeAll(): File[] {
    const files: File[] = [];
    this.slots.forEach((s) => {
      if (s) files.push(s.file);
    });
    this.slots = [];
    this.nextFd = 0;
    this.open = 0;
    return files;
  }
}
