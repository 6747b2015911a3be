// Without what a TUN bridge needs, opening one fails with a message that says what is missing.
import { describe, expect, it } from "vitest";
import { TunBridge, TunUnavailableError, tunRequirements } from "../../src/node/tun.js";
import { newWorld } from "../helpers/world.js";

describe("TUN bridge requirements", () => {
  it("names a missing socat and refuses to open, leaving the host untouched", async () => {
    const problems = tunRequirements({ socat: "/nonexistent/socat" });
    expect(problems).toContain("socat is not installed (apt-get install socat)");
    const world = await newWorld();
    const host = world.addHost("engine");
    const err = await TunBridge.open(host, {
      addr: "10.77.0.2/24",
      peer: "10.77.0.1",
      socat: "/nonexistent/socat",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunUnavailableError);
    expect((err as TunUnavailableError).code).toBe("ETUNUNAVAILABLE");
    expect((err as Error).message).toMatch(
      /^wirestack tun: a TUN bridge needs Linux, root, \/dev\/net\/tun and socat:\n {2}- /,
    );
    expect((err as Error).message).toContain("socat is not installed");
    expect(host.net.devices.map((d) => d.name)).toEqual(["lo"]);
    expect(world.kernel.clock.isRealtime).toBe(false);
  });

  it("asks for iproute2 only when a network namespace is wanted", () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const ipMissing = "ip (iproute2) is not installed (apt-get install iproute2)";
      expect(tunRequirements({ netns: true })).toContain(ipMissing);
      expect(tunRequirements({})).not.toContain(ipMissing);
      expect(tunRequirements({})).toContain("socat is not installed (apt-get install socat)");
    } finally {
      process.env.PATH = path;
    }
  });
});
