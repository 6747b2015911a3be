// Real tools (tshark, tcpdump) that some tests run. A missing tool skips those tests, with the reason
// in the test's name, except under CI (CI=true), where .ci/run installs the tools: there the tests
// run and fail.
import { execFileSync } from "node:child_process";

export function haveTool(name: string): boolean {
  try {
    execFileSync(name, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface ToolGate {
  /** Whether the tests that need the tool run (present, or absent under CI, where they then fail). */
  run: boolean;
  /** Appended to the test name: empty, or why it is skipped. */
  note: string;
  /** Throws (under CI) when the tool is missing; call first in the test. */
  require(): void;
}

/** `have` overrides the `NAME --version` probe (e.g. a check that a fixed path exists). */
export function toolGate(name: string, have = haveTool(name)): ToolGate {
  const ci = process.env.CI === "true";
  return {
    run: have || ci,
    note: have ? "" : ci ? ` (${name} missing under CI: fails)` : ` (skipped: ${name} is not installed)`,
    require() {
      if (!have) throw new Error(`${name} is not installed but CI=true: install it (see .ci/run)`);
    },
  };
}
