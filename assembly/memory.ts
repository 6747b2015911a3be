// The memory map: every region of linear memory and every struct layout the core and the host share.
//
// Ownership (who writes which region, when):
//   COUNTERS      Wasm writes (drop reasons, pool failures); the host only reads, for /proc and tests.
//   STAGING       the host writes bytes here before a call (checksum over a span, a frame to parse);
//                 Wasm reads it during the call only. Nothing lives here between calls.
//   FRAME_OUT     Wasm writes one FRAME struct per parsed frame (parseFrame / parseBatch); the host reads
//                 it after the call returns, before the next call.
//   SKB_*         Wasm owns descriptors, free stacks and buffers; the host writes packet bytes only
//                 between skbPut/skbPush and the hand-off to a queue, and reads only what it was handed.
//   ARENA         a bump region above the fixed map for tables sized at run time (rings, flow tables,
//                 epoll); grown with memory.grow, so the host re-derives its views after arenaAlloc.
//
// Every exported `const` below is an immutable Wasm global; scripts/gen-layout.mjs turns them into
// src/generated/layout.ts so the host reads the same numbers and never a literal.
//
//   0          MAP_BASE                                                       ARENA_BASE
//   | AS data  | COUNTERS | STAGING | FRAME_OUT | SKB descs | SKB free | BUF2K ... | BUF64K ... | ARENA ->
//
// The AssemblyScript "stub" runtime keeps its static data (abort messages) below MAP_BASE; the core
// never allocates from the managed heap, and init() checks that __heap_base stays below MAP_BASE.

export const PAGE_SIZE: u32 = 65536;
export const MAP_BASE: u32 = 0x10_0000; // 1 MiB

// ---- COUNTERS: u64 each -------------------------------------------------------------------------
// Drop counters are indexed by drop reason (assembly/dropreason.ts); the others follow them.
export const COUNTER_SIZE: u32 = 8;
export const COUNTERS_MAX: u32 = 256;
export const COUNTERS_OFFSET: u32 = MAP_BASE;
export const COUNTERS_SIZE: u32 = COUNTERS_MAX * COUNTER_SIZE;
// General counters start after the drop-reason block (drop reasons < 128).
export const CNT_DROP_BASE: u32 = 0;
export const CNT_SKB_ALLOC_FAIL: u32 = 128;
export const CNT_BUF2K_ALLOC_FAIL: u32 = 129;
export const CNT_BUF64K_ALLOC_FAIL: u32 = 130;
export const CNT_SKB_OP_REFUSED: u32 = 131; // a checked skb op refused (Linux would BUG: skb_under_panic...)
export const CNT_SKB_DOUBLE_FREE: u32 = 132;
export const CNT_ARENA_FAIL: u32 = 133;

// ---- STAGING: scratch bytes the host fills before a call ------------------------------------------
export const STAGING_OFFSET: u32 = COUNTERS_OFFSET + COUNTERS_SIZE;
export const STAGING_SIZE: u32 = 256 * 1024;

// ---- FRAME: what parseFrame learns about one frame ---------------------------------------------------
//
//   FRAME (160 bytes)
//   0        4        8        12     14     16     18     20         24
//   +--------+--------+--------+------+------+------+------+----------+
//   | reason | flags  | len    | l3off| l4off| poff | ---- | plen     |
//   |  u32   |  u32   |  u32   | u16  | u16  | u16  |      |  u32     |
//   +--------+--------+--------+------+------+------+------+----------+
//   24                      44     48                      80                                160
//   +-----------------------+------+-----------------------+----------------------------------+
//   | ETH repr (ETH_*)      | ---- | L3 repr: IPV4_* or    | L4 repr: TCP_*, UDP_* or ICMP_*  |
//   |  20 bytes             |      |  ARP_*  (32 bytes)    |  (80 bytes)                      |
//   +-----------------------+------+-----------------------+----------------------------------+
//   reason: 0 when the frame is well formed, else a drop reason (assembly/dropreason.ts).
//   flags: FRAMEF_*. FRAMEF_ETH / ARP / IPV4 / TCP / UDP / ICMP say which reprs hold a header's fields
//     (the header's fixed part was in the frame; its checks may still have failed: see reason). The
//     bytes of a repr not flagged present are not written: they hold whatever was there before.
//   len: the bytes handed to the parser. l3off / l4off: where the L3 / L4 headers start (0 until reached).
//   poff / plen: the bytes after the deepest header that passed every check, bounded by the length
//     that layer declares (IPv4 total length, UDP length), so Ethernet padding never counts as payload.
export const FRAME_SIZE: u32 = 160;
export const FRAME_REASON: u32 = 0; // u32 drop reason, 0 = ok
export const FRAME_FLAGS: u32 = 4; // u32 FRAMEF_* bits
export const FRAME_LEN: u32 = 8; // u32 bytes handed to the parser
export const FRAME_L3_OFF: u32 = 12; // u16 offset of the L3 header from the frame start
export const FRAME_L4_OFF: u32 = 14; // u16 offset of the L4 header
export const FRAME_PAYLOAD_OFF: u32 = 16; // u16 offset of the payload
export const FRAME_PAYLOAD_LEN: u32 = 20; // u32 payload bytes
export const FRAME_ETH: u32 = 24; // 24..44: ETH repr
export const FRAME_L3: u32 = 48; // 48..80: IPV4 repr or ARP repr
export const FRAME_L3_SIZE: u32 = 32;
export const FRAME_L4: u32 = 80; // 80..160: TCP, UDP or ICMP repr
export const FRAME_L4_SIZE: u32 = 80;
export const FRAMEF_IP_CSUM_OK: u32 = 1;
export const FRAMEF_L4_CSUM_OK: u32 = 2;
export const FRAMEF_TCP_OPTS_MALFORMED: u32 = 4; // option parsing stopped early (silly or partial option)
export const FRAMEF_IP_FRAGMENT: u32 = 8; // MF set or fragment offset != 0: L4 not dissected
export const FRAMEF_IP_OPTIONS: u32 = 16; // IHL > 5
export const FRAMEF_L4_CSUM_ZERO: u32 = 32; // UDP sent with checksum 0 (not computed)
export const FRAMEF_VLAN: u32 = 64; // an 802.1Q / 802.1ad tag was skipped (ETH_TPID, ETH_TCI)
export const FRAMEF_ETH: u32 = 0x100; // the reprs present ...
export const FRAMEF_ARP: u32 = 0x200;
export const FRAMEF_IPV4: u32 = 0x400;
export const FRAMEF_TCP: u32 = 0x800;
export const FRAMEF_UDP: u32 = 0x1000;
export const FRAMEF_ICMP: u32 = 0x2000;

export const FRAME_OUT_MAX: u32 = 256; // frames per parseBatch call
export const FRAME_OUT_OFFSET: u32 = STAGING_OFFSET + STAGING_SIZE;
export const FRAME_OUT_SIZE: u32 = FRAME_OUT_MAX * FRAME_SIZE;

// ---- sk_buff descriptors ------------------------------------------------------------------------
//
// Linux's "basic sk_buff geometry" (include/linux/skbuff.h), with every pointer but head stored as an
// offset from head:
//
//                                 ---------------
//                                | sk_buff       |
//                                 ---------------
//    ,---------------------------  + head
//   /          ,-----------------  + data
//  /          /      ,-----------  + tail
// |          |      |            , + end
// |          |      |           |
// v          v      v           v
//  -----------------------------------------------
// | headroom | data |  tailroom |                 |
//  -----------------------------------------------
//
//   SKB descriptor (128 bytes)
//   0      4      8      12     16     20     24     26     28     30  31  32     36     40
//   +------+------+------+------+------+------+------+------+------+---+---+------+------+
//   | next | prev | head | end  | data | tail | mac  | net  | tran |cls|flg| users| bufIx|
//   +------+------+------+------+------+------+------+------+------+---+---+------+------+
//   40     44     48            56     60     62  63  64                     112    116    120        128
//   +------+------+-------------+------+------+---+---+----------------------+------+------+----------+
//   |  sk  | dev  | tstamp u64  | hash | proto|pt |sum| cb[48] (TCP_SKB_CB)  | list | ---- | listGen  |
//   +------+------+-------------+------+------+---+---+----------------------+------+------+----------+
//   next/prev: sk_buff_head links (a queue head is laid out like the first 8 bytes of a descriptor).
//   head: absolute address of the data buffer; end/data/tail: u32 offsets from head (end = buffer size).
//   mac/net/tran: header offsets from head (u16, SKB_HDR_UNSET when not set; as Linux, a header mark
//     cannot sit at offset 0xffff or beyond).
//   cls/bufIx: the buffer's pool (BUF_CLASS_*) and index in it, so free finds its dataref.
//   users: descriptor references (skb_get); the buffer's own count is the pool's dataref.
//   list/listGen: the sk_buff_head this skb was linked on and that queue's generation at the time
//     (list = 0 when on none). Linux dropped skb->list; we keep it so unlink and free are checked.
//     The label is exact unless the queue has since been spliced away (a splice bumps the source
//     queue's generation instead of relabelling every skb, to stay O(1)); assembly/skbqueue.ts
//     repairs a stale label lazily when it is needed.
export const SKB_SIZE: u32 = 128;
export const SKB_NEXT: u32 = 0;
export const SKB_PREV: u32 = 4;
export const SKB_HEAD: u32 = 8;
export const SKB_END: u32 = 12;
export const SKB_DATA: u32 = 16;
export const SKB_TAIL: u32 = 20;
export const SKB_MAC_HDR: u32 = 24;
export const SKB_NET_HDR: u32 = 26;
export const SKB_TRANS_HDR: u32 = 28;
export const SKB_BUF_CLASS: u32 = 30; // u8: BUF_CLASS_*
export const SKB_FLAGS: u32 = 31; // u8: SKBF_*
export const SKB_USERS: u32 = 32;
export const SKB_BUF_INDEX: u32 = 36;
export const SKB_SK: u32 = 40;
export const SKB_DEV: u32 = 44;
export const SKB_TSTAMP: u32 = 48; // u64 virtual ns
export const SKB_HASH: u32 = 56;
export const SKB_PROTOCOL: u32 = 60; // u16 ethertype
export const SKB_PKT_TYPE: u32 = 62; // u8 PACKET_HOST ...
export const SKB_IP_SUMMED: u32 = 63; // u8 CHECKSUM_NONE / UNNECESSARY / COMPLETE / PARTIAL
export const SKB_CB: u32 = 64;
export const SKB_CB_SIZE: u32 = 48;
export const SKB_LIST: u32 = 112;
export const SKB_LIST_GEN: u32 = 120; // u64
export const SKB_HDR_UNSET: u32 = 0xffff;
export const SKBF_CLONED: u32 = 1; // Linux skb->cloned: the data buffer is (or was) shared with a clone
export const SKBF_FREED: u32 = 0x80; // set while the descriptor sits on the free stack

//   sk_buff_head (24 bytes): a circular list whose head is its own sentinel, as in Linux.
//   0      4      8      12     16            24
//   +------+------+------+------+-------------+
//   | next | prev | qlen | bytes|  gen (u64)  |
//   +------+------+------+------+-------------+
//   next/prev sit where a descriptor keeps them, so link code treats head and skb alike.
//   qlen: skbs on the queue (Linux qlen). bytes: sum of skbLen over them (Linux keeps no such sum;
//     we keep it for rx_queue/tx_queue reporting). It stays exact when a queued skb changes length.
//   gen: a value from the global queue generation (POOL_SKBQ_GEN), renewed by init and by a splice
//     out of this queue; an skb whose listGen equals its list's gen is certainly on that list.
//   A queue head may live anywhere in memory except inside the descriptor slab.
export const SKBQ_SIZE: u32 = 24;
export const SKBQ_NEXT: u32 = 0;
export const SKBQ_PREV: u32 = 4;
export const SKBQ_QLEN: u32 = 8;
export const SKBQ_BYTES: u32 = 12;
export const SKBQ_GEN: u32 = 16; // u64

export const SKB_COUNT: u32 = 16384;
export const SKB_DESC_OFFSET: u32 = FRAME_OUT_OFFSET + FRAME_OUT_SIZE;
export const SKB_DESC_SIZE: u32 = SKB_COUNT * SKB_SIZE;
export const SKB_FREE_OFFSET: u32 = SKB_DESC_OFFSET + SKB_DESC_SIZE; // u32 stack of free descriptors
export const SKB_FREE_SIZE: u32 = SKB_COUNT * 4;

// ---- data buffer pools --------------------------------------------------------------------------
// Two size classes: 2 KiB holds one Ethernet frame plus headroom; 64 KiB holds a GSO/TSO-sized
// segment or a large datagram. Each class has buffers, a free stack (u32 indices) and a dataref
// count per buffer (Linux keeps dataref in skb_shared_info at the buffer's end; a side array keeps
// the whole buffer usable and makes clone a counter bump).
export const BUF_CLASS_2K: u32 = 1;
export const BUF_CLASS_64K: u32 = 2;
export const BUF2K_SIZE: u32 = 2048;
export const BUF2K_COUNT: u32 = 8192;
export const BUF64K_SIZE: u32 = 65536;
export const BUF64K_COUNT: u32 = 256;

export const BUF2K_OFFSET: u32 = (SKB_FREE_OFFSET + SKB_FREE_SIZE + 0xffff) & ~0xffff;
export const BUF2K_POOL_SIZE: u32 = BUF2K_SIZE * BUF2K_COUNT;
export const BUF64K_OFFSET: u32 = BUF2K_OFFSET + BUF2K_POOL_SIZE;
export const BUF64K_POOL_SIZE: u32 = BUF64K_SIZE * BUF64K_COUNT;
export const BUF2K_FREE_OFFSET: u32 = BUF64K_OFFSET + BUF64K_POOL_SIZE;
export const BUF2K_REF_OFFSET: u32 = BUF2K_FREE_OFFSET + BUF2K_COUNT * 4;
export const BUF64K_FREE_OFFSET: u32 = BUF2K_REF_OFFSET + BUF2K_COUNT * 4;
export const BUF64K_REF_OFFSET: u32 = BUF64K_FREE_OFFSET + BUF64K_COUNT * 4;
export const POOL_STATE_OFFSET: u32 = BUF64K_REF_OFFSET + BUF64K_COUNT * 4;
// Free stacks hold u32 entries, entries [0, top) free; a pop takes entry top-1. The descriptor stack
// holds descriptor addresses, the buffer stacks hold buffer indices (the index into *_REF as well).
// A pool's in-use count is its COUNT minus its top.
// POOL_STATE: u32 words, then the u64 queue generation.
//   0 skbFreeTop | 4 buf2kFreeTop | 8 buf64kFreeTop | 12 arenaTop | 16 initialised magic | 20 ---
//   24 skbqGen (u64): last generation handed to an sk_buff_head (assembly/skbqueue.ts)
export const POOL_STATE_SIZE: u32 = 64;
export const POOL_SKB_TOP: u32 = 0;
export const POOL_BUF2K_TOP: u32 = 4;
export const POOL_BUF64K_TOP: u32 = 8;
export const POOL_ARENA_TOP: u32 = 12;
export const POOL_MAGIC: u32 = 16;
export const POOL_SKBQ_GEN: u32 = 24; // u64

// ---- ARENA: run-time sized tables, bump allocated, grows memory ----------------------------------
export const ARENA_BASE: u32 = (POOL_STATE_OFFSET + POOL_STATE_SIZE + 0xffff) & ~0xffff;
export const ARENA_ALIGN: u32 = 64;

// ==== wire reprs: the parsed form of each header (assembly/wire/*.ts) ===============================
// A repr holds one header's meaningful fields. Multi-byte fields are numeric values (decoded from
// network order): IPv4 10.0.0.1 is the u32 0x0a000001, ports are u16 numbers. MAC addresses are the
// 6 raw bytes in wire order. Each xxxParse in assembly/wire/ writes every field of its repr once the
// header's fixed part is in the buffer (fields it did not find are written as 0), so a repr never
// holds stale values; xxxEmit reads them back.

//   ETH repr (20 bytes; Ethernet II, one optional 802.1Q / 802.1ad tag)
//   0                6                12       14       16       18   20
//   +----------------+----------------+--------+--------+--------+----+
//   | dst MAC [6]    | src MAC [6]    | type   | tpid   | tci    | -- |
//   +----------------+----------------+--------+--------+--------+----+
//   type: the ethertype after any tag (0x0800 IPv4, 0x0806 ARP); < 0x0600 is an 802.3 length.
//   tpid: 0 when untagged, else the tag's type (0x8100 or 0x88a8); tci: PCP(3) DEI(1) VID(12).
export const ETH_REPR_SIZE: u32 = 20;
export const ETH_DST: u32 = 0;
export const ETH_SRC: u32 = 6;
export const ETH_TYPE: u32 = 12;
export const ETH_TPID: u32 = 14;
export const ETH_TCI: u32 = 16;
// The FRAME's ethertype is its ETH repr's type (also set, alone, by parseIpPacket).
export const FRAME_ETHERTYPE: u32 = FRAME_ETH + ETH_TYPE;

//   ARP repr (28 bytes; RFC 826 for Ethernet / IPv4)
//   0      2      4    5    6      8        12       16               22               28
//   +------+------+----+----+------+--------+--------+----------------+----------------+
//   | htype| ptype|hlen|plen|  op  |  spa   |  tpa   |    sha [6]     |    tha [6]     |
//   +------+------+----+----+------+--------+--------+----------------+----------------+
export const ARP_REPR_SIZE: u32 = 28;
export const ARP_HTYPE: u32 = 0; // u16 (1 = Ethernet)
export const ARP_PTYPE: u32 = 2; // u16 (0x0800)
export const ARP_HLEN: u32 = 4; // u8
export const ARP_PLEN: u32 = 5; // u8
export const ARP_OP: u32 = 6; // u16 (1 request, 2 reply)
export const ARP_SPA: u32 = 8; // u32 sender IPv4 address
export const ARP_TPA: u32 = 12; // u32 target IPv4 address
export const ARP_SHA: u32 = 16; // 6 bytes sender MAC
export const ARP_THA: u32 = 22; // 6 bytes target MAC

//   IPV4 repr (24 bytes; RFC 791)
//   0   1   2   3   4        6        8        10  11  12       14       16       20       24
//   +---+---+---+---+--------+--------+--------+---+---+--------+--------+--------+--------+
//   |ver|ihl|tos|ttl| totlen |   id   |fragoff |pro|oln|checksum|  ----  | saddr  | daddr  |
//   +---+---+---+---+--------+--------+--------+---+---+--------+--------+--------+--------+
//   ihl: header length in 32-bit words, as on the wire. oln: option bytes (ihl*4 - 20, 0 when ihl < 5).
//   fragoff: the wire's 16-bit field, as Linux's iph->frag_off: IP_CE 0x8000 | IP_DF 0x4000 |
//   IP_MF 0x2000 | offset in 8-byte units (IP_OFFSET 0x1fff).
export const IPV4_REPR_SIZE: u32 = 24;
export const IPV4_VERSION: u32 = 0; // u8
export const IPV4_IHL: u32 = 1; // u8
export const IPV4_TOS: u32 = 2; // u8
export const IPV4_TTL: u32 = 3; // u8
export const IPV4_TOTAL_LEN: u32 = 4; // u16
export const IPV4_ID: u32 = 6; // u16
export const IPV4_FRAG_OFF: u32 = 8; // u16
export const IPV4_PROTO: u32 = 10; // u8
export const IPV4_OPT_LEN: u32 = 11; // u8
export const IPV4_CHECKSUM: u32 = 12; // u16 as on the wire (numeric)
export const IPV4_SADDR: u32 = 16; // u32
export const IPV4_DADDR: u32 = 20; // u32

//   ICMP repr (24 bytes; RFC 792)
//   0    1    2        4                 8    9    10       12       14     16       20       24
//   +----+----+--------+-----------------+----+----+--------+--------+------+--------+--------+
//   |type|code|checksum| rest of header  |qihl|qpro| qsport | qdport | ---- | qsaddr | qdaddr |
//   +----+----+--------+-----------------+----+----+--------+--------+------+--------+--------+
//   rest: bytes 4..8 as a u32 (echo: id << 16 | seq; redirect: gateway; frag needed: next-hop MTU
//   in the low 16 bits; parameter problem: pointer in the top byte).
//   q*: for error messages (types 3, 4, 5, 11, 12), the quoted original IP header (IHL in words,
//   protocol, addresses) and the first 4 bytes of its payload read as ports; 0 for other types.
//   The quoted header itself starts 8 bytes into the ICMP message (ICMP_HDR_LEN).
export const ICMP_REPR_SIZE: u32 = 24;
export const ICMP_TYPE: u32 = 0; // u8
export const ICMP_CODE: u32 = 1; // u8
export const ICMP_CHECKSUM: u32 = 2; // u16
export const ICMP_REST: u32 = 4; // u32
export const ICMP_Q_IHL: u32 = 8; // u8
export const ICMP_Q_PROTO: u32 = 9; // u8
export const ICMP_Q_SPORT: u32 = 10; // u16
export const ICMP_Q_DPORT: u32 = 12; // u16
export const ICMP_Q_SADDR: u32 = 16; // u32
export const ICMP_Q_DADDR: u32 = 20; // u32

//   UDP repr (8 bytes; RFC 768)
//   0        2        4        6        8
//   +--------+--------+--------+--------+
//   | sport  | dport  |  len   |checksum|
//   +--------+--------+--------+--------+
export const UDP_REPR_SIZE: u32 = 8;
export const UDP_SPORT: u32 = 0;
export const UDP_DPORT: u32 = 2;
export const UDP_LEN: u32 = 4;
export const UDP_CHECKSUM: u32 = 6;

//   TCP repr (68 bytes; RFC 9293, options RFC 7323 / 2018)
//   0      2      4          8          12   13   14     16     18     20  21  22     24  25  26  28
//   +------+------+----------+----------+----+----+------+------+------+---+---+------+---+---+---+
//   |sport |dport |   seq    |   ack    |doff|flgs|window| csum | urg  |res|opt| mss  |ws |nsk|---|
//   +------+------+----------+----------+----+----+------+------+------+---+---+------+---+---+---+
//   28         32         36                                                               68
//   +----------+----------+-------------------------------------------------------------------+
//   |  tsval   |  tsecr   | SACK blocks: 4 x (left u32, right u32)                            |
//   +----------+----------+-------------------------------------------------------------------+
//   doff: header length in 32-bit words. flgs: byte 13 (TCPHDR_*). res: the low nibble of byte 12
//   (reserved bits; bit 0 is the AE / former NS bit). opt: TCPO_* bits for the options seen;
//   mss / ws / tsval / tsecr / the SACK blocks are meaningful only when their bit is set; nsk: SACK
//   blocks stored (0..4). Linux's rules for which options count (MSS, WSCALE and SACK_PERM only on a
//   SYN; TS and SACK only once negotiated) belong to the TCP state machine: the repr records the wire.
export const TCP_REPR_SIZE: u32 = 68;
export const TCP_SPORT: u32 = 0; // u16
export const TCP_DPORT: u32 = 2; // u16
export const TCP_SEQ: u32 = 4; // u32
export const TCP_ACK: u32 = 8; // u32
export const TCP_DOFF: u32 = 12; // u8
export const TCP_FLAGS: u32 = 13; // u8
export const TCP_WINDOW: u32 = 14; // u16 (unscaled, as on the wire)
export const TCP_CHECKSUM: u32 = 16; // u16
export const TCP_URG_PTR: u32 = 18; // u16
export const TCP_RES: u32 = 20; // u8
export const TCP_OPT: u32 = 21; // u8 TCPO_* bits
export const TCP_MSS: u32 = 22; // u16
export const TCP_WSCALE: u32 = 24; // u8 (as sent; Linux clamps values > 14 when it uses them)
export const TCP_SACK_COUNT: u32 = 25; // u8
export const TCP_TSVAL: u32 = 28; // u32
export const TCP_TSECR: u32 = 32; // u32
export const TCP_SACK: u32 = 36; // 4 x (u32 left, u32 right)
export const TCP_SACK_MAX: u32 = 4;
// TCP_OPT bits
export const TCPO_MSS: u32 = 1;
export const TCPO_WSCALE: u32 = 2;
export const TCPO_SACK_PERM: u32 = 4;
export const TCPO_TS: u32 = 8;
export const TCPO_SACK: u32 = 16;
export const TCPO_UNKNOWN: u32 = 32; // an option kind we do not parse was skipped (Linux saw_unknown)
export const TCPO_MALFORMED: u32 = 64; // parsing stopped at a silly or partial option

// ==== device rings (assembly/ring.ts), carved from the ARENA =======================================
//   RING (16 + 4 * size bytes)
//   0      4      8      12     16
//   +------+------+------+------+----------------------------+
//   | head | tail | mask | drops| slots[size]: u32 skb handles|
//   +------+------+------+------+----------------------------+
//   head: next slot the producer fills; tail: next slot the consumer takes (both free-running u32).
export const RING_HEAD: u32 = 0;
export const RING_TAIL: u32 = 4;
export const RING_MASK: u32 = 8;
export const RING_DROPS: u32 = 12;
export const RING_HDR_SIZE: u32 = 16;

// ==== flow tables (assembly/flow/*.ts): carved from the ARENA at run time ==========================
//
// Ownership: Wasm owns every byte below. The host creates tables (it gets back a table pointer, an
// opaque u32), writes FLOWKEY arrays for batched lookups and reads the EH_* header fields for
// statistics; it never writes a table. A table pointer is checked (inside the arena, magic word)
// by every export, so a stale or made-up pointer gets -FLOW_E_INVAL, never a trap.
//
// Keys are numeric: IPv4 addresses as u32 values (10.0.0.1 = 0x0a000001), ports as u16 values, in
// the packet's direction: saddr/sport = the remote peer, daddr/dport = the local socket.
//
//   FLOWKEY (12 bytes, host-written arrays for ehashLookupBatch)
//   0        4        8        10       12
//   +--------+--------+--------+--------+
//   | saddr  | daddr  | sport  | dport  |
//   +--------+--------+--------+--------+
//   Read as words, a key is already packed as the table compares it (little-endian):
//   u64 @0 = addrpair = daddr << 32 | saddr, u32 @8 = ports = dport << 16 | sport (Linux INET_MATCH).
export const FLOWKEY_SIZE: u32 = 12;
export const FLOWKEY_SADDR: u32 = 0;
export const FLOWKEY_DADDR: u32 = 4;
export const FLOWKEY_SPORT: u32 = 8;
export const FLOWKEY_DPORT: u32 = 10;

// ---- flow allocator state: power-of-two size classes over arenaAlloc ------------------------------
//   FLOWST (128 bytes, allocated once from the arena on first use)
//   0        4                                   124      128
//   +--------+--------+-------- ... ------+--------+
//   | free[0]| free[1]|                   |free[31]|   free[c]: head of the free list of 2^c-byte
//   +--------+--------+-------- ... ------+--------+   blocks (the next link is the block's first word)
export const FLOWST_SIZE: u32 = 128;
export const FLOWST_FREE: u32 = 0;
export const FLOW_ALLOC_MIN_CLASS: u32 = 4; // 16 bytes

// ---- established table (Linux inet_ehash): header --------------------------------------------------
//   EH (192 bytes, 64-aligned; the first cache line holds everything a lookup reads)
//   0      4      8      12     16     20     24     28     32     36     40     44     48     52
//   +------+------+------+------+------+------+------+------+------+------+------+------+------+----
//   |magic | seed | mask | segs |oldseg|oldmsk|rhidx |count |maxfl |maxbk |ovfree|ovused|ovtot |touch
//   +------+------+------+------+------+------+------+------+------+------+------+------+------+----
//   56     60     64     68     72     76     80     84           128                        192
//   +------+------+------+------+------+------+------+-- ... ----+--------------------------+
//   |grows |moved |grfail|nomem | full |ovbump|ovend |           | scratch: a block in move |
//   +------+------+------+------+------+------+------+-- ... ----+--------------------------+
//   segs/mask: the current bucket array (2^k buckets, as segments, below); oldseg/oldmsk: the array
//   being drained while an incremental rehash runs (0 when none); rhidx: the next old bucket to move.
//   Old bucket i < rhidx has moved to new buckets i and i + old size; a key lives in exactly one
//   place at any time.
//   count: flows; maxfl: the insert limit; maxbk: the bucket-array limit (growth stops there).
//   ovfree/ovused/ovtot: overflow-block free list head, blocks in use, blocks owned; ovbump/ovend:
//   the unused rest of the last overflow chunk (chunks come from flowAlloc, blocks are cut lazily).
//   touch: sink of the batched lookup's prefetch loads (so no engine can drop them as dead).
//   grows .. full: counters (u32): rehashes started, buckets moved, growth steps refused for memory
//   (a doubling not started, or a rehash step postponed), inserts refused for memory, inserts
//   refused at maxfl.
//
//   A bucket array is a table of segment pointers; each segment holds EH_SEG_BUCKETS buckets (64 KiB)
//   or, for an array smaller than that, all of them. Segments of a new array are allocated one by
//   one as the rehash reaches them, and an old segment is freed as soon as it has been drained, so a
//   doubling never allocates (or zero-fills) more than a segment or two in one operation.
//     segs -> +-------+-------+-----+
//             | seg 0 | seg 1 | ... |   bucket i = segs[i >> EH_SEG_SHIFT] + (i & (EH_SEG_BUCKETS - 1)) * 64
//             +---|---+---|---+-----+
//                 v       v
//          [EHB x 1024] [EHB x 1024] ...
export const EH_SIZE: u32 = 192;
export const EH_MAGIC: u32 = 0;
export const EH_SEED: u32 = 4;
export const EH_MASK: u32 = 8;
export const EH_SEGS: u32 = 12;
export const EH_OLD_SEGS: u32 = 16;
export const EH_OLD_MASK: u32 = 20;
export const EH_REHASH_IDX: u32 = 24;
export const EH_COUNT: u32 = 28;
export const EH_MAX_FLOWS: u32 = 32;
export const EH_MAX_BUCKETS: u32 = 36;
export const EH_OVF_FREE: u32 = 40;
export const EH_OVF_USED: u32 = 44;
export const EH_OVF_TOTAL: u32 = 48;
export const EH_TOUCH: u32 = 52;
export const EH_CNT_GROWS: u32 = 56;
export const EH_CNT_MOVED: u32 = 60;
export const EH_CNT_GROW_FAIL: u32 = 64;
export const EH_CNT_NOMEM: u32 = 68;
export const EH_CNT_FULL: u32 = 72;
export const EH_OVF_BUMP: u32 = 76;
export const EH_OVF_END: u32 = 80;
export const EH_SCRATCH: u32 = 128;

// ---- established table: bucket (one cache line) ----------------------------------------------------
//   EHB (64 bytes, 64-aligned). A bucket array entry and an overflow block share this layout.
//   0      4      8      12     16                   32                   48                   64
//   +------+------+------+------+--------------------+--------------------+--------------------+
//   |hash0 |hash1 |hash2 | next |      slot 0        |      slot 1        |      slot 2        |
//   +------+------+------+------+--------------------+--------------------+--------------------+
//   EHS slot (16 bytes)
//   0               8      12     16
//   +---------------+------+------+
//   |   addrpair    |ports |handle|   handle 0 = empty slot; hashN is slot N's full 32-bit flow hash
//   +---------------+------+------+
//   next: the next overflow block of this chain (0 = end). Empty slots may sit anywhere in a chain.
export const EHB_SIZE: u32 = 64;
export const EHB_SLOTS: u32 = 3;
export const EHB_HASH: u32 = 0; // u32 hash of slot i at EHB_HASH + 4 * i
export const EHB_NEXT: u32 = 12;
export const EHB_SLOT: u32 = 16; // slot i at EHB_SLOT + EHS_SIZE * i
export const EHS_SIZE: u32 = 16;
export const EHS_ADDRPAIR: u32 = 0;
export const EHS_PORTS: u32 = 8;
export const EHS_HANDLE: u32 = 12;
export const EH_LOAD: u32 = 2; // grow when flows > EH_LOAD * buckets (3 slots per bucket)
export const EH_BUCKETS_MIN: u32 = 8;
export const EH_BUCKETS_LIMIT: u32 = 1 << 24; // 1 GiB of buckets
export const EH_SEG_SHIFT: u32 = 10;
export const EH_SEG_BUCKETS: u32 = 1 << EH_SEG_SHIFT;
export const EH_REHASH_STEP: u32 = 4; // old buckets moved per insert/delete while rehashing
export const EH_REHASH_EMPTY_VISITS: u32 = 10; // ... visiting at most this many empty ones per step
export const EH_BATCH_CHUNK: u32 = 32; // batched lookup: keys hashed, then touched, then resolved, per chunk

// ---- port tables: listeners (Linux inet_lhash2) and bound UDP sockets (udp_table hash2) -------------
//   PT header (64 bytes)
//   0      4      8      12     16     20     24     28                                      64
//   +------+------+------+------+------+------+------+---------------------------------------+
//   |magic | seed | mask |bucks |slots |socks |maxsk | ----                                  |
//   +------+------+------+------+------+------+------+---------------------------------------+
//   magic tells a listener table from a UDP table. bucks: 2^k u32 chain heads (slot pointers),
//   hashed as Linux ipv4_portaddr_hash: jhash_1word(addr, seed) ^ port. slots: distinct (addr, port)
//   keys; socks: sockets in all slots; maxsk: the insert limit.
export const PT_SIZE: u32 = 64;
export const PT_MAGIC: u32 = 0;
export const PT_SEED: u32 = 4;
export const PT_MASK: u32 = 8;
export const PT_BUCKETS: u32 = 12;
export const PT_SLOTS: u32 = 16;
export const PT_SOCKS: u32 = 20;
export const PT_MAX_SOCKS: u32 = 24;
export const PT_BUCKETS_MIN: u32 = 16;
export const PT_BUCKETS_LIMIT: u32 = 1 << 20;

//   PTS slot: one local (addr, port) and the sockets bound to it (32 bytes)
//   0      4      8      12     14     16     20     24     28     32
//   +------+------+------+------+------+------+------+------+------+
//   | next | hash | addr | port |flags | uid  |  n   | cap  |membrs|
//   +------+------+------+------+------+------+------+------+------+
//   flags: PTS_F_REUSEPORT when the slot is an SO_REUSEPORT group (every member set it, same uid).
//   membrs: array of `cap` PTM records, `n` in use, in group order (Linux sock_reuseport socks[]).
export const PTS_SIZE: u32 = 32;
export const PTS_NEXT: u32 = 0;
export const PTS_HASH: u32 = 4;
export const PTS_ADDR: u32 = 8;
export const PTS_PORT: u32 = 12; // u16
export const PTS_FLAGS: u32 = 14; // u16
export const PTS_UID: u32 = 16;
export const PTS_N: u32 = 20;
export const PTS_CAP: u32 = 24;
export const PTS_MEMBERS: u32 = 28;
export const PTS_F_REUSEPORT: u32 = 1;
export const PT_GROUP_MAX: u32 = 0xffff; // Linux sock_reuseport counts sockets in a u16

//   PTM member (12 bytes): a socket and, for a connected UDP socket, its peer (0 = any)
//   0      4      8      10     12
//   +------+------+------+------+
//   |handle| raddr|rport | ---- |
//   +------+------+------+------+
export const PTM_SIZE: u32 = 12;
export const PTM_HANDLE: u32 = 0;
export const PTM_RADDR: u32 = 4;
export const PTM_RPORT: u32 = 8; // u16

// ==== epoll (assembly/epoll.ts): interest entries and ready lists, carved from the ARENA ============
// One slab of 32-byte cells holds both kinds of epoll object: an eventpoll (whose first 8 bytes are
// its ready list's sentinel, Linux ep->rdllist) and an epitem (whose first 8 bytes are its link on
// that list, Linux epi->rdllink). The slab grows by chunks of EP_CHUNK_CELLS cells taken from the
// arena; a table of chunk addresses (EP_MAX_CHUNKS words, also from the arena) maps a cell's id to
// its address, which is how every export checks that a handle really is a live cell.
//
//   EPCELL as an epitem (32 bytes)
//   0      4      8      12       16     20     24     28     32
//   +------+------+------+--------+------+------+------+------+
//   | next | prev |  ep  | events |  id  | kind |  fd  | ---- |
//   +------+------+------+--------+------+------+------+------+
//   next/prev: the ready-list link (Linux rdllink); both 0 while the item is not on the list.
//   ep: the eventpoll cell it belongs to. events: the interest mask with its private bits (EPOLLET,
//     EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLWAKEUP); EPOLLERR | EPOLLHUP are always in it (the host adds
//     them, as Linux's epoll_ctl). A one-shot item that reported is disarmed: only its private bits
//     remain, so the callback ignores it until EPOLL_CTL_MOD re-arms it.
//   id: the cell's dense index (chunk * EP_CHUNK_CELLS + slot): the host's table of epitems by id.
//   fd: the descriptor it was registered with (Linux ffd.fd), for fdinfo and tests.
//
//   EPCELL as an eventpoll (32 bytes)
//   0      4      8      12       16     20     24     28     32
//   +------+------+------+--------+------+------+------+------+
//   | next | prev | ---- | ----   |  id  | kind |nitems|nready|
//   +------+------+------+--------+------+------+------+------+
//   next/prev: the ready list's sentinel (pointing at the cell itself when the list is empty).
//   nitems: epitems registered on it (Linux's rbtree size). nready: epitems on its ready list.
//
//   A free cell has kind EPK_FREE and next = the next free cell (0 ends the free list).
//
// Ownership: Wasm writes every cell. The host reads ready-list links, ids and events between calls
// (epoll_wait walks the ready list by reading memory) and writes nothing here: its verdicts for a
// walked batch go through STAGING to epCommit.
export const EPCELL_SIZE: u32 = 32;
export const EPC_NEXT: u32 = 0;
export const EPC_PREV: u32 = 4;
export const EPC_EP: u32 = 8; // epitem: its eventpoll
export const EPC_EVENTS: u32 = 12; // epitem: interest mask
export const EPC_ID: u32 = 16;
export const EPC_KIND: u32 = 20; // EPK_*
export const EPC_FD: u32 = 24; // epitem: the registered descriptor
export const EPC_NITEMS: u32 = 24; // eventpoll: epitems registered
export const EPC_NREADY: u32 = 28; // eventpoll: epitems on the ready list
// Kinds are magic words, so a stray address is not mistaken for a cell of the right kind.
export const EPK_FREE: u32 = 0x4550_4646; // "EPFF"
export const EPK_ITEM: u32 = 0x4550_4931; // "EPI1"
export const EPK_EP: u32 = 0x4550_4550; // "EPEP"
export const EP_CHUNK_SHIFT: u32 = 10;
export const EP_CHUNK_CELLS: u32 = 1 << EP_CHUNK_SHIFT;
export const EP_MAX_CHUNKS: u32 = 4096; // 4 Mi cells, 128 MiB of slab at most
// epCommit verdicts, one byte per walked epitem (the host writes them to STAGING before the call).
export const EPV_DROP: u32 = 0; // off the ready list (edge-triggered, or nothing to report)
export const EPV_REQUEUE: u32 = 1; // level-triggered and reported: back at the tail
export const EPV_DISARM: u32 = 2; // one-shot and reported: off the list, interest cleared
// epPollCallback result bits.
export const EPCB_MATCH: u32 = 1; // the event concerns the item: wake the eventpoll's waiters
export const EPCB_LINKED: u32 = 2; // the item was linked onto the ready list by this call
export const EPCB_EWAKE: u32 = 4; // counts as a wakeup for the wait queue's exclusive budget

// ==== the RX fast path (assembly/tcp/fastpath.ts): TCP sock halves and batch output ================
//   TSK: the receive fast path's half of a TCP socket (Linux struct tcp_sock: the fields
//   tcp_rcv_established's header prediction reads, plus sk_receive_queue). 96 bytes, from a slab of
//   TSK_CHUNK cells taken from the arena (freed cells go on a LIFO free list).
//   0                        24     28      32      36      40      44       48      52     56
//   +------------------------+------+-------+-------+-------+-------+--------+-------+------+
//   | rcvq (sk_buff_head)    | pred |rcv_nxt|rcv_wup|rcv_wnd|snd_una|ts_recnt|rcvbuf | id   |
//   +------------------------+------+-------+-------+-------+-------+--------+-------+------+
//   56      60     64     68      72      76      80                                       96
//   +-------+------+------+-------+-------+-------+-----------------------------------------+
//   | wake  | epi  | flags| segs  | bytes | kind  | ----                                    |
//   +-------+------+------+-------+-------+-------+-----------------------------------------+
//   rcvq: the receive queue (skbs pulled to their payload), which recv() reads; the host's slow path
//     appends to it too, so it is the socket's one receive queue and its SKBQ_BYTES is rmem.
//   pred: Linux pred_flags in host byte order: (header length / 4) << 28 | ACK << 16 | the raw window
//     we expect (snd_wnd >> snd_wscale); 0 turns prediction off. A segment predicts when its 4th
//     header word, PSH and the reserved bits masked off (Linux TCP_HP_BITS), equals pred.
//   rcv_nxt .. ts_recent, rcvbuf: copies the host publishes whenever its TCP machine changes them
//     (end of input, each transmit, each state change); rxBatch advances rcv_nxt and ts_recent as
//     it queues, and the host's replay of the batch catches its own copy up (tcp/conn.ts).
//   id: the host's handle of the connection. wake: the next TSK on this batch's wake list (0 = not
//     on it; rxBatch empties the list before it returns). epi: the first epitem watching this
//     socket (linked through EPC_WNEXT): the epoll callbacks rxBatch runs. flags: TSKF_*. segs:
//     fast-path segments this batch. bytes: reserved, always 0 (RXB_FBYTES has the batch's payload
//     bytes). kind: TSK_KIND_LIVE or TSK_KIND_FREE, so a stray address is refused.
// Ownership: the host writes pred .. id between batches, and epi through tskWatch / tskUnwatch;
// rxBatch writes rcvq, rcv_nxt, ts_recent, and uses wake, flags (TSKF_SLOW) and segs within one
// call.
export const TSK_SIZE: u32 = 96;
export const TSK_RCVQ: u32 = 0;
export const TSK_PRED: u32 = 24;
export const TSK_RCV_NXT: u32 = 28;
export const TSK_RCV_WUP: u32 = 32;
export const TSK_RCV_WND: u32 = 36;
export const TSK_SND_UNA: u32 = 40;
export const TSK_TS_RECENT: u32 = 44;
export const TSK_RCVBUF: u32 = 48;
export const TSK_ID: u32 = 52;
export const TSK_WAKE: u32 = 56;
export const TSK_EPI: u32 = 60;
export const TSK_FLAGS: u32 = 64;
export const TSK_SEGS: u32 = 68;
export const TSK_BYTES: u32 = 72; // reserved, 0
export const TSK_KIND: u32 = 76;
export const TSK_KIND_LIVE: u32 = 0x5453_4b31; // "TSK1"
export const TSK_KIND_FREE: u32 = 0x5453_4b46; // "TSKF"
export const TSK_CHUNK: u32 = 256; // cells per arena chunk
export const TSKF_TS: u32 = 1; // timestamps negotiated: a predicted segment carries the aligned TS option
export const TSKF_SLOW: u32 = 2; // a segment of this socket went to the slow path in this batch
export const TSK_WAKE_END: u32 = 1; // ends a batch's wake list (0 means "not on it")
// The wait-queue link of an epitem (an EPCELL's free word): the next epitem watching the same TSK,
// TSK_WAKE_END for the last, 0 while the epitem watches no TSK.
export const EPC_WNEXT: u32 = 28;
// An eventpoll's free word: the last rxBatch that listed it for waking (dedupes RXB's ep list).
export const EPC_RXGEN: u32 = 8;

//   RXDEV: what rxBatch needs to know about the device it polls (16 bytes, host-written).
//   0      6      8      12     16
//   +------+------+------+------+
//   | mac  | kind | ---- | ---- |
//   +------+------+------+------+
//   kind: RXDEV_ETHER (frames must be for our MAC or broadcast), RXDEV_LOOPBACK (Ethernet framing,
//   no MAC filter), RXDEV_TUN (raw IP: IFF_TUN | IFF_NO_PI).
export const RXDEV_SIZE: u32 = 16;
export const RXDEV_MAC: u32 = 0;
export const RXDEV_KIND: u32 = 6; // u8
export const RXDEV_ETHER: u32 = 0;
export const RXDEV_LOOPBACK: u32 = 1;
export const RXDEV_TUN: u32 = 2;

//   RXB: one rxBatch's summary, written by Wasm and read by the host after the call.
//   header (32 bytes)
//   0      4      8      12     16      20      24      28      32
//   +------+------+------+------+-------+-------+-------+-------+
//   | nev  | fast | slow | drop | nwake | nepw  | bytes |fbytes |
//   +------+------+------+------+-------+-------+-------+-------+
//   nev: events written (= frames taken off the ring). fast / slow / drop: events of each kind.
//   nwake: sockets whose waiters must wake. nepw: eventpolls whose waiters must wake. bytes: frame
//   bytes taken off the ring (rx_bytes). fbytes: payload bytes queued by the fast path.
//   Then, at the offsets rxbEvents / rxbFrames / rxbWakes / rxbEpWakes give for the budget:
//   nev events of RXE_SIZE bytes in ring order; `budget` FRAME structs (event i's frame is FRAME i;
//   slow and drop events have one); nwake TSK addresses (each once, in order of the
//   batch's first segment for it);
//   nepw eventpoll cell addresses (each once).
//   RXE (20 bytes)
//   0      1      2      3      4      8      12     16      20
//   +------+------+------+------+------+------+------+-------+
//   | kind | ecn  | psh  | ---- | skb  | tsk  | len  | tsval |
//   +------+------+------+------+------+------+------+-------+
//   kind: RXE_FAST (the skb is on tsk's receive queue; len payload bytes; ecn = the IP ECN field;
//   psh = the segment's PSH flag), RXE_SLOW (the skb, untouched but for its mac header mark, waits
//   for the host with its FRAME; tsk is the established socket it matched, or 0), RXE_DROP (the skb
//   was freed with reason `len`; its FRAME says what was learnt; skb 0 and reason NOT_SPECIFIED for
//   a ring slot that held no live skb or one still on a queue - a host bug, left as it was).
//   tsval: a fast segment's timestamp value (when the socket has TSKF_TS). Fields an event kind
//   does not use are 0 (a slow ARP frame's len is its parse reason).
export const RXB_NEV: u32 = 0;
export const RXB_FAST: u32 = 4;
export const RXB_SLOW: u32 = 8;
export const RXB_DROP: u32 = 12;
export const RXB_NWAKE: u32 = 16;
export const RXB_NEPW: u32 = 20;
export const RXB_BYTES: u32 = 24;
export const RXB_FBYTES: u32 = 28;
export const RXB_HDR_SIZE: u32 = 32;
export const RXE_SIZE: u32 = 20;
export const RXE_KIND: u32 = 0; // u8
export const RXE_ECN: u32 = 1; // u8
export const RXE_PSH: u32 = 2; // u8
export const RXE_SKB: u32 = 4;
export const RXE_TSK: u32 = 8;
export const RXE_LEN: u32 = 12;
export const RXE_TSVAL: u32 = 16;
export const RXE_FAST: u32 = 1;
export const RXE_SLOW: u32 = 2;
export const RXE_DROP: u32 = 3;
export const RX_BUDGET_MAX: u32 = 256; // frames per rxBatch call
