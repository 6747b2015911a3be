// `wirestack demo` (what `npm start` runs): the tour. A small world — a client and a server running
// an nginx-like master with three workers sharing its listener — serves a few requests; then the
// tour shows one request segment's path from the NIC to recv(), and the tools that show where
// everything went: ss, lsof, /proc/net/tcp, a worker's fd table, the MIB counters, a pcap of the
// server's wire. Last, real Linux frames decoded by the same Wasm core. No arguments, a few seconds,
// colour on a terminal.
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import type { SnmpCounters } from "../tools/model.js";
import { readPcap } from "../tools/pcap.js";
import { FramePrinter } from "../tools/print.js";
import { views } from "../tools/views/index.js";
import { formatTimeline, type PacketTrace } from "../trace/index.js";
import { linuxSection } from "./linuxframes.js";
import { exitQuietlyOnEpipe, printStyle } from "./pcap.js";
import { buildTourWorld, CONNECTIONS, REQUEST, WORKERS, warmUp } from "./tourworld.js";

export interface DemoOptions {
  /** Receives each output line (default console.log). */
  write?: (line: string) => void;
  color?: boolean;
  /** Where to write the tour's pcap (default: the OS temp directory). */
  out?: string;
}

export interface DemoResult {
  pcapPath: string;
  /** Frames in the pcap. */
  frames: number;
  /** The request segment whose timeline the tour showed. */
  timeline: PacketTrace;
  masterPid: number;
  workerPids: number[];
  /** Frames in the Linux capture, and how many passed every check in the core. */
  linuxFrames: number;
  linuxPassed: number;
  /** Lines identical to tcpdump's own decode (tags aside). */
  tcpdumpAgree: number;
  /** Drop reason name per damaged copy, in the order shown. */
  damaged: { what: string; reason: string }[];
}

/** The MIB rows the tour prints whole from /proc/net/snmp. */
const SNMP_ROWS = ["Tcp:", "Udp:"];

/** Non-zero counters under the names nstat gives them (row name + column name), with their values. */
function nonzeroCounters(c: SnmpCounters): string[] {
  const out: string[] = [];
  const rows: [string, Record<string, number>][] = [
    ["Ip", c.ip],
    ["Icmp", c.icmp],
    ["Tcp", c.tcp],
    ["Udp", c.udp],
    ["TcpExt", c.tcpExt],
    ["IpExt", c.ipExt],
  ];
  // the constants Linux prints in the same rows are not counters
  const constants = ["Forwarding", "DefaultTTL", "RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn"];
  for (const [row, values] of rows) {
    for (const [name, value] of Object.entries(values)) {
      if (value !== 0 && !constants.includes(name)) out.push(`${`${row}${name}`.padEnd(32)}${value}`);
    }
  }
  return out;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const write = opts.write ?? ((l: string) => console.log(l));
  const c = pc.createColors(opts.color ?? false);
  let n = 0;
  const heading = (s: string) => {
    write("");
    write(c.bold(c.cyan(`${++n}. ${s}`)));
  };
  const note = (s: string) => write(c.dim(`  ${s}`));
  const command = (cmd: string, text: string) => {
    write(`  ${c.green("$")} ${c.bold(cmd)}`);
    for (const l of text.replace(/\n$/, "").split("\n")) write(`  ${l}`);
  };

  write(c.bold("wirestack tour: a request's path from the NIC to recv(), and the tools that show it"));
  await warmUp(); // a throwaway world first: the timeline below is measured on compiled code
  const t = await buildTourWorld();
  const { world, server, client } = t;
  const v = views(world, server);

  // 1. The world.
  heading("A small world: a client, a server, nginx with workers");
  write(
    `  ${c.bold("client")} 10.0.0.1 ${c.dim("── eth0 ── cable: 100 µs, 1 Gbit/s ── eth0 ──")} ${c.bold("server")} 10.0.0.2`,
  );
  write(
    `  server: ${c.bold("nginx")} master pid ${t.master.pid} opened *:80 (backlog 511) and forked ${WORKERS} workers ` +
      `(pids ${t.workers.join(", ")}) that share it: each accept()s a connection and serves it`,
  );
  write(
    `  client: ${c.bold("wrk")} pid ${t.wrk.pid} opened ${CONNECTIONS} keep-alive connections, one after another, ` +
      `and sent "GET /index.html" on each`,
  );
  write(
    `  ${t.responses.length} responses came back (${t.responses[0]?.split("\r\n")[0]}); the ` +
      `${CONNECTIONS}th connection waits in the listener's accept queue: every worker is busy with one`,
  );
  note(
    `virtual time now: ${(world.kernel.now() / 1e6).toFixed(1)} ms; the clock only moves when the world runs`,
  );

  // 2. The timeline.
  heading("One request segment, from the NIC to recv()");
  const requests = t.tracer.packets.filter(
    (p) =>
      p.frame?.dport === 80 && p.frame.plen === REQUEST.length && p.stages.some((s) => s.stage === "copy"),
  );
  // The last served request: the engine's code paths are warm by then, so the costs are typical.
  const timeline = requests[requests.length - 1] ?? t.tracer.packets[t.tracer.packets.length - 1];
  write(`  ${c.bold(timeline.summary)}`);
  const style = { head: c.bold, time: c.dim, stage: c.cyan, cost: c.yellow };
  for (const l of formatTimeline(timeline, { style })) write(`  ${l}`);
  note("T+ is virtual time since the frame reached the server's NIC: the engine spends no virtual time");
  note(
    "inside the host, so it stays 0 until a device's interrupt delay or the process's own schedule moves it.",
  );
  note(
    "host ns is what each stage cost this machine, measured with performance.now, after a throwaway world",
  );
  note(
    "served 300 requests first so that the JIT has compiled the path (a cold first run costs several times more).",
  );
  note(
    "Process scheduled: from the end of the frame's softirq work until the woken worker runs recv() again.",
  );

  // 3-4. ss and lsof.
  heading("ss: the server's sockets and who holds them");
  command("ss -tlnp", v.ss("-tlnp"));
  note(
    `Recv-Q of a listener is its accept queue (1 connection waits), Send-Q its backlog; four processes hold fd 3.`,
  );
  write("");
  command("ss -tnp", v.ss("-tnp"));
  note(`The connection without a process is the one in the accept queue, its request unread in Recv-Q.`);
  heading("lsof -i: every descriptor that refers to an inet socket");
  command("lsof -i -n -P", v.lsof());

  // 5. /proc/net/tcp.
  heading("/proc/net/tcp: the same sockets, as the kernel prints them");
  command("cat /proc/net/tcp", v.procNetTcp());
  note("Addresses are little-endian hex (0200000A = 10.0.0.2), st 0A = LISTEN, 01 = ESTABLISHED;");
  note(
    "tx_queue:rx_queue in bytes (a listener's rx_queue: its accept queue); the inode ties a row to an fd.",
  );

  // 6. A worker's fd table.
  const worker = t.workers[t.workers.length - 1];
  const table = v.fdTable(worker);
  const conn = table.fds.filter((f) => f.target.startsWith("socket:")).at(-1);
  heading(`A worker's file descriptors (pid ${worker})`);
  command(`ls -l /proc/${worker}/fd`, v.procPidFd(worker));
  if (conn) command(`cat /proc/${worker}/fdinfo/${conn.fd}`, v.fdinfo(worker, conn.fd));
  note("fd 3 is the listener inherited from the master by fork(); the socket's inode is the one ss and");
  note("/proc/net/tcp print. The lookup in the timeline found this descriptor by walking these tables.");

  // 7. Counters.
  heading("/proc/net/snmp and /proc/net/netstat: the server's counters");
  const snmp = v.procNetSnmp().split("\n");
  const rows: string[] = [];
  for (let i = 0; i + 1 < snmp.length; i += 2)
    if (SNMP_ROWS.includes(snmp[i].split(" ")[0])) rows.push(snmp[i], snmp[i + 1]);
  command("grep -E '^(Tcp|Udp):' /proc/net/snmp", rows.join("\n"));
  command("nstat -az   # the non-zero ones, by nstat's names", nonzeroCounters(v.snmp()).join("\n"));
  note(
    `${world.kernel.stats().processes} processes, ${world.kernel.nrSockets} sockets, ${world.kernel.nrFiles} open files in the whole world`,
  );

  // 8. The pcap.
  heading("A pcap of the server's wire");
  t.capture.stop();
  const pcapPath = opts.out ?? join(tmpdir(), "wirestack-tour.pcap");
  const bytes = t.capture.pcap();
  await writeFile(pcapPath, bytes);
  const back = readPcap(bytes);
  write(
    `  wrote ${c.bold(pcapPath)}: ${back.records.length} frames, ${bytes.length} bytes, nanosecond timestamps from the virtual clock`,
  );
  const printer = new FramePrinter(world.core, { style: printStyle(opts.color ?? false), verdicts: false });
  for (const r of back.records.slice(0, 8)) write(`  ${printer.print(r.data, r.tsNs).line}`);
  note(`... read it all with: tshark -r ${pcapPath}   or   npx wirestack pcap ${pcapPath}`);

  // 9. Linux frames.
  heading("Frames the Linux kernel sent, decoded by the same Wasm core (parseFrame)");
  const linux = await linuxSection(world.core, write, printStyle(opts.color ?? false), c);
  write("");
  void client;
  return {
    pcapPath,
    frames: back.records.length,
    timeline,
    masterPid: t.master.pid,
    workerPids: t.workers,
    ...linux,
  };
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("the tour: a request from NIC to recv()")
    .option("--out <file>", "where to write the tour's pcap (default: the temp directory)")
    .action(async (o: { out?: string }) => {
      exitQuietlyOnEpipe();
      await runDemo({ color: pc.isColorSupported, out: o.out });
    });
}
