// `wirestack ss`, `wirestack lsof`, `wirestack proc`: the observability tools over the tour's world
// (src/cli/tourworld.ts: nginx and its workers on "server", wrk on "client"), for trying flags and
// files the tour does not show: `wirestack ss -tanpie`, `wirestack proc net/tcp --host client`,
// `wirestack proc 3/fdinfo/4`.
import type { Command } from "commander";
import { views } from "../tools/views/index.js";
import { exitQuietlyOnEpipe } from "./pcap.js";
import { buildTourWorld } from "./tourworld.js";

/** Text of /proc/<path> on a host of the tour's world, or an error message. */
export async function procText(path: string, hostName = "server"): Promise<string> {
  const t = await buildTourWorld();
  const v = views(t.world, t.world.host(hostName));
  const p = path.replace(/^\/?(proc\/)?/, "");
  switch (p) {
    case "net/tcp":
      return v.procNetTcp();
    case "net/udp":
      return v.procNetUdp();
    case "net/snmp":
      return v.procNetSnmp();
    case "net/netstat":
      return v.procNetNetstat();
  }
  const fd = /^(\d+)\/fd\/?$/.exec(p);
  if (fd) return v.procPidFd(Number(fd[1]));
  const info = /^(\d+)\/fdinfo\/(\d+)$/.exec(p);
  if (info) return v.fdinfo(Number(info[1]), Number(info[2]));
  throw Object.assign(
    new Error(`/proc/${p}: not one of net/tcp, net/udp, net/snmp, net/netstat, <pid>/fd, <pid>/fdinfo/<fd>`),
    {
      code: "ENOENT",
    },
  );
}

function fail(cmd: string, e: unknown): void {
  console.error(`wirestack ${cmd}: ${(e as Error).message}`);
  process.exitCode = 1;
}

export function registerTools(program: Command): void {
  program
    .command("ss")
    .description("ss over the tour's world: ss -tanpie")
    .argument("[flags...]", "ss's one-letter options: -t -u -x -l -a -n -p -i -e -m -o -H -4")
    .option("--host <name>", "server or client", "server")
    .allowUnknownOption()
    .action(async (flags: string[], o: { host: string }) => {
      exitQuietlyOnEpipe();
      try {
        const t = await buildTourWorld();
        process.stdout.write(views(t.world, t.world.host(o.host)).ss(flags.length ? flags : ["-t"]));
      } catch (e) {
        fail("ss", e);
      }
    });

  program
    .command("lsof")
    .description("lsof -i over the tour's world")
    .option("--host <name>", "server or client", "server")
    .action(async (o: { host: string }) => {
      exitQuietlyOnEpipe();
      try {
        const t = await buildTourWorld();
        process.stdout.write(views(t.world, t.world.host(o.host)).lsof());
      } catch (e) {
        fail("lsof", e);
      }
    });

  program
    .command("proc")
    .description("/proc files of the tour's world")
    .argument("<path>", "net/tcp, net/udp, net/snmp, net/netstat, <pid>/fd or <pid>/fdinfo/<fd>")
    .option("--host <name>", "server or client", "server")
    .action(async (path: string, o: { host: string }) => {
      exitQuietlyOnEpipe();
      try {
        process.stdout.write(await procText(path, o.host));
      } catch (e) {
        fail("proc", e);
      }
    });
}
