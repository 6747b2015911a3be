// TCP golden bytes: segments captured from Linux (SYN, SYN-ACK, ACK, data, FIN, RST) read field by
// field and re-emitted byte for byte (Linux's option layout), SACK and option combinations emitted as
// tcp_options_write() lays them out, tcp_v4_rcv's header checks, and the pseudo-header checksum.
import { beforeAll, describe, expect, it } from "vitest";
import type { TcpRepr } from "../src/core/frame.js";
import * as L from "../src/generated/layout.js";
import { tcpChecksumFill, tcpChecksumValid } from "../src/twin/wire/tcp.js";
import { freshCore } from "./helpers/core.js";
import { TCP_ACK, TCP_DATA, TCP_FIN, TCP_RST, TCP_SYN, TCP_SYNACK } from "./helpers/golden.js";
import {
  dvOf,
  ENOBUFS,
  GUARD,
  hex,
  IN,
  IP_A,
  IP_B,
  tcpRepr,
  WIRE_IMPLS,
  type WireImpl,
} from "./helpers/wire.js";

/** The TCP segment of a captured frame (after Ethernet and a 20-byte IP header). */
const seg = (frame: string) => hex(frame).slice(34);

const SYN = () =>
  tcpRepr({
    sport: 49172,
    dport: 8080,
    seq: 857637114,
    ack: 0,
    doff: 10,
    flags: L.TCPHDR_SYN,
    window: 64240,
    checksum: 0x7973,
    urg: 0,
    opt: L.TCPO_MSS | L.TCPO_SACK_PERM | L.TCPO_TS | L.TCPO_WSCALE,
    mss: 1460,
    wscale: 10,
    tsval: 3934863541,
    tsecr: 0,
  });

describe.each(WIRE_IMPLS)("tcp (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it("reads a captured Linux SYN with MSS, SACK-permitted, timestamps and window scale", () => {
    const { rc, repr } = w.parse("tcp", seg(TCP_SYN));
    expect(rc).toBe(40);
    expect(repr).toEqual(SYN());
  });

  it("emits the SYN's exact bytes (Linux option order) into a 0xa5 buffer", () => {
    const { rc, out } = w.emit("tcp", SYN(), 40);
    expect(rc).toBe(40);
    expect(out.subarray(0, 40)).toEqual(seg(TCP_SYN));
    expect(out.subarray(20, 40)).toEqual(hex("020405b4 0402080a ea8940b5 00000000 0103030a"));
    expect(out.subarray(40)).toEqual(new Uint8Array(GUARD).fill(0xa5));
  });

  it("parse then emit reproduces every captured segment header", () => {
    for (const f of [TCP_SYN, TCP_SYNACK, TCP_ACK, TCP_DATA, TCP_FIN, TCP_RST]) {
      const s = seg(f);
      const { rc, repr } = w.parse("tcp", s);
      expect(rc).toBe(repr.doff * 4);
      const e = w.emit("tcp", repr, rc);
      expect(e.rc).toBe(rc);
      expect(e.out.subarray(0, rc)).toEqual(s.subarray(0, rc));
    }
  });

  it("reads the SYN-ACK, an ACK with aligned timestamps, data with PSH, FIN and RST", () => {
    const synack = w.parse("tcp", seg(TCP_SYNACK)).repr;
    expect(synack.flags).toBe(L.TCPHDR_SYN | L.TCPHDR_ACK);
    expect([synack.seq, synack.ack, synack.window]).toEqual([3837309025, 857637115, 65160]);
    expect([synack.tsval, synack.tsecr, synack.mss, synack.wscale]).toEqual([
      883048723, 3934863541, 1460, 10,
    ]);
    const ack = w.parse("tcp", seg(TCP_ACK)).repr;
    expect(ack).toEqual(
      tcpRepr({
        sport: 49172,
        dport: 8080,
        seq: 857637115,
        ack: 3837309026,
        doff: 8,
        flags: L.TCPHDR_ACK,
        window: 63,
        checksum: 0x9813,
        opt: L.TCPO_TS,
        tsval: 3934863541,
        tsecr: 883048723,
      }),
    );
    expect(w.parse("tcp", seg(TCP_DATA)).repr.flags).toBe(L.TCPHDR_PSH | L.TCPHDR_ACK);
    expect(w.parse("tcp", seg(TCP_FIN)).repr.flags).toBe(L.TCPHDR_FIN | L.TCPHDR_ACK);
    const rst = w.parse("tcp", seg(TCP_RST));
    expect(rst.rc).toBe(20);
    expect(rst.repr).toEqual(
      tcpRepr({
        sport: 81,
        dport: 40752,
        seq: 0,
        ack: 3181911365,
        doff: 5,
        flags: L.TCPHDR_RST | L.TCPHDR_ACK,
        window: 0,
        checksum: 0x20c5,
      }),
    );
  });

  it("lays out options as tcp_options_write: SACK blocks after NOP,NOP,TS, clamped to the space left", () => {
    const base = {
      sport: 8080,
      dport: 49172,
      seq: 1,
      ack: 2,
      window: 64,
      flags: L.TCPHDR_ACK,
      tsval: 0x11223344,
      tsecr: 0x55667788,
      sackCount: 3,
      sack: [100, 200, 300, 400, 500, 600, 700, 800],
    };
    const hdr = (doff: number) => `1f90c014 00000001 00000002 ${doff.toString(16)}0 10 0040 0000 0000`;
    const ts = "0101080a 11223344 55667788";
    const blocks = (n: number) =>
      ["00000064000000c8", "0000012c00000190", "000001f400000258", "000002bc00000320"].slice(0, n).join("");
    const cases: [Partial<TcpRepr>, string][] = [
      [{ opt: L.TCPO_TS | L.TCPO_SACK }, `${hdr(15)} ${ts} 0101051a ${blocks(3)}`],
      [{ opt: L.TCPO_TS | L.TCPO_SACK, sackCount: 4 }, `${hdr(15)} ${ts} 0101051a ${blocks(3)}`],
      [{ opt: L.TCPO_SACK, sackCount: 4 }, `${hdr(14)} 01010522 ${blocks(4)}`],
      [{ opt: L.TCPO_SACK, sackCount: 1 }, `${hdr(8)} 0101050a ${blocks(1)}`],
      [{ opt: L.TCPO_TS }, `${hdr(8)} ${ts}`],
      [{ opt: L.TCPO_TS | L.TCPO_SACK, sackCount: 0 }, `${hdr(8)} ${ts}`],
      [
        { opt: L.TCPO_SACK | L.TCPO_MSS | L.TCPO_TS | L.TCPO_WSCALE, wscale: 7, mss: 1460, sackCount: 3 },
        `${hdr(15)} 020405b4 ${ts} 01030307 01010512 ${blocks(2)}`,
      ],
      [
        { opt: L.TCPO_MSS | L.TCPO_SACK_PERM | L.TCPO_WSCALE, wscale: 7, mss: 1460 },
        `${hdr(8)} 020405b4 01010402 01030307`,
      ],
      [
        { opt: L.TCPO_MSS | L.TCPO_TS | L.TCPO_WSCALE, wscale: 14, mss: 536 },
        `${hdr(10)} 02040218 ${ts} 0103030e`,
      ],
      [{ opt: L.TCPO_SACK_PERM | L.TCPO_TS }, `${hdr(8)} 0402080a 11223344 55667788`],
      [{ opt: 0 }, hdr(5)],
    ];
    for (const [o, want] of cases) {
      const r = tcpRepr({ ...base, ...o });
      const expected = hex(want);
      const { rc, out } = w.emit("tcp", r, 60);
      expect(rc, want).toBe(expected.length);
      expect(out.subarray(0, rc), want).toEqual(expected);
      expect(out[rc]).toBe(0xa5);
      // and back: parsing the bytes and emitting again is the identity
      const back = w.parse("tcp", expected);
      expect(back.rc).toBe(expected.length);
      expect(w.emit("tcp", back.repr, 60).out.subarray(0, rc)).toEqual(expected);
    }
  });

  it("keeps the reserved nibble (AE bit) and the urgent pointer", () => {
    const s = seg(TCP_RST);
    s[12] |= 0x01;
    s[13] |= L.TCPHDR_URG;
    s[18] = 0x12;
    s[19] = 0x34;
    const { repr } = w.parse("tcp", s);
    expect([repr.res, repr.urg, repr.flags & L.TCPHDR_URG]).toEqual([1, 0x1234, L.TCPHDR_URG]);
    expect(w.emit("tcp", repr, 20).out.subarray(0, 20)).toEqual(s);
  });

  it("PKT_TOO_SMALL: under 20 bytes, doff < 5, doff past the segment", () => {
    expect(w.parse("tcp", seg(TCP_RST).subarray(0, 19)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    for (const doff of [0, 1, 4]) {
      const s = seg(TCP_RST);
      s[12] = doff << 4;
      expect(w.parse("tcp", s).rc, `doff ${doff}`).toBe(-L.DROP_PKT_TOO_SMALL);
    }
    expect(w.parse("tcp", seg(TCP_SYN).subarray(0, 39)).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    const s = seg(TCP_RST);
    s[12] = 0x60;
    expect(w.parse("tcp", s).rc).toBe(-L.DROP_PKT_TOO_SMALL);
    // a header of exactly doff * 4 bytes with no payload is whole
    expect(w.parse("tcp", seg(TCP_SYN)).rc).toBe(40);
  });

  it("refuses a short emit buffer and writes nothing", () => {
    const e = w.emit("tcp", SYN(), 39);
    expect(e.rc).toBe(-ENOBUFS);
    expect(e.out).toEqual(new Uint8Array(39 + GUARD).fill(0xa5));
  });
});

describe("tcp checksum (Wasm and twin)", () => {
  it("verifies and fills the captured checksums with the pseudo-header", async () => {
    const core = await freshCore();
    const frames: [string, number, number][] = [
      [TCP_SYN, IP_A, IP_B],
      [TCP_SYNACK, IP_B, IP_A],
      [TCP_DATA, IP_A, IP_B],
      [TCP_RST, IP_B, IP_A],
    ];
    for (const [f, sa, da] of frames) {
      const s = seg(f);
      const want = (s[16] << 8) | s[17];
      expect(tcpChecksumValid(dvOf(s), 0, s.length, sa, da)).toBe(true);
      core.u8.set(s, IN);
      expect(core.x.tcpChecksumValid(IN, s.length, sa, da)).toBe(1);
      expect(core.x.tcpChecksumValid(IN, s.length, sa, da ^ 0x100)).toBe(0);
      expect(tcpChecksumValid(dvOf(s), 0, s.length, sa, da ^ 0x100)).toBe(false);
      core.u8[IN + 16] = 0;
      expect(core.x.tcpChecksumFill(IN, s.length, sa, da)).toBe(want);
      expect(core.u8.slice(IN, IN + s.length)).toEqual(s);
      const t = s.slice();
      t[17] ^= 0xff;
      expect(tcpChecksumValid(dvOf(t), 0, t.length, sa, da)).toBe(false);
      expect(tcpChecksumFill(dvOf(t), 0, t.length, sa, da)).toBe(want);
      expect(t).toEqual(s);
    }
  });
});
