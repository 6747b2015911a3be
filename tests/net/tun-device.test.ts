// A device of kind "tun" carries raw IP: received packets are dissected with parseIpPacket (no link
// header), and transmitted ones leave without an Ethernet header.
import { describe, expect, it } from "vitest";
import { allocSkbWith, skbBytes } from "../../src/core/skb.js";
import { MAC_ZERO } from "../../src/net/addr.js";
import { refSum } from "../helpers/checksum.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { hex } from "../helpers/wire.js";
import { newWorld } from "../helpers/world.js";

// ping 10.77.0.2 from 10.77.0.1 as Linux sends it: IPv4 (DF, TTL 64, id 0x5d3b), ICMP echo request
// id 0x1c2e seq 1, 16 bytes of data.
const ECHO_REQUEST = hex(
  "4500002c5d3b40004001c8f90a4d00010a4d0002" + "0800a3901c2e0001" + "000102030405060708090a0b0c0d0e0f",
);

async function tunHost() {
  const world = await newWorld();
  const host = world.addHost("engine");
  const dev = host.net.addDevice("tun", "tun0", MAC_ZERO, 1500);
  host.net.addAddress("tun0", "10.77.0.2/24");
  const sent: Uint8Array[] = [];
  dev.txPort = {
    name: "capture",
    receive: (skb) => {
      sent.push(skbBytes(world.core, skb).slice());
      world.core.x.consumeSkb(skb);
    },
  };
  const inject = (bytes: Uint8Array) => dev.rxPort.receive(allocSkbWith(world.core, bytes));
  return { world, host, dev, sent, inject };
}

describe("tun device (raw IP)", () => {
  it("the golden echo request has valid checksums", () => {
    expect(refSum(ECHO_REQUEST, 0, 20)).toBe(0xffff);
    expect(refSum(ECHO_REQUEST, 20)).toBe(0xffff);
  });

  it("answers a raw ICMP echo request with a raw echo reply (no link header)", async () => {
    const { world, host, sent, inject } = await tunHost();
    inject(ECHO_REQUEST);
    await world.runUntilIdle();
    expect(sent).toHaveLength(1);
    const r = sent[0];
    expect(r.length).toBe(ECHO_REQUEST.length);
    expect(r[0]).toBe(0x45);
    expect(r[9]).toBe(1); // ICMP
    expect(Array.from(r.subarray(12, 16))).toEqual([10, 77, 0, 2]);
    expect(Array.from(r.subarray(16, 20))).toEqual([10, 77, 0, 1]);
    expect(refSum(r, 0, 20)).toBe(0xffff);
    expect(r[20]).toBe(0); // echo reply
    expect(refSum(r, 20)).toBe(0xffff);
    expect(Array.from(r.subarray(24))).toEqual(Array.from(ECHO_REQUEST.subarray(24))); // id, seq, data
    expect(host.net.snmp.get("Icmp", "InEchos")).toBe(1);
    expect(host.net.snmp.get("Icmp", "OutEchoReps")).toBe(1);
    expectNoLeaks(world.core);
  });

  it("drops an IPv6 packet as UNHANDLED_PROTO and a bad header checksum as IP_CSUM", async () => {
    const { world, host, sent, inject } = await tunHost();
    // an IPv6 router solicitation, as Linux sends when the TUN comes up
    inject(
      hex(
        "6000000000103afffe80000000000000000000000000000aff020000000000000000000000000002" +
          "8500000000000000",
      ),
    );
    const bad = ECHO_REQUEST.slice();
    bad[10] ^= 0xff;
    inject(bad);
    await world.runUntilIdle();
    expect(sent).toHaveLength(0);
    const drops = world.core.drops();
    expect(drops.UNHANDLED_PROTO).toBe(1);
    expect(drops.IP_CSUM).toBe(1);
    expect(host.net.snmp.get("Ip", "InHdrErrors")).toBe(1);
    expectNoLeaks(world.core);
  });
});
