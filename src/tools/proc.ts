// /proc text formats, byte for byte as Linux prints them (checked against captures from Linux 6.18
// in tests/fixtures/linux-tools/): /proc/net/tcp, /proc/net/udp, /proc/net/snmp, /proc/net/netstat,
// `ls -l /proc/<pid>/fd` and /proc/<pid>/fdinfo/<fd>. Pure functions over src/tools/model.ts shapes.

import { TCP_LISTEN } from "../net/tcp/state.js";
import {
  type Counters,
  ICMP_MIB_MAP,
  type InetSockInfo,
  NETSTAT_IPEXT,
  NETSTAT_MPTCPEXT,
  NETSTAT_TCPEXT,
  type ProcFd,
  type ProcFdTable,
  SNMP_ICMP,
  SNMP_IP,
  SNMP_TCP,
  SNMP_UDP,
  type SnmpCounters,
  TCP_INFINITE_SSTHRESH,
  TIMER_OFF,
  TIMER_RETRANSMIT,
  TIMER_TIMEWAIT,
} from "./model.js";

/** "%0<w>X" of an unsigned 32-bit value. */
function hex(v: number, width: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(width, "0");
}

/**
 * The kernel prints the __be32 address as a host-order number with %08X, so on little-endian
 * machines (all of Linux's usual ones) the bytes come out reversed: 127.0.0.1 -> 0100007F.
 */
function addrHex(addr: number): string {
  const a = addr >>> 0;
  const swapped = ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24);
  return hex(swapped, 8);
}

function endpoint(e: { addr: number; port: number }): string {
  return `${addrHex(e.addr)}:${hex(e.port, 4)}`;
}

/** "%<w>d" / "%<w>u": right-aligned in at least w columns. */
function num(v: number, width: number): string {
  return String(v).padStart(width, " ");
}

/** seq_setwidth() + seq_pad(): lines shorter than the record width are padded with spaces. */
function pad(line: string, width: number): string {
  return line.length < width ? line + " ".repeat(width - line.length) : line;
}

/**
 * Milliseconds to USER_HZ (100) clock ticks as jiffies_delta_to_clock_t() gives them: negative
 * deltas print as 0; with HZ = 250 or 1000 the conversion truncates to whole 10 ms ticks.
 */
function msToClockT(ms: number): number {
  return ms <= 0 ? 0 : Math.floor(ms / 10);
}

/** Microseconds (tcp_info units) to clock ticks, as jiffies_to_clock_t() of the jiffies value. */
function usToClockT(us: number): number {
  return us <= 0 ? 0 : Math.floor(us / 10000);
}

// Linux: net/ipv4/tcp_ipv4.c TMPSZ (150): each record is padded to 149 characters plus '\n'.
const TCP_RECORD = 149;
const TCP_HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

/** The shared "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X" prefix of every tcp row. */
function tcpPrefix(
  sl: number,
  s: InetSockInfo,
  state: number,
  tx: number,
  rx: number,
  tr: number,
  when: number,
  retr: number,
) {
  return (
    `${num(sl, 4)}: ${endpoint(s.local)} ${endpoint(s.remote)} ${hex(state, 2)} ` +
    `${hex(tx, 8)}:${hex(rx, 8)} ${hex(tr, 2)}:${hex(when, 8)} ${hex(retr, 8)}`
  );
}

/** One row of /proc/net/tcp. Linux: net/ipv4/tcp_ipv4.c get_tcp4_sock / get_timewait4_sock / get_openreq4. */
function tcpRow(sl: number, s: InetSockInfo): string {
  const form = s.form ?? "full";
  if (form === "timewait") {
    // The timer is always the timewait one (3); queues, uid, inode and retransmits print as 0.
    const head = tcpPrefix(sl, s, s.state, 0, 0, TIMER_TIMEWAIT, msToClockT(s.timer.expiresMs), 0);
    return `${head} ${num(0, 5)} ${num(0, 8)} 0 ${s.refcnt} ${s.skAddr}`;
  }
  if (form === "request") {
    // SYN_RECV, its SYN-ACK timer (1), num_timeout as retransmits, the listener's uid.
    const head = tcpPrefix(sl, s, 3, 0, 0, TIMER_RETRANSMIT, msToClockT(s.timer.expiresMs), s.retransmits);
    return `${head} ${num(s.uid, 5)} ${num(0, 8)} 0 0 ${s.skAddr}`;
  }
  const t = s.tcp;
  const when = s.timer.kind === TIMER_OFF ? 0 : msToClockT(s.timer.expiresMs);
  const head = tcpPrefix(
    sl,
    s,
    s.state,
    s.txQueue,
    Math.max(0, s.rxQueue),
    s.timer.kind,
    when,
    s.retransmits,
  );
  const rto = usToClockT(t?.rto ?? 0);
  const ato = usToClockT(t?.ato ?? 0);
  const qack = ((t?.ackQuick ?? 0) << 1) | ((t?.ackPingpong ?? 0) & 1);
  const cwnd = t?.sndCwnd ?? 0;
  // LISTEN: the fastopen queue limit; otherwise ssthresh, -1 while in initial slow start.
  const ssthresh = t?.sndSsthresh ?? TCP_INFINITE_SSTHRESH;
  const last =
    s.state === TCP_LISTEN ? (t?.fastOpenMaxQlen ?? 0) : ssthresh >= TCP_INFINITE_SSTHRESH ? -1 : ssthresh;
  return (
    `${head} ${num(s.uid, 5)} ${num(s.probesOut, 8)} ${s.inode} ${s.refcnt} ${s.skAddr} ` +
    `${rto} ${ato} ${qack} ${cwnd} ${last}`
  );
}

/** /proc/net/tcp: the header, then one row per socket in the order given (Linux: listeners, then ehash). */
export function formatProcNetTcp(socks: readonly InetSockInfo[]): string {
  let out = `${pad(TCP_HEADER, TCP_RECORD)}\n`;
  let sl = 0;
  for (const s of socks) {
    if (s.proto !== "tcp") continue;
    out += `${pad(tcpRow(sl++, s), TCP_RECORD)}\n`;
  }
  return out;
}

// Linux: net/ipv4/udp.c udp4_seq_show: records padded to 127 characters.
const UDP_RECORD = 127;
const UDP_HEADER =
  "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";

/** The UDP hash slot "sl" shows: the engine's, or udp_hashfn() over a 128-slot table without the netns mix. */
function udpBucket(s: InetSockInfo): number {
  return s.bucket ?? s.local.port & 127;
}

/**
 * /proc/net/udp. Linux walks the hash table slot by slot, so rows come out by ascending slot ("sl"
 * is the slot, not a counter); sockets in one slot keep the order given.
 */
export function formatProcNetUdp(socks: readonly InetSockInfo[]): string {
  let out = `${pad(UDP_HEADER, UDP_RECORD)}\n`;
  const udp = socks.filter((s) => s.proto === "udp");
  const sorted = udp.map((s, i) => ({ s, i })).sort((a, b) => udpBucket(a.s) - udpBucket(b.s) || a.i - b.i);
  for (const { s } of sorted) {
    // Linux: udp4_format_sock "%5d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %u"
    const row =
      `${num(udpBucket(s), 5)}: ${endpoint(s.local)} ${endpoint(s.remote)} ${hex(s.state, 2)} ` +
      `${hex(s.txQueue, 8)}:${hex(s.rxQueue, 8)} 00:00000000 00000000 ${num(s.uid, 5)} ${num(0, 8)} ` +
      `${s.inode} ${s.refcnt} ${s.skAddr} ${s.drops ?? 0}`;
    out += `${pad(row, UDP_RECORD)}\n`;
  }
  return out;
}

/** A "Name: a b c\nName: 1 2 3\n" pair of lines; every name printed, a missing value as 0. */
function mibRows<T extends readonly string[]>(title: string, names: T, values: Partial<Counters<T>>): string {
  const v = values as Record<string, number | undefined>;
  return `${title}: ${names.join(" ")}\n${title}: ${names.map((n) => String(v[n] ?? 0)).join(" ")}\n`;
}

/** Linux: net/ipv4/proc.c icmpmsg_put(): nonzero types only, In 0..255 then Out 0..255, 16 per row pair. */
function icmpMsgRows(msg: SnmpCounters["icmpMsg"]): string {
  const entries: [string, number][] = [];
  for (const [dir, table] of [
    ["In", msg.in],
    ["Out", msg.out],
  ] as const) {
    for (let type = 0; type < 256; type++) {
      const v = table[type] ?? 0;
      if (v) entries.push([`${dir}Type${type}`, v]);
    }
  }
  let out = "";
  for (let i = 0; i < entries.length; i += 16) {
    const chunk = entries.slice(i, i + 16);
    out += `IcmpMsg: ${chunk.map((e) => e[0]).join(" ")}\nIcmpMsg: ${chunk.map((e) => e[1]).join(" ")}\n`;
  }
  return out;
}

/** /proc/net/snmp: Ip, Icmp, IcmpMsg (when any ICMP message was counted), Tcp, Udp, UdpLite. */
export function formatProcNetSnmp(c: SnmpCounters): string {
  // Icmp: the three input counters, In<type> per icmpmibmap entry, the four output counters, Out<type>.
  const inTypes = ICMP_MIB_MAP.map(([name]) => `In${name}`);
  const outTypes = ICMP_MIB_MAP.map(([name]) => `Out${name}`);
  const icmpNames = [...SNMP_ICMP.slice(0, 3), ...inTypes, ...SNMP_ICMP.slice(3), ...outTypes];
  const icmp = c.icmp as Record<string, number | undefined>;
  const icmpValues = [
    ...SNMP_ICMP.slice(0, 3).map((n) => icmp[n] ?? 0),
    ...ICMP_MIB_MAP.map(([, type]) => c.icmpMsg.in[type] ?? 0),
    ...SNMP_ICMP.slice(3).map((n) => icmp[n] ?? 0),
    ...ICMP_MIB_MAP.map(([, type]) => c.icmpMsg.out[type] ?? 0),
  ];
  return (
    mibRows("Ip", SNMP_IP, c.ip) +
    `Icmp: ${icmpNames.join(" ")}\nIcmp: ${icmpValues.join(" ")}\n` +
    icmpMsgRows(c.icmpMsg) +
    mibRows("Tcp", SNMP_TCP, c.tcp) +
    mibRows("Udp", SNMP_UDP, c.udp) +
    mibRows("UdpLite", SNMP_UDP, c.udpLite)
  );
}

/** /proc/net/netstat: TcpExt, IpExt and (kernels built with MPTCP, as 6.18 here) MPTcpExt. */
export function formatProcNetNetstat(c: SnmpCounters, opts: { mptcp?: boolean } = {}): string {
  let out = mibRows("TcpExt", NETSTAT_TCPEXT, c.tcpExt) + mibRows("IpExt", NETSTAT_IPEXT, c.ipExt);
  if (opts.mptcp ?? true) out += mibRows("MPTcpExt", NETSTAT_MPTCPEXT, c.mptcpExt);
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SIX_MONTHS_MS = ((365.2425 * 24 * 60 * 60) / 2) * 1000;

/** ls's time column in UTC: "%b %e %H:%M", or "%b %e  %Y" when more than six months old or in the future. */
function lsTime(t: Date, now: Date | undefined): string {
  const day = String(t.getUTCDate()).padStart(2, " ");
  const head = `${MONTHS[t.getUTCMonth()]} ${day}`;
  const age = now ? now.getTime() - t.getTime() : 0;
  if (age < 0 || age > SIX_MONTHS_MS) return `${head}  ${t.getUTCFullYear()}`;
  const hh = String(t.getUTCHours()).padStart(2, "0");
  const mm = String(t.getUTCMinutes()).padStart(2, "0");
  return `${head} ${hh}:${mm}`;
}

/**
 * The link's mode in ls -l: Linux gives an fd link read and execute bits for FMODE_READ, write and
 * execute for FMODE_WRITE (fs/proc/fd.c tid_fd_update_inode).
 */
function fdLinkMode(flags: number): string {
  const acc = flags & 3; // O_ACCMODE
  const r = acc === 0 || acc === 2;
  const w = acc === 1 || acc === 2;
  return `l${r ? "r" : "-"}${w ? "w" : "-"}${r || w ? "x" : "-"}------`;
}

/**
 * `ls -l /proc/<pid>/fd` as GNU ls prints it under LC_ALL=C with TZ=UTC: "total 0", then one link
 * per fd sorted by name as strings ("10" before "2"), columns aligned as ls aligns them.
 * `now` decides ls's recent/old date format; omitted, every time counts as recent.
 */
export function formatProcPidFd(table: ProcFdTable, now?: Date): string {
  const fds = [...table.fds].sort((a, b) => {
    const x = String(a.fd);
    const y = String(b.fd);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const time = lsTime(table.mtime, now);
  let out = "total 0\n";
  for (const f of fds) {
    // nlink 1 and size 64 for every fd link, so those columns have fixed widths.
    out += `${fdLinkMode(f.flags)} 1 ${table.user} ${table.group} 64 ${time} ${f.fd} -> ${f.target}\n`;
  }
  return out;
}

/**
 * /proc/<pid>/fdinfo/<fd>. Linux: fs/proc/fd.c seq_show ("pos:\t%lli\nflags:\t0%o\nmnt_id:\t%i\n
 * ino:\t%lu\n"), then the file's own show_fdinfo: Unix sockets add "scm_fds: N"
 * (net/unix/af_unix.c), epoll adds one "tfd:" line per watched fd (fs/eventpoll.c ep_show_fdinfo).
 */
export function formatFdinfo(f: ProcFd): string {
  let out = `pos:\t${f.pos}\nflags:\t0${(f.flags >>> 0).toString(8)}\nmnt_id:\t${f.mntId}\nino:\t${f.ino}\n`;
  for (const e of f.epoll ?? []) {
    out +=
      `tfd: ${num(e.tfd, 8)} events: ${(e.events >>> 0).toString(16).padStart(8, " ")} ` +
      `data: ${BigInt.asUintN(64, e.data).toString(16).padStart(16, " ")}  pos:${e.pos} ` +
      `ino:${e.ino.toString(16)} sdev:${e.sdev.toString(16)}\n`;
  }
  if (f.scmFds !== undefined) out += `scm_fds: ${f.scmFds}\n`;
  return out;
}
