import { describe, expect, it } from "vitest";
import {
  AF_INET,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  SO_RCVBUF,
  SOCK_DGRAM,
  SOL_SOCKET,
} from "../../src/kernel/constants.js";
import type { AddrOut, MsgHdr } from "../../src/kernel/socket.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("UDP sockets between two hosts", () => {
  it("keeps datagram boundaries and reports the sender with recvfrom", async () => {
    const { world, client, server } = await clientServer();
    const got: string[] = [];
    const srv = server.spawn("udpd", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 5353 });
      for (let i = 0; i < 3; i++) {
        const buf = new Uint8Array(100);
        const from: AddrOut = {};
        const n = await sys.recvfrom(s, buf, 0, from);
        got.push(`${dec.decode(buf.subarray(0, n))} from ${JSON.stringify(from.addr)}`);
        await sys.sendto(s, buf.subarray(0, n), 0, from.addr!);
      }
      await sys.close(s);
      return 0;
    });
    const echoes: string[] = [];
    const cli = client.spawn("dig", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.bind(s, { family: AF_INET, addr: "10.0.0.1", port: 40000 });
      for (const m of ["a", "bb", "ccc"])
        await sys.sendto(s, enc.encode(m), 0, { family: AF_INET, addr: "10.0.0.2", port: 5353 });
      for (let i = 0; i < 3; i++) {
        const buf = new Uint8Array(100);
        const n = await sys.recv(s, buf);
        echoes.push(dec.decode(buf.subarray(0, n)));
      }
      await sys.close(s);
      return 0;
    });
    expect(await world.wait(srv, cli)).toEqual([0, 0]);
    expect(got).toEqual([
      'a from {"family":2,"addr":"10.0.0.1","port":40000}',
      'bb from {"family":2,"addr":"10.0.0.1","port":40000}',
      'ccc from {"family":2,"addr":"10.0.0.1","port":40000}',
    ]);
    expect(echoes).toEqual(["a", "bb", "ccc"]);
    expect(server.net.snmp.get("Udp", "InDatagrams")).toBe(3);
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
  });

  it("a connected socket learns ECONNREFUSED from ICMP port unreachable", async () => {
    const { world, client, server } = await clientServer();
    const out: (number | string)[] = [];
    const cli = client.spawn("c", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 9999 });
      out.push(await sys.send(s, enc.encode("x")));
      await sys.nanosleep(10_000_000);
      out.push(sys.raw.recv(s, new Uint8Array(10), MSG_DONTWAIT) as number);
      out.push(sys.raw.recv(s, new Uint8Array(10), MSG_DONTWAIT) as number);
      await sys.close(s);
      return 0;
    });
    await world.wait(cli);
    expect(out).toEqual([1, -111, -11]); // ECONNREFUSED once, then EAGAIN
    expect(server.net.snmp.get("Udp", "NoPorts")).toBe(1);
    expect(client.net.snmp.get("Icmp", "InDestUnreachs")).toBe(1);
  });

  it("MSG_TRUNC, MSG_PEEK, and receive-buffer overflow dropped and counted", async () => {
    const { world, client, server } = await clientServer();
    const out: (number | string)[] = [];
    const srv = server.spawn("s", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.setsockopt(s, SOL_SOCKET, SO_RCVBUF, 4096); // Linux doubles it: 8192
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 7000 });
      await sys.nanosleep(100_000_000); // let the sender overflow the buffer
      const small = new Uint8Array(10);
      out.push(sys.raw.recv(s, small, MSG_PEEK) as number);
      out.push(sys.raw.recv(s, small, MSG_TRUNC) as number);
      const msg: MsgHdr = { iov: [new Uint8Array(10)] };
      out.push(sys.raw.recvmsg(s, msg) as number);
      out.push(msg.flags === MSG_TRUNC ? "MSG_TRUNC" : String(msg.flags));
      let n = 2;
      while ((sys.raw.recv(s, small, MSG_DONTWAIT) as number) > 0) n++;
      out.push(n);
      await sys.close(s);
      return 0;
    });
    const cli = client.spawn("c", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      for (let i = 0; i < 20; i++)
        await sys.sendto(s, new Uint8Array(1000), 0, { family: AF_INET, addr: "10.0.0.2", port: 7000 });
      await sys.close(s);
      return 0;
    });
    await world.wait(srv, cli);
    const delivered = out[4] as number;
    expect(out.slice(0, 4)).toEqual([10, 1000, 10, "MSG_TRUNC"]);
    expect(delivered).toBeLessThan(20);
    expect(server.net.snmp.get("Udp", "RcvbufErrors")).toBe(20 - delivered);
    expect(world.core.drops()["SOCKET_RCVBUFF"]).toBe(20 - delivered);
  });
});
