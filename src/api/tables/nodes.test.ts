import { test } from "node:test";
import assert from "node:assert/strict";
import { nodePrinter } from "./nodes.ts";
import { ago, now } from "./test-clock.ts";

function node(over: { labels?: Record<string, string>; spec?: any; status?: any }): any {
  return {
    kind: "Node",
    metadata: { name: "node1", creationTimestamp: ago(3 * 86400 + 3600), labels: over.labels ?? {} },
    spec: over.spec ?? {},
    status: {
      nodeInfo: {
        kubeletVersion: "v1.32.0",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.1.0-18-amd64",
        containerRuntimeVersion: "containerd://1.7.13",
      },
      addresses: [
        { type: "InternalIP", address: "192.168.1.10" },
        { type: "Hostname", address: "node1" },
      ],
      ...over.status,
    },
  };
}

test("a ready control-plane node, wide columns included", () => {
  const n = node({
    labels: { "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "" },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False" },
        { type: "Ready", status: "True" },
      ],
    },
  });
  assert.deepEqual(nodePrinter.cells(n, now), [
    "node1",
    "Ready",
    "control-plane,master",
    "3d1h",
    "v1.32.0",
    "192.168.1.10",
    "<none>",
    "Debian GNU/Linux 12 (bookworm)",
    "6.1.0-18-amd64",
    "containerd://1.7.13",
  ]);
  assert.deepEqual(
    nodePrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ["Name", "Status", "Roles", "Age", "Version"],
  );
});

test("a cordoned node that stopped reporting", () => {
  const n = node({
    labels: { "kubernetes.io/role": "worker" },
    spec: { unschedulable: true },
    status: { conditions: [{ type: "Ready", status: "Unknown" }] },
  });
  assert.deepEqual(nodePrinter.cells(n, now).slice(1, 3), ["NotReady,SchedulingDisabled", "worker"]);
});

test("a node without a Ready condition or roles, and with an empty nodeInfo", () => {
  const n = node({ status: { nodeInfo: {}, addresses: [{ type: "ExternalIP", address: "203.0.113.7" }] } });
  assert.deepEqual(nodePrinter.cells(n, now), [
    "node1",
    "Unknown",
    "<none>",
    "3d1h",
    "",
    "<none>",
    "203.0.113.7",
    "<unknown>",
    "<unknown>",
    "<unknown>",
  ]);
});
