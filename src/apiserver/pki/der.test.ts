import { test } from "node:test";
import assert from "node:assert/strict";
import * as der from "./der.ts";

const hex = (b: Buffer) => b.toString("hex");

void test("INTEGER is minimal and stays positive", () => {
  assert.equal(hex(der.smallInteger(2)), "020102");
  assert.equal(hex(der.smallInteger(0)), "020100");
  assert.equal(hex(der.unsignedInteger(Buffer.from("0080", "hex"))), "02020080");
  assert.equal(hex(der.unsignedInteger(Buffer.from("000001", "hex"))), "020101");
  assert.equal(hex(der.unsignedInteger(Buffer.from("ff", "hex"))), "020200ff");
});

void test("OIDs encode base-128 arcs and decode back", () => {
  assert.equal(hex(der.oid("1.2.840.10045.4.3.2")), "06082a8648ce3d040302");
  assert.equal(hex(der.oid("2.5.29.17")), "0603551d11");
  assert.equal(der.decodeOid(der.readElement(der.oid("1.3.6.1.5.5.7.3.2")).content), "1.3.6.1.5.5.7.3.2");
});

void test("long lengths use the long form", () => {
  const encoded = der.octetString(Buffer.alloc(300));
  assert.equal(hex(encoded.subarray(0, 4)), "0482012c");
  assert.equal(der.readElement(encoded).content.length, 300);
});

void test("named bit lists drop trailing zero bits", () => {
  // digitalSignature + keyEncipherment: 1010 0000, 5 unused bits
  assert.equal(hex(der.namedBits([0, 2])), "030205a0");
  // digitalSignature + keyCertSign + cRLSign: 1000 0110, 1 unused bit
  assert.equal(hex(der.namedBits([0, 5, 6])), "03020186");
  // decipherOnly (bit 8) spills into a second byte
  assert.equal(hex(der.namedBits([0, 8])), "0303078080");
});

void test("times switch from UTCTime to GeneralizedTime in 2050", () => {
  assert.equal(der.time(new Date("2049-12-31T23:59:59.900Z")).toString("latin1"), "\x17\x0d491231235959Z");
  assert.equal(der.time(new Date("2050-01-01T00:00:00Z")).toString("latin1"), "\x18\x0f20500101000000Z");
});

void test("SET OF members are sorted by encoding", () => {
  const a = der.utf8String("b");
  const b = der.utf8String("a");
  assert.equal(hex(der.set(a, b)), `3106${hex(b)}${hex(a)}`);
});

void test("reading rejects elements that overrun their container", () => {
  assert.throws(() => der.readElement(Buffer.from("0405aabb", "hex")), /overruns/);
});
