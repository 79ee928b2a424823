import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { sortActivePodsWithRanks } from "./active-pods.ts";
import { isPodAvailable } from "./pod-helpers.ts";

const now = new Date("2024-01-01T12:00:00Z");

function pod(
  name: string,
  o: { node?: string; phase?: string; ready?: string; created?: string; cost?: string; restarts?: number },
): KObject {
  return {
    metadata: {
      name,
      uid: name,
      creationTimestamp: o.created ?? "2024-01-01T00:00:00Z",
      annotations: o.cost ? { "controller.kubernetes.io/pod-deletion-cost": o.cost } : {},
    },
    spec: { nodeName: o.node },
    status: {
      phase: o.phase ?? "Running",
      conditions: o.ready ? [{ type: "Ready", status: "True", lastTransitionTime: o.ready }] : [],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

const names = (ps: KObject[]) => ps.map((p) => p.metadata!.name);

describe("deletion order of active pods", () => {
  it("unscheduled, Pending, Unknown, not ready, then ready", () => {
    const pods = [
      pod("ready", { node: "n", ready: "2024-01-01T00:00:00Z" }),
      pod("unknown", { node: "n", phase: "Unknown" }),
      pod("not-ready", { node: "n" }),
      pod("pending", { node: "n", phase: "Pending" }),
      pod("unscheduled", { phase: "Pending" }),
    ];
    assert.deepEqual(names(sortActivePodsWithRanks(pods, [0, 0, 0, 0, 0], now)), [
      "unscheduled",
      "pending",
      "unknown",
      "not-ready",
      "ready",
    ]);
  });

  it("lower deletion cost first, then more related pods on the node, then more restarts", () => {
    const pods = [pod("a", { node: "n", cost: "10" }), pod("b", { node: "n", cost: "-5" })];
    assert.deepEqual(names(sortActivePodsWithRanks(pods, [0, 0], now)), ["b", "a"]);
    const doubled = [pod("alone", { node: "n1" }), pod("crowded", { node: "n2" })];
    assert.deepEqual(names(sortActivePodsWithRanks(doubled, [1, 3], now)), ["crowded", "alone"]);
    const restarts = [pod("calm", { node: "n" }), pod("flappy", { node: "n", restarts: 4 })];
    assert.deepEqual(names(sortActivePodsWithRanks(restarts, [0, 0], now)), ["flappy", "calm"]);
  });

  it("ready more recently first, and newer first, in logarithmic age buckets", () => {
    const ready = [
      pod("ready-long", { node: "n", ready: "2023-01-01T00:00:00Z" }),
      pod("ready-recent", { node: "n", ready: "2024-01-01T11:59:00Z" }),
    ];
    assert.deepEqual(names(sortActivePodsWithRanks(ready, [0, 0], now)), ["ready-recent", "ready-long"]);
    const ages = [
      pod("old", { created: "2023-01-01T00:00:00Z" }),
      pod("new", { created: "2024-01-01T11:00:00Z" }),
    ];
    assert.deepEqual(names(sortActivePodsWithRanks(ages, [0, 0], now)), ["new", "old"]);
  });
});

describe("isPodAvailable", () => {
  it("needs the pod ready for longer than minReadySeconds", () => {
    const p = pod("p", { ready: "2024-01-01T11:59:50Z" });
    assert.equal(isPodAvailable(p, 0, now), true);
    assert.equal(isPodAvailable(p, 5, now), true);
    assert.equal(isPodAvailable(p, 10, now), false);
    assert.equal(isPodAvailable(pod("q", {}), 0, now), false);
  });
});
