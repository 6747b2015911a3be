// Pluggable congestion control (Linux struct tcp_congestion_ops): Reno (tcp_cong.c) and CUBIC with
// HyStart (tcp_cubic.c), Linux's default. An algorithm sees the connection through CcSock (cwnd in
// packets, ssthresh, the jiffies clock, srtt) and is called at the same points Linux calls it:
// ssthresh() when a loss reduces the window, congAvoid() on ACKs that may grow it, pktsAcked() with
// each RTT sample, setState() on congestion-state changes, cwndEvent() on transmit start after idle.

export const TCP_INFINITE_SSTHRESH = 0x7fffffff;

/** Linux tcp_ca_state. */
export const TCP_CA_Open = 0;
export const TCP_CA_Disorder = 1;
export const TCP_CA_CWR = 2;
export const TCP_CA_Recovery = 3;
export const TCP_CA_Loss = 4;

export const CA_EVENT_TX_START = 0;
export const CA_EVENT_CWND_RESTART = 1;
export const CA_EVENT_COMPLETE_CWR = 2;
export const CA_EVENT_LOSS = 3;

/** What an algorithm may read and change on its connection (a view of struct tcp_sock). */
export interface CcSock {
  cwnd: number;
  ssthresh: number;
  cwndCnt: number;
  readonly cwndClamp: number;
  readonly priorCwnd: number;
  readonly sndUna: number;
  readonly sndNxt: number;
  /** Linux tcp_jiffies32 (ms here). */
  jiffies(): number;
  /** Microsecond clock (tcp_mstamp). */
  nowUs(): number;
  readonly srttUs: number;
  /** tcp_is_cwnd_limited(). */
  cwndLimited(): boolean;
  /** Last send time, jiffies (lsndtime). */
  readonly lsndtime: number;
  /** sk_pacing_rate in bytes/s (0: none). */
  readonly pacingRate: number;
}

export interface CongestionOps {
  readonly name: string;
  init(tp: CcSock): void;
  /** New slow start threshold after a loss (packets). */
  ssthresh(tp: CcSock): number;
  congAvoid(tp: CcSock, ack: number, acked: number): void;
  undoCwnd(tp: CcSock): number;
  setState?(tp: CcSock, state: number): void;
  cwndEvent?(tp: CcSock, event: number): void;
  pktsAcked?(tp: CcSock, pktsAcked: number, rttUs: number): void;
}

/** Linux tcp_slow_start(): grow by the packets ACKed up to ssthresh; returns what is left over. */
export function tcpSlowStart(tp: CcSock, acked: number): number {
  const cwnd = Math.min(tp.cwnd + acked, tp.ssthresh);
  acked -= cwnd - tp.cwnd;
  tp.cwnd = Math.min(cwnd, tp.cwndClamp);
  return acked;
}

/** Linux tcp_cong_avoid_ai(): one packet per w packets ACKed. */
export function tcpCongAvoidAi(tp: CcSock, w: number, acked: number): void {
  if (tp.cwndCnt >= w) {
    tp.cwndCnt = 0;
    tp.cwnd++;
  }
  tp.cwndCnt += acked;
  if (tp.cwndCnt >= w) {
    const delta = Math.floor(tp.cwndCnt / w);
    tp.cwndCnt -= delta * w;
    tp.cwnd += delta;
  }
  tp.cwnd = Math.min(tp.cwnd, tp.cwndClamp);
}

export const inSlowStart = (tp: CcSock): boolean => tp.cwnd < tp.ssthresh;

/** Linux tcp_reno_cong_avoid / tcp_reno_ssthresh / tcp_reno_undo_cwnd. */
export function createReno(): CongestionOps {
  return {
    name: "reno",
    init() {},
    ssthresh: (tp) => Math.max(tp.cwnd >> 1, 2),
    congAvoid(tp, _ack, acked) {
      if (!tp.cwndLimited()) return;
      if (inSlowStart(tp)) {
        acked = tcpSlowStart(tp, acked);
        if (!acked) return;
      }
      tcpCongAvoidAi(tp, tp.cwnd, acked);
    },
    undoCwnd: (tp) => Math.max(tp.cwnd, tp.priorCwnd),
  };
}

// ---- CUBIC (net/ipv4/tcp_cubic.c, RFC 9438) ----------------------------------------------------------

const BICTCP_BETA_SCALE = 1024;
const BICTCP_HZ = 10;
const BETA = 717; // 0.7 * 1024
const BIC_SCALE = 41;
const CUBE_RTT_SCALE = BIC_SCALE * 10;
const BETA_SCALE = Math.floor(Math.floor((8 * (BICTCP_BETA_SCALE + BETA)) / 3) / (BICTCP_BETA_SCALE - BETA));
const CUBE_FACTOR = 2 ** (10 + 3 * BICTCP_HZ) / (BIC_SCALE * 10);
const HZ = 1000;
const HYSTART_ACK_TRAIN = 1;
const HYSTART_DELAY = 2;
const HYSTART_DETECT = HYSTART_ACK_TRAIN | HYSTART_DELAY;
const HYSTART_LOW_WINDOW = 16;
const HYSTART_ACK_DELTA_US = 2000;
const HYSTART_MIN_SAMPLES = 8;
const HYSTART_DELAY_MIN = 4000;
const HYSTART_DELAY_MAX = 16000;
const GSO_MAX_SIZE = 65536;

interface Bictcp {
  cnt: number;
  lastMaxCwnd: number;
  lastCwnd: number;
  lastTime: number;
  bicOriginPoint: number;
  bicK: number;
  delayMin: number;
  epochStart: number;
  ackCnt: number;
  tcpCwnd: number;
  found: boolean;
  roundStart: number;
  endSeq: number;
  lastAck: number;
  currRtt: number;
  sampleCnt: number;
}

/** Linux cubic_root(): integer cube root (Linux uses a table and one Newton step; this is exact). */
function cubicRoot(a: number): number {
  let x = Math.floor(Math.cbrt(a));
  while ((x + 1) ** 3 <= a) x++;
  while (x > 0 && x ** 3 > a) x--;
  return x;
}

export function createCubic(): CongestionOps {
  const ca: Bictcp = {
    cnt: 0,
    lastMaxCwnd: 0,
    lastCwnd: 0,
    lastTime: 0,
    bicOriginPoint: 0,
    bicK: 0,
    delayMin: 0,
    epochStart: 0,
    ackCnt: 0,
    tcpCwnd: 0,
    found: false,
    roundStart: 0,
    endSeq: 0,
    lastAck: 0,
    currRtt: 0,
    sampleCnt: 0,
  };
  const reset = () => {
    ca.cnt = 0;
    ca.lastMaxCwnd = 0;
    ca.lastCwnd = 0;
    ca.lastTime = 0;
    ca.bicOriginPoint = 0;
    ca.bicK = 0;
    ca.delayMin = 0;
    ca.epochStart = 0;
    ca.ackCnt = 0;
    ca.tcpCwnd = 0;
    ca.found = false;
  };
  const hystartReset = (tp: CcSock) => {
    ca.roundStart = ca.lastAck = tp.nowUs();
    ca.endSeq = tp.sndNxt;
    ca.currRtt = 0xffffffff;
    ca.sampleCnt = 0;
  };
  const update = (tp: CcSock, cwnd: number, acked: number) => {
    ca.ackCnt += acked;
    const now = tp.jiffies();
    if (ca.lastCwnd === cwnd && now - ca.lastTime <= HZ / 32) return;
    if (!(ca.epochStart && now === ca.lastTime)) {
      ca.lastCwnd = cwnd;
      ca.lastTime = now;
      if (ca.epochStart === 0) {
        ca.epochStart = now;
        ca.ackCnt = acked;
        ca.tcpCwnd = cwnd;
        if (ca.lastMaxCwnd <= cwnd) {
          ca.bicK = 0;
          ca.bicOriginPoint = cwnd;
        } else {
          ca.bicK = cubicRoot(Math.floor(CUBE_FACTOR * (ca.lastMaxCwnd - cwnd)));
          ca.bicOriginPoint = ca.lastMaxCwnd;
        }
      }
      let t = now - ca.epochStart + Math.ceil(ca.delayMin / 1000);
      t = Math.floor((t * 2 ** BICTCP_HZ) / HZ);
      const offs = t < ca.bicK ? ca.bicK - t : t - ca.bicK;
      const delta = Math.floor((CUBE_RTT_SCALE * offs * offs * offs) / 2 ** (10 + 3 * BICTCP_HZ));
      const bicTarget = t < ca.bicK ? ca.bicOriginPoint - delta : ca.bicOriginPoint + delta;
      ca.cnt = bicTarget > cwnd ? Math.floor(cwnd / (bicTarget - cwnd)) : 100 * cwnd;
      if (ca.lastMaxCwnd === 0 && ca.cnt > 20) ca.cnt = 20;
    }
    // TCP friendliness
    const d = (cwnd * BETA_SCALE) >> 3;
    if (d > 0)
      while (ca.ackCnt > d) {
        ca.ackCnt -= d;
        ca.tcpCwnd++;
      }
    if (ca.tcpCwnd > cwnd) {
      const maxCnt = Math.floor(cwnd / (ca.tcpCwnd - cwnd));
      if (ca.cnt > maxCnt) ca.cnt = maxCnt;
    }
    ca.cnt = Math.max(ca.cnt, 2);
  };
  const hystartUpdate = (tp: CcSock, delay: number) => {
    if (after32(tp.sndUna, ca.endSeq)) hystartReset(tp);
    if (HYSTART_DETECT & HYSTART_ACK_TRAIN) {
      const now = tp.nowUs();
      if (now - ca.lastAck <= HYSTART_ACK_DELTA_US) {
        ca.lastAck = now;
        let threshold = ca.delayMin;
        if (tp.pacingRate) threshold += Math.min(1000, Math.floor((GSO_MAX_SIZE * 4 * 1e6) / tp.pacingRate));
        threshold >>= 1; // no fq pacing on the device
        if (now - ca.roundStart > threshold) {
          ca.found = true;
          tp.ssthresh = tp.cwnd;
        }
      }
    }
    if (HYSTART_DETECT & HYSTART_DELAY) {
      if (ca.currRtt > delay) ca.currRtt = delay;
      if (ca.sampleCnt < HYSTART_MIN_SAMPLES) {
        ca.sampleCnt++;
      } else {
        const thresh = Math.min(Math.max(ca.delayMin >> 3, HYSTART_DELAY_MIN), HYSTART_DELAY_MAX);
        if (ca.currRtt > ca.delayMin + thresh) {
          ca.found = true;
          tp.ssthresh = tp.cwnd;
        }
      }
    }
  };
  return {
    name: "cubic",
    init(tp) {
      reset();
      hystartReset(tp);
    },
    ssthresh(tp) {
      ca.epochStart = 0;
      if (tp.cwnd < ca.lastMaxCwnd)
        ca.lastMaxCwnd = Math.floor((tp.cwnd * (BICTCP_BETA_SCALE + BETA)) / (2 * BICTCP_BETA_SCALE));
      else ca.lastMaxCwnd = tp.cwnd;
      return Math.max(Math.floor((tp.cwnd * BETA) / BICTCP_BETA_SCALE), 2);
    },
    congAvoid(tp, _ack, acked) {
      if (!tp.cwndLimited()) return;
      if (inSlowStart(tp)) {
        acked = tcpSlowStart(tp, acked);
        if (!acked) return;
      }
      update(tp, tp.cwnd, acked);
      tcpCongAvoidAi(tp, ca.cnt, acked);
    },
    undoCwnd: (tp) => Math.max(tp.cwnd, tp.priorCwnd),
    setState(tp, state) {
      if (state === TCP_CA_Loss) {
        reset();
        hystartReset(tp);
      }
    },
    cwndEvent(tp, event) {
      if (event === CA_EVENT_TX_START) {
        const now = tp.jiffies();
        const delta = now - tp.lsndtime;
        // Linux: the epoch moves forward by the idle time, so an idle connection does not grow cwnd.
        if (ca.epochStart && delta > 0) {
          ca.epochStart += delta;
          if (ca.epochStart > now) ca.epochStart = now;
        }
      }
    },
    pktsAcked(tp, _n, rttUs) {
      if (rttUs < 0) return;
      if (ca.epochStart && tp.jiffies() - ca.epochStart < HZ) return;
      const delay = rttUs === 0 ? 1 : rttUs;
      if (ca.delayMin === 0 || ca.delayMin > delay) ca.delayMin = delay;
      if (!ca.found && inSlowStart(tp) && tp.cwnd >= HYSTART_LOW_WINDOW) hystartUpdate(tp, delay);
    },
  };
}

function after32(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

export function createCongestionOps(name: string): CongestionOps | null {
  if (name === "cubic") return createCubic();
  if (name === "reno") return createReno();
  return null;
}
