import { describe, expect, it } from "vitest";
import { AF_INET, MSG_NOSIGNAL, SIGPIPE, SOCK_STREAM } from "../../src/kernel/constants.js";
import { TCP_TIME_WAIT } from "../../src/net/tcp/state.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

const SEC = 1_000_000_000;

describe("process and connection lifecycles", () => {
  it("a listener shared after fork: parent and child both accept", async () => {
    const { world, client, server } = await clientServer();
    const accepted: string[] = [];
    const srv = server.spawn("prefork", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 16);
      const serve = async (who: string, sys2: typeof sys) => {
        const c = await sys2.accept(s);
        accepted.push(`${who} pid ${sys2.getpid()}`);
        await sys2.send(c, new TextEncoder().encode(who));
        await sys2.close(c);
      };
      const child = sys.fork(async (csys) => {
        await serve("child", csys);
        return 0;
      });
      await serve("parent", sys);
      await sys.waitpid(child);
      await sys.close(s);
      return 0;
    });
    const replies: string[] = [];
    const clients = [0, 1].map((i) =>
      client.spawn(`c${i}`, async (sys) => {
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
        const b = new Uint8Array(16);
        const n = await sys.recv(s, b);
        replies.push(new TextDecoder().decode(b.subarray(0, n)));
        await sys.close(s);
        return 0;
      }),
    );
    expect(await world.wait(srv, ...clients)).toEqual([0, 0, 0]);
    expect(replies.sort()).toEqual(["child", "parent"]);
    expect(accepted.length).toBe(2);
  });

  it("a process that exits with open connections: FIN sent, TIME_WAIT left, all freed after 60 s", async () => {
    const { world, client, server } = await clientServer();
    const srv = server.spawn("s", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 4);
      const c = await sys.accept(s);
      const b = new Uint8Array(10);
      expect(await sys.recv(c, b)).toBe(0); // the client's exit sent FIN
      await sys.close(c);
      await sys.close(s);
      return 0;
    });
    const cli = client.spawn("c", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      return 0; // exit without close(): exit_files closes the descriptor
    });
    await world.wait(srv, cli);
    await world.kernel.advance(1 * SEC);
    const tw = [...client.net.tcp.ehash.values()];
    expect(tw.map((c) => c.sk.state)).toEqual([TCP_TIME_WAIT]);
    expect(client.net.tcp.bind.owners(tw[0].lport).length).toBe(1); // TIME_WAIT still holds the port
    await world.kernel.advance(60 * SEC);
    expect(client.net.tcp.ehash.size).toBe(0);
    expect(client.net.tcp.bind.owners(tw[0].lport).length).toBe(0);
    expect(world.kernel.nrSockets).toBe(0);
    expectNoLeaks(world.core, []);
  });

  it("exit with unread data sends RST: the peer gets ECONNRESET", async () => {
    const { world, client, server } = await clientServer();
    const errs: string[] = [];
    const srv = server.spawn("s", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 4);
      await sys.accept(s);
      await sys.nanosleep(50_000_000); // data arrives, never read
      return 0;
    });
    const cli = client.spawn("c", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      await sys.send(s, new Uint8Array(100));
      try {
        await sys.recv(s, new Uint8Array(10));
      } catch (e) {
        errs.push((e as { code: string }).code);
      }
      return 0;
    });
    await world.wait(srv, cli);
    expect(errs).toEqual(["ECONNRESET"]);
    expect(server.net.snmp.get("Tcp", "OutRsts")).toBeGreaterThanOrEqual(1);
  });

  it("writing to a reset connection: EPIPE and SIGPIPE (default kills, ignored or MSG_NOSIGNAL does not)", async () => {
    for (const mode of ["default", "ignore", "nosignal"] as const) {
      const { world, client, server } = await clientServer();
      const errs: string[] = [];
      const srv = server.spawn("s", async (sys) => {
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
        sys.listen(s, 4);
        const c = await sys.accept(s);
        await sys.close(c);
        await sys.close(s);
        return 0;
      });
      const cli = client.spawn("c", async (sys) => {
        if (mode === "ignore") sys.signal(SIGPIPE, "ignore");
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
        await sys.nanosleep(10_000_000); // the server closed: FIN received
        await sys.send(s, new Uint8Array(10)); // answered by RST
        await sys.nanosleep(10_000_000);
        try {
          await sys.send(s, new Uint8Array(10), mode === "nosignal" ? MSG_NOSIGNAL : 0);
        } catch (e) {
          errs.push((e as { code: string }).code);
        }
        return 0;
      });
      const [, code] = await world.wait(srv, cli);
      if (mode === "default") {
        expect(code).toBe(128 + SIGPIPE);
      } else {
        expect(code).toBe(0);
        expect(errs).toEqual(["EPIPE"]);
      }
    }
  });

  it("accept-queue overflow: SYNs beyond backlog + 1 are dropped and counted (ListenOverflows)", async () => {
    const { world, client, server } = await clientServer();
    const srv = server.spawn("s", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(s, 1); // Linux: backlog + 1 = 2 connections fit
      await sys.nanosleep(500_000_000);
      await sys.close(s);
      return 0;
    });
    const clis = [0, 1, 2].map((i) =>
      client.spawn(`c${i}`, async (sys) => {
        await sys.nanosleep(i * 1_000_000);
        const s = sys.socket(AF_INET, SOCK_STREAM | 0o4000, 0);
        sys.raw.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
        await sys.nanosleep(100_000_000);
        await sys.close(s);
        return 0;
      }),
    );
    await world.wait(srv, ...clis);
    // two fit (backlog + 1); the third SYN is dropped once (its retransmission is 1 s away)
    expect(server.net.snmp.get("TcpExt", "ListenOverflows")).toBe(1);
    expect(server.net.snmp.get("TcpExt", "ListenDrops")).toBe(1);
    expect(server.net.snmp.get("Tcp", "PassiveOpens")).toBe(2);
  });
});
