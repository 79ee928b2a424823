import { test } from "node:test";
import assert from "node:assert/strict";
import { createdFieldsV1 } from "./created-fields.ts";
import { compare } from "./structured-merge.ts";
import { toFieldsV1, union } from "./field-set.ts";
import { stripSystemFields } from "./managed-fields.ts";
import { patchMetaFor } from "./patch-meta.ts";
import type { JsonObject } from "./json-value.ts";

// The general path: what Compare adds going from {} to the object, less the system fields.
function viaCompare(obj: JsonObject, group: string, kind: string): JsonObject {
  const m = patchMetaFor({ group, kind });
  const d = compare({}, obj, m);
  return toFieldsV1(stripSystemFields(union(d.modified, d.added)));
}

const pod: JsonObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "p",
    namespace: "default",
    uid: "u",
    creationTimestamp: "2026-01-01T00:00:00Z",
    labels: { b: "2", a: "1" },
    annotations: {},
    finalizers: ["x/y"],
    ownerReferences: [{ apiVersion: "v1", kind: "RC", name: "rc", uid: "u2", controller: true }],
  },
  spec: {
    volumes: [{ name: "v", emptyDir: {} }],
    containers: [
      {
        name: "b",
        image: "i",
        ports: [
          { containerPort: 80, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP" },
        ],
        env: [
          { name: "Z", value: "1" },
          { name: "A", valueFrom: { fieldRef: { fieldPath: "x" } } },
        ],
        resources: { limits: { cpu: "1" }, requests: {} },
        args: ["a", "b"],
      },
      { name: "a", image: "j" },
    ],
    nodeSelector: { k: "v" },
    securityContext: {},
    tolerations: [{ key: "k", operator: "Exists" }],
  },
  status: { phase: "Pending" },
};

const deployment: JsonObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d", generation: 1, labels: { app: "d" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "d" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
    template: {
      metadata: { labels: { app: "d" } },
      spec: { containers: [{ name: "c", image: "i" }], dnsPolicy: "ClusterFirst" },
    },
  },
};

test("a create's fields are exactly what Compare adds from nothing, less the system fields", () => {
  for (const [obj, group, kind] of [
    [pod, "", "Pod"],
    [deployment, "apps", "Deployment"],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: "v" } }, "", "ConfigMap"],
  ] as const) {
    assert.deepEqual(createdFieldsV1(obj, patchMetaFor({ group, kind })), viaCompare(obj, group, kind));
  }
});

test("keys come out sorted as structured-merge-diff sorts them, owned maps marked with a dot", () => {
  const got = createdFieldsV1(pod, patchMetaFor({ group: "", kind: "Pod" }))!;
  const meta = got["f:metadata"] as JsonObject;
  assert.deepEqual(Object.keys(meta), ["f:finalizers", "f:labels", "f:ownerReferences"]);
  assert.deepEqual(meta["f:labels"], { ".": {}, "f:a": {}, "f:b": {} });
  const containers = (got["f:spec"] as JsonObject)["f:containers"] as JsonObject;
  assert.deepEqual(Object.keys(containers), ['k:{"name":"a"}', 'k:{"name":"b"}']);
});

test("reset fields are left to their own writers", () => {
  const got = createdFieldsV1(pod, patchMetaFor({ group: "", kind: "Pod" }), ["status"])!;
  assert.equal(got["f:status"], undefined);
  assert.ok(got["f:spec"]);
  assert.equal(
    createdFieldsV1(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } },
      patchMetaFor({ group: "", kind: "Namespace" }),
    ),
    undefined,
  );
});
