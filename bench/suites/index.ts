// Every benchmark suite, by name, for `wirestack bench <suite>`.
import type { Suite } from "../harness.js";
import { checksumSuite } from "./checksum.js";
import { epollSuite } from "./epoll.js";
import { lookupSuite } from "./lookup.js";
import { parseSuite } from "./parse.js";
import { rxSuite } from "./rx.js";
import { streamSuite } from "./stream.js";
import { traceSuite } from "./trace.js";

export const suites: Suite[] = [
  checksumSuite,
  parseSuite,
  lookupSuite,
  epollSuite,
  streamSuite,
  traceSuite,
  rxSuite,
];

export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
