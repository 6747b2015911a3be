// Twin of assembly/wire/ethernet.ts over a DataView. Same contract: returns the header length or a
// negative drop reason; emit returns bytes written or EMIT_NO_ROOM.
import type { EthRepr } from "../../core/frame.js";
import { DROP_PKT_TOO_SMALL, ETH_P_8021AD, ETH_P_8021Q } from "../../generated/layout.js";

export const ETH_HLEN = 14;
export const VLAN_HLEN = 4;
/** -ENOBUFS: what every emit returns when `cap` is too small (as the Wasm emits). */
export const EMIT_NO_ROOM = -105;

export function getMac(dv: DataView, off: number): number {
  return dv.getUint16(off) * 0x1_0000_0000 + dv.getUint32(off + 2);
}

export function setMac(dv: DataView, off: number, mac: number): void {
  dv.setUint16(off, Math.floor(mac / 0x1_0000_0000));
  dv.setUint32(off + 2, mac >>> 0);
}

export function ethernetParse(dv: DataView, off: number, len: number, r: EthRepr): number {
  if (len < ETH_HLEN) return -DROP_PKT_TOO_SMALL;
  r.dst = getMac(dv, off);
  r.src = getMac(dv, off + 6);
  const type = dv.getUint16(off + 12);
  if (type === ETH_P_8021Q || type === ETH_P_8021AD) {
    r.tpid = type;
    if (len < ETH_HLEN + VLAN_HLEN) {
      r.type = 0;
      r.tci = 0;
      return -DROP_PKT_TOO_SMALL;
    }
    r.tci = dv.getUint16(off + 14);
    r.type = dv.getUint16(off + 16);
    return ETH_HLEN + VLAN_HLEN;
  }
  r.type = type;
  r.tpid = 0;
  r.tci = 0;
  return ETH_HLEN;
}

export function ethernetEmit(r: EthRepr, dv: DataView, off: number, cap: number): number {
  const hlen = r.tpid ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
  if (cap < hlen) return EMIT_NO_ROOM;
  setMac(dv, off, r.dst);
  setMac(dv, off + 6, r.src);
  if (r.tpid) {
    dv.setUint16(off + 12, r.tpid);
    dv.setUint16(off + 14, r.tci);
    dv.setUint16(off + 16, r.type);
  } else {
    dv.setUint16(off + 12, r.type);
  }
  return hlen;
}
