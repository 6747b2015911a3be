// Writes a FrameFields into a FRAME struct in linear memory, as the core's dissectors leave it: the
// header words always, a repr only when its FRAMEF_* bit says it is present. (The core's parsers may
// also leave partial bytes in absent reprs; readers never look at those, so neither do we.)
import {
  type FrameFields,
  writeArpRepr,
  writeEthRepr,
  writeIcmpRepr,
  writeIpv4Repr,
  writeTcpRepr,
  writeUdpRepr,
} from "../../core/frame.js";
import * as L from "../../generated/layout.js";

export function writeFrameFields(dv: DataView, addr: number, f: FrameFields): void {
  const flags = f.flags;
  dv.setUint32(addr + L.FRAME_REASON, f.reason, true);
  dv.setUint32(addr + L.FRAME_FLAGS, flags, true);
  dv.setUint32(addr + L.FRAME_LEN, f.len, true);
  dv.setUint16(addr + L.FRAME_L3_OFF, f.l3Off, true);
  dv.setUint16(addr + L.FRAME_L4_OFF, f.l4Off, true);
  dv.setUint16(addr + L.FRAME_PAYLOAD_OFF, f.payloadOff, true);
  dv.setUint32(addr + L.FRAME_PAYLOAD_LEN, f.payloadLen, true);
  if (flags & L.FRAMEF_ETH) writeEthRepr(dv, addr + L.FRAME_ETH, f.eth);
  if (flags & L.FRAMEF_ARP) writeArpRepr(dv, addr + L.FRAME_L3, f.arp);
  if (flags & L.FRAMEF_IPV4) writeIpv4Repr(dv, addr + L.FRAME_L3, f.ipv4);
  if (flags & L.FRAMEF_TCP) writeTcpRepr(dv, addr + L.FRAME_L4, f.tcp);
  if (flags & L.FRAMEF_UDP) writeUdpRepr(dv, addr + L.FRAME_L4, f.udp);
  if (flags & L.FRAMEF_ICMP) writeIcmpRepr(dv, addr + L.FRAME_L4, f.icmp);
  // FRAME_ETHERTYPE is the ETH repr's type word: last, so a raw-IP frame (no ETH repr) has it too.
  dv.setUint16(addr + L.FRAME_ETHERTYPE, f.ethertype, true);
}
