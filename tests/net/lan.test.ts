import { describe, expect, it } from "vitest";
import { AF_INET, SO_RCVBUF, SOCK_DGRAM, SOL_SOCKET } from "../../src/kernel/constants.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { newWorld } from "../helpers/world.js";

describe("a switched LAN and NAPI devices", () => {
  it("three hosts on a learning switch: ARP floods, replies are unicast, datagrams reach the right host", async () => {
    const world = await newWorld(3);
    const [a, b, c] = ["a", "b", "c"].map((n) => world.addHost(n));
    world.lan([
      [a, "10.1.0.1/24"],
      [b, "10.1.0.2/24"],
      [c, "10.1.0.3/24"],
    ]);
    const got: string[] = [];
    const recv = (h: typeof b, name: string) =>
      h.spawn(name, async (sys) => {
        const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 9000 });
        const buf = new Uint8Array(16);
        const n = await sys.recv(s, buf);
        got.push(`${name}:${new TextDecoder().decode(buf.subarray(0, n))}`);
        await sys.close(s);
        return 0;
      });
    const rb = recv(b, "b");
    const rc = recv(c, "c");
    const snd = a.spawn("a", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      await sys.sendto(s, new TextEncoder().encode("to-c"), 0, {
        family: AF_INET,
        addr: "10.1.0.3",
        port: 9000,
      });
      await sys.sendto(s, new TextEncoder().encode("to-b"), 0, {
        family: AF_INET,
        addr: "10.1.0.2",
        port: 9000,
      });
      await sys.close(s);
      return 0;
    });
    await world.wait(rb, rc, snd);
    expect(got.sort()).toEqual(["b:to-b", "c:to-c"]);
    // The first ARP request (for c) was flooded to b and c; b saw it but did not answer.
    const bEth = b.net.device("eth0");
    expect(bEth.stats.rx_packets).toBe(3); // ARP for c (flooded), ARP for b, the datagram
    await world.runUntilIdle({ maxNs: 1e9 });
    expectNoLeaks(world.core, []);
  });

  it("NAPI: a burst costs fewer interrupts than frames (interrupt mitigation), every frame is delivered", async () => {
    const world = await newWorld(4);
    const a = world.addHost("a");
    const b = world.addHost("b");
    // no serialisation delay: the whole burst lands in b's ring at once
    world.cable(a, "10.2.0.1/24", b, "10.2.0.2/24", { bandwidth: 0, latencyNs: 1000 });
    let received = 0;
    const r = b.spawn("sink", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 9 });
      const buf = new Uint8Array(64);
      while (received < 200) {
        await sys.recv(s, buf);
        received++;
      }
      await sys.close(s);
      return 0;
    });
    const w = a.spawn("burst", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      await sys.sendto(s, new Uint8Array(1), 0, { family: AF_INET, addr: "10.2.0.2", port: 9 }); // resolves ARP
      await sys.nanosleep(1_000_000);
      for (let i = 1; i < 200; i++)
        sys.raw.sendto(s, new Uint8Array(10), 0, { family: AF_INET, addr: "10.2.0.2", port: 9 });
      await sys.close(s);
      return 0;
    });
    await world.wait(r, w);
    const st = b.net.device("eth0").stats;
    expect(received).toBe(200);
    expect(st.rx_packets).toBeGreaterThanOrEqual(200);
    expect(st.interrupts).toBeLessThan(10); // one per burst, not per frame
    expect(st.budget_exhausted).toBeGreaterThanOrEqual(2); // 199 frames / budget 64: polled again without an IRQ
  });

  it("NAPI: a budget above one core call's maximum (RX_BUDGET_MAX) is spent in one poll round", async () => {
    const world = await newWorld(4);
    const a = world.addHost("a");
    const b = world.addHost("b");
    world.cable(a, "10.2.0.1/24", b, "10.2.0.2/24", { bandwidth: 0, latencyNs: 1000 });
    const eth = b.net.device("eth0");
    eth.budget = 400; // above RX_BUDGET_MAX (256)
    let received = 0;
    const r = b.spawn("sink", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      sys.setsockopt(s, SOL_SOCKET, SO_RCVBUF, 1 << 20);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 9 });
      const buf = new Uint8Array(64);
      while (received < 300) {
        await sys.recv(s, buf);
        received++;
      }
      await sys.close(s);
    });
    const w = a.spawn("burst", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_DGRAM, 0);
      await sys.sendto(s, new Uint8Array(1), 0, { family: AF_INET, addr: "10.2.0.2", port: 9 }); // resolves ARP
      await sys.nanosleep(1_000_000);
      const polls = eth.stats.polls;
      for (let i = 1; i < 300; i++)
        sys.raw.sendto(s, new Uint8Array(10), 0, { family: AF_INET, addr: "10.2.0.2", port: 9 });
      await sys.nanosleep(1_000_000);
      expect(eth.stats.polls - polls).toBe(1); // 299 frames, one round of budget 400
      await sys.close(s);
    });
    expect(await world.wait(r, w)).toEqual([0, 0]);
    expect(received).toBe(300);
  });
});
