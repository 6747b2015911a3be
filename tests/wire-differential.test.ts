// Differential properties (fast-check): the Wasm parsers and emitters against their TypeScript twins.
// Random bytes into every parser and into parseFrame / parseIpPacket / parseBatch (never a trap, the
// same verdict and the same fields); random valid frames built by emit (verdict 0, fields as
// generated); the same frames damaged byte by byte; random reprs through both emitters.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { FrameFields, frameInfo, readFrame, readFrameFields } from "../src/core/frame.js";
import type { Core } from "../src/core/wasm.js";
import * as L from "../src/generated/layout.js";
import { csumFold, csumPartial } from "../src/twin/wire/csum.js";
import { parseFrameAt } from "../src/twin/wire/frame.js";
import { freshCore } from "./helpers/core.js";
import { dvOf, type Proto, type ReprOf, twinWire, type WireImpl, wasmWire } from "./helpers/wire.js";
import {
  arpArb,
  emittedSackBlocks,
  ethArb,
  icmpArb,
  ipArb,
  mutate,
  mutationArb,
  tcpArb,
  udpArb,
  validFrameArb,
} from "./helpers/wire-arb.js";

const RUNS = 300;

let core: Core;
let wasm: WireImpl;
beforeAll(async () => {
  core = await freshCore();
  wasm = wasmWire(core);
});

const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 160 });
const protos: Proto[] = ["eth", "arp", "ipv4", "icmp", "udp", "tcp"];

/** Bytes that start like the header `p` often enough to reach past the first checks. */
function shaped(p: Proto): fc.Arbitrary<Uint8Array> {
  const lead: Record<Proto, number[]> = {
    eth: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00],
    arp: [0, 1, 8, 0, 6, 4, 0, 1],
    ipv4: [0x45],
    icmp: [3, 0],
    udp: [],
    tcp: [],
  };
  return fc.tuple(bytesArb, fc.boolean()).map(([b, useLead]) => {
    if (!useLead || lead[p].length > b.length) return b;
    const c = b.slice();
    c.set(lead[p]);
    if (p === "tcp" && c.length >= 20) c[12] = (5 + (c[12] % 11)) << 4; // doff 5..15
    return c;
  });
}

/** TCP headers whose option space is a random sequence of option-like tokens (kinds Linux knows,
 *  lengths right, wrong, silly or too long), so tcp_parse_options' every branch is reached. */
const tcpOptionsArb = fc
  .array(
    fc.tuple(
      fc.constantFrom(0, 1, 1, 2, 3, 4, 5, 8, 19, 30, 34, 254, 255),
      fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 10, 18, 26, 34, 40), fc.integer({ min: 0, max: 255 })),
      fc.uint8Array({ maxLength: 40 }),
    ),
    { maxLength: 12 },
  )
  .chain((tokens) => {
    const opts: number[] = [];
    for (const [kind, len, body] of tokens) {
      opts.push(kind);
      if (kind > 1) opts.push(len, ...body.subarray(0, Math.max(0, len - 2)));
    }
    return fc
      .tuple(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.integer({ min: 0, max: 10 }),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([h, words, tail]) => {
        const optLen = Math.min(40, Math.max(words * 4, Math.ceil(opts.length / 4) * 4));
        const seg = new Uint8Array(20 + optLen + tail.length);
        seg.set(h);
        seg.set(opts.slice(0, optLen), 20);
        seg.set(tail, 20 + optLen);
        seg[12] = (((20 + optLen) / 4) << 4) | (h[12] & 0xf);
        return seg;
      });
  });

function sameFrame(bytes: Uint8Array, raw = false): void {
  const w = wasm.frame(bytes, raw);
  const t = twinWire.frame(bytes, raw);
  expect(w.rc).toBe(t.rc);
  expect(w.f).toEqual(t.f);
  expect(frameInfo(w.f)).toEqual(frameInfo(t.f));
}

describe("random bytes: Wasm and twin agree, nothing traps", () => {
  it.each(protos)("%sParse", (p) => {
    fc.assert(
      fc.property(shaped(p), (b) => {
        const w = wasm.parse(p, b);
        const t = twinWire.parse(p, b);
        expect(w.rc).toBe(t.rc);
        expect(w.repr).toEqual(t.repr);
      }),
      { numRuns: RUNS },
    );
  });

  it("tcpParse on option-shaped bytes", () => {
    fc.assert(
      fc.property(tcpOptionsArb, (b) => {
        const w = wasm.parse("tcp", b);
        const t = twinWire.parse("tcp", b);
        expect(w.rc).toBe((b[12] >> 4) * 4); // options never drop the segment
        expect(w.rc).toBe(t.rc);
        expect(w.repr).toEqual(t.repr);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("parseFrame on random bytes after a plausible Ethernet/IPv4 prefix", () => {
    const prefix = fc.constantFrom(
      [],
      [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45],
      [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4],
      [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0, 1, 0x08, 0x00, 0x45],
    );
    fc.assert(
      fc.property(prefix, bytesArb, (pre, b) => {
        const c = new Uint8Array(pre.length + b.length);
        c.set(pre);
        c.set(b, pre.length);
        sameFrame(c);
      }),
      { numRuns: RUNS },
    );
  });

  it("parseIpPacket on random bytes", () => {
    fc.assert(
      fc.property(shaped("ipv4"), (b) => sameFrame(b, true)),
      { numRuns: RUNS },
    );
  });
});

describe("random valid frames (built by emit)", () => {
  it("pass every check with the fields they were built from, in Wasm and twin", () => {
    fc.assert(
      fc.property(validFrameArb, (v) => {
        const w = wasm.frame(v.bytes);
        const t = twinWire.frame(v.bytes);
        expect(w.f).toEqual(t.f);
        const f = w.f;
        expect(f.reason).toBe(0);
        expect(f.eth.src).toBe(v.eth.src);
        expect(f.eth.dst).toBe(v.eth.dst);
        expect(f.eth.tpid).toBe(v.eth.tpid);
        if (v.kind === "arp") {
          expect(f.flags & L.FRAMEF_ARP).toBeTruthy();
          expect(f.arp).toEqual(v.arp);
          return;
        }
        const ip = v.ip!;
        expect(f.flags & (L.FRAMEF_IP_CSUM_OK | L.FRAMEF_L4_CSUM_OK)).toBe(
          L.FRAMEF_IP_CSUM_OK | L.FRAMEF_L4_CSUM_OK,
        );
        expect([f.ipv4.saddr, f.ipv4.daddr, f.ipv4.id, f.ipv4.ttl, f.ipv4.tos, f.ipv4.fragOff]).toEqual([
          ip.saddr,
          ip.daddr,
          ip.id,
          ip.ttl,
          ip.tos,
          ip.fragOff,
        ]);
        expect(f.payloadLen).toBe(v.payloadLen);
        expect(f.payloadOff + f.payloadLen).toBe(f.l3Off + ip.totalLen);
        if (v.tcp) {
          const r = v.tcp;
          const n = emittedSackBlocks(r);
          const got = f.tcp;
          expect([got.sport, got.dport, got.seq, got.ack, got.flags, got.window, got.urg, got.res]).toEqual([
            r.sport,
            r.dport,
            r.seq,
            r.ack,
            r.flags,
            r.window,
            r.urg,
            r.res,
          ]);
          expect(got.opt).toBe(n ? r.opt : r.opt & ~L.TCPO_SACK);
          if (r.opt & L.TCPO_MSS) expect(got.mss).toBe(r.mss);
          if (r.opt & L.TCPO_WSCALE) expect(got.wscale).toBe(r.wscale);
          if (r.opt & L.TCPO_TS) expect([got.tsval, got.tsecr]).toEqual([r.tsval, r.tsecr]);
          expect(got.sackCount).toBe(n);
          expect(got.sack.slice(0, 2 * n)).toEqual(r.sack.slice(0, 2 * n));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("damaged (bytes flipped, cut, extended): Wasm and twin give the same verdict and fields", () => {
    fc.assert(
      fc.property(validFrameArb, mutationArb, (v, m) => sameFrame(mutate(v.bytes, m))),
      { numRuns: RUNS * 2 },
    );
  });

  it("damaged raw IP packets through parseIpPacket", () => {
    fc.assert(
      fc.property(validFrameArb, mutationArb, (v, m) => {
        const l3 = v.eth.tpid ? 18 : 14;
        sameFrame(mutate(v.bytes.slice(l3), m), true);
      }),
      { numRuns: RUNS },
    );
  });

  it("parseBatch: each FRAME equals the twin's, the count is the frames with reason 0", () => {
    const desc = L.STAGING_OFFSET + 200 * 1024;
    const twin = new FrameFields();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(validFrameArb, mutationArb, fc.boolean()), { minLength: 1, maxLength: 24 }),
        (xs) => {
          const frames = xs.map(([v, m, damage]) => (damage ? mutate(v.bytes, m) : v.bytes));
          let at = L.STAGING_OFFSET;
          frames.forEach((fr, i) => {
            core.u8.set(fr, at);
            core.dv.setUint32(desc + 8 * i, at, true);
            core.dv.setUint32(desc + 8 * i + 4, fr.length, true);
            at += fr.length + 1;
          });
          const n = core.x.parseBatch(desc, frames.length, L.FRAME_OUT_OFFSET);
          let ok = 0;
          frames.forEach((fr, i) => {
            // one twin FrameFields reused across frames, as the benchmark does
            const rc = parseFrameAt(dvOf(fr), 0, fr.length, twin);
            if (rc === 0) ok++;
            const addr = L.FRAME_OUT_OFFSET + i * L.FRAME_SIZE;
            expect(readFrameFields(core, addr)).toEqual(twin);
            expect(readFrame(core, addr)).toEqual(frameInfo(twin));
          });
          expect(n).toBe(ok);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("the twins' checksum", () => {
  it("folds to the Wasm csumPartial's value for any offset and length (chunking past 32 KiB too)", () => {
    const buf = new Uint8Array(70_000);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
    core.u8.set(buf, L.STAGING_OFFSET);
    const dv = dvOf(buf);
    fc.assert(
      fc.property(fc.nat(69_000), fc.oneof(fc.nat(100), fc.nat(70_000)), (off, n) => {
        const len = Math.min(n, buf.length - off);
        const w = core.x.csumFold(core.x.csumPartial(L.STAGING_OFFSET + off, len, 0)) & 0xffff;
        expect(csumFold(csumPartial(dv, off, len, 0))).toBe(w);
      }),
      { numRuns: 200 },
    );
    expect(csumFold(csumPartial(dv, 0, 0, 0))).toBe(0xffff);
  });
});

describe("random reprs through both emitters", () => {
  const arbs: { [P in Proto]: fc.Arbitrary<ReprOf[P]> } = {
    eth: ethArb,
    arp: arpArb,
    ipv4: ipArb.chain((r) =>
      fc.integer({ min: 0, max: 0xffff }).map((totalLen) => Object.assign(r, { totalLen })),
    ),
    icmp: icmpArb,
    udp: udpArb,
    tcp: tcpArb,
  };
  it.each(protos)("%sEmit: same bytes, same length, nothing past it; parse gives the repr back", (p) => {
    fc.assert(
      fc.property(arbs[p] as fc.Arbitrary<ReprOf[typeof p]>, fc.integer({ min: 0, max: 64 }), (r, cap) => {
        const w = wasm.emit(p, r, cap);
        const t = twinWire.emit(p, r, cap);
        expect(w.rc).toBe(t.rc);
        expect(w.out).toEqual(t.out);
        if (w.rc < 0) return;
        expect(w.out.subarray(w.rc).every((x) => x === 0xa5)).toBe(true);
        if (p === "eth" || p === "arp" || p === "udp") {
          const back = wasm.parse(p, w.out.subarray(0, w.rc)).repr;
          expect(back).toEqual(r);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
