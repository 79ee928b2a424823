import assert from "node:assert/strict";
import { test } from "node:test";
import { addQuantities, formatQuantity, parseQuantity } from "./quantity.ts";

const fmt = (s: string) => formatQuantity(parseQuantity(s)!);

test("quantities print in upstream's canonical form", () => {
  assert.equal(fmt("1000m"), "1");
  assert.equal(fmt("1500m"), "1500m");
  assert.equal(fmt("0.5"), "500m");
  assert.equal(fmt("1024Mi"), "1Gi");
  assert.equal(fmt("1536Mi"), "1536Mi");
  assert.equal(fmt("2000"), "2k");
  assert.equal(fmt("1e3"), "1k");
  assert.equal(fmt("0"), "0");
  assert.equal(parseQuantity("abc"), undefined);
  assert.equal(parseQuantity("1Gx"), undefined);
});

test("sums are exact and keep the first operand's format", () => {
  const sum = addQuantities(parseQuantity("512Mi")!, parseQuantity("512Mi")!);
  assert.equal(formatQuantity(sum), "1Gi");
  assert.equal(formatQuantity(addQuantities(parseQuantity("100m")!, parseQuantity("0.2")!)), "300m");
});
