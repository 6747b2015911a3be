// Standard input/output of spawned processes, as the pipes a test harness would give a child
// process: stdin is the read end of a pipe whose writer has gone (reads give EOF), stdout and
// stderr are write ends whose bytes are captured for the caller to read.

import { FIONREAD, O_RDONLY, O_WRONLY, POLLHUP, POLLOUT, POLLWRNORM, S_IFIFO } from "./constants.js";
import { ENOTTY } from "./errno.js";
import { File, type FileHost, type FileOperations } from "./file.js";

/** Linux shows pipes on the internal pipefs mount; the id is arbitrary but stable. */
export const PIPEFS_MNT_ID = 14;

/** Bytes written to a captured stdout/stderr. */
export class Capture {
  private chunks: Uint8Array[] = [];
  private total = 0;

  append(buf: Uint8Array): void {
    this.chunks.push(buf.slice());
    this.total += buf.length;
  }

  get length(): number {
    return this.total;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.total);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

const pipeName = (f: File) => `pipe:[${f.ino}]`;

const stdinOps: FileOperations = {
  name: pipeName,
  mntId: PIPEFS_MNT_ID,
  read: () => 0, // the writer is gone: end of file
  // Linux pipe_poll(): an empty pipe without writers reports EPOLLHUP (and no EPOLLIN).
  poll: (_f, events) => POLLHUP | (events & 0),
  pollQueue: () => null,
  ioctl: (_f, _t, cmd) => (cmd === FIONREAD ? 0 : -ENOTTY),
  release: () => 0,
};

const stdoutOps: FileOperations = {
  name: pipeName,
  mntId: PIPEFS_MNT_ID,
  write: (f, _t, buf) => {
    (f.priv as Capture).append(buf);
    return buf.length;
  },
  // The harness is always reading: never full, never without a reader.
  poll: (_f, events) => events & (POLLOUT | POLLWRNORM),
  pollQueue: () => null,
  ioctl: (_f, _t, cmd) => (cmd === FIONREAD ? 0 : -ENOTTY),
  release: () => 0,
};

export function stdinFile(host: FileHost): File {
  return new File(host, stdinOps, O_RDONLY, S_IFIFO | 0o600, null);
}

export function captureFile(host: FileHost, capture: Capture): File {
  return new File(host, stdoutOps, O_WRONLY, S_IFIFO | 0o600, capture);
}
