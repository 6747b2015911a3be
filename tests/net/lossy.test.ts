// Seeded lossy-link transfers: loss, duplication, reordering, corruption and jitter, byte-exact
// delivery (hash compared) and no leaked skbs, for many seeds. A failure names its seed; rerun one
// seed with WIRESTACK_SEED=<n>.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TCP_CLOSE } from "../../src/net/tcp/state.js";
import { expectNoLeaks } from "../helpers/leaks.js";
import { connect, listen, MS, twoHosts } from "../helpers/twohosts.js";

const SIZE = 2 * 1024 * 1024;
const seeds = process.env.WIRESTACK_SEED ? [Number(process.env.WIRESTACK_SEED)] : [1, 2, 3, 4, 5, 6, 7, 8];

function sha(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

describe("TCP over a lossy, duplicating, reordering, corrupting, jittery link", () => {
  for (const seed of seeds) {
    it(`2 MiB arrive byte-exact with nothing leaked (seed ${seed})`, async () => {
      const w = await twoHosts(
        {
          latencyNs: 200_000,
          bandwidth: 1e9,
          faults: {
            loss: 0.02,
            duplicate: 0.01,
            reorder: 0.02,
            reorderDelayNs: 300_000,
            corrupt: 0.01,
            jitterNs: 20_000,
          },
        },
        seed,
      );
      const srv = listen(w.b, 80);
      const c = connect(w.a, "10.0.0.2", 80);
      w.env.run(w.env.now() + 60_000 * MS);
      expect(srv.acceptQ.length, `seed ${seed}: handshake`).toBe(1);
      const s = srv.acceptQ.shift()!;
      srv.tl.acceptQueueLen--;
      const data = new Uint8Array(SIZE);
      let v = seed;
      for (let i = 0; i < SIZE; i++) {
        v = (Math.imul(v, 1103515245) + 12345) >>> 0;
        data[i] = v >>> 24;
      }
      const got = new Uint8Array(SIZE);
      let sent = 0;
      let recvd = 0;
      const buf = new Uint8Array(1 << 16);
      for (let i = 0; i < 200_000 && recvd < SIZE; i++) {
        if (sent < SIZE) {
          sent += c.append(data.subarray(sent));
          c.sk.pushPending();
        }
        w.env.run(w.env.now() + 2 * MS);
        for (;;) {
          const n = s.read(buf, false);
          if (n === 0) break;
          got.set(buf.subarray(0, n), recvd);
          recvd += n;
        }
      }
      expect(recvd, `seed ${seed}: bytes received`).toBe(SIZE);
      const st = w.link.stats().toB;
      expect(
        st.lost && st.duplicated && st.reordered && st.corrupted,
        `seed ${seed}: every fault happened`,
      ).toBeGreaterThan(0);
      expect(c.sk.totalRetrans, `seed ${seed}: retransmissions`).toBeGreaterThan(0);
      if (process.env.WIRESTACK_SEED) console.log(st, c.sk.totalRetrans, w.env.now() / MS);
      expect(sha(got), `seed ${seed}: sha256`).toBe(sha(data));
      c.sk.close(0, false);
      s.sk.close(0, false);
      w.env.run(w.env.now() + 200_000 * MS);
      expect([c.sk.state, s.sk.state], `seed ${seed}: final states`).toEqual([TCP_CLOSE, TCP_CLOSE]);
      c.purge();
      s.purge();
      expectNoLeaks(w.core, []);
    });
  }
});
