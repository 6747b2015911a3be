// Every benchmark suite, by name, for `wirestack bench <suite>`.
import type { Suite } from "../harness.js";

export const suites: Suite[] = [];

export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
