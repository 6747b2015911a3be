// The edge-triggered echo loop of README.md (I/O multiplexing), run as a test. The code between the markers
// must stay identical to the snippet's code block (checked below).
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import {
  AF_INET,
  EAGAIN,
  EPOLL_CTL_ADD,
  EPOLLET,
  EPOLLIN,
  EPOLLRDHUP,
  type EpollEvent,
  MSG_WAITALL,
  SIGKILL,
  SOCK_NONBLOCK,
  SOCK_STREAM,
} from "../../src/kernel/index.js";
import { loadCore } from "../../src/node.js";
import { World } from "../../src/world/world.js";

async function example() {
  // SNIPPET:begin
  const world = new World(await loadCore(), { seed: 1 });
  const client = world.addHost("client");
  const server = world.addHost("server");
  world.cable(client, "10.0.0.1/24", server, "10.0.0.2/24");

  // An edge-triggered echo loop: one process, non-blocking sockets, one epoll instance.
  const loop = server.spawn("echo-loop", async (sys) => {
    const l = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sys.bind(l, { family: AF_INET, addr: "0.0.0.0", port: 7 });
    sys.listen(l, 128);
    const ep = sys.epoll_create1(0);
    sys.epoll_ctl(ep, EPOLL_CTL_ADD, l, { events: EPOLLIN, data: l });
    const events: EpollEvent[] = [];
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await sys.epoll_wait(ep, events, 64, -1); // -1: wait; 0: do not wait; n: ms
      for (const { data: fd } of events.slice(0, n)) {
        if (fd === l) {
          for (;;) {
            const c = sys.raw.accept4(l, null, SOCK_NONBLOCK) as number;
            if (c < 0) break; // -EAGAIN: the queue is empty
            sys.epoll_ctl(ep, EPOLL_CTL_ADD, c, { events: EPOLLIN | EPOLLRDHUP | EPOLLET, data: c });
          }
          continue;
        }
        // Edge-triggered: read until EAGAIN, or the next edge may never come. The raw form returns
        // -EAGAIN (-11) instead of throwing.
        for (;;) {
          const r = sys.raw.recv(fd, buf) as number;
          if (r > 0) {
            await sys.send(fd, buf.subarray(0, r));
            continue;
          }
          if (r !== -EAGAIN) await sys.close(fd); // 0: the client closed; its registration goes too
          break;
        }
      }
    }
  });

  const ping = client.spawn("ping", async (sys) => {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    await sys.connect(s, { family: AF_INET, addr: "10.0.0.2", port: 7 });
    await sys.send(s, new TextEncoder().encode("ping"));
    const b = new Uint8Array(4);
    await sys.recv(s, b, MSG_WAITALL);
    await sys.write(1, b); // ping.stdout: "ping"
    await sys.close(s);
  });
  await world.wait(ping);
  // SNIPPET:end
  return { world, loop, ping };
}

it("the snippet's epoll echo loop runs and echoes", async () => {
  const { world, loop, ping } = await example();
  expect(ping.stdout).toBe("ping");
  expect(ping.exitCode).toBe(0);
  await world.runUntilIdle({ maxNs: 1e9 });
  // The client's close reached the loop, which closed its side: only the listener and the epoll fd stay.
  expect(loop.fds().map((f) => f.link)).toEqual([
    expect.stringMatching(/^pipe:/),
    expect.stringMatching(/^pipe:/),
    expect.stringMatching(/^pipe:/),
    expect.stringMatching(/^socket:/),
    "anon_inode:[eventpoll]",
  ]);
  world.kernel.kill(loop.pid, SIGKILL);
  await world.wait(loop);
});

it("the snippet shows exactly this code", () => {
  const body = (src: string) =>
    src
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  const test = readFileSync(new URL(import.meta.url), "utf8");
  const inTest = test.slice(test.indexOf("// SNIPPET:begin") + 16, test.indexOf("  // SNIPPET:end"));
  const md = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = md.indexOf("```ts\n", md.indexOf("<!-- example:epoll -->")) + 6;
  const block = md.slice(start, md.indexOf("```", start));
  const inMd = block.split("\n").filter((l) => !l.startsWith("import "));
  expect(body(inMd.join("\n"))).toEqual(body(inTest));
});
