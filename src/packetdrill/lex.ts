// Lexer for packetdrill scripts, following the token rules of packetdrill's lexer.l: `//` and `/* */`
// comments, `%{ ... }%` code, backquoted shell commands, strings, `--option[=value]`, `...`, decimal,
// hex and negative integers, floats like `.1` and `0.100`, and words `[A-Za-z0-9_]+` (a run that is not
// all digits is a word, as flex's longest match makes it). Every other character is a one-character
// punctuation token. Newlines are whitespace: the grammar does not depend on them.

export type TokenType =
  | "int"
  | "float"
  | "word"
  | "string"
  | "backquote"
  | "code"
  | "option"
  | "ellipsis"
  | "punct"
  | "eof";

export interface Token {
  type: TokenType;
  /** Source text of the token (for strings, backquotes and code: the unquoted content). */
  text: string;
  /** int: the value; option: unused. */
  value: number;
  /** option: the value after `=`, or null. */
  optionValue: string | null;
  line: number;
  col: number;
  /** Offsets of the token in the source. */
  start: number;
  end: number;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isWordChar = (c: string): boolean =>
  (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || isDigit(c) || c === "_";

export function tokenize(src: string): Token[] {
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === "\n") lineStarts.push(i + 1);
  const where = (off: number): { line: number; col: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - lineStarts[lo] + 1 };
  };
  const out: Token[] = [];
  const push = (
    type: TokenType,
    start: number,
    end: number,
    text: string,
    value = 0,
    opt: string | null = null,
  ) => {
    const p = where(start);
    out.push({ type, text, value, optionValue: opt, line: p.line, col: p.col, start, end });
  };
  const fail = (msg: string, off: number): never => {
    const p = where(off);
    throw new LexError(msg, p.line, p.col);
  };

  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const e = src.indexOf("*/", i + 2);
      if (e < 0) fail("unterminated /* comment", i);
      i = e + 2;
      continue;
    }
    if (c === "%" && src[i + 1] === "{") {
      const e = src.indexOf("}%", i + 2);
      if (e < 0) fail("unterminated %{ code block", i);
      push("code", i, e + 2, src.slice(i + 2, e).replace(/^[ \t]+|[ \t]+$/g, ""));
      i = e + 2;
      continue;
    }
    if (c === "`" || c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      if (j >= n) fail(c === "`" ? "unterminated backquoted command" : "unterminated string", i);
      const raw = src.slice(i + 1, j);
      push(c === "`" ? "backquote" : "string", i, j + 1, c === '"' ? unescapeString(raw) : raw);
      i = j + 1;
      continue;
    }
    if (c === "-" && src[i + 1] === "-" && isWordChar(src[i + 2] ?? "")) {
      let j = i + 2;
      while (j < n && isWordChar(src[j])) j++;
      const name = src.slice(i + 2, j);
      let value: string | null = null;
      if (src[j] === "=") {
        let k = j + 1;
        if (src[k] === '"') {
          k++;
          while (k < n && src[k] !== '"') k++;
          value = src.slice(j + 2, k);
          k++;
        } else {
          while (k < n && !/\s/.test(src[k])) k++;
          value = src.slice(j + 1, k);
        }
        j = k;
      }
      push("option", i, j, name, 0, value);
      i = j;
      continue;
    }
    if (c === "." && src[i + 1] === "." && src[i + 2] === ".") {
      push("ellipsis", i, i + 3, "...");
      i += 3;
      continue;
    }
    const numStart =
      c === "-" && (isDigit(src[i + 1] ?? "") || (src[i + 1] === "." && isDigit(src[i + 2] ?? "")));
    if (isWordChar(c) || numStart || (c === "." && isDigit(src[i + 1] ?? ""))) {
      let j = c === "-" ? i + 1 : i;
      while (j < n && isWordChar(src[j])) j++;
      const run = src.slice(c === "-" ? i + 1 : i, j);
      const allDigits = /^[0-9]*$/.test(run);
      if (allDigits && src[j] === "." && isDigit(src[j + 1] ?? "")) {
        j++;
        while (j < n && isDigit(src[j])) j++;
        push("float", i, j, src.slice(i, j));
      } else if (allDigits && run.length > 0) {
        push("int", i, j, src.slice(i, j), Number(src.slice(i, j)));
      } else if (/^0x[0-9a-fA-F]+$/.test(run)) {
        const v = Number.parseInt(run.slice(2), 16);
        push("int", i, j, src.slice(i, j), c === "-" ? -v : v);
      } else if (c === "-") {
        push("punct", i, i + 1, "-");
        j = i + 1;
      } else {
        push("word", i, j, run);
      }
      i = j;
      continue;
    }
    push("punct", i, i + 1, c);
    i++;
  }
  push("eof", n, n, "");
  return out;
}

function unescapeString(s: string): string {
  return s.replace(/\\(.)/g, (_m, ch: string) => {
    if (ch === "n") return "\n";
    if (ch === "t") return "\t";
    if (ch === "r") return "\r";
    if (ch === "0") return "\0";
    return ch;
  });
}
