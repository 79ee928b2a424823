import { test } from "node:test";
import assert from "node:assert/strict";
import {
  difference,
  emptySet,
  forEachMember,
  fromFieldsV1,
  insertPath,
  intersection,
  isEmpty,
  pathString,
  toFieldsV1,
  union,
} from "./field-set.ts";

const fields = {
  "f:metadata": { "f:finalizers": { ".": {}, 'v:"a"': {} }, "f:labels": { ".": {}, "f:app": {} } },
  "f:spec": {
    "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:targetPort": {} } },
    "f:replicas": {},
  },
};

test("FieldsV1 round-trips with '.' only where a member has members below it", () => {
  assert.deepEqual(toFieldsV1(fromFieldsV1(fields)), fields);
  const built = emptySet();
  for (const keys of [["k:{}"], ["f:b"], ["f:a", "v:1"], ["f:a"]]) insertPath(built, keys);
  assert.deepEqual(toFieldsV1(built), { "f:a": { ".": {}, "v:1": {} }, "f:b": {}, "k:{}": {} });
  assert.deepEqual(Object.keys(toFieldsV1(built)), ["f:a", "f:b", "k:{}"], "keys sort as path elements");
});

test("member paths print as structured-merge-diff paths", () => {
  const paths: string[] = [];
  forEachMember(fromFieldsV1(fields), (keys) => paths.push(pathString(keys)));
  assert.deepEqual(paths, [
    ".metadata.finalizers",
    '.metadata.finalizers[="a"]',
    ".metadata.labels",
    ".metadata.labels.app",
    '.spec.ports[port=80,protocol="TCP"]',
    '.spec.ports[port=80,protocol="TCP"].port',
    '.spec.ports[port=80,protocol="TCP"].targetPort',
    ".spec.replicas",
  ]);
});

test("union, difference and intersection work on members, not on shape", () => {
  const a = fromFieldsV1({ "f:spec": { "f:replicas": {}, "f:paused": {} } });
  const b = fromFieldsV1({ "f:spec": { "f:replicas": {} }, "f:metadata": { "f:labels": { "f:x": {} } } });
  assert.deepEqual(toFieldsV1(difference(a, b)), { "f:spec": { "f:paused": {} } });
  assert.deepEqual(toFieldsV1(intersection(a, b)), { "f:spec": { "f:replicas": {} } });
  assert.deepEqual(toFieldsV1(union(a, b)), {
    "f:metadata": { "f:labels": { "f:x": {} } },
    "f:spec": { "f:paused": {}, "f:replicas": {} },
  });
  assert.ok(isEmpty(difference(a, a)));
});
