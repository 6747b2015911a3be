// ss on hand-built sockets: printf details, option handling and the layout rules the captures
// show, on cases the captures do not reach.
import { describe, expect, it } from "vitest";
import { ipToNumber } from "../../src/net/addr.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, TCP_NEW_SYN_RECV } from "../../src/net/tcp/state.js";
import { emptyTcpInfo, type InetSockInfo, TIMER_OFF, type UnixSockInfo } from "../../src/tools/model.js";
import { formatG, formatSs, parseSsFlags, printMsTimer } from "../../src/tools/ss.js";

function sock(over: Partial<InetSockInfo> = {}): InetSockInfo {
  return {
    proto: "tcp",
    state: TCP_ESTABLISHED,
    local: { addr: ipToNumber("10.0.0.2"), port: 8080 },
    remote: { addr: ipToNumber("10.0.0.1"), port: 40000 },
    txQueue: 0,
    rxQueue: 0,
    backlog: 0,
    timer: { kind: TIMER_OFF, expiresMs: 0 },
    retransmits: 0,
    probesOut: 0,
    uid: 0,
    inode: 1234,
    refcnt: 1,
    skAddr: "0000000000000001",
    cookie: 0x1f,
    owners: [{ comm: "nginx", pid: 1234, fd: 10 }],
    tcp: emptyTcpInfo(),
    ...over,
  };
}

describe("printf-alikes", () => {
  it("formatG matches C's %g (reference values from printf)", () => {
    const cases: [number, string][] = [
      [0.035, "0.035"],
      [10.44, "10.44"],
      [2.88671875, "2.88672"],
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [0.00012345, "0.00012345"],
      [1234567, "1.23457e+06"],
      [100000, "100000"],
      [123456.7, "123457"],
      [1 / 3, "0.333333"],
      [204, "204"],
      [1e21, "1e+21"],
      [0, "0"],
    ];
    for (const [v, s] of cases) expect(formatG(v)).toBe(s);
    expect(formatG(999.6, 3)).toBe("1e+03");
    expect(formatG(12345, 3)).toBe("1.23e+04");
    expect(formatG(0.00123456, 3)).toBe("0.00123");
  });

  it("printMsTimer writes ss's timer text", () => {
    expect(printMsTimer(0)).toBe("");
    expect(printMsTimer(280)).toBe("280ms");
    expect(printMsTimer(1234)).toBe("1.234ms");
    expect(printMsTimer(5000)).toBe("5sec");
    expect(printMsTimer(58123)).toBe("58sec");
    expect(printMsTimer(65000)).toBe("1min5sec");
    expect(printMsTimer(7199990)).toBe("119min");
  });

  it("parseSsFlags reads ss's letters and refuses others", () => {
    expect(parseSsFlags("-tnpi")).toEqual({ tcp: true, numeric: true, processes: true, info: true });
    expect(parseSsFlags(["-x", "-a"])).toEqual({ unix: true, all: true });
    expect(() => parseSsFlags("-tZ")).toThrow(RangeError);
    expect(() => parseSsFlags("t")).toThrow(RangeError);
  });
});

describe("ss layout", () => {
  it("prints the seed's ss -tnp line", () => {
    // The only socket's Process token is the last one written, so ss never measures it: the header
    // is not padded to it.
    expect(formatSs({ inet: [sock()] }, "-tnp")).toBe(
      "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n" +
        'ESTAB 0      0           10.0.0.2:8080     10.0.0.1:40000 users:(("nginx",pid=1234,fd=10))\n',
    );
  });

  it("shows a listener's accept queue and backlog as Recv-Q and Send-Q", () => {
    const l = sock({ state: TCP_LISTEN, remote: { addr: 0, port: 0 }, rxQueue: 3, txQueue: 0, backlog: 511 });
    const line = formatSs({ inet: [l] }, "-tln").split("\n")[1];
    expect(line).toBe("LISTEN 3      511         10.0.0.2:8080      0.0.0.0:*          ");
  });

  it("adds the Netid column for more than one table and drops State for a single state", () => {
    const udp = sock({ proto: "udp", state: TCP_ESTABLISHED, owners: [], tcp: undefined });
    const both = formatSs({ inet: [sock(), udp] }, "-tun");
    expect(both.split("\n").map((l) => l.split(" ")[0])).toEqual(["Netid", "udp", "tcp", ""]);
    const only = formatSs({ inet: [udp] }, "-un");
    expect(only.startsWith("Recv-Q Send-Q ")).toBe(true);
  });

  it("filters states: connected by default, listeners with -l, everything with -a", () => {
    const l = sock({ state: TCP_LISTEN, remote: { addr: 0, port: 0 } });
    const req = sock({ form: "request", state: TCP_NEW_SYN_RECV, inode: 0, owners: [] });
    const lines = (f: string) =>
      formatSs({ inet: [l, sock(), req] }, f)
        .split("\n")
        .slice(1, -1);
    expect(lines("-tn").map((s) => s.split(" ")[0])).toEqual(["ESTAB"]);
    expect(lines("-tln").map((s) => s.split(" ")[0])).toEqual(["LISTEN"]);
    expect(lines("-tan").map((s) => s.split(" ")[0])).toEqual(["LISTEN", "ESTAB", "SYN-RECV"]);
  });

  it("names well-known ports without -n, never ephemeral ones", () => {
    const s = sock({ remote: { addr: ipToNumber("10.0.0.1"), port: 443 } });
    const eph = sock({
      local: { addr: ipToNumber("10.0.0.2"), port: 40001 },
      remote: { addr: ipToNumber("10.0.0.1"), port: 8080 },
    });
    const out = formatSs({ inet: [s, eph] }, "-t");
    expect(out).toContain("10.0.0.2:http-alt");
    expect(out).toContain("10.0.0.1:https");
    expect(out).toContain("10.0.0.2:40001");
    expect(formatSs({ inet: [s] }, "-t", { services: {} })).toContain("10.0.0.2:8080");
  });

  it("with -H, the only socket's Process token is not measured either", () => {
    expect(formatSs({ inet: [sock()] }, "-tnpH")).toBe(
      'ESTAB 0      0      10.0.0.2:8080 10.0.0.1:40000 users:(("nginx",pid=1234,fd=10))\n',
    );
  });

  it("pads the Process column after the -i line", () => {
    const info = {
      ...emptyTcpInfo(),
      congestion: "cubic",
      rto: 204000,
      rtt: 123,
      rttvar: 61,
      sndMss: 1448,
      sndCwnd: 10,
    };
    const out = formatSs({ inet: [sock({ tcp: info }), sock()] }, "-tni");
    const lines = out.split("\n");
    expect(lines[2]).toBe("\t cubic rto:204 rtt:0.123/0.061 mss:1448 cwnd:10 send 941788618bps");
    expect(lines[4]).toBe(`\t${" ".repeat(lines[2].length - 1)}`);
  });
});

describe("ss -i, -e, -m, -o text", () => {
  it("prints tcp_info fields in ss's order with its units", () => {
    const t = {
      ...emptyTcpInfo(),
      congestion: "cubic",
      options: ["ts" as const, "sack" as const, "wscale" as const],
      sndWscale: 7,
      rcvWscale: 7,
      rto: 204000,
      ato: 40000,
      rtt: 123,
      rttvar: 61,
      sndMss: 32768,
      pmtu: 65535,
      rcvMss: 536,
      advmss: 65483,
      sndCwnd: 10,
      sndSsthresh: 7,
      bytesSent: 5000,
      bytesRetrans: 100,
      bytesAcked: 4900,
      bytesReceived: 77,
      segsOut: 9,
      segsIn: 8,
      dataSegsOut: 4,
      dataSegsIn: 1,
      lastDataSent: 10,
      lastDataRecv: 20,
      lastAckRecv: 10,
      pacingRate: 1.5e9 / 8,
      maxPacingRate: 1e9 / 8,
      deliveryRate: 1000,
      delivered: 5,
      busyTime: 30000,
      rwndLimited: 10000,
      sndbufLimited: 5000,
      unacked: 1,
      retrans: 0,
      totalRetrans: 2,
      lost: 1,
      sacked: 1,
      reordering: 4,
      rcvRtt: 1500,
      rcvSpace: 14600,
      rcvSsthresh: 64088,
      notsentBytes: 10,
      minRtt: 50,
      sndWnd: 65536,
    };
    const line = formatSs({ inet: [sock({ tcp: t })] }, "-tio").split("\n")[2];
    expect(line).toBe(
      "\t ts sack cubic wscale:7,7 rto:204 rtt:0.123/0.061 ato:40 mss:32768 pmtu:65535 rcvmss:536 advmss:65483" +
        " cwnd:10 ssthresh:7 bytes_sent:5000 bytes_retrans:100 bytes_acked:4900 bytes_received:77 segs_out:9" +
        " segs_in:8 data_segs_out:4 data_segs_in:1 send 21.3Gbps lastsnd:10 lastrcv:20 lastack:10" +
        " pacing_rate 1.5Gbps/1Gbps delivery_rate 8kbps delivered:5 busy:30ms rwnd_limited:10ms(33.3%)" +
        " sndbuf_limited:5ms(16.7%) unacked:1 retrans:0/2 lost:1 sacked:1 reordering:4 rcv_rtt:1.5" +
        " rcv_space:14600 rcv_ssthresh:64088 notsent:10 minrtt:0.05 snd_wnd:65536",
    );
  });

  it("shows a listener only what tcp_get_info reports for listeners", () => {
    const t = { ...emptyTcpInfo(), congestion: "cubic", rto: 1000000, sndCwnd: 10, rtt: 100, sndMss: 536 };
    const l = sock({ state: TCP_LISTEN, remote: { addr: 0, port: 0 }, rxQueue: 2, backlog: 128, tcp: t });
    expect(formatSs({ inet: [l] }, "-tlni").split("\n")[2]).toBe("\t cubic cwnd:10 unacked:2");
  });

  it("prints -e details and timers, and the timewait entry's short form", () => {
    const s = sock({
      uid: 33,
      cookie: 0xabc,
      cgroup: "/system.slice/nginx.service",
      shutdown: 2,
      timer: { kind: 1, expiresMs: 201 },
      retransmits: 2,
    });
    const tw = sock({
      form: "timewait",
      state: 6,
      inode: 0,
      owners: [],
      timer: { kind: 3, expiresMs: 59000 },
      cookie: 7,
      uid: 33,
      cgroup: "/",
    });
    const lines = formatSs({ inet: [s, tw] }, "-tane").split("\n");
    expect(
      lines[1].endsWith(" timer:(on,201ms,2) uid:33 ino:1234 sk:abc cgroup:/system.slice/nginx.service <--"),
    ).toBe(true);
    expect(lines[2].trimEnd().endsWith(" timer:(timewait,59sec,0) ino:0 sk:7")).toBe(true);
  });

  it("prints skmem on its own line for inet sockets", () => {
    const m = {
      rmemAlloc: 1,
      rcvbuf: 2,
      wmemAlloc: 3,
      sndbuf: 4,
      fwdAlloc: 5,
      wmemQueued: 6,
      optmem: 7,
      backlog: 8,
      drops: 9,
    };
    const udp = sock({
      proto: "udp",
      state: TCP_CLOSE,
      remote: { addr: 0, port: 0 },
      skmem: m,
      tcp: undefined,
    });
    expect(formatSs({ inet: [udp] }, "-uanm").split("\n")[2]).toBe(
      "\t skmem:(r1,rb2,t3,tb4,f5,w6,o7,bl8,d9)",
    );
  });

  it("prints Unix sockets with abstract and unbound names, skmem inline", () => {
    const u: UnixSockInfo[] = [
      {
        type: "stream",
        state: TCP_LISTEN,
        name: "@/tmp/.X11-unix/X0",
        inode: 10,
        peerInode: 0,
        rxQueue: 0,
        txQueue: 0,
        backlog: 128,
        owners: [],
        icons: [],
      },
      {
        type: "dgram",
        state: TCP_CLOSE,
        name: null,
        inode: 11,
        peerInode: 0,
        rxQueue: 0,
        txQueue: 0,
        backlog: 0,
        owners: [],
      },
      {
        type: "seqpacket",
        state: TCP_ESTABLISHED,
        name: null,
        inode: 12,
        peerInode: 13,
        rxQueue: 0,
        txQueue: 0,
        backlog: 0,
        owners: [],
      },
    ];
    expect(formatSs({ unix: u }, "-xae")).toBe(
      "Netid State  Recv-Q Send-Q      Local Address:Port Peer Address:PortProcess    \n" +
        "u_str LISTEN 0      128    @/tmp/.X11-unix/X0 10              * 0    <-> peers:\n" +
        "u_dgr UNCONN 0      0                       * 11              * 0    <->       \n" +
        "u_seq ESTAB  0      0                       * 12              * 13   <->       \n",
    );
  });
});
