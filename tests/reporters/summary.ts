// Prints one closing line that any CI can read: "N passed, M failed, K skipped".
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      let moduleFailed = 0;
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === "passed") passed++;
        else if (s === "failed") {
          failed++;
          moduleFailed++;
        } else skipped++;
      }
      // A file that failed outside its tests (import error, beforeAll) counts as one failure.
      if (m.state() === "failed" && moduleFailed === 0) failed++;
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
