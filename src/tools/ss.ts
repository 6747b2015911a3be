// ss, as iproute2 6.1's misc/ss.c prints it, to a pipe or file and (with SsOptions.screenWidth) to
// a terminal: checked byte for byte against captures in tests/fixtures/linux-tools/.
//
// How ss lays out its output (misc/ss.c, "render" and "out"): every socket is written as one token
// per column (Netid, State, Recv-Q, Send-Q, Local Address:, Port, Peer Address:, Port, Process, and
// an always-empty last column); the Process column takes users:(...), timers, -e details and, after
// a "\n\t", the -m / -i lines, all as one token. With no terminal there is no screen width, so each
// column is exactly as wide as its longest token (plus its one-space left delimiter), with one
// quirk: the very last token written (the Process token of the last socket) is never measured.
// Columns pad on the right (or on the left for the two address columns), and the Process column
// pads too, after its last character, even when that is in the -i line. On a terminal the widths
// are then capped at the screen width and each screen line's spare width is shared out.

import { TCP_ESTABLISHED, TCP_LISTEN, TCP_TIME_WAIT } from "../net/tcp/state.js";
import {
  emptyTcpInfo,
  type InetSockInfo,
  type SkMemInfo,
  type SockOwner,
  type TcpInfo,
  TIMER_RETRANSMIT,
  type UnixSockInfo,
} from "./model.js";

export interface SsFlags {
  /** -t, -u, -x: the socket tables; none of them means all three. */
  tcp?: boolean;
  udp?: boolean;
  unix?: boolean;
  /** -l: listening (and unconnected) sockets only; -a: all states (wins over -l). */
  listening?: boolean;
  all?: boolean;
  /** -n: numeric ports. Without it, ports outside the ephemeral range are looked up in `services`. */
  numeric?: boolean;
  /** -p users:(...), -i TCP info, -e details (implies -o), -m socket memory, -o timers. */
  processes?: boolean;
  info?: boolean;
  extended?: boolean;
  memory?: boolean;
  options?: boolean;
  /** -H: no header line. */
  noHeader?: boolean;
  /** -4: IPv4 sockets only (the model has no others); with no table named, TCP and UDP, not Unix. */
  ipv4?: boolean;
}

export interface SsInput {
  inet?: readonly InetSockInfo[];
  unix?: readonly UnixSockInfo[];
}

export interface SsOptions {
  /** Port-to-service names for non-numeric output, per protocol (getservbyport). Default: SERVICES. */
  services?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** net.ipv4.ip_local_port_range: ss never names ports in it. Default [32768, 60999]. */
  ephemeral?: readonly [number, number];
  /**
   * The terminal's width, for ss's output on a terminal; leave it out for its output to a pipe or a
   * file (every column only as wide as its content).
   */
  screenWidth?: number;
}

/** A few entries of Debian's /etc/services (netbase), for ss without -n. */
export const SERVICES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  tcp: {
    21: "ftp",
    22: "ssh",
    25: "smtp",
    53: "domain",
    80: "http",
    443: "https",
    3306: "mysql",
    5432: "postgresql",
    6379: "redis",
    8080: "http-alt",
  },
  udp: { 53: "domain", 67: "bootps", 68: "bootpc", 123: "ntp", 443: "https", 5353: "mdns" },
};

/** Parse ss's one-letter options ("-tnpi", or ["-t", "-n"]) into flags. */
export function parseSsFlags(args: string | readonly string[]): SsFlags {
  const f: SsFlags = {};
  const list = typeof args === "string" ? args.split(/\s+/).filter(Boolean) : args;
  const set: Record<string, keyof SsFlags> = {
    t: "tcp",
    u: "udp",
    x: "unix",
    l: "listening",
    a: "all",
    n: "numeric",
    p: "processes",
    i: "info",
    e: "extended",
    m: "memory",
    o: "options",
    H: "noHeader",
    "4": "ipv4",
  };
  for (const a of list) {
    if (!a.startsWith("-") || a.length < 2) throw new RangeError(`ss: bad option '${a}'`);
    for (const ch of a.slice(1)) {
      const k = set[ch];
      if (!k) throw new RangeError(`ss: unknown option '-${ch}'`);
      f[k] = true;
    }
  }
  return f;
}

// ---- printf-alikes ----

/**
 * C's "%g" (default precision 6): fixed or exponent notation by the exponent, trailing zeros
 * removed. Rounds half away from zero where glibc rounds exact binary ties to even; a tie needs a
 * value exactly representable with more significant digits than the precision, which ss's
 * µs/1000 values never are.
 */
export function formatG(x: number, precision = 6): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const p = Math.max(1, precision);
  const [m, e] = x.toExponential(p - 1).split("e");
  const exp = Number(e);
  const strip = (t: string) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
  if (exp < -4 || exp >= p)
    return `${strip(m)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return strip(x.toFixed(p - 1 - exp));
}

/** C's "%.0f": nearest integer, exact halves to even (glibc's default rounding). */
function formatF0(x: number): string {
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return String(r);
}

/** misc/ss.c sprint_bw(): bits per second, "%.0f" with -n, else three digits and a k/M/G/T unit. */
function sprintBw(bps: number, numeric: boolean): string {
  if (numeric) return formatF0(bps);
  const g3 = (v: number) => formatG(v, 3);
  if (bps >= 1e12) return `${g3(bps / 1e12)}T`;
  if (bps >= 1e9) return `${g3(bps / 1e9)}G`;
  if (bps >= 1e6) return `${g3(bps / 1e6)}M`;
  if (bps >= 1e3) return `${g3(bps / 1e3)}k`;
  return formatG(bps);
}

/** misc/ss.c print_ms_timer(): "1min5sec", "12sec", "1.234ms" (sic: seconds), "280ms", "". */
export function printMsTimer(timeout: number): string {
  const t = Math.max(0, Math.trunc(timeout));
  let secs = Math.trunc(t / 1000);
  const minutes = Math.trunc(secs / 60);
  secs %= 60;
  let msecs = t % 1000;
  let out = "";
  if (minutes) {
    msecs = 0;
    out += `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    out += `${secs}${msecs ? "." : "sec"}`;
  }
  if (msecs) out += `${String(msecs).padStart(3, "0")}ms`;
  return out;
}

/** Bytes of a string as C's strlen sees it (UTF-8). */
function blen(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII fast path
  if (/^[\x00-\x7f]*$/.test(s)) return s.length;
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

// ---- states and filters (misc/ss.c SS_* and default_dbs) ----

const SS_ALL = (1 << 12) - 1;
const SS_CONN = SS_ALL & ~((1 << TCP_LISTEN) | (1 << 7) | (1 << TCP_TIME_WAIT) | (1 << 3));

const SSTATE_NAME: readonly string[] = [
  "UNKNOWN",
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "UNCONN",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
];

interface Filter {
  tcp: boolean;
  udp: boolean;
  unix: boolean;
  states: number;
  dbs: number;
}

function buildFilter(f: SsFlags): Filter {
  const any = f.tcp || f.udp || f.unix;
  const tcp = !any || !!f.tcp;
  const udp = !any || !!f.udp;
  const unix = f.ipv4 ? !!f.unix : !any || !!f.unix;
  // -t and -x ask for connected states, -u for ESTABLISHED, -4 (an address family) for connected
  // states too; -l and -a replace that.
  let states = 0;
  if (!any || f.ipv4) states = SS_CONN;
  if (f.tcp || f.unix) states |= SS_CONN;
  if (f.udp) states |= 1 << TCP_ESTABLISHED;
  if (f.listening) states = (1 << TCP_LISTEN) | (1 << 7);
  if (f.all) states = SS_ALL;
  // Socket tables, as ss counts them for its Netid column: Unix is three (stream, dgram, seqpacket);
  // with no table named, ss shows all of its tables (raw, packet, netlink... too), and -4 all of
  // the inet ones (raw, sctp, mptcp... too).
  const dbs = any ? (tcp ? 1 : 0) + (udp ? 1 : 0) + (unix ? 3 : 0) : f.ipv4 ? 6 : 16;
  return { tcp, udp, unix, states, dbs };
}

// ---- the column renderer (misc/ss.c columns[], render_calc_width(), render()) ----

const enum Col {
  Netid,
  State,
  RecvQ,
  SendQ,
  Addr,
  Serv,
  RAddr,
  RServ,
  Ext,
  Proc,
}

interface Column {
  right: boolean;
  header: string;
  ldelim: string;
}

const COLUMNS: readonly Column[] = [
  { right: false, header: "Netid", ldelim: "" },
  { right: false, header: "State", ldelim: " " },
  { right: false, header: "Recv-Q", ldelim: " " },
  { right: false, header: "Send-Q", ldelim: " " },
  { right: true, header: "Local Address:", ldelim: " " },
  { right: false, header: "Port", ldelim: "" },
  { right: true, header: "Peer Address:", ldelim: " " },
  { right: false, header: "Port", ldelim: "" },
  { right: false, header: "Process", ldelim: "" },
  { right: false, header: "", ldelim: "" },
];

/**
 * Lay out rows of ten tokens each as ss does: without a terminal (screenWidth undefined) every
 * column is as wide as its content; on a terminal the columns are cut to the screen width and the
 * spare width of each screen line is shared out between its columns (misc/ss.c render_calc_width()).
 */
function render(
  rows: string[][],
  hasHeader: boolean,
  disabled: readonly boolean[],
  screenWidth?: number,
): string {
  if (rows.length === 0) return "";
  const maxLen = new Array<number>(COLUMNS.length).fill(0);
  rows.forEach((row, r) => {
    for (let c = 0; c < COLUMNS.length; c++) {
      // ss measures a token when it moves to the next field; the last socket's Process token is
      // rendered before anything moves past it, so it never counts.
      if (r === rows.length - 1 && !(hasHeader && r === 0) && c >= Col.Ext) continue;
      maxLen[c] = Math.max(maxLen[c], blen(row[c]));
    }
  });
  const width = new Array<number>(COLUMNS.length).fill(0);
  const sw = screenWidth ?? Number.POSITIVE_INFINITY;
  let first = true;
  for (let c = 0; c < COLUMNS.length; c++) {
    if (disabled[c]) continue;
    width[c] = !first && maxLen[c] ? maxLen[c] + COLUMNS[c].ldelim.length : maxLen[c];
    width[c] = Math.min(width[c], sw);
    if (width[c]) first = false;
  }
  if (screenWidth !== undefined) spreadColumns(width, screenWidth);
  let out = "";
  for (const row of rows) {
    let started = false;
    for (let c = 0; c < COLUMNS.length; c++) {
      if (disabled[c]) continue;
      const col = COLUMNS[c];
      let printed = 0;
      if (started) {
        out += col.ldelim;
        printed = col.ldelim.length;
      }
      started = true;
      const tok = row[c];
      if (width[c] && col.right) {
        const s = width[c] - blen(tok) - printed;
        if (s > 0) {
          out += " ".repeat(s);
          printed += s;
        }
      }
      out += tok;
      printed += blen(tok);
      if (width[c] && !col.right) {
        const s = width[c] - printed;
        if (s > 0) out += " ".repeat(s);
      }
    }
    out += "\n";
  }
  return out;
}

/**
 * render_calc_width()'s second pass: walk the columns, breaking a screen line where the next
 * column would not fit, and share each line's spare width between its columns, one extra space
 * each to the rightmost ones when it does not divide evenly. ss prints no line breaks of its own:
 * the terminal wraps the rows at the screen width.
 */
function spreadColumns(width: number[], screenWidth: number): void {
  let len = 0;
  let linecols = 0;
  let eol = -1;
  for (let c = 0; c < width.length; c++) {
    if (!width[c]) continue;
    linecols++;
    len += width[c];
    let last = true;
    for (let t = c + 1; t < width.length; t++) {
      if (width[t]) {
        last = false;
        break;
      }
    }
    if (!last && len < screenWidth) continue;
    if (len !== screenWidth) {
      if (len > screenWidth) {
        // Go back one column: it starts the next screen line.
        len -= width[c];
        c--;
        linecols--;
      }
      const pad = screenWidth - len;
      const spacing = Math.floor(pad / linecols);
      let rem = pad % linecols;
      for (let t = c; t > eol; t--) {
        if (!width[t]) continue;
        width[t] += spacing;
        if (rem) {
          width[t]++;
          rem--;
        }
      }
    }
    eol = c;
    len = 0;
    linecols = 0;
  }
}

// ---- the Process column ----

/**
 * users:(...). ss scans /proc in directory order (pids ascending, then each one's fds ascending) and
 * pushes each hit on the front of a hash chain, so a socket's owners come out in reverse: highest
 * pid first, and within a process highest fd first (misc/ss.c user_ent_add(), find_entry()).
 */
function usersText(owners: readonly SockOwner[], inode: number): string {
  if (!inode || owners.length === 0) return "";
  const sorted = [...owners].sort((a, b) => b.pid - a.pid || b.fd - a.fd);
  return ` users:(${sorted.map((o) => `("${o.comm}",pid=${o.pid},fd=${o.fd})`).join(",")})`;
}

function skmemText(m: SkMemInfo): string {
  return (
    ` skmem:(r${m.rmemAlloc},rb${m.rcvbuf},t${m.wmemAlloc},tb${m.sndbuf},f${m.fwdAlloc},` +
    `w${m.wmemQueued},o${m.optmem},bl${m.backlog},d${m.drops})`
  );
}

function shutdownText(mask: number): string {
  return ` ${mask & 1 ? "-" : "<"}-${mask & 2 ? "-" : ">"}`;
}

const TIMER_NAMES = ["off", "on", "keepalive", "timewait", "persist", "unknown"];

/**
 * tcp_get_info() on a listener fills only the fields every state shares and aliases two others:
 * unacked = accept queue length, sacked = backlog (net/ipv4/tcp.c). ss -i shows that view.
 */
function listenerInfo(s: InetSockInfo, t: TcpInfo): TcpInfo {
  return {
    ...emptyTcpInfo(),
    congestion: t.congestion,
    pacingRate: t.pacingRate,
    maxPacingRate: t.maxPacingRate,
    reordering: t.reordering,
    sndCwnd: t.sndCwnd,
    unacked: s.rxQueue,
    sacked: s.backlog,
  };
}

const OPTION_WORDS = ["ts", "sack", "ecn", "ecnseen", "fastopen"] as const;

/** misc/ss.c tcp_show_info() + tcp_stats_print() (iproute2 6.1): the -i text, fields in ss's order. */
function tcpInfoText(t: TcpInfo, listening: boolean, showOptions: boolean, numeric: boolean): string {
  let o = "";
  const bw = (bytesPerSec: number) => sprintBw(bytesPerSec * 8, numeric);
  const unlimited = (r: number) => !Number.isFinite(r) || r === 0;
  if (showOptions) for (const w of OPTION_WORDS) if (t.options.includes(w)) o += ` ${w}`;
  if (t.congestion) o += ` ${t.congestion}`;
  if (t.options.includes("wscale")) o += ` wscale:${t.sndWscale},${t.rcvWscale}`;
  if (t.rto && t.rto !== 3000000) o += ` rto:${formatG(t.rto / 1000)}`;
  if (t.backoff) o += ` backoff:${t.backoff}`;
  if (t.rtt) o += ` rtt:${formatG(t.rtt / 1000)}/${formatG(t.rttvar / 1000)}`;
  if (t.ato) o += ` ato:${formatG(t.ato / 1000)}`;
  if (t.sndMss) o += ` mss:${t.sndMss}`;
  if (t.pmtu) o += ` pmtu:${t.pmtu}`;
  if (t.rcvMss) o += ` rcvmss:${t.rcvMss}`;
  if (t.advmss) o += ` advmss:${t.advmss}`;
  if (t.sndCwnd) o += ` cwnd:${t.sndCwnd}`;
  if (t.sndSsthresh && t.sndSsthresh < 0xffff) o += ` ssthresh:${t.sndSsthresh}`;
  if (t.bytesSent) o += ` bytes_sent:${t.bytesSent}`;
  if (t.bytesRetrans) o += ` bytes_retrans:${t.bytesRetrans}`;
  if (t.bytesAcked) o += ` bytes_acked:${t.bytesAcked}`;
  if (t.bytesReceived) o += ` bytes_received:${t.bytesReceived}`;
  if (t.segsOut) o += ` segs_out:${t.segsOut}`;
  if (t.segsIn) o += ` segs_in:${t.segsIn}`;
  if (t.dataSegsOut) o += ` data_segs_out:${t.dataSegsOut}`;
  if (t.dataSegsIn) o += ` data_segs_in:${t.dataSegsIn}`;
  if (t.bbr && !listening) {
    o += ` bbr:(bw:${bw(t.bbr.bw)}bps,mrtt:${formatG(t.bbr.minRtt / 1000)}`;
    if (t.bbr.pacingGain) o += `,pacing_gain:${formatG(t.bbr.pacingGain / 256)}`;
    if (t.bbr.cwndGain) o += `,cwnd_gain:${formatG(t.bbr.cwndGain / 256)}`;
    o += ")";
  }
  if (t.rtt > 0 && t.sndMss && t.sndCwnd)
    o += ` send ${sprintBw((t.sndCwnd * t.sndMss * 8000000) / t.rtt, numeric)}bps`;
  if (t.lastDataSent) o += ` lastsnd:${t.lastDataSent}`;
  if (t.lastDataRecv) o += ` lastrcv:${t.lastDataRecv}`;
  if (t.lastAckRecv) o += ` lastack:${t.lastAckRecv}`;
  if (!unlimited(t.pacingRate)) {
    o += ` pacing_rate ${bw(t.pacingRate)}bps`;
    if (!unlimited(t.maxPacingRate)) o += `/${bw(t.maxPacingRate)}bps`;
  }
  if (t.deliveryRate) o += ` delivery_rate ${bw(t.deliveryRate)}bps`;
  if (t.delivered) o += ` delivered:${t.delivered}`;
  if (t.deliveredCe) o += ` delivered_ce:${t.deliveredCe}`;
  if (t.deliveryRateAppLimited) o += " app_limited";
  if (t.busyTime) {
    o += ` busy:${Math.floor(t.busyTime / 1000)}ms`;
    if (t.rwndLimited)
      o += ` rwnd_limited:${Math.floor(t.rwndLimited / 1000)}ms(${((100 * t.rwndLimited) / t.busyTime).toFixed(1)}%)`;
    if (t.sndbufLimited)
      o += ` sndbuf_limited:${Math.floor(t.sndbufLimited / 1000)}ms(${((100 * t.sndbufLimited) / t.busyTime).toFixed(1)}%)`;
  }
  if (t.unacked) o += ` unacked:${t.unacked}`;
  if (t.retrans || t.totalRetrans) o += ` retrans:${t.retrans}/${t.totalRetrans}`;
  if (t.lost) o += ` lost:${t.lost}`;
  if (t.sacked && !listening) o += ` sacked:${t.sacked}`;
  if (t.dsackDups) o += ` dsack_dups:${t.dsackDups}`;
  if (t.fackets) o += ` fackets:${t.fackets}`;
  if (t.reordering !== 3) o += ` reordering:${t.reordering}`;
  if (t.reordSeen) o += ` reord_seen:${t.reordSeen}`;
  if (t.rcvRtt) o += ` rcv_rtt:${formatG(t.rcvRtt / 1000)}`;
  if (t.rcvSpace) o += ` rcv_space:${t.rcvSpace}`;
  if (t.rcvSsthresh) o += ` rcv_ssthresh:${t.rcvSsthresh}`;
  if (t.notsentBytes) o += ` notsent:${t.notsentBytes}`;
  if (t.minRtt) o += ` minrtt:${formatG(t.minRtt / 1000)}`;
  if (t.rcvOoopack) o += ` rcv_ooopack:${t.rcvOoopack}`;
  if (t.sndWnd) o += ` snd_wnd:${t.sndWnd}`;
  return o;
}

interface Ctx {
  flags: SsFlags;
  numeric: boolean;
  showOptions: boolean;
  services: Readonly<Record<string, Readonly<Record<number, string>>>>;
  ephemeral: readonly [number, number];
}

function ipText(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** misc/ss.c resolve_service(): "*" for 0, a service name for a known non-ephemeral port, else the number. */
function portText(port: number, proto: string, ctx: Ctx): string {
  if (port === 0) return "*";
  if (!ctx.numeric && (port < ctx.ephemeral[0] || port > ctx.ephemeral[1])) {
    const name = ctx.services[proto]?.[port];
    if (name) return name;
  }
  return String(port);
}

const queue = (n: number) => String(n).padEnd(6, " ");

/** One inet socket's ten tokens. Linux: misc/ss.c inet_stats_print() + inet_show_sock(). */
function inetRow(s: InetSockInfo, ctx: Ctx): string[] {
  const f = ctx.flags;
  const form = s.form ?? "full";
  const full = form === "full";
  const listening = s.proto === "tcp" && s.state === TCP_LISTEN;
  // inet_diag: a listener reports its accept queue and backlog; timewait and request entries none.
  const rq = full ? s.rxQueue : 0;
  const wq = !full ? 0 : listening ? s.backlog : s.txQueue;
  const inode = full ? s.inode : 0;
  let ext = "";
  if (f.processes) ext += usersText(s.owners, inode);
  if (ctx.showOptions && s.proto === "tcp" && s.timer.kind) {
    const n = s.timer.kind === TIMER_RETRANSMIT ? s.retransmits : s.timer.kind === 3 ? 0 : s.probesOut;
    ext += ` timer:(${TIMER_NAMES[Math.min(s.timer.kind, 5)]},${printMsTimer(s.timer.expiresMs)},${n})`;
  }
  if (f.extended) {
    const uid = form === "timewait" ? 0 : s.uid;
    if (uid) ext += ` uid:${uid}`;
    ext += ` ino:${inode} sk:${s.cookie.toString(16)}`;
    if (full && s.mark) ext += ` fwmark:0x${s.mark.toString(16)}`;
    if (full && s.cgroup) ext += ` cgroup:${s.cgroup}`;
    if (full && s.shutdown !== undefined) ext += shutdownText(s.shutdown);
  }
  if (f.memory || (f.info && s.proto !== "udp")) {
    ext += "\n\t";
    if (full && f.memory && s.skmem) ext += skmemText(s.skmem);
    if (full && f.info && s.proto === "tcp" && s.tcp) {
      const t = listening ? listenerInfo(s, s.tcp) : s.tcp;
      ext += tcpInfoText(t, listening, ctx.showOptions, ctx.numeric);
    }
  }
  const state = form === "request" ? 3 : s.state;
  return [
    s.proto,
    SSTATE_NAME[state] ?? "UNKNOWN",
    queue(rq),
    queue(wq),
    `${ipText(s.local.addr)}:`,
    portText(s.local.port, s.proto, ctx),
    `${ipText(s.remote.addr)}:`,
    portText(s.remote.port, s.proto, ctx),
    ext,
    "",
  ];
}

const UNIX_NETID = { stream: "u_str", dgram: "u_dgr", seqpacket: "u_seq" } as const;

/** One Unix socket's ten tokens. Linux: misc/ss.c unix_stats_print() + unix_show_sock(). */
function unixRow(s: UnixSockInfo, ctx: Ctx): string[] {
  const f = ctx.flags;
  const listening = s.state === TCP_LISTEN;
  let ext = "";
  if (f.processes) ext += usersText(s.owners, s.inode);
  if (f.memory && s.skmem) ext += skmemText(s.skmem);
  if (f.extended) {
    ext += shutdownText(s.shutdown ?? 0);
    if (s.vfs) ext += ` ino:${s.vfs.ino} dev:${s.vfs.major}/${s.vfs.minor}`;
    if (listening) ext += ` peers:${(s.icons ?? []).map((i) => ` ${i}`).join("")}`;
  }
  return [
    UNIX_NETID[s.type],
    SSTATE_NAME[s.state] ?? "UNKNOWN",
    queue(s.rxQueue),
    queue(listening ? s.backlog : s.txQueue),
    `${s.name ?? "*"} `,
    String(s.inode),
    "* ",
    String(s.peerInode),
    ext,
    "",
  ];
}

/**
 * `ss` with the given options over the engine's sockets. Sockets print in ss's table order (Unix,
 * then UDP, then TCP) and, within a table, in the order given: give them in the engine's hash table
 * order, as the kernel's dump would (TCP: listeners first).
 */
export function formatSs(
  input: SsInput,
  flags: SsFlags | string | readonly string[],
  opts: SsOptions = {},
): string {
  const f =
    typeof flags === "string" || Array.isArray(flags)
      ? parseSsFlags(flags as string | string[])
      : (flags as SsFlags);
  const filter = buildFilter(f);
  const ctx: Ctx = {
    flags: f,
    numeric: !!f.numeric,
    showOptions: !!(f.options || f.extended),
    services: opts.services ?? SERVICES,
    ephemeral: opts.ephemeral ?? [32768, 60999],
  };
  const want = (state: number) => (filter.states & (1 << state)) !== 0;
  const rows: string[][] = [];
  if (!f.noHeader) rows.push(COLUMNS.map((c, i) => (i === Col.Proc ? "" : c.header)));
  if (filter.unix) for (const s of input.unix ?? []) if (want(s.state)) rows.push(unixRow(s, ctx));
  const inet = input.inet ?? [];
  if (filter.udp) for (const s of inet) if (s.proto === "udp" && want(s.state)) rows.push(inetRow(s, ctx));
  if (filter.tcp)
    for (const s of inet) {
      const state = s.form === "request" ? 3 : s.state;
      if (s.proto === "tcp" && want(state)) rows.push(inetRow(s, ctx));
    }
  const disabled = COLUMNS.map(
    (_, i) =>
      (i === Col.Netid && filter.dbs < 2) || (i === Col.State && (filter.states & (filter.states - 1)) === 0),
  );
  return render(rows, !f.noHeader, disabled, opts.screenWidth);
}
