import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { advertiseAddress } from "./server.ts";

describe("--advertise-address", () => {
  it("defaults to a specific bind address, else the node's IP", () => {
    assert.equal(advertiseAddress("", "10.99.3.2", "10.99.3.9"), "10.99.3.2");
    assert.equal(advertiseAddress("", "127.0.0.1", "10.99.3.9"), "10.99.3.9");
    assert.equal(advertiseAddress("", "0.0.0.0", "10.99.3.9"), "10.99.3.9");
    assert.equal(advertiseAddress("10.99.4.4", "127.0.0.1", "10.99.3.9"), "10.99.4.4");
  });

  it("refuses what pods could not reach", () => {
    for (const bad of ["127.0.0.1", "0.0.0.0"])
      assert.throws(
        () => advertiseAddress(bad, "127.0.0.1", undefined),
        new RegExp(`invalid --advertise-address "${bad.replace(/\./g, "\\.")}": pods cannot reach`),
      );
    assert.throws(() => advertiseAddress("node1", "127.0.0.1", undefined), /an IPv4 address is required/);
  });
});
