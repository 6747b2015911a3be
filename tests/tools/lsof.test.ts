// lsof -i on hand-built sockets: widths, names and ordering beyond the captures.
import { describe, expect, it } from "vitest";
import { ipToNumber } from "../../src/net/addr.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, TCP_TIME_WAIT } from "../../src/net/tcp/state.js";
import { formatLsof } from "../../src/tools/lsof.js";
import { type InetSockInfo, TIMER_OFF } from "../../src/tools/model.js";

function sock(over: Partial<InetSockInfo> = {}): InetSockInfo {
  return {
    proto: "tcp",
    state: TCP_ESTABLISHED,
    local: { addr: ipToNumber("127.0.0.1"), port: 8080 },
    remote: { addr: ipToNumber("127.0.0.1"), port: 40000 },
    txQueue: 0,
    rxQueue: 0,
    backlog: 0,
    timer: { kind: TIMER_OFF, expiresMs: 0 },
    retransmits: 0,
    probesOut: 0,
    uid: 0,
    inode: 4321,
    refcnt: 1,
    skAddr: "0000000000000001",
    cookie: 1,
    owners: [{ comm: "nginx", pid: 1234, fd: 10 }],
    ...over,
  };
}

const procs = [
  { pid: 1234, comm: "nginx", uid: 33, user: "www-data" },
  { pid: 99, comm: "systemd-resolved", uid: 101 },
];

describe("lsof -i", () => {
  it("prints the seed's listing", () => {
    expect(formatLsof([sock()], procs)).toBe(
      "COMMAND  PID     USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n" +
        "nginx   1234 www-data   10u  IPv4   4321      0t0  TCP 127.0.0.1:8080->127.0.0.1:40000 (ESTABLISHED)\n",
    );
  });

  it("prints nothing when no socket is open in a listed process", () => {
    expect(formatLsof([], procs)).toBe("");
    expect(formatLsof([sock()], procs, { pids: [1] })).toBe("");
    expect(formatLsof([sock({ form: "timewait", state: TCP_TIME_WAIT })], procs)).toBe("");
  });

  it("sorts by pid then fd, cuts commands to 9 characters and prints unknown users as numbers", () => {
    const dns = sock({
      proto: "udp",
      state: TCP_CLOSE,
      local: { addr: 0, port: 53 },
      remote: { addr: 0, port: 0 },
      owners: [{ comm: "systemd-resolve", pid: 99, fd: 12 }],
    });
    const l = sock({
      state: TCP_LISTEN,
      local: { addr: 0, port: 8080 },
      remote: { addr: 0, port: 0 },
      owners: [{ comm: "nginx", pid: 1234, fd: 6 }],
    });
    const lines = formatLsof([sock(), dns, l], procs).split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "COMMAND    PID     USER   FD   TYPE DEVICE SIZE/OFF NODE NAME",
      "systemd-r   99      101   12u  IPv4   4321      0t0  UDP *:53 ",
      "nginx     1234 www-data    6u  IPv4   4321      0t0  TCP *:8080 (LISTEN)",
      "nginx     1234 www-data   10u  IPv4   4321      0t0  TCP 127.0.0.1:8080->127.0.0.1:40000 (ESTABLISHED)",
    ]);
  });

  it("prints descriptors past 9999 as lsof does: a star and the last three digits", () => {
    // Checked against lsof 4.95: fd 12345 prints as "*345u".
    const big = sock({ owners: [{ comm: "nginx", pid: 1234, fd: 12345 }] });
    expect(formatLsof([big], procs).split("\n")[1]).toBe(
      "nginx   1234 www-data *345u  IPv4   4321      0t0  TCP 127.0.0.1:8080->127.0.0.1:40000 (ESTABLISHED)",
    );
  });

  it("lists every process that holds the socket", () => {
    const shared = sock({
      owners: [
        { comm: "nginx", pid: 1234, fd: 6 },
        { comm: "nginx", pid: 1235, fd: 6 },
      ],
    });
    const out = formatLsof([shared], [...procs, { pid: 1235, comm: "nginx", uid: 33, user: "www-data" }]);
    expect(
      out
        .split("\n")
        .slice(1, 3)
        .map((l) => l.split(/\s+/).slice(0, 4).join(" ")),
    ).toEqual(["nginx 1234 www-data 6u", "nginx 1235 www-data 6u"]);
  });
});
