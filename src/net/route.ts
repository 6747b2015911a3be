// The IPv4 routing table (Linux FIB, main table): longest prefix wins; among equal prefixes the lower
// metric. Routes are "link" scope (destination on the interface's subnet, next hop = destination) or
// via a gateway. Local addresses are looked up first, as Linux's local table is.
import { ipToString, prefixMask } from "./addr.js";

export interface Route {
  dst: number; // network address
  prefix: number;
  gateway: number; // 0 = directly connected
  dev: string; // interface name
  src: number; // preferred source address (0 = choose from the interface)
  metric: number;
  proto: "kernel" | "static";
}

export class RoutingTable {
  private routes: Route[] = [];

  add(r: Route): void {
    if (this.routes.some((x) => x.dst === r.dst && x.prefix === r.prefix && x.metric === r.metric)) {
      throw Object.assign(new Error(`route ${ipToString(r.dst)}/${r.prefix} exists`), { code: "EEXIST" });
    }
    r.dst = (r.dst & prefixMask(r.prefix)) >>> 0;
    this.routes.push(r);
    // longest prefix first, then lower metric: lookup takes the first match
    this.routes.sort((a, b) => b.prefix - a.prefix || a.metric - b.metric);
  }

  delete(dst: number, prefix: number): boolean {
    const i = this.routes.findIndex((x) => x.dst === dst && x.prefix === prefix);
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  removeDev(dev: string): void {
    this.routes = this.routes.filter((r) => r.dev !== dev);
  }

  /** Longest-prefix match (Linux fib_lookup). */
  lookup(daddr: number): Route | undefined {
    for (const r of this.routes) if ((daddr & prefixMask(r.prefix)) >>> 0 === r.dst) return r;
    return undefined;
  }

  list(): readonly Route[] {
    return this.routes;
  }

  /** `ip route` style text. */
  format(): string {
    return this.routes
      .map((r) => {
        const dst = r.prefix === 0 ? "default" : `${ipToString(r.dst)}/${r.prefix}`;
        const via = r.gateway ? ` via ${ipToString(r.gateway)}` : "";
        const scope = r.gateway ? "" : " proto kernel scope link";
        const src = r.src ? ` src ${ipToString(r.src)}` : "";
        const metric = r.metric ? ` metric ${r.metric}` : "";
        return `${dst}${via} dev ${r.dev}${r.proto === "kernel" ? scope : ""}${src}${metric}`;
      })
      .join("\n");
  }
}
