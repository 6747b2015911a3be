import { afterEach, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/wasm.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_TIME_WAIT } from "../../src/net/tcp/state.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { connect, listen, MS, twoHosts } from "../helpers/twohosts.js";

let core: Core | undefined;
afterEach(() => {
  if (core) expectNoLeaks(core, []);
  core = undefined;
});

describe("two hosts over a cable: ARP, IPv4, TCP with real frames", () => {
  it("resolves ARP, completes the handshake, moves bytes, and closes through TIME_WAIT with nothing leaked", async () => {
    const w = await twoHosts();
    core = w.core;
    const srv = listen(w.b, 80);
    const c = connect(w.a, "10.0.0.2", 80);
    w.env.run(w.env.now() + 10 * MS);
    expect(c.sk.state).toBe(TCP_ESTABLISHED);
    expect(srv.acceptQ.length).toBe(1);
    const s = srv.acceptQ.shift()!;
    srv.tl.acceptQueueLen--;
    expect(s.sk.state).toBe(TCP_ESTABLISHED);
    expect(w.a.neigh.get(w.a.device("eth0"))!.format("eth0")).toContain(
      "10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE",
    );

    const data = new Uint8Array(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) ^ (i >> 9);
    let sent = 0;
    const got: number[] = [];
    const buf = new Uint8Array(65536);
    for (let i = 0; i < 10_000 && got.length < data.length; i++) {
      if (sent < data.length) {
        sent += c.append(data.subarray(sent, Math.min(sent + 50_000, data.length)));
        c.sk.pushPending();
      }
      w.env.run(w.env.now() + 1 * MS);
      const n = s.read(buf, false);
      for (let k = 0; k < n; k++) got.push(buf[k]);
    }
    expect(got.length).toBe(data.length);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(data))).toBe(0);

    c.sk.close(0, false);
    w.env.run(w.env.now() + 10 * MS);
    s.sk.close(0, false);
    w.env.run(w.env.now() + 10 * MS);
    expect(s.sk.state).toBe(TCP_CLOSE);
    expect(c.sk.state).toBe(TCP_TIME_WAIT);
    w.env.run(w.env.now() + 61_000 * MS);
    expect(c.sk.state).toBe(TCP_CLOSE);
    c.purge();
    s.purge();
    expect(w.a.tcp.ehash.size + w.b.tcp.ehash.size).toBe(0);
    expect(w.a.snmp.get("Tcp", "OutSegs")).toBeGreaterThan(100);
    expect(w.b.snmp.get("Tcp", "PassiveOpens")).toBe(1);
  });

  it("a SYN to a closed port gets RST and the connect fails with ECONNREFUSED", async () => {
    const w = await twoHosts();
    core = w.core;
    const c = connect(w.a, "10.0.0.2", 81);
    w.env.run(w.env.now() + 10 * MS);
    expect(c.sk.state).toBe(TCP_CLOSE);
    expect(c.sk.err).toBe("ECONNREFUSED");
    expect(w.b.snmp.get("Tcp", "OutRsts")).toBe(1);
    expect(w.b.core.drops()["NO_SOCKET"]).toBe(1);
    c.purge();
  });

  it("corrupted frames are dropped by checksum and TCP recovers by retransmission", async () => {
    const w = await twoHosts({ faults: { corrupt: 0.2 } });
    core = w.core;
    const srv = listen(w.b, 80);
    const c = connect(w.a, "10.0.0.2", 80);
    w.env.run(w.env.now() + 20_000 * MS);
    expect(c.sk.state).toBe(TCP_ESTABLISHED);
    const s = srv.acceptQ.shift()!;
    srv.tl.acceptQueueLen--;
    const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
    let sent = 0;
    const got: number[] = [];
    const buf = new Uint8Array(65536);
    for (let i = 0; i < 100_000 && got.length < data.length; i++) {
      if (sent < data.length) sent += c.append(data.subarray(sent));
      c.sk.pushPending();
      w.env.run(w.env.now() + 10 * MS);
      const n = s.read(buf, false);
      for (let k = 0; k < n; k++) got.push(buf[k]);
    }
    expect(Buffer.compare(Buffer.from(got), Buffer.from(data))).toBe(0);
    const drops = w.core.drops();
    expect((drops["TCP_CSUM"] ?? 0) + (drops["IP_CSUM"] ?? 0) + (drops["OTHERHOST"] ?? 0)).toBeGreaterThan(0);
    c.sk.sendActiveReset();
    c.sk.done();
    w.env.run(w.env.now() + 100 * MS);
    s.sk.done();
    w.env.run(w.env.now() + 100 * MS);
    c.purge();
    s.purge();
  });
});
