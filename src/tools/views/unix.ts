// AF_UNIX sockets as ss -x sees them (Linux net/unix/diag.c): every Unix socket a process holds.
// As in Linux's dump, an embryo (a connection queued on a listener, not yet accepted) has no row of
// its own: it shows as its client's peer inode 0 and in the listener's "peers:".
import { SOCK_DGRAM, SOCK_SEQPACKET, TCP_LISTEN } from "../../kernel/constants.js";
import type { Sock } from "../../kernel/sock.js";
import { UnixSock } from "../../kernel/unix/sock.js";
import type { UnixSockInfo } from "../model.js";
import type { SockHolders } from "./owners.js";

function inodeOf(sk: UnixSock | null): number {
  return sk?.socket?.file?.ino ?? 0;
}

/** Unix sockets among the held socks, by inode. */
export function unixSockets(holders: Map<Sock, SockHolders>): UnixSockInfo[] {
  const out: UnixSockInfo[] = [];
  for (const [sk, h] of holders) {
    if (!(sk instanceof UnixSock)) continue;
    const listening = sk.state === TCP_LISTEN;
    const name = sk.addr ? (sk.addr.abstract ? `@${sk.addr.name.slice(1)}` : sk.addr.name) : null;
    const icons: number[] = [];
    if (listening) for (const skb of sk.queue) icons.push(inodeOf(skb.sk.peer));
    out.push({
      type: sk.type === SOCK_DGRAM ? "dgram" : sk.type === SOCK_SEQPACKET ? "seqpacket" : "stream",
      state: sk.state,
      name,
      inode: h.inode,
      peerInode: inodeOf(sk.peer),
      // unix_diag: a listener's accept queue and backlog; otherwise unix_inq_len and sk_wmem_alloc.
      rxQueue: listening ? sk.queue.length : sk.inqLen(sk.type !== SOCK_DGRAM),
      txQueue: listening ? 0 : sk.wmemAlloc,
      backlog: listening ? sk.maxAckBacklog : 0,
      owners: h.owners,
      skmem: {
        rmemAlloc: sk.rmemAlloc,
        rcvbuf: sk.rcvbuf,
        wmemAlloc: sk.wmemAlloc,
        sndbuf: sk.sndbuf,
        fwdAlloc: 0,
        wmemQueued: 0,
        optmem: 0,
        backlog: 0,
        drops: 0,
      },
      shutdown: sk.shutdown,
      // The socket file's inode; Linux also prints the device of the filesystem holding it, which
      // the engine's name space does not have (0/0).
      vfs: sk.inode ? { ino: sk.inode.ino, major: 0, minor: 0 } : undefined,
      icons: listening ? icons : undefined,
    });
  }
  return out.sort((a, b) => a.inode - b.inode);
}
