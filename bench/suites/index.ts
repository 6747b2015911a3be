// Every benchmark suite, by name, for `wirestack bench <suite>`.
import type { Suite } from "../harness.js";
import { lookupSuite } from "./lookup.js";

export const suites: Suite[] = [lookupSuite];

export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
