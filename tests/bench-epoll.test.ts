// The `epoll` benchmark suite builds its cases (every path finds exactly the one ready descriptor
// among n before anything is timed) under the names the issue fixes, and each case runs. No timings.
import { describe, expect, it } from "vitest";
import { epollSuite } from "../bench/suites/epoll.js";
import { findSuite } from "../bench/suites/index.js";

describe("bench suite epoll", () => {
  it("is registered and has epoll (wasm, ts), poll and select cases up to FD_SETSIZE", async () => {
    expect(findSuite("epoll")).toBe(epollSuite);
    const cases = await epollSuite.cases({ quick: true });
    const names = cases.map((c) => `${c.case}/${c.impl}`);
    for (const n of ["10", "100", "1k", "10k", "100k"]) {
      expect(names).toContain(`epoll-${n}/wasm`);
      expect(names).toContain(`epoll-${n}/ts`);
      expect(names).toContain(`poll-${n}/poll`);
    }
    expect(names.filter((x) => x.startsWith("select-"))).toEqual([
      "select-10/select",
      "select-100/select",
      "select-1k/select",
    ]);
    for (const c of cases) c.fn();
  }, 60_000);
});
