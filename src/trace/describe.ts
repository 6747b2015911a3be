// The words of a timeline: what each stage of the receive path did to one packet, in the kernel's
// terms, with the socket, fd and process the lookup found. Called by the tracer between stages, so
// none of this is counted in a stage's cost.
import { DROP_REASON_NAMES } from "../generated/layout.js";
import type { Process } from "../kernel/process.js";
import { Sleeper } from "../kernel/wait.js";
import { ipToString, macToString } from "../net/addr.js";
import type { RxFrame } from "../net/frame.js";
import type { InetSock } from "../net/inet/sock.js";
import { ETH_P_ARP, ETH_P_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "../net/stack.js";
import type { TcpConn } from "../net/tcp/conn.js";
import type { ListenEntry } from "../net/tcp/proto.js";
import type { TcpOutSeg } from "../net/tcp/segment.js";
import { TCP_STATE_NAMES } from "../net/tcp/state.js";
import type { TraceStage } from "../net/trace.js";
import type { SockOwner } from "../tools/model.js";
import { tcpFlags } from "../tools/print.js";
import type { InetIndex } from "../tools/views/index.js";

/** The name each stage has in a timeline. */
export const STAGE_TITLES: Record<TraceStage, string> = {
  ring: "NIC RX ring",
  irq: "IRQ",
  napi: "NAPI poll",
  eth: "Ethernet",
  drop: "Drop",
  ip: "IPv4",
  tcp: "TCP",
  lookup: "Socket Lookup",
  input: "TCP state machine",
  enqueue: "Enqueue",
  wakeup: "Wakeup",
  xmit: "TX (reply)",
  end: "",
  sched: "Process scheduled",
  copy: "Copy to user",
  copied: "",
};

export function endpoint(addr: number, port: number): string {
  return `${ipToString(addr)}:${port}`;
}

/** One line about a received TCP segment, tcpdump-like. */
export function segmentSummary(f: RxFrame, len: number): string {
  const t = f.tcp;
  if (!t) return `${ipToString(f.ipSaddr)} > ${ipToString(f.ipDaddr)} proto ${f.ipProto}`;
  const seq = len > 0 ? `seq ${t.seq}:${(t.seq + len) >>> 0}` : `seq ${t.seq}`;
  const ack = t.flags & 0x10 ? `, ack ${t.ack}` : "";
  return (
    `${endpoint(f.ipSaddr, f.sport)} > ${endpoint(f.ipDaddr, f.dport)}: ` +
    `Flags [${tcpFlags(t.flags)}], ${seq}${ack}, win ${t.window}, length ${len}`
  );
}

export function ethText(f: RxFrame): string {
  const type =
    f.ethType === ETH_P_IP ? "IPv4" : f.ethType === ETH_P_ARP ? "ARP" : `0x${f.ethType.toString(16)}`;
  return `eth_type_trans: ${macToString(f.ethSrc)} > ${macToString(f.ethDst)}, type ${type}; parseFrame checked every layer`;
}

export function ipText(f: RxFrame): string {
  const proto =
    f.ipProto === IPPROTO_TCP
      ? "tcp"
      : f.ipProto === IPPROTO_UDP
        ? "udp"
        : f.ipProto === IPPROTO_ICMP
          ? "icmp"
          : String(f.ipProto);
  return `ip_rcv: ${ipToString(f.ipSaddr)} > ${ipToString(f.ipDaddr)}, ttl ${f.ipTtl}, id ${f.ipId}, ${proto}; header checksum ok -> ip_local_deliver`;
}

export function tcpText(f: RxFrame): string {
  const t = f.tcp;
  if (!t) return "tcp_v4_rcv";
  return `tcp_v4_rcv: Flags [${tcpFlags(t.flags)}], ${f.plen} bytes of payload, checksum ok (pseudo-header)`;
}

export function dropText(reason: number): string {
  return `kfree_skb: SKB_DROP_REASON_${DROP_REASON_NAMES[reason] ?? reason}`;
}

/** "fd=4, owned by nginx pid=12" for a socket held by processes. */
export function ownerText(owners: readonly SockOwner[] | undefined): string {
  if (!owners || owners.length === 0) return "no process holds it";
  if (owners.length === 1) return `fd=${owners[0].fd}, owned by ${owners[0].comm} pid=${owners[0].pid}`;
  return `shared by ${owners.map((x) => `${x.comm} pid=${x.pid} fd=${x.fd}`).join(", ")}`;
}

/**
 * What a lookup found, as "hash(4-tuple) -> found socket fd=12, owned by nginx pid=1234". The
 * owners are read from `idx` now (they may change later); the words are made when asked.
 */
export function lookupText(idx: InetIndex, found: { conn?: TcpConn; listener?: ListenEntry }): () => string {
  const own = (sk: InetSock | undefined) => (sk ? idx.holders.get(sk)?.owners.slice() : undefined);
  if (found.conn) {
    const c = found.conn;
    const what = `hash(4-tuple ${endpoint(c.raddr, c.rport)} -> ${endpoint(c.laddr, c.lport)})`;
    const sk = idx.byConn.get(c);
    if (sk) {
      const o = own(sk);
      return () => `${what} -> found socket ${ownerText(o)}`;
    }
    for (const [e, lsk] of idx.byListen) {
      if (!e.acceptQ.includes(c)) continue;
      const o = own(lsk);
      return () => `${what} -> found socket, not accepted yet (accept queue of ${ownerText(o)})`;
    }
    const state = c.sk.state;
    return () => `${what} -> found socket ${TCP_STATE_NAMES[state]}, closed by its process`;
  }
  if (found.listener) {
    const e = found.listener;
    const o = own(idx.byListen.get(e));
    return () =>
      `established: miss; listener ${endpoint(e.addr, e.port)} -> found listening socket ${ownerText(o)}`;
  }
  return () => "established: miss; listener: miss -> no socket (RST)";
}

export function stateText(before: number, after: number, listener: boolean): string {
  if (listener) return "tcp_v4_do_rcv -> tcp_rcv_state_process: LISTEN (request sock / child)";
  const b = TCP_STATE_NAMES[before];
  const fn = before === 1 ? "tcp_rcv_established" : "tcp_rcv_state_process";
  return before === after ? `${fn}: ${b}` : `${fn}: ${b} -> ${TCP_STATE_NAMES[after]}`;
}

export function enqueueText(len: number, queued: number): string {
  return `tcp_queue_rcv: ${len} bytes linked on sk_receive_queue (${queued} bytes unread)`;
}

/**
 * Who a wake-up reaches: the sleeping tasks whose wait entry matches the key (one exclusive sleeper
 * at most, as __wake_up_common with nr_exclusive 1), and poll/epoll entries. The tasks are found
 * now; the words when asked.
 */
export function wakeupText(
  events: number,
  waiters: readonly unknown[],
): { text: () => string; tasks: Process[] } {
  const tasks: Process[] = [];
  let polls = 0;
  let exclusiveLeft = 1;
  for (const w of waiters) {
    const e = w as { mask: number; exclusive: boolean };
    if ((e.mask & events) === 0) continue;
    if (e.exclusive) {
      if (exclusiveLeft === 0) continue;
      exclusiveLeft--;
    }
    if (w instanceof Sleeper) tasks.push(w.task);
    else polls++;
  }
  const wchans = tasks.map((t) => t.wchan ?? "?");
  const text = () => {
    const words = tasks.map((t, i) => `${t.name} pid=${t.pid} (sleeping in ${wchans[i]})`);
    if (polls) words.push(`${polls} poll/epoll entr${polls === 1 ? "y" : "ies"}`);
    return words.length
      ? `sk_data_ready -> woke ${words.join(", ")}`
      : "sk_data_ready: nobody waiting on the socket";
  };
  return { text, tasks };
}

export function xmitText(seg: TcpOutSeg, laddr: number, lport: number, raddr: number, rport: number): string {
  const what =
    seg.dataLen > 0 ? `${seg.dataLen} bytes` : seg.flags === 0x10 ? "ACK" : `[${tcpFlags(seg.flags)}]`;
  return `tcp_transmit_skb: ${what} ${endpoint(laddr, lport)} > ${endpoint(raddr, rport)}, Flags [${tcpFlags(seg.flags)}], ack ${seg.ack}, win ${seg.window}`;
}

export function schedText(task: Process): string {
  return `${task.name} pid=${task.pid} runs again: schedule() returns into recv()`;
}

export function copyText(share: number, total: number): string {
  const of = share === total ? `${total} bytes` : `${share} of its bytes (${total} in all)`;
  return `skb_copy_datagram_msg: ${of} into the user buffer; the skb is freed once read`;
}
