// Every benchmark suite, by name, for `wirestack bench <suite>`.
import type { Suite } from "../harness.js";
import { checksumSuite } from "./checksum.js";
import { epollSuite } from "./epoll.js";
import { parseSuite } from "./parse.js";

export const suites: Suite[] = [checksumSuite, parseSuite, epollSuite];

export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
