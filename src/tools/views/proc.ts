// /proc views of the live engine that are not socket tables: a process's fd directory and fdinfo,
// the host's MIB counters (/proc/net/snmp, /proc/net/netstat), and the process list lsof needs.
import type { Kernel } from "../../kernel/kernel.js";
import type { Process } from "../../kernel/process.js";
import { sockFromFile } from "../../kernel/socket.js";
import { UnixSock } from "../../kernel/unix/sock.js";
import type { NetStack } from "../../net/stack.js";
import {
  type Counters,
  emptySnmpCounters,
  NETSTAT_IPEXT,
  NETSTAT_TCPEXT,
  type ProcessInfo,
  type ProcFd,
  type ProcFdTable,
  SNMP_ICMP,
  SNMP_IP,
  SNMP_TCP,
  SNMP_UDP,
  type SnmpCounters,
} from "../model.js";
import { commOf, userName } from "./owners.js";

/** CLOCK_REALTIME of the kernel now, as a Date (ms resolution). */
export function realtime(kernel: Kernel): Date {
  return new Date(Math.floor((kernel.realtimeEpochNs + kernel.now()) / 1e6));
}

/** /proc/<pid>/fdinfo/<fd> data for each open descriptor of a process, by descriptor. */
export function procFds(p: Process): ProcFd[] {
  return p.fds().map((i) => {
    const sk = sockFromFile(i.file)?.sk;
    const f: ProcFd = { fd: i.fd, target: i.link, flags: i.flags, pos: i.pos, mntId: i.mntId, ino: i.ino };
    // Linux 6.x adds the SCM_RIGHTS descriptors in flight for a Unix socket; the engine passes none.
    if (sk instanceof UnixSock) f.scmFds = 0;
    return f;
  });
}

/** `ls -l /proc/<pid>/fd` data. */
export function procFdTable(kernel: Kernel, p: Process): ProcFdTable {
  return {
    pid: p.pid,
    user: userName(p.uid) ?? String(p.uid),
    group: userName(p.gid) ?? String(p.gid),
    mtime: realtime(kernel),
    fds: procFds(p),
  };
}

/** What lsof needs to know about processes. */
export function processInfos(procs: readonly Process[]): ProcessInfo[] {
  return procs.map((p) => ({ pid: p.pid, comm: commOf(p), uid: p.uid, user: userName(p.uid) }));
}

function fill<T extends readonly string[]>(dst: Counters<T>, names: T, src: Record<string, number>): void {
  const d = dst as Record<string, number>;
  for (const n of names) if (src[n] !== undefined) d[n] = src[n];
}

/**
 * The host's counters in Linux's rows and columns. Every counter the stack keeps is copied under its
 * Linux name; Linux counters the engine does not keep print as 0. CurrEstab is a gauge, computed now.
 */
export function snmpCounters(net: NetStack): SnmpCounters {
  const g = net.snmp.groups;
  const c = emptySnmpCounters();
  fill(c.ip, SNMP_IP, g.Ip);
  c.ip.Forwarding = net.ipForward ? 1 : 2;
  fill(c.icmp, SNMP_ICMP, g.Icmp);
  for (const [name, v] of Object.entries(g.IcmpMsg)) {
    const m = /^(In|Out)Type(\d+)$/.exec(name);
    if (m) c.icmpMsg[m[1] === "In" ? "in" : "out"][Number(m[2])] = v;
  }
  fill(c.tcp, SNMP_TCP, g.Tcp);
  c.tcp.CurrEstab = net.tcp.currEstab();
  fill(c.udp, SNMP_UDP, g.Udp);
  fill(c.tcpExt, NETSTAT_TCPEXT, g.TcpExt);
  fill(c.ipExt, NETSTAT_IPEXT, g.IpExt);
  return c;
}
