// The parsed form of a packetdrill script. One Script per .pkt file: option lines, then events in
// file order. Times are integer microseconds exactly as written (packetdrill's unit); the runner turns
// them into virtual nanoseconds. Nothing here knows about an engine: it is what the text says.
//
// Grammar followed: google/packetdrill parser.y as summarised in syntax.md (events are
// `time action`; actions are packets, syscalls, backquoted shell commands and %{ }% code).

/** Where a construct starts in its file: 1-based line and column. */
export interface Pos {
  line: number;
  col: number;
}

/** `--name=value` (or `--name`) lines before the first event. */
export interface ScriptOption extends Pos {
  name: string;
  value: string | null;
}

/**
 * When an event happens. `abs`: `0.100`; `rel`: `+0.1` (relative to the previous event);
 * `any`: `*`; `absRange`: `0.1~0.2`; `relRange`: `+0.1~+0.2`. Microseconds.
 */
export type TimeSpec =
  | { kind: "abs"; us: number }
  | { kind: "rel"; us: number }
  | { kind: "any" }
  | { kind: "absRange"; us: number; endUs: number }
  | { kind: "relRange"; us: number; endUs: number };

/** A syscall argument or result as written (before symbols are resolved). */
export type Expr =
  | { kind: "ellipsis" }
  | { kind: "int"; value: number; text: string }
  | { kind: "string"; value: string; more: boolean } // `"abc"...` sets more
  | { kind: "symbol"; name: string }
  | { kind: "or"; terms: Expr[] } // A|B|C
  | { kind: "array"; items: Expr[] } // [a, b]
  | { kind: "struct"; items: Expr[] } // {a, b} or {x=1, y=2}
  | { kind: "field"; name: string; args: Expr[] | null; value: Expr } // name=v, name(args)=v
  | { kind: "call"; name: string; args: Expr[] }; // htons(8080), inet_addr("1.2.3.4")

/** A TCP option in a packet line's `<...>` list, in order. */
export type TcpOptionAst =
  | { kind: "nop" }
  | { kind: "eol" }
  | { kind: "mss"; value: number }
  | { kind: "wscale"; value: number }
  | { kind: "sackOK" }
  | { kind: "sack"; blocks: [number, number][] }
  | { kind: "ts"; val: number; ecr: number }
  | { kind: "md5"; digest: string }
  | { kind: "fo"; cookie: string | null } // RFC 7413 option 34 (`FO`)
  | { kind: "foexp"; cookie: string | null }; // experimental option 254 (`FOEXP`)

/** `[ect0]`, `(tos 0x10)`, `[noecn, flowlabel 0x1]`, `(ttl 64)` before the flags. */
export interface IpInfo {
  ecn?: "noecn" | "ect0" | "ect1" | "ce" | "ect01";
  tos?: number;
  flowlabel?: number;
  ttl?: number;
}

/** `start:end(len)`. */
export interface SeqRange {
  start: number;
  end: number;
  len: number;
}

export interface TcpPacketAst {
  kind: "tcp";
  dir: "<" | ">";
  ip: IpInfo | null;
  ports: { src: number; dst: number } | null;
  /** The flags as written ("S.", "P.", ".", "-", "SEW"). */
  flags: string;
  seq: SeqRange;
  ack: number | null;
  win: number | null;
  urg: number | null;
  /** null: no option list; "any": `<...>` (options not checked); otherwise the list in order. */
  options: TcpOptionAst[] | "any" | null;
}

export interface UdpPacketAst {
  kind: "udp";
  dir: "<" | ">";
  ip: IpInfo | null;
  ports: { src: number; dst: number } | null;
  len: number;
}

export interface IcmpPacketAst {
  kind: "icmp";
  dir: "<" | ">";
  ip: IpInfo | null;
  type: string;
  code: string | null;
  mtu: number | null;
  id: number | null;
  /** The header the ICMP message quotes: a TCP sequence range, or a UDP/raw payload length. */
  echoed: { kind: "tcp"; seq: SeqRange } | { kind: "udp"; len: number } | { kind: "raw"; len: number } | null;
}

export type PacketAst = TcpPacketAst | UdpPacketAst | IcmpPacketAst;

export interface SyscallAst {
  kind: "syscall";
  name: string;
  args: Expr[];
  /** `...end` after the start time: the call is expected to block until `end` (microseconds). */
  endUs: number | null;
  result: Expr;
  errno: string | null;
  /** The strace-style note in parentheses after the errno, as written. */
  note: string | null;
}

export interface CommandAst {
  kind: "command";
  /** The text between the backquotes. */
  text: string;
}

export interface CodeAst {
  kind: "code";
  /** The text between %{ and }% (packetdrill runs it as Python after the script). */
  text: string;
}

export type Action = PacketAst | SyscallAst | CommandAst | CodeAst;

export interface ScriptEvent extends Pos {
  /** null for the untimed shell command allowed before the first and after the last event. */
  time: TimeSpec | null;
  action: Action;
  /** The source text of the event (whitespace collapsed), for messages. */
  text: string;
}

export interface Script {
  path: string;
  options: ScriptOption[];
  events: ScriptEvent[];
}
