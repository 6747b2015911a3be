// The data shapes the observability formatters read (src/tools/proc.ts, ss.ts, lsof.ts): plain objects
// the engine fills from its sockets, fd tables and counters. Every field is named for the Linux field
// it mirrors and kept in the unit Linux keeps it in, so a reader can check a value against the kernel
// (struct tcp_info, struct inet_diag_msg, /proc/net/tcp's get_tcp4_sock, sk_meminfo). The formatters
// do the conversions Linux's own printers do (jiffies to clock ticks, microseconds to "%g" ms, bytes
// per second to bits per second), so the engine never pre-formats anything.
//
// Addresses are IPv4 host-order u32 numbers as in src/net/addr.ts (127.0.0.1 = 0x7f000001); ports
// are plain numbers. Socket states are Linux's TCP state numbers (src/net/tcp/state.ts, from
// include/net/tcp_states.h); UDP and Unix sockets use them too, as Linux does (TCP_ESTABLISHED for a
// connected socket, TCP_CLOSE for an unconnected one, TCP_LISTEN for a listening Unix socket).

/** An IPv4 endpoint; addr 0 is INADDR_ANY, port 0 is "no port" (both print as `*` in ss and lsof). */
export interface InetEndpoint {
  addr: number;
  port: number;
}

// Which timer is pending, as /proc/net/tcp's "tr" column and inet_diag's idiag_timer number them
// (net/ipv4/tcp_ipv4.c get_tcp4_sock; net/ipv4/inet_diag.c inet_sk_diag_fill).
export const TIMER_OFF = 0;
/** ICSK_TIME_RETRANS, and also ICSK_TIME_REO_TIMEOUT / ICSK_TIME_LOSS_PROBE. */
export const TIMER_RETRANSMIT = 1;
/** sk_timer: keepalive (and the FIN_WAIT2 timer of a full socket). */
export const TIMER_KEEPALIVE = 2;
/** The TIME_WAIT (or orphaned FIN_WAIT2) timer of an inet_timewait_sock. */
export const TIMER_TIMEWAIT = 3;
/** ICSK_TIME_PROBE0: zero-window probes (ss calls it "persist"). */
export const TIMER_PROBE0 = 4;
export type TimerKind = 0 | 1 | 2 | 3 | 4;

export interface SockTimer {
  kind: TimerKind;
  /** Time until it fires, in ms (/proc prints it in USER_HZ clock ticks, ss -o in ms). */
  expiresMs: number;
}

/** One open file that refers to the socket: ss -p's ("comm",pid=,fd=) and lsof's rows. */
export interface SockOwner {
  /** The process's comm (at most 15 bytes in Linux). */
  comm: string;
  pid: number;
  fd: number;
}

/** sk_get_meminfo() (include/uapi/linux/sock_diag.h SK_MEMINFO_*), printed by ss -m as skmem:(...). */
export interface SkMemInfo {
  rmemAlloc: number; // r: sk_rmem_alloc, bytes (truesize) in the receive queue
  rcvbuf: number; // rb: sk_rcvbuf
  wmemAlloc: number; // t: sk_wmem_alloc, bytes handed to the device and not freed yet
  sndbuf: number; // tb: sk_sndbuf
  fwdAlloc: number; // f: sk_forward_alloc
  wmemQueued: number; // w: sk_wmem_queued, write queue (unsent and unacked)
  optmem: number; // o: sk_omem_alloc
  backlog: number; // bl: sk_backlog.len
  drops: number; // d: sk_drops
}

/** struct tcp_bbr_info (INET_DIAG_BBRINFO), ss -i's bbr:(...). */
export interface BbrInfo {
  /** Bottleneck bandwidth estimate, bytes per second. */
  bw: number;
  /** Min RTT, µs. */
  minRtt: number;
  /** Gains in Linux's fixed point (BBR_UNIT = 256; 739 prints as 2.88672). 0 = not printed. */
  pacingGain: number;
  cwndGain: number;
}

/** tcpi_options bits, by the words ss prints for them (wscale shows as wscale:snd,rcv). */
export type TcpiOption = "ts" | "sack" | "wscale" | "ecn" | "ecnseen" | "fastopen";

/** TCP_INFO_INFINITE-style "no value" markers Linux uses in tcp_info. */
export const TCP_INFINITE_SSTHRESH = 0x7fffffff;

/**
 * struct tcp_info (include/uapi/linux/tcp.h) as tcp_get_info() fills it, in its units: times in µs
 * except the last* fields (ms); rates in bytes per second; windows and queues in bytes; counts.
 * Plus the three /proc/net/tcp values that are not in tcp_info (ackQuick, ackPingpong,
 * fastOpenMaxQlen). A zero prints nothing in ss -i, as in ss.
 */
export interface TcpInfo {
  /** Congestion control name (INET_DIAG_CONG): "cubic", "reno", "bbr"; "" for none. */
  congestion: string;
  options: TcpiOption[];
  sndWscale: number;
  rcvWscale: number;
  /** icsk_rto, µs (Linux keeps it in jiffies; tcpi_rto is the same value in µs). */
  rto: number;
  /** icsk_ack.ato, µs. */
  ato: number;
  backoff: number;
  /** Smoothed RTT and its mean deviation, µs (tcpi_rtt, tcpi_rttvar). */
  rtt: number;
  rttvar: number;
  sndMss: number;
  rcvMss: number;
  advmss: number;
  pmtu: number;
  sndCwnd: number;
  /** snd_ssthresh; TCP_INFINITE_SSTHRESH while in initial slow start. */
  sndSsthresh: number;
  bytesSent: number;
  bytesRetrans: number;
  bytesAcked: number;
  bytesReceived: number;
  segsOut: number;
  segsIn: number;
  dataSegsOut: number;
  dataSegsIn: number;
  /** ms since the last data sent / data received / ACK received. */
  lastDataSent: number;
  lastDataRecv: number;
  lastAckRecv: number;
  /** sk_pacing_rate and sk_max_pacing_rate, bytes/s; Infinity is Linux's ~0 (no pacing). */
  pacingRate: number;
  maxPacingRate: number;
  /** Delivery rate sample, bytes/s, and whether it was application-limited. */
  deliveryRate: number;
  deliveryRateAppLimited: boolean;
  delivered: number;
  deliveredCe: number;
  /** Time busy sending, and the parts limited by the receive window and by the send buffer, µs. */
  busyTime: number;
  rwndLimited: number;
  sndbufLimited: number;
  unacked: number;
  sacked: number;
  retrans: number;
  totalRetrans: number;
  lost: number;
  fackets: number;
  reordering: number;
  reordSeen: number;
  dsackDups: number;
  /** Receiver-side RTT estimate, µs. */
  rcvRtt: number;
  rcvSpace: number;
  rcvSsthresh: number;
  notsentBytes: number;
  /** Minimum RTT seen, µs; 0 = none yet (Linux's ~0U). */
  minRtt: number;
  rcvOoopack: number;
  sndWnd: number;
  bbr?: BbrInfo;
  /** icsk_ack.quick and inet_csk_in_pingpong_mode(): /proc/net/tcp prints (quick << 1) | pingpong. */
  ackQuick: number;
  ackPingpong: number;
  /** A listener's fastopen queue limit (/proc/net/tcp's last column for LISTEN). */
  fastOpenMaxQlen: number;
}

/**
 * Which kind of kernel object a TCP entry is, because Linux prints each with its own function:
 * a full socket (get_tcp4_sock), an inet_timewait_sock left by TIME_WAIT or an orphaned FIN_WAIT2
 * (get_timewait4_sock), or a request_sock for a half-open connection (get_openreq4, state SYN_RECV).
 */
export type SockForm = "full" | "timewait" | "request";

/** A TCP or UDP socket over IPv4, as /proc/net/{tcp,udp}, ss and lsof see it. */
export interface InetSockInfo {
  proto: "tcp" | "udp";
  /** Default "full". UDP sockets are always full. */
  form?: SockForm;
  /** TCP_* state number. A timewait entry carries its substate (TIME_WAIT or FIN_WAIT2). */
  state: number;
  local: InetEndpoint;
  remote: InetEndpoint;
  /**
   * Queues as /proc prints them. TCP: txQueue = write_seq - snd_una (unacked + unsent bytes),
   * rxQueue = rcv_nxt - copied_seq (unread bytes), and for a listener rxQueue = accept queue length
   * (sk_ack_backlog). UDP: sk_wmem_alloc and sk_rmem_alloc (truesize of queued skbs).
   */
  txQueue: number;
  rxQueue: number;
  /** A listener's sk_max_ack_backlog (ss shows it as Send-Q); 0 otherwise. */
  backlog: number;
  timer: SockTimer;
  /** icsk_retransmits (/proc "retrnsmt"; ss timer count for a retransmit timer). */
  retransmits: number;
  /** icsk_probes_out (/proc "timeout"; ss timer count for keepalive and probe timers). */
  probesOut: number;
  uid: number;
  /** The socket's inode number (socket:[N]); 0 for timewait/request entries and unaccepted children. */
  inode: number;
  refcnt: number;
  /** The socket's kernel address as %pK prints it: 16 lowercase hex digits (a stable fake address). */
  skAddr: string;
  /** sock_gen_cookie(): ss -e prints it as sk:<hex>. */
  cookie: number;
  owners: SockOwner[];
  /** Full TCP sockets. */
  tcp?: TcpInfo;
  /** Full sockets (ss -m). */
  skmem?: SkMemInfo;
  /** cgroup v2 path of the owning cgroup (ss -e cgroup:), e.g. "/". */
  cgroup?: string;
  /** sk_shutdown: RCV_SHUTDOWN 1, SEND_SHUTDOWN 2 (ss -e prints <->, -->, <--, ---). */
  shutdown?: number;
  /** sk_mark (ss -e fwmark:0x...); 0 = none. */
  mark?: number;
  /** UDP: the hash slot /proc/net/udp prints as "sl" (udp_hashfn); default local.port & 127. */
  bucket?: number;
  /** UDP: sk_drops. */
  drops?: number;
}

/** A Unix domain socket as ss -x sees it (net/unix/diag.c). */
export interface UnixSockInfo {
  type: "stream" | "dgram" | "seqpacket";
  /** TCP_LISTEN, TCP_ESTABLISHED (connected), TCP_CLOSE (unconnected). */
  state: number;
  /** Bound name; abstract names start with "@" (ss's rendering of the leading NUL); null = unbound. */
  name: string | null;
  inode: number;
  /** The peer's inode, 0 when unconnected (or for a connection not accepted yet). */
  peerInode: number;
  /** Bytes queued to read / written and not consumed; a listener's rxQueue is its accept queue. */
  rxQueue: number;
  txQueue: number;
  /** A listener's sk_max_ack_backlog (ss Send-Q); 0 otherwise. */
  backlog: number;
  owners: SockOwner[];
  skmem?: SkMemInfo;
  shutdown?: number;
  /** The socket file's inode and device, for path-bound sockets (ss -e ino:N dev:maj/min). */
  vfs?: { ino: number; major: number; minor: number };
  /** A listener's pending connections, by the inode of the client end (ss -e peers:). */
  icons?: number[];
}

/** One "tfd:" line of an epoll fd's fdinfo (fs/eventpoll.c ep_show_fdinfo). */
export interface EpollItemInfo {
  tfd: number;
  events: number;
  data: bigint;
  pos: number;
  ino: number;
  sdev: number;
}

/** An open file descriptor as /proc/<pid>/fd and /proc/<pid>/fdinfo/<fd> show it. */
export interface ProcFd {
  fd: number;
  /** The link text: "socket:[123]", "pipe:[45]", "anon_inode:[eventpoll]", "/dev/null". */
  target: string;
  /** f_flags (O_ACCMODE decides the link's rwx bits in ls -l; fdinfo prints it in octal). */
  flags: number;
  pos: number;
  mntId: number;
  ino: number;
  /** Unix sockets: SCM_RIGHTS fds in flight ("scm_fds: N"). */
  scmFds?: number;
  /** epoll fds: the watched targets. */
  epoll?: EpollItemInfo[];
}

/** A process's fd directory, for `ls -l /proc/<pid>/fd`. */
export interface ProcFdTable {
  pid: number;
  user: string;
  group: string;
  /** The links' mtime (when the directory was first read). */
  mtime: Date;
  fds: ProcFd[];
}

/** What lsof needs about a process. */
export interface ProcessInfo {
  pid: number;
  comm: string;
  uid: number;
  /** Login name for the uid; lsof prints the number when there is none. */
  user?: string;
}

// ---- SNMP counters: /proc/net/snmp and /proc/net/netstat ----
// Row and column names exactly as Linux 6.18 prints them (net/ipv4/proc.c snmp4_ipstats_list,
// icmpmibmap, snmp4_tcp_list, snmp4_udp_list, snmp4_net_list, snmp4_ipextstats_list,
// net/mptcp/mib.c mptcp_snmp_list), in order. Every listed name is printed; a counter the engine
// does not keep prints as 0.

// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const SNMP_IP = [
  "Forwarding", "DefaultTTL", "InReceives", "InHdrErrors", "InAddrErrors", "ForwDatagrams",
  "InUnknownProtos", "InDiscards", "InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes",
  "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates",
  "OutTransmits",
] as const;

/** The Icmp row's own counters; the per-type columns come from icmpMsg through ICMP_MIB_MAP. */
// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const SNMP_ICMP = [
  "InMsgs", "InErrors", "InCsumErrors", "OutMsgs", "OutErrors", "OutRateLimitGlobal", "OutRateLimitHost",
] as const;

/** net/ipv4/proc.c icmpmibmap: the Icmp row's In<name>/Out<name> columns and their ICMP types. */
export const ICMP_MIB_MAP: readonly (readonly [string, number])[] = [
  ["DestUnreachs", 3],
  ["TimeExcds", 11],
  ["ParmProbs", 12],
  ["SrcQuenchs", 4],
  ["Redirects", 5],
  ["Echos", 8],
  ["EchoReps", 0],
  ["Timestamps", 13],
  ["TimestampReps", 14],
  ["AddrMasks", 17],
  ["AddrMaskReps", 18],
];

// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const SNMP_TCP = [
  "RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn", "ActiveOpens", "PassiveOpens", "AttemptFails",
  "EstabResets", "CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs", "OutRsts", "InCsumErrors",
] as const;

/** The Udp and UdpLite rows. */
// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const SNMP_UDP = [
  "InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors", "SndbufErrors", "InCsumErrors",
  "IgnoredMulti", "MemErrors",
] as const;

// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const NETSTAT_TCPEXT = [
  "SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed", "EmbryonicRsts", "PruneCalled", "RcvPruned",
  "OfoPruned", "OutOfWindowIcmps", "LockDroppedIcmps", "ArpFilter", "TW", "TWRecycled", "TWKilled",
  "PAWSActive", "PAWSEstab", "BeyondWindow", "TSEcrRejected", "PAWSOldAck", "PAWSTimewait", "DelayedACKs",
  "DelayedACKLocked", "DelayedACKLost", "ListenOverflows", "ListenDrops", "TCPHPHits", "TCPPureAcks",
  "TCPHPAcks", "TCPRenoRecovery", "TCPSackRecovery", "TCPSACKReneging", "TCPSACKReorder", "TCPRenoReorder",
  "TCPTSReorder", "TCPFullUndo", "TCPPartialUndo", "TCPDSACKUndo", "TCPLossUndo", "TCPLostRetransmit",
  "TCPRenoFailures", "TCPSackFailures", "TCPLossFailures", "TCPFastRetrans", "TCPSlowStartRetrans",
  "TCPTimeouts", "TCPLossProbes", "TCPLossProbeRecovery", "TCPRenoRecoveryFail", "TCPSackRecoveryFail",
  "TCPRcvCollapsed", "TCPBacklogCoalesce", "TCPDSACKOldSent", "TCPDSACKOfoSent", "TCPDSACKRecv",
  "TCPDSACKOfoRecv", "TCPAbortOnData", "TCPAbortOnClose", "TCPAbortOnMemory", "TCPAbortOnTimeout",
  "TCPAbortOnLinger", "TCPAbortFailed", "TCPMemoryPressures", "TCPMemoryPressuresChrono", "TCPSACKDiscard",
  "TCPDSACKIgnoredOld", "TCPDSACKIgnoredNoUndo", "TCPSpuriousRTOs", "TCPMD5NotFound", "TCPMD5Unexpected",
  "TCPMD5Failure", "TCPSackShifted", "TCPSackMerged", "TCPSackShiftFallback", "TCPBacklogDrop",
  "PFMemallocDrop", "TCPMinTTLDrop", "TCPDeferAcceptDrop", "IPReversePathFilter", "TCPTimeWaitOverflow",
  "TCPReqQFullDoCookies", "TCPReqQFullDrop", "TCPRetransFail", "TCPRcvCoalesce", "TCPOFOQueue",
  "TCPOFODrop", "TCPOFOMerge", "TCPChallengeACK", "TCPSYNChallenge", "TCPFastOpenActive",
  "TCPFastOpenActiveFail", "TCPFastOpenPassive", "TCPFastOpenPassiveFail", "TCPFastOpenListenOverflow",
  "TCPFastOpenCookieReqd", "TCPFastOpenBlackhole", "TCPSpuriousRtxHostQueues", "BusyPollRxPackets",
  "TCPAutoCorking", "TCPFromZeroWindowAdv", "TCPToZeroWindowAdv", "TCPWantZeroWindowAdv", "TCPSynRetrans",
  "TCPOrigDataSent", "TCPHystartTrainDetect", "TCPHystartTrainCwnd", "TCPHystartDelayDetect",
  "TCPHystartDelayCwnd", "TCPACKSkippedSynRecv", "TCPACKSkippedPAWS", "TCPACKSkippedSeq",
  "TCPACKSkippedFinWait2", "TCPACKSkippedTimeWait", "TCPACKSkippedChallenge", "TCPWinProbe",
  "TCPKeepAlive", "TCPMTUPFail", "TCPMTUPSuccess", "TCPDelivered", "TCPDeliveredCE", "TCPAckCompressed",
  "TCPZeroWindowDrop", "TCPRcvQDrop", "TCPWqueueTooBig", "TCPFastOpenPassiveAltKey", "TcpTimeoutRehash",
  "TcpDuplicateDataRehash", "TCPDSACKRecvSegs", "TCPDSACKIgnoredDubious", "TCPMigrateReqSuccess",
  "TCPMigrateReqFailure", "TCPPLBRehash", "TCPAORequired", "TCPAOBad", "TCPAOKeyNotFound", "TCPAOGood",
  "TCPAODroppedIcmps",
] as const;

// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const NETSTAT_IPEXT = [
  "InNoRoutes", "InTruncatedPkts", "InMcastPkts", "OutMcastPkts", "InBcastPkts", "OutBcastPkts",
  "InOctets", "OutOctets", "InMcastOctets", "OutMcastOctets", "InBcastOctets", "OutBcastOctets",
  "InCsumErrors", "InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts", "ReasmOverlaps",
] as const;

// biome-ignore format: the names wrapped as a paragraph, in Linux's order
export const NETSTAT_MPTCPEXT = [
  "MPCapableSYNRX", "MPCapableSYNTX", "MPCapableSYNACKRX", "MPCapableACKRX", "MPCapableFallbackACK",
  "MPCapableFallbackSYNACK", "MPCapableSYNTXDrop", "MPCapableSYNTXDisabled", "MPCapableEndpAttempt",
  "MPFallbackTokenInit", "MPTCPRetrans", "MPJoinNoTokenFound", "MPJoinSynRx", "MPJoinSynBackupRx",
  "MPJoinSynAckRx", "MPJoinSynAckBackupRx", "MPJoinSynAckHMacFailure", "MPJoinAckRx",
  "MPJoinAckHMacFailure", "MPJoinRejected", "MPJoinSynTx", "MPJoinSynTxCreatSkErr", "MPJoinSynTxBindErr",
  "MPJoinSynTxConnectErr", "DSSNotMatching", "DSSCorruptionFallback", "DSSCorruptionReset",
  "InfiniteMapTx", "InfiniteMapRx", "DSSNoMatchTCP", "DataCsumErr", "OFOQueueTail", "OFOQueue", "OFOMerge",
  "NoDSSInWindow", "DuplicateData", "AddAddr", "AddAddrTx", "AddAddrTxDrop", "EchoAdd", "EchoAddTx",
  "EchoAddTxDrop", "PortAdd", "AddAddrDrop", "MPJoinPortSynRx", "MPJoinPortSynAckRx", "MPJoinPortAckRx",
  "MismatchPortSynRx", "MismatchPortAckRx", "RmAddr", "RmAddrDrop", "RmAddrTx", "RmAddrTxDrop",
  "RmSubflow", "MPPrioTx", "MPPrioRx", "MPFailTx", "MPFailRx", "MPFastcloseTx", "MPFastcloseRx", "MPRstTx",
  "MPRstRx", "SubflowStale", "SubflowRecover", "SndWndShared", "RcvWndShared", "RcvWndConflictUpdate",
  "RcvWndConflict", "MPCurrEstab", "Blackhole", "MPCapableDataFallback", "MD5SigFallback", "DssFallback",
  "SimultConnectFallback", "FallbackFailed", "WinProbe",
] as const;

export type Counters<T extends readonly string[]> = Record<T[number], number>;

export interface SnmpCounters {
  ip: Counters<typeof SNMP_IP>;
  icmp: Counters<typeof SNMP_ICMP>;
  /** ICMP messages by type (0..255), received and sent: the IcmpMsg rows and the Icmp per-type columns. */
  icmpMsg: { in: Record<number, number>; out: Record<number, number> };
  tcp: Counters<typeof SNMP_TCP>;
  udp: Counters<typeof SNMP_UDP>;
  udpLite: Counters<typeof SNMP_UDP>;
  tcpExt: Counters<typeof NETSTAT_TCPEXT>;
  ipExt: Counters<typeof NETSTAT_IPEXT>;
  mptcpExt: Counters<typeof NETSTAT_MPTCPEXT>;
}

function zeros<T extends readonly string[]>(names: T): Counters<T> {
  const o = {} as Record<string, number>;
  for (const n of names) o[n] = 0;
  return o as Counters<T>;
}

/**
 * All counters at zero, with the constants Linux reports in the same rows: Ip Forwarding 2 (not a
 * router; 1 when forwarding), DefaultTTL 64, and Tcp RtoAlgorithm 1 (RFC 6298), RtoMin 200,
 * RtoMax 120000 (ms), MaxConn -1 (tcp_mib_init()).
 */
export function emptySnmpCounters(): SnmpCounters {
  const c: SnmpCounters = {
    ip: zeros(SNMP_IP),
    icmp: zeros(SNMP_ICMP),
    icmpMsg: { in: {}, out: {} },
    tcp: zeros(SNMP_TCP),
    udp: zeros(SNMP_UDP),
    udpLite: zeros(SNMP_UDP),
    tcpExt: zeros(NETSTAT_TCPEXT),
    ipExt: zeros(NETSTAT_IPEXT),
    mptcpExt: zeros(NETSTAT_MPTCPEXT),
  };
  c.ip.Forwarding = 2;
  c.ip.DefaultTTL = 64;
  c.tcp.RtoAlgorithm = 1;
  c.tcp.RtoMin = 200;
  c.tcp.RtoMax = 120000;
  c.tcp.MaxConn = -1;
  return c;
}

/**
 * A kernel address as %pK prints it with kptr_restrict 0 on 64-bit Linux: the pointer hashed to 32
 * bits (lib/vsprintf.c ptr_to_id), as 16 hex digits. Derived from any stable id the engine has, so
 * the same socket always shows the same address. The mix is the murmur3 finalizer, not Linux's
 * siphash: the values look alike, they are not meant to be equal.
 */
export function hashedPointer(id: number): string {
  let h = (id ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h.toString(16).padStart(16, "0");
}

/** A tcp_info with every counter at zero and Linux's initial values where they are not zero. */
export function emptyTcpInfo(): TcpInfo {
  return {
    congestion: "",
    options: [],
    sndWscale: 0,
    rcvWscale: 0,
    rto: 0,
    ato: 0,
    backoff: 0,
    rtt: 0,
    rttvar: 0,
    sndMss: 0,
    rcvMss: 0,
    advmss: 0,
    pmtu: 0,
    sndCwnd: 0,
    sndSsthresh: TCP_INFINITE_SSTHRESH,
    bytesSent: 0,
    bytesRetrans: 0,
    bytesAcked: 0,
    bytesReceived: 0,
    segsOut: 0,
    segsIn: 0,
    dataSegsOut: 0,
    dataSegsIn: 0,
    lastDataSent: 0,
    lastDataRecv: 0,
    lastAckRecv: 0,
    pacingRate: Number.POSITIVE_INFINITY,
    maxPacingRate: Number.POSITIVE_INFINITY,
    deliveryRate: 0,
    deliveryRateAppLimited: false,
    delivered: 0,
    deliveredCe: 0,
    busyTime: 0,
    rwndLimited: 0,
    sndbufLimited: 0,
    unacked: 0,
    sacked: 0,
    retrans: 0,
    totalRetrans: 0,
    lost: 0,
    fackets: 0,
    reordering: 3,
    reordSeen: 0,
    dsackDups: 0,
    rcvRtt: 0,
    rcvSpace: 0,
    rcvSsthresh: 0,
    notsentBytes: 0,
    minRtt: 0,
    rcvOoopack: 0,
    sndWnd: 0,
    ackQuick: 0,
    ackPingpong: 0,
    fastOpenMaxQlen: 0,
  };
}
