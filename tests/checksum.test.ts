import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/core/wasm.js";
import { CSUM_SIMD_MIN, STAGING_OFFSET } from "../src/generated/layout.js";
import * as twin from "../src/twin/checksum.js";
import { hex, partialImpls, randomBytes, refSum, stage } from "./helpers/checksum.js";
import { freshCore } from "./helpers/core.js";

// RFC 1071 section 3, "Numerical Examples": the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2, checksum 220d.
const RFC1071_BYTES = hex("00 01 f2 03 f4 f5 f6 f7");

// A classic IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199) whose checksum field holds b861.
const IPV4_HDR = hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");

// 10.0.0.1:40000 -> 10.0.0.2:80, PSH|ACK, NOP NOP TS options, 13-byte payload "Hello, world!" (odd
// length). Built and summed by hand in Python (RFC 1071 over pseudo-header + segment) and checked by
// `tcpdump -vv -r`, which printed "cksum 0x5760 (correct)" for the TCP checksum and accepted the IP
// header checksum 0a6f.
const TCP_IP_HDR = hex("4500 0041 1c46 4000 4006 0a6f 0a00 0001 0a00 0002");
const TCP_SEG = hex(
  "9c40 0050 1122 3344 5566 7788 8018 01f6 5760 0000 0101 080a 0a0b 0c0d 0102 0304" +
    "4865 6c6c 6f2c 2077 6f72 6c64 21",
);
const SADDR = 0x0a00_0001;
const DADDR = 0x0a00_0002;
const IPPROTO_TCP = 6;

function withField(bytes: Uint8Array, off: number, v: number): Uint8Array {
  const b = bytes.slice();
  b[off] = v >>> 8;
  b[off + 1] = v & 0xff;
  return b;
}

let core: Core;
beforeAll(async () => {
  core = await freshCore();
});

describe("csumPartial: golden values", () => {
  it("RFC 1071 section 3 example sums to ddf2 (checksum 220d) in every implementation", () => {
    for (const [name, f] of partialImpls(core)) {
      for (const align of [0, 1, 2, 3, 7]) {
        const p = stage(core, RFC1071_BYTES, align);
        expect(f(p, 8, 0), `${name} align ${align}`).toBe(0xddf2);
        expect(core.x.csumFold(f(p, 8, 0)), name).toBe(0x220d);
      }
    }
    expect(twin.csumPartial(RFC1071_BYTES, 0, 8, 0)).toBe(0xddf2);
  });

  it("an IPv4 header verifies (ipFastCsum 0) and its checksum recomputes to b861", () => {
    const p = stage(core, IPV4_HDR);
    expect(core.x.ipFastCsum(p, 5)).toBe(0);
    expect(twin.ipFastCsum(IPV4_HDR, 0, 5)).toBe(0);
    const zeroed = withField(IPV4_HDR, 10, 0);
    for (const [name, f] of partialImpls(core)) {
      const q = stage(core, zeroed, 3);
      expect(core.x.csumFold(f(q, 20, 0)), name).toBe(0xb861);
    }
    const bad = stage(core, withField(IPV4_HDR, 10, 0xb862));
    expect(core.x.ipFastCsum(bad, 5)).not.toBe(0);
  });

  it("a TCP segment with pseudo-header verifies and recomputes to 5760 (checked by tcpdump)", () => {
    const ip = stage(core, TCP_IP_HDR);
    expect(core.x.ipFastCsum(ip, 5)).toBe(0);
    const len = TCP_SEG.length;
    for (const [name, f] of partialImpls(core)) {
      for (const align of [0, 1, 2, 5]) {
        const p = stage(core, TCP_SEG, align);
        expect(core.x.csumTcpudpMagic(SADDR, DADDR, len, IPPROTO_TCP, f(p, len, 0)), name).toBe(0);
        const q = stage(core, withField(TCP_SEG, 16, 0), align);
        expect(core.x.csumTcpudpMagic(SADDR, DADDR, len, IPPROTO_TCP, f(q, len, 0)), name).toBe(0x5760);
        // the pseudo-header sum may also be the incoming sum of the segment's
        const pseudo = core.x.csumTcpudpNofold(SADDR, DADDR, len, IPPROTO_TCP, 0) >>> 0;
        expect(core.x.csumFold(f(q, len, pseudo)), name).toBe(0x5760);
      }
    }
    const q = withField(TCP_SEG, 16, 0);
    const partial = twin.csumPartial(q, 0, len, 0);
    expect(twin.csumTcpudpMagic(SADDR, DADDR, len, IPPROTO_TCP, partial)).toBe(0x5760);
  });

  it("an odd final byte is the high byte of a word", () => {
    const p = stage(core, hex("ab"), 1);
    for (const [name, f] of partialImpls(core)) expect(f(p, 1, 0), name).toBe(0xab00);
  });

  it("a zero-length span returns the incoming sum unchanged", () => {
    for (const [name, f] of partialImpls(core)) {
      for (const s of [0, 1, 0xffff, 0x1234_5678, 0xffff_ffff]) {
        expect(f(STAGING_OFFSET + 5, 0, s), name).toBe(s);
      }
    }
    expect(twin.csumPartial(new Uint8Array(0), 0, 0, 77)).toBe(77);
  });

  it("the incoming sum is added with end-around carry", () => {
    const p = stage(core, RFC1071_BYTES);
    for (const [name, f] of partialImpls(core)) {
      expect(f(p, 8, 0xffff_ffff), name).toBe(0xddf2); // 0xffffffff + 0xddf2 -> 0xddf1 + carry
      expect(f(p, 8, 0x1_0000), name).toBe(0x1_ddf2);
    }
  });

  it("odd lengths and odd start addresses agree with the byte-pair oracle (0..200 bytes, align 0..15)", () => {
    const bytes = randomBytes(256, 7);
    for (let align = 0; align < 16; align++) {
      const p = stage(core, bytes, align);
      for (let len = 0; len <= 200; len++) {
        const want = refSum(bytes, 0, len);
        for (const [name, f] of partialImpls(core)) {
          const got = f(p, len, 0);
          if (got !== want) expect(got, `${name} align ${align} len ${len}`).toBe(want);
        }
      }
    }
  });

  it("lengths around the scalar/SIMD switch (CSUM_SIMD_MIN) agree", () => {
    const bytes = randomBytes(CSUM_SIMD_MIN + 64, 11);
    for (const align of [0, 1]) {
      const p = stage(core, bytes, align);
      for (let len = CSUM_SIMD_MIN - 17; len <= CSUM_SIMD_MIN + 17; len++) {
        for (const [name, f] of partialImpls(core)) expect(f(p, len, 0), name).toBe(refSum(bytes, 0, len));
      }
    }
  });

  it("64 KiB: all-ones sums to ffff (checksum 0), all-zero to 0 (checksum ffff), random as the oracle", () => {
    const n = 64 * 1024;
    for (const [fill, sum] of [
      [0xff, 0xffff],
      [0x00, 0],
    ] as const) {
      const p = stage(core, new Uint8Array(n).fill(fill), 1);
      for (const [name, f] of partialImpls(core)) expect(f(p, n, 0), `${name} fill ${fill}`).toBe(sum);
    }
    const bytes = randomBytes(n + 1, 3);
    for (const align of [0, 3]) {
      const p = stage(core, bytes, align);
      for (const len of [n, n + 1, n - 1]) {
        for (const [name, f] of partialImpls(core)) expect(f(p, len, 0), name).toBe(refSum(bytes, 0, len));
      }
    }
  });

  it("spans larger than one SIMD block (over 256 KiB) agree: extremes of every lane", async () => {
    const big = await freshCore();
    const n = 1024 * 1024 + 77;
    const p = big.x.arenaAlloc(n + 16);
    expect(p).not.toBe(0);
    for (const bytes of [new Uint8Array(n).fill(0xff), new Uint8Array(n), randomBytes(n, 5)]) {
      big.u8.set(bytes, p + 1);
      const want = refSum(bytes);
      for (const [name, f] of partialImpls(big)) expect(f(p + 1, n, 0), name).toBe(want);
    }
  });

  it("a span running past the end of memory is cut there instead of trapping", () => {
    const end = core.x.memory.buffer.byteLength;
    core.u8.set([0x12, 0x34, 0x56], end - 3);
    for (const [name, f] of partialImpls(core)) {
      expect(f(end - 3, 100, 0), name).toBe(0x1234 + 0x5600);
      expect(f(end - 3, 0xffff_ffff, 0), name).toBe(0x1234 + 0x5600);
      expect(f(end, 16, 9), name).toBe(9);
      expect(f(0xffff_fff0, 64, 9), name).toBe(9);
    }
  });
});

describe("pseudo-header and folding", () => {
  it("csumTcpudpNofold adds addresses, protocol and length as 16-bit words", () => {
    // 0a00 + 0001 + 0a00 + 0002 + 0006 + 002d = 0x1436
    expect(core.x.csumTcpudpNofold(SADDR, DADDR, 45, 6, 0) >>> 0).toBe(0x1436);
    expect(twin.csumTcpudpNofold(SADDR, DADDR, 45, 6, 0)).toBe(0x1436);
    expect(core.x.csumTcpudpNofold(0xffff_ffff, 0xffff_ffff, 0xffff, 0xff, 0xffff_ffff) >>> 0).toBe(
      twin.csumTcpudpNofold(0xffff_ffff, 0xffff_ffff, 0xffff, 0xff, 0xffff_ffff),
    );
  });

  it("csumFold folds twice and complements; csumAdd/csumSub carry end-around", () => {
    expect(core.x.csumFold(0x0001_ffff)).toBe(0xfffe);
    expect(core.x.csumFold(0xffff_ffff)).toBe(0);
    expect(core.x.csumFold(0)).toBe(0xffff);
    expect(core.x.csumAdd(0xffff_ffff, 1) >>> 0).toBe(1);
    expect(core.x.csumSub(5, 3) >>> 0).toBe(2);
    expect(twin.csumAdd(0xffff_ffff, 1)).toBe(1);
    expect(twin.csumSub(5, 3)).toBe(2);
  });
});

describe("incremental update (RFC 1624)", () => {
  it("RFC 1624 section 4 example: eqn. 3 gives 0x0000 where eqn. 2 gives 0xffff", () => {
    expect(core.x.csumReplace2(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
    expect(twin.csumReplace2(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it("TTL decrement of a real header equals recomputation", () => {
    // TTL 64 -> 63 changes the word (TTL, protocol) 0x4006 -> 0x3f06
    const check = (TCP_IP_HDR[10] << 8) | TCP_IP_HDR[11];
    const next = core.x.csumReplace2(check, 0x4006, 0x3f06);
    const hdr = withField(withField(TCP_IP_HDR, 8, 0x3f06), 10, next);
    expect(core.x.ipFastCsum(stage(core, hdr), 5)).toBe(0);
    expect(next).toBe(refSum(withField(withField(TCP_IP_HDR, 8, 0x3f06), 10, 0)) ^ 0xffff);
  });

  it("NAT: rewriting the source address updates IP and TCP checksums as recomputation does", () => {
    const newSaddr = 0xc0a8_0a21; // 192.168.10.33
    const ipCheck = (TCP_IP_HDR[10] << 8) | TCP_IP_HDR[11];
    const tcpCheck = (TCP_SEG[16] << 8) | TCP_SEG[17];
    const ip2 = core.x.csumReplace4(ipCheck, SADDR, newSaddr);
    const tcp2 = core.x.csumReplace4(tcpCheck, SADDR, newSaddr); // the address is in the pseudo-header
    expect(twin.csumReplace4(ipCheck, SADDR, newSaddr)).toBe(ip2);
    const hdr = TCP_IP_HDR.slice();
    new DataView(hdr.buffer).setUint32(12, newSaddr);
    new DataView(hdr.buffer).setUint16(10, ip2);
    expect(core.x.ipFastCsum(stage(core, hdr), 5)).toBe(0);
    const seg = withField(TCP_SEG, 16, 0);
    const p = stage(core, seg);
    expect(core.x.csumTcpudpMagic(newSaddr, DADDR, seg.length, 6, core.x.csumPartial(p, seg.length, 0))).toBe(
      tcp2,
    );
  });

  it("an unchanged field leaves the checksum as it was (0xffff, -0, becomes 0x0000)", () => {
    for (const check of [0, 1, 0x1234, 0xfffe]) {
      expect(core.x.csumReplace2(check, 0x5555, 0x5555)).toBe(check);
      expect(core.x.csumReplace4(check, 0x5555_aaaa, 0x5555_aaaa)).toBe(check);
    }
    expect(core.x.csumReplace2(0xffff, 0x5555, 0x5555)).toBe(0);
  });

  it("csumBlockAdd joins the sums of two spans split at an odd offset", () => {
    const p = stage(core, RFC1071_BYTES);
    const a = core.x.csumPartial(p, 3, 0) >>> 0;
    const b = core.x.csumPartial(p + 3, 5, 0) >>> 0;
    expect(core.x.csumFold(core.x.csumBlockAdd(a, b, 3))).toBe(0x220d);
    expect(core.x.csumFold(twin.csumBlockAdd(a, b, 3))).toBe(0x220d);
    expect(core.x.csumFold(core.x.csumAdd(a, b))).not.toBe(0x220d); // without the rotation it is wrong
    const whole = core.x.csumPartial(p, 8, 0) >>> 0;
    expect(core.x.csumFold(core.x.csumBlockSub(whole, b, 3))).toBe(core.x.csumFold(a));
  });
});
