import { describe, expect, it } from "vitest";
import { AF_INET, O_NONBLOCK, SOCK_STREAM } from "../../src/kernel/constants.js";
import { clientServer } from "../helpers/world.js";

describe("SYN cookies (tcp_syncookies = 1)", () => {
  it("a full SYN queue answers with cookies: no request is kept, and every client still connects", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 1_000_000 }, 5);
    const N = 24;
    let maxSynQueue = 0;
    const echoed: string[] = [];
    const srv = server.spawn("srv", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 4); // SYN queue full at 4 half-open requests
      for (let i = 0; i < N; i++) {
        const c = await sys.accept(s);
        const b = new Uint8Array(8);
        const n = await sys.recv(c, b);
        await sys.send(c, b.subarray(0, n));
        await sys.close(c);
      }
      await sys.close(s);
      return 0;
    });
    const clients = Array.from({ length: N }, (_, i) =>
      client.spawn(`c${i}`, async (sys) => {
        const s = sys.socket(AF_INET, SOCK_STREAM | O_NONBLOCK, 0);
        sys.raw.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 }); // all SYNs at once
        for (const l of server.net.tcp.listeners.values())
          for (const e of l) maxSynQueue = Math.max(maxSynQueue, e.tl.synQueue.size);
        await sys.nanosleep(20_000_000);
        await sys.send(s, new TextEncoder().encode(`c${i}`));
        const b = new Uint8Array(8);
        let n = sys.raw.recv(s, b) as number;
        while (n === -11) {
          await sys.nanosleep(1_000_000);
          n = sys.raw.recv(s, b) as number;
        }
        echoed.push(new TextDecoder().decode(b.subarray(0, n)));
        await sys.close(s);
        return 0;
      }),
    );
    await world.wait(srv, ...clients);
    const ext = (n: string) => server.net.snmp.get("TcpExt", n);
    expect(echoed.length).toBe(N);
    expect(ext("SyncookiesSent")).toBeGreaterThan(0);
    // every cookie came back valid (an ACK the full accept queue dropped is checked again on resend)
    expect(ext("SyncookiesRecv")).toBeGreaterThanOrEqual(ext("SyncookiesSent"));
    expect(ext("SyncookiesFailed")).toBe(0);
    expect(maxSynQueue).toBeLessThanOrEqual(4); // memory stays bounded by the backlog
    expect(server.net.snmp.get("Tcp", "PassiveOpens")).toBe(N);
  });

  it("with tcp_syncookies = 0 a full SYN queue drops SYNs (TCPReqQFullDrop) and clients retry", async () => {
    const { world, client, server } = await clientServer({ latencyNs: 1_000_000 }, 6);
    server.net.sysctl.tcp_syncookies = 0;
    const srv = server.spawn("srv", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 2);
      for (let i = 0; i < 6; i++) await sys.close(await sys.accept(s));
      await sys.close(s);
      return 0;
    });
    const clients = Array.from({ length: 6 }, (_, i) =>
      client.spawn(`c${i}`, async (sys) => {
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
        await sys.close(s);
        return 0;
      }),
    );
    await world.wait(srv, ...clients);
    expect(server.net.snmp.get("TcpExt", "TCPReqQFullDrop")).toBeGreaterThan(0);
    expect(server.net.snmp.get("TcpExt", "SyncookiesSent")).toBe(0);
  });
});
