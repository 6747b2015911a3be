// TCP states, numbered exactly as Linux include/net/tcp_states.h, with the names /proc/net/tcp (hex
// number), ss (short names) and netstat-style tools print.

export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_SYN_RECV = 3;
export const TCP_FIN_WAIT1 = 4;
export const TCP_FIN_WAIT2 = 5;
export const TCP_TIME_WAIT = 6;
export const TCP_CLOSE = 7;
export const TCP_CLOSE_WAIT = 8;
export const TCP_LAST_ACK = 9;
export const TCP_LISTEN = 10;
export const TCP_CLOSING = 11;
export const TCP_NEW_SYN_RECV = 12;

export type TcpState = number;

/** Linux's internal names (tcp_state_names in net/ipv4/tcp.c style), for traces and tests. */
export const TCP_STATE_NAMES: Record<number, string> = {
  [TCP_ESTABLISHED]: "ESTABLISHED",
  [TCP_SYN_SENT]: "SYN_SENT",
  [TCP_SYN_RECV]: "SYN_RECV",
  [TCP_FIN_WAIT1]: "FIN_WAIT1",
  [TCP_FIN_WAIT2]: "FIN_WAIT2",
  [TCP_TIME_WAIT]: "TIME_WAIT",
  [TCP_CLOSE]: "CLOSE",
  [TCP_CLOSE_WAIT]: "CLOSE_WAIT",
  [TCP_LAST_ACK]: "LAST_ACK",
  [TCP_LISTEN]: "LISTEN",
  [TCP_CLOSING]: "CLOSING",
  [TCP_NEW_SYN_RECV]: "NEW_SYN_RECV",
};

/** iproute2 ss's column names (misc/ss.c sstate_name). */
export const SS_STATE_NAMES: Record<number, string> = {
  [TCP_ESTABLISHED]: "ESTAB",
  [TCP_SYN_SENT]: "SYN-SENT",
  [TCP_SYN_RECV]: "SYN-RECV",
  [TCP_FIN_WAIT1]: "FIN-WAIT-1",
  [TCP_FIN_WAIT2]: "FIN-WAIT-2",
  [TCP_TIME_WAIT]: "TIME-WAIT",
  [TCP_CLOSE]: "UNCONN",
  [TCP_CLOSE_WAIT]: "CLOSE-WAIT",
  [TCP_LAST_ACK]: "LAST-ACK",
  [TCP_LISTEN]: "LISTEN",
  [TCP_CLOSING]: "CLOSING",
  [TCP_NEW_SYN_RECV]: "SYN-RECV",
};
