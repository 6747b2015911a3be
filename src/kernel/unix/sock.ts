// AF_UNIX socket state (Linux struct unix_sock, include/net/af_unix.h) and its buffers.
//
// AF_UNIX never touches a NIC or the Wasm core: its "skbs" are plain objects holding JS
// Uint8Array copies of the sent bytes, charged (truesize) to the sender's sk_wmem_alloc until
// the receiver consumes them — which is what gives a local stream its backpressure.

import { POLLERR, POLLHUP, POLLRDHUP, TCP_LISTEN } from "../constants.js";
import type { Kernel } from "../kernel.js";
import { READABLE_KEY, Sock, WRITABLE_KEY } from "../sock.js";
import type { Inode } from "../vfs.js";
import { WaitOn } from "../wait.js";
import { WaitEntry, WaitQueue } from "../waitqueue.js";

/**
 * Truesize model (Linux SKB_TRUESIZE): the payload rounded to a cache line plus the sk_buff and
 * skb_shared_info overhead (256 + 320 bytes on x86-64). Real allocations round to slab sizes; this
 * is close enough for buffer accounting to behave like Linux's.
 */
export const SKB_OVERHEAD = 576;
export function skbTruesize(len: number): number {
  return ((len + 63) & ~63) + SKB_OVERHEAD;
}

/**
 * Linux unix_stream_sendmsg() puts at most SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ bytes in one skb:
 * (4096 - 320) linear + 32768 in page frags.
 */
export const UNIX_STREAM_SKB_MAX = 4096 - 320 + 32768;

/** A bound name: a path ("/run/x") or an abstract name ("\0..."). */
export interface UnixAddress {
  readonly name: string;
  readonly abstract: boolean;
}

/** One buffer on a receive queue (Linux sk_buff + UNIXCB). */
export interface UnixSkb {
  data: Uint8Array;
  /** UNIXCB(skb).consumed: bytes of a stream skb already read. */
  consumed: number;
  truesize: number;
  /** skb->sk: the owner charged for it — the sender, or the embryo of a connection request. */
  sk: UnixSock;
}

/** A FIFO with O(1) push/shift and indexed peeking (sk_receive_queue). */
export class SkbQueue {
  private items: UnixSkb[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(skb: UnixSkb): void {
    this.items.push(skb);
  }

  /** The i-th queued skb (0 = head), or undefined. */
  at(i: number): UnixSkb | undefined {
    return this.items[this.head + i];
  }

  shift(): UnixSkb | undefined {
    if (this.head >= this.items.length) return undefined;
    const skb = this.items[this.head];
    this.items[this.head++] = undefined as unknown as UnixSkb;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return skb;
  }

  tail(): UnixSkb | undefined {
    return this.length > 0 ? this.items[this.items.length - 1] : undefined;
  }

  *[Symbol.iterator](): IterableIterator<UnixSkb> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i];
  }
}

const READ_WAIT = READABLE_KEY | POLLERR | POLLHUP | POLLRDHUP;
const WRITE_WAIT = WRITABLE_KEY | POLLERR | POLLHUP;

export class UnixSock extends Sock {
  /** unix_peer(sk). Kept after the peer closes (it is then dead), as in Linux. */
  peer: UnixSock | null = null;
  /** u->addr. */
  addr: UnixAddress | null = null;
  /** u->path: the socket file's inode for a path-bound (or accepted-from-path) socket. */
  inode: Inode | null = null;
  /** sk_receive_queue: data, or connection requests on a listener. */
  readonly queue = new SkbQueue();
  /** u->peer_wait: connectors/senders waiting for room in this socket's queue. */
  readonly peerWait = new WaitQueue();
  /** u->peer_wake: relays a peer_wait wake-up to our own wait queue (dgram poll). */
  readonly peerWake: WaitEntry;
  /** u->peer_wake.private: whose peer_wait the relay sits on. */
  peerWakeTarget: UnixSock | null = null;
  /** u->listener: for an embryo, the listener it is queued on. */
  listener: UnixSock | null = null;

  /** Where blocked calls sleep (preallocated: no allocation per block). */
  readonly streamReadWait: WaitOn;
  readonly dgramReadWait: WaitOn;
  readonly writeWait: WaitOn;
  /** Where others wait for room in *this* socket's queue (unix_wait_for_peer). */
  readonly peerWaitOn: WaitOn;

  constructor(kernel: Kernel, type: number) {
    super(kernel, 1 /* AF_UNIX */, type, 0);
    this.streamReadWait = new WaitOn(this.wq, READ_WAIT, false, "unix_stream_data_wait");
    this.dgramReadWait = new WaitOn(this.wq, READ_WAIT, true, "__skb_wait_for_more_packets");
    this.writeWait = new WaitOn(this.wq, WRITE_WAIT, false, "sock_alloc_send_pskb");
    this.peerWaitOn = new WaitOn(this.peerWait, WRITE_WAIT, true, "unix_wait_for_peer");
    this.peerWake = new WaitEntry(-1, (_e, key) => {
      // Linux unix_dgram_peer_wake_relay(): leave the peer's queue, pass the wake-up on.
      const target = this.peerWakeTarget;
      if (target) target.peerWait.remove(this.peerWake);
      this.peerWakeTarget = null;
      if (this.wq.active) this.wq.wake(key, 1);
      return false;
    });
  }

  /** Linux unix_writable(). */
  writable(state = this.state): boolean {
    return state !== TCP_LISTEN && this.wmemAlloc * 4 <= this.sndbuf;
  }

  /** Linux unix_write_space(): wake writers once a quarter of the buffer is in use or less. */
  override writeSpace(): void {
    if (this.writable() && this.wq.active) this.wq.wake(WRITABLE_KEY, 1);
  }

  /** Linux unix_recvq_full_lockless(). */
  recvqFull(): boolean {
    return this.queue.length > this.maxAckBacklog;
  }

  /** Linux unix_skb_len() for the head skb, FIONREAD. */
  inqLen(stream: boolean): number {
    if (!stream) return this.queue.at(0)?.data.length ?? 0;
    let n = 0;
    for (const skb of this.queue) n += skb.data.length - skb.consumed;
    return n;
  }
}
