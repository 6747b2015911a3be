#!/usr/bin/env node
// `wirestack` command line: every command is listed by `wirestack --help` with one line each.
import { Command } from "commander";
import { registerBench } from "./bench.js";
import { registerDemo } from "./demo.js";
import { registerPacketdrill } from "./packetdrill.js";
import { registerPcap } from "./pcap.js";
import { registerServeModels } from "./serve-models.js";
import { registerTools } from "./tools.js";
import { registerTun } from "./tun.js";

const program = new Command();
program
  .name("wirestack")
  .description("The Linux network path as a WebAssembly engine: sk_buff, IPv4/TCP/UDP, sockets, epoll")
  .showHelpAfterError();
registerDemo(program);
registerPcap(program);
registerTools(program);
registerBench(program);
registerPacketdrill(program);
registerTun(program);
registerServeModels(program);

await program.parseAsync(process.argv);
