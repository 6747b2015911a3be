// Syscall arguments and results: from the script's expressions to engine Values (symbols and -D
// definitions resolved, `A|B` folded, htons()/inet_addr() evaluated, script fds mapped to live fds),
// and the comparison of what a call wrote back against what the script expects.

import type { Expr } from "./ast.js";
import { LINUX_SYMBOLS } from "./constants.js";
import type { StructField, Value } from "./engine.js";

/** A symbol the runner cannot give a value: the script is UNSUPPORTED. */
export class UnknownSymbol extends Error {
  constructor(readonly symbol: string) {
    super(`unknown symbol ${symbol}`);
  }
}

export interface EvalContext {
  /** -D style definitions: name -> replacement text (a number or another symbol). */
  defines: Readonly<Record<string, string>>;
}

export function resolveSymbol(name: string, ctx: EvalContext, depth = 0): number {
  const def = ctx.defines[name];
  if (def !== undefined && depth < 8) {
    const t = def.trim();
    if (/^-?\d+$/.test(t)) return Number(t);
    if (/^0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
    return resolveSymbol(t, ctx, depth + 1);
  }
  const v = LINUX_SYMBOLS[name];
  if (v === undefined) throw new UnknownSymbol(name);
  return v;
}

export function evalExpr(e: Expr, ctx: EvalContext): Value {
  switch (e.kind) {
    case "ellipsis":
      return { kind: "any" };
    case "int":
      return { kind: "int", value: e.value, text: e.text };
    case "string":
      return e.more ? { kind: "str", value: e.value, more: true } : { kind: "str", value: e.value };
    case "symbol":
      return { kind: "int", value: resolveSymbol(e.name, ctx), text: e.name };
    case "or": {
      let v = 0;
      for (const t of e.terms) {
        const tv = evalExpr(t, ctx);
        if (tv.kind !== "int") throw new UnknownSymbol(`'|' of a non-integer (${exprText(t)})`);
        v = (v | tv.value) >>> 0;
      }
      return { kind: "int", value: v, text: exprText(e) };
    }
    case "array":
      return { kind: "array", items: e.items.map((i) => evalExpr(i, ctx)) };
    case "struct":
      return { kind: "struct", fields: e.items.map((i) => fieldOf(i, ctx)) };
    case "field":
      // A named value outside braces: treat it as a one-field struct.
      return { kind: "struct", fields: [fieldOf(e, ctx)] };
    case "call":
      return evalCall(e.name, e.args, ctx);
  }
}

function fieldOf(e: Expr, ctx: EvalContext): StructField {
  if (e.kind === "field")
    return {
      name: e.name,
      args: e.args ? e.args.map((a) => evalExpr(a, ctx)) : null,
      value: evalExpr(e.value, ctx),
    };
  return { name: null, args: null, value: evalExpr(e, ctx) };
}

function evalCall(name: string, args: Expr[], ctx: EvalContext): Value {
  const a = args.map((x) => evalExpr(x, ctx));
  if (name === "htons" && a.length === 1 && a[0].kind === "int")
    return { kind: "int", value: a[0].value, text: `htons(${a[0].value})` };
  if ((name === "inet_addr" || name === "inet6_addr") && a.length === 1 && a[0].kind === "str")
    return { kind: "addr", family: name === "inet_addr" ? 4 : 6, value: a[0].value };
  throw new UnknownSymbol(`${name}()`);
}

/** Short text of an expression, for messages. */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case "ellipsis":
      return "...";
    case "int":
      return e.text;
    case "string":
      return `${JSON.stringify(e.value)}${e.more ? "..." : ""}`;
    case "symbol":
      return e.name;
    case "or":
      return e.terms.map(exprText).join("|");
    case "array":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "struct":
      return `{${e.items.map(exprText).join(", ")}}`;
    case "field":
      return `${e.name}${e.args ? `(${e.args.map(exprText).join(", ")})` : ""}=${exprText(e.value)}`;
    case "call":
      return `${e.name}(${e.args.map(exprText).join(", ")})`;
  }
}

export function valueText(v: Value): string {
  switch (v.kind) {
    case "any":
      return "...";
    case "int":
      return v.text && !/^-?\d+$/.test(v.text) ? `${v.text} (${v.value})` : String(v.value);
    case "str":
      return `${JSON.stringify(v.value)}${v.more ? "..." : ""}`;
    case "addr":
      return `${v.family === 4 ? "inet_addr" : "inet6_addr"}(${JSON.stringify(v.value)})`;
    case "array":
      return `[${v.items.map(valueText).join(", ")}]`;
    case "struct":
      return `{${v.fields
        .map(
          (f) =>
            (f.name ? `${f.name}${f.args ? `(${f.args.map(valueText).join(", ")})` : ""}=` : "") +
            valueText(f.value),
        )
        .join(", ")}}`;
  }
}

/**
 * null when `actual` (what the engine wrote) satisfies `expected` (the script); otherwise a text naming
 * the first difference. `...` matches anything; struct fields match by name, unnamed ones by position;
 * a `"abc"...` string matches any string that starts with abc.
 */
export function matchValue(expected: Value, actual: Value, path = ""): string | null {
  const where = path ? `${path}: ` : "";
  if (expected.kind === "any") return null;
  const differ = () => `${where}expected ${valueText(expected)} vs actual ${valueText(actual)}`;
  switch (expected.kind) {
    case "int":
      return actual.kind === "int" && actual.value === expected.value ? null : differ();
    case "str":
      if (actual.kind !== "str") return differ();
      if (expected.more ? actual.value.startsWith(expected.value) : actual.value === expected.value)
        return null;
      return differ();
    case "addr":
      return actual.kind === "addr" && actual.value === expected.value && actual.family === expected.family
        ? null
        : differ();
    case "array": {
      if (actual.kind !== "array" || actual.items.length !== expected.items.length) return differ();
      for (let i = 0; i < expected.items.length; i++) {
        const m = matchValue(expected.items[i], actual.items[i], `${path}[${i}]`);
        if (m) return m;
      }
      return null;
    }
    case "struct": {
      if (actual.kind !== "struct") return differ();
      for (let i = 0; i < expected.fields.length; i++) {
        const ef = expected.fields[i];
        const af = ef.name ? actual.fields.find((f) => f.name === ef.name) : actual.fields[i];
        const sub = `${path}${path ? "." : ""}${ef.name ?? `#${i}`}`;
        if (!af) {
          if (ef.value.kind === "any") continue;
          return `${sub}: expected ${valueText(ef.value)} but the call did not report it`;
        }
        const m = matchValue(ef.value, af.value, sub);
        if (m) return m;
      }
      return null;
    }
  }
}

/** Script fd -> live fd, for scripts whose fd numbers differ from the engine's (identity otherwise). */
export class FdMap {
  private readonly map = new Map<number, number>();

  set(scriptFd: number, liveFd: number): void {
    this.map.set(scriptFd, liveFd);
  }
  live(scriptFd: number): number {
    return this.map.get(scriptFd) ?? scriptFd;
  }
  /** Map `fd=` fields inside structs (pollfd, epoll_event) and arrays of them. */
  deep(v: Value): Value {
    if (v.kind === "array") return { kind: "array", items: v.items.map((i) => this.deep(i)) };
    if (v.kind === "struct")
      return {
        kind: "struct",
        fields: v.fields.map((f) =>
          f.name === "fd" && f.value.kind === "int"
            ? { ...f, value: { ...f.value, value: this.live(f.value.value) } }
            : { ...f, value: this.deep(f.value) },
        ),
      };
    return v;
  }
}

/** Syscalls that return a new fd (the script's number is mapped to whatever the engine returns). */
export const FD_RESULT = new Set([
  "socket",
  "accept",
  "accept4",
  "epoll_create",
  "epoll_create1",
  "open",
  "dup",
]);

/** Argument positions that hold fds, per syscall (besides `fd=` struct fields). */
export function fdArgPositions(name: string): number[] {
  switch (name) {
    case "socket":
    case "pipe":
    case "open":
    case "epoll_create":
    case "epoll_create1":
    case "poll":
      return [];
    case "epoll_ctl":
      return [0, 2];
    case "splice":
      return [0, 2];
    case "sendfile":
      return [0, 1];
    default:
      return [0];
  }
}
