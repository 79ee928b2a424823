import { test } from "node:test";
import assert from "node:assert/strict";
import { replicationControllerPrinter } from "./replication-controllers.ts";
import { ago, now } from "./test-clock.ts";

test("Kubernetes in Action's kubia rc, wide columns included", () => {
  const rc = {
    kind: "ReplicationController",
    metadata: { name: "kubia", creationTimestamp: ago(125) },
    spec: {
      replicas: 3,
      selector: { app: "kubia" },
      template: { spec: { containers: [{ name: "kubia", image: "luksa/kubia" }] } },
    },
    status: { replicas: 3, readyReplicas: 2 },
  };
  assert.deepEqual(replicationControllerPrinter.cells(rc, now), [
    "kubia",
    3,
    3,
    2,
    "2m5s",
    "kubia",
    "luksa/kubia",
    "app=kubia",
  ]);
  assert.deepEqual(
    replicationControllerPrinter.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ["Name", "string", 0],
      ["Desired", "integer", 0],
      ["Current", "integer", 0],
      ["Ready", "integer", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ],
  );
});

test("a new rc without status or template", () => {
  const rc = { metadata: { name: "bare", creationTimestamp: ago(1) }, spec: { replicas: 0 } };
  assert.deepEqual(replicationControllerPrinter.cells(rc, now), ["bare", 0, 0, 0, "1s", "", "", "<none>"]);
});
