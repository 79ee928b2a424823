import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { KUBIA_REPLICASET } from "../../../test/support/book.ts";
import { findKind, type ResourceInfo } from "../resources.ts";
import { deprecationWarning, fromStorageVersion, storageGroupVersion, toStorageVersion } from "./index.ts";

function info(group: string, kind: string): ResourceInfo {
  const i = findKind(group, kind);
  assert.ok(i, `${group} ${kind} is served`);
  return i;
}

// Kubernetes in Action, Chapter04/kubia-replicaset.yaml
const kubiaReplicaSet = KUBIA_REPLICASET;

// Kubernetes in Action, Chapter05/kubia-ingress.yaml
const kubiaIngress = `
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
`;

test("kubia-replicaset.yaml (apps/v1beta2) is stored as apps/v1 unchanged and served back as v1beta2", () => {
  const rs = info("apps", "ReplicaSet");
  const manifest = parse(kubiaReplicaSet);
  const stored = toStorageVersion(rs, "apps", "v1beta2", manifest);
  assert.equal(stored.apiVersion, "apps/v1");
  assert.equal(stored.kind, "ReplicaSet");
  assert.deepEqual(stored.spec, manifest.spec);
  assert.deepEqual(stored.metadata, { name: "kubia" });
  assert.equal(manifest.apiVersion, "apps/v1beta2", "the request body is not modified");

  assert.deepEqual(fromStorageVersion(rs, "apps", "v1beta2", stored), manifest);
  assert.equal(fromStorageVersion(rs, "apps", "v1", stored).apiVersion, "apps/v1");
  assert.equal(
    deprecationWarning("apps", "v1beta2", "ReplicaSet"),
    "apps/v1beta2 ReplicaSet is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 ReplicaSet",
  );
});

test("kubia-ingress.yaml (extensions/v1beta1) is stored as networking.k8s.io/v1 and served back", () => {
  const ing = info("networking.k8s.io", "Ingress");
  const stored = toStorageVersion(ing, "extensions", "v1beta1", parse(kubiaIngress));
  assert.deepEqual(stored, {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "kubia" },
    spec: {
      rules: [
        {
          host: "kubia.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "ImplementationSpecific",
                backend: { service: { name: "kubia-nodeport", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  });

  const back = fromStorageVersion(ing, "extensions", "v1beta1", stored);
  assert.equal(back.apiVersion, "extensions/v1beta1");
  assert.deepEqual(back.spec.rules[0].http.paths[0], {
    path: "/",
    pathType: "ImplementationSpecific",
    backend: { serviceName: "kubia-nodeport", servicePort: 80 },
  });
});

test("batch/v1beta1 CronJob is the same shape as batch/v1", () => {
  const cj = info("batch", "CronJob");
  const body = {
    apiVersion: "batch/v1beta1",
    kind: "CronJob",
    metadata: { name: "batch-job-every-fifteen-minutes" },
    spec: {
      schedule: "0,15,30,45 * * * *",
      jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure" } } } },
    },
  };
  const stored = toStorageVersion(cj, "batch", "v1beta1", body);
  assert.equal(stored.apiVersion, "batch/v1");
  assert.deepEqual(stored.spec, body.spec);
  assert.deepEqual(fromStorageVersion(cj, "batch", "v1beta1", stored), body);
});

test("events.k8s.io Events are stored as core/v1 Events", () => {
  const ev = info("events.k8s.io", "Event");
  assert.deepEqual(storageGroupVersion(ev), { group: "", version: "v1" });
  const stored = toStorageVersion(ev, "events.k8s.io", "v1", {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "e" },
    note: "hello",
    regarding: { kind: "Pod", name: "p" },
    reportingController: "skiff/test",
  });
  assert.equal(stored.apiVersion, "v1");
  assert.equal(stored.message, "hello");
  assert.deepEqual(stored.involvedObject, { kind: "Pod", name: "p" });
  assert.equal(stored.reportingComponent, "skiff/test");
  const served = fromStorageVersion(ev, "events.k8s.io", "v1", stored);
  assert.equal(served.apiVersion, "events.k8s.io/v1");
  assert.equal(served.note, "hello");
  assert.equal("message" in served, false);

  // The core resource serves the same stored object unchanged.
  const core = info("", "Event");
  assert.deepEqual(fromStorageVersion(core, "", "v1", stored), stored);
});

test("lists convert every item and keep item type meta only where it was", () => {
  const ing = info("networking.k8s.io", "Ingress");
  const list = {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressList",
    metadata: { resourceVersion: "7" },
    items: [
      { metadata: { name: "a" }, spec: { defaultBackend: { service: { name: "s", port: { number: 1 } } } } },
    ],
  };
  const out = fromStorageVersion(ing, "extensions", "v1beta1", list);
  assert.equal(out.apiVersion, "extensions/v1beta1");
  assert.equal(out.kind, "IngressList");
  assert.deepEqual(out.metadata, { resourceVersion: "7" });
  assert.deepEqual(out.items, [
    { metadata: { name: "a" }, spec: { backend: { serviceName: "s", servicePort: 1 } } },
  ]);
});

test("other resources only get the storage apiVersion and kind", () => {
  const pod = info("", "Pod");
  const stored = toStorageVersion(pod, "", "v1", { metadata: { name: "p" }, spec: { containers: [] } });
  assert.deepEqual(stored, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: { containers: [] },
  });
});
