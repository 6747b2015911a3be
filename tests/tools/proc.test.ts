// /proc formatters on hand-built sockets: the cases the captures do not reach.
import { describe, expect, it } from "vitest";
import { ipToNumber } from "../../src/net/addr.js";
import { TCP_ESTABLISHED, TCP_LISTEN, TCP_NEW_SYN_RECV, TCP_TIME_WAIT } from "../../src/net/tcp/state.js";
import {
  emptySnmpCounters,
  emptyTcpInfo,
  hashedPointer,
  type InetSockInfo,
  NETSTAT_TCPEXT,
  TIMER_KEEPALIVE,
  TIMER_OFF,
  TIMER_TIMEWAIT,
} from "../../src/tools/model.js";
import {
  formatFdinfo,
  formatProcNetNetstat,
  formatProcNetSnmp,
  formatProcNetTcp,
  formatProcNetUdp,
  formatProcPidFd,
} from "../../src/tools/proc.js";

function sock(over: Partial<InetSockInfo> = {}): InetSockInfo {
  return {
    proto: "tcp",
    state: TCP_ESTABLISHED,
    local: { addr: ipToNumber("10.0.0.1"), port: 80 },
    remote: { addr: ipToNumber("192.168.1.200"), port: 65535 },
    txQueue: 0,
    rxQueue: 0,
    backlog: 0,
    timer: { kind: TIMER_OFF, expiresMs: 0 },
    retransmits: 0,
    probesOut: 0,
    uid: 1000,
    inode: 4242,
    refcnt: 1,
    skAddr: "00000000deadbeef",
    cookie: 1,
    owners: [],
    tcp: { ...emptyTcpInfo(), rto: 204000, ato: 40000, sndCwnd: 10, ackQuick: 7, ackPingpong: 1 },
    ...over,
  };
}

/** The data rows of a /proc/net table, trailing padding removed. */
function rows(text: string): string[] {
  return text
    .split("\n")
    .slice(1, -1)
    .map((l) => l.trimEnd());
}

describe("/proc/net/tcp", () => {
  it("prints addresses as the network-order word read little-endian, ports in hex", () => {
    const [row] = rows(formatProcNetTcp([sock()]));
    expect(row.slice(0, 37)).toBe("   0: 0100000A:0050 C801A8C0:FFFF 01 ");
  });

  it("prints the full-socket fields with Linux's widths", () => {
    const s = sock({
      txQueue: 0x1234,
      rxQueue: 99,
      timer: { kind: TIMER_KEEPALIVE, expiresMs: 7199990 },
      probesOut: 3,
    });
    expect(rows(formatProcNetTcp([s]))).toEqual([
      "   0: 0100000A:0050 C801A8C0:FFFF 01 00001234:00000063 02:000AFC7F 00000000  1000        3 4242 1 00000000deadbeef 20 4 15 10 -1",
    ]);
  });

  it("clamps an overdue timer and a negative receive queue to 0, and prints a timer that is off as 0", () => {
    const overdue = sock({ rxQueue: -5, timer: { kind: 1, expiresMs: -30 } });
    const off = sock({ timer: { kind: TIMER_OFF, expiresMs: 5000 } });
    const [a, b] = rows(formatProcNetTcp([overdue, off]));
    expect(a.slice(37, 67)).toBe("00000000:00000000 01:00000000 ");
    expect(b.slice(37, 67)).toBe("00000000:00000000 00:00000000 ");
  });

  it("prints ssthresh once out of slow start, and a listener's fastopen limit instead", () => {
    const est = sock({ tcp: { ...emptyTcpInfo(), sndCwnd: 12, sndSsthresh: 7 } });
    const lst = sock({
      state: TCP_LISTEN,
      remote: { addr: 0, port: 0 },
      tcp: { ...emptyTcpInfo(), rto: 1000000, sndCwnd: 10, fastOpenMaxQlen: 5 },
    });
    const [a, b] = rows(formatProcNetTcp([est, lst]));
    expect(a.endsWith(" 0 0 0 12 7")).toBe(true);
    expect(b.endsWith(" 100 0 0 10 5")).toBe(true);
    expect(b.slice(6, 33)).toBe("0100000A:0050 00000000:0000");
  });

  it("prints timewait and request entries in their own short forms", () => {
    const tw = sock({
      form: "timewait",
      state: TCP_TIME_WAIT,
      timer: { kind: TIMER_TIMEWAIT, expiresMs: 59990 },
      refcnt: 3,
      inode: 0,
    });
    const req = sock({
      form: "request",
      state: TCP_NEW_SYN_RECV,
      timer: { kind: 1, expiresMs: 950 },
      retransmits: 1,
      inode: 0,
      refcnt: 0,
    });
    expect(rows(formatProcNetTcp([tw, req]))).toEqual([
      "   0: 0100000A:0050 C801A8C0:FFFF 06 00000000:00000000 03:0000176F 00000000     0        0 0 3 00000000deadbeef",
      "   1: 0100000A:0050 C801A8C0:FFFF 03 00000000:00000000 01:0000005F 00000001  1000        0 0 0 00000000deadbeef",
    ]);
  });

  it("pads every line to 149 characters", () => {
    for (const line of formatProcNetTcp([sock(), sock()]).split("\n").slice(0, -1))
      expect(line.length).toBe(149);
  });

  it("skips UDP sockets", () => {
    expect(formatProcNetTcp([sock({ proto: "udp" })])).toBe(formatProcNetTcp([]));
  });
});

describe("/proc/net/udp", () => {
  const udp = (port: number, bucket?: number) =>
    sock({
      proto: "udp",
      state: 7,
      local: { addr: ipToNumber("127.0.0.1"), port },
      remote: { addr: 0, port: 0 },
      bucket,
      drops: 2,
      tcp: undefined,
    });

  it("prints rows by hash slot, the slot as sl, defaulting to the port's slot in 128", () => {
    const text = formatProcNetUdp([udp(5353, 900), udp(53), udp(5000, 10)]);
    expect(rows(text).map((r) => r.slice(0, 6))).toEqual(["   10:", "   53:", "  900:"]);
    expect(rows(text)[1]).toBe(
      "   53: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4242 1 00000000deadbeef 2",
    );
  });

  it("pads every line to 127 characters", () => {
    for (const line of formatProcNetUdp([udp(1)])
      .split("\n")
      .slice(0, -1))
      expect(line.length).toBe(127);
  });
});

describe("/proc/net/snmp and /proc/net/netstat", () => {
  it("prints every column, a counter the engine does not keep as 0", () => {
    const c = emptySnmpCounters();
    c.tcp.ActiveOpens = 3;
    delete (c.tcp as Partial<typeof c.tcp>).InCsumErrors;
    const lines = formatProcNetSnmp(c).split("\n");
    const tcp = lines.filter((l) => l.startsWith("Tcp:"));
    expect(tcp).toEqual([
      "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors",
      "Tcp: 1 200 120000 -1 3 0 0 0 0 0 0 0 0 0 0",
    ]);
    expect(lines[1]).toBe("Ip: 2 64 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
  });

  it("leaves IcmpMsg out with no ICMP traffic, and derives the Icmp type columns from it", () => {
    const c = emptySnmpCounters();
    expect(formatProcNetSnmp(c)).not.toContain("IcmpMsg");
    c.icmpMsg.in[8] = 4;
    c.icmpMsg.out[0] = 4;
    const icmp = formatProcNetSnmp(c)
      .split("\n")
      .filter((l) => l.startsWith("Icmp"));
    expect(icmp[1]).toBe("Icmp: 0 0 0 0 0 0 0 0 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4 0 0 0 0");
    expect(icmp.slice(2)).toEqual(["IcmpMsg: InType8 OutType0", "IcmpMsg: 4 4"]);
  });

  it("splits IcmpMsg into row pairs of 16 types, In before Out", () => {
    const c = emptySnmpCounters();
    for (let t = 0; t < 10; t++) {
      c.icmpMsg.in[t] = t + 1;
      c.icmpMsg.out[t] = 100 + t;
    }
    const msg = formatProcNetSnmp(c)
      .split("\n")
      .filter((l) => l.startsWith("IcmpMsg"));
    expect(msg).toHaveLength(4);
    expect(msg[0].split(" ")).toHaveLength(17);
    expect(msg[0].endsWith("InType9 OutType0 OutType1 OutType2 OutType3 OutType4 OutType5")).toBe(true);
    expect(msg[3]).toBe("IcmpMsg: 106 107 108 109");
  });

  it("prints netstat rows with and without MPTcpExt", () => {
    const c = emptySnmpCounters();
    c.tcpExt.ListenOverflows = 2;
    const text = formatProcNetNetstat(c, { mptcp: false });
    const [names, values] = text.split("\n");
    expect(names.split(" ").slice(1)).toEqual([...NETSTAT_TCPEXT]);
    expect(values.split(" ")[1 + NETSTAT_TCPEXT.indexOf("ListenOverflows")]).toBe("2");
    expect(text.split("\n").map((l) => l.split(":")[0])).toEqual(["TcpExt", "TcpExt", "IpExt", "IpExt", ""]);
    expect(formatProcNetNetstat(c)).toContain("\nMPTcpExt: MPCapableSYNRX ");
  });
});

describe("ls -l /proc/<pid>/fd", () => {
  const t = new Date(Date.UTC(2026, 0, 5, 9, 7));
  const fd = (n: number, flags: number, target: string) => ({
    fd: n,
    target,
    flags,
    pos: 0,
    mntId: 10,
    ino: 1,
  });

  it("sorts by name as strings and shows the access mode as the link's bits", () => {
    const table = {
      pid: 1,
      user: "www-data",
      group: "www-data",
      mtime: t,
      fds: [fd(2, 1, "/dev/null"), fd(10, 0o2004002, "socket:[77]"), fd(0, 0, "/dev/null")],
    };
    expect(formatProcPidFd(table)).toBe(
      "total 0\n" +
        "lr-x------ 1 www-data www-data 64 Jan  5 09:07 0 -> /dev/null\n" +
        "lrwx------ 1 www-data www-data 64 Jan  5 09:07 10 -> socket:[77]\n" +
        "l-wx------ 1 www-data www-data 64 Jan  5 09:07 2 -> /dev/null\n",
    );
  });

  it("uses ls's year format for times more than six months old", () => {
    const table = { pid: 1, user: "root", group: "root", mtime: t, fds: [fd(3, 2, "socket:[1]")] };
    expect(formatProcPidFd(table, new Date(Date.UTC(2026, 9, 1)))).toContain(" 64 Jan  5  2026 3 -> ");
  });
});

describe("/proc/<pid>/fdinfo/<fd>", () => {
  it("prints flags in octal with a leading 0, then the file's own lines", () => {
    expect(formatFdinfo({ fd: 0, target: "pipe:[1]", flags: 0, pos: 12, mntId: 16, ino: 9 })).toBe(
      "pos:\t12\nflags:\t00\nmnt_id:\t16\nino:\t9\n",
    );
    const ep = {
      fd: 4,
      target: "anon_inode:[eventpoll]",
      flags: 0o2000002,
      pos: 0,
      mntId: 17,
      ino: 26,
      epoll: [{ tfd: 12, events: 0x80000019, data: 0xffff_ffff_ffff_ffffn, pos: 0, ino: 0x105fc, sdev: 9 }],
    };
    expect(formatFdinfo(ep).split("\n")[4]).toBe(
      "tfd:       12 events: 80000019 data: ffffffffffffffff  pos:0 ino:105fc sdev:9",
    );
    expect(
      formatFdinfo({ fd: 3, target: "socket:[5]", flags: 2, pos: 0, mntId: 10, ino: 5, scmFds: 1 }),
    ).toMatch(/\nscm_fds: 1\n$/);
  });
});

describe("hashedPointer", () => {
  it("looks like a %pK value and is stable per id", () => {
    expect(hashedPointer(7)).toMatch(/^00000000[0-9a-f]{8}$/);
    expect(hashedPointer(7)).toBe(hashedPointer(7));
    expect(new Set([1, 2, 3, 4, 5].map(hashedPointer)).size).toBe(5);
  });
});
