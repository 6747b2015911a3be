// Ethernet II golden bytes (STYLE lesson 12): read fields, emit into 0xa5, parse, emit; Wasm and twin.
import { beforeAll, describe, expect, it } from "vitest";
import { EthRepr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { ARP_REQUEST, TCP_SYN } from "./helpers/golden.js";
import { ENOBUFS, GUARD, hex, MAC_A, MAC_B, WIRE_IMPLS, type WireImpl } from "./helpers/wire.js";

const VLAN = hex("020000000002 020000000001 8100 a00a 0800 4500");

describe.each(WIRE_IMPLS)("ethernet (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it("reads dst, src and type from a captured frame", () => {
    const { rc, repr } = w.parse("eth", hex(ARP_REQUEST));
    expect(rc).toBe(14);
    expect(repr).toEqual(
      Object.assign(new EthRepr(), { dst: 0xffff_ffff_ffff, src: MAC_A, type: L.ETH_P_ARP }),
    );
  });

  it("emits exactly the 14 header bytes into a 0xa5 buffer", () => {
    const r = Object.assign(new EthRepr(), { dst: MAC_B, src: MAC_A, type: L.ETH_P_IP });
    const { rc, out } = w.emit("eth", r, 14);
    expect(rc).toBe(14);
    expect(out.subarray(0, 14)).toEqual(hex(TCP_SYN).subarray(0, 14));
    expect(out.subarray(14)).toEqual(new Uint8Array(GUARD).fill(0xa5));
  });

  it("reports and skips one 802.1Q tag, and emits it back", () => {
    const { rc, repr } = w.parse("eth", VLAN);
    expect(rc).toBe(18);
    expect(repr).toEqual(
      Object.assign(new EthRepr(), { dst: MAC_B, src: MAC_A, type: 0x0800, tpid: 0x8100, tci: 0xa00a }),
    );
    const e = w.emit("eth", repr, 18);
    expect(e.rc).toBe(18);
    expect(e.out.subarray(0, 18)).toEqual(VLAN.subarray(0, 18));
    expect(e.out[18]).toBe(0xa5);
  });

  it("parse then emit gives back the captured header", () => {
    const frame = hex(TCP_SYN);
    const { repr } = w.parse("eth", frame);
    expect(w.emit("eth", repr, 64).out.subarray(0, 14)).toEqual(frame.subarray(0, 14));
  });

  it("refuses short frames and short buffers", () => {
    expect(w.parse("eth", hex(TCP_SYN).subarray(0, 13)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    expect(w.parse("eth", new Uint8Array(0)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    expect(w.parse("eth", VLAN.subarray(0, 17)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    const e = w.emit("eth", new EthRepr(), 13);
    expect(e.rc).toBe(-ENOBUFS);
    expect(e.out).toEqual(new Uint8Array(13 + GUARD).fill(0xa5));
    expect(w.emit("eth", Object.assign(new EthRepr(), { tpid: 0x8100 }), 17).rc).toBe(-ENOBUFS);
  });

  it("keeps an 802.3 length field as the type (dispatch refuses it later)", () => {
    const { rc, repr } = w.parse("eth", hex("ffffffffffff 020000000001 002e aaaa03"));
    expect(rc).toBe(14);
    expect(repr.type).toBe(0x2e);
  });
});
