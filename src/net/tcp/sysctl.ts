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
  tcp_early_retrans: number; // 3: TLP (RFC 8985 probe timeout) on
  tcp_recovery: number; // 1: RACK loss detection
  tcp_frto: number; // 2: F-RTO (RFC 5682), SACK-enhanced
  tcp_dsack: number;
  tcp_reordering: number;
  tcp_max_reordering: number;
  tcp_congestion_control: string;
  tcp_pacing_ss_ratio: number;
  tcp_pacing_ca_ratio: number;
  tcp_min_tso_segs: number;
  tcp_tso_rtt_log: number;
  tcp_notsent_lowat: number;
  tcp_invalid_ratelimit: number; // ms
  tcp_challenge_ack_limit: number;
  tcp_rfc1337: number;
  tcp_orphan_retries: number;
  tcp_comp_sack_nr: number;
  tcp_comp_sack_delay_ns: number;
  tcp_adv_win_scale: number;
  tcp_app_win: number;
  tcp_workaround_signed_windows: number;
  tcp_moderate_rcvbuf: number;
  tcp_tso_win_divisor: number;
  tcp_mtu_probing: number;
  tcp_base_mss: number;
  tcp_ecn: number;
  tcp_fack: number;
  tcp_autocorking: number;
  tcp_thin_linear_timeouts: number;
  tcp_syn_linear_timeouts: number;
  tcp_shrink_window: number;
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
    tcp_early_retrans: 3,
    tcp_recovery: 1,
    tcp_frto: 2,
    tcp_dsack: 1,
    tcp_reordering: 3,
    tcp_max_reordering: 300,
    tcp_congestion_control: "cubic",
    tcp_pacing_ss_ratio: 200,
    tcp_pacing_ca_ratio: 120,
    tcp_min_tso_segs: 2,
    tcp_tso_rtt_log: 9,
    tcp_notsent_lowat: 0xffffffff,
    tcp_invalid_ratelimit: 500,
    tcp_challenge_ack_limit: 0x7fffffff,
    tcp_rfc1337: 0,
    tcp_orphan_retries: 0,
    tcp_comp_sack_nr: 44,
    tcp_comp_sack_delay_ns: 1_000_000,
    tcp_adv_win_scale: 1,
    tcp_app_win: 31,
    tcp_workaround_signed_windows: 0,
    tcp_moderate_rcvbuf: 1,
    tcp_tso_win_divisor: 3,
    tcp_mtu_probing: 0,
    tcp_base_mss: 1024,
    tcp_ecn: 2,
    tcp_fack: 0,
    tcp_autocorking: 1,
    tcp_thin_linear_timeouts: 0,
    tcp_syn_linear_timeouts: 0,
    tcp_shrink_window: 0,
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
export const TCP_TIMEOUT_MIN = 2 * MS; // 2 jiffies
export const TCP_MIN_MSS = 88;
export const TCP_MIN_SND_MSS = 48;
export const TCP_NUM_SACKS = 4;
export const TCP_PAWS_WINDOW = 1;
export const TCP_FASTRETRANS_THRESH = 3;
export const TCP_RACK_RECOVERY_THRESH = 16;
export const TCP_MSS_DEFAULT = 536; // RFC 1122 default when the peer sends no MSS option
export const TCP_MAX_WSCALE = 14;
export const TCPOLEN_TSTAMP_ALIGNED = 12;
export const TCPOLEN_SACK_BASE_ALIGNED = 4;
export const TCPOLEN_SACK_PERBLOCK = 8;
export const MAX_TCP_HEADER = 128 + 32; // headroom reserved for TCP/IP/link headers (Linux MAX_TCP_HEADER)
