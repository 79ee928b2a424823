import { test } from "node:test";
import assert from "node:assert/strict";
import { dropEmptyFields } from "./index.ts";

test("empty omitempty lists and maps go, at any depth, and required ones stay", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", labels: {}, ownerReferences: [], finalizers: ["a"] },
    spec: {
      containers: [{ name: "c", image: "i", env: [], args: [], resources: {}, volumeMounts: [] }],
      nodeSelector: {},
      tolerations: [],
      securityContext: {},
    },
    status: { conditions: [] },
  };
  dropEmptyFields("", "v1", "Pod", pod);
  assert.deepEqual(pod, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", finalizers: ["a"] },
    // Structs are not omitted by Go when empty: resources and securityContext stay.
    spec: { containers: [{ name: "c", image: "i", resources: {} }], securityContext: {} },
    status: {},
  });
  const empty = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [] } };
  dropEmptyFields("", "v1", "Pod", empty);
  assert.deepEqual(empty.spec.containers, [], "containers is required: validation reports it");
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations: {} }, data: {} };
  dropEmptyFields("", "v1", "ConfigMap", cm);
  assert.deepEqual(cm, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } });
});

test("kinds without a schema are left alone", () => {
  const obj = { apiVersion: "x/v1", kind: "Thing", spec: { list: [] } };
  dropEmptyFields("x", "v1", "Thing", obj);
  assert.deepEqual(obj.spec.list, []);
});
