import { describe, expect, it } from "vitest";
import { ipToNumber, ipToString, parseCidr } from "../../src/net/addr.js";
import { RoutingTable } from "../../src/net/route.js";

const ip = ipToNumber;

describe("routing table", () => {
  function table() {
    const t = new RoutingTable();
    t.add({ dst: ip("10.0.0.0"), prefix: 8, gateway: 0, dev: "eth0", src: 0, metric: 0, proto: "kernel" });
    t.add({
      dst: ip("10.1.0.0"),
      prefix: 16,
      gateway: ip("10.0.0.254"),
      dev: "eth0",
      src: 0,
      metric: 0,
      proto: "static",
    });
    t.add({ dst: ip("10.1.2.0"), prefix: 24, gateway: 0, dev: "eth1", src: 0, metric: 0, proto: "kernel" });
    t.add({ dst: 0, prefix: 0, gateway: ip("10.0.0.1"), dev: "eth0", src: 0, metric: 100, proto: "static" });
    return t;
  }

  it("takes the longest matching prefix", () => {
    const t = table();
    expect(t.lookup(ip("10.1.2.3"))?.dev).toBe("eth1");
    expect(t.lookup(ip("10.1.9.9"))?.gateway).toBe(ip("10.0.0.254"));
    expect(t.lookup(ip("10.200.0.1"))?.prefix).toBe(8);
  });

  it("falls back to the default route, and has none without it", () => {
    const t = table();
    expect(t.lookup(ip("192.0.2.1"))?.gateway).toBe(ip("10.0.0.1"));
    t.delete(0, 0);
    expect(t.lookup(ip("192.0.2.1"))).toBeUndefined();
  });

  it("prefers the lower metric among equal prefixes and refuses duplicates", () => {
    const t = new RoutingTable();
    t.add({ dst: 0, prefix: 0, gateway: ip("1.1.1.1"), dev: "a", src: 0, metric: 200, proto: "static" });
    t.add({ dst: 0, prefix: 0, gateway: ip("2.2.2.2"), dev: "b", src: 0, metric: 50, proto: "static" });
    expect(t.lookup(ip("8.8.8.8"))?.dev).toBe("b");
    expect(() =>
      t.add({ dst: 0, prefix: 0, gateway: ip("3.3.3.3"), dev: "c", src: 0, metric: 50, proto: "static" }),
    ).toThrow(/exists/);
  });

  it("formats like `ip route`", () => {
    expect(table().format()).toBe(
      [
        "10.1.2.0/24 dev eth1 proto kernel scope link",
        "10.1.0.0/16 via 10.0.0.254 dev eth0",
        "10.0.0.0/8 dev eth0 proto kernel scope link",
        "default via 10.0.0.1 dev eth0 metric 100",
      ].join("\n"),
    );
  });

  it("parses and prints addresses", () => {
    expect(ipToString(ip("192.168.1.20"))).toBe("192.168.1.20");
    expect(Number.isNaN(ip("1.2.3"))).toBe(true);
    expect(Number.isNaN(ip("1.2.3.256"))).toBe(true);
    expect(parseCidr("10.0.0.7/24")).toEqual({ addr: ip("10.0.0.7"), prefix: 24 });
    expect(() => parseCidr("10.0.0.7/33")).toThrow(RangeError);
  });
});
