// RTT estimation and the retransmission timeout, RFC 6298 with Linux's bounds (TCP_RTO_MIN 200 ms,
// TCP_RTO_MAX 120 s, initial 1 s). Linux's tcp_rtt_estimator keeps srtt<<3 and mdev<<2 in µs and
// tracks mdev_max per window; we keep RFC 6298's SRTT/RTTVAR in ns and the same clamps, so RTOs agree
// with Linux to within its jiffy rounding on steady paths.
import { TCP_RTO_MAX, TCP_RTO_MIN, TCP_TIMEOUT_INIT } from "./sysctl.js";

export class RttEstimator {
  srtt = 0; // ns, 0 until the first sample
  rttvar = 0;
  rto = TCP_TIMEOUT_INIT;
  minRtt = Number.POSITIVE_INFINITY;
  samples = 0;

  /** One RTT measurement (Karn's rule is the caller's: never sample a retransmitted segment). */
  sample(rtt: number): void {
    if (rtt <= 0) rtt = 1;
    this.samples++;
    if (rtt < this.minRtt) this.minRtt = rtt;
    if (this.srtt === 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    // Linux: rto = srtt + max(4*rttvar, TCP_RTO_MIN) — the floor applies to the variance term.
    this.rto = Math.min(TCP_RTO_MAX, Math.round(this.srtt + Math.max(4 * this.rttvar, TCP_RTO_MIN)));
  }
}
