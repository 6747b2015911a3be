// The tools over a live World: sockets of every kind (listener with a backlog and unaccepted
// connections, an accepted connection with unread bytes, TIME_WAIT, a bound UDP socket, Unix
// sockets), read from the engine and printed by the Linux-exact formatters, checked field by field.
import { describe, expect, it } from "vitest";
import { views } from "../../src/tools/views/index.js";
import { socketZoo } from "../helpers/scenario.js";

/** One /proc/net/tcp or /proc/net/udp row, split into its columns. */
interface ProcRow {
  local: string;
  remote: string;
  st: number;
  tx: number;
  rx: number;
  tr: number;
  when: number;
  retr: number;
  uid: number;
  timeout: number;
  inode: number;
  ref: number;
  rest: string[];
}

function procRows(text: string): ProcRow[] {
  const lines = text.split("\n");
  expect(lines.at(-1)).toBe("");
  return lines.slice(1, -1).map((l) => {
    const c = l.trim().split(/\s+/);
    const [tx, rx] = c[4].split(":");
    const [tr, when] = c[5].split(":");
    return {
      local: c[1],
      remote: c[2],
      st: Number.parseInt(c[3], 16),
      tx: Number.parseInt(tx, 16),
      rx: Number.parseInt(rx, 16),
      tr: Number.parseInt(tr, 16),
      when: Number.parseInt(when, 16),
      retr: Number.parseInt(c[6], 16),
      uid: Number(c[7]),
      timeout: Number(c[8]),
      inode: Number(c[9]),
      ref: Number(c[10]),
      rest: c.slice(11),
    };
  });
}

/** socket:[N] inodes of a process's fds, from `ls -l /proc/<pid>/fd`. */
function fdInodes(text: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of text.split("\n")) {
    const r = / (\d+) -> socket:\[(\d+)\]$/.exec(l);
    if (r) m.set(Number(r[1]), Number(r[2]));
  }
  return m;
}

describe("views of a live World", async () => {
  const { world, client, server, pids } = await socketZoo();
  const srv = views(world, server);
  const cli = views(world, client);
  const nginxFds = fdInodes(srv.procPidFd(pids.nginx.pid));
  const curlFds = fdInodes(cli.procPidFd(pids.curl.pid));

  it("/proc/net/tcp on the server: listeners, the accepted connection, the accept queue", () => {
    const text = srv.procNetTcp();
    // every record is 149 characters plus the newline, as Linux pads them
    for (const l of text.split("\n").slice(0, -1)) expect(l.length).toBe(149);
    const rows = procRows(text);
    expect(rows.map((r) => [r.local, r.remote, r.st])).toEqual([
      ["00000000:0050", "00000000:0000", 0x0a], // nginx *:80 LISTEN
      ["0200000A:0007", "00000000:0000", 0x0a], // echod 10.0.0.2:7 LISTEN
      ["0200000A:0050", rows[2].remote, 0x01], // accepted by nginx
      ["0200000A:0050", rows[3].remote, 0x01], // in the accept queue, 7 bytes unread
      ["0200000A:0050", rows[4].remote, 0x01], // in the accept queue
    ]);
    for (const r of rows.slice(2)) expect(r.remote).toMatch(/^0100000A:[0-9A-F]{4}$/);
    const [nginx, echod, accepted, queued7, queued0] = rows;
    // listener: rx_queue is the accept queue; its inode is nginx's fd 3; two request refs
    expect([nginx.tx, nginx.rx, nginx.tr, nginx.uid, nginx.inode, nginx.ref]).toEqual([
      0,
      2,
      0,
      0,
      nginxFds.get(3),
      3,
    ]);
    expect(nginx.rest.slice(1)).toEqual(["100", "0", "0", "10", "0"]); // rto 1 s, cwnd 10, fastopen 0
    expect([echod.rx, echod.inode, echod.ref]).toEqual([
      0,
      fdInodes(srv.procPidFd(pids.echod.pid)).get(3),
      1,
    ]);
    // the accepted connection: 5 unread bytes, nginx's fd 4
    expect([accepted.tx, accepted.rx, accepted.tr, accepted.inode]).toEqual([0, 5, 0, nginxFds.get(4)]);
    expect(accepted.rest.at(-1)).toBe("-1"); // still in initial slow start
    // not accepted yet: no inode, the listener's uid
    expect([queued7.rx, queued7.inode, queued7.uid]).toEqual([7, 0, 0]);
    expect([queued0.rx, queued0.inode]).toEqual([0, 0]);
  });

  it("/proc/net/tcp on the client: the connections' owners and a TIME_WAIT entry", () => {
    const rows = procRows(cli.procNetTcp());
    const tw = rows.filter((r) => r.st === 0x06);
    expect(tw.length).toBe(1);
    expect(tw[0].remote).toBe("0200000A:0007");
    // timewait sock: timer 3 with under 60 s left (in 1/100 s), no queues, uid or inode, 3 refs
    expect([tw[0].tr, tw[0].tx, tw[0].rx, tw[0].uid, tw[0].inode, tw[0].ref]).toEqual([3, 0, 0, 0, 0, 3]);
    expect(tw[0].when).toBeGreaterThan(5800);
    expect(tw[0].when).toBeLessThanOrEqual(6000);
    expect(tw[0].rest.length).toBe(1); // the pointer, nothing after it
    const est = rows.filter((r) => r.st === 0x01);
    expect(est.map((r) => r.inode).sort()).toEqual([...curlFds.values()].sort());
    for (const r of est) expect([r.uid, r.tx, r.rx, r.remote]).toEqual([1000, 0, 0, "0200000A:0050"]);
  });

  it("the server's and the client's ends of one connection agree", () => {
    const s = srv.inet().filter((x) => x.proto === "tcp" && x.state === 1);
    const c = cli.inet().filter((x) => x.proto === "tcp" && x.state === 1);
    expect(s.length).toBe(3);
    for (const x of s) {
      const peer = c.find((y) => y.local.port === x.remote.port && y.remote.port === x.local.port);
      expect(peer).toBeDefined();
      expect(peer!.tcp!.bytesSent).toBe(x.tcp!.bytesReceived);
      expect(peer!.tcp!.bytesAcked).toBe(x.tcp!.bytesReceived + 1); // the SYN counts on the active side
      expect(peer!.tcp!.segsOut).toBe(x.tcp!.segsIn + 1); // the SYN went to the listener
    }
  });

  it("ss -tlnp: Recv-Q is the accept queue, Send-Q the backlog, users from the fd tables", () => {
    expect(srv.ss("-tlnp")).toBe(
      [
        "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess                      ",
        'LISTEN 2      8            0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=1,fd=3))',
        'LISTEN 0      4           10.0.0.2:7         0.0.0.0:*    users:(("echod",pid=2,fd=3))',
        "",
      ].join("\n"),
    );
  });

  it("ss -tan on the client shows TIME-WAIT; -tnp shows owners only for held sockets", () => {
    const tan = cli.ss("-tan");
    expect(tan).toMatch(/^TIME-WAIT 0 +0 +10\.0\.0\.1:\d+ +10\.0\.0\.2:7 *$/m);
    const tnp = srv.ss("-tnp").split("\n");
    expect(tnp[1]).toMatch(/^ESTAB 5 +0 +10\.0\.0\.2:80 +10\.0\.0\.1:\d+ +users:\(\("nginx",pid=1,fd=4\)\)$/);
    expect(tnp[2]).toMatch(/^ESTAB 7 +0 +10\.0\.0\.2:80 +10\.0\.0\.1:\d+ *$/);
    expect(tnp.length).toBe(5);
  });

  it("ss -tnio shows the engine's tcp_info", () => {
    const lines = cli.ss("-tnio").split("\n");
    const info = lines[2];
    // cubic is Linux's default; the RTO is whole jiffies (HZ = 1000), so a tiny RTT shows rto:201.
    expect(info).toMatch(/^\t ts sack cubic wscale:7,7 rto:201 rtt:[\d.]+\/[\d.]+ mss:1448 pmtu:1500 /);
    // An application-limited flow does not grow cwnd (Linux tcp_is_cwnd_limited, RFC 7661).
    expect(info).toContain(" advmss:1448 cwnd:10 bytes_sent:5 bytes_acked:6 ");
    expect(info).toContain(" segs_out:3 segs_in:2 data_segs_out:1 ");
  });

  it("ss -uanp and /proc/net/udp: the bound UDP socket with its unread datagram", () => {
    const rows = procRows(srv.procNetUdp());
    expect(rows.length).toBe(1);
    const dnsFds = fdInodes(srv.procPidFd(pids.dnsd.pid));
    expect([rows[0].local, rows[0].remote, rows[0].st, rows[0].uid, rows[0].inode, rows[0].ref]).toEqual([
      "00000000:14E9",
      "00000000:0000",
      0x07,
      101,
      dnsFds.get(3),
      2,
    ]);
    expect(rows[0].rx).toBeGreaterThan(5); // "query" plus the engine's per-datagram charge
    expect(srv.ss("-uanp")).toMatch(
      new RegExp(
        `^UNCONN ${rows[0].rx} +0 +0\\.0\\.0\\.0:5353 +0\\.0\\.0\\.0:\\* +users:\\(\\("dnsd",pid=3,fd=3\\)\\)$`,
        "m",
      ),
    );
  });

  it("ss -xa: the Unix listener with a pending client, the socketpair with unread bytes", () => {
    const sup = fdInodes(srv.procPidFd(pids.supervisord.pid));
    const lines = srv.ss("-xa").split("\n");
    expect(lines[0]).toMatch(/^Netid State +Recv-Q Send-Q +Local Address:Port +Peer Address:Port *Process/);
    const listen = lines.find((l) => l.includes("LISTEN"))!;
    expect(listen).toMatch(new RegExp(`^u_str LISTEN 1 +5 +/run/supervisor\\.sock ${sup.get(3)} +\\* 0 *$`));
    // the pair: one end holds 12 unread bytes, the other their truesize in Send-Q
    const a = sup.get(4)!;
    const b = sup.get(5)!;
    expect(lines.some((l) => new RegExp(`^u_str ESTAB +12 +0 +\\* ${b} +\\* ${a} *$`).test(l))).toBe(true);
    expect(lines.some((l) => new RegExp(`^u_str ESTAB +0 +[1-9]\\d* +\\* ${a} +\\* ${b} *$`).test(l))).toBe(
      true,
    );
    expect(srv.ss("-xae")).toMatch(/ peers: \d+/);
  });

  it("lsof -i lists every descriptor that refers to an inet socket", () => {
    const text = srv.lsof();
    const lines = text.split("\n");
    // dnsd's uid has no login name: lsof prints it right-aligned in 8 columns
    expect(lines[0]).toBe("COMMAND PID     USER   FD   TYPE DEVICE SIZE/OFF NODE NAME");
    expect(lines.slice(1, -1).map((l) => l.split(/\s+/).slice(0, 5))).toEqual([
      ["nginx", "1", "root", "3u", "IPv4"],
      ["nginx", "1", "root", "4u", "IPv4"],
      ["echod", "2", "root", "3u", "IPv4"],
      ["dnsd", "3", "101", "3u", "IPv4"],
    ]);
    expect(lines[1]).toContain(` ${nginxFds.get(3)}      0t0  TCP *:80 (LISTEN)`);
    expect(lines[2]).toMatch(/ TCP 10\.0\.0\.2:80->10\.0\.0\.1:\d+ \(ESTABLISHED\)$/);
    expect(lines[4]).toMatch(/ UDP \*:5353 $/);
    expect(cli.lsof({ pids: [pids.curl.pid] }).split("\n").length).toBe(5);
  });

  it("/proc/<pid>/fd and fdinfo", () => {
    const fd = srv.procPidFd(pids.nginx.pid).split("\n");
    expect(fd[0]).toBe("total 0");
    expect(fd[1]).toMatch(/^lr-x------ 1 root root 64 Jan {2}1 00:00 0 -> pipe:\[\d+\]$/);
    expect(fd[4]).toBe(`lrwx------ 1 root root 64 Jan  1 00:00 3 -> socket:[${nginxFds.get(3)}]`);
    expect(srv.fdinfo(pids.nginx.pid, 4)).toBe(`pos:\t0\nflags:\t02\nmnt_id:\t8\nino:\t${nginxFds.get(4)}\n`);
    expect(srv.fdinfo(pids.supervisord.pid, 3)).toMatch(/\nscm_fds: 0\n$/);
    expect(() => srv.fdinfo(pids.nginx.pid, 9)).toThrow(/no such file/);
    expect(() => srv.procPidFd(pids.curl.pid)).toThrow(/no such process on server/);
  });

  it("/proc/net/snmp and /proc/net/netstat carry the engine's counters", () => {
    const s = srv.snmp();
    const c = cli.snmp();
    expect(s.tcp.PassiveOpens).toBe(4);
    expect(c.tcp.ActiveOpens).toBe(4);
    expect([s.tcp.CurrEstab, c.tcp.CurrEstab]).toEqual([3, 3]);
    expect(s.tcp.InSegs).toBe(c.tcp.OutSegs);
    expect(c.tcp.InSegs).toBe(s.tcp.OutSegs);
    expect([s.udp.InDatagrams, c.udp.OutDatagrams]).toEqual([1, 1]);
    expect(s.ip.InReceives).toBeGreaterThan(0);
    const text = srv.procNetSnmp().split("\n");
    const tcpVals = text.find((l, i) => l.startsWith("Tcp:") && text[i - 1].startsWith("Tcp:"))!;
    expect(tcpVals).toBe(`Tcp: 1 200 120000 -1 0 4 0 0 3 ${s.tcp.InSegs} ${s.tcp.OutSegs} 0 0 0 0`);
    expect(srv.procNetNetstat()).toMatch(/^TcpExt: SyncookiesSent /);
  });
});

describe("views: counters move with the engine", () => {
  it("TIME_WAIT expiry counts TcpExt TW and empties the client's table", async () => {
    const { world, client } = await socketZoo();
    const cli = views(world, client);
    expect(cli.snmp().tcpExt.TW).toBe(0);
    await world.kernel.advance(61_000_000_000);
    expect(cli.snmp().tcpExt.TW).toBe(1);
    expect(cli.ss("-tan")).not.toContain("TIME-WAIT");
  });
});
