import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../apimachinery/status-error.ts";
import { applyJsonPatch } from "./json-patch.ts";

function frozen<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail("expected an error");
}

const doc = () =>
  frozen({
    metadata: { name: "x", labels: { "app.kubernetes.io/name": "web", "a~b": "1" } },
    spec: {
      containers: [
        { name: "a", image: "1" },
        { name: "b", image: "2" },
      ],
    },
  });

test("add, remove, replace, move, copy and test operate without touching the input", () => {
  const d = doc();
  const out = applyJsonPatch(d, [
    { op: "add", path: "/metadata/labels/env", value: "prod" },
    { op: "remove", path: "/metadata/labels/app.kubernetes.io~1name" },
    { op: "replace", path: "/metadata/labels/a~0b", value: "2" },
    { op: "add", path: "/spec/containers/-", value: { name: "c" } },
    { op: "add", path: "/spec/containers/0", value: { name: "z" } },
    { op: "move", from: "/spec/containers/1", path: "/spec/first" },
    { op: "copy", from: "/spec/first", path: "/spec/copy" },
    { op: "test", path: "/spec/copy/name", value: "a" },
    { op: "replace", path: "/spec/copy/name", value: "changed" },
  ]) as any;
  assert.deepEqual(out.metadata.labels, { env: "prod", "a~b": "2" });
  assert.deepEqual(
    out.spec.containers.map((c: any) => c.name),
    ["z", "b", "c"],
  );
  assert.deepEqual(out.spec.first, { name: "a", image: "1" }, "a copy is independent of its source");
  assert.equal(out.spec.copy.name, "changed");
  assert.deepEqual(d, doc(), "input unchanged");
});

test("negative indexes count from the end, as evanphx/json-patch.v4 allows", () => {
  const out = applyJsonPatch({ l: [1, 2, 3] }, [
    { op: "remove", path: "/l/-1" },
    { op: "add", path: "/l/-1", value: 9 },
  ]) as any;
  assert.deepEqual(out.l, [1, 2, 9]);
});

test("replacing an absent object key sets it (evanphx/json-patch.v4 behaviour)", () => {
  assert.deepEqual(applyJsonPatch({ a: {} }, [{ op: "replace", path: "/a/b", value: 1 }]), { a: { b: 1 } });
});

test("operations that cannot apply are 422 with the generic upstream message", () => {
  const cases: unknown[] = [
    [{ op: "test", path: "/metadata/name", value: "y" }],
    [{ op: "remove", path: "/metadata/nothere" }],
    [{ op: "add", path: "/missing/parent/x", value: 1 }],
    [{ op: "replace", path: "/spec/containers/5", value: 1 }],
    [{ op: "add", path: "/spec/containers/3", value: 1 }],
    [{ op: "frobnicate", path: "/x" }],
    [{ op: "add", value: 1 }],
    [{ op: "move", path: "/x" }],
    [{ op: "add", path: "", value: {} }],
  ];
  for (const patch of cases) {
    const e = errorOf(() => applyJsonPatch(doc(), patch));
    assert.equal(e.code, 422, JSON.stringify(patch));
    assert.equal(e.reason, "Invalid");
    assert.equal(e.message, "the server rejected our request due to an error in our request");
  }
});

test("test against an absent path succeeds only for a null value", () => {
  assert.ok(applyJsonPatch(doc(), [{ op: "test", path: "/metadata/nothere", value: null }]));
  assert.equal(
    errorOf(() => applyJsonPatch(doc(), [{ op: "test", path: "/metadata/nothere", value: 1 }])).code,
    422,
  );
});

test("a patch that does not decode is a 400, too many operations a 413", () => {
  const notArray = errorOf(() => applyJsonPatch(doc(), { op: "add" }));
  assert.deepEqual(
    [notArray.code, notArray.reason, notArray.message],
    [400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"],
  );
  const badOp = errorOf(() => applyJsonPatch(doc(), ["add"]));
  assert.equal(badOp.message, "json: cannot unmarshal string into Go value of type jsonpatch.Operation");
  const many = Array.from({ length: 10001 }, () => ({ op: "test", path: "/metadata/name", value: "x" }));
  const big = errorOf(() => applyJsonPatch(doc(), many));
  assert.deepEqual(
    [big.code, big.message],
    [413, "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"],
  );
});
