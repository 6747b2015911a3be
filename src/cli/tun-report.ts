// Plain-text socket list (ss -tuan's columns, simply spaced) and SNMP counters (/proc/net/snmp's
// groups, only counters that moved) for one engine host, as `wirestack tun` prints them on exit.
// Linux-exact ss output is src/tools/ss.ts's job; this only reads the stack's tables.
import { ipToString } from "../net/addr.js";
import type { NetStack } from "../net/stack.js";
import { SS_STATE_NAMES, TCP_LISTEN } from "../net/tcp/state.js";

interface Row {
  netid: string;
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
}

const ep = (addr: number, port: number) =>
  `${addr === 0 ? "0.0.0.0" : ipToString(addr)}:${port === 0 ? "*" : port}`;

/** Rows of `ss -tuan`: TCP listeners and connections, UDP sockets. */
export function socketRows(net: NetStack): Row[] {
  const rows: Row[] = [];
  for (const group of net.tcp.listeners.values()) {
    for (const e of group) {
      rows.push({
        netid: "tcp",
        state: SS_STATE_NAMES[TCP_LISTEN],
        recvQ: e.acceptQ.length,
        sendQ: e.tl.backlog,
        local: ep(e.addr, e.port),
        peer: "0.0.0.0:*",
      });
    }
  }
  for (const c of net.tcp.ehash.values()) {
    rows.push({
      netid: "tcp",
      state: SS_STATE_NAMES[c.sk.state] ?? String(c.sk.state),
      recvQ: c.rcvBytes,
      sendQ: c.sndBytes,
      local: ep(c.laddr, c.lport),
      peer: ep(c.raddr, c.rport),
    });
  }
  for (const list of net.udp.socks.values()) {
    for (const u of list) {
      rows.push({
        netid: "udp",
        state: u.connected ? "ESTAB" : "UNCONN",
        recvQ: u.rcvMem,
        sendQ: 0,
        local: ep(u.laddr, u.lport),
        peer: u.connected ? ep(u.raddr, u.rport) : "0.0.0.0:*",
      });
    }
  }
  return rows;
}

/** The socket list as text, one line per socket under ss's header. */
export function formatSockets(net: NetStack): string {
  const head: Row = {
    netid: "Netid",
    state: "State",
    recvQ: 0,
    sendQ: 0,
    local: "Local Address:Port",
    peer: "Peer Address:Port",
  };
  const rows = socketRows(net);
  const cells = [head, ...rows].map((r, i) => [
    r.netid,
    r.state,
    i === 0 ? "Recv-Q" : String(r.recvQ),
    i === 0 ? "Send-Q" : String(r.sendQ),
    r.local,
    r.peer,
  ]);
  const w = cells[0].map((_, col) => Math.max(...cells.map((c) => c[col].length)));
  return cells
    .map((c) =>
      c
        .map((s, col) => (col === 2 || col === 3 ? s.padStart(w[col]) : s.padEnd(w[col])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Counters that moved, group by group ("Tcp: ActiveOpens 1 PassiveOpens 3 ..."). */
export function formatSnmp(net: NetStack): string {
  const constant = new Set(["Forwarding", "DefaultTTL", "RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn"]);
  const lines: string[] = [];
  for (const [group, counters] of Object.entries(net.snmp.groups)) {
    const moved = Object.entries(counters).filter(([k, v]) => v !== 0 && !constant.has(k));
    if (moved.length === 0) continue;
    lines.push(`${group}: ${moved.map(([k, v]) => `${k} ${v}`).join(" ")}`);
  }
  return lines.join("\n");
}
