import { test } from "node:test";
import assert from "node:assert/strict";
import { deploymentPrinter } from "./deployments.ts";
import { ago, now } from "./test-clock.ts";

test("a deployment mid-rollout", () => {
  const d = {
    kind: "Deployment",
    metadata: { name: "web", creationTimestamp: ago(330) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: { spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } },
    },
    status: { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 },
  };
  assert.deepEqual(deploymentPrinter.cells(d, now), [
    "web",
    "2/3",
    1,
    2,
    "5m30s",
    "nginx",
    "nginx:1.25",
    "app=web",
  ]);
  assert.deepEqual(
    deploymentPrinter.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ["Name", "string", 0],
      ["Ready", "string", 0],
      ["Up-to-date", "string", 0],
      ["Available", "string", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ],
  );
});

test("a brand-new deployment: no status, empty or invalid selector", () => {
  const d = { metadata: { name: "new", creationTimestamp: ago(2) }, spec: { replicas: 2, selector: {} } };
  assert.deepEqual(deploymentPrinter.cells(d, now), ["new", "0/2", 0, 0, "2s", "", "", ""]);
  const bad = {
    metadata: { name: "bad" },
    spec: { selector: { matchExpressions: [{ key: "a", operator: "Nope" }] } },
  };
  assert.equal(deploymentPrinter.cells(bad, now)[7], "<invalid>");
  assert.equal(deploymentPrinter.cells(bad, now)[1], "0/1");
});
