// SNMP MIB counters as Linux keeps them (include/uapi/linux/snmp.h), by the names /proc/net/snmp and
// /proc/net/netstat print. Groups are open records: a counter the engine never bumps reads as 0 when
// the tools print Linux's full column list.

export type SnmpGroup = "Ip" | "Icmp" | "IcmpMsg" | "Tcp" | "Udp" | "TcpExt" | "IpExt";

export class Snmp {
  readonly groups: Record<SnmpGroup, Record<string, number>> = {
    Ip: { Forwarding: 2, DefaultTTL: 64 },
    Icmp: {},
    IcmpMsg: {},
    // Linux prints RtoAlgorithm 1, RtoMin 200, RtoMax 120000, MaxConn -1 as constants.
    Tcp: { RtoAlgorithm: 1, RtoMin: 200, RtoMax: 120000, MaxConn: -1 },
    Udp: {},
    TcpExt: {},
    IpExt: {},
  };

  inc(group: SnmpGroup, name: string, n = 1): void {
    const g = this.groups[group];
    g[name] = (g[name] ?? 0) + n;
  }

  get(group: SnmpGroup, name: string): number {
    return this.groups[group][name] ?? 0;
  }
}
