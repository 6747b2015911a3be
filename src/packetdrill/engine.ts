// What the packetdrill runner needs from a system under test (SUT). The runner plays packetdrill's
// "remote" peer and its syscall thread; the engine is the "local" host: one fresh engine per script.
//
// Contract in one paragraph: the runner calls reset() once, applies settings (applySysctl, command),
// then drives the engine's virtual clock only through advanceTo(), asking pollAt() where the next
// timer is so it can stop exactly at each one. Between clock steps it makes syscalls and injects
// inbound segments "now". Everything the engine transmits is returned, once, by outbound(), each
// segment stamped with the virtual time it left. A syscall that would block returns a BlockedSyscall
// the runner polls after each step; it records the virtual time at which the call completed.
//
// Addresses are the runner's (EngineSettings); segments are plain objects - the engine builds and
// parses the wire bytes (Ethernet/IPv4/TCP with checksums) in its test device. Sequence, ack and SACK
// numbers and TS values here are LIVE values (what is on the wire); the runner maps them to and from
// the script's relative numbers.

/** TCP header flag bits as in the header's 13th byte (Linux TCPHDR_*), plus AE (the 12th byte's low bit). */
export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;
export const TH_AE = 0x100;

/** A TCP option as on the wire, in wire order (nop and eol included). */
export type TcpOption =
  | { kind: "nop" }
  | { kind: "eol" }
  | { kind: "mss"; value: number }
  | { kind: "wscale"; value: number }
  | { kind: "sackOK" }
  | { kind: "sack"; blocks: [number, number][] }
  | { kind: "ts"; val: number; ecr: number }
  /** TCP Fast Open: option 34 (`fo`) or the experimental 254/0xF989 (`foexp`); cookie in hex. */
  | { kind: "fastopen"; exp: boolean; cookie: string }
  | { kind: "md5"; digest: string }
  /** Any other option kind, raw. */
  | { kind: "other"; code: number; data: Uint8Array };

/** How the runner sets up the test device and the defaults `...` arguments stand for. */
export interface EngineSettings {
  /** The SUT's address on the test device (packetdrill --local_ip, default 192.168.0.1). */
  localIp: string;
  /** The remote peer the runner plays (--remote_ip, default 192.0.2.1). */
  remoteIp: string;
  /** A gateway on the test device's subnet (--gateway_ip, default 192.168.0.2). */
  gatewayIp: string;
  /** The test device's netmask (--netmask_ip, default 255.255.0.0). */
  netmask: string;
  /** Test device MTU (--mtu, default 1500). */
  mtu: number;
  /** `bind(fd, ..., ...)` binds localIp:bindPort (--bind_port, default 8080). */
  bindPort: number;
  /** `connect(fd, ..., ...)` connects to remoteIp:connectPort (--connect_port, default 8080). */
  connectPort: number;
}

/**
 * A syscall argument or result after the runner resolved symbols, -D definitions and fd numbers.
 * `any` is the script's `...`: the engine chooses (addresses from EngineSettings, buffers of the given
 * length filled with zero bytes, address lengths). Structs keep field names and order as written.
 */
export type Value =
  | { kind: "any" }
  | { kind: "int"; value: number; text?: string }
  | { kind: "str"; value: string; more?: boolean }
  /** inet_addr("a.b.c.d") / inet6_addr("..."): the address as text. */
  | { kind: "addr"; family: 4 | 6; value: string }
  | { kind: "array"; items: Value[] }
  | { kind: "struct"; fields: StructField[] };

/** `name=value`, `name(args)=value` (msg_iov(1)=[...]) or an unnamed member (`{..., 0}`). */
export interface StructField {
  name: string | null;
  args: Value[] | null;
  value: Value;
}

export interface SyscallCall {
  /** POSIX name as in the script: socket, bind, listen, accept, connect, read, write, sendmsg, ... */
  name: string;
  /**
   * Arguments in order. fd arguments (and `fd=` struct fields) are already live fds. Output
   * arguments carry the script's expected value (getsockopt's `[42000]`, poll's `revents=`): the
   * engine ignores it as input and reports what it wrote in SyscallOutcome.out.
   */
  args: Value[];
  /** Script line, for the engine's own messages. */
  line: number;
}

export interface SyscallOutcome {
  /** The return value (e.g. 3 for a new fd, 1000 bytes, 0, or -1 with errno). */
  ret: number;
  /** With ret -1: the errno, by Linux name ("EAGAIN") or number. */
  errno?: string | number;
  /**
   * Values the call wrote into its arguments, by argument index (getsockopt's optval and optlen,
   * poll's pollfd array with revents, epoll_wait's events, recvmsg's msghdr, ioctl's int, pipe's fds,
   * accept's address). The runner compares each against the script's expression for that argument;
   * `...` in the script matches anything.
   */
  out?: Record<number, Value>;
  /** Set when the engine does not implement this call or argument: the script is UNSUPPORTED. */
  unsupported?: string;
}

/** A call that blocked: completes during a later advanceTo() or inject(). */
export interface BlockedSyscall {
  blocked: true;
  /** undefined while still blocked; once complete, the outcome and the virtual time it completed at. */
  poll(): (SyscallOutcome & { atNs: number }) | undefined;
}

export type SyscallReturn = SyscallOutcome | BlockedSyscall;

export interface InboundTcp {
  proto: "tcp";
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TH_* bits. */
  flags: number;
  window: number;
  urg: number;
  options: TcpOption[];
  /** Payload length; the payload bytes are zeros (packetdrill's are too). */
  payloadLen: number;
  /** IPv4 TOS byte (ECN bits included), when the script gives one. */
  tos?: number;
  ttl?: number;
  /**
   * Set when the segment is larger than the device MTU: inject it as one GRO/GSO super-packet with this
   * segment size (packetdrill --mss), as packetdrill does through its tun device.
   */
  gsoSize?: number;
}

export interface InboundIcmp {
  proto: "icmp";
  srcIp: string;
  dstIp: string;
  /** As written: unreachable, time_exceeded, packet_too_big, ... */
  type: string;
  /** As written: frag_needed, host_unreachable, port_unreachable, ... or null. */
  code: string | null;
  mtu: number | null;
  /** The SUT's own earlier segment the message quotes (live numbers). */
  quoted: { srcPort: number; dstPort: number; seq: number; len: number } | null;
}

export type InboundPacket = InboundTcp | InboundIcmp;

/** A segment the SUT transmitted. Live values; options in wire order. */
export interface OutboundSegment {
  /** Virtual time the segment left the SUT, ns. */
  atNs: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  /** The raw ack field (meaningful only with TH_ACK; packetdrill compares it anyway). */
  ack: number;
  flags: number;
  /** The raw 16-bit window field (unscaled). */
  window: number;
  urg: number;
  options: TcpOption[];
  payloadLen: number;
  /** IPv4 TOS byte, when known. */
  tos?: number;
  ttl?: number;
}

/** TCP features a script may need that an engine may not have; absent means no. */
export interface EngineFeatures {
  /** TCP Fast Open (FO / FOEXP options, MSG_FASTOPEN, TCP_FASTOPEN*). */
  fastOpen?: boolean;
  /** TCP MD5 signatures (md5 option, TCP_MD5SIG). */
  md5?: boolean;
}

export interface Engine {
  /** Scripts whose packets use a feature not listed here are reported UNSUPPORTED before running. */
  readonly features?: EngineFeatures;
  /** Fresh host with a test device configured from settings; virtual clock at its start. */
  reset(settings: EngineSettings): void;
  /**
   * A sysctl by its dotted name ("net.ipv4.tcp_timestamps") and value as sysctl(8) gets it
   * ("1", "4096 540000 15728640"). false: the engine has no such setting (reported, not fatal).
   */
  applySysctl(name: string, value: string): boolean;
  /**
   * Optional: any other shell command line from the script (ip route, tc, ethtool, ...), for engines
   * that model it. false or absent: the runner reports it as not applied.
   */
  command?(line: string): boolean;
  /** Virtual time, ns. */
  now(): number;
  /** The earliest virtual time (ns) at which the engine has a timer to run, or null. */
  pollAt(): number | null;
  /** Run the virtual clock forward to ns (>= now()), firing every timer due on the way in order. */
  advanceTo(ns: number): void;
  syscall(call: SyscallCall): SyscallReturn;
  /** Deliver a segment to the SUT now. false: this kind of packet cannot be injected (UNSUPPORTED). */
  inject(pkt: InboundPacket): boolean;
  /** Segments transmitted since the last call, in transmit order. */
  outbound(): OutboundSegment[];
  /** Optional: release resources after the script. */
  dispose?(): void;
}

export function isBlocked(r: SyscallReturn): r is BlockedSyscall {
  return (r as BlockedSyscall).blocked === true;
}
