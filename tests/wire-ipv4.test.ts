// IPv4 golden bytes (captured from Linux) and every ip_rcv_core refusal; Wasm and twin.
import { beforeAll, describe, expect, it } from "vitest";
import { Ipv4Repr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { ipv4ChecksumFill } from "../src/twin/wire/ipv4.js";
import { ICMP_ECHO, ICMP_PORT_UNREACH } from "./helpers/golden.js";
import { dvOf, ENOBUFS, GUARD, hex, IP_A, IP_B, WIRE_IMPLS, type WireImpl } from "./helpers/wire.js";

/** The IP packet of the captured echo request (84 bytes). */
const echoIp = () => hex(ICMP_ECHO).slice(14);

function fixCsum(b: Uint8Array): Uint8Array {
  ipv4ChecksumFill(dvOf(b), 0);
  return b;
}

const echoRepr = () =>
  Object.assign(new Ipv4Repr(), {
    version: 4,
    ihl: 5,
    tos: 0,
    ttl: 64,
    totalLen: 84,
    id: 62791,
    fragOff: L.IP_DF,
    proto: L.IPPROTO_ICMP,
    optLen: 0,
    checksum: 0x30c5,
    saddr: IP_A,
    daddr: IP_B,
  });

describe.each(WIRE_IMPLS)("ipv4 (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it("reads a captured header", () => {
    const { rc, repr } = w.parse("ipv4", echoIp());
    expect(rc).toBe(20);
    expect(repr).toEqual(echoRepr());
  });

  it("emits 20 bytes with the header checksum computed, into a 0xa5 buffer", () => {
    const r = echoRepr();
    r.checksum = 0x1234; // ignored: emit computes it
    const { rc, out } = w.emit("ipv4", r, 20);
    expect(rc).toBe(20);
    expect(out.subarray(0, 20)).toEqual(echoIp().subarray(0, 20));
    expect(out.subarray(20)).toEqual(new Uint8Array(GUARD).fill(0xa5));
  });

  it("parse then emit gives back captured headers (tos 0xc0, no DF)", () => {
    const b = hex(ICMP_PORT_UNREACH).slice(14);
    const { rc, repr } = w.parse("ipv4", b);
    expect(rc).toBe(20);
    expect(repr.tos).toBe(0xc0);
    expect(repr.fragOff).toBe(0);
    expect(w.emit("ipv4", repr, 20).out.subarray(0, 20)).toEqual(b.subarray(0, 20));
  });

  it("ignores bytes past the total length (Ethernet padding)", () => {
    const b = new Uint8Array(120);
    b.set(echoIp());
    expect(w.parse("ipv4", b).rc).toBe(20);
  });

  it("reports options by length", () => {
    // IHL 6 with one option word (NOP NOP NOP EOL), total length 24
    const b = fixCsum(hex("46000018 00014000 40fd0000 0a4d0001 0a4d0002 01010100"));
    const { rc, repr } = w.parse("ipv4", b);
    expect(rc).toBe(24);
    expect(repr.ihl).toBe(6);
    expect(repr.optLen).toBe(4);
  });

  it("IP_INHDR: shorter than 20 bytes, version not 4, IHL < 5, header past the data", () => {
    expect(w.parse("ipv4", echoIp().subarray(0, 19)).rc).toBe(-L.DROP_IP_INHDR);
    expect(w.parse("ipv4", new Uint8Array(0)).rc).toBe(-L.DROP_IP_INHDR);
    const v6 = echoIp();
    v6[0] = 0x65;
    expect(w.parse("ipv4", fixCsum(v6)).rc).toBe(-L.DROP_IP_INHDR);
    const ihl4 = echoIp();
    ihl4[0] = 0x44;
    expect(w.parse("ipv4", ihl4).rc).toBe(-L.DROP_IP_INHDR);
    const ihl15 = echoIp().subarray(0, 40);
    ihl15[0] = 0x4f;
    expect(w.parse("ipv4", ihl15).rc).toBe(-L.DROP_IP_INHDR);
  });

  it("IP_CSUM: a flipped bit anywhere in the header", () => {
    for (const at of [1, 4, 8, 10, 12, 19]) {
      const b = echoIp();
      b[at] ^= 0x04;
      expect(w.parse("ipv4", b).rc, `byte ${at}`).toBe(-L.DROP_IP_CSUM);
    }
  });

  it("PKT_TOO_SMALL when the total length exceeds the data; IP_INHDR when below the header", () => {
    expect(w.parse("ipv4", echoIp().subarray(0, 83)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    const short = echoIp();
    short[2] = 0;
    short[3] = 19;
    expect(w.parse("ipv4", fixCsum(short)).rc).toBe(-L.DROP_IP_INHDR);
    const zero = echoIp();
    zero[2] = zero[3] = 0;
    expect(w.parse("ipv4", fixCsum(zero)).rc).toBe(-L.DROP_IP_INHDR);
  });

  it("checks the checksum before the lengths, as ip_rcv_core", () => {
    const b = echoIp().subarray(0, 60); // truncated and...
    b[10] ^= 1; // ...bad checksum
    expect(w.parse("ipv4", b).rc).toBe(-L.DROP_IP_CSUM);
  });

  it("refuses a short emit buffer", () => {
    const e = w.emit("ipv4", echoRepr(), 19);
    expect(e.rc).toBe(-ENOBUFS);
    expect(e.out).toEqual(new Uint8Array(19 + GUARD).fill(0xa5));
  });
});
