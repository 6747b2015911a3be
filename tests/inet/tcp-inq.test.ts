// TCP_INQ from a program: recvmsg with a control buffer gets a TCP_CM_INQ message (the bytes left to
// read); without one the message does not fit and MSG_CTRUNC says so (Linux put_cmsg).
import { describe, expect, it } from "vitest";
import {
  AF_INET,
  MSG_CTRUNC,
  SOCK_STREAM,
  SOL_TCP,
  TCP_CM_INQ,
  TCP_INQ,
} from "../../src/kernel/constants.js";
import type { Cmsg, MsgHdr } from "../../src/kernel/socket.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { clientServer } from "../helpers/world.js";

describe("TCP_INQ", () => {
  it("reports the bytes left after each read; MSG_CTRUNC without a control buffer", async () => {
    const { world, client, server } = await clientServer();
    const seen: unknown[] = [];
    const srv = server.spawn("srv", async (sys) => {
      const l = sys.socket(AF_INET, SOCK_STREAM, 0);
      sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 80 });
      sys.listen(l, 1);
      const c = await sys.accept(l);
      sys.setsockopt(c, SOL_TCP, TCP_INQ, 1);
      await sys.nanosleep(20_000_000); // all 5000 bytes are in, and the client's FIN
      const control: Cmsg[] = [];
      const a: MsgHdr = { iov: [new Uint8Array(1000)], control };
      seen.push(await sys.recvmsg(c, a), control);
      const b: MsgHdr = { iov: [new Uint8Array(1000)] };
      seen.push(await sys.recvmsg(c, b), (b.flags ?? 0) & MSG_CTRUNC);
      await sys.close(c);
      await sys.close(l);
    });
    const cli = client.spawn("cli", async (sys) => {
      const s = sys.socket(AF_INET, SOCK_STREAM, 0);
      await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 80 });
      await sys.send(s, new Uint8Array(5000));
      await sys.close(s);
    });
    expect(await world.wait(srv, cli)).toEqual([0, 0]);
    // rcv_nxt - copied_seq: 4000 bytes, and 1 for the FIN already received
    expect(seen).toEqual([1000, [{ level: SOL_TCP, type: TCP_CM_INQ, data: 4001 }], 1000, MSG_CTRUNC]);
    await world.runUntilIdle();
    expectNoLeaks(world.core, []);
  });
});
