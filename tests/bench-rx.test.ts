// The `rx` benchmark suite builds its cases (every frame of the first rounds predicted, every socket
// woken, its eventpoll listed once) under the names the issue fixes, and each case runs. No timings.
import { describe, expect, it } from "vitest";
import { findSuite } from "../bench/suites/index.js";
import { rxSuite } from "../bench/suites/rx.js";

describe("bench suite rx", () => {
  it("is registered and has 64B (10k flows) and 64B-hot cases for wasm-batch, wasm-call, ts, harness", async () => {
    expect(findSuite("rx")).toBe(rxSuite);
    const cases = await rxSuite.cases({ quick: true });
    const names = cases.map((c) => `${c.case}/${c.impl}`);
    for (const c of ["64B", "64B-hot"])
      for (const impl of ["wasm-batch", "wasm-call", "ts", "harness"])
        expect(names).toContain(`${c}/${impl}`);
    for (const c of cases) {
      expect(c.ops % 64).toBe(0); // ops are packets, whole ring fills
      expect(c.bytes).toBe(64);
      for (let i = 0; i < 3; i++) c.fn();
    }
  }, 60_000);
});
