// The observability tools over a live World: ss, lsof, /proc/net/{tcp,udp,snmp,netstat} and
// /proc/<pid>/fd(info) for one host, in Linux's exact text formats. Each call reads the engine as
// it is now (the host's socket tables and its processes' fd tables) into the plain shapes of
// src/tools/model.ts and hands them to the formatters (proc.ts, ss.ts, lsof.ts).
//
//   const v = views(world, server);
//   console.log(v.ss("-tnp"));
//   console.log(v.procNetTcp());
//   console.log(v.procPidFd(pid));
import type { Process } from "../../kernel/process.js";
import type { Sock } from "../../kernel/sock.js";
import { InetSock } from "../../net/inet/sock.js";
import type { TcpConn } from "../../net/tcp/conn.js";
import type { ListenEntry } from "../../net/tcp/proto.js";
import type { UdpSock } from "../../net/udp.js";
import type { Host, World } from "../../world/world.js";
import { formatLsof, type LsofOptions } from "../lsof.js";
import type { InetSockInfo, ProcFdTable, SnmpCounters, UnixSockInfo } from "../model.js";
import {
  formatFdinfo,
  formatProcNetNetstat,
  formatProcNetSnmp,
  formatProcNetTcp,
  formatProcNetUdp,
  formatProcPidFd,
} from "../proc.js";
import { formatSs, type SsFlags, type SsOptions } from "../ss.js";
import { type SockHolders, socketHolders } from "./owners.js";
import { processInfos, procFds, procFdTable, snmpCounters } from "./proc.js";
import { type InetIndex, tcpSockets } from "./tcp.js";
import { udpSockets } from "./udp.js";
import { unixSockets } from "./unix.js";

export { commOf, type SockHolders, socketHolders } from "./owners.js";
export { processInfos, procFds, procFdTable, realtime, snmpCounters } from "./proc.js";
export { connTcpInfo, type InetIndex, tcpSockets, timerLeftMs } from "./tcp.js";
export { udpSockets } from "./udp.js";
export { unixSockets } from "./unix.js";

/** Which InetSock (of this host's processes) owns each TCP connection, listener and UDP socket. */
export function inetIndex(holders: Map<Sock, SockHolders>): InetIndex & { byUdp: Map<UdpSock, InetSock> } {
  const byConn = new Map<TcpConn, InetSock>();
  const byListen = new Map<ListenEntry, InetSock>();
  const byUdp = new Map<UdpSock, InetSock>();
  for (const sk of holders.keys()) {
    if (!(sk instanceof InetSock)) continue;
    if (sk.tcp) byConn.set(sk.tcp, sk);
    if (sk.listen) byListen.set(sk.listen, sk);
    if (sk.udp) byUdp.set(sk.udp, sk);
  }
  return { holders, byConn, byListen, byUdp };
}

/** One host's tools. Every method reads the engine afresh. */
export class HostViews {
  constructor(
    readonly world: World,
    readonly host: Host,
  ) {}

  /** The host's processes that have not exited. */
  processes(): Process[] {
    return this.host.processes().filter((p) => p.state !== "Z");
  }

  /** TCP sockets (Linux dump order) then UDP sockets. */
  inet(): InetSockInfo[] {
    const idx = inetIndex(socketHolders(this.world, this.host));
    const net = this.host.net;
    return [...tcpSockets(this.world, net, idx), ...udpSockets(net, idx.holders, idx.byUdp)];
  }

  unix(): UnixSockInfo[] {
    return unixSockets(socketHolders(this.world, this.host));
  }

  snmp(): SnmpCounters {
    return snmpCounters(this.host.net);
  }

  /** `cat /proc/net/tcp` */
  procNetTcp(): string {
    return formatProcNetTcp(this.inet());
  }

  /** `cat /proc/net/udp` */
  procNetUdp(): string {
    return formatProcNetUdp(this.inet());
  }

  /** `cat /proc/net/snmp` */
  procNetSnmp(): string {
    return formatProcNetSnmp(this.snmp());
  }

  /** `cat /proc/net/netstat` */
  procNetNetstat(): string {
    return formatProcNetNetstat(this.snmp());
  }

  /** `ss <flags>` ("-tnp", ["-t", "-a"] or SsFlags); opts.screenWidth for a terminal's layout. */
  ss(flags: SsFlags | string | readonly string[], opts: SsOptions = {}): string {
    return formatSs({ inet: this.inet(), unix: this.unix() }, flags, opts);
  }

  /** `lsof -i -n -P` (opts.pids: `-a -p <pids>`). */
  lsof(opts: LsofOptions = {}): string {
    return formatLsof(this.inet(), processInfos(this.processes()), opts);
  }

  fdTable(pid: number): ProcFdTable {
    return procFdTable(this.world.kernel, this.process(pid));
  }

  /** `ls -l /proc/<pid>/fd` */
  procPidFd(pid: number): string {
    return formatProcPidFd(this.fdTable(pid));
  }

  /** `cat /proc/<pid>/fdinfo/<fd>`; throws for a closed descriptor (ENOENT in Linux). */
  fdinfo(pid: number, fd: number): string {
    const f = procFds(this.process(pid)).find((x) => x.fd === fd);
    if (!f) throw Object.assign(new Error(`/proc/${pid}/fdinfo/${fd}: no such file`), { code: "ENOENT" });
    return formatFdinfo(f);
  }

  private process(pid: number): Process {
    const p = this.world.kernel.process(pid);
    if (!p || p.state === "Z" || this.world.hostOf(p) !== this.host)
      throw Object.assign(new Error(`/proc/${pid}: no such process on ${this.host.name}`), { code: "ESRCH" });
    return p;
  }
}

/** The tools for one host of a World. */
export function views(world: World, host: Host): HostViews {
  return new HostViews(world, host);
}
