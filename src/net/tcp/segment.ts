// The parsed form of a TCP segment as the state machine sees it (STYLE lesson 2: the machine never
// touches bytes). The socket layer fills it from the core's FRAME struct and turns TcpOutSeg back
// into header bytes with the core's tcpEmit.

export const TCPF_FIN = 0x01;
export const TCPF_SYN = 0x02;
export const TCPF_RST = 0x04;
export const TCPF_PSH = 0x08;
export const TCPF_ACK = 0x10;
export const TCPF_URG = 0x20;
export const TCPF_ECE = 0x40;
export const TCPF_CWR = 0x80;

export interface TcpOptions {
  mss?: number;
  wscale?: number;
  sackOk?: boolean;
  ts?: { val: number; ecr: number };
  sack?: [number, number][];
}

/** An inbound segment. `payload` is an opaque reference the socket layer resolves to bytes. */
export interface TcpSegment {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  /** The raw 16-bit window field (unscaled). */
  window: number;
  options: TcpOptions;
  /** Payload bytes. */
  len: number;
  payload: unknown;
  /** The IPv4 header's ECN bits (RFC 3168: 0 not-ECT, 1 ECT(1), 2 ECT(0), 3 CE). */
  ecn?: number;
}

/** An outbound segment. Data comes from the socket's send buffer: bytes [dataOff, dataOff+dataLen)
 *  counted from snd_una. */
export interface TcpOutSeg {
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options: TcpOptions;
  dataOff: number;
  dataLen: number;
  /** The IPv4 TOS byte to send with: IP_TOS, and the ECN codepoint (ECT(0) on new data of an ECN connection). */
  tos?: number;
}

/** Sequence space a segment occupies: payload plus one for SYN and one for FIN (Linux end_seq). */
export function segEnd(seg: { seq: number; flags: number; len: number }): number {
  return (seg.seq + seg.len + (seg.flags & TCPF_SYN ? 1 : 0) + (seg.flags & TCPF_FIN ? 1 : 0)) >>> 0;
}
