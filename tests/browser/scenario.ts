// One program run twice by tests/browser/chromium.test.ts: in Node on dist/src/node.js and in Chromium
// on dist/src/browser.js. It takes the package's exports as an argument and imports nothing at run
// time (the test's server hands it to the page through TypeScript's transpileModule), so both runs
// execute the same code; each returns plain data for the test to compare.
import type { Core } from "../../src/core/wasm.js";
import type * as Wirestack from "../../src/index.js";

/** The package's exports as both entries give them (loadCore's options differ per platform). */
export type Api = Pick<typeof Wirestack, "AF_INET" | "SOCK_STREAM" | "World" | "layout"> & {
  loadCore(): Promise<Core>;
};

/** Bytes to run through the core, as hex strings (they cross page.evaluate as JSON). */
export interface ScenarioInput {
  rfc1071: string; // RFC 1071 section 3 example bytes
  ipv4Header: string; // an IPv4 header with a valid checksum
  bulk: string; // a longer span, summed at several alignments (the SIMD path)
  frame: string; // an Ethernet/IPv4/TCP frame
}

export interface ChecksumResult {
  rfc1071: { partial: number; folded: number };
  ipv4: { verify: number; recomputed: number };
  bulk: { align: number; partial: number; folded: number }[];
}

export interface FrameResult {
  rc: number;
  reason: number;
  flags: number;
  len: number;
  ethertype: number;
  l3Off: number;
  l4Off: number;
  payloadLen: number;
  eth: { dst: number; src: number; type: number };
  ipv4: {
    ihl: number;
    ttl: number;
    totalLen: number;
    id: number;
    proto: number;
    saddr: number;
    daddr: number;
  };
  tcp: {
    sport: number;
    dport: number;
    seq: number;
    ack: number;
    flags: number;
    window: number;
    mss: number;
    wscale: number;
    tsval: number;
    tsecr: number;
  };
}

export interface TcpEchoResult {
  log: string[];
  nowNs: number;
  nrSockets: number;
  drops: Record<string, number>;
  snmp: Record<string, Record<string, Record<string, number>>>;
}

export interface ScenarioResult {
  checksum: ChecksumResult;
  frame: FrameResult;
  tcp: TcpEchoResult;
}

function bytesOf(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Checksums through the core's csumPartial / csumFold / ipFastCsum over bytes put in STAGING. */
export function checksums(api: Api, core: Core, input: ScenarioInput): ChecksumResult {
  const { STAGING_OFFSET } = api.layout;
  const x = core.x;
  const put = (b: Uint8Array, align: number): number => {
    core.u8.set(b, STAGING_OFFSET + align);
    return STAGING_OFFSET + align;
  };
  const rfc = bytesOf(input.rfc1071);
  const p = put(rfc, 0);
  const partial = x.csumPartial(p, rfc.length, 0) >>> 0;
  const hdr = bytesOf(input.ipv4Header);
  const verify = x.ipFastCsum(put(hdr, 0), hdr.length >> 2);
  hdr[10] = 0;
  hdr[11] = 0;
  const recomputed = x.ipFastCsum(put(hdr, 0), hdr.length >> 2);
  const bulkBytes = bytesOf(input.bulk);
  const bulk = [0, 1, 3, 16].map((align) => {
    const s = x.csumPartial(put(bulkBytes, align), bulkBytes.length, 0) >>> 0;
    return { align, partial: s, folded: x.csumFold(s) };
  });
  return { rfc1071: { partial, folded: x.csumFold(partial) }, ipv4: { verify, recomputed }, bulk };
}

/** parseFrame of a frame in STAGING into a FRAME struct after it, read back by the layout's offsets. */
export function parse(api: Api, core: Core, input: ScenarioInput): FrameResult {
  const L = api.layout;
  const bytes = bytesOf(input.frame);
  const at = L.STAGING_OFFSET;
  const out = L.STAGING_OFFSET + L.STAGING_SIZE - L.FRAME_SIZE;
  core.u8.set(bytes, at);
  const rc = core.x.parseFrame(at, bytes.length, out);
  const dv = core.dv;
  const u8 = (o: number) => dv.getUint8(out + o);
  const u16 = (o: number) => dv.getUint16(out + o, true);
  const u32 = (o: number) => dv.getUint32(out + o, true);
  // a MAC is kept in wire order in the repr; as a 48-bit number, first byte most significant
  const mac = (o: number) => dv.getUint16(out + o) * 0x1_0000_0000 + dv.getUint32(out + o + 2);
  const ip = L.FRAME_L3;
  const tcp = L.FRAME_L4;
  return {
    rc,
    reason: u32(L.FRAME_REASON),
    flags: u32(L.FRAME_FLAGS),
    len: u32(L.FRAME_LEN),
    ethertype: u16(L.FRAME_ETHERTYPE),
    l3Off: u16(L.FRAME_L3_OFF),
    l4Off: u16(L.FRAME_L4_OFF),
    payloadLen: u32(L.FRAME_PAYLOAD_LEN),
    eth: {
      dst: mac(L.FRAME_ETH + L.ETH_DST),
      src: mac(L.FRAME_ETH + L.ETH_SRC),
      type: u16(L.FRAME_ETH + L.ETH_TYPE),
    },
    ipv4: {
      ihl: u8(ip + L.IPV4_IHL),
      ttl: u8(ip + L.IPV4_TTL),
      totalLen: u16(ip + L.IPV4_TOTAL_LEN),
      id: u16(ip + L.IPV4_ID),
      proto: u8(ip + L.IPV4_PROTO),
      saddr: u32(ip + L.IPV4_SADDR),
      daddr: u32(ip + L.IPV4_DADDR),
    },
    tcp: {
      sport: u16(tcp + L.TCP_SPORT),
      dport: u16(tcp + L.TCP_DPORT),
      seq: u32(tcp + L.TCP_SEQ),
      ack: u32(tcp + L.TCP_ACK),
      flags: u8(tcp + L.TCP_FLAGS),
      window: u16(tcp + L.TCP_WINDOW),
      mss: u16(tcp + L.TCP_MSS),
      wscale: u8(tcp + L.TCP_WSCALE),
      tsval: u32(tcp + L.TCP_TSVAL),
      tsecr: u32(tcp + L.TCP_TSECR),
    },
  };
}

/** The README's TCP example (two hosts, one cable, an echo server and a client) on the virtual clock. */
export async function tcpEcho(api: Api): Promise<TcpEchoResult> {
  const { AF_INET, SOCK_STREAM, World, loadCore } = api;
  const log: string[] = [];
  const console = { log: (s: string) => log.push(s) };
  // README:begin
  const world = new World(await loadCore(), { seed: 1 });
  const client = world.addHost("client");
  const server = world.addHost("server");
  world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24", { latencyNs: 1_000_000 });

  const echod = server.spawn("echod", async (sys) => {
    const fd = sys.socket(AF_INET, SOCK_STREAM);
    sys.bind(fd, { family: AF_INET, addr: "0.0.0.0", port: 7 });
    sys.listen(fd, 128);
    const conn = await sys.accept(fd); // sleeps until the handshake completes
    const buf = new Uint8Array(1500);
    for (;;) {
      const n = await sys.recv(conn, buf);
      if (n === 0) break; // the client's FIN
      await sys.send(conn, buf.subarray(0, n));
    }
    await sys.close(conn); // FIN
  });
  const curl = client.spawn("client", async (sys) => {
    const fd = sys.socket(AF_INET, SOCK_STREAM);
    await sys.connect(fd, { family: AF_INET, addr: "10.0.0.2", port: 7 });
    await sys.send(fd, new TextEncoder().encode("hello over TCP"));
    const buf = new Uint8Array(64);
    const n = await sys.recv(fd, buf);
    const ms = (world.kernel.now() / 1e6).toFixed(3);
    console.log(`${new TextDecoder().decode(buf.subarray(0, n))} after ${ms} ms`); // 6.006 ms
    await sys.close(fd);
  });
  await world.wait(echod, curl);
  // README:end
  const snmp: TcpEchoResult["snmp"] = {};
  for (const h of [client, server]) snmp[h.name] = { Ip: h.net.snmp.groups.Ip, Tcp: h.net.snmp.groups.Tcp };
  return {
    log,
    nowNs: world.kernel.now(),
    nrSockets: world.kernel.nrSockets,
    drops: world.core.drops(),
    snmp,
  };
}

/** All three parts, each on a fresh core. */
export async function runScenario(api: Api, input: ScenarioInput): Promise<ScenarioResult> {
  const checksum = checksums(api, await api.loadCore(), input);
  const frame = parse(api, await api.loadCore(), input);
  const tcp = await tcpEcho(api);
  return { checksum, frame, tcp };
}
