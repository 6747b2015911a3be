// `wirestack bench parse`: whole-frame dissection of 64-byte Ethernet / IPv4 / TCP frames (IPv4
// header checksum and TCP checksum with the pseudo-header verified, options parsed), in batches of 256
// different frames.
//   wasm-batch  one parseBatch call per batch: 256 FRAME structs written in linear memory (the frames
//               and their (ptr, len) descriptors sit in STAGING); ops = frames
//   ts          the twin (src/twin/wire/frame.ts parseFrameAt) over the same frames in a plain
//               ArrayBuffer through one DataView, writing into one reused FrameFields, as a competent
//               TypeScript parser would (no allocation per frame)
import { EthRepr, FrameFields, Ipv4Repr, TcpRepr } from "../../src/core/frame.js";
import {
  ETH_P_IP,
  FRAME_OUT_MAX,
  FRAME_OUT_OFFSET,
  IP_DF,
  IPPROTO_TCP,
  STAGING_OFFSET,
  TCPHDR_ACK,
  TCPHDR_PSH,
  TCPHDR_SYN,
  TCPO_MSS,
  TCPO_WSCALE,
} from "../../src/generated/layout.js";
import { loadCore } from "../../src/node.js";
import { ethernetEmit } from "../../src/twin/wire/ethernet.js";
import { parseFrameAt } from "../../src/twin/wire/frame.js";
import { ipv4Emit } from "../../src/twin/wire/ipv4.js";
import { tcpChecksumFill, tcpEmit } from "../../src/twin/wire/tcp.js";
import type { BenchCase, Suite } from "../harness.js";
import { xorshift } from "../rng.js";

const FRAME_LEN = 64;
const BATCH = FRAME_OUT_MAX; // 256

/**
 * `count` different valid 64-byte frames, back to back: Ethernet, IPv4 (20 bytes), TCP with no
 * options (10 payload bytes), with MSS (6 payload bytes), or a SYN with MSS + NOP,WSCALE (2).
 */
export function benchFrames(count: number): Uint8Array {
  const out = new Uint8Array(count * FRAME_LEN);
  const dv = new DataView(out.buffer);
  const r = xorshift(0x5eed);
  for (let i = 0; i < count; i++) {
    const base = i * FRAME_LEN;
    const eth = Object.assign(new EthRepr(), {
      dst: 0x02_00_00_00_00_02,
      src: 0x02_00_00_00_00_00 + (r() & 0xffff),
      type: ETH_P_IP,
    });
    const saddr = 0x0a00_0000 | (r() & 0xffff);
    const daddr = 0x0a01_0001;
    const tcp = Object.assign(new TcpRepr(), {
      sport: 1024 + (r() % 60000),
      dport: 80 + (i % 4),
      seq: r(),
      ack: r(),
      window: r() & 0xffff,
      flags: TCPHDR_ACK | (i % 3 === 0 ? TCPHDR_PSH : 0),
    });
    const shape = i % 3;
    if (shape === 1) {
      tcp.opt = TCPO_MSS;
      tcp.mss = 1460;
    } else if (shape === 2) {
      tcp.flags = TCPHDR_SYN;
      tcp.opt = TCPO_MSS | TCPO_WSCALE;
      tcp.mss = 1460;
      tcp.wscale = 7;
    }
    const l3 = base + ethernetEmit(eth, dv, base, FRAME_LEN);
    const l4 = l3 + 20;
    const hlen = tcpEmit(tcp, dv, l4, FRAME_LEN);
    for (let p = l4 + hlen; p < base + FRAME_LEN; p++) out[p] = r() & 0xff;
    const segLen = base + FRAME_LEN - l4;
    const ip = Object.assign(new Ipv4Repr(), {
      ttl: 64,
      id: r() & 0xffff,
      fragOff: IP_DF,
      proto: IPPROTO_TCP,
      totalLen: 20 + segLen,
      saddr,
      daddr,
    });
    ipv4Emit(ip, dv, l3, 20);
    tcpChecksumFill(dv, l4, segLen, saddr, daddr);
  }
  return out;
}

export let sink = 0;

export const parseSuite: Suite = {
  name: "parse",
  description: "whole-frame dissection of 64-byte Ethernet/IPv4/TCP frames: Wasm parseBatch vs the TS twin",
  async cases(): Promise<BenchCase[]> {
    const core = await loadCore();
    const x = core.x;
    const frames = benchFrames(BATCH);
    const framesAt = STAGING_OFFSET;
    const descAt = STAGING_OFFSET + frames.length;
    core.u8.set(frames, framesAt);
    for (let i = 0; i < BATCH; i++) {
      core.dv.setUint32(descAt + 8 * i, framesAt + i * FRAME_LEN, true);
      core.dv.setUint32(descAt + 8 * i + 4, FRAME_LEN, true);
    }
    const twinBuf = new Uint8Array(new ArrayBuffer(frames.length));
    twinBuf.set(frames);
    const dv = new DataView(twinBuf.buffer);
    const f = new FrameFields();

    // Both impls accept every frame before anything is timed.
    const okWasm = x.parseBatch(descAt, BATCH, FRAME_OUT_OFFSET);
    let okTs = 0;
    for (let i = 0; i < BATCH; i++) if (parseFrameAt(dv, i * FRAME_LEN, FRAME_LEN, f) === 0) okTs++;
    if (okWasm !== BATCH || okTs !== BATCH)
      throw new Error(`parse bench frames invalid: wasm ${okWasm}, ts ${okTs}`);

    return [
      {
        case: "64B",
        impl: "wasm-batch",
        ops: BATCH,
        bytes: FRAME_LEN,
        fn: () => {
          sink ^= x.parseBatch(descAt, BATCH, FRAME_OUT_OFFSET);
        },
      },
      {
        case: "64B",
        impl: "ts",
        ops: BATCH,
        bytes: FRAME_LEN,
        fn: () => {
          let ok = 0;
          for (let i = 0; i < BATCH; i++) if (parseFrameAt(dv, i * FRAME_LEN, FRAME_LEN, f) === 0) ok++;
          sink ^= ok ^ f.tcp.seq;
        },
      },
    ];
  },
};
