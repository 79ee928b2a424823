import { test } from "node:test";
import assert from "node:assert/strict";
import { daemonSetPrinter } from "./daemon-sets.ts";
import { ago, now } from "./test-clock.ts";

test("a daemon set restricted to SSD nodes", () => {
  const ds = {
    kind: "DaemonSet",
    metadata: { name: "ssd-monitor", creationTimestamp: ago(40) },
    spec: {
      selector: { matchLabels: { app: "ssd-monitor" } },
      template: {
        spec: { nodeSelector: { disk: "ssd" }, containers: [{ name: "main", image: "luksa/ssd-monitor" }] },
      },
    },
    status: {
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 1,
    },
  };
  assert.deepEqual(daemonSetPrinter.cells(ds, now), [
    "ssd-monitor",
    2,
    2,
    1,
    2,
    1,
    "disk=ssd",
    "40s",
    "main",
    "luksa/ssd-monitor",
    "app=ssd-monitor",
  ]);
  assert.deepEqual(
    daemonSetPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"],
  );
});

test("a daemon set without a node selector", () => {
  const ds = { metadata: { name: "all" }, spec: { template: { spec: { containers: [] } } } };
  assert.deepEqual(daemonSetPrinter.cells(ds, now).slice(1, 8), [0, 0, 0, 0, 0, "<none>", "<unknown>"]);
});
