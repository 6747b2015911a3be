// UDP broadcast as Linux does it: sending to a broadcast address needs SO_BROADCAST (EACCES
// otherwise, from sendto and connect); the frame goes to ff:ff:ff:ff:ff:ff without ARP; every socket
// bound to the port on INADDR_ANY or on that broadcast address gets its own copy, sockets bound to a
// unicast address or connected elsewhere do not; a broadcast nobody wants is IgnoredMulti and never
// draws an ICMP error; TCP refuses a broadcast peer (ENETUNREACH) and drops broadcast segments.
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  EACCES,
  ENETUNREACH,
  MSG_DONTWAIT,
  SO_BROADCAST,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../src/kernel/index.js";
import { capture } from "../../src/tools/capture.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("UDP broadcast", () => {
  it("needs SO_BROADCAST, reaches every socket bound to the port on ANY or the broadcast address, and never draws ICMP", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 100_000 });
    const cap = capture(world, client, "eth0", { direction: "tx" });
    const got: string[] = [];
    const ready = { n: 0 };
    const srv = server.spawn("listeners", async (sys) => {
      const open = (addr: string) => {
        const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.bind(s, { family: AF_INET, addr, port: 9 });
        return s;
      };
      const any = open("0.0.0.0");
      const any2 = open("0.0.0.0"); // SO_REUSEADDR: the same exact address, as Linux allows for UDP
      const bcast = open("10.0.0.255");
      const unicast = open("10.0.0.2");
      ready.n = 1;
      const buf = new Uint8Array(64);
      const take = (name: string, s: number) => {
        const n = sys.raw.recv(s, buf, MSG_DONTWAIT) as number;
        got.push(`${name}: ${n < 0 ? n : dec.decode(buf.subarray(0, n))}`);
      };
      await sys.nanosleep(30_000_000); // the sender's first datagrams are in by then
      take("any", any);
      take("any2", any2);
      take("bcast", bcast);
      take("unicast", unicast);
      await sys.close(unicast);
      // connected elsewhere: the peer must be the sender (__udp_is_mcast_sock)
      sys.connect(any, { family: AF_INET, addr: "10.0.0.7", port: 9 });
      ready.n = 2;
      await sys.nanosleep(30_000_000);
      take("any, connected elsewhere", any);
      take("bcast", bcast);
      for (const s of [any, any2, bcast]) await sys.close(s);
    });
    const errs: number[] = [];
    const cli = client.spawn("sender", async (sys) => {
      await sys.nanosleep(1_000_000);
      if (!ready.n) throw new Error("listeners not ready");
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      const to = (addr: string, port = 9) => ({ family: AF_INET, addr, port }) as const;
      errs.push(sys.raw.sendto(s, enc.encode("x"), 0, to("10.0.0.255")) as number);
      errs.push(sys.raw.sendto(s, enc.encode("x"), 0, to("255.255.255.255")) as number);
      errs.push(sys.raw.connect(s, to("10.0.0.255")) as number);
      sys.setsockopt(s, SOL_SOCKET, SO_BROADCAST, 1);
      await sys.sendto(s, enc.encode("hello all"), 0, to("10.0.0.255"));
      await sys.sendto(s, enc.encode("nobody"), 0, to("10.0.0.255", 4444));
      await sys.nanosleep(10_000_000);
      errs.push(sys.raw.sendto(s, enc.encode("again"), 0, to("10.0.0.2", 4445)) as number);
      await sys.nanosleep(30_000_000);
      if (ready.n !== 2) throw new Error("listeners not reconnected");
      await sys.sendto(s, enc.encode("second"), 0, to("10.0.0.255"));
      await sys.close(s);
      const t = sys.socket(AF_INET, SOCK_STREAM, 0);
      errs.push(sys.raw.connect(t, to("10.0.0.255", 80)) as number);
      await sys.close(t);
    });
    const codes = await world.wait(srv, cli);
    expect([srv.error, cli.error]).toEqual([undefined, undefined]);
    expect(codes).toEqual([0, 0]);
    await world.runUntilIdle();
    cap.stop();
    expect(errs).toEqual([-EACCES, -EACCES, -EACCES, 5, -ENETUNREACH]);
    expect(got).toEqual([
      "any: hello all",
      "any2: hello all",
      "bcast: hello all",
      "unicast: -11",
      "any, connected elsewhere: -11",
      "bcast: second",
    ]);
    const snmp = server.net.snmp;
    expect(snmp.get("Udp", "IgnoredMulti")).toBe(1); // port 4444: nobody, and no ICMP about it
    expect(snmp.get("Udp", "NoPorts")).toBe(1); // port 4445 (unicast) is a NoPorts with an ICMP error
    expect(snmp.get("Icmp", "OutMsgs")).toBe(1);
    // the broadcasts left as link-layer broadcasts, without an ARP request for 10.0.0.255
    const bcastFrames = cap.frames.filter(
      (f) => f.data[0] === 0xff && f.data[12] === 0x08 && f.data[13] === 0x00,
    );
    expect(bcastFrames.length).toBe(3);
    expectNoLeaks(world.core, []);
  });

  it("a broadcast TCP segment is dropped, not answered", async () => {
    const { world, client, server } = await clientServer();
    const srv = server.spawn("web", async (sys) => {
      const l = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(l, 1);
      await sys.nanosleep(50_000_000);
      await sys.close(l);
    });
    await world.kernel.advance(1_000_000);
    // Hand-craft a SYN to 10.0.0.255:80 by sending from the client with a raw ipOutput.
    const { pushTcpHeader } = await import("../../src/net/emit.js");
    const net = client.net;
    const x = world.core.x;
    const skb = x.allocSkb(256);
    x.skbReserve(skb, 256);
    const daddr = 0x0a0000ff;
    pushTcpHeader(net, skb, {
      saddr: 0x0a000001,
      daddr,
      sport: 5555,
      dport: 80,
      seq: 1,
      ack: 0,
      flags: 0x02,
      window: 1000,
      options: {},
    });
    net.ipOutput(skb, 0x0a000001, daddr, 6, true);
    await world.wait(srv);
    await world.runUntilIdle();
    expect(server.net.snmp.get("Tcp", "InSegs")).toBe(0);
    expect(server.net.snmp.get("Tcp", "OutSegs")).toBe(0);
    expect(server.net.snmp.get("Ip", "InDelivers")).toBe(1);
    expectNoLeaks(world.core, []);
  });
});
