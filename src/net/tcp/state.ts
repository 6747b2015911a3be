// TCP states, numbered exactly as Linux include/net/tcp_states.h, with the names /proc/net/tcp (hex
// number), ss (short names) and netstat-style tools print.

// The numbers live with the kernel's other Linux constants (AF_UNIX uses them too).
import {
  TCP_CLOSE,
  TCP_CLOSE_WAIT,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_LAST_ACK,
  TCP_LISTEN,
  TCP_NEW_SYN_RECV,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  TCP_TIME_WAIT,
} from "../../kernel/constants.js";

export {
  TCP_CLOSE,
  TCP_CLOSE_WAIT,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_LAST_ACK,
  TCP_LISTEN,
  TCP_NEW_SYN_RECV,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  TCP_TIME_WAIT,
};

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
