// Port ownership for bind() and connect(), as Linux's bind hash (inet_bind_bucket) decides it:
// two sockets conflict on a port when their local addresses overlap (equal, or either is
// INADDR_ANY) unless SO_REUSEADDR lets them share (both set, and the one already there is not
// listening: a new listener may join reuse sockets that are not listening, Linux's
// inet_bind_conflict `sk->sk_reuse && sk2->sk_reuse && sk2->sk_state != TCP_LISTEN`) or
// SO_REUSEPORT does (both set, same uid). Ephemeral ports come from ip_local_port_range.

export interface BindOwner {
  addr: number;
  port: number;
  reuseaddr: boolean;
  reuseport: boolean;
  uid: number;
  listening: boolean;
  /** A TIME_WAIT socket still holding the port (SO_REUSEADDR ignores it, as Linux). */
  timewait: boolean;
}

export class BindTable {
  private ports = new Map<number, BindOwner[]>();

  owners(port: number): readonly BindOwner[] {
    return this.ports.get(port) ?? [];
  }

  /** Linux inet_csk_bind_conflict(). */
  conflicts(o: BindOwner): boolean {
    for (const b of this.owners(o.port)) {
      if (b === o) continue;
      if (b.addr !== 0 && o.addr !== 0 && b.addr !== o.addr) continue;
      if (o.reuseaddr && b.reuseaddr && !b.listening) continue;
      if (o.reuseaddr && b.timewait) continue;
      if (o.reuseport && b.reuseport && o.uid === b.uid) continue;
      return true;
    }
    return false;
  }

  add(o: BindOwner): void {
    const l = this.ports.get(o.port);
    if (l) l.push(o);
    else this.ports.set(o.port, [o]);
  }

  remove(o: BindOwner): void {
    const l = this.ports.get(o.port);
    if (!l) return;
    const i = l.indexOf(o);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.ports.delete(o.port);
  }

  /**
   * An ephemeral port for bind(port 0) (Linux inet_csk_find_open_port): scan the range from a random
   * offset; `ok` decides whether a candidate is free for this owner. Returns 0 when none is.
   */
  pickPort(range: [number, number], random: number, ok: (port: number) => boolean): number {
    const [lo, hi] = range;
    const n = hi - lo + 1;
    const start = Math.floor(random * n);
    for (let i = 0; i < n; i++) {
      const port = lo + ((start + i) % n);
      if (ok(port)) return port;
    }
    return 0;
  }
}
