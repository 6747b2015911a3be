// Who holds each socket: the walk ss -p and lsof make over /proc/<pid>/fd, done over the kernel's
// processes and their fd tables. A descriptor leads to a file, the file to its struct socket, the
// socket to its sock (the protocol state), so each sock collects the (comm, pid, fd) of every
// descriptor that refers to it, and its inode (the socket file's, as socket:[N] shows it).
import type { File } from "../../kernel/file.js";
import type { Process } from "../../kernel/process.js";
import type { Sock } from "../../kernel/sock.js";
import { sockFromFile } from "../../kernel/socket.js";
import type { Host, World } from "../../world/world.js";
import type { SockOwner } from "../model.js";

/** Linux TASK_COMM_LEN - 1: a process name is cut to 15 bytes in ss and /proc/<pid>/comm. */
export const COMM_MAX = 15;

export interface SockHolders {
  /** Every descriptor that refers to the sock, by process (pid ascending), then fd. */
  owners: SockOwner[];
  /** The socket file's inode number. */
  inode: number;
  /** The uid of the first process holding it (Linux prints the socket inode's owner, its creator). */
  uid: number;
  file: File;
}

/** A process's name as comm shows it. */
export function commOf(p: Process): string {
  return p.name.slice(0, COMM_MAX);
}

/**
 * Every live sock held by a descriptor of a live process (of `host` only, when given), with its
 * holders: one walk of the fd tables, as ss -p and lsof make over /proc.
 */
export function socketHolders(world: World, host?: Host): Map<Sock, SockHolders> {
  const out = new Map<Sock, SockHolders>();
  for (const p of world.kernel.processes()) {
    if (p.state === "Z") continue;
    if (host && world.hostOf(p) !== host) continue;
    for (const { fd, file } of p.files.entries()) {
      const sock = sockFromFile(file);
      const sk = sock?.sk;
      if (!sk) continue;
      let h = out.get(sk);
      if (!h) {
        h = { owners: [], inode: file.ino, uid: p.uid, file };
        out.set(sk, h);
      }
      h.owners.push({ comm: commOf(p), pid: p.pid, fd });
    }
  }
  return out;
}

/** Login names for uids, as a Debian system has them; others print as numbers (lsof, ls -l). */
export function userName(uid: number): string | undefined {
  return uid === 0 ? "root" : uid === 65534 ? "nobody" : undefined;
}
