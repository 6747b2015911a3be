// RTT estimation and the retransmission timeout as Linux computes them (net/ipv4/tcp_input.c
// tcp_rtt_estimator(), tcp_set_rto(); RFC 6298 with Linux's refinements): srtt kept << 3 and mdev << 2
// in microseconds, mdev_max tracked per window of data (rtt_seq) so rttvar only decays once per RTT,
// the variance term floored at TCP_RTO_MIN, the RTO rounded up to jiffies and clamped to TCP_RTO_MAX.
// Also the windowed minimum RTT (tcp_update_rtt_min; Linux uses a 3-sample windowed min filter over
// tcp_min_rtt_wlen seconds - we keep the plain minimum within that window).

import { after } from "./seq.js";
import { TCP_RTO_MAX, TCP_RTO_MIN, TCP_TIMEOUT_INIT } from "./sysctl.js";

const US = 1000; // ns per us
const JIFFY = 1_000_000; // ns per jiffy (HZ = 1000)

/** Linux usecs_to_jiffies() at HZ=1000, in ns. */
export function usToJiffiesNs(us: number): number {
  return Math.ceil(us / 1000) * JIFFY;
}

export class RttEstimator {
  /** Smoothed RTT << 3, us (Linux tp->srtt_us); 0 until the first sample. */
  srttUs = 0;
  /** Mean deviation << 2, us (tp->mdev_us). */
  mdevUs = 0;
  mdevMaxUs = 0;
  rttvarUs = 0;
  rttSeq = 0;
  /** icsk_rto in ns (a whole number of jiffies). */
  rto = TCP_TIMEOUT_INIT;
  /** Windowed minimum RTT, us (0xffffffff until a sample). */
  minRttUs = 0xffffffff;
  private minRttStamp = 0;
  samples = 0;

  /** srtt in ns (for ss -i, the delayed-ACK bound, pacing). */
  get srtt(): number {
    return (this.srttUs / 8) * US;
  }
  /** What tcp_info reports as tcpi_rttvar: mdev_us >> 2 (not the RTO's rttvar), in ns. */
  get rttvar(): number {
    return (this.mdevUs / 4) * US;
  }
  /** Minimum RTT in ns (Infinity before the first sample). */
  get minRtt(): number {
    return this.minRttUs === 0xffffffff ? Number.POSITIVE_INFINITY : this.minRttUs * US;
  }

  /** tcp_update_rtt_min(): nowNs for the window, rttUs the sample, windowNs tcp_min_rtt_wlen. */
  updateMin(rttUs: number, nowNs: number, windowNs: number): void {
    const r = Math.max(1, Math.floor(rttUs));
    if (r <= this.minRttUs || nowNs - this.minRttStamp > windowNs) {
      this.minRttUs = r;
      this.minRttStamp = nowNs;
    }
  }

  /** tcp_rtt_estimator() + tcp_set_rto(): one sample of mrttUs; sndUna/sndNxt for the per-window decay. */
  sample(mrttUs: number, sndUna: number, sndNxt: number): void {
    let m = Math.max(0, Math.floor(mrttUs));
    this.samples++;
    let srtt = this.srttUs;
    if (srtt !== 0) {
      m -= srtt >> 3; // error in the estimate
      srtt += m; // srtt = 7/8 srtt + 1/8 new
      if (m < 0) {
        m = -m;
        m -= this.mdevUs >> 2;
        // Eifel-like: a shrinking RTT updates mdev with a finer gain.
        if (m > 0) m >>= 3;
      } else {
        m -= this.mdevUs >> 2;
      }
      this.mdevUs += m; // mdev = 3/4 mdev + 1/4 new
      if (this.mdevUs > this.mdevMaxUs) {
        this.mdevMaxUs = this.mdevUs;
        if (this.mdevMaxUs > this.rttvarUs) this.rttvarUs = this.mdevMaxUs;
      }
      if (after(sndUna, this.rttSeq)) {
        if (this.mdevMaxUs < this.rttvarUs) this.rttvarUs -= (this.rttvarUs - this.mdevMaxUs) >> 2;
        this.rttSeq = sndNxt;
        this.mdevMaxUs = TCP_RTO_MIN / US;
      }
    } else {
      srtt = m << 3;
      this.mdevUs = m << 1; // rto = 3 * rtt
      this.rttvarUs = Math.max(this.mdevUs, TCP_RTO_MIN / US);
      this.mdevMaxUs = this.rttvarUs;
      this.rttSeq = sndNxt;
    }
    this.srttUs = Math.max(1, srtt);
    this.setRto();
  }

  /** tcp_set_rto(): srtt + rttvar, in whole jiffies, at most TCP_RTO_MAX. */
  setRto(): void {
    this.rto = Math.min(TCP_RTO_MAX, usToJiffiesNs((this.srttUs >> 3) + this.rttvarUs));
  }
}
