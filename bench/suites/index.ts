// Every benchmark suite, by name, for `wirestack bench <suite>`.
import type { Suite } from "../harness.js";
import { parseSuite } from "./parse.js";

export const suites: Suite[] = [parseSuite];

export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
