import assert from "node:assert/strict";
import { test } from "node:test";
import { formatHpaMetrics } from "../../api/tables/horizontal-pod-autoscalers.ts";
import { hpaV1ToV2, hpaV2ToV1 } from "../../api/conversion/hpa.ts";
import { MetricsError, resourceReplicas } from "./replica-calculator.ts";

const now = Date.parse("2026-01-01T01:00:00Z");
const pod = (name: string, cpu = "100m", ready = true) => ({
  metadata: { name },
  spec: { containers: [{ name: "c", resources: { requests: { cpu } } }] },
  status: {
    phase: "Running",
    startTime: "2026-01-01T00:00:00Z",
    conditions: [
      { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2026-01-01T00:00:10Z" },
    ],
  },
});

test("the replica count follows usage over requests, within a 10% tolerance", () => {
  const pods = [pod("a"), pod("b")];
  const busy = new Map([
    ["a", 200n],
    ["b", 200n],
  ]);
  assert.deepEqual(resourceReplicas(2, 50, "cpu", pods, busy, now), {
    replicas: 8,
    utilization: 200,
    rawAverage: 200n,
  });
  const near = new Map([
    ["a", 52n],
    ["b", 52n],
  ]);
  assert.equal(resourceReplicas(2, 50, "cpu", pods, near, now).replicas, 2);
  const idle = new Map([
    ["a", 1n],
    ["b", 1n],
  ]);
  assert.equal(resourceReplicas(2, 50, "cpu", pods, idle, now).replicas, 1);
});

test("a pod without metrics holds back a scale down; missing requests and metrics are errors", () => {
  const pods = [pod("a"), pod("b")];
  // b has no metrics: counted as using its whole request, so no scale down happens.
  assert.equal(resourceReplicas(2, 50, "cpu", pods, new Map([["a", 10n]]), now).replicas, 2);
  assert.throws(() => resourceReplicas(2, 50, "cpu", pods, new Map(), now), MetricsError);
  const bare = { ...pod("c"), spec: { containers: [{ name: "c" }] } };
  assert.throws(
    () => resourceReplicas(1, 50, "cpu", [bare], new Map([["c", 10n]]), now),
    /missing request for cpu in container c of Pod c/,
  );
});

test("kubectl get hpa's TARGETS column and the v1 view of a v2 autoscaler", () => {
  const metrics = [
    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
  ];
  assert.equal(formatHpaMetrics(metrics, undefined), "cpu: <unknown>/50%");
  assert.equal(
    formatHpaMetrics(metrics, [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 40 } } },
    ]),
    "cpu: 40%/50%",
  );
  const v2 = {
    metadata: { name: "h" },
    spec: { scaleTargetRef: { kind: "Deployment", name: "d" }, minReplicas: 1, maxReplicas: 3, metrics },
    status: {
      currentReplicas: 1,
      desiredReplicas: 1,
      currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 40 } } }],
    },
  };
  const v1 = hpaV2ToV1(structuredClone(v2));
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
  assert.equal(v1.status.currentCPUUtilizationPercentage, 40);
  const back = hpaV1ToV2(v1);
  assert.deepEqual(back.spec.metrics, metrics);
  assert.equal(back.metadata.annotations, undefined);
});
