// TCP for one host (Linux net/ipv4/tcp_ipv4.c): the established table and the listeners, demux of
// inbound segments (established 4-tuple first, then listener: exact address, then INADDR_ANY),
// RST for segments that match nothing, and transmission of segments built by connections.
// Lookup here is a host-side Map; the demultiplexing issue moves it into the core's flow tables.
import * as L from "../../generated/layout.js";
import { BindTable } from "../bind.js";
import type { NetDevice } from "../device.js";
import { pushTcpHeader } from "../emit.js";
import type { RxFrame } from "../frame.js";
import { IPPROTO_TCP, type NetStack } from "../stack.js";
import { TcpConn } from "./conn.js";
import type { ListenIo, RequestSock, TcpListener } from "./listen.js";
import { segEnd, TCPF_ACK, TCPF_RST, type TcpOutSeg, type TcpSegment } from "./segment.js";
import type { TcpConfig } from "./sock.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_SYN_RECV } from "./state.js";
import { MAX_TCP_HEADER } from "./sysctl.js";

/** A listening endpoint: the listener's queues plus the completed connections awaiting accept(). */
export interface ListenEntry {
  addr: number;
  port: number;
  tl: TcpListener;
  acceptQ: TcpConn[];
  /** Settings children inherit (buffers, nodelay, ...), for a child talking to `daddr`. */
  childConfig(daddr: number): { cfg: TcpConfig; sndbuf: number };
  /** A child completed the handshake (wake accept()). */
  onChild(child: TcpConn): void;
}

function key(laddr: number, lport: number, raddr: number, rport: number): string {
  return `${laddr}:${lport}:${raddr}:${rport}`;
}

export class TcpProto {
  readonly ehash = new Map<string, TcpConn>();
  /** Listeners by "addr:port"; several sockets with SO_REUSEPORT form a group on one key. */
  readonly listeners = new Map<string, ListenEntry[]>();
  readonly bind = new BindTable();
  /** Connections created by the stack (children, TIME_WAIT) for leak accounting. */
  private secret: number;

  constructor(readonly net: NetStack) {
    this.secret = net.env.rand32();
  }

  // ---- tables ------------------------------------------------------------------------------------

  hash(conn: TcpConn): void {
    this.ehash.set(key(conn.laddr, conn.lport, conn.raddr, conn.rport), conn);
  }

  unhash(conn: TcpConn): void {
    const k = key(conn.laddr, conn.lport, conn.raddr, conn.rport);
    if (this.ehash.get(k) === conn) this.ehash.delete(k);
  }

  lookupEstablished(laddr: number, lport: number, raddr: number, rport: number): TcpConn | undefined {
    return this.ehash.get(key(laddr, lport, raddr, rport));
  }

  /**
   * Linux __inet_lookup_listener: exact local address first, then INADDR_ANY; within a SO_REUSEPORT
   * group the member is chosen by the flow's hash (reciprocal_scale), so one flow maps to one member.
   */
  lookupListener(daddr: number, dport: number, saddr = 0, sport = 0): ListenEntry | undefined {
    const g = this.listeners.get(`${daddr}:${dport}`) ?? this.listeners.get(`0:${dport}`);
    if (!g || g.length === 0) return undefined;
    if (g.length === 1) return g[0];
    const h = this.flowHash(saddr, sport, daddr, dport);
    return g[Math.floor((h * g.length) / 2 ** 32)];
  }

  /** A seeded hash of the 4-tuple (Linux inet_ehashfn). */
  flowHash(saddr: number, sport: number, daddr: number, dport: number): number {
    let h = this.secret ^ Math.imul(saddr ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(daddr, 0xc2b2ae35);
    h ^= (sport << 16) | dport;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) >>> 0;
  }

  addListener(e: ListenEntry): void {
    const k = `${e.addr}:${e.port}`;
    const g = this.listeners.get(k);
    if (g) g.push(e);
    else this.listeners.set(k, [e]);
  }

  removeListener(e: ListenEntry): void {
    const k = `${e.addr}:${e.port}`;
    const g = this.listeners.get(k);
    if (!g) return;
    const i = g.indexOf(e);
    if (i < 0) return;
    // Linux reuseport_detach_sock: the last member moves into the hole.
    g[i] = g[g.length - 1];
    g.pop();
    if (g.length === 0) this.listeners.delete(k);
  }

  /** Is this 4-tuple free for a new connection (Linux __inet_check_established)? */
  tupleFree(laddr: number, lport: number, raddr: number, rport: number): boolean {
    const c = this.ehash.get(key(laddr, lport, raddr, rport));
    return !c || c.sk.state === TCP_CLOSE;
  }

  /** ISN (RFC 6528, as Linux secure_tcp_seq: keyed hash of the 4-tuple plus a 4 µs clock) and TS offset. */
  isn(saddr: number, sport: number, daddr: number, dport: number): { iss: number; tsOffset: number } {
    let h =
      this.secret ^ Math.imul(saddr, 0x9e3779b1) ^ Math.imul(daddr, 0x85ebca77) ^ ((sport << 16) | dport);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    h ^= h >>> 16;
    const clock = Math.floor(this.net.env.now() / 64); // Linux adds ktime_get_real_ns() >> 6
    return { iss: (h + clock) >>> 0, tsOffset: Math.imul(h, 0x27d4eb2d) >>> 0 };
  }

  /** TCP_CONFIG defaults for a new socket on this host. */
  config(overrides: Partial<TcpConfig> = {}): TcpConfig {
    return {
      sysctl: this.net.sysctl,
      advMss: 1460,
      rcvbuf: this.net.sysctl.tcp_rmem[1],
      nodelay: false,
      keepalive: false,
      userMss: 0,
      ...overrides,
    };
  }

  /** The MSS we advertise towards `daddr`: the route's device MTU minus 40 (Linux tcp_mss_clamp). */
  advMssFor(daddr: number): number {
    if (this.net.isLocal(daddr)) return this.net.lo.mtu - 40;
    const r = this.net.routes.lookup(daddr);
    const mtu = r ? this.net.device(r.dev).mtu : 1500;
    return mtu - 40;
  }

  newConn(
    laddr: number,
    lport: number,
    raddr: number,
    rport: number,
    cfg: TcpConfig,
    sndbuf: number,
  ): TcpConn {
    const net = this.net;
    return new TcpConn(
      {
        core: net.core,
        now: () => net.env.now(),
        timer: (fn) => net.env.timer(fn),
        transmit: (c, seg, skb) => this.transmit(c.laddr, c.lport, c.raddr, c.rport, seg, skb),
        unhash: (c) => this.unhash(c),
      },
      laddr,
      lport,
      raddr,
      rport,
      cfg,
      sndbuf,
    );
  }

  // ---- receive ---------------------------------------------------------------------------------

  /** tcp_v4_rcv: the skb is pulled to the TCP payload; its checksum was verified by the core. */
  rcv(_dev: NetDevice, skb: number, f: RxFrame): void {
    const x = this.net.core.x;
    const s = this.net.snmp;
    s.inc("Tcp", "InSegs");
    const t = f.tcp!;
    const seg: TcpSegment = {
      saddr: f.ipSaddr,
      daddr: f.ipDaddr,
      sport: f.sport,
      dport: f.dport,
      seq: t.seq,
      ack: t.ack,
      flags: t.flags,
      window: t.window,
      options: t.options,
      len: x.skbLen(skb),
      payload: skb,
      ecn: f.ipTos & 3,
    };
    const conn = this.lookupEstablished(f.ipDaddr, f.dport, f.ipSaddr, f.sport);
    if (conn) {
      this.net.trace?.("tcp-lookup", { found: "established", conn });
      conn.taken.clear();
      const before = conn.sk.state;
      conn.sk.input(seg);
      this.countTransition(before, conn.sk.state, conn);
      if (!conn.owns(skb)) x.consumeSkb(skb);
      conn.taken.clear();
      return;
    }
    const l = this.lookupListener(f.ipDaddr, f.dport, f.ipSaddr, f.sport);
    if (l) {
      this.net.trace?.("tcp-lookup", { found: "listener", port: f.dport });
      l.tl.input(seg);
      // The ACK that completed a handshake was handed to the child, which may have queued its data.
      const child = this.lookupEstablished(f.ipDaddr, f.dport, f.ipSaddr, f.sport);
      if (!child?.owns(skb)) x.consumeSkb(skb);
      if (child) child.taken.clear();
      return;
    }
    // No socket: RST (Linux tcp_v4_send_reset), never in reply to an RST.
    this.net.trace?.("tcp-lookup", { found: "none" });
    if (!(seg.flags & TCPF_RST)) this.sendReset(seg);
    x.kfreeSkb(skb, L.DROP_NO_SOCKET);
  }

  private countTransition(before: number, after: number, _conn: TcpConn): void {
    const s = this.net.snmp;
    if (before === after) return;
    if (after === TCP_CLOSE && (before === TCP_ESTABLISHED || before === 8) /* CLOSE_WAIT */) {
      // Linux counts EstabResets for resets in ESTABLISHED or CLOSE_WAIT
      if (_conn.sk.err === "ECONNRESET" || _conn.sk.err === "EPIPE") s.inc("Tcp", "EstabResets");
    }
  }

  /** RST for a segment that matches no socket (RFC 9293 3.10.7.1, Linux tcp_v4_send_reset). */
  sendReset(seg: TcpSegment): void {
    const ack = (seg.flags & TCPF_ACK) !== 0;
    this.transmit(
      seg.daddr,
      seg.dport,
      seg.saddr,
      seg.sport,
      {
        seq: ack ? seg.ack : 0,
        ack: ack ? 0 : segEnd(seg),
        flags: ack ? TCPF_RST : TCPF_RST | TCPF_ACK,
        window: 0,
        options: {},
        dataOff: 0,
        dataLen: 0,
      },
      0,
    );
  }

  /** ICMP destination unreachable quoting one of our segments (Linux tcp_v4_err). */
  icmpError(saddr: number, sport: number, daddr: number, dport: number, code: number): void {
    const conn = this.lookupEstablished(saddr, sport, daddr, dport);
    if (!conn) return;
    // Linux tcp_v4_err / icmp_err_convert: port and protocol unreachable are hard errors
    // (ECONNREFUSED) that abort a connection still in SYN_SENT; the others (EHOSTUNREACH ...) and
    // everything in later states become soft errors reported if the connection later times out.
    const hard = code === 2 || code === 3;
    conn.sk.icmpError("ECONNREFUSED", hard);
  }

  // ---- transmit --------------------------------------------------------------------------------

  /** Push the TCP header onto `skb` (or a fresh skb when 0) and send it through IP. */
  transmit(laddr: number, lport: number, raddr: number, rport: number, seg: TcpOutSeg, skb: number): void {
    const net = this.net;
    const x = net.core.x;
    if (skb === 0) {
      skb = x.allocSkb(MAX_TCP_HEADER);
      if (skb === 0) return;
      x.skbReserve(skb, MAX_TCP_HEADER);
    }
    const ok = pushTcpHeader(net, skb, {
      saddr: laddr,
      daddr: raddr,
      sport: lport,
      dport: rport,
      seq: seg.seq,
      ack: seg.ack,
      flags: seg.flags,
      window: seg.window,
      options: seg.options,
    });
    if (!ok) {
      x.kfreeSkb(skb, L.DROP_NOMEM);
      return;
    }
    net.snmp.inc("Tcp", "OutSegs");
    if (seg.flags & TCPF_RST) net.snmp.inc("Tcp", "OutRsts");
    net.ipOutput(skb, laddr, raddr, IPPROTO_TCP, true, seg.tos ?? 0);
  }

  // ---- listeners ---------------------------------------------------------------------------------

  /** The ListenIo a TcpListener on (addr, port) uses; `entry` is filled by the caller. */
  listenIo(getEntry: () => ListenEntry): ListenIo {
    const net = this.net;
    return {
      now: () => net.env.now(),
      timer: (fn) => net.env.timer(fn),
      output: (r, seg) => this.transmit(r.saddr, r.sport, r.daddr, r.dport, seg, 0),
      isn: (saddr, sport, daddr, dport) => this.isn(saddr, sport, daddr, dport),
      createChild: (req, ack) => this.createChild(getEntry(), req, ack),
      count: (name) => {
        if (name === "PassiveOpens") net.snmp.inc("Tcp", "PassiveOpens");
        else if (name === "OutRsts") net.snmp.inc("Tcp", "OutRsts");
        else net.snmp.inc("TcpExt", name);
      },
      get rcvbuf() {
        return getEntry().childConfig(0).cfg.rcvbuf;
      },
      advMss: (daddr) => this.advMssFor(daddr),
      get userMss() {
        return getEntry().childConfig(0).cfg.userMss;
      },
      get rcvbufLocked() {
        return getEntry().childConfig(0).cfg.rcvbufLocked === true;
      },
      get windowClamp() {
        return getEntry().childConfig(0).cfg.windowClamp ?? 0;
      },
    };
  }

  /** Linux tcp_v4_syn_recv_sock: the child of a completed handshake, hashed, then fed the ACK. */
  private createChild(e: ListenEntry, req: RequestSock, ack: TcpSegment): boolean {
    const { cfg, sndbuf } = e.childConfig(req.daddr);
    const child = this.newConn(req.saddr, req.sport, req.daddr, req.dport, cfg, sndbuf);
    child.sk.initFromRequest(req);
    this.hash(child);
    e.tl.acceptQueueLen++;
    e.acceptQ.push(child);
    child.sk.input(ack); // SYN_RECV -> ESTABLISHED (and any data the ACK carries)
    if (child.sk.state === TCP_SYN_RECV || child.sk.state === TCP_CLOSE) {
      // the ACK was not acceptable after all
      e.acceptQ.pop();
      e.tl.acceptQueueLen--;
      this.unhash(child);
      child.purge();
      return false;
    }
    e.onChild(child);
    return true;
  }

  /** Current established connections (Tcp CurrEstab: ESTABLISHED and CLOSE_WAIT). */
  currEstab(): number {
    let n = 0;
    for (const c of this.ehash.values()) if (c.sk.state === TCP_ESTABLISHED || c.sk.state === 8) n++;
    return n;
  }
}
