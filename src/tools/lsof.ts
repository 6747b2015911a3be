// lsof -i, as lsof 4.95 prints it on Linux (checked against captures in tests/fixtures/linux-tools/).
//
// lsof sizes every column in a first pass and prints in a second (lsof's print.c print_file()):
// COMMAND is left-aligned and cut to 9 characters (CmdLim), every other column right-aligned in the
// width of its longest cell or its title, whichever is wider; columns are separated by one space.
// FD is the descriptor printed "%4d" (past 9999, "*" and its last three digits) followed by the
// access mode (u = read/write) and the lock character (a space); its title is right-aligned two
// places short of the column. Rows are sorted
// by PID, then by descriptor.

import { TCP_STATE_NAMES } from "../net/tcp/state.js";
import type { InetSockInfo, ProcessInfo } from "./model.js";

export interface LsofOptions {
  /** -p: only these processes. */
  pids?: readonly number[];
  /** -P off: service names for ports (lsof -i without -P); default numeric, as lsof -P. */
  services?: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

/** lsof's command-name limit (CmdLim, the -c default). */
const CMD_LIMIT = 9;

function ipText(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function endpointText(e: { addr: number; port: number }, proto: string, opts: LsofOptions): string {
  const host = e.addr === 0 ? "*" : ipText(e.addr);
  const port = e.port === 0 ? "*" : (opts.services?.[proto]?.[e.port] ?? String(e.port));
  return `${host}:${port}`;
}

/**
 * The NAME column: local address, "->" and the foreign one when it has an address or a port, then
 * for TCP the state in parentheses. lsof prints the space before the state for UDP too, with no
 * state after it, so UDP names end in a space.
 */
function nameText(s: InetSockInfo, opts: LsofOptions): string {
  let n = endpointText(s.local, s.proto, opts);
  if (s.remote.addr !== 0 || s.remote.port !== 0) n += `->${endpointText(s.remote, s.proto, opts)}`;
  if (s.proto === "tcp") return `${n} (${TCP_STATE_NAMES[s.state] ?? "UNKNOWN"})`;
  return `${n} `;
}

/** lsof's FD number: "%4d", and past 9999 a "*" and the last three digits (alloc_lfile()). */
function fdText(fd: number): string {
  return fd < 10000 ? String(fd).padStart(4, " ") : `*${String(fd % 1000).padStart(3, "0")}`;
}

interface Row {
  cmd: string;
  pid: number;
  user: string;
  fd: number;
  fdText: string;
  type: string;
  device: string;
  sizeOff: string;
  node: string;
  name: string;
}

/**
 * `lsof -i -n -P` (with `pids`, `-a -p <pid>`) over the engine's inet sockets: one row per open file
 * that refers to a socket (each owner of each socket), with the process's name and user from
 * `processes`. Returns "" when nothing matches (lsof prints nothing and exits 1).
 */
export function formatLsof(
  socks: readonly InetSockInfo[],
  processes: readonly ProcessInfo[],
  opts: LsofOptions = {},
): string {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const rows: Row[] = [];
  for (const s of socks) {
    if ((s.form ?? "full") !== "full") continue;
    for (const o of s.owners) {
      if (opts.pids && !opts.pids.includes(o.pid)) continue;
      const p = byPid.get(o.pid);
      rows.push({
        cmd: (p?.comm ?? o.comm).slice(0, CMD_LIMIT),
        pid: o.pid,
        // printuid(): a uid with no login name prints as a number in USERPRTL (8) columns.
        user: p?.user ?? String(p?.uid ?? 0).padStart(8, " "),
        fd: o.fd,
        fdText: fdText(o.fd),
        type: "IPv4",
        device: String(s.inode),
        sizeOff: "0t0",
        node: s.proto.toUpperCase(),
        name: nameText(s, opts),
      });
    }
  }
  if (rows.length === 0) return "";
  rows.sort((a, b) => a.pid - b.pid || a.fd - b.fd);
  const w = (title: string, cells: string[]) => Math.max(title.length, ...cells.map((c) => c.length));
  const cmdW = w(
    "COMMAND",
    rows.map((r) => r.cmd),
  );
  const pidW = w(
    "PID",
    rows.map((r) => String(r.pid)),
  );
  const userW = w(
    "USER",
    rows.map((r) => r.user),
  );
  const fdW = w(
    "FD",
    rows.map((r) => `${r.fdText}u `),
  );
  const typeW = w(
    "TYPE",
    rows.map((r) => r.type),
  );
  const devW = w(
    "DEVICE",
    rows.map((r) => r.device),
  );
  const szW = w(
    "SIZE/OFF",
    rows.map((r) => r.sizeOff),
  );
  const nodeW = w(
    "NODE",
    rows.map((r) => r.node),
  );
  const right = (s: string, n: number) => s.padStart(n, " ");
  let out =
    `${"COMMAND".padEnd(cmdW, " ")} ${right("PID", pidW)} ${right("USER", userW)} ${right("FD", fdW - 2)}   ` +
    `${right("TYPE", typeW)} ${right("DEVICE", devW)} ${right("SIZE/OFF", szW)} ${right("NODE", nodeW)} NAME\n`;
  for (const r of rows) {
    out +=
      `${r.cmd.padEnd(cmdW, " ")} ${right(String(r.pid), pidW)} ${right(r.user, userW)} ` +
      `${right(r.fdText, fdW - 2)}u  ${right(r.type, typeW)} ${right(r.device, devW)} ` +
      `${right(r.sizeOff, szW)} ${right(r.node, nodeW)} ${r.name}\n`;
  }
  return out;
}
