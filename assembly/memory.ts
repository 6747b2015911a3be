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
//   FRAME (128 bytes)
//   0        4        8       12       16                      48                              128
//   +--------+--------+-------+--------+-----------------------+-------------------------------+
//   | reason | flags  | l3off | l4off  | L3 repr (IPV4 or ARP) | L4 repr (TCP, UDP or ICMP)    |
//   |  u32   |  u32   | u16 len u16..  |      32 bytes         |          80 bytes             |
//   +--------+--------+-------+--------+-----------------------+-------------------------------+
//   reason: 0 when the frame is well formed, else a drop reason (assembly/dropreason.ts).
//   ETH repr sits inside the header words below; see FRAME_* offsets.
export const FRAME_SIZE: u32 = 128;
export const FRAME_REASON: u32 = 0; // u32 drop reason, 0 = ok
export const FRAME_FLAGS: u32 = 4; // u32 FRAMEF_* bits
export const FRAME_ETHERTYPE: u32 = 8; // u16
export const FRAME_L3_OFF: u32 = 10; // u16 offset of the L3 header from the frame start
export const FRAME_L4_OFF: u32 = 12; // u16 offset of the L4 header
export const FRAME_PAYLOAD_OFF: u32 = 14; // u16 offset of the L4 payload
export const FRAME_PAYLOAD_LEN: u32 = 16; // u32 payload bytes
export const FRAME_L3: u32 = 24; // 24..56: IPV4_REPR or ARP_REPR
export const FRAME_L4: u32 = 56; // 56..128: TCP_REPR, UDP_REPR or ICMP_REPR
export const FRAMEF_IP_CSUM_OK: u32 = 1;
export const FRAMEF_L4_CSUM_OK: u32 = 2;
export const FRAMEF_TCP_OPTS_MALFORMED: u32 = 4;
export const FRAMEF_IP_FRAGMENT: u32 = 8;
export const FRAMEF_IP_OPTIONS: u32 = 16;
export const FRAMEF_L4_CSUM_ZERO: u32 = 32; // UDP sent with checksum 0 (not computed)

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
// (wire section: layouts of ETH/ARP/IPV4/ICMP/UDP/TCP reprs go here)

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

// ==== later regions (flow tables, epoll) are carved from the ARENA at run time ===================
