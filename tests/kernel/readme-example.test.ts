// The AF_UNIX server + client example of README.md, run as a test. The code
// between the markers must stay identical to the README's code block (checked below).
import { expect, it } from "vitest";
import { AF_UNIX, Kernel, SOCK_STREAM, type SockAddr } from "../../src/kernel/index.js";
import { readmeExample, testExample } from "../helpers/readme.js";

async function example() {
  // README:begin
  const kernel = new Kernel({ seed: 1 });
  const addr: SockAddr = { family: AF_UNIX, path: "/run/echo.sock" };

  const server = kernel.spawn("echod", async (sys) => {
    const fd = sys.socket(AF_UNIX, SOCK_STREAM);
    sys.bind(fd, addr);
    sys.listen(fd, 16);
    const conn = await sys.accept(fd); // sleeps until a client connects
    const buf = new Uint8Array(1024);
    for (;;) {
      const n = await sys.recv(conn, buf);
      if (n === 0) break; // the client closed
      await sys.send(conn, buf.subarray(0, n));
    }
    await sys.close(conn);
    await sys.close(fd);
  });

  const client = kernel.spawn("client", async (sys) => {
    const fd = sys.socket(AF_UNIX, SOCK_STREAM);
    await sys.connect(fd, addr);
    await sys.send(fd, new TextEncoder().encode("hello"));
    const buf = new Uint8Array(64);
    const n = await sys.recv(fd, buf);
    await sys.write(1, buf.subarray(0, n)); // stdout is captured: client.stdout
    await sys.close(fd);
  });

  await kernel.runUntil(Promise.all([server.exited, client.exited]));
  console.log(client.stdout); // hello
  // README:end
  return { kernel, server, client };
}

it("the README's AF_UNIX example runs and echoes", async () => {
  const { kernel, server, client } = await example();
  expect(client.stdout).toBe("hello");
  expect([server.exitCode, client.exitCode]).toEqual([0, 0]);
  expect(kernel.stats()).toMatchObject({ files: 0, sockets: 0, processes: 0 });
});

it("the README shows exactly this code", () => {
  expect(readmeExample("unix")).toEqual(testExample(import.meta.url));
});
