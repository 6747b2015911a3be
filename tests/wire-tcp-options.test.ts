// TCP option parsing exactly as Linux's tcp_parse_options() (net/ipv4/tcp_input.c): EOL ends the
// list; NOP is skipped; a length below 2 ("silly options") or past the option space ("partial
// options") stops parsing without dropping the segment (TCPO_MALFORMED, FRAMEF_TCP_OPTS_MALFORMED);
// a known option with the wrong length is ignored; an unknown option is skipped by its length.
import { beforeAll, describe, expect, it } from "vitest";
import * as L from "../src/generated/layout.js";
import { tcpChecksumFill } from "../src/twin/wire/tcp.js";
import { freshCore } from "./helpers/core.js";
import {
  buildFrame,
  ethRepr,
  hex,
  IP_A,
  IP_B,
  ipRepr,
  MAC_A,
  MAC_B,
  twinFrameInfo,
  WIRE_IMPLS,
  type WireImpl,
  wasmFrameInfo,
} from "./helpers/wire.js";

/** A 20-byte TCP header (ACK, doff from the options) followed by `opts` (a multiple of 4 bytes). */
function segment(opts: string): Uint8Array {
  const o = hex(opts);
  if (o.length % 4) throw new Error("options must fill whole words");
  const s = new Uint8Array(20 + o.length);
  s.set(hex("9c40 0050 00000001 00000002 00 10 ffff 0000 0000"));
  s[12] = ((20 + o.length) / 4) << 4;
  s.set(o, 20);
  return s;
}

interface Want {
  opt: number;
  mss?: number;
  wscale?: number;
  ts?: [number, number];
  sack?: number[];
}

const { TCPO_MSS: MSS, TCPO_WSCALE: WS, TCPO_SACK_PERM: SP, TCPO_TS: TS, TCPO_SACK: SACK } = L;
const { TCPO_UNKNOWN: UNK, TCPO_MALFORMED: BAD } = L;

const cases: [string, string, Want][] = [
  // well formed
  [
    "Linux SYN layout",
    "020405b4 0402080a 00000001 00000000 01030307",
    { opt: MSS | SP | TS | WS, mss: 1460, wscale: 7, ts: [1, 0] },
  ],
  ["aligned timestamp (fast path)", "0101080a 11223344 55667788", { opt: TS, ts: [0x11223344, 0x55667788] }],
  ["timestamp not aligned", "080a1122 33445566 77880101", { opt: TS, ts: [0x11223344, 0x55667788] }],
  ["SACK, 1 block", "0101050a 00000064 000000c8", { opt: SACK, sack: [100, 200] }],
  [
    "SACK, 4 blocks",
    "01010522 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008",
    { opt: SACK, sack: [1, 2, 3, 4, 5, 6, 7, 8] },
  ],
  ["trailing NOPs", "020405b4 01010101", { opt: MSS, mss: 1460 }],
  ["the last of a repeated option wins", "02040100 02040200", { opt: MSS, mss: 0x200 }],
  ["MSS 0 is recorded as sent", "02040000", { opt: MSS, mss: 0 }],
  ["window scale above 14 is recorded as sent", "0103030f", { opt: WS, wscale: 15 }],
  // EOL
  ["EOL first: nothing parsed, not malformed", "00020405 b4000000", { opt: 0 }],
  ["EOL ends the list", "020405b4 00030307", { opt: MSS, mss: 1460 }],
  ["bytes after EOL are not read even if silly", "01000001 02000000", { opt: 0 }],
  // silly and partial options: parsing stops, the segment is kept
  ["silly: length 0", "01010800 020405b4", { opt: BAD }],
  ["silly: length 1 after a good MSS", "020405b4 05010000", { opt: MSS | BAD, mss: 1460 }],
  ["partial: length past the option space", "020405b4 080a0000", { opt: MSS | BAD, mss: 1460 }],
  ["partial: length 255", "02ff05b4", { opt: BAD }],
  ["partial: a lone kind byte at the end", "01010102", { opt: BAD }],
  ["a lone unknown kind byte at the end", "010101fe", { opt: BAD }],
  ["silly option hides a later timestamp", "0402 0501 080a 0000 0001 0000 0002 0000", { opt: SP | BAD }],
  // known options with the wrong length: ignored, parsing goes on
  ["MSS of length 3 ignored, next MSS read", "02030501 020405b4", { opt: MSS, mss: 1460 }],
  ["MSS of length 6 ignored", "02060000 05b40101", { opt: 0 }],
  ["window scale of length 4 ignored", "03040700 01030307", { opt: WS, wscale: 7 }],
  ["SACK-permitted of length 3 ignored", "04030001", { opt: 0 }],
  ["timestamp of length 8 ignored", "08080000 00010000 01010101", { opt: 0 }],
  ["SACK of length 9 ignored", "05090000 00010000 00010101", { opt: 0 }],
  ["SACK with no block ignored", "01010502", { opt: 0 }],
  // unknown options are skipped by their length
  ["unknown kind skipped", "fe041234 020405b4", { opt: UNK | MSS, mss: 1460 }],
  ["MD5 signature (19) skipped", "1312 00000000 00000000 00000000 00000000 0101", { opt: UNK }],
  ["unknown of length 2", "1e020101 0103030a", { opt: UNK | WS, wscale: 10 }],
];

describe.each(WIRE_IMPLS)("tcp_parse_options cases (%s)", (_name, make) => {
  let w: WireImpl;
  beforeAll(async () => {
    w = await make();
  });

  it.each(cases)("%s", (_case, opts, want) => {
    const s = segment(opts);
    const { rc, repr } = w.parse("tcp", s);
    expect(rc).toBe(s.length); // never a drop
    expect(repr.opt).toBe(want.opt);
    if (want.mss !== undefined) expect(repr.mss).toBe(want.mss);
    if (want.wscale !== undefined) expect(repr.wscale).toBe(want.wscale);
    if (want.ts) expect([repr.tsval, repr.tsecr]).toEqual(want.ts);
    else expect([repr.tsval, repr.tsecr]).toEqual([0, 0]);
    const sack = want.sack ?? [];
    expect(repr.sackCount).toBe(sack.length / 2);
    expect(repr.sack).toEqual([...sack, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8));
  });
});

describe("malformed options in a whole frame", () => {
  it("keep the frame (reason 0) and set FRAMEF_TCP_OPTS_MALFORMED, in Wasm and twin", async () => {
    const core = await freshCore();
    const s = segment("020405b4 05010000");
    const frame = buildFrame(ethRepr(MAC_B, MAC_A, L.ETH_P_IP), ipRepr(IP_A, IP_B, L.IPPROTO_TCP), {}, s);
    // buildFrame with a raw segment as payload: fix the TCP checksum over it
    const dv = new DataView(frame.buffer);
    tcpChecksumFill(dv, 34, s.length, IP_A, IP_B);
    for (const info of [wasmFrameInfo(core, frame), twinFrameInfo(frame)]) {
      expect(info.reason).toBe(0);
      expect(info.flags & L.FRAMEF_TCP_OPTS_MALFORMED).toBeTruthy();
      expect(info.flags & L.FRAMEF_L4_CSUM_OK).toBeTruthy();
      expect(info.tcp?.options).toEqual({
        mss: 1460,
        sackOk: false,
        sack: [],
        unknown: false,
        malformed: true,
      });
      expect(info.payloadOff).toBe(34 + 28);
      expect(info.payloadLen).toBe(0);
    }
  });
});
