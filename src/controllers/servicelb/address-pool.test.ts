import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { announcerOf, parseAddressPool } from "./address-pool.ts";

describe("load balancer address pool", () => {
  test("takes CIDRs and ranges, in order, without repeats", () => {
    assert.deepEqual(parseAddressPool(["10.99.9.0/31", "10.99.9.1-10.99.9.3"]), [
      "10.99.9.0",
      "10.99.9.1",
      "10.99.9.2",
      "10.99.9.3",
    ]);
    assert.deepEqual(
      parseAddressPool(["192.168.1.250/32,192.168.1.7"]),
      `"192.168.1.7": expected an IPv4 CIDR of /16 to /32 or a range FIRST-LAST`,
    );
    assert.match(parseAddressPool(["10.0.0.0/8"]) as string, /expected an IPv4 CIDR/);
    assert.match(parseAddressPool(["10.0.0.9-10.0.0.1"]) as string, /range FIRST-LAST/);
  });

  test("every node names the same announcer, spread over the nodes, and none without nodes", () => {
    assert.equal(announcerOf("10.99.9.1", ["b", "a"]), announcerOf("10.99.9.1", ["a", "b"]));
    const chosen = new Set(
      Array.from({ length: 16 }, (_, i) => announcerOf(`10.99.9.${i}`, ["a", "b", "c"])),
    );
    assert.ok(chosen.size >= 2);
    assert.equal(announcerOf("10.99.9.1", []), undefined);
  });
});
