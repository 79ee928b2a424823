import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToIp, ipToBytes } from "./ip-address.ts";

void test("IPv4 and IPv6 literals become network-order bytes", () => {
  assert.equal(ipToBytes("10.43.0.1")?.toString("hex"), "0a2b0001");
  assert.equal(ipToBytes("::1")?.toString("hex"), "00000000000000000000000000000001");
  assert.equal(
    ipToBytes("fd00:10:43::a")?.toString("hex"),
    "fd00" + "0010" + "0043" + "0000".repeat(4) + "000a",
  );
  assert.equal(ipToBytes("2001:db8:0:0:1:0:0:1")?.toString("hex"), "20010db8000000000001000000000001");
  assert.equal(ipToBytes("::ffff:192.168.1.2")?.toString("hex"), "00000000000000000000ffffc0a80102");
  assert.equal(ipToBytes("::")?.toString("hex"), "0".repeat(32));
});

void test("non-addresses are refused", () => {
  assert.equal(ipToBytes("kubernetes"), undefined);
  assert.equal(ipToBytes("10.43.0.256"), undefined);
  assert.equal(ipToBytes("fe80::1%eth0"), undefined);
});

void test("bytes print in RFC 5952 form", () => {
  assert.equal(bytesToIp(Buffer.from([10, 43, 0, 1])), "10.43.0.1");
  assert.equal(bytesToIp(ipToBytes("0:0:0:0:0:0:0:1") as Buffer), "::1");
  assert.equal(bytesToIp(ipToBytes("2001:db8:0:0:1:0:0:1") as Buffer), "2001:db8::1:0:0:1");
  assert.equal(bytesToIp(ipToBytes("fd00:0:0:0:0:0:0:0") as Buffer), "fd00::");
  assert.equal(bytesToIp(Buffer.alloc(5)), undefined);
});
