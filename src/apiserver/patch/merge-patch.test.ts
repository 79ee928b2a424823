import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../apimachinery/status-error.ts";
import { applyMergePatch } from "./merge-patch.ts";

const live = () =>
  Object.freeze({
    metadata: Object.freeze({ name: "x", labels: Object.freeze({ env: "dev", tier: "web" }) }),
    spec: Object.freeze({ replicas: 1, template: Object.freeze({ a: 1 }) }),
  });

test("kubectl label / scale merge patches: objects merge, null deletes, scalars replace", () => {
  const d = live();
  const out = applyMergePatch(d, {
    metadata: { labels: { env: "prod", tier: null } },
    spec: { replicas: 5 },
  }) as any;
  assert.deepEqual(out.metadata, { name: "x", labels: { env: "prod" } });
  assert.equal(out.spec.replicas, 5);
  assert.equal(out.spec.template, d.spec.template, "untouched subtrees are shared");
  assert.deepEqual(d.metadata.labels, { env: "dev", tier: "web" });
});

test("lists replace whole and new values lose their nulls", () => {
  const out = applyMergePatch(
    { a: [1, 2], b: { c: 1 } },
    { a: [3], b: { c: null, d: { e: null, f: 1 } }, g: [1, null] },
  );
  assert.deepEqual(out, { a: [3], b: { d: { f: 1 } }, g: [1] });
});

test("a non-object value replaces an object as is (evanphx/json-patch.v4)", () => {
  assert.deepEqual(applyMergePatch({ a: { b: 1 } }, { a: [1, null] }), { a: [1, null] });
});

test("null and scalar patches are 400 Invalid JSON Patch; an array patch is invalid", () => {
  for (const p of [null, 1, "x"]) {
    try {
      applyMergePatch({}, p);
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof StatusError);
      assert.deepEqual([e.code, e.reason, e.message], [400, "BadRequest", "Invalid JSON Patch"]);
    }
  }
  assert.throws(
    () => applyMergePatch({}, [1]),
    (e: unknown) => e instanceof StatusError && e.code === 422,
  );
});
