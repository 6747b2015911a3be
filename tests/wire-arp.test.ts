// ARP golden bytes (captured from Linux) and Linux's arp_rcv / arp_process refusals; Wasm and twin.
import { beforeAll, describe, expect, it } from "vitest";
import { ArpRepr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { ARP_REPLY, ARP_REQUEST } from "./helpers/golden.js";
import { ENOBUFS, GUARD, hex, IP_A, IP_B, MAC_A, MAC_B, WIRE_IMPLS, type WireImpl } from "./helpers/wire.js";

const request = () => hex(ARP_REQUEST).slice(14);
const reply = () => hex(ARP_REPLY).slice(14);

function arp(o: Partial<ArpRepr>): ArpRepr {
  return Object.assign(new ArpRepr(), { htype: 1, ptype: 0x0800, hlen: 6, plen: 4 }, o);
}

describe.each(WIRE_IMPLS)("arp (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it("reads a captured request", () => {
    const { rc, repr } = w.parse("arp", request());
    expect(rc).toBe(28);
    expect(repr).toEqual(arp({ op: L.ARPOP_REQUEST, sha: MAC_A, spa: IP_A, tha: 0, tpa: IP_B }));
  });

  it("emits a reply byte for byte into a 0xa5 buffer", () => {
    const { rc, out } = w.emit(
      "arp",
      arp({ op: L.ARPOP_REPLY, sha: MAC_B, spa: IP_B, tha: MAC_A, tpa: IP_A }),
      28,
    );
    expect(rc).toBe(28);
    expect(out.subarray(0, 28)).toEqual(reply());
    expect(out.subarray(28)).toEqual(new Uint8Array(GUARD).fill(0xa5));
  });

  it("parse then emit gives back the captured reply; Ethernet padding is ignored", () => {
    const padded = new Uint8Array(46);
    padded.set(reply());
    const { rc, repr } = w.parse("arp", padded);
    expect(rc).toBe(28);
    expect(w.emit("arp", repr, 28).out.subarray(0, 28)).toEqual(reply());
  });

  it("accepts the IEEE 802 hardware type as Linux does on Ethernet", () => {
    const b = request();
    b[1] = L.ARPHRD_IEEE802;
    expect(w.parse("arp", b).rc).toBe(28);
  });

  it.each([
    ["hlen 8", 4, 8],
    ["plen 16", 5, 16],
    ["htype 2", 1, 2],
    ["ptype 0x86dd", 2, 0x86],
    ["op 3 (RARP)", 7, 3],
    ["op 0", 7, 0],
  ])("refuses %s as ARP_INVALID, keeping the fields", (_case, at, v) => {
    const b = request();
    b[at] = v;
    const { rc, repr } = w.parse("arp", b);
    expect(rc).toBe(-L.DROP_ARP_INVALID);
    expect(repr.sha).toBe(MAC_A);
  });

  it("refuses a packet shorter than 28 bytes, and a short emit buffer", () => {
    expect(w.parse("arp", request().subarray(0, 27)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    const e = w.emit("arp", arp({}), 27);
    expect(e.rc).toBe(-ENOBUFS);
    expect(e.out).toEqual(new Uint8Array(27 + GUARD).fill(0xa5));
  });
});
