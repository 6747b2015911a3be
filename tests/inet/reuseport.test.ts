import { describe, expect, it } from "vitest";
import { AF_INET, SO_REUSEPORT, SOCK_STREAM, SOL_SOCKET } from "../../src/kernel/constants.js";
import { clientServer } from "../helpers/world.js";

describe("SO_REUSEPORT listeners (the core's listener table)", () => {
  it("spreads connections over the group by flow hash; a flow always maps to the same member", async () => {
    const { world, client, server } = await clientServer({}, 11);
    const counts = [0, 0, 0];
    const picks = new Set<unknown>();
    const N = 24;
    let served = 0;
    const workers = [0, 1, 2].map((w) =>
      server.spawn(`worker${w}`, async (sys) => {
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.setsockopt(s, SOL_SOCKET, SO_REUSEPORT, 1);
        sys.bind(s, { family: AF_INET, addr: "0.0.0.0", port: 8080 });
        sys.listen(s, 64);
        sys.fcntl(s, 4 /* F_SETFL */, 0o4000 /* O_NONBLOCK */);
        while (served < N) {
          const c = sys.raw.accept(s);
          if (typeof c === "number" && c >= 0) {
            counts[w]++;
            served++;
            await sys.close(c);
          } else {
            await sys.nanosleep(1_000_000);
          }
        }
        await sys.close(s);
        return 0;
      }),
    );
    const clients = Array.from({ length: N }, (_, i) =>
      client.spawn(`c${i}`, async (sys) => {
        await sys.nanosleep(5_000_000 + i * 100_000);
        const s = sys.socket(AF_INET, SOCK_STREAM, 0);
        await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 8080 });
        if (i === 0)
          for (let k = 0; k < 5; k++)
            picks.add(server.net.tcp.lookupListener(0x0a000002, 8080, 0x0a000001, 40000));
        await sys.close(s);
        return 0;
      }),
    );
    await world.wait(...workers, ...clients);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(N);
    for (const c of counts) expect(c).toBeGreaterThan(0);
    expect(picks.size).toBe(1); // one flow, one member, every time
    expect([...picks][0]).toBeDefined();
  });
});
