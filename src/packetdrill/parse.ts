// Recursive-descent parser for packetdrill scripts (grammar: google/packetdrill parser.y, summarised in
// /work/shared/packetdrill/google-packetdrill/syntax.md). A script is option lines, then events; an
// event is a time and an action: a packet (`<` injected, `>` expected), a syscall, a backquoted shell
// command or a `%{ }%` code block. Untimed backquoted commands are allowed before the first event and
// after the last (packetdrill's init and cleanup commands).
//
// Errors carry the file, line and column. Constructs of packetdrill's grammar this parser deliberately
// does not take (GRE and MPLS encapsulation, explicit `ipv4 a > b:` / `ipv6` packet prefixes, AccECN
// options) give an UnsupportedConstruct result instead of a parse error.

import type {
  Action,
  Expr,
  IcmpPacketAst,
  IpInfo,
  PacketAst,
  Script,
  ScriptEvent,
  ScriptOption,
  SeqRange,
  SyscallAst,
  TcpOptionAst,
  TimeSpec,
} from "./ast.js";
import { LexError, type Token, tokenize } from "./lex.js";

export class PacketdrillParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: parse error: ${detail}`);
  }
}

/** A construct of the packetdrill language this runner does not take, by design. */
export class UnsupportedConstruct extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly construct: string,
  ) {
    super(`${file}:${line}: unsupported: ${construct}`);
  }
}

export type ParseResult =
  | { kind: "ok"; script: Script }
  | { kind: "error"; error: PacketdrillParseError }
  | { kind: "unsupported"; error: UnsupportedConstruct };

/** Parse, returning errors as values. */
export function tryParseScript(text: string, path = "<script>"): ParseResult {
  try {
    return { kind: "ok", script: parseScript(text, path) };
  } catch (e) {
    if (e instanceof PacketdrillParseError) return { kind: "error", error: e };
    if (e instanceof UnsupportedConstruct) return { kind: "unsupported", error: e };
    throw e;
  }
}

/** Parse a whole script. Throws PacketdrillParseError or UnsupportedConstruct. */
export function parseScript(text: string, path = "<script>"): Script {
  let toks: Token[];
  try {
    toks = tokenize(text);
  } catch (e) {
    if (e instanceof LexError) throw new PacketdrillParseError(path, e.line, e.col, e.message);
    throw e;
  }
  return new Parser(toks, text, path).script();
}

/** Words that start a packet prefix or header this parser does not take. */
const UNSUPPORTED_PREFIX: Record<string, string> = {
  ipv4: "explicit `ipv4 src > dst:` packet prefix",
  ipv6: "explicit `ipv6 src > dst:` packet prefix",
  gre: "GRE encapsulation",
  GREv0: "GRE encapsulation",
  mpls: "MPLS encapsulation",
};
const UNSUPPORTED_OPTIONS = new Set(["AccECNEXP0", "AccECNECP1", "AccECN0", "AccECN1", "e0b", "e1b", "ceb"]);
const ECN_WORDS = new Set(["noecn", "ect0", "ect1", "ce", "ect01"]);

class Parser {
  private i = 0;

  constructor(
    private readonly toks: Token[],
    private readonly src: string,
    private readonly path: string,
  ) {}

  // --- token helpers -------------------------------------------------------------------------------

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.toks[this.i];
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isPunct(c: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === "punct" && t.text === c;
  }
  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === "word" && t.text === w;
  }
  private fail(msg: string, t: Token = this.peek()): never {
    const got = t.type === "eof" ? "end of file" : `'${t.text}'`;
    throw new PacketdrillParseError(this.path, t.line, t.col, `${msg} (got ${got})`);
  }
  private unsupported(construct: string, t: Token = this.peek()): never {
    throw new UnsupportedConstruct(this.path, t.line, construct);
  }
  private expectPunct(c: string, what?: string): Token {
    if (!this.isPunct(c)) this.fail(`expected '${c}'${what ? ` ${what}` : ""}`);
    return this.next();
  }
  private expectWord(w: string): Token {
    if (!this.isWord(w)) this.fail(`expected '${w}'`);
    return this.next();
  }
  private expectInt(what: string): number {
    const t = this.peek();
    if (t.type !== "int") this.fail(`expected an integer ${what}`);
    this.next();
    return t.value;
  }

  // --- script --------------------------------------------------------------------------------------

  script(): Script {
    const options: ScriptOption[] = [];
    const events: ScriptEvent[] = [];
    while (this.peek().type === "option") {
      const t = this.next();
      options.push({ name: t.text, value: t.optionValue, line: t.line, col: t.col });
    }
    while (this.peek().type !== "eof") {
      const t = this.peek();
      if (t.type === "option") this.fail("option lines must come before the first event");
      if (t.type === "backquote") {
        this.next();
        events.push({
          time: null,
          action: { kind: "command", text: t.text },
          line: t.line,
          col: t.col,
          text: `\`${t.text}\``,
        });
        continue;
      }
      events.push(this.event());
    }
    return { path: this.path, options, events };
  }

  private event(): ScriptEvent {
    const start = this.peek();
    const time = this.time();
    const action = this.action();
    const end = this.toks[this.i - 1];
    const text = this.src.slice(start.start, end.end).replace(/\s+/g, " ").trim();
    return { time, action, line: start.line, col: start.col, text };
  }

  // --- times ---------------------------------------------------------------------------------------

  private time(): TimeSpec {
    if (this.isPunct("*")) {
      this.next();
      return { kind: "any" };
    }
    const rel = this.isPunct("+");
    if (rel) this.next();
    const us = this.timeValue();
    if (this.isPunct("~")) {
      this.next();
      const relEnd = this.isPunct("+");
      if (relEnd) this.next();
      if (rel !== relEnd) this.fail("both ends of a time range must be relative (+a~+b) or absolute (a~b)");
      const endUs = this.timeValue();
      if (endUs < us) this.fail("time range ends before it starts");
      return rel ? { kind: "relRange", us, endUs } : { kind: "absRange", us, endUs };
    }
    return rel ? { kind: "rel", us } : { kind: "abs", us };
  }

  /** A non-negative time in seconds (`0`, `.1`, `0.100`, `30`) as integer microseconds. */
  private timeValue(): number {
    const t = this.peek();
    if ((t.type !== "int" && t.type !== "float") || t.text.startsWith("-")) this.fail("expected a time");
    this.next();
    return secondsToUs(t.text);
  }

  // --- actions -------------------------------------------------------------------------------------

  private action(): Action {
    const t = this.peek();
    if (t.type === "punct" && (t.text === "<" || t.text === ">")) return this.packet();
    if (t.type === "backquote") {
      this.next();
      return { kind: "command", text: t.text };
    }
    if (t.type === "code") {
      this.next();
      return { kind: "code", text: t.text };
    }
    if (t.type === "ellipsis" || t.type === "word") return this.syscall();
    return this.fail("expected a packet, a system call, a `command` or a %{ code }% block after the time");
  }

  // --- packets -------------------------------------------------------------------------------------

  private packet(): PacketAst {
    const dir = this.next().text as "<" | ">";
    const head = this.peek();
    if (head.type === "word" && UNSUPPORTED_PREFIX[head.text])
      this.unsupported(UNSUPPORTED_PREFIX[head.text]);
    const ip = this.ipInfo();
    if (this.isWord("udp")) return this.udp(dir, ip);
    if (this.isWord("icmp")) return this.icmp(dir, ip);
    let ports: { src: number; dst: number } | null = null;
    if (this.peek().type === "int" && this.isPunct(">", 1)) {
      const src = this.expectInt("source port");
      this.next();
      ports = { src, dst: this.expectInt("destination port") };
    }
    const flags = this.flags();
    const seq = this.seqRange();
    let ack: number | null = null;
    let win: number | null = null;
    let urg: number | null = null;
    if (this.isWord("ack")) {
      this.next();
      ack = this.expectInt("after 'ack'");
    }
    if (this.isWord("win")) {
      this.next();
      win = this.expectInt("after 'win'");
    }
    if (this.isWord("urg")) {
      this.next();
      urg = this.expectInt("after 'urg'");
    }
    let options: TcpOptionAst[] | "any" | null = null;
    if (this.isPunct("<")) options = this.tcpOptions();
    return { kind: "tcp", dir, ip, ports, flags, seq, ack, win, urg, options };
  }

  private ipInfo(): IpInfo | null {
    const open = this.peek();
    if (!(open.type === "punct" && (open.text === "[" || open.text === "("))) return null;
    // `(` can only be IP info here: a TCP packet continues with flags, udp/icmp with their keyword.
    const close = open.text === "[" ? "]" : ")";
    this.next();
    const info: IpInfo = {};
    for (;;) {
      const t = this.peek();
      if (t.type === "word" && ECN_WORDS.has(t.text)) {
        this.next();
        info.ecn = t.text as IpInfo["ecn"];
      } else if (this.isWord("tos")) {
        this.next();
        info.tos = this.expectInt("after 'tos'");
      } else if (this.isWord("flowlabel")) {
        this.next();
        info.flowlabel = this.expectInt("after 'flowlabel'");
      } else if (this.isWord("ttl")) {
        this.next();
        info.ttl = this.expectInt("after 'ttl'");
      } else {
        this.fail("expected noecn, ect0, ect1, ce, ect01, tos N, flowlabel N or ttl N");
      }
      if (this.isPunct(",")) {
        this.next();
        continue;
      }
      this.expectPunct(close, "to close the IP info");
      return info;
    }
  }

  private flags(): string {
    const t = this.peek();
    if (t.type === "punct" && (t.text === "." || t.text === "-")) {
      this.next();
      return t.text;
    }
    if (t.type !== "word") this.fail("expected TCP flags (e.g. S, S., P., ., F., R, -)");
    if (!/^[FSRPUEWA]+$/.test(t.text)) this.fail("expected TCP flags made of F S R P U E W A and '.'");
    this.next();
    // `S.`: the '.' must touch the letters (`S .` would be flags S and then a stray '.').
    if (this.isPunct(".") && this.peek().start === t.end) {
      this.next();
      return `${t.text}.`;
    }
    return t.text;
  }

  private seqRange(): SeqRange {
    const at = this.peek();
    const start = this.expectInt("(sequence start)");
    this.expectPunct(":", "in start:end(length)");
    const end = this.expectInt("(sequence end)");
    this.expectPunct("(", "in start:end(length)");
    const len = this.expectInt("(payload length)");
    this.expectPunct(")", "in start:end(length)");
    if ((((end - start) % 2 ** 32) + 2 ** 32) % 2 ** 32 !== len)
      this.fail(`inconsistent sequence range ${start}:${end}(${len})`, at);
    return { start, end, len };
  }

  private tcpOptions(): TcpOptionAst[] | "any" {
    this.expectPunct("<");
    if (this.peek().type === "ellipsis") {
      this.next();
      this.expectPunct(">", "after <...");
      return "any";
    }
    const list: TcpOptionAst[] = [];
    for (;;) {
      list.push(this.tcpOption());
      if (this.isPunct(",")) {
        this.next();
        continue;
      }
      this.expectPunct(">", "or ',' in the TCP option list");
      return list;
    }
  }

  private tcpOption(): TcpOptionAst {
    const t = this.peek();
    if (t.type !== "word") return this.fail("expected a TCP option");
    if (UNSUPPORTED_OPTIONS.has(t.text)) this.unsupported(`TCP option ${t.text} (AccECN)`);
    this.next();
    switch (t.text) {
      case "nop":
        return { kind: "nop" };
      case "eol":
        return { kind: "eol" };
      case "mss":
        return { kind: "mss", value: this.expectInt("after 'mss'") };
      case "wscale":
        return { kind: "wscale", value: this.expectInt("after 'wscale'") };
      case "sackOK":
        return { kind: "sackOK" };
      case "sack": {
        const blocks: [number, number][] = [];
        while (this.peek().type === "int" && this.isPunct(":", 1)) {
          const l = this.expectInt("(SACK block start)");
          this.next();
          blocks.push([l, this.expectInt("(SACK block end)")]);
        }
        if (blocks.length === 0) this.fail("expected SACK blocks start:end after 'sack'");
        return { kind: "sack", blocks };
      }
      case "TS": {
        this.expectWord("val");
        const val = this.expectInt("after 'val'");
        this.expectWord("ecr");
        return { kind: "ts", val, ecr: this.expectInt("after 'ecr'") };
      }
      case "md5":
        return { kind: "md5", digest: this.hexBlob() ?? this.fail("expected an MD5 digest") };
      case "FO":
        return { kind: "fo", cookie: this.hexBlob() };
      case "FOEXP":
        return { kind: "foexp", cookie: this.hexBlob() };
      default:
        return this.fail(`unknown TCP option '${t.text}'`, t);
    }
  }

  /** A cookie or digest: a word or an integer, as written. */
  private hexBlob(): string | null {
    const t = this.peek();
    if (t.type === "word" || t.type === "int") {
      this.next();
      return t.text;
    }
    return null;
  }

  private udp(dir: "<" | ">", ip: IpInfo | null): PacketAst {
    this.next();
    let ports: { src: number; dst: number } | null = null;
    if (this.peek().type === "int" && this.isPunct(">", 1)) {
      const src = this.expectInt("source port");
      this.next();
      ports = { src, dst: this.expectInt("destination port") };
    }
    this.expectPunct("(", "before the UDP payload length");
    const len = this.expectInt("(UDP payload length)");
    this.expectPunct(")");
    return { kind: "udp", dir, ip, ports, len };
  }

  private icmp(dir: "<" | ">", ip: IpInfo | null): IcmpPacketAst {
    this.next();
    const type = this.peek();
    if (type.type !== "word") this.fail("expected an ICMP type (e.g. unreachable)");
    this.next();
    let code: string | null = null;
    const c = this.peek();
    if (c.type === "word" && c.text !== "mtu" && c.text !== "id") {
      this.next();
      code = c.text;
    }
    let mtu: number | null = null;
    let id: number | null = null;
    if (this.isWord("mtu")) {
      this.next();
      mtu = this.expectInt("after 'mtu'");
    }
    if (this.isWord("id")) {
      this.next();
      id = this.expectInt("after 'id'");
    }
    let echoed: IcmpPacketAst["echoed"] = null;
    if (this.isPunct("[")) {
      this.next();
      if (this.isWord("udp") || this.isWord("raw")) {
        const k = this.next().text as "udp" | "raw";
        this.expectPunct("(");
        const len = this.expectInt("(payload length)");
        this.expectPunct(")");
        echoed = { kind: k, len };
      } else {
        echoed = { kind: "tcp", seq: this.seqRange() };
      }
      this.expectPunct("]", "after the quoted header");
    }
    return { kind: "icmp", dir, ip, type: type.text, code, mtu, id, echoed };
  }

  // --- syscalls ------------------------------------------------------------------------------------

  private syscall(): SyscallAst {
    let endUs: number | null = null;
    if (this.peek().type === "ellipsis") {
      this.next();
      endUs = this.timeValue();
    }
    const name = this.peek();
    if (name.type !== "word") this.fail("expected a system call name");
    this.next();
    this.expectPunct("(", `after '${name.text}'`);
    const args = this.isPunct(")") ? [] : this.exprList(")");
    this.expectPunct(")", "to close the argument list");
    this.expectPunct("=", "before the expected result");
    const result = this.expr();
    let errno: string | null = null;
    let note: string | null = null;
    const e = this.peek();
    if (e.type === "word") {
      if (!/^E[A-Z0-9]+$/.test(e.text)) this.fail("expected an errno name (e.g. EAGAIN) after the result");
      this.next();
      errno = e.text;
    }
    if (this.isPunct("(")) note = this.note();
    return { kind: "syscall", name: name.text, args, endUs, result, errno, note };
  }

  /** `(Resource temporarily unavailable)`: kept as written. */
  private note(): string {
    const open = this.next();
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.type === "eof") this.fail("unterminated note after the errno", open);
      if (t.type === "punct" && t.text === "(") depth++;
      if (t.type === "punct" && t.text === ")") depth--;
    }
    return this.src
      .slice(open.end, this.toks[this.i - 1].start)
      .replace(/\s+/g, " ")
      .trim();
  }

  private exprList(close: string): Expr[] {
    const list: Expr[] = [this.expr()];
    while (this.isPunct(",")) {
      this.next();
      if (this.isPunct(close)) break; // tolerate a trailing comma
      list.push(this.expr());
    }
    return list;
  }

  private expr(): Expr {
    const first = this.primary();
    if (!this.isPunct("|")) return first;
    const terms = [first];
    while (this.isPunct("|")) {
      this.next();
      terms.push(this.primary());
    }
    return { kind: "or", terms };
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case "ellipsis":
        this.next();
        return { kind: "ellipsis" };
      case "int":
        this.next();
        return { kind: "int", value: t.value, text: t.text };
      case "string": {
        this.next();
        const more = this.peek().type === "ellipsis";
        if (more) this.next();
        return { kind: "string", value: t.text, more };
      }
      case "word": {
        this.next();
        let args: Expr[] | null = null;
        if (this.isPunct("(")) {
          this.next();
          args = this.isPunct(")") ? [] : this.exprList(")");
          this.expectPunct(")", `to close '${t.text}('`);
        }
        if (this.isPunct("=")) {
          this.next();
          return { kind: "field", name: t.text, args, value: this.expr() };
        }
        return args ? { kind: "call", name: t.text, args } : { kind: "symbol", name: t.text };
      }
      case "punct":
        if (t.text === "[") {
          this.next();
          const items = this.isPunct("]") ? [] : this.exprList("]");
          this.expectPunct("]", "to close the array");
          return { kind: "array", items };
        }
        if (t.text === "{") {
          this.next();
          const items = this.isPunct("}") ? [] : this.exprList("}");
          this.expectPunct("}", "to close the struct");
          return { kind: "struct", items };
        }
        break;
    }
    return this.fail("expected an expression");
  }
}

/** "0.100" -> 100000; ".1" -> 100000; "30" -> 30000000. Exact for up to 6 decimals, rounded beyond. */
export function secondsToUs(text: string): number {
  const [whole, frac = ""] = text.split(".");
  const w = whole === "" ? 0 : Number(whole);
  const f6 = `${frac}000000`.slice(0, 6);
  let us = w * 1_000_000 + Number(f6);
  if (frac.length > 6 && Number(frac[6]) >= 5) us += 1;
  return us;
}
