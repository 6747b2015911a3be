// libpcap capture files: read and write over Uint8Array (no `node:` imports, so it runs in browsers).
//
// Format (draft-ietf-opsawg-pcap, and libpcap's sf-pcap.c which every tool follows):
//
//   file header (24 bytes)                          record header (16 bytes), then caplen bytes
//   0       4     6     8         12       16       20        0        4         8        12       16
//   +-------+-----+-----+---------+--------+--------+         +--------+---------+--------+--------+
//   | magic | maj | min | thiszone| sigfigs| snaplen| linktype | ts_sec | ts_frac | caplen | origlen|
//   +-------+-----+-----+---------+--------+--------+         +--------+---------+--------+--------+
//
//   magic a1b2c3d4: ts_frac in microseconds; a1b23c4d: nanoseconds. Written in the writer's byte
//   order, so a reader that sees d4c3b2a1 / 4d3cb2a1 swaps every field. linktype: low 16 bits the
//   link type; bit 26 set means bits 28..31 give the FCS length each frame carries at its end.
//   caplen is what the file holds (at most snaplen), origlen what was on the wire.

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** libpcap's MAXIMUM_SNAPLEN: the largest caplen a reader accepts unless the header's snaplen is larger. */
export const PCAP_MAX_SNAPLEN = 262144;

/** Link types (tcpdump.org/linktypes.html). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, told apart by the version nibble
export const LINKTYPE_IPV4 = 228;
const READ_LINKTYPES = [LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4];
const WRITE_LINKTYPES = [LINKTYPE_ETHERNET, LINKTYPE_RAW];

export type PcapErrorCode =
  | "EPCAP_SHORT_HEADER" // fewer than 24 bytes: no file header
  | "EPCAP_BAD_MAGIC" // not a pcap file (or pcapng, which we do not read)
  | "EPCAP_VERSION" // a major version other than 2
  | "EPCAP_LINKTYPE" // a link type we do not read or write
  | "EPCAP_TRUNCATED" // the file ends inside a record header or a record's data
  | "EPCAP_BAD_RECORD" // a record header no writer produces (caplen beyond the limit, ts_frac >= 1 s)
  | "EPCAP_INVALID_ARG"; // a writer argument out of range

/** Any problem with a capture file or a writer argument. `code` is stable; `offset` is the file offset. */
export class PcapError extends Error {
  override readonly name = "PcapError";
  constructor(
    readonly code: PcapErrorCode,
    message: string,
    readonly offset = 0,
  ) {
    super(message);
  }
}

export type PcapPrecision = "us" | "ns";

export interface PcapHeader {
  precision: PcapPrecision;
  /** Byte order the file was written in. */
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  /** GMT to local correction in seconds (always 0 in practice). */
  thiszone: number;
  snaplen: number;
  linkType: number;
  /** FCS bytes at the end of each frame (from the link-type word), usually 0. */
  fcsLen: number;
}

export interface PcapRecord {
  /** 0-based position in the file. */
  index: number;
  /** Timestamp in nanoseconds since the epoch (µs files give multiples of 1000). */
  tsNs: bigint;
  /** The bytes the file holds: a view into the input, not a copy. */
  data: Uint8Array;
  /** Length on the wire; larger than data.length when the capture was cut at snaplen. */
  origLen: number;
}

export interface PcapFile extends PcapHeader {
  records: PcapRecord[];
}

/** Parses and checks the 24-byte file header. */
export function readPcapHeader(bytes: Uint8Array): PcapHeader {
  if (bytes.length < PCAP_FILE_HEADER_LEN)
    throw new PcapError(
      "EPCAP_SHORT_HEADER",
      `not a pcap file: ${bytes.length} bytes, a pcap file header alone is ${PCAP_FILE_HEADER_LEN}`,
    );
  const dv = view(bytes);
  const magicLE = dv.getUint32(0, true);
  let littleEndian: boolean;
  let precision: PcapPrecision;
  if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC) {
    littleEndian = true;
    precision = magicLE === PCAP_MAGIC_NSEC ? "ns" : "us";
  } else {
    const magicBE = dv.getUint32(0, false);
    if (magicBE !== PCAP_MAGIC_USEC && magicBE !== PCAP_MAGIC_NSEC) {
      const what = magicLE === 0x0a0d0d0a ? " (a pcapng file: convert it with `editcap -F pcap`)" : "";
      throw new PcapError(
        "EPCAP_BAD_MAGIC",
        `not a pcap file: magic 0x${hex32(magicBE)}, expected a1b2c3d4 or a1b23c4d${what}`,
      );
    }
    littleEndian = false;
    precision = magicBE === PCAP_MAGIC_NSEC ? "ns" : "us";
  }
  const versionMajor = dv.getUint16(4, littleEndian);
  const versionMinor = dv.getUint16(6, littleEndian);
  if (versionMajor !== PCAP_VERSION_MAJOR)
    throw new PcapError(
      "EPCAP_VERSION",
      `pcap version ${versionMajor}.${versionMinor} is not supported (only 2.x)`,
      4,
    );
  const word = dv.getUint32(20, littleEndian);
  const linkType = word & 0xffff;
  const fcsLen = word & (1 << 26) ? (word >>> 28) * 2 : 0; // the field counts 16-bit words
  if (!READ_LINKTYPES.includes(linkType))
    throw new PcapError(
      "EPCAP_LINKTYPE",
      `link type ${linkType} is not supported (read: 1 Ethernet, 101 raw IP, 228 IPv4)`,
      20,
    );
  return {
    precision,
    littleEndian,
    versionMajor,
    versionMinor,
    thiszone: dv.getInt32(8, littleEndian),
    snaplen: dv.getUint32(16, littleEndian),
    linkType,
    fcsLen,
  };
}

/**
 * The records of a capture, one at a time. Throws a PcapError where the file goes wrong, after
 * yielding every record before that point (so a tool can show them, as tcpdump does).
 */
export function* pcapRecords(bytes: Uint8Array, header = readPcapHeader(bytes)): Generator<PcapRecord> {
  const dv = view(bytes);
  const le = header.littleEndian;
  const fracMax = header.precision === "ns" ? 1_000_000_000 : 1_000_000;
  const fracToNs = header.precision === "ns" ? 1n : 1000n;
  const capMax = Math.max(header.snaplen, PCAP_MAX_SNAPLEN);
  let off = PCAP_FILE_HEADER_LEN;
  for (let index = 0; off < bytes.length; index++) {
    if (bytes.length - off < PCAP_RECORD_HEADER_LEN)
      throw new PcapError(
        "EPCAP_TRUNCATED",
        `truncated pcap file: record ${index} header at offset ${off} needs ${PCAP_RECORD_HEADER_LEN} bytes, ` +
          `${bytes.length - off} left`,
        off,
      );
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const capLen = dv.getUint32(off + 8, le);
    const origLen = dv.getUint32(off + 12, le);
    if (frac >= fracMax)
      throw new PcapError(
        "EPCAP_BAD_RECORD",
        `bad pcap record ${index} at offset ${off}: timestamp fraction ${frac} is not below ${fracMax}`,
        off,
      );
    if (capLen > capMax)
      throw new PcapError(
        "EPCAP_BAD_RECORD",
        `bad pcap record ${index} at offset ${off}: caplen ${capLen} exceeds the maximum ${capMax}`,
        off,
      );
    const start = off + PCAP_RECORD_HEADER_LEN;
    if (bytes.length - start < capLen)
      throw new PcapError(
        "EPCAP_TRUNCATED",
        `truncated pcap file: record ${index} at offset ${off} holds ${capLen} bytes, ` +
          `${bytes.length - start} left`,
        off,
      );
    yield {
      index,
      tsNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * fracToNs,
      data: bytes.subarray(start, start + capLen),
      origLen,
    };
    off = start + capLen;
  }
}

/** Reads a whole capture; throws a PcapError on any problem. */
export function readPcap(bytes: Uint8Array): PcapFile {
  const header = readPcapHeader(bytes);
  return { ...header, records: [...pcapRecords(bytes, header)] };
}

export interface PcapWriterOptions {
  /** LINKTYPE_ETHERNET (default) or LINKTYPE_RAW. */
  linkType?: number;
  /** Longest caplen; longer frames are cut (origLen keeps their length). Default 262144. */
  snaplen?: number;
  /** Timestamp resolution of the file: "ns" (magic a1b23c4d, default) or "us" (a1b2c3d4). */
  precision?: PcapPrecision;
}

/** The 24-byte file header, little-endian. */
export function encodePcapHeader(opts: PcapWriterOptions = {}): Uint8Array {
  const linkType = opts.linkType ?? LINKTYPE_ETHERNET;
  const snaplen = opts.snaplen ?? PCAP_MAX_SNAPLEN;
  if (!WRITE_LINKTYPES.includes(linkType))
    throw new PcapError(
      "EPCAP_LINKTYPE",
      `cannot write link type ${linkType} (write: 1 Ethernet, 101 raw IP)`,
    );
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > PCAP_MAX_SNAPLEN)
    throw new PcapError("EPCAP_INVALID_ARG", `snaplen ${snaplen} is not in 1..${PCAP_MAX_SNAPLEN}`);
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  const dv = view(out);
  dv.setUint32(0, opts.precision === "us" ? PCAP_MAGIC_USEC : PCAP_MAGIC_NSEC, true);
  dv.setUint16(4, PCAP_VERSION_MAJOR, true);
  dv.setUint16(6, PCAP_VERSION_MINOR, true);
  dv.setInt32(8, 0, true); // thiszone
  dv.setUint32(12, 0, true); // sigfigs
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, linkType, true);
  return out;
}

const MAX_TS_NS = 0xffff_ffffn * 1_000_000_000n + 999_999_999n;

/**
 * One record (header and data, cut to snaplen), little-endian. `tsNs` is in nanoseconds (the
 * engine's virtual clock); a µs file keeps whole microseconds (truncated, as tcpdump does).
 */
export function encodePcapRecord(
  data: Uint8Array,
  tsNs: bigint | number,
  opts: PcapWriterOptions = {},
  origLen = data.length,
): Uint8Array {
  const ts = typeof tsNs === "bigint" ? tsNs : Number.isInteger(tsNs) ? BigInt(tsNs) : -1n;
  if (ts < 0n || ts > MAX_TS_NS)
    throw new PcapError("EPCAP_INVALID_ARG", `timestamp ${tsNs} ns is not an integer in 0..${MAX_TS_NS}`);
  if (!Number.isInteger(origLen) || origLen < data.length || origLen > 0xffff_ffff)
    throw new PcapError("EPCAP_INVALID_ARG", `origLen ${origLen} is below the data length ${data.length}`);
  const capLen = Math.min(data.length, opts.snaplen ?? PCAP_MAX_SNAPLEN);
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN + capLen);
  const dv = view(out);
  const sec = ts / 1_000_000_000n;
  const ns = ts % 1_000_000_000n;
  dv.setUint32(0, Number(sec), true);
  dv.setUint32(4, Number(opts.precision === "us" ? ns / 1000n : ns), true);
  dv.setUint32(8, capLen, true);
  dv.setUint32(12, origLen, true);
  out.set(data.subarray(0, capLen), PCAP_RECORD_HEADER_LEN);
  return out;
}

/** Collects records in memory; `bytes()` returns the whole file. */
export class PcapWriter {
  private readonly opts: PcapWriterOptions;
  private readonly chunks: Uint8Array[];
  private size: number;

  constructor(opts: PcapWriterOptions = {}) {
    this.opts = { ...opts };
    const header = encodePcapHeader(this.opts);
    this.chunks = [header];
    this.size = header.length;
  }

  /** Number of records added. */
  get count(): number {
    return this.chunks.length - 1;
  }

  /** Adds one frame (copied). `origLen` defaults to the data length. */
  add(data: Uint8Array, tsNs: bigint | number, origLen = data.length): this {
    const rec = encodePcapRecord(data, tsNs, this.opts, origLen);
    this.chunks.push(rec);
    this.size += rec.length;
    return this;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** A whole file from records, in one call. */
export function writePcap(
  records: Iterable<{ data: Uint8Array; tsNs: bigint | number; origLen?: number }>,
  opts: PcapWriterOptions = {},
): Uint8Array {
  const w = new PcapWriter(opts);
  for (const r of records) w.add(r.data, r.tsNs, r.origLen);
  return w.bytes();
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
