// Every captured text from the real Linux tools, rebuilt from the model and compared byte for byte.
import { describe, expect, it } from "vitest";
import { formatLsof } from "../../src/tools/lsof.js";
import {
  formatFdinfo,
  formatProcNetNetstat,
  formatProcNetSnmp,
  formatProcNetTcp,
  formatProcNetUdp,
  formatProcPidFd,
} from "../../src/tools/proc.js";
import { formatSs } from "../../src/tools/ss.js";
import {
  allInetSocks,
  doc,
  fdOf,
  fdTable,
  fixtureText,
  inetSocks,
  processes,
  snmpCounters,
  unixSocks,
} from "./linux-fixture.js";

describe("/proc against Linux", () => {
  it("/proc/net/tcp", () => {
    expect(formatProcNetTcp(inetSocks("proc_net_tcp.txt"))).toBe(fixtureText("proc_net_tcp.txt"));
  });
  it("/proc/net/udp", () => {
    expect(formatProcNetUdp(inetSocks("proc_net_udp.txt"))).toBe(fixtureText("proc_net_udp.txt"));
  });
  it("/proc/net/snmp", () => {
    expect(formatProcNetSnmp(snmpCounters())).toBe(fixtureText("proc_net_snmp.txt"));
  });
  it("/proc/net/netstat", () => {
    expect(formatProcNetNetstat(snmpCounters())).toBe(fixtureText("proc_net_netstat.txt"));
  });
  for (const name of ["nginx", "curl", "supervisord", "statsd"]) {
    it(`ls -l /proc/<${name}>/fd`, () => {
      expect(formatProcPidFd(fdTable(name))).toBe(fixtureText(`proc_pid_fd_${name}.txt`));
    });
  }
  for (const f of doc.fdinfo as { file: string; process: string; fd: number }[]) {
    it(`/proc/<${f.process}>/fdinfo/${f.fd}`, () => {
      expect(formatFdinfo(fdOf(f.process, f.fd))).toBe(fixtureText(f.file));
    });
  }
});

describe("ss against iproute2", () => {
  for (const file of Object.keys(doc.captures).filter((k) => k.includes("ss_"))) {
    const { argv, cols }: { argv: string[]; cols?: number } = doc.captures[file];
    it(`${argv.join(" ")}${cols ? ` on a ${cols}-column terminal` : ""}`, () => {
      const input = file.includes("ss_x") ? { unix: unixSocks(file) } : { inet: inetSocks(file) };
      expect(formatSs(input, argv.slice(1), { screenWidth: cols })).toBe(fixtureText(file));
    });
  }
});

describe("lsof against lsof", () => {
  it("lsof -i -n -P -a -p <all>", () => {
    expect(formatLsof(allInetSocks(), processes())).toBe(fixtureText("lsof_i.txt"));
  });
  it("lsof -i -n -P -a -p <nginx>", () => {
    const nginx = doc.meta.pids.nginx as number;
    expect(formatLsof(allInetSocks(), processes(), { pids: [nginx] })).toBe(
      fixtureText("lsof_i_p_nginx.txt"),
    );
  });
});

describe("empty tables against Linux", () => {
  it("/proc/net/tcp and /proc/net/udp print only their headers", () => {
    expect(formatProcNetTcp([])).toBe(fixtureText("empty_proc_net_tcp.txt"));
    expect(formatProcNetUdp([])).toBe(fixtureText("empty_proc_net_udp.txt"));
  });
  for (const flags of ["-tan", "-tuanp", "-uan", "-xa"]) {
    it(`ss ${flags} prints only its header`, () => {
      expect(formatSs({}, flags)).toBe(fixtureText(`empty_ss_${flags.slice(1)}.txt`));
    });
  }
});
