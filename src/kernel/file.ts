// The open file description (Linux struct file): shared by every descriptor that refers to it
// (dup, fork), reference-counted, released when the last reference goes (Linux fput() ->
// __fput() -> f_op->release). Closing a socket's last reference is what tears the connection down.

import { O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY } from "./constants.js";
import type { Process } from "./process.js";
import type { WaitQueue } from "./waitqueue.js";

/** A syscall-level result: >= 0 on success or a negative errno, possibly after blocking. */
export type SysResult<T = number> = T | Promise<T>;

export interface FileOperations {
  /** Text of readlink(/proc/<pid>/fd/N): "socket:[1234]", "pipe:[5]". */
  name(file: File): string;
  /** Mount id shown in /proc/<pid>/fdinfo (sockfs, pipefs). */
  readonly mntId: number;
  read?(file: File, task: Process, buf: Uint8Array): SysResult;
  write?(file: File, task: Process, buf: Uint8Array): SysResult;
  /** Readiness: the subset of POLL* events that hold now (POLLERR/POLLHUP always reported). */
  poll(file: File, events: number): number;
  /**
   * Set for a file type that cannot be polled (Linux: no f_op->poll, e.g. a regular file): select
   * and poll report it always ready (DEFAULT_POLLMASK) without calling `poll`, and epoll_ctl
   * refuses it with EPERM. Every file type here can be polled; the flag exists for that rule.
   */
  readonly noPoll?: boolean;
  /** The wait queue pollers register on (null: never changes readiness). */
  pollQueue(file: File): WaitQueue | null;
  /** File-specific ioctl; -ENOTTY when unknown. The value is the result (e.g. FIONREAD's count). */
  ioctl?(file: File, task: Process, cmd: number, arg: number): number;
  /** Linux f_op->show_fdinfo: lines appended to /proc/<pid>/fdinfo/<fd> (an epoll fd lists its targets). */
  showFdinfo?(file: File): string;
  /**
   * Let the core's RX fast path run this (non-exclusive) epitem's callback itself (`add`), or stop
   * (`!add`): true when the file's object took the registration. Optional: only sockets whose data
   * the core queues (TCP) implement it; `item` is the core's epitem cell.
   */
  coreWatch?(file: File, item: number, add: boolean): boolean;
  /** Last reference gone. May block (SO_LINGER); `task` is null when no process is closing. */
  release(file: File, task: Process | null): SysResult;
}

/**
 * Something that must let go of a file when its last reference goes (Linux: an epitem on the file's
 * f_ep list, removed by eventpoll_release() in __fput() before the file's own release).
 */
export interface FileWatch {
  fileReleased(file: File): void;
}

/** What a file needs from its kernel: inode numbers and the open-file count. */
export interface FileHost {
  allocIno(): number;
  fileOpened(f: File): void;
  fileReleased(f: File): void;
}

export class File {
  /** Linux f_count. */
  refs = 1;
  /** Linux f_pos (0 for sockets and pipes). */
  pos = 0;
  readonly ino: number;
  /** Linux f_ep: epoll entries watching this file (null until the first). */
  watchers: Set<FileWatch> | null = null;
  private releasing = false;

  constructor(
    private readonly host: FileHost,
    readonly ops: FileOperations,
    /** Linux f_flags: access mode | O_NONBLOCK | O_APPEND ... */
    public flags: number,
    /** Inode type and permission bits (S_IFSOCK | 0777, S_IFIFO | 0600). */
    readonly mode: number,
    /** The object behind the file (a Socket, a pipe end). */
    readonly priv: unknown,
  ) {
    this.ino = host.allocIno();
    host.fileOpened(this);
  }

  get readable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_RDONLY || acc === O_RDWR;
  }

  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_WRONLY || acc === O_RDWR;
  }

  get released(): boolean {
    return this.releasing;
  }

  /** Linux get_file(). */
  get(): this {
    this.refs++;
    return this;
  }

  /** Linux fput(): drop a reference; the last one releases the file. */
  put(task: Process | null): SysResult {
    if (this.refs <= 0) throw new Error("wirestack: fput on a released file");
    if (--this.refs > 0) return 0;
    this.releasing = true;
    // Linux __fput(): eventpoll_release() first. A registration lives as long as the open file
    // description, not the descriptor it was added with (closing one of two dup'ed fds leaves it).
    if (this.watchers) {
      for (const w of [...this.watchers]) w.fileReleased(this);
      this.watchers = null;
    }
    const r = this.ops.release(this, task);
    if (typeof r === "number") {
      this.host.fileReleased(this);
      return r;
    }
    return r.then(
      (v) => {
        this.host.fileReleased(this);
        return v;
      },
      (e) => {
        this.host.fileReleased(this);
        throw e;
      },
    );
  }

  /** readlink(/proc/<pid>/fd/N). */
  get name(): string {
    return this.ops.name(this);
  }
}
