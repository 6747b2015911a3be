// Backquoted shell commands, read for the settings they make. The runner does not run a shell: it
// recognises the commands the public scripts use to configure Linux and turns them into engine
// settings, and reports the rest as not applied.
//   sysctl [-q] [-e] [-w] name=value ...        -> sysctl name value
//   .../set_sysctls.py /proc/sys/a/b/c=value ... -> sysctl a.b.c value
//   echo value > /proc/sys/a/b/c                 -> sysctl a.b.c value
//   .../defaults.sh                              -> read that file (relative to the script) the same way
//   /tmp/sysctl_restore_${PPID}.sh               -> nothing: each script gets a fresh engine
//   ip tcp_metrics flush ...                     -> nothing: a fresh engine has no cached metrics
//   tc qdisc add|replace dev tun0 root pfifo ...  -> nothing: a FIFO does not pace (fq does: reported)
// Values are passed as sysctl(8) would write them: quotes removed, $((arithmetic)) evaluated,
// whitespace collapsed ("4096 540000 15728640").

export type ShellAction =
  | { kind: "sysctl"; name: string; value: string }
  | { kind: "include"; path: string }
  | { kind: "ignore"; line: string; why: string }
  | { kind: "other"; line: string };

/** Split a command text into simple commands and say what each one does. */
export function interpretCommand(text: string): ShellAction[] {
  const out: ShellAction[] = [];
  for (const line of simpleCommands(text)) out.push(...interpretSimple(line));
  return out;
}

/** Lines joined at `\`-newline, split at newlines and `;`, `#` comments dropped. */
export function simpleCommands(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, " ");
  const out: string[] = [];
  for (const rawLine of joined.split(/\r?\n/)) {
    let cur = "";
    let quote: string | null = null;
    for (let i = 0; i < rawLine.length; i++) {
      const c = rawLine[i];
      if (quote) {
        if (c === quote) quote = null;
        cur += c;
      } else if (c === '"' || c === "'") {
        quote = c;
        cur += c;
      } else if (c === "#" && (i === 0 || /\s/.test(rawLine[i - 1]))) {
        break;
      } else if (c === ";") {
        if (cur.trim()) out.push(cur.trim());
        cur = "";
      } else cur += c;
    }
    if (cur.trim()) out.push(cur.trim());
  }
  return out;
}

function interpretSimple(line: string): ShellAction[] {
  const words = shellWords(line);
  // Drop redirections to /dev/null and fd duplications: they only silence the command.
  const args: string[] = [];
  let redirectTo: string | null = null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (/^\d?>&\d$/.test(w)) continue;
    const m = /^\d?>>?(.*)$/.exec(w);
    if (m) {
      const target = m[1] || words[++i] || "";
      if (target !== "/dev/null") redirectTo = target;
      continue;
    }
    args.push(w);
  }
  if (args.length === 0) return [];
  const cmd = args[0];
  const base = cmd.split("/").pop() ?? cmd;

  if (base === "sysctl") {
    const acts: ShellAction[] = [];
    for (const a of args.slice(1)) {
      if (a.startsWith("-")) continue;
      const eq = a.indexOf("=");
      if (eq < 0) return [{ kind: "other", line }];
      acts.push({
        kind: "sysctl",
        name: a.slice(0, eq).replace(/\//g, "."),
        value: normValue(a.slice(eq + 1)),
      });
    }
    return acts;
  }
  if (base === "set_sysctls.py") {
    const acts: ShellAction[] = [];
    for (const a of args.slice(1)) {
      const eq = a.indexOf("=");
      const name = procSysName(eq < 0 ? a : a.slice(0, eq));
      if (eq < 0 || name === null) return [{ kind: "other", line }];
      acts.push({ kind: "sysctl", name, value: normValue(a.slice(eq + 1)) });
    }
    return acts;
  }
  if (base === "echo" && redirectTo !== null) {
    const name = procSysName(redirectTo);
    if (name !== null) return [{ kind: "sysctl", name, value: normValue(args.slice(1).join(" ")) }];
    return [{ kind: "other", line }];
  }
  if (base === "defaults.sh" && args.length === 1) return [{ kind: "include", path: cmd }];
  if (/^sysctl_restore_.*\.sh$/.test(base))
    return [{ kind: "ignore", line, why: "each script runs on a fresh engine: nothing to restore" }];
  if (
    base === "tc" &&
    args[1] === "qdisc" &&
    /^(add|replace)$/.test(args[2]) &&
    args.includes("root") &&
    args.includes("pfifo")
  )
    return [{ kind: "ignore", line, why: "pfifo is a plain FIFO: no pacing, like a device without a qdisc" }];
  if (base === "ip" && args[1] === "tcp_metrics" && args[2] === "flush")
    return [{ kind: "ignore", line, why: "a fresh engine has no cached TCP metrics" }];
  return [{ kind: "other", line }];
}

/** "/proc/sys/net/ipv4/tcp_wmem" -> "net.ipv4.tcp_wmem"; anything else -> null. */
function procSysName(path: string): string | null {
  const m = /^\/proc\/sys\/(.+)$/.exec(path);
  return m ? m[1].replace(/\//g, ".") : null;
}

/** Words with quotes removed (single and double), `$((...))` evaluated inside double quotes too. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const e = line.indexOf("'", i + 1);
      const end = e < 0 ? line.length : e;
      cur += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < line.length && line[j] !== '"') {
        if (line[j] === "\\" && j + 1 < line.length) {
          s += line[j + 1];
          j += 2;
        } else s += line[j++];
      }
      cur += expandArith(s);
      i = j;
    } else if (c === "$" && line.startsWith("$((", i)) {
      const e = line.indexOf("))", i);
      const end = e < 0 ? line.length : e + 2;
      cur += expandArith(line.slice(i, end));
      i = end - 1;
    } else cur += c;
  }
  if (inWord) words.push(cur);
  return words;
}

/** Replace each $((expr)) of integers, + - * / % and parentheses with its value. */
export function expandArith(s: string): string {
  return s.replace(/\$\(\(([^()]*(?:\([^()]*\)[^()]*)*)\)\)/g, (m, expr: string) => {
    const v = evalArith(expr);
    return v === null ? m : String(v);
  });
}

function evalArith(expr: string): number | null {
  const toks = expr.match(/\d+|[-+*/%()]/g);
  if (!toks || toks.join("") !== expr.replace(/\s+/g, "")) return null;
  let i = 0;
  const atom = (): number => {
    const t = toks[i++];
    if (t === "(") {
      const v = sum();
      i++;
      return v;
    }
    if (t === "-") return -atom();
    return Number(t);
  };
  const prod = (): number => {
    let v = atom();
    while (toks[i] === "*" || toks[i] === "/" || toks[i] === "%") {
      const op = toks[i++];
      const r = atom();
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = prod();
    while (toks[i] === "+" || toks[i] === "-") {
      const op = toks[i++];
      const r = prod();
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return Number.isFinite(v) ? v : null;
}

function normValue(v: string): string {
  return expandArith(v).replace(/\s+/g, " ").trim();
}
