// ICMP golden bytes (captured from Linux): echo, port unreachable quoting a UDP datagram, and the
// icmp_rcv / icmp_unreach refusals; Wasm and twin. Also icmpChecksumFill on both.
import { beforeAll, describe, expect, it } from "vitest";
import { IcmpRepr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { icmpChecksumFill } from "../src/twin/wire/icmp.js";
import { freshCore } from "./helpers/core.js";
import { ICMP_ECHO, ICMP_ECHO_REPLY, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED } from "./helpers/golden.js";
import { dvOf, ENOBUFS, GUARD, hex, IN, IP_A, IP_B, WIRE_IMPLS, type WireImpl } from "./helpers/wire.js";

/** The ICMP message of a captured frame (everything after the 20-byte IP header). */
const msg = (frame: string) => hex(frame).slice(34);

function fill(b: Uint8Array): Uint8Array {
  icmpChecksumFill(dvOf(b), 0, b.length);
  return b;
}

describe.each(WIRE_IMPLS)("icmp (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it("reads a captured echo request", () => {
    const { rc, repr } = w.parse("icmp", msg(ICMP_ECHO));
    expect(rc).toBe(8);
    expect(repr).toEqual(
      Object.assign(new IcmpRepr(), {
        type: L.ICMP_ECHO,
        code: 0,
        checksum: 0x580e,
        rest: (17849 << 16) | 1,
      }),
    );
  });

  it("reads the quoted header of a captured port unreachable", () => {
    const { rc, repr } = w.parse("icmp", msg(ICMP_PORT_UNREACH));
    expect(rc).toBe(8);
    expect(repr).toEqual(
      Object.assign(new IcmpRepr(), {
        type: L.ICMP_DEST_UNREACH,
        code: 3,
        checksum: 0x11bd,
        rest: 0,
        qIhl: 5,
        qProto: L.IPPROTO_UDP,
        qSaddr: IP_A,
        qDaddr: IP_B,
        qSport: 40000,
        qDport: 9999,
      }),
    );
  });

  it("emits the 8-byte header into a 0xa5 buffer", () => {
    const r = Object.assign(new IcmpRepr(), {
      type: L.ICMP_ECHOREPLY,
      code: 0,
      checksum: 0x600e,
      rest: (17849 << 16) | 1,
    });
    const { rc, out } = w.emit("icmp", r, 8);
    expect(rc).toBe(8);
    expect(out.subarray(0, 8)).toEqual(msg(ICMP_ECHO_REPLY).subarray(0, 8));
    expect(out.subarray(8)).toEqual(new Uint8Array(GUARD).fill(0xa5));
  });

  it("parse then emit gives back the captured headers", () => {
    for (const f of [ICMP_ECHO, ICMP_ECHO_REPLY, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED]) {
      const m = msg(f);
      const { repr } = w.parse("icmp", m);
      expect(w.emit("icmp", repr, 8).out.subarray(0, 8)).toEqual(m.subarray(0, 8));
    }
  });

  it("ICMP_CSUM: any flipped bit in the message, payload included", () => {
    for (const at of [0, 2, 5, 8, 63]) {
      const m = msg(ICMP_ECHO);
      m[at] ^= 0x10;
      expect(w.parse("icmp", m).rc, `byte ${at}`).toBe(-L.DROP_ICMP_CSUM);
    }
  });

  it("PKT_TOO_SMALL below 8 bytes", () => {
    expect(w.parse("icmp", msg(ICMP_ECHO).subarray(0, 7)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
  });

  it("UNHANDLED_PROTO above NR_ICMP_TYPES, except the RFC 8335 PROBE pair", () => {
    expect(w.parse("icmp", fill(hex("1300000000010002"))).rc).toBe(-L.DROP_UNHANDLED_PROTO);
    expect(w.parse("icmp", fill(hex("ff00000000010002"))).rc).toBe(-L.DROP_UNHANDLED_PROTO);
    expect(w.parse("icmp", fill(hex("2a00000000010002"))).rc).toBe(8);
    expect(w.parse("icmp", fill(hex("1200000000010002"))).rc).toBe(8);
  });

  it("ICMP_INVALID: error messages whose quoted header is short, mangled or lacks 8 bytes", () => {
    const unreach = msg(ICMP_PORT_UNREACH); // 8 + 20 + 8 + 10 bytes
    expect(w.parse("icmp", fill(unreach.slice(0, 8 + 19))).rc).toBe(-L.DROP_ICMP_INVALID);
    expect(w.parse("icmp", fill(unreach.slice(0, 8 + 27))).rc).toBe(-L.DROP_ICMP_INVALID);
    expect(w.parse("icmp", fill(unreach.slice(0, 8 + 28))).rc).toBe(8);
    const ihl4 = unreach.slice();
    ihl4[8] = 0x44;
    expect(w.parse("icmp", fill(ihl4)).rc).toBe(-L.DROP_ICMP_INVALID);
    for (const type of [L.ICMP_TIME_EXCEEDED, L.ICMP_PARAMETERPROB, L.ICMP_REDIRECT, L.ICMP_SOURCE_QUENCH]) {
      const b = hex("0b00000000000000");
      b[0] = type;
      expect(w.parse("icmp", fill(b)).rc, `type ${type}`).toBe(-L.DROP_ICMP_INVALID);
    }
    // an echo needs no quoted header
    expect(w.parse("icmp", fill(hex("0800000000010002"))).rc).toBe(8);
  });

  it("refuses a short emit buffer", () => {
    const e = w.emit("icmp", new IcmpRepr(), 7);
    expect(e.rc).toBe(-ENOBUFS);
    expect(e.out).toEqual(new Uint8Array(7 + GUARD).fill(0xa5));
  });
});

describe("icmpChecksumFill", () => {
  it("Wasm and twin reproduce the captured checksums", async () => {
    const core = await freshCore();
    for (const f of [ICMP_ECHO, ICMP_ECHO_REPLY, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED]) {
      const m = msg(f);
      const want = (m[2] << 8) | m[3];
      const t = m.slice();
      t[2] = 0xde;
      expect(icmpChecksumFill(dvOf(t), 0, t.length)).toBe(want);
      expect(t).toEqual(m);
      core.u8.set(m, IN);
      core.u8[IN + 3] ^= 0xff;
      expect(core.x.icmpChecksumFill(IN, m.length)).toBe(want);
      expect(core.u8.slice(IN, IN + m.length)).toEqual(m);
    }
  });
});
