import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodePcapHeader,
  encodePcapRecord,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_RAW,
  PCAP_FILE_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  PcapError,
  PcapWriter,
  pcapRecords,
  readPcap,
  readPcapHeader,
  writePcap,
} from "../src/tools/pcap.js";
import { epochNs, fixtureBytes, tsharkOracle } from "./helpers/linux-fixtures.js";
import { toolGate } from "./helpers/tools.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

const linuxNs = fixtureBytes("linux-ns.pcap");
const linuxUs = fixtureBytes("linux.pcap");
const oracle = tsharkOracle();

/** The same file in big-endian byte order: every header field swapped, packet bytes untouched. */
function toBigEndian(le: Uint8Array): Uint8Array {
  const out = le.slice();
  const src = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const dst = new DataView(out.buffer);
  const swap32 = (o: number) => dst.setUint32(o, src.getUint32(o, true), false);
  const swap16 = (o: number) => dst.setUint16(o, src.getUint16(o, true), false);
  for (const o of [0, 8, 12, 16, 20]) swap32(o);
  swap16(4);
  swap16(6);
  for (let off = PCAP_FILE_HEADER_LEN; off < le.length; ) {
    const cap = src.getUint32(off + 8, true);
    for (let i = 0; i < 16; i += 4) swap32(off + i);
    off += PCAP_RECORD_HEADER_LEN + cap;
  }
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PcapError) return e.code;
    throw e;
  }
  return "no error";
}

describe("pcap header bytes (golden)", () => {
  it("ns magic, Ethernet, default snaplen: what tcpdump --time-stamp-precision=nano writes", () => {
    expect(hex(encodePcapHeader())).toBe(
      "4d3cb2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "01000000",
    );
    expect(hex(encodePcapHeader())).toBe(hex(linuxNs.subarray(0, 24)));
  });
  it("µs magic, raw IP, snaplen 65535", () => {
    expect(hex(encodePcapHeader({ precision: "us", linkType: LINKTYPE_RAW, snaplen: 65535 }))).toBe(
      "d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "65000000",
    );
  });
  it("a record: ts 1.500000123 s, 3 of 5 bytes", () => {
    const d = unhex("010203");
    expect(hex(encodePcapRecord(d, 1_500_000_123n, {}, 5))).toBe(
      "01000000" + "7b65cd1d" + "03000000" + "05000000" + "010203",
    );
    // µs: 500000123 ns -> 500000 µs (truncated)
    expect(hex(encodePcapRecord(d, 1_500_000_123, { precision: "us" }))).toBe(
      "01000000" + "20a10700" + "03000000" + "03000000" + "010203",
    );
  });
  it("snaplen cuts the data and keeps the wire length", () => {
    const r = encodePcapRecord(new Uint8Array(100).fill(7), 0n, { snaplen: 60 });
    expect(r.length).toBe(16 + 60);
    expect(hex(r.subarray(8, 16))).toBe("3c000000" + "64000000");
  });
});

describe("reading the Linux captures", () => {
  it("tcpdump's nanosecond file: header, 17 frames, timestamps and lengths as tshark reads them", () => {
    const f = readPcap(linuxNs);
    expect(f).toMatchObject({
      precision: "ns",
      littleEndian: true,
      versionMajor: 2,
      versionMinor: 4,
      snaplen: 262144,
      linkType: LINKTYPE_ETHERNET,
      fcsLen: 0,
    });
    expect(f.records.length).toBe(oracle.length);
    expect(f.records.length).toBe(17);
    const us = readPcap(linuxUs);
    expect(us.precision).toBe("us");
    f.records.forEach((r, i) => {
      const o = oracle[i];
      expect(r.index).toBe(i);
      expect(r.data.length).toBe(Number(o["frame.cap_len"][0]));
      expect(r.origLen).toBe(Number(o["frame.len"][0]));
      // tshark read the µs file; tcpdump truncated ns to µs when writing it.
      expect((r.tsNs / 1000n) * 1000n).toBe(epochNs(o["frame.time_epoch"][0]));
      expect(us.records[i].tsNs).toBe(epochNs(o["frame.time_epoch"][0]));
      expect(hex(us.records[i].data)).toBe(hex(r.data));
    });
    expect(f.records[0].tsNs % 1000n).not.toBe(0n); // the ns file really has sub-µs digits
  });

  it("records are views into the input, not copies", () => {
    const r = readPcap(linuxNs).records[0];
    expect(r.data.buffer).toBe(linuxNs.buffer);
    expect(r.data.byteOffset).toBe(linuxNs.byteOffset + PCAP_FILE_HEADER_LEN + PCAP_RECORD_HEADER_LEN);
  });

  it("LINKTYPE_RAW (101) and LINKTYPE_IPV4 (228) files written by editcap", () => {
    const eth = readPcap(linuxUs).records.filter((r) => r.data[12] === 0x08 && r.data[13] === 0x00);
    for (const [name, lt] of [
      ["linux-raw.pcap", LINKTYPE_RAW],
      ["linux-ipv4.pcap", LINKTYPE_IPV4],
    ] as const) {
      const f = readPcap(fixtureBytes(name));
      expect(f.linkType).toBe(lt);
      expect(f.records.length).toBe(15);
      f.records.forEach((r, i) => {
        expect(hex(r.data)).toBe(hex(eth[i].data.subarray(14)));
        expect(r.data[0] >> 4).toBe(4);
        expect(r.origLen).toBe(r.data.length + 14); // editcap -C keeps the original length
        expect(r.tsNs).toBe(eth[i].tsNs);
      });
    }
  });

  it("big-endian files (magic a1b2c3d4 / a1b23c4d in network order) read the same", () => {
    for (const le of [linuxUs, linuxNs]) {
      const be = toBigEndian(le);
      expect(hex(be.subarray(0, 4))).toMatch(/^a1b2(c3d4|3c4d)$/);
      const a = readPcap(le);
      const b = readPcap(be);
      expect(b.littleEndian).toBe(false);
      expect(b.precision).toBe(a.precision);
      expect(b.snaplen).toBe(a.snaplen);
      expect(b.linkType).toBe(a.linkType);
      expect(b.records.map((r) => [r.tsNs, r.origLen, hex(r.data)])).toEqual(
        a.records.map((r) => [r.tsNs, r.origLen, hex(r.data)]),
      );
    }
  });

  it("FCS length from the link-type word (bit 26 set, bits 28..31 in 16-bit words)", () => {
    const b = encodePcapHeader();
    new DataView(b.buffer).setUint32(20, LINKTYPE_ETHERNET | (1 << 26) | (2 << 28), true);
    expect(readPcapHeader(b)).toMatchObject({ linkType: 1, fcsLen: 4 });
  });
});

describe("writing", () => {
  it("reproduces tcpdump's files byte for byte (ns and µs)", () => {
    const recs = readPcap(linuxNs).records;
    expect(hex(writePcap(recs))).toBe(hex(linuxNs));
    expect(hex(writePcap(recs, { precision: "us" }))).toBe(hex(linuxUs));
  });

  it("PcapWriter counts and copies", () => {
    const w = new PcapWriter({ precision: "us" });
    const d = new Uint8Array([1, 2, 3]);
    w.add(d, 5_000n).add(d, 6_000);
    d[0] = 9;
    expect(w.count).toBe(2);
    const f = readPcap(w.bytes());
    expect(f.records.map((r) => [r.tsNs, hex(r.data)])).toEqual([
      [5_000n, "010203"],
      [6_000n, "010203"],
    ]);
  });

  it("round-trips any frames, timestamps, precision and snaplen (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            data: fc.uint8Array({ maxLength: 300 }),
            tsNs: fc.bigInt({ min: 0n, max: 0xffff_ffffn * 1_000_000_000n + 999_999_999n }),
            extra: fc.nat(2000),
          }),
          { maxLength: 20 },
        ),
        fc.constantFrom("us", "ns") as fc.Arbitrary<"us" | "ns">,
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(LINKTYPE_ETHERNET, LINKTYPE_RAW),
        (frames, precision, snaplen, linkType) => {
          const bytes = writePcap(
            frames.map((f) => ({ data: f.data, tsNs: f.tsNs, origLen: f.data.length + f.extra })),
            { precision, snaplen, linkType },
          );
          const got = readPcap(bytes);
          expect(got).toMatchObject({ precision, snaplen, linkType, littleEndian: true });
          expect(got.records.length).toBe(frames.length);
          got.records.forEach((r, i) => {
            const f = frames[i];
            expect(hex(r.data)).toBe(hex(f.data.subarray(0, snaplen)));
            expect(r.origLen).toBe(f.data.length + f.extra);
            expect(r.tsNs).toBe(precision === "ns" ? f.tsNs : (f.tsNs / 1000n) * 1000n);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses bad arguments with EPCAP_* codes", () => {
    const d = new Uint8Array(4);
    expect(codeOf(() => encodePcapRecord(d, -1n))).toBe("EPCAP_INVALID_ARG");
    expect(codeOf(() => encodePcapRecord(d, 1.5))).toBe("EPCAP_INVALID_ARG");
    expect(codeOf(() => encodePcapRecord(d, 2n ** 32n * 1_000_000_000n))).toBe("EPCAP_INVALID_ARG");
    expect(codeOf(() => encodePcapRecord(d, 0n, {}, 3))).toBe("EPCAP_INVALID_ARG");
    expect(codeOf(() => new PcapWriter({ linkType: LINKTYPE_IPV4 }))).toBe("EPCAP_LINKTYPE");
    expect(codeOf(() => new PcapWriter({ snaplen: 0 }))).toBe("EPCAP_INVALID_ARG");
    expect(codeOf(() => new PcapWriter({ snaplen: 262145 }))).toBe("EPCAP_INVALID_ARG");
  });
});

describe("truncated and malformed files", () => {
  it("every prefix of a capture: the whole records before the cut, then EPCAP_TRUNCATED", () => {
    const all = readPcap(linuxUs).records;
    const ends = all.map((r) => r.data.byteOffset - linuxUs.byteOffset + r.data.length);
    for (let len = 0; len < linuxUs.length; len++) {
      const cut = linuxUs.subarray(0, len);
      if (len < PCAP_FILE_HEADER_LEN) {
        expect(codeOf(() => readPcap(cut))).toBe("EPCAP_SHORT_HEADER");
        continue;
      }
      const complete = ends.filter((e) => e <= len).length;
      const seen: number[] = [];
      let err: unknown;
      try {
        for (const r of pcapRecords(cut)) seen.push(r.index);
      } catch (e) {
        err = e;
      }
      expect(seen.length).toBe(complete);
      if (len === PCAP_FILE_HEADER_LEN || ends.includes(len)) expect(err).toBeUndefined();
      else {
        expect(err).toBeInstanceOf(PcapError);
        expect((err as PcapError).code).toBe("EPCAP_TRUNCATED");
        expect((err as PcapError).offset).toBe(ends[complete - 1] ?? PCAP_FILE_HEADER_LEN);
      }
    }
  });

  it("the error says where and what", () => {
    const cut = linuxUs.subarray(0, 24 + 16 + 10);
    expect(() => readPcap(cut)).toThrow(/truncated pcap file: record 0 at offset 24 holds 42 bytes, 10 left/);
    expect(() => readPcap(linuxUs.subarray(0, 30))).toThrow(
      /record 0 header at offset 24 needs 16 bytes, 6 left/,
    );
  });

  it("bad magic, pcapng, version, link type, record header fields", () => {
    const h = () => linuxUs.slice(0, 24 + 16 + 42);
    const set = (b: Uint8Array, off: number, v: number) => new DataView(b.buffer).setUint32(off, v, true);
    let b = h();
    set(b, 0, 0xdeadbeef);
    expect(codeOf(() => readPcap(b))).toBe("EPCAP_BAD_MAGIC");
    set(b, 0, 0x0a0d0d0a);
    expect(() => readPcap(b)).toThrow(/pcapng/);
    b = h();
    new DataView(b.buffer).setUint16(4, 1, true);
    expect(codeOf(() => readPcap(b))).toBe("EPCAP_VERSION");
    b = h();
    set(b, 20, 105); // 802.11
    expect(codeOf(() => readPcap(b))).toBe("EPCAP_LINKTYPE");
    expect(() => readPcap(b)).toThrow(/link type 105/);
    b = h();
    set(b, 24 + 4, 1_000_000); // µs fraction of a whole second
    expect(codeOf(() => readPcap(b))).toBe("EPCAP_BAD_RECORD");
    b = h();
    set(b, 24 + 8, 0x7fff_ffff); // caplen beyond any snaplen
    expect(codeOf(() => readPcap(b))).toBe("EPCAP_BAD_RECORD");
    expect(new PcapError("EPCAP_BAD_RECORD", "x")).toBeInstanceOf(Error);
  });

  it("random and mutated bytes give records or a PcapError, never another exception", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.array(fc.tuple(fc.nat(linuxUs.length - 1), fc.nat(255)), { maxLength: 8 }).map((muts) => {
            const b = linuxUs.slice();
            for (const [i, v] of muts) b[i] = v;
            return b;
          }),
        ),
        (bytes) => {
          try {
            readPcap(bytes);
          } catch (e) {
            if (!(e instanceof PcapError)) throw e;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("tshark reads what we write", () => {
  const tshark = toolGate("tshark");
  const tmp = mkdtempSync(join(tmpdir(), "wirestack-pcap-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.runIf(tshark.run)(`ns and µs files, Ethernet and raw IP, cut at a snaplen${tshark.note}`, () => {
    tshark.require();
    const recs = readPcap(linuxNs).records;
    const cases = [
      { name: "ns.pcap", opts: { precision: "ns" as const }, recs },
      { name: "us.pcap", opts: { precision: "us" as const, snaplen: 60 }, recs },
      {
        name: "raw.pcap",
        opts: { linkType: LINKTYPE_RAW },
        recs: recs
          .filter((r) => r.data[12] === 8 && r.data[13] === 0)
          .map((r) => ({ ...r, data: r.data.subarray(14), origLen: r.origLen - 14 })),
      },
    ];
    for (const c of cases) {
      const file = join(tmp, c.name);
      writeFileSync(file, writePcap(c.recs, c.opts));
      const out = execFileSync(
        "tshark",
        [
          "-r",
          file,
          "-T",
          "fields",
          "-e",
          "frame.time_epoch",
          "-e",
          "frame.len",
          "-e",
          "frame.cap_len",
          "-e",
          "ip.src",
          "-e",
          "tcp.srcport",
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      const rows = out
        .trim()
        .split("\n")
        .map((l) => l.split("\t"));
      expect(rows.length, c.name).toBe(c.recs.length);
      rows.forEach((row, i) => {
        const r = c.recs[i];
        const ts = c.opts.precision === "us" ? (r.tsNs / 1000n) * 1000n : r.tsNs;
        expect(epochNs(row[0]), `${c.name} #${i}`).toBe(ts);
        expect(Number(row[1])).toBe(r.origLen);
        expect(Number(row[2])).toBe(Math.min(r.data.length, c.opts.snaplen ?? 1e9));
        const src = oracle.find((o) => epochNs(o["frame.time_epoch"][0]) === (r.tsNs / 1000n) * 1000n)!;
        expect(row[3]).toBe(src["ip.src"]?.join(",") ?? "");
        expect(row[4]).toBe(src["tcp.srcport"]?.[0] ?? "");
      });
    }
  });
});
