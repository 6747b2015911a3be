// TCP for one host (Linux net/ipv4/tcp_ipv4.c): the established table and the listeners, demux of
// inbound segments (established 4-tuple first, then listener: exact address, then INADDR_ANY),
// RST for segments that match nothing, and transmission of segments built by connections.
// Lookup is in the core's flow tables; the established table's value is the connection's TSK cell
// (so the core's RX fast path finds the socket), whose id word is the host's connection handle.

import { EhashTable, LhashTable } from "../../core/flow.js";
import * as L from "../../generated/layout.js";
import { BUF64K_SIZE } from "../../generated/layout.js";
import { BindTable } from "../bind.js";
import type { NetDevice } from "../device.js";
import { pushTcpHeader } from "../emit.js";
import { type RxFrame, tcpOptionsAt } from "../frame.js";
import { HandleTable } from "../handles.js";
import { IPPROTO_TCP, type NetStack } from "../stack.js";
import { TcpConn } from "./conn.js";
import type { ListenIo, RequestSock, TcpListener } from "./listen.js";
import { segEnd, TCPF_ACK, TCPF_RST, type TcpOutSeg, type TcpSegment } from "./segment.js";
import type { TcpConfig, TcpCounter } from "./sock.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_SYN_RECV } from "./state.js";
import { MAX_TCP_HEADER } from "./sysctl.js";

/** One segment = one linear skb: a 64 KiB buffer less the headroom for headers. */
const TCP_SEG_CAP = BUF64K_SIZE - MAX_TCP_HEADER;

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
  /** Owner uid and SO_REUSEPORT, for the listener table's reuseport groups. */
  uid?: number;
  reuseport?: boolean;
  /** @internal the listener table's handle for this entry */
  flowHandle?: number;
}

/** The connection counters that are in /proc/net/snmp's Tcp row; the others are TcpExt. */
const TCP_MIB_ROW: ReadonlySet<TcpCounter> = new Set<TcpCounter>([
  "RetransSegs",
  "AttemptFails",
  "EstabResets",
]);

function key(laddr: number, lport: number, raddr: number, rport: number): string {
  return `${laddr}:${lport}:${raddr}:${rport}`;
}

export class TcpProto {
  /** Established connections by 4-tuple, for enumeration (/proc/net/tcp, ss); lookup is in the core. */
  readonly ehash = new Map<string, TcpConn>();
  /** Listeners by "addr:port" (a SO_REUSEPORT group shares a key), for enumeration. */
  readonly listeners = new Map<string, ListenEntry[]>();
  readonly bind = new BindTable();
  /** The core's flow tables: the established 4-tuple table and the listener table. */
  readonly flows: EhashTable;
  readonly listenFlows: LhashTable;
  private readonly connHandles = new HandleTable<TcpConn>();
  private readonly listenHandles = new HandleTable<ListenEntry>();
  private secret: number;

  constructor(readonly net: NetStack) {
    this.secret = net.env.rand32();
    this.flows = new EhashTable(net.core, { initFlows: 256, seed: net.env.rand32() });
    this.listenFlows = new LhashTable(net.core, { buckets: 64, seed: net.env.rand32() });
  }

  // ---- tables ------------------------------------------------------------------------------------
  // The core's tables are keyed as packets arrive: (source = the peer, destination = us).

  hash(conn: TcpConn): void {
    const k = key(conn.laddr, conn.lport, conn.raddr, conn.rport);
    const old = this.ehash.get(k);
    if (old) this.unhash(old); // a closed connection on the same 4-tuple gives way
    const h = this.connHandles.alloc(conn);
    if (this.flows.insert(conn.raddr, conn.rport, conn.laddr, conn.lport, conn.tsk) < 0) {
      this.connHandles.release(h);
      throw new Error(`wirestack: established table refused ${k}`);
    }
    conn.flowHandle = h;
    conn.setCoreId(h);
    this.ehash.set(k, conn);
  }

  unhash(conn: TcpConn): void {
    const k = key(conn.laddr, conn.lport, conn.raddr, conn.rport);
    if (this.ehash.get(k) !== conn) return;
    this.ehash.delete(k);
    this.flows.delete(conn.raddr, conn.rport, conn.laddr, conn.lport);
    this.connHandles.release(conn.flowHandle);
    conn.flowHandle = 0;
    conn.setCoreId(0);
  }

  /** Linux __inet_lookup_established, in the core's 4-tuple table. */
  lookupEstablished(laddr: number, lport: number, raddr: number, rport: number): TcpConn | undefined {
    const tsk = this.flows.lookup(raddr, rport, laddr, lport);
    return tsk > 0 ? this.connOfTsk(tsk) : undefined;
  }

  /** The hashed connection whose TSK cell is `tsk` (its id word is our handle), or undefined. */
  connOfTsk(tsk: number): TcpConn | undefined {
    const h = this.net.core.u32[(tsk + L.TSK_ID) >>> 2];
    const conn = h > 0 ? this.connHandles.get(h) : undefined;
    return conn !== undefined && conn.tsk === tsk ? conn : undefined;
  }

  /**
   * Linux __inet_lookup_listener, in the core's listener table: exact local address first, then
   * INADDR_ANY; within a SO_REUSEPORT group the member is chosen by the flow's hash, so one flow maps
   * to one member.
   */
  lookupListener(daddr: number, dport: number, saddr = 0, sport = 0): ListenEntry | undefined {
    const h = this.listenFlows.lookup(saddr, sport, daddr, dport);
    return h > 0 ? this.listenHandles.get(h) : undefined;
  }

  addListener(e: ListenEntry): void {
    const h = this.listenHandles.alloc(e);
    if (this.listenFlows.insert(e.addr, e.port, e.uid ?? 0, e.reuseport ?? false, h) < 0) {
      this.listenHandles.release(h);
      throw new Error(`wirestack: listener table refused ${e.addr}:${e.port} (bind checks should have)`);
    }
    e.flowHandle = h;
    const k = `${e.addr}:${e.port}`;
    const g = this.listeners.get(k);
    if (g) g.push(e);
    else this.listeners.set(k, [e]);
  }

  removeListener(e: ListenEntry): void {
    const k = `${e.addr}:${e.port}`;
    const g = this.listeners.get(k);
    if (!g || e.flowHandle === undefined) return;
    const i = g.indexOf(e);
    if (i < 0) return;
    this.listenFlows.delete(e.addr, e.port, e.flowHandle);
    this.listenHandles.release(e.flowHandle);
    e.flowHandle = undefined;
    g.splice(i, 1);
    if (g.length === 0) this.listeners.delete(k);
  }

  /** Is this 4-tuple free for a new connection (Linux __inet_check_established)? */
  tupleFree(laddr: number, lport: number, raddr: number, rport: number): boolean {
    const c = this.lookupEstablished(laddr, lport, raddr, rport);
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
      segCap: TCP_SEG_CAP,
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
  ): TcpConn | undefined {
    const net = this.net;
    // The core's half of the socket first: without memory for it there is no connection (Linux
    // sk_alloc failing: connect() gets ENOBUFS, a completed handshake is a ListenDrop).
    const tsk = net.core.x.tskCreate(0, cfg.rcvbuf);
    if (tsk === 0) return undefined;
    return new TcpConn(
      {
        core: net.core,
        now: () => net.env.now(),
        timer: (fn) => net.env.timer(fn),
        transmit: (c, seg, skb) => this.transmit(c.laddr, c.lport, c.raddr, c.rport, seg, skb),
        unhash: (c) => this.unhash(c),
        count: (name) => net.snmp.inc(TCP_MIB_ROW.has(name) ? "Tcp" : "TcpExt", name),
        stack: net,
      },
      laddr,
      lport,
      raddr,
      rport,
      cfg,
      sndbuf,
      tsk,
    );
  }

  // ---- receive ---------------------------------------------------------------------------------

  /** tcp_v4_rcv: the skb is pulled to the TCP payload; its checksum was verified by the core. */
  rcv(_dev: NetDevice, skb: number, f: RxFrame): void {
    const x = this.net.core.x;
    const s = this.net.snmp;
    this.net.trace?.("tcp", { frame: f });
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
    this.net.trace?.("lookup", { frame: f });
    const conn = this.lookupEstablished(f.ipDaddr, f.dport, f.ipSaddr, f.sport);
    if (conn) {
      this.net.trace?.("input", { conn });
      conn.taken.clear();
      conn.sk.input(seg);
      if (!conn.owns(skb)) x.consumeSkb(skb);
      conn.taken.clear();
      return;
    }
    const l = this.lookupListener(f.ipDaddr, f.dport, f.ipSaddr, f.sport);
    if (l) {
      this.net.trace?.("input", { listener: l });
      l.tl.input(seg);
      // The ACK that completed a handshake was handed to the child, which may have queued its data.
      const child = this.lookupEstablished(f.ipDaddr, f.dport, f.ipSaddr, f.sport);
      if (!child?.owns(skb)) x.consumeSkb(skb);
      if (child) child.taken.clear();
      return;
    }
    // No socket: RST (Linux tcp_v4_send_reset), never in reply to an RST.
    this.net.trace?.("input", { frame: f });
    if (!(seg.flags & TCPF_RST)) this.sendReset(seg);
    x.kfreeSkb(skb, L.DROP_NO_SOCKET);
  }

  /**
   * tcp_v4_rcv for a segment the core's RX batch matched to `conn` but did not predict (ACKs that
   * acknowledge data, SYN/FIN/RST, out-of-order data ...): the skb is pulled to the payload; the
   * segment is read straight from the FRAME at `frame`, and the core's lookup is not repeated.
   */
  rcvMatched(conn: TcpConn, skb: number, frame: number): void {
    const core = this.net.core;
    const dv = core.dv;
    const l3 = frame + L.FRAME_L3;
    const l4 = frame + L.FRAME_L4;
    this.net.snmp.inc("Tcp", "InSegs");
    const seg: TcpSegment = {
      saddr: dv.getUint32(l3 + L.IPV4_SADDR, true),
      daddr: dv.getUint32(l3 + L.IPV4_DADDR, true),
      sport: dv.getUint16(l4 + L.TCP_SPORT, true),
      dport: dv.getUint16(l4 + L.TCP_DPORT, true),
      seq: dv.getUint32(l4 + L.TCP_SEQ, true),
      ack: dv.getUint32(l4 + L.TCP_ACK, true),
      flags: core.u8[l4 + L.TCP_FLAGS],
      window: dv.getUint16(l4 + L.TCP_WINDOW, true),
      options: tcpOptionsAt(core, l4),
      len: core.x.skbLen(skb),
      payload: skb,
      ecn: core.u8[l3 + L.IPV4_TOS] & 3,
    };
    conn.taken.clear();
    conn.sk.input(seg);
    if (!conn.owns(skb)) core.x.consumeSkb(skb);
    conn.taken.clear();
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
    net.trace?.("xmit", { seg, laddr, lport, raddr, rport });
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
    if (child === undefined) return false;
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
