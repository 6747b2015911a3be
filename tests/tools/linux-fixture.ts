// The sockets scripts/capture-linux-tools.sh opened on a real Linux, rebuilt in src/tools/model.ts
// shapes from tests/fixtures/linux-tools/sockets.json, so each formatter can be compared with the
// text the real tool printed. Structural facts (addresses, states, queues, inodes, owners) come from
// the /proc capture; values that move between two captures (timers, TCP_INFO, skmem) come from the
// row the script parsed out of that capture's own text.
import { readFileSync } from "node:fs";
import { ipToNumber } from "../../src/net/addr.js";
import { TCP_LISTEN } from "../../src/net/tcp/state.js";
import {
  emptySnmpCounters,
  emptyTcpInfo,
  type InetSockInfo,
  type ProcessInfo,
  type ProcFd,
  type ProcFdTable,
  SNMP_ICMP,
  type SnmpCounters,
  type TimerKind,
  type UnixSockInfo,
} from "../../src/tools/model.js";

const DIR = new URL("../fixtures/linux-tools/", import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, DIR), "utf8");
}

// biome-ignore lint/suspicious/noExplicitAny: the JSON document is checked by the comparisons
type Json = any;
export const doc: Json = JSON.parse(fixtureText("sockets.json"));

function endpoint(e: { addr: string; port: number }) {
  return { addr: ipToNumber(e.addr), port: e.port };
}

function inetSock(proto: "tcp" | "udp", base: Json, row: Json): InetSockInfo {
  const form = base.form ?? "full";
  return {
    proto,
    form,
    state: base.state,
    local: endpoint(base.local),
    remote: endpoint(base.remote),
    txQueue: base.txQueue,
    rxQueue: base.rxQueue,
    backlog: base.backlog ?? 0,
    timer: { kind: (row.timer?.kind ?? 0) as TimerKind, expiresMs: row.timer?.expiresMs ?? 0 },
    retransmits: row.retransmits ?? 0,
    probesOut: row.probesOut ?? 0,
    uid: base.uid,
    inode: base.inode,
    refcnt: base.refcnt,
    skAddr: base.skAddr,
    cookie: row.cookie ?? 0,
    owners: base.owners, // as /proc lists them; ss orders them itself
    tcp: proto === "tcp" && form === "full" ? { ...emptyTcpInfo(), ...(row.tcp ?? {}) } : undefined,
    skmem: row.skmem,
    cgroup: row.cgroup,
    shutdown: row.shutdown,
    bucket: base.bucket,
    drops: base.drops,
  };
}

/** The inet sockets of one capture, in the order that capture printed them. */
export function inetSocks(capture: string): InetSockInfo[] {
  const c = doc.captures[capture];
  return c.order.map((key: string) => {
    const tcp = doc.tcp[key];
    return tcp ? inetSock("tcp", tcp, c.rows[key]) : inetSock("udp", doc.udp[key], c.rows[key]);
  });
}

/** Every inet socket the script opened (for lsof, which orders its rows itself). */
export function allInetSocks(): InetSockInfo[] {
  return [
    ...Object.values(doc.tcp).map((b) => inetSock("tcp", b, b)),
    ...Object.values(doc.udp).map((b) => inetSock("udp", b, b)),
  ];
}

/** The Unix sockets of one ss -x capture, in its order. */
export function unixSocks(capture: string): UnixSockInfo[] {
  const c = doc.captures[capture];
  return c.order.map((key: string) => {
    const b = doc.unix[key];
    const row = c.rows[key];
    const listening = b.state === TCP_LISTEN;
    return {
      type: b.type,
      state: b.state,
      name: b.name,
      inode: b.inode,
      peerInode: b.peerInode,
      rxQueue: b.rxQueue,
      // The script stored what ss printed as Send-Q: a listener's backlog.
      txQueue: listening ? 0 : b.txQueue,
      backlog: listening ? b.txQueue : 0,
      owners: b.owners,
      skmem: row.skmem,
      shutdown: row.shutdown,
      vfs: row.vfs,
      icons: row.icons,
    } satisfies UnixSockInfo;
  });
}

export function processes(): ProcessInfo[] {
  return doc.processes.map((p: Json) => ({
    pid: p.pid,
    comm: p.comm,
    uid: p.uid,
    user: p.user ?? undefined,
  }));
}

function procFd(f: Json): ProcFd {
  return {
    fd: f.fd,
    target: f.target,
    flags: f.flags,
    pos: f.pos,
    mntId: f.mntId,
    ino: f.ino,
    scmFds: f.scmFds,
    epoll: f.epoll?.map((e: Json) => ({ ...e, data: BigInt(`0x${e.data}`) })),
  };
}

function processNamed(name: string): Json {
  return doc.processes.find((p: Json) => p.name === name);
}

export function fdTable(name: string): ProcFdTable {
  const p = processNamed(name);
  return {
    pid: p.pid,
    user: p.fdOwner.user,
    group: p.fdOwner.group,
    mtime: new Date(p.fds[0].mtime * 1000),
    fds: p.fds.map(procFd),
  };
}

export function fdOf(name: string, fd: number): ProcFd {
  return procFd(processNamed(name).fds.find((f: Json) => f.fd === fd));
}

/** The counters as the capture read them, rebuilt from names: the Icmp per-type columns from IcmpMsg. */
export function snmpCounters(): SnmpCounters {
  const c = emptySnmpCounters();
  const s = doc.snmp;
  const n = doc.netstat;
  Object.assign(c.ip, s.Ip);
  for (const name of SNMP_ICMP) c.icmp[name] = s.Icmp[name];
  for (const dir of ["in", "out"] as const)
    for (const [type, v] of Object.entries(s.IcmpMsg?.[dir] ?? {}))
      c.icmpMsg[dir][Number(type)] = v as number;
  Object.assign(c.tcp, s.Tcp);
  Object.assign(c.udp, s.Udp);
  Object.assign(c.udpLite, s.UdpLite);
  Object.assign(c.tcpExt, n.TcpExt);
  Object.assign(c.ipExt, n.IpExt);
  Object.assign(c.mptcpExt, n.MPTcpExt);
  return c;
}
