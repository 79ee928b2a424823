import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FlagValues } from "./flags.ts";
import { nodeFlags, parseNodeFlags } from "./node-flags.ts";

const flags = (over: Record<string, unknown>): FlagValues =>
  ({
    ...Object.fromEntries(nodeFlags.map((f) => [f.name, f.default])),
    "node-name": "n1",
    "node-ip": "10.99.0.2",
    ...over,
  }) as FlagValues;

describe("node flags", () => {
  it("takes --proxy-mode iptables or userspace and leaves the default to the user's privileges", () => {
    assert.equal(parseNodeFlags(flags({}), "/tmp/d").proxyMode, undefined);
    assert.equal(parseNodeFlags(flags({ "proxy-mode": "userspace" }), "/tmp/d").proxyMode, "userspace");
    assert.equal(parseNodeFlags(flags({ "proxy-mode": "iptables" }), "/tmp/d").proxyMode, "iptables");
    assert.throws(
      () => parseNodeFlags(flags({ "proxy-mode": "ipvs" }), "/tmp/d"),
      /invalid --proxy-mode "ipvs": expected iptables or userspace/,
    );
  });

  it("refuses Ingress ports outside 0-65535", () => {
    assert.equal(parseNodeFlags(flags({ "ingress-http-port": 8080 }), "/tmp/d").ingressHttpPort, 8080);
    assert.throws(
      () => parseNodeFlags(flags({ "ingress-https-port": 70000 }), "/tmp/d"),
      /invalid --ingress-https-port 70000/,
    );
  });

  it("renews the node Lease at a quarter of --node-lease-duration-seconds, as upstream's kubelet", () => {
    const d = parseNodeFlags(flags({}), "/tmp/d");
    assert.equal(d.leaseDurationSeconds, 40);
    assert.equal(d.renewIntervalMs, 10_000);
    assert.equal(
      parseNodeFlags(flags({ "node-lease-duration-seconds": 8 }), "/tmp/d").renewIntervalMs,
      2_000,
    );
    for (const bad of [0, -3, 1.5])
      assert.throws(
        () => parseNodeFlags(flags({ "node-lease-duration-seconds": bad }), "/tmp/d"),
        new RegExp(`invalid --node-lease-duration-seconds ${bad}: a whole number of seconds`),
      );
  });
});
