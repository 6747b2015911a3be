// The flow-table case suite, shared by every implementation (STYLE lesson 13, as Hono's
// router/common.case.test.ts): tests/flow.test.ts runs it on the Wasm core and on the TypeScript twin.
// A case an implementation cannot pass is listed in `skip` with the reason; none is today.
// Expectations are Linux's behaviour (inet_hashtables.c, udp.c, sock_reuseport.c), restated.
import { describe, expect, it } from "vitest";
import {
  FLOW_E_EXISTS,
  FLOW_E_FULL,
  FLOW_E_INVAL,
  FLOW_E_NOENT,
  FLOW_E_UID,
  FLOW_HANDLE_MAX,
} from "../src/generated/layout.js";
import { flowHash } from "../src/twin/flow.js";
import { type FlowImpl, type GroupMember, ip, linuxReuseportPick } from "./helpers/flow.js";

const A = ip("10.0.0.1"); // local addresses
const A2 = ip("10.0.0.2");
const P = ip("192.0.2.7"); // peers
const P2 = ip("198.51.100.9");
const HIGH = ip("203.0.113.200"); // >= 2^31 as a u32

export function flowCases(impl: FlowImpl, skip: Record<string, string> = {}): void {
  const test = (name: string, fn: () => Promise<void>) =>
    skip[name] ? it.skip(`${name} (skipped: ${skip[name]})`, fn) : it(name, fn);

  describe(`${impl.name}: established table`, () => {
    test("insert then lookup hits; the reverse direction and other ports miss", async () => {
      const t = await impl.ehash();
      expect(t.insert(P, 40000, A, 443, 7)).toBe(0);
      expect(t.lookup(P, 40000, A, 443)).toBe(7);
      expect(t.lookup(A, 443, P, 40000)).toBe(0);
      expect(t.lookup(P, 40001, A, 443)).toBe(0);
      expect(t.lookup(P, 40000, A, 444)).toBe(0);
      expect(t.count()).toBe(1);
    });

    test("keys differing in one field are distinct flows", async () => {
      const t = await impl.ehash();
      expect(t.insert(P, 1000, A, 80, 1)).toBe(0);
      expect(t.insert(P2, 1000, A, 80, 2)).toBe(0);
      expect(t.insert(P, 1001, A, 80, 3)).toBe(0);
      expect(t.insert(P, 1000, A2, 80, 4)).toBe(0);
      expect(t.insert(P, 1000, A, 81, 5)).toBe(0);
      expect([
        t.lookup(P, 1000, A, 80),
        t.lookup(P2, 1000, A, 80),
        t.lookup(P, 1001, A, 80),
        t.lookup(P, 1000, A2, 80),
        t.lookup(P, 1000, A, 81),
      ]).toEqual([1, 2, 3, 4, 5]);
    });

    test("a duplicate insert is refused and keeps the first handle", async () => {
      const t = await impl.ehash();
      expect(t.insert(P, 5, A, 80, 1)).toBe(0);
      expect(t.insert(P, 5, A, 80, 2)).toBe(-FLOW_E_EXISTS);
      expect(t.lookup(P, 5, A, 80)).toBe(1);
      expect(t.count()).toBe(1);
    });

    test("delete returns the handle, then the flow misses and a second delete finds nothing", async () => {
      const t = await impl.ehash();
      t.insert(P, 5, A, 80, 9);
      expect(t.delete(P, 5, A, 80)).toBe(9);
      expect(t.lookup(P, 5, A, 80)).toBe(0);
      expect(t.delete(P, 5, A, 80)).toBe(-FLOW_E_NOENT);
      expect(t.count()).toBe(0);
      expect(t.insert(P, 5, A, 80, 10)).toBe(0);
      expect(t.lookup(P, 5, A, 80)).toBe(10);
    });

    test("delete of a flow never inserted", async () => {
      const t = await impl.ehash();
      expect(t.delete(P, 1, A, 2)).toBe(-FLOW_E_NOENT);
      t.insert(P, 1, A, 3, 4);
      expect(t.delete(P, 1, A, 2)).toBe(-FLOW_E_NOENT);
    });

    test("handles are 1 .. 2^31-1 and ports 0 .. 65535", async () => {
      const t = await impl.ehash();
      expect(t.insert(P, 1, A, 2, 0)).toBe(-FLOW_E_INVAL);
      expect(t.insert(P, 1, A, 2, FLOW_HANDLE_MAX + 1)).toBe(-FLOW_E_INVAL);
      expect(t.insert(P, 65536, A, 2, 1)).toBe(-FLOW_E_INVAL);
      expect(t.insert(P, 1, A, 65536, 1)).toBe(-FLOW_E_INVAL);
      expect(t.lookup(P, 65536, A, 2)).toBe(-FLOW_E_INVAL);
      expect(t.insert(P, 65535, A, 0, FLOW_HANDLE_MAX)).toBe(0);
      expect(t.lookup(P, 65535, A, 0)).toBe(FLOW_HANDLE_MAX);
    });

    test("addresses above 2^31 and the all-zero 4-tuple are ordinary keys", async () => {
      const t = await impl.ehash();
      expect(t.insert(HIGH, 1, 0xffffffff, 2, 3)).toBe(0);
      expect(t.insert(0, 0, 0, 0, 4)).toBe(0);
      expect(t.lookup(HIGH, 1, 0xffffffff, 2)).toBe(3);
      expect(t.lookup(0, 0, 0, 0)).toBe(4);
      expect(t.delete(0, 0, 0, 0)).toBe(4);
      expect(t.lookup(0, 0, 0, 0)).toBe(0);
    });

    test("the flow limit refuses with FULL, and a delete makes room", async () => {
      const t = await impl.ehash({ initFlows: 8, maxFlows: 3 });
      for (let i = 1; i <= 3; i++) expect(t.insert(P, i, A, 80, i)).toBe(0);
      expect(t.insert(P, 4, A, 80, 4)).toBe(-FLOW_E_FULL);
      expect(t.insert(P, 1, A, 80, 9)).toBe(-FLOW_E_EXISTS); // a duplicate is still a duplicate
      expect(t.delete(P, 2, A, 80)).toBe(2);
      expect(t.insert(P, 4, A, 80, 4)).toBe(0);
    });

    test("growth from 8 buckets to 20 000 flows keeps every flow, through and after the rehash", async () => {
      const t = await impl.ehash({ initFlows: 8 });
      let sawRehash = false;
      for (let i = 0; i < 20000; i++) {
        expect(t.insert(P + (i >> 8), 1024 + (i & 255), A, 443, i + 1)).toBe(0);
        if (t.rehashing() && !sawRehash) {
          sawRehash = true;
          for (let j = 0; j <= i; j++) expect(t.lookup(P + (j >> 8), 1024 + (j & 255), A, 443)).toBe(j + 1);
        }
      }
      expect(sawRehash).toBe(true);
      expect(t.count()).toBe(20000);
      for (let i = 0; i < 20000; i += 2) expect(t.delete(P + (i >> 8), 1024 + (i & 255), A, 443)).toBe(i + 1);
      for (let i = 0; i < 20000; i++) {
        expect(t.lookup(P + (i >> 8), 1024 + (i & 255), A, 443)).toBe(i % 2 === 0 ? 0 : i + 1);
      }
      expect(t.count()).toBe(10000);
    });

    test("rehashStep finishes a running rehash and reports what is left", async () => {
      const t = await impl.ehash({ initFlows: 8 });
      let i = 0;
      while (!t.rehashing()) t.insert(P, 1000 + i, A, 80, ++i);
      const left = t.rehashStep(1);
      expect(left).toBeGreaterThan(0);
      expect(t.rehashStep(1 << 20)).toBe(0);
      expect(t.rehashing()).toBe(false);
      for (let j = 0; j < i; j++) expect(t.lookup(P, 1000 + j, A, 80)).toBe(j + 1);
    });
  });

  describe(`${impl.name}: listener table`, () => {
    test("the exact local address beats INADDR_ANY on the same port", async () => {
      const t = await impl.lhash();
      expect(t.insert(0, 80, 1000, false, 1)).toBe(0);
      expect(t.insert(A, 80, 1000, false, 2)).toBe(0);
      expect(t.lookup(P, 5555, A, 80)).toBe(2);
      expect(t.lookup(P, 5555, A2, 80)).toBe(1);
      expect(t.lookup(P, 5555, A, 81)).toBe(0);
    });

    test("without the exact listener the wildcard takes over", async () => {
      const t = await impl.lhash();
      t.insert(A, 80, 1000, false, 2);
      expect(t.lookup(P, 1, A, 80)).toBe(2);
      expect(t.lookup(P, 1, A2, 80)).toBe(0);
      t.insert(0, 80, 1000, false, 1);
      expect(t.delete(A, 80, 2)).toBe(0);
      expect(t.lookup(P, 1, A, 80)).toBe(1);
    });

    test("a second bind without SO_REUSEPORT on both sides is refused", async () => {
      const t = await impl.lhash();
      expect(t.insert(A, 80, 1000, false, 1)).toBe(0);
      expect(t.insert(A, 80, 1000, false, 2)).toBe(-FLOW_E_EXISTS);
      expect(t.insert(A, 80, 1000, true, 3)).toBe(-FLOW_E_EXISTS);
      expect(t.insert(A, 81, 1000, true, 4)).toBe(0);
      expect(t.insert(A, 81, 1000, false, 5)).toBe(-FLOW_E_EXISTS);
      expect(t.insert(A, 80, 2000, false, 6)).toBe(-FLOW_E_EXISTS); // not a uid question without reuseport
      expect(t.members(A, 80)).toEqual([1]);
    });

    test("SO_REUSEPORT with the same uid forms a group in join order; another uid is refused", async () => {
      const t = await impl.lhash();
      for (let h = 1; h <= 4; h++) expect(t.insert(0, 443, 1000, true, h)).toBe(0);
      expect(t.insert(0, 443, 1001, true, 5)).toBe(-FLOW_E_UID);
      expect(t.insert(0, 443, 1000, true, 3)).toBe(-FLOW_E_EXISTS); // already a member
      expect(t.members(0, 443)).toEqual([1, 2, 3, 4]);
    });

    test("a group member is chosen by reciprocal_scale(flow hash, n), the same one for a flow", async () => {
      const seed = 0x1234567;
      const t = await impl.lhash({ seed });
      const group: GroupMember[] = [];
      for (let h = 1; h <= 5; h++) {
        t.insert(0, 443, 1000, true, h);
        group.push({ handle: h, connected: false });
      }
      const seen = new Set<number>();
      for (let i = 0; i < 300; i++) {
        const sport = 20000 + i;
        const got = t.lookup(P, sport, A, 443);
        expect(got).toBe(linuxReuseportPick(group, flowHash(P, sport, A, 443, seed)));
        expect(t.lookup(P, sport, A, 443)).toBe(got);
        seen.add(got);
      }
      expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
    });

    test("leaving a group moves the last member into the hole (reuseport_detach_sock)", async () => {
      const t = await impl.lhash();
      for (let h = 1; h <= 5; h++) t.insert(A, 8080, 1000, true, h);
      expect(t.delete(A, 8080, 2)).toBe(0);
      expect(t.members(A, 8080)).toEqual([1, 5, 3, 4]);
      expect(t.delete(A, 8080, 4)).toBe(0); // the last one leaves: nothing moves
      expect(t.members(A, 8080)).toEqual([1, 5, 3]);
      expect(t.delete(A, 8080, 1)).toBe(0);
      expect(t.members(A, 8080)).toEqual([3, 5]);
      for (let i = 0; i < 50; i++) expect([3, 5]).toContain(t.lookup(P, 30000 + i, A, 8080));
    });

    test("an emptied group frees the key, for any uid", async () => {
      const t = await impl.lhash();
      t.insert(A, 80, 1000, true, 1);
      t.insert(A, 80, 1000, true, 2);
      expect(t.insert(A, 80, 2000, true, 3)).toBe(-FLOW_E_UID);
      t.delete(A, 80, 1);
      t.delete(A, 80, 2);
      expect(t.members(A, 80)).toEqual([]);
      expect(t.lookup(P, 1, A, 80)).toBe(0);
      expect(t.insert(A, 80, 2000, true, 3)).toBe(0);
    });

    test("deleting a socket that is not bound there", async () => {
      const t = await impl.lhash();
      expect(t.delete(A, 80, 1)).toBe(-FLOW_E_NOENT);
      t.insert(A, 80, 1000, true, 1);
      expect(t.delete(A, 80, 2)).toBe(-FLOW_E_NOENT);
      expect(t.delete(A2, 80, 1)).toBe(-FLOW_E_NOENT);
      expect(t.delete(A, 81, 1)).toBe(-FLOW_E_NOENT);
      expect(t.members(A, 80)).toEqual([1]);
    });

    test("port 0 and handle 0 are refused; the socket limit says FULL", async () => {
      const t = await impl.lhash({ maxSocks: 2 });
      expect(t.insert(A, 0, 1000, false, 1)).toBe(-FLOW_E_INVAL);
      expect(t.insert(A, 80, 1000, false, 0)).toBe(-FLOW_E_INVAL);
      expect(t.insert(A, 65536, 1000, false, 1)).toBe(-FLOW_E_INVAL);
      expect(t.insert(A, 80, 1000, true, 1)).toBe(0);
      expect(t.insert(A, 80, 1000, true, 2)).toBe(0);
      expect(t.insert(A, 80, 1000, true, 3)).toBe(-FLOW_E_FULL);
      expect(t.insert(A, 81, 1000, true, 3)).toBe(-FLOW_E_FULL);
    });

    test("many keys in few buckets stay apart", async () => {
      const t = await impl.lhash({ buckets: 16 });
      for (let port = 1; port <= 500; port++)
        expect(t.insert(port % 3 === 0 ? 0 : A, port, 0, false, port)).toBe(0);
      for (let port = 1; port <= 500; port++) expect(t.lookup(P, 9, A, port)).toBe(port);
      for (let port = 1; port <= 500; port += 2) expect(t.delete(port % 3 === 0 ? 0 : A, port, port)).toBe(0);
      for (let port = 1; port <= 500; port++) expect(t.lookup(P, 9, A, port)).toBe(port % 2 ? 0 : port);
    });
  });

  describe(`${impl.name}: bound-UDP table`, () => {
    test("an unconnected socket on INADDR_ANY receives from anyone", async () => {
      const t = await impl.udp();
      expect(t.insert(0, 53, 0, 0, 0, false, 1)).toBe(0);
      expect(t.lookup(P, 5000, A, 53)).toBe(1);
      expect(t.lookup(P2, 6000, A2, 53)).toBe(1);
      expect(t.lookup(P, 5000, A, 54)).toBe(0);
    });

    test("a connected socket matches only its peer", async () => {
      const t = await impl.udp();
      expect(t.insert(A, 4000, P, 53, 0, false, 1)).toBe(0);
      expect(t.lookup(P, 53, A, 4000)).toBe(1);
      expect(t.lookup(P, 54, A, 4000)).toBe(0);
      expect(t.lookup(P2, 53, A, 4000)).toBe(0);
      t.insert(0, 4000, 0, 0, 0, false, 2); // wildcard catches what the connected one refuses
      expect(t.lookup(P2, 53, A, 4000)).toBe(2);
      expect(t.lookup(P, 53, A, 4000)).toBe(1);
    });

    test("in one reuseport group the connected socket beats unconnected ones, in any order", async () => {
      const t = await impl.udp();
      t.insert(A, 443, 0, 0, 1000, true, 1);
      t.insert(A, 443, 0, 0, 1000, true, 2);
      t.insert(A, 443, P, 7000, 1000, true, 3);
      t.insert(A, 443, 0, 0, 1000, true, 4);
      expect(t.lookup(P, 7000, A, 443)).toBe(3);
      for (let i = 0; i < 50; i++) expect([1, 2, 4]).toContain(t.lookup(P, 7001 + i, A, 443));
    });

    test("a half-connected peer (address only) scores between unconnected and connected", async () => {
      const t = await impl.udp();
      t.insert(A, 9000, 0, 0, 1000, true, 1);
      t.insert(A, 9000, P, 0, 1000, true, 2);
      t.insert(A, 9000, P, 7000, 1000, true, 3);
      expect(t.lookup(P, 7000, A, 9000)).toBe(3);
      expect(t.lookup(P, 7001, A, 9000)).toBe(2);
      expect(t.lookup(P2, 7000, A, 9000)).toBe(1);
    });

    test("the exact local address wins over a connected wildcard socket (two passes, as Linux)", async () => {
      const t = await impl.udp();
      t.insert(0, 500, P, 600, 0, false, 1);
      t.insert(A, 500, 0, 0, 0, false, 2);
      expect(t.lookup(P, 600, A, 500)).toBe(2);
      expect(t.lookup(P, 600, A2, 500)).toBe(1);
    });

    test("an exact slot whose connected sockets all refuse falls through to the wildcard", async () => {
      const t = await impl.udp();
      t.insert(A, 500, P, 600, 0, true, 1);
      t.insert(A, 500, P2, 600, 0, true, 2);
      t.insert(0, 500, 0, 0, 0, false, 3);
      expect(t.lookup(P, 600, A, 500)).toBe(1);
      expect(t.lookup(P2, 600, A, 500)).toBe(2);
      expect(t.lookup(P, 601, A, 500)).toBe(3);
    });

    test("reuseport selection starts at reciprocal_scale and skips connected members", async () => {
      const seed = 99;
      const t = await impl.udp({ seed });
      const group: GroupMember[] = [];
      const add = (handle: number, peer: number) => {
        expect(t.insert(A, 4433, peer, peer ? 9 : 0, 1000, true, handle)).toBe(0);
        group.push({ handle, connected: peer !== 0 });
      };
      add(1, P);
      add(2, 0);
      add(3, P2);
      add(4, P2 + 1);
      add(5, 0);
      for (let i = 0; i < 200; i++) {
        const saddr = ip("100.64.0.0") + i;
        expect(t.lookup(saddr, 1234, A, 4433)).toBe(
          linuxReuseportPick(group, flowHash(saddr, 1234, A, 4433, seed)),
        );
      }
      expect(t.lookup(P, 9, A, 4433)).toBe(1);
    });

    test("sockets without SO_REUSEPORT share an exact address (SO_REUSEADDR, connected): the last bound wins a tie", async () => {
      const t = await impl.udp();
      expect(t.insert(A, 53, 0, 0, 1000, false, 1)).toBe(0);
      expect(t.insert(A, 53, 0, 0, 2000, false, 2)).toBe(0); // another uid too: the host's bind rules decide
      expect(t.insert(A, 53, 0, 0, 1000, false, 2)).toBe(-FLOW_E_EXISTS); // a duplicate is still a duplicate
      expect(t.insert(A, 53, 0, 0, 1000, true, 3)).toBe(-FLOW_E_EXISTS); // no reuseport group here
      expect(t.lookup(P, 7, A, 53)).toBe(2);
      expect(t.insert(A, 53, P, 1, 1000, false, 4)).toBe(0);
      expect(t.lookup(P, 1, A, 53)).toBe(4); // connected to the sender: scores above both
      expect(t.lookup(P, 2, A, 53)).toBe(2);
      expect(t.delete(A, 53, 2)).toBe(0);
      expect(t.lookup(P, 2, A, 53)).toBe(1);
      expect(t.members(A, 53)).toEqual([1, 4]);
    });

    test("binding rules: uid, reuseport on both sides, duplicate member", async () => {
      const t = await impl.udp();
      expect(t.insert(A, 53, 0, 0, 1000, true, 1)).toBe(0);
      expect(t.insert(A, 53, 0, 0, 1001, true, 2)).toBe(-FLOW_E_UID);
      expect(t.insert(A, 53, 0, 0, 1000, false, 2)).toBe(-FLOW_E_EXISTS);
      expect(t.insert(A, 53, P, 1, 1000, true, 1)).toBe(-FLOW_E_EXISTS);
      expect(t.insert(A, 53, P, 1, 1000, true, 2)).toBe(0);
      expect(t.insert(A, 53, 0, 0, 1000, true, 3)).toBe(0);
      expect(t.members(A, 53)).toEqual([1, 2, 3]);
      expect(t.insert(A, 53, 0, 65536, 1000, true, 4)).toBe(-FLOW_E_INVAL);
    });

    test("unbinding: the last member fills the hole; a missing socket is NOENT", async () => {
      const t = await impl.udp();
      for (let h = 1; h <= 4; h++) t.insert(0, 123, 0, 0, 7, true, h);
      expect(t.delete(0, 123, 1)).toBe(0);
      expect(t.members(0, 123)).toEqual([4, 2, 3]);
      expect(t.delete(0, 123, 1)).toBe(-FLOW_E_NOENT);
      expect(t.delete(A, 123, 2)).toBe(-FLOW_E_NOENT);
      for (const h of [4, 2, 3]) expect(t.delete(0, 123, h)).toBe(0);
      expect(t.lookup(P, 1, A, 123)).toBe(0);
    });
  });
}
