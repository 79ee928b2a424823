import assert from "node:assert/strict";
import { test } from "node:test";
import { semanticEqual } from "../apimachinery/semantic-equal.ts";
import { stableStringify } from "./pod-status.ts";

test("semanticEqual ignores key order and null or missing fields, as stableStringify does", () => {
  const a = {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True", reason: null }],
    podIP: "10.0.0.1",
  };
  const b = {
    podIP: "10.0.0.1",
    conditions: [{ status: "True", type: "Ready" }],
    phase: "Running",
    hostIP: null,
  };
  assert.equal(semanticEqual(a, b), true);
  assert.equal(semanticEqual(a, { ...b, podIP: "10.0.0.2" }), false);
  assert.equal(semanticEqual(a, { ...b, conditions: [] }), false);
  assert.equal(semanticEqual({ x: [1, null] }, { x: [1] }), false);
  assert.equal(semanticEqual({}, undefined), false, "an empty status is not no status");
});

test("semanticEqual agrees with comparing stableStringify output on random values", () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 2 || r < 0.3) return [null, 1, 2, "a", "b", true][Math.floor(rand() * 6)];
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (const k of ["a", "b", "c"]) if (rand() < 0.6) o[k] = value(depth + 1);
    return o;
  };
  const shuffled = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(shuffled);
    if (v && typeof v === "object") {
      const keys = Object.keys(v).reverse();
      return Object.fromEntries(keys.map((k) => [k, shuffled((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  let equalPairs = 0;
  for (let i = 0; i < 5000; i++) {
    const x = value(0);
    const y = rand() < 0.5 ? shuffled(x) : value(0);
    const expected = stableStringify(x) === stableStringify(y);
    if (expected) equalPairs++;
    assert.equal(semanticEqual(x, y), expected, `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  }
  assert.ok(equalPairs > 1000, "the sample holds equal pairs too");
});
