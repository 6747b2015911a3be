// Ethernet II header (IEEE 802.3 clause 3.2.6 with the DIX type field), and one 802.1Q / 802.1ad
// VLAN tag, which is reported (ETH_TPID, ETH_TCI) and skipped. A second tag (QinQ) is not dissected:
// its 0x8100 shows as the ethertype and the frame dispatches as an unhandled protocol.
// Linux: net/ethernet/eth.c eth_type_trans(), net/core/dev.c __netif_receive_skb_core().
//
// The frame check sequence is not part of the bytes we see (as with Linux's sockets and pcap), and
// Ethernet's minimum-frame padding is left to the L3 parser, whose own length field decides.
import { DROP_PKT_TOO_SMALL } from "../dropreason";
import { ETH_DST, ETH_SRC, ETH_TCI, ETH_TPID, ETH_TYPE } from "../memory";
import { copyMac, EMIT_NO_ROOM, ld16, st16 } from "./be";

// Field offsets in the header.
const DST: u32 = 0;
const SRC: u32 = 6;
const TYPE: u32 = 12;
const VLAN_TCI: u32 = 14; // when TYPE holds a tag's TPID
const VLAN_TYPE: u32 = 16;
export const ETH_HLEN: u32 = 14;
export const VLAN_HLEN: u32 = 4;

export const ETH_P_IP: u32 = 0x0800;
export const ETH_P_ARP: u32 = 0x0806;
export const ETH_P_8021Q: u32 = 0x8100;
export const ETH_P_8021AD: u32 = 0x88a8;
export const ETH_P_IPV6: u32 = 0x86dd;
export const ETH_P_802_3_MIN: u32 = 0x0600; // below this the field is an 802.3 length

@inline export function ethType(p: usize): u32 {
  return ld16(p + TYPE);
}

/**
 * Parses the link header at ptr into the ETH repr. Returns the header length (14, or 18 with a
 * tag), or -DROP_PKT_TOO_SMALL when the frame is shorter than its header.
 */
@inline export function ethernetParse(ptr: usize, len: u32, repr: usize): i32 {
  if (len < ETH_HLEN) return -(<i32>DROP_PKT_TOO_SMALL);
  copyMac(repr + ETH_DST, ptr + DST);
  copyMac(repr + ETH_SRC, ptr + SRC);
  const type = ld16(ptr + TYPE);
  if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
    store<u16>(repr + ETH_TPID, <u16>type);
    if (len < ETH_HLEN + VLAN_HLEN) {
      store<u16>(repr + ETH_TYPE, 0);
      store<u16>(repr + ETH_TCI, 0);
      return -(<i32>DROP_PKT_TOO_SMALL);
    }
    store<u16>(repr + ETH_TCI, <u16>ld16(ptr + VLAN_TCI));
    store<u16>(repr + ETH_TYPE, <u16>ld16(ptr + VLAN_TYPE));
    return <i32>(ETH_HLEN + VLAN_HLEN);
  }
  store<u16>(repr + ETH_TYPE, <u16>type);
  store<u16>(repr + ETH_TPID, 0);
  store<u16>(repr + ETH_TCI, 0);
  return <i32>ETH_HLEN;
}

/** Writes the link header (tagged when ETH_TPID != 0). Returns its length or EMIT_NO_ROOM. */
export function ethernetEmit(repr: usize, ptr: usize, cap: u32): i32 {
  const tpid = <u32>load<u16>(repr + ETH_TPID);
  const hlen = tpid ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
  if (cap < hlen) return EMIT_NO_ROOM;
  copyMac(ptr + DST, repr + ETH_DST);
  copyMac(ptr + SRC, repr + ETH_SRC);
  if (tpid) {
    st16(ptr + TYPE, tpid);
    st16(ptr + VLAN_TCI, <u32>load<u16>(repr + ETH_TCI));
    st16(ptr + VLAN_TYPE, <u32>load<u16>(repr + ETH_TYPE));
  } else {
    st16(ptr + TYPE, <u32>load<u16>(repr + ETH_TYPE));
  }
  return <i32>hlen;
}
