// UDP for one host (Linux net/ipv4/udp.c): bound sockets, demux by Linux's scoring (connected and
// exact-address matches beat wildcards, __udp4_lib_lookup / compute_score), datagram receive queues
// of skbs with receive-buffer accounting (overflow dropped: RcvbufErrors), ICMP port unreachable for
// datagrams nobody wants (NoPorts), and ICMP errors reported on connected sockets as ECONNREFUSED.

import { UdpHashTable } from "../core/flow.js";
import * as L from "../generated/layout.js";
import type { BindOwner } from "./bind.js";
import { BindTable } from "./bind.js";
import { pushUdpHeader } from "./emit.js";
import type { RxFrame } from "./frame.js";
import { HandleTable } from "./handles.js";
import { IPPROTO_UDP, type NetStack } from "./stack.js";

const UDP_HEADROOM = 128;
/** Linux charges each queued datagram its skb truesize; we charge payload + this overhead. */
export const UDP_SKB_OVERHEAD = 256;

export interface Datagram {
  skb: number;
  from: number;
  fromPort: number;
  len: number;
}

/** One UDP socket's protocol state (struct udp_sock). */
export class UdpSock {
  laddr = 0;
  lport = 0;
  raddr = 0;
  rport = 0;
  connected = false;
  rcvQ: Datagram[] = [];
  rcvMem = 0;
  rcvbuf = 212992; // net.core.rmem_default
  /** The owning socket's SO_RCVBUF, read at enqueue time (setsockopt may change it after bind). */
  rcvbufFn: (() => number) | undefined;
  sndbuf = 212992; // net.core.wmem_default
  /** An ICMP error for this socket's flow (Linux __udp4_lib_err -> sk_err + sk_error_report). */
  onError: (errno: number) => void = () => {};
  owner: BindOwner | undefined;
  /** The core's UDP-table handle while hashed (0 when not). */
  flowHandle = 0;
  drops = 0;
  onWake: () => void = () => {};
}

export class UdpProto {
  /** Bound sockets by port, for enumeration (/proc/net/udp, ss); lookup is in the core's table. */
  readonly socks = new Map<number, UdpSock[]>();
  readonly bind = new BindTable();
  /** The core's bound-UDP table (Linux udp_table, compute_score, reuseport groups). */
  readonly flows: UdpHashTable;
  private readonly handles = new HandleTable<UdpSock>();

  constructor(readonly net: NetStack) {
    this.flows = new UdpHashTable(net.core, { buckets: 64, seed: net.env.rand32() });
  }

  hash(sk: UdpSock): void {
    const h = this.handles.alloc(sk);
    const r = this.flows.insert(
      sk.laddr,
      sk.lport,
      sk.connected ? sk.raddr : 0,
      sk.connected ? sk.rport : 0,
      sk.owner?.uid ?? 0,
      sk.owner?.reuseport ?? false,
      h,
    );
    if (r < 0) {
      this.handles.release(h);
      throw new Error(`wirestack: UDP table refused port ${sk.lport} (bind checks should have)`);
    }
    sk.flowHandle = h;
    const l = this.socks.get(sk.lport);
    if (l) l.push(sk);
    else this.socks.set(sk.lport, [sk]);
  }

  unhash(sk: UdpSock): void {
    const l = this.socks.get(sk.lport);
    if (!l || sk.flowHandle === 0) return;
    const i = l.indexOf(sk);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.socks.delete(sk.lport);
    this.flows.delete(sk.laddr, sk.lport, sk.flowHandle);
    this.handles.release(sk.flowHandle);
    sk.flowHandle = 0;
  }

  /** connect() changed the socket's addresses: move it in the table (Linux udp_lib_rehash). */
  rehash(sk: UdpSock, change: () => void): void {
    const hashed = sk.flowHandle !== 0;
    if (hashed) this.unhash(sk);
    change();
    if (hashed) this.hash(sk);
  }

  /** Linux __udp4_lib_lookup: the best-scoring socket, in the core's table. */
  lookup(saddr: number, sport: number, daddr: number, dport: number): UdpSock | undefined {
    const h = this.flows.lookup(saddr, sport, daddr, dport);
    return h > 0 ? this.handles.get(h) : undefined;
  }

  /** udp_rcv: the skb is pulled to the UDP payload. Takes ownership. */
  rcv(skb: number, f: RxFrame): void {
    const x = this.net.core.x;
    const s = this.net.snmp;
    const sk = this.lookup(f.ipSaddr, f.sport, f.ipDaddr, f.dport);
    if (!sk) {
      s.inc("Udp", "NoPorts");
      this.net.sendIcmpError(skb, f, 3, 3); // port unreachable
      x.kfreeSkb(skb, L.DROP_NO_SOCKET);
      return;
    }
    this.enqueue(sk, skb, f);
  }

  /** Queue a datagram on a socket (Linux __udp_queue_rcv_skb). Takes ownership. */
  private enqueue(sk: UdpSock, skb: number, f: RxFrame): void {
    const x = this.net.core.x;
    const s = this.net.snmp;
    const len = x.skbLen(skb);
    // Linux __udp_enqueue_schedule_skb: drop when rmem would exceed the receive buffer.
    const rcvbuf = sk.rcvbufFn ? sk.rcvbufFn() : sk.rcvbuf;
    if (sk.rcvMem + len + UDP_SKB_OVERHEAD > rcvbuf && sk.rcvQ.length > 0) {
      s.inc("Udp", "RcvbufErrors");
      s.inc("Udp", "InErrors");
      sk.drops++;
      x.kfreeSkb(skb, L.DROP_SOCKET_RCVBUFF);
      return;
    }
    s.inc("Udp", "InDatagrams");
    sk.rcvQ.push({ skb, from: f.ipSaddr, fromPort: f.sport, len });
    sk.rcvMem += len + UDP_SKB_OVERHEAD;
    sk.onWake();
  }

  /**
   * Linux __udp4_lib_mcast_deliver for a datagram to a broadcast address: every socket bound to the
   * port whose address is INADDR_ANY or that broadcast address, and whose connected peer (if any) is
   * the sender, gets its own copy (__udp_is_mcast_sock). Nobody: counted as IgnoredMulti, and no ICMP
   * error is ever sent about a broadcast. Takes ownership.
   */
  rcvBroadcast(skb: number, f: RxFrame): void {
    const x = this.net.core.x;
    const to = (this.socks.get(f.dport) ?? []).filter(
      (sk) =>
        (sk.laddr === 0 || sk.laddr === f.ipDaddr) &&
        (!sk.connected || (sk.raddr === f.ipSaddr && sk.rport === f.sport)),
    );
    if (to.length === 0) {
      this.net.snmp.inc("Udp", "IgnoredMulti");
      x.consumeSkb(skb);
      return;
    }
    for (let i = 0; i < to.length; i++) {
      const copy = i === to.length - 1 ? skb : x.skbClone(skb);
      if (copy === 0) {
        this.net.snmp.inc("Udp", "InErrors");
        continue;
      }
      this.enqueue(to[i], copy, f);
    }
  }

  /** Take the next datagram off the queue (the caller copies and frees it). */
  dequeue(sk: UdpSock, peek: boolean): Datagram | undefined {
    const d = sk.rcvQ[0];
    if (!d || peek) return d;
    sk.rcvQ.shift();
    sk.rcvMem -= d.len + UDP_SKB_OVERHEAD;
    return d;
  }

  /**
   * udp_sendmsg's transmit half: build one datagram and send it. Returns 0, or an errno name when
   * it cannot be sent (EMSGSIZE: larger than the device MTU — we do not fragment; ENOBUFS; ENETUNREACH;
   * EACCES: a broadcast destination without SO_BROADCAST).
   */
  send(
    sk: UdpSock,
    data: Uint8Array,
    daddr: number,
    dport: number,
    /** SO_BROADCAST */
    broadcast = false,
  ): 0 | "EMSGSIZE" | "ENOBUFS" | "ENETUNREACH" | "EACCES" {
    const net = this.net;
    const x = net.core.x;
    if (!net.hasRoute(daddr) && daddr !== 0xffffffff) return "ENETUNREACH";
    // ip_route_output_flow(): a broadcast destination needs SO_BROADCAST
    if (!broadcast && net.isBroadcast(daddr) && !net.isLocal(daddr)) return "EACCES";
    const saddr = sk.laddr || net.sourceFor(daddr);
    const mtu = net.isLocal(daddr) ? net.lo.mtu : net.device(net.routes.lookup(daddr)?.dev ?? "lo").mtu;
    if (data.length + 28 > mtu) return "EMSGSIZE";
    const skb = x.allocSkb(UDP_HEADROOM + data.length);
    if (skb === 0) return "ENOBUFS";
    x.skbReserve(skb, UDP_HEADROOM);
    if (data.length > 0) net.core.u8.set(data, x.skbPut(skb, data.length));
    if (!pushUdpHeader(net, skb, saddr, daddr, sk.lport, dport)) {
      x.kfreeSkb(skb, L.DROP_NOMEM);
      return "ENOBUFS";
    }
    net.snmp.inc("Udp", "OutDatagrams");
    net.ipOutput(skb, saddr, daddr, IPPROTO_UDP, false);
    return 0;
  }

  /**
   * ICMP destination unreachable quoting a datagram we sent (Linux __udp4_lib_err): without
   * IP_RECVERR only the "fatal" codes of icmp_err_convert reach the socket — port unreachable
   * (ECONNREFUSED) and protocol unreachable (ENOPROTOOPT) — and only on a connected socket.
   */
  icmpError(saddr: number, sport: number, daddr: number, dport: number, code: number): void {
    const errno = code === 3 ? 111 : code === 2 ? 92 : 0;
    if (!errno) return;
    for (const sk of this.socks.get(sport) ?? []) {
      if (!sk.connected || sk.raddr !== daddr || sk.rport !== dport) continue;
      if (sk.laddr !== 0 && sk.laddr !== saddr) continue;
      sk.onError(errno);
    }
  }

  /** Free every queued datagram (close). */
  purge(sk: UdpSock): void {
    const x = this.net.core.x;
    for (const d of sk.rcvQ) x.kfreeSkb(d.skb, L.DROP_NOT_SPECIFIED);
    sk.rcvQ = [];
    sk.rcvMem = 0;
  }
}
