import { test } from "node:test";
import assert from "node:assert/strict";
import { replicaSetPrinter } from "./replica-sets.ts";
import { ago, now } from "./test-clock.ts";

test("a replica set owned by a deployment", () => {
  const rs = {
    kind: "ReplicaSet",
    metadata: { name: "web-7d4b9c8f5", creationTimestamp: ago(7200) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web", "pod-template-hash": "7d4b9c8f5" } },
      template: {
        spec: {
          containers: [
            { name: "nginx", image: "nginx:1.25" },
            { name: "log", image: "busybox" },
          ],
        },
      },
    },
    status: { replicas: 3, readyReplicas: 3, availableReplicas: 3 },
  };
  assert.deepEqual(replicaSetPrinter.cells(rs, now), [
    "web-7d4b9c8f5",
    3,
    3,
    3,
    "120m",
    "nginx,log",
    "nginx:1.25,busybox",
    "app=web,pod-template-hash=7d4b9c8f5",
  ]);
});

test("a scaled-down replica set with an expression selector", () => {
  const rs = {
    metadata: { name: "old", creationTimestamp: ago(86400 * 10) },
    spec: {
      replicas: 0,
      selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] },
      template: { spec: { containers: [] } },
    },
    status: { replicas: 0 },
  };
  assert.deepEqual(replicaSetPrinter.cells(rs, now), ["old", 0, 0, 0, "10d", "", "", "app in (api,web)"]);
});
