// Why a frame was dropped: one list, named as Linux's include/net/dropreason-core.h
// (SKB_DROP_REASON_<NAME> there is DROP_<NAME> here). scripts/gen-layout.mjs derives the host's name
// table from these exports, and each reason has a u64 counter at COUNTERS_OFFSET + reason * 8.
// Values are ours (Linux renumbers across versions); names are Linux's.

export const DROP_NOT_DROPPED_YET: u32 = 0;
export const DROP_NOT_SPECIFIED: u32 = 1;
export const DROP_PKT_TOO_SMALL: u32 = 2; // shorter than its headers or its stated length
export const DROP_UNHANDLED_PROTO: u32 = 3; // ethertype or IP protocol we do not handle
export const DROP_OTHERHOST: u32 = 4; // destination MAC not ours
export const DROP_MAC_INVALID: u32 = 5; // source MAC multicast / malformed link header
export const DROP_IP_INHDR: u32 = 6; // bad version, IHL, total length (InHdrErrors)
export const DROP_IP_CSUM: u32 = 7; // IPv4 header checksum (InCsumErrors)
export const DROP_IP_INADDRERRORS: u32 = 8; // not for us and not forwarding (InAddrErrors)
export const DROP_IP_NOPROTO: u32 = 9; // no handler for the protocol (InUnknownProtos)
export const DROP_IP_FRAGMENT: u32 = 10; // fragment: reassembly not built
export const DROP_IP_TTL: u32 = 11; // TTL expired while forwarding
export const DROP_TCP_CSUM: u32 = 12;
export const DROP_UDP_CSUM: u32 = 13;
export const DROP_ICMP_CSUM: u32 = 14;
export const DROP_TCP_HDR: u32 = 15; // doff < 5 or beyond the segment (Linux counts it as PKT_TOO_SMALL + InErrs)
export const DROP_ARP_INVALID: u32 = 16; // hardware/protocol type or lengths we do not speak
export const DROP_NO_SOCKET: u32 = 17;
export const DROP_SOCKET_RCVBUFF: u32 = 18;
export const DROP_TCP_FLAGS: u32 = 19;
export const DROP_TCP_OLD_SEQUENCE: u32 = 20;
export const DROP_TCP_INVALID_SEQUENCE: u32 = 21;
export const DROP_TCP_OVERWINDOW: u32 = 22;
export const DROP_TCP_RESET: u32 = 23;
export const DROP_NOMEM: u32 = 24; // no skb or buffer could be allocated
export const DROP_FULL_RING: u32 = 25; // device RX ring full
export const DROP_NEIGH_FAILED: u32 = 26; // ARP resolution failed
export const DROP_NEIGH_QUEUEFULL: u32 = 27;
export const DROP_IP_OUTNOROUTES: u32 = 28;
export const DROP_DEV_READY: u32 = 29; // device down
export const DROP_SOCKET_FILTER: u32 = 30;
export const DROP_ICMP_INVALID: u32 = 31; // ICMP too short or a type we reject
export const DROP_IP_INVALID_SOURCE: u32 = 32; // martian source off the wire (127/8, multicast, broadcast, 0/8)
export const DROP_IP_LOCALNET: u32 = 33; // a 127/8 destination off the wire (route_localnet = 0)
export const DROP_REASON_MAX: u32 = 34;
