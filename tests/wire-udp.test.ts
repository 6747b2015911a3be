// UDP golden bytes (captured from Linux), __udp4_lib_rcv's length checks, and the checksum with the
// pseudo-header (0 = not computed; a computed 0 is sent as 0xffff); Wasm and twin.
import { beforeAll, describe, expect, it } from "vitest";
import { UdpRepr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { csumFold, csumPartial, csumPseudo } from "../src/twin/wire/csum.js";
import { udpChecksumFill, udpChecksumValid } from "../src/twin/wire/udp.js";
import { freshCore } from "./helpers/core.js";
import { UDP_DGRAM } from "./helpers/golden.js";
import { dvOf, ENOBUFS, GUARD, hex, IN, IP_A, IP_B, WIRE_IMPLS, type WireImpl } from "./helpers/wire.js";

const dgram = () => hex(UDP_DGRAM).slice(34); // 18 bytes: header + "hello udp\n"

describe.each(WIRE_IMPLS)("udp (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it("reads a captured datagram", () => {
    const { rc, repr } = w.parse("udp", dgram());
    expect(rc).toBe(8);
    expect(repr).toEqual(
      Object.assign(new UdpRepr(), { sport: 40000, dport: 9999, len: 18, checksum: 0xfe7c }),
    );
  });

  it("emits the 8-byte header into a 0xa5 buffer", () => {
    const r = Object.assign(new UdpRepr(), { sport: 40000, dport: 9999, len: 18, checksum: 0xfe7c });
    const { rc, out } = w.emit("udp", r, 8);
    expect(rc).toBe(8);
    expect(out.subarray(0, 8)).toEqual(dgram().subarray(0, 8));
    expect(out.subarray(8)).toEqual(new Uint8Array(GUARD).fill(0xa5));
  });

  it("parse then emit gives back the header; bytes past the UDP length are not the datagram's", () => {
    const b = new Uint8Array(40);
    b.set(dgram());
    const { rc, repr } = w.parse("udp", b);
    expect(rc).toBe(8);
    expect(repr.len).toBe(18);
    expect(w.emit("udp", repr, 8).out.subarray(0, 8)).toEqual(dgram().subarray(0, 8));
  });

  it("PKT_TOO_SMALL: header cut, length below 8, length past the data", () => {
    expect(w.parse("udp", dgram().subarray(0, 7)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    expect(w.parse("udp", dgram().subarray(0, 17)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    const b = dgram();
    b[5] = 7;
    expect(w.parse("udp", b).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    b[5] = 8; // a header-only datagram inside a longer payload is fine
    expect(w.parse("udp", b).rc).toBe(8);
  });

  it("refuses a short emit buffer", () => {
    const e = w.emit("udp", new UdpRepr(), 7);
    expect(e.rc).toBe(-ENOBUFS);
    expect(e.out).toEqual(new Uint8Array(7 + GUARD).fill(0xa5));
  });
});

describe("udp checksum (Wasm and twin)", () => {
  it("verifies the captured checksum, refuses a bad one, accepts 0 as not computed", async () => {
    const core = await freshCore();
    const wasm = (b: Uint8Array) => {
      core.u8.set(b, IN);
      return core.x.udpChecksumValid(IN, b.length, IP_A, IP_B) === 1;
    };
    const twin = (b: Uint8Array) => udpChecksumValid(dvOf(b), 0, b.length, IP_A, IP_B);
    for (const valid of [wasm, twin]) {
      expect(valid(dgram())).toBe(true);
      const bad = dgram();
      bad[12] ^= 1;
      expect(valid(bad)).toBe(false);
      bad[6] = bad[7] = 0;
      expect(valid(bad)).toBe(true);
      // wrong pseudo-header: the same bytes between other addresses
      core.u8.set(dgram(), IN);
      expect(core.x.udpChecksumValid(IN, 18, IP_B, IP_A)).toBe(1); // swapping addresses keeps the sum
      expect(core.x.udpChecksumValid(IN, 18, IP_A + 1, IP_B)).toBe(0);
      expect(udpChecksumValid(dvOf(dgram()), 0, 18, IP_A + 1, IP_B)).toBe(false);
    }
  });

  it("fills the captured checksum, and sends a computed 0 as 0xffff (RFC 768)", async () => {
    const core = await freshCore();
    const b = dgram();
    b[6] = b[7] = 0x77;
    expect(udpChecksumFill(dvOf(b), 0, 18, IP_A, IP_B)).toBe(0xfe7c);
    expect(b).toEqual(dgram());
    core.u8.set(dgram(), IN);
    core.u8[IN + 6] = 0;
    expect(core.x.udpChecksumFill(IN, 18, IP_A, IP_B)).toBe(0xfe7c);
    expect(core.u8.slice(IN, IN + 18)).toEqual(dgram());

    // choose the last payload word so that the computed checksum is 0
    const z = hex("9c40270f000c0000 00000000");
    const s0 = csumPseudo(IP_A, IP_B, 12, L.IPPROTO_UDP, csumPartial(dvOf(z), 0, 12, 0));
    const word = ~s0 & 0xffff;
    z[10] = word >>> 8;
    z[11] = word & 0xff;
    expect(csumFold(csumPseudo(IP_A, IP_B, 12, L.IPPROTO_UDP, csumPartial(dvOf(z), 0, 12, 0)))).toBe(0);
    expect(udpChecksumFill(dvOf(z), 0, 12, IP_A, IP_B)).toBe(0xffff);
    expect([z[6], z[7]]).toEqual([0xff, 0xff]);
    core.u8.set(z, IN);
    core.u8[IN + 6] = core.u8[IN + 7] = 0;
    expect(core.x.udpChecksumFill(IN, 12, IP_A, IP_B)).toBe(0xffff);
    expect(core.u8.slice(IN, IN + 12)).toEqual(z);
    expect(core.x.udpChecksumValid(IN, 12, IP_A, IP_B)).toBe(1);
  });
});
