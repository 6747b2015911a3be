// TCP tunables with Linux's defaults (Documentation/networking/ip-sysctl.rst). One object per host,
// so a packetdrill `sysctl -q net.ipv4.tcp_x=y` line can change it.

export const HZ_MS = 1; // jiffies are 1 ms here (HZ = 1000)
export const MS = 1_000_000; // ns per ms

export interface TcpSysctl {
  tcp_syn_retries: number;
  tcp_synack_retries: number;
  tcp_retries1: number;
  tcp_retries2: number;
  tcp_fin_timeout: number; // seconds
  tcp_keepalive_time: number; // seconds
  tcp_keepalive_intvl: number; // seconds
  tcp_keepalive_probes: number;
  tcp_timestamps: number;
  tcp_window_scaling: number;
  tcp_sack: number;
  tcp_rmem: [number, number, number];
  tcp_wmem: [number, number, number];
  tcp_slow_start_after_idle: number;
  tcp_syncookies: number;
  tcp_max_syn_backlog: number;
  tcp_abort_on_overflow: number;
  tcp_min_rtt_wlen: number;
  somaxconn: number;
  ip_local_port_range: [number, number];
}

export function defaultTcpSysctl(): TcpSysctl {
  return {
    tcp_syn_retries: 6,
    tcp_synack_retries: 5,
    tcp_retries1: 3,
    tcp_retries2: 15,
    tcp_fin_timeout: 60,
    tcp_keepalive_time: 7200,
    tcp_keepalive_intvl: 75,
    tcp_keepalive_probes: 9,
    tcp_timestamps: 1,
    tcp_window_scaling: 1,
    tcp_sack: 1,
    tcp_rmem: [4096, 131072, 6291456],
    tcp_wmem: [4096, 16384, 4194304],
    tcp_slow_start_after_idle: 1,
    tcp_syncookies: 1,
    tcp_max_syn_backlog: 4096,
    tcp_abort_on_overflow: 0,
    tcp_min_rtt_wlen: 300,
    somaxconn: 4096,
    ip_local_port_range: [32768, 60999],
  };
}

// include/net/tcp.h
export const TCP_TIMEWAIT_LEN = 60_000 * MS;
export const TCP_RTO_MIN = 200 * MS;
export const TCP_RTO_MAX = 120_000 * MS;
export const TCP_TIMEOUT_INIT = 1_000 * MS;
export const TCP_DELACK_MIN = 40 * MS;
export const TCP_DELACK_MAX = 200 * MS;
export const TCP_ATO_MIN = 40 * MS;
export const TCP_RESOURCE_PROBE_INTERVAL = 500 * MS;
export const TCP_INIT_CWND = 10;
export const TCP_MAX_QUICKACKS = 16;
export const TCP_MSS_DEFAULT = 536; // RFC 1122 default when the peer sends no MSS option
export const TCP_MAX_WSCALE = 14;
export const TCPOLEN_TSTAMP_ALIGNED = 12;
export const TCPOLEN_SACK_BASE_ALIGNED = 4;
export const TCPOLEN_SACK_PERBLOCK = 8;
export const MAX_TCP_HEADER = 128 + 32; // headroom reserved for TCP/IP/link headers (Linux MAX_TCP_HEADER)
