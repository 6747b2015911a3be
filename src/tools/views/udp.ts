// UDP sockets of one host as /proc/net/udp, ss -u and lsof see them: every bound socket in the
// host's UDP table (Linux lists hashed sockets only; an unbound socket is in no table).
import type { Sock } from "../../kernel/sock.js";
import type { InetSock } from "../../net/inet/sock.js";
import type { NetStack } from "../../net/stack.js";
import { TCP_CLOSE, TCP_ESTABLISHED } from "../../net/tcp/state.js";
import type { UdpSock } from "../../net/udp.js";
import { type InetSockInfo, TIMER_OFF } from "../model.js";
import { objectId, skAddr } from "./ids.js";
import type { SockHolders } from "./owners.js";

export function udpSockets(
  net: NetStack,
  holders: Map<Sock, SockHolders>,
  byUdp: Map<UdpSock, InetSock>,
): InetSockInfo[] {
  const out: InetSockInfo[] = [];
  for (const list of net.udp.socks.values()) {
    for (const u of list) {
      const sk = byUdp.get(u);
      const h = sk ? holders.get(sk) : undefined;
      out.push({
        proto: "udp",
        form: "full",
        // Linux: a connected UDP socket is TCP_ESTABLISHED, an unconnected one TCP_CLOSE (UNCONN).
        state: u.connected ? TCP_ESTABLISHED : TCP_CLOSE,
        local: { addr: u.laddr, port: u.lport },
        remote: u.connected ? { addr: u.raddr, port: u.rport } : { addr: 0, port: 0 },
        // sk_wmem_alloc: a datagram is freed as soon as the device takes it, so nothing waits.
        txQueue: 0,
        // sk_rmem_alloc: the engine charges each queued datagram its length plus UDP_SKB_OVERHEAD.
        rxQueue: u.rcvMem,
        backlog: 0,
        timer: { kind: TIMER_OFF, expiresMs: 0 },
        retransmits: 0,
        probesOut: 0,
        uid: h?.uid ?? 0,
        inode: h?.inode ?? 0,
        refcnt: 2, // the socket and the hash table, as Linux prints for a bound UDP socket
        skAddr: skAddr(u),
        cookie: objectId(u),
        owners: h?.owners ?? [],
        skmem: {
          rmemAlloc: u.rcvMem,
          rcvbuf: u.rcvbuf,
          wmemAlloc: 0,
          sndbuf: u.sndbuf,
          fwdAlloc: 0,
          wmemQueued: 0,
          optmem: 0,
          backlog: 0,
          drops: u.drops,
        },
        cgroup: "/",
        shutdown: sk?.shutdown ?? 0,
        drops: u.drops,
      });
    }
  }
  return out;
}
