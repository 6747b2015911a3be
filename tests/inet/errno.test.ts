// AF_INET syscalls against each class of bad input: Linux's errno, in one table.
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  AF_UNIX,
  FIONREAD,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_NOSIGNAL,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TCP,
  TCP_MAXSEG,
} from "../../src/kernel/constants.js";
import type { RawSys } from "../../src/kernel/syscalls.js";
import { clientServer } from "../helpers/world.js";

const any = (port: number) => ({ family: AF_INET, addr: "0.0.0.0", port }) as const;
const peer = (port: number) => ({ family: AF_INET, addr: "10.0.0.2", port }) as const;

type Case = [string, (r: RawSys) => number | Promise<number>, number];

const cases: Case[] = [
  ["socket: TCP type with the UDP protocol", (r) => r.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), -93],
  ["socket: UDP type with the TCP protocol", (r) => r.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), -93],
  ["bind: bad fd", (r) => r.bind(99, any(1000)), -9],
  ["bind: not a socket (stdin)", (r) => r.bind(0, any(1000)), -88],
  [
    "bind: twice",
    (r) => {
      const s = r.socket(AF_INET, SOCK_STREAM, 0);
      r.bind(s, any(2000));
      return r.bind(s, any(2001));
    },
    -22,
  ],
  [
    "bind: an address not on this host",
    (r) => r.bind(r.socket(AF_INET, SOCK_STREAM, 0), { family: AF_INET, addr: "10.9.9.9", port: 1 }),
    -99,
  ],
  ["bind: port below 1024 as uid 1000", (r) => r.bind(r.socket(AF_INET, SOCK_STREAM, 0), any(80)), -13],
  [
    "bind: wrong family",
    (r) => r.bind(r.socket(AF_INET, SOCK_STREAM, 0), { family: AF_UNIX, path: "/x" }),
    -97,
  ],
  [
    "bind: port in use",
    (r) => {
      r.bind(r.socket(AF_INET, SOCK_STREAM, 0), any(3000));
      return r.bind(r.socket(AF_INET, SOCK_STREAM, 0), any(3000));
    },
    -98,
  ],
  [
    "bind: SO_REUSEADDR on both, neither listening: shared",
    (r) => {
      const a = r.socket(AF_INET, SOCK_STREAM, 0);
      const b = r.socket(AF_INET, SOCK_STREAM, 0);
      r.setsockopt(a, SOL_SOCKET, SO_REUSEADDR, 1);
      r.setsockopt(b, SOL_SOCKET, SO_REUSEADDR, 1);
      r.bind(a, any(3100));
      return r.bind(b, any(3100));
    },
    0,
  ],
  [
    "listen: second SO_REUSEADDR listener on a port",
    (r) => {
      const a = r.socket(AF_INET, SOCK_STREAM, 0);
      const b = r.socket(AF_INET, SOCK_STREAM, 0);
      r.setsockopt(a, SOL_SOCKET, SO_REUSEADDR, 1);
      r.setsockopt(b, SOL_SOCKET, SO_REUSEADDR, 1);
      r.bind(a, any(3200));
      r.bind(b, any(3200));
      r.listen(a, 5);
      return r.listen(b, 5);
    },
    -98,
  ],
  [
    // Linux inet_bind_conflict: only the socket already on the port must not be listening.
    "listen: SO_REUSEADDR listener beside a bound, non-listening SO_REUSEADDR socket",
    (r) => {
      const a = r.socket(AF_INET, SOCK_STREAM, 0);
      const b = r.socket(AF_INET, SOCK_STREAM, 0);
      r.setsockopt(a, SOL_SOCKET, SO_REUSEADDR, 1);
      r.setsockopt(b, SOL_SOCKET, SO_REUSEADDR, 1);
      r.bind(a, any(3250));
      r.bind(b, any(3250));
      return r.listen(b, 5);
    },
    0,
  ],
  [
    "listen: SO_REUSEPORT group of the same uid",
    (r) => {
      const a = r.socket(AF_INET, SOCK_STREAM, 0);
      const b = r.socket(AF_INET, SOCK_STREAM, 0);
      r.setsockopt(a, SOL_SOCKET, SO_REUSEPORT, 1);
      r.setsockopt(b, SOL_SOCKET, SO_REUSEPORT, 1);
      r.bind(a, any(3300));
      r.listen(a, 5);
      r.bind(b, any(3300));
      return r.listen(b, 5);
    },
    0,
  ],
  ["listen: on a UDP socket", (r) => r.listen(r.socket(AF_INET, SOCK_DGRAM, 0), 5), -95],
  [
    "accept: on a socket that is not listening",
    (r) => r.accept(r.socket(AF_INET, SOCK_STREAM, 0)) as number,
    -22,
  ],
  [
    "connect: on a listening socket",
    (r) => {
      const s = r.socket(AF_INET, SOCK_STREAM, 0);
      r.listen(s, 1);
      return r.connect(s, peer(80)) as number;
    },
    -106,
  ],
  [
    "connect: no route",
    (r) =>
      r.connect(r.socket(AF_INET, SOCK_STREAM, 0), {
        family: AF_INET,
        addr: "198.51.100.1",
        port: 80,
      }) as number,
    -101,
  ],
  [
    "recv: never connected",
    (r) => r.recv(r.socket(AF_INET, SOCK_STREAM, 0), new Uint8Array(4)) as number,
    -107,
  ],
  [
    "send: never connected",
    (r) => r.send(r.socket(AF_INET, SOCK_STREAM, 0), new Uint8Array(4), MSG_NOSIGNAL) as number,
    -32,
  ],
  ["getpeername: not connected", (r) => r.getpeername(r.socket(AF_INET, SOCK_STREAM, 0), {}), -107],
  ["shutdown: not connected", (r) => r.shutdown(r.socket(AF_INET, SOCK_STREAM, 0), 1), -107],
  ["shutdown: bad how", (r) => r.shutdown(r.socket(AF_INET, SOCK_STREAM, 0), 7), -22],
  [
    "sendto: UDP without an address or a peer",
    (r) => r.sendto(r.socket(AF_INET, SOCK_DGRAM, 0), new Uint8Array(1), 0, null) as number,
    -89,
  ],
  [
    "sendto: UDP datagram over 65507 bytes",
    (r) => r.sendto(r.socket(AF_INET, SOCK_DGRAM, 0), new Uint8Array(65508), 0, peer(9)) as number,
    -90,
  ],
  [
    "setsockopt: TCP_MAXSEG below 88",
    (r) => r.setsockopt(r.socket(AF_INET, SOCK_STREAM, 0), SOL_TCP, TCP_MAXSEG, 10),
    -22,
  ],
  [
    "setsockopt: unknown TCP option",
    (r) => r.setsockopt(r.socket(AF_INET, SOCK_STREAM, 0), SOL_TCP, 999, 1),
    -92,
  ],
  [
    "ioctl: FIONREAD on a listener",
    (r) => {
      const s = r.socket(AF_INET, SOCK_STREAM, 0);
      r.listen(s, 1);
      return r.ioctl(s, FIONREAD);
    },
    -22,
  ],
];

describe("AF_INET errno table", () => {
  it.each(cases)("%s", async (_name, call, want) => {
    const { world, client } = await clientServer();
    let got: number | undefined;
    const p = client.spawn("t", { uid: 1000 }, async (sys) => {
      got = await call(sys.raw);
      return 0;
    });
    await world.wait(p);
    expect(got).toBe(want);
  });
});
