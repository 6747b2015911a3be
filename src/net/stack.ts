// One host's network stack (a Linux network namespace): devices, addresses, routes, ARP, and the
// receive and transmit paths of IPv4, ICMP, UDP and TCP over skbs in the core's linear memory.
//
// Receive (Linux netif_receive_skb -> ip_rcv -> ip_local_deliver -> tcp_v4_rcv / udp_rcv / icmp_rcv):
// each NAPI round is one rxBatch call into the core (the RX fast path, assembly/tcp/fastpath.ts),
// which dissects every frame, drops bad ones, and queues the TCP segments header prediction accepts;
// rxBatch below replays the round's events in ring order - predicted segments are accounted on their
// connections, everything else takes the full path from netifReceiveParsed - then wakes each socket
// that got data once. Frame by frame (with a trace hook, or from pcap replay) netifReceive runs the
// core's parseFrame (parseIpPacket for a TUN device's raw IP), which validates every layer
// (lengths, IPv4 header checksum, L4 checksum with the pseudo-header) in one call and writes a FRAME;
// bad frames are dropped with their reason and counted (snmp + drop counters); good ones are
// dispatched by protocol with the skb pulled to the L4 payload.
// Transmit (tcp_transmit_skb -> ip_queue_xmit -> neigh_output -> dev_queue_xmit): headers are pushed
// into the skb's headroom by the core's emit functions; the route picks the device and next hop; ARP
// resolves (queueing while it does); the device transmits.
import type { Core } from "../core/wasm.js";
import * as L from "../generated/layout.js";
import {
  INADDR_BROADCAST,
  isLoopback,
  MAC_BROADCAST,
  MAC_ZERO,
  type Mac,
  martianReason,
  parseCidr,
  prefixMask,
} from "./addr.js";
import { type DeviceKind, NetDevice } from "./device.js";
import { emitArp, pushEthHeader, pushIcmpError, pushIpHeader } from "./emit.js";
import { type RxFrame, readFrame } from "./frame.js";
import { NeighTable } from "./neigh.js";
import { RoutingTable } from "./route.js";
import { Snmp } from "./snmp.js";
import type { TcpConn } from "./tcp/conn.js";
import { TcpProto } from "./tcp/proto.js";
import type { TimerLike } from "./tcp/sock.js";
import { defaultTcpSysctl, type TcpSysctl } from "./tcp/sysctl.js";
import type { TraceFn } from "./trace.js";
import { UdpProto } from "./udp.js";

export type { TraceDetail, TraceFn, TraceStage } from "./trace.js";

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** What a stack needs from the kernel that holds it. */
export interface NetEnv {
  core: Core;
  now(): number;
  at(ns: number, fn: () => void): void;
  timer(fn: () => void): TimerLike;
  /** Uniform in [0, 1), from the kernel's seeded generator. */
  random(): number;
  /** A uniform u32 from the same generator. */
  rand32(): number;
  /**
   * The core's RX fast path linked epitems of this eventpoll cell onto its ready list: wake its
   * waiters (the kernel's eventpoll; optional: a stack without epoll has none).
   */
  epollReady?(ep: number): void;
}

export interface IfAddr {
  dev: NetDevice;
  addr: number;
  prefix: number;
}

export class NetStack {
  readonly devices: NetDevice[] = [];
  readonly addrs: IfAddr[] = [];
  readonly routes = new RoutingTable();
  readonly neigh = new Map<NetDevice, NeighTable<number>>();
  readonly snmp = new Snmp();
  readonly sysctl: TcpSysctl = defaultTcpSysctl();
  readonly tcp: TcpProto;
  readonly udp: UdpProto;
  /** Scratch for one FRAME and one repr at a time (processing of one frame is never re-entered). */
  readonly frameAddr: number;
  /** The summary area rxBatch writes (RXB, for RX_BUDGET_MAX frames). */
  readonly rxbAddr: number;
  readonly reprAddr: number;
  private ipId = 0;
  lo: NetDevice;
  /** The trace hook (src/net/trace.ts); install it with setTrace so the devices get it too. */
  trace: TraceFn | undefined = undefined;
  ipForward = false;
  /**
   * Header prediction in the core's RX batch (on by default). Off, every good frame takes the full
   * path, still one rxBatch per NAPI round: for measuring what the fast path buys (no Linux sysctl
   * turns tcp_rcv_established's prediction off; tests show the wire is the same either way).
   */
  rxPredict = true;

  constructor(
    readonly env: NetEnv,
    readonly name: string,
  ) {
    const x = env.core.x;
    this.frameAddr = x.arenaAlloc(L.FRAME_SIZE);
    this.reprAddr = x.arenaAlloc(256);
    this.rxbAddr = x.arenaAlloc(x.rxbSize(L.RX_BUDGET_MAX));
    if (this.frameAddr === 0 || this.reprAddr === 0 || this.rxbAddr === 0)
      throw new Error("no memory for a network stack");
    this.ipId = env.rand32() & 0xffff;
    this.tcp = new TcpProto(this);
    this.udp = new UdpProto(this);
    this.lo = this.addDevice("loopback", "lo", MAC_ZERO, 65536);
    this.addAddress("lo", "127.0.0.1/8");
  }

  get core(): Core {
    return this.env.core;
  }

  /** Install (or with undefined remove) a trace hook on the stack and every device. */
  setTrace(fn: TraceFn | undefined): void {
    this.trace = fn;
    for (const d of this.devices) d.trace = fn;
  }

  // ---- configuration (ip link / ip addr / ip route) ---------------------------------------------

  addDevice(kind: DeviceKind, name: string, mac: Mac, mtu: number): NetDevice {
    if (this.devices.some((d) => d.name === name)) throw new Error(`device ${name} exists`);
    const x = () => this.core.x;
    const dev = new NetDevice(this.env, name, this.devices.length + 1, kind, mac, mtu);
    dev.onReceive = (d, skb) => this.netifReceive(d, skb);
    dev.onBatch = (d, budget) => this.rxBatch(d, budget);
    dev.trace = this.trace;
    this.devices.push(dev);
    if (kind === "ether") {
      this.neigh.set(
        dev,
        new NeighTable<number>({
          now: () => this.env.now(),
          timer: (fn) => this.env.timer(fn),
          random: () => this.env.random(),
          solicit: (ip, mac) => this.arpSolicit(dev, ip, mac),
          transmit: (skb, mac) => this.finishOutput(dev, skb, mac),
          drop: (skb, reason) => {
            this.snmp.inc("Ip", "OutDiscards");
            x().kfreeSkb(skb, reason === "NEIGH_FAILED" ? L.DROP_NEIGH_FAILED : L.DROP_NEIGH_QUEUEFULL);
          },
        }),
      );
    }
    return dev;
  }

  device(name: string): NetDevice {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new Error(`no device ${name}`);
    return d;
  }

  /** ip addr add CIDR dev NAME: the address, plus the connected route Linux adds with it. */
  addAddress(devName: string, cidr: string): void {
    const dev = this.device(devName);
    const { addr, prefix } = parseCidr(cidr);
    this.addrs.push({ dev, addr, prefix });
    if (!isLoopback(addr) || prefix < 32) {
      this.routes.add({
        dst: (addr & prefixMask(prefix)) >>> 0,
        prefix,
        gateway: 0,
        dev: devName,
        src: addr,
        metric: 0,
        proto: "kernel",
      });
    }
  }

  /** ip route add DST via GW [dev NAME] */
  addRoute(dst: string, gateway?: string, devName?: string): void {
    const { addr, prefix } = dst === "default" ? { addr: 0, prefix: 0 } : parseCidr(dst);
    const gw = gateway ? parseCidr(gateway).addr : 0;
    const dev = devName ?? (gw ? this.routes.lookup(gw)?.dev : undefined);
    if (!dev) throw Object.assign(new Error(`no route to gateway ${gateway}`), { code: "ENETUNREACH" });
    this.routes.add({ dst: addr, prefix, gateway: gw, dev, src: 0, metric: 0, proto: "static" });
  }

  /** Is `addr` one of ours (Linux's local routing table)? 127/8 is local on lo. */
  isLocal(addr: number): boolean {
    if (isLoopback(addr)) return true;
    return this.addrs.some((a) => a.addr === addr);
  }

  /**
   * Is `addr` a broadcast address of this host (Linux RTN_BROADCAST in the local table): the limited
   * broadcast 255.255.255.255, or the directed broadcast of one of our subnets (host bits all ones,
   * for prefixes shorter than /31).
   */
  isBroadcast(addr: number): boolean {
    if (addr === INADDR_BROADCAST) return true;
    for (const a of this.addrs) {
      if (a.prefix >= 31 || isLoopback(a.addr)) continue;
      if ((a.addr | ~prefixMask(a.prefix)) >>> 0 === addr) return true;
    }
    return false;
  }

  /** The source address Linux would choose towards `daddr` (fib_select_default / inet_select_addr). */
  sourceFor(daddr: number): number {
    if (isLoopback(daddr)) return daddr === 0x7f000001 || this.isLocal(daddr) ? daddr : 0x7f000001;
    if (this.isLocal(daddr)) return daddr;
    const r = this.routes.lookup(daddr);
    if (!r) return 0;
    if (r.src) return r.src;
    const a = this.addrs.find((x) => x.dev.name === r.dev);
    return a ? a.addr : 0;
  }

  /** Can we reach `daddr` at all? (ENETUNREACH when not.) */
  hasRoute(daddr: number): boolean {
    return this.isLocal(daddr) || this.routes.lookup(daddr) !== undefined;
  }

  // ---- receive -----------------------------------------------------------------------------------

  /**
   * One NAPI round through the core (device onBatch): rxBatch takes up to `budget` frames off the
   * ring; then its events are handled in ring order, and each socket that got predicted data is woken
   * once, as are the eventpolls whose epitems the core linked. Returns the frames taken.
   */
  rxBatch(dev: NetDevice, budget: number): number {
    // A budget above what one call takes (RX_BUDGET_MAX) is spent in several calls.
    let done = 0;
    while (done < budget) {
      const want = Math.min(budget - done, L.RX_BUDGET_MAX);
      const n = this.rxBatchOnce(dev, want);
      done += n;
      if (n < want) break;
    }
    return done;
  }

  private rxBatchOnce(dev: NetDevice, b: number): number {
    const core = this.core;
    const x = core.x;
    const out = this.rxbAddr;
    const n = x.rxBatch(dev.ring, b, this.rxPredict ? this.tcp.flows.ptr : 0, dev.rxdev, out);
    if (n < 0) throw new Error(`wirestack: rxBatch refused its arguments (${n})`);
    if (n === 0) return 0;
    let u32 = core.u32;
    dev.stats.rx_packets += n;
    dev.stats.rx_bytes += u32[(out + L.RXB_BYTES) >>> 2];
    const fast = u32[(out + L.RXB_FAST) >>> 2];
    const frames = out + L.RXB_HDR_SIZE + b * L.RXE_SIZE;
    for (let i = 0; i < n; i++) {
      // Handling an event may grow memory (a new connection's cell): read through fresh views.
      u32 = core.u32;
      const ev = out + L.RXB_HDR_SIZE + i * L.RXE_SIZE;
      const kind = core.u8[ev + L.RXE_KIND];
      if (kind === L.RXE_FAST) {
        const conn = this.tcp.connOfTsk(u32[(ev + L.RXE_TSK) >>> 2]);
        const u8 = core.u8;
        conn?.sk.rcvPredicted(
          u32[(ev + L.RXE_LEN) >>> 2],
          u8[ev + L.RXE_PSH] !== 0,
          u32[(ev + L.RXE_TSVAL) >>> 2],
          u8[ev + L.RXE_ECN],
        );
      } else if (kind === L.RXE_SLOW) {
        const skb = u32[(ev + L.RXE_SKB) >>> 2];
        const tsk = u32[(ev + L.RXE_TSK) >>> 2];
        const conn = tsk !== 0 ? this.tcp.connOfTsk(tsk) : undefined;
        if (conn !== undefined) this.tcpRcvMatched(conn, skb, frames + i * L.FRAME_SIZE);
        else this.netifReceiveParsed(dev, skb, frames + i * L.FRAME_SIZE);
      } else {
        // dropped and freed by the core; the MIB counters are ours
        const f = frames + i * L.FRAME_SIZE;
        this.countRxError(u32[(f + L.FRAME_FLAGS) >>> 2], u32[(ev + L.RXE_LEN) >>> 2]);
      }
    }
    if (fast > 0) {
      // ip_rcv / ip_local_deliver / tcp_v4_rcv / tcp_rcv_established counted what the core delivered
      this.snmp.inc("Ip", "InReceives", fast);
      this.snmp.inc("Ip", "InDelivers", fast);
      this.snmp.inc("Tcp", "InSegs", fast);
      this.snmp.inc("TcpExt", "TCPHPHits", fast);
    }
    u32 = core.u32;
    const nwake = u32[(out + L.RXB_NWAKE) >>> 2];
    const nepw = u32[(out + L.RXB_NEPW) >>> 2];
    const wakes = frames + b * L.FRAME_SIZE;
    const epw = wakes + b * 4;
    for (let j = 0; j < nwake; j++) {
      const conn = this.tcp.connOfTsk(core.u32[(wakes + j * 4) >>> 2]);
      if (conn === undefined) continue;
      conn.sk.publishFast();
      conn.onCoreData();
    }
    const epReady = this.env.epollReady;
    if (epReady !== undefined) for (let j = 0; j < nepw; j++) epReady(core.u32[(epw + j * 4) >>> 2]);
    return n;
  }

  /**
   * ip_rcv -> ip_local_deliver -> tcp_v4_rcv for a frame the core matched to an established
   * connection: the core has checked the link header, that the frame is plain IPv4 (no options, not
   * a fragment) carrying TCP, and that its 4-tuple is one of our connections (so it is local).
   */
  private tcpRcvMatched(conn: TcpConn, skb: number, frame: number): void {
    const x = this.core.x;
    const u16 = this.core.u16;
    this.snmp.inc("Ip", "InReceives");
    x.skbSetNetworkHeader(skb, u16[(frame + L.FRAME_L3_OFF) >>> 1]);
    x.skbSetTransportHeader(skb, u16[(frame + L.FRAME_L4_OFF) >>> 1]);
    x.skbPull(skb, u16[(frame + L.FRAME_PAYLOAD_OFF) >>> 1]);
    const plen = this.core.u32[(frame + L.FRAME_PAYLOAD_LEN) >>> 2];
    if (x.skbLen(skb) > plen) x.skbTrim(skb, plen);
    this.snmp.inc("Ip", "InDelivers");
    this.tcp.rcvMatched(conn, skb, frame);
  }

  /** One frame from a device (Linux __netif_receive_skb_core). Takes ownership of the skb. */
  netifReceive(dev: NetDevice, skb: number): void {
    const x = this.core.x;
    this.trace?.("eth", { dev, skb });
    const ptr = x.skbDataPtr(skb);
    const len = x.skbLen(skb);
    x.skbResetMacHeader(skb);
    // A TUN device carries raw IP (IFF_TUN | IFF_NO_PI): no link header to dissect.
    if (dev.kind === "tun") x.parseIpPacket(ptr, len, this.frameAddr);
    else x.parseFrame(ptr, len, this.frameAddr);
    this.netifReceiveParsed(dev, skb, this.frameAddr);
  }

  /** The rest of netifReceive for a frame whose FRAME the core already wrote at `frameAddr`. */
  netifReceiveParsed(dev: NetDevice, skb: number, frameAddr: number): void {
    const x = this.core.x;
    const f = readFrame(this.core, frameAddr);
    if (f.reason !== 0 && !(f.flags & L.FRAMEF_ARP && f.reason === L.DROP_ARP_INVALID)) {
      this.countRxError(f.flags, f.reason);
      this.trace?.("drop", { dev, frame: f, reason: f.reason });
      x.kfreeSkb(skb, f.reason);
      return;
    }
    if (f.ethType === ETH_P_ARP) {
      this.arpRcv(dev, skb, f);
      return;
    }
    if (f.ethType !== ETH_P_IP) {
      x.kfreeSkb(skb, L.DROP_UNHANDLED_PROTO);
      return;
    }
    // Destination MAC must be ours or broadcast (Linux eth_type_trans -> PACKET_OTHERHOST).
    if (dev.kind === "ether" && !macIs(f.ethDst, dev.mac) && !macIs(f.ethDst, MAC_BROADCAST)) {
      x.kfreeSkb(skb, L.DROP_OTHERHOST);
      return;
    }
    this.ipRcv(dev, skb, f);
  }

  /** Map a parse failure to Linux's MIB counters. */
  private countRxError(flags: number, reason: number): void {
    const s = this.snmp;
    if (flags & L.FRAMEF_IPV4) s.inc("Ip", "InReceives");
    switch (reason) {
      case L.DROP_IP_CSUM:
        s.inc("Ip", "InHdrErrors");
        s.inc("IpExt", "InCsumErrors");
        break;
      case L.DROP_IP_INHDR:
        s.inc("Ip", "InHdrErrors");
        break;
      case L.DROP_PKT_TOO_SMALL:
        if (flags & L.FRAMEF_IPV4) s.inc("IpExt", "InTruncatedPkts");
        break;
      case L.DROP_TCP_CSUM:
        s.inc("Tcp", "InErrs");
        s.inc("Tcp", "InCsumErrors");
        break;
      case L.DROP_TCP_HDR:
        s.inc("Tcp", "InErrs");
        break;
      case L.DROP_UDP_CSUM:
        s.inc("Udp", "InErrors");
        s.inc("Udp", "InCsumErrors");
        break;
      case L.DROP_ICMP_CSUM:
        s.inc("Icmp", "InErrors");
        s.inc("Icmp", "InCsumErrors");
        break;
      case L.DROP_IP_FRAGMENT:
        s.inc("Ip", "ReasmFails");
        break;
    }
  }

  private ipRcv(dev: NetDevice, skb: number, f: RxFrame): void {
    const x = this.core.x;
    const s = this.snmp;
    this.trace?.("ip", { dev, frame: f });
    s.inc("Ip", "InReceives");
    const daddr = f.ipDaddr;
    if (dev.kind !== "loopback") {
      // ip_route_input_slow(): martians off a wire (the core's rxBatch checks the same)
      const martian = martianReason(f.ipSaddr, daddr);
      if (martian !== 0) {
        this.trace?.("drop", { dev, frame: f, reason: martian });
        x.kfreeSkb(skb, martian);
        return;
      }
    }
    const bcast = !this.isLocal(daddr) && this.isBroadcast(daddr);
    const local = bcast || this.isLocal(daddr);
    if (!local) {
      // Not ours: we do not forward (net.ipv4.ip_forward = 0), so Linux counts InAddrErrors.
      s.inc("Ip", "InAddrErrors");
      this.trace?.("drop", { dev, frame: f, reason: L.DROP_IP_INADDRERRORS });
      x.kfreeSkb(skb, L.DROP_IP_INADDRERRORS);
      return;
    }
    x.skbSetNetworkHeader(skb, f.l3off);
    x.skbSetTransportHeader(skb, f.l4off);
    // Trim Ethernet padding and pull to the payload: the payload is what protocols keep.
    x.skbPull(skb, f.poff);
    if (x.skbLen(skb) > f.plen) x.skbTrim(skb, f.plen);
    s.inc("Ip", "InDelivers");
    switch (f.ipProto) {
      case IPPROTO_TCP:
        if (bcast) {
          // tcp_v4_rcv: a segment not addressed to this host alone (pkt_type != PACKET_HOST) is discarded
          x.kfreeSkb(skb, L.DROP_NOT_SPECIFIED);
          return;
        }
        this.tcp.rcv(dev, skb, f);
        return;
      case IPPROTO_UDP:
        if (bcast) this.udp.rcvBroadcast(skb, f);
        else this.udp.rcv(skb, f);
        return;
      case IPPROTO_ICMP:
        this.icmpRcv(skb, f);
        return;
      default:
        s.inc("Ip", "InUnknownProtos");
        // Linux answers with ICMP protocol unreachable.
        this.sendIcmpError(skb, f, 3, 2);
        x.kfreeSkb(skb, L.DROP_IP_NOPROTO);
    }
  }

  // ---- ARP ---------------------------------------------------------------------------------------

  private arpRcv(dev: NetDevice, skb: number, f: RxFrame): void {
    const x = this.core.x;
    const table = this.neigh.get(dev);
    if (!table || f.reason !== 0 || !f.arp) {
      x.kfreeSkb(skb, f.reason || L.DROP_ARP_INVALID);
      return;
    }
    const a = f.arp;
    const forUs = this.addrs.some((i) => i.dev === dev && i.addr === a.tpa);
    // Linux arp_process: learn the sender when the packet is for us (confirm), refresh otherwise.
    if (a.spa !== 0) table.update(a.spa, a.sha, forUs);
    if (a.op === 1 && forUs) {
      const reply = emitArp(this, 2, dev.mac, a.tpa, a.sha, a.spa);
      if (reply) this.finishOutput(dev, reply, a.sha, ETH_P_ARP);
    }
    x.consumeSkb(skb);
  }

  private arpSolicit(dev: NetDevice, ip: number, mac: Mac | undefined): void {
    const src = this.addrs.find((a) => a.dev === dev)?.addr ?? 0;
    const req = emitArp(this, 1, dev.mac, src, MAC_ZERO, ip);
    if (req) this.finishOutput(dev, req, mac ?? MAC_BROADCAST, ETH_P_ARP);
  }

  // ---- ICMP --------------------------------------------------------------------------------------

  private icmpRcv(skb: number, f: RxFrame): void {
    const x = this.core.x;
    const s = this.snmp;
    s.inc("Icmp", "InMsgs");
    const ic = f.icmp!;
    if (ic.type === 8) {
      // echo request -> echo reply with the same id, sequence and data (Linux icmp_echo)
      s.inc("Icmp", "InEchos");
      s.inc("IcmpMsg", "InType8");
      if (this.isBroadcast(f.ipDaddr) && !this.isLocal(f.ipDaddr)) {
        // net.ipv4.icmp_echo_ignore_broadcasts = 1
        x.consumeSkb(skb);
        return;
      }
      // Answer in the request's own buffer (the payload after the ICMP header is echoed back),
      // unsharing it first: a clone (duplicated or flooded frame) must keep its bytes.
      if (x.skbCloned(skb)) {
        const own = x.skbCopy(skb);
        x.consumeSkb(skb);
        if (own === 0) return;
        skb = own;
      }
      x.skbPush(skb, 8);
      const p = x.skbDataPtr(skb);
      const u8 = this.core.u8;
      u8[p] = 0;
      u8[p + 2] = 0;
      u8[p + 3] = 0;
      x.icmpChecksumFill(p, x.skbLen(skb));
      s.inc("Icmp", "OutMsgs");
      s.inc("Icmp", "OutEchoReps");
      s.inc("IcmpMsg", "OutType0");
      this.ipOutput(skb, f.ipDaddr, f.ipSaddr, IPPROTO_ICMP);
      return;
    }
    if (ic.type === 0) {
      s.inc("Icmp", "InEchoReps");
      s.inc("IcmpMsg", "InType0");
      this.onEchoReply?.(f.ipSaddr, ic.rest >>> 16, ic.rest & 0xffff, this.env.now());
    } else if (ic.type === 3) {
      s.inc("Icmp", "InDestUnreachs");
      s.inc("IcmpMsg", "InType3");
      // Linux icmp_unreach -> the protocol's err_handler for the quoted flow
      if (ic.qproto === IPPROTO_UDP) this.udp.icmpError(ic.qsaddr, ic.qsport, ic.qdaddr, ic.qdport, ic.code);
      if (ic.qproto === IPPROTO_TCP) this.tcp.icmpError(ic.qsaddr, ic.qsport, ic.qdaddr, ic.qdport, ic.code);
    } else if (ic.type === 11) {
      s.inc("Icmp", "InTimeExcds");
      s.inc("IcmpMsg", "InType11");
    }
    x.consumeSkb(skb);
  }

  /** Ping support for tools and tests: called with (from, id, seq, time) on each echo reply. */
  onEchoReply: ((from: number, id: number, seq: number, now: number) => void) | undefined;

  /**
   * Send an ICMP error about a received packet (Linux icmp_send): never about an ICMP error, a
   * broadcast, or a non-initial fragment. `skb` is the offending packet pulled to its payload; the
   * error quotes its IP header and the first 8 bytes of its payload.
   */
  sendIcmpError(skb: number, f: RxFrame, type: number, code: number): void {
    if (this.isBroadcast(f.ipDaddr) && !this.isLocal(f.ipDaddr)) return;
    if (f.ipProto === IPPROTO_ICMP && f.icmp && f.icmp.type !== 0 && f.icmp.type !== 8) return;
    const err = pushIcmpError(this, skb, f, type, code);
    if (!err) return;
    this.snmp.inc("Icmp", "OutMsgs");
    if (type === 3) this.snmp.inc("Icmp", "OutDestUnreachs");
    this.snmp.inc("IcmpMsg", `OutType${type}`);
    this.ipOutput(err, f.ipDaddr, f.ipSaddr, IPPROTO_ICMP);
  }

  // ---- transmit ----------------------------------------------------------------------------------

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /**
   * Push the IPv4 header onto an skb whose data is the L4 header, route it and send it (Linux
   * ip_queue_xmit / ip_local_out). Takes ownership of the skb. Returns false when there is no route.
   */
  ipOutput(skb: number, saddr: number, daddr: number, proto: number, df = true, tos = 0): boolean {
    const x = this.core.x;
    const s = this.snmp;
    s.inc("Ip", "OutRequests");
    let dev: NetDevice;
    let nexthop = daddr;
    if (this.isLocal(daddr)) {
      dev = this.lo; // Linux routes local destinations through lo
    } else {
      const r = this.routes.lookup(daddr);
      if (!r) {
        s.inc("Ip", "OutNoRoutes");
        x.kfreeSkb(skb, L.DROP_IP_OUTNOROUTES);
        return false;
      }
      dev = this.device(r.dev);
      if (r.gateway) nexthop = r.gateway;
    }
    if (!pushIpHeader(this, skb, saddr, daddr, proto, df, tos)) {
      s.inc("Ip", "OutDiscards");
      x.kfreeSkb(skb, L.DROP_NOMEM);
      return false;
    }
    s.inc("Ip", "OutTransmits");
    if (dev.kind !== "ether") {
      this.finishOutput(dev, skb, MAC_ZERO);
      return true;
    }
    if (this.isBroadcast(daddr)) {
      // a broadcast route resolves to the link-layer broadcast address (no ARP)
      this.finishOutput(dev, skb, MAC_BROADCAST);
      return true;
    }
    this.neigh.get(dev)!.output(nexthop, skb);
    return true;
  }

  /** Push the link header and hand the frame to the device (Linux neigh_hh_output -> dev_queue_xmit). */
  finishOutput(dev: NetDevice, skb: number, dst: Mac, type = ETH_P_IP): void {
    if (dev.kind === "tun") {
      dev.xmit(skb); // raw IP, no link header
      return;
    }
    if (!pushEthHeader(this, skb, dst, dev.mac, type)) {
      this.core.x.kfreeSkb(skb, L.DROP_NOMEM);
      return;
    }
    dev.xmit(skb);
  }
}

function macIs(a: Mac, b: Mac): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}
