// Drive a World's virtual clock until a promise settles, when the promise depends on work done in
// Node's own event loop too (Node streams, http): between clock steps Node may need host turns the
// kernel's driver does not wait for, so a stall (nothing left on the clock) is retried after a few
// turns before it counts. Bounded in virtual time and in retries.
import { StallError } from "../../src/kernel/kernel.js";
import { macrotask } from "../../src/kernel/macrotask.js";
import type { World } from "../../src/world/world.js";

export async function drive<T>(world: World, p: Promise<T>, maxNs = 120e9): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e) => {
      done = true;
      failed = true;
      error = e;
    },
  );
  const deadline = world.kernel.now() + maxNs;
  let stalls = 0;
  while (!done) {
    try {
      await world.kernel.runUntil(() => done, { timeoutNs: deadline - world.kernel.now() });
    } catch (e) {
      if (!(e instanceof StallError)) throw e;
      for (let i = 0; i < 5 && !done; i++) await macrotask();
      if (!done && ++stalls > 100) throw e;
    }
  }
  if (failed) throw error;
  return value as T;
}
