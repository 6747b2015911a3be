import { describe, expect, it } from "vitest";
import { ipToNumber } from "../../src/net/addr.js";
import {
  NeighTable,
  NUD_DELAY,
  NUD_FAILED,
  NUD_INCOMPLETE,
  NUD_PROBE,
  NUD_REACHABLE,
  NUD_STALE,
} from "../../src/net/neigh.js";
import { FakeClock, MS } from "../helpers/tcp-pair.js";

const SEC = 1000 * MS;

function setup() {
  const clock = new FakeClock();
  const log: string[] = [];
  const table = new NeighTable<string>({
    now: () => clock.now,
    timer: (fn) => clock.timer(fn),
    random: () => 0.5,
    solicit: (ip, mac) =>
      log.push(`solicit ${ip.toString(16)} ${mac ? "unicast" : "broadcast"} @${clock.now / SEC}`),
    transmit: (pkt, mac) => log.push(`tx ${pkt} -> ${mac[5]}`),
    drop: (pkt, reason) => log.push(`drop ${pkt} ${reason}`),
  });
  return { clock, log, table };
}

const GW = ipToNumber("10.0.0.1");
const MAC = Uint8Array.of(2, 0, 0, 0, 0, 7);

describe("ARP neighbour table", () => {
  it("queues while INCOMPLETE, solicits every second, transmits the queue on reply", () => {
    const { clock, log, table } = setup();
    table.output(GW, "p1");
    table.output(GW, "p2");
    expect(table.get(GW)?.state).toBe(NUD_INCOMPLETE);
    clock.advance(1 * SEC);
    table.update(GW, MAC, true);
    expect(table.get(GW)?.state).toBe(NUD_REACHABLE);
    expect(log).toEqual([
      "solicit a000001 broadcast @0",
      "solicit a000001 broadcast @1",
      "tx p1 -> 7",
      "tx p2 -> 7",
    ]);
  });

  it("fails after mcast_solicit (3) unanswered requests and drops the queue", () => {
    const { clock, log, table } = setup();
    table.output(GW, "p1");
    clock.advance(10 * SEC);
    expect(table.get(GW)?.state).toBe(NUD_FAILED);
    expect(log.filter((l) => l.startsWith("solicit")).length).toBe(3);
    expect(log.at(-1)).toBe("drop p1 NEIGH_FAILED");
  });

  it("REACHABLE -> STALE after reachable_time; use -> DELAY -> PROBE (unicast) -> FAILED", () => {
    const { clock, log, table } = setup();
    table.update(GW, MAC, true);
    clock.advance(30 * SEC); // random 0.5 -> exactly base_reachable_time
    expect(table.get(GW)?.state).toBe(NUD_STALE);
    table.output(GW, "p");
    expect(table.get(GW)?.state).toBe(NUD_DELAY);
    expect(log).toEqual(["tx p -> 7"]);
    clock.advance(5 * SEC);
    expect(table.get(GW)?.state).toBe(NUD_PROBE);
    expect(log.at(-1)).toMatch(/unicast/);
    clock.advance(5 * SEC);
    expect(table.get(GW)?.state).toBe(NUD_FAILED);
  });

  it("an upper-layer confirmation keeps a DELAY entry REACHABLE", () => {
    const { clock, table } = setup();
    table.update(GW, MAC, true);
    clock.advance(30 * SEC);
    table.output(GW, "p");
    table.confirm(GW);
    expect(table.get(GW)?.state).toBe(NUD_REACHABLE);
  });

  it("drops the oldest packet when the unresolved queue is full", () => {
    const { log, table } = setup();
    for (let i = 0; i < 102; i++) table.output(GW, `p${i}`);
    expect(log).toContain("drop p0 NEIGH_QUEUEFULL");
    expect(table.get(GW)?.queue.length).toBe(101);
  });
});
