// The sender's view of its byte stream as Linux keeps it: a write queue of unsent skbs and a
// retransmit queue of sent, unacknowledged ones (sk_write_queue, tcp_rtx_queue), each an skb control
// block (struct tcp_skb_cb) - sequence range, PSH/FIN, SACK scoreboard bits, segment count and
// last transmit time - without the bytes, which stay in the connection's send buffer. The
// retransmit queue is also kept in transmit order (tp->tsorted_sent_queue) for RACK.

/** TCP_SKB_CB(skb)->sacked bits (include/net/tcp.h). */
export const TCPCB_SACKED_ACKED = 0x01;
export const TCPCB_SACKED_RETRANS = 0x02;
export const TCPCB_LOST = 0x04;
export const TCPCB_TAGBITS = 0x07;
export const TCPCB_REPAIRED = 0x10;
export const TCPCB_EVER_RETRANS = 0x80;
export const TCPCB_RETRANS = TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS;

export interface TcpSkb {
  seq: number;
  /** end_seq: seq + data + FIN. */
  end: number;
  fin: boolean;
  psh: boolean;
  /** MSG_EOR ended a record here: nothing is ever appended to or merged with this skb. */
  eor?: boolean;
  sacked: number;
  /** tcp_skb_pcount: segments this skb is sent as (0 until sized). */
  pcount: number;
  /** tcp_skb_mss: the segment size it was sized with. */
  mss: number;
  /** Last transmit time, ns (skb->skb_mstamp_ns). */
  sentAt: number;
}

/** Payload bytes of an skb (a FIN takes sequence space but no data). */
export function skbLen(s: TcpSkb): number {
  return ((s.end - s.seq) >>> 0) - (s.fin ? 1 : 0);
}

/** Linux tcp_set_skb_tso_segs(). */
export function setTsoSegs(s: TcpSkb, mss: number): void {
  const len = skbLen(s);
  if (len <= mss) {
    s.pcount = 1;
    s.mss = 0;
  } else {
    s.pcount = Math.ceil(len / mss);
    s.mss = mss;
  }
}

/**
 * Linux tcp_fragment() on a record: `s` keeps its first `len` bytes and the new record gets the rest.
 * PSH and FIN move to the second part; scoreboard bits and the transmit time are copied. Segment
 * counts are recomputed with `mss`.
 */
export function splitSkb(s: TcpSkb, len: number, mss: number): TcpSkb {
  const buff: TcpSkb = {
    seq: (s.seq + len) >>> 0,
    end: s.end,
    fin: s.fin,
    psh: s.psh,
    eor: s.eor,
    sacked: s.sacked,
    pcount: 0,
    mss: 0,
    sentAt: s.sentAt,
  };
  s.end = (s.seq + len) >>> 0;
  s.fin = false;
  s.psh = false;
  s.eor = false;
  setTsoSegs(s, mss);
  setTsoSegs(buff, mss);
  return buff;
}
