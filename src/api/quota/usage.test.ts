import assert from "node:assert/strict";
import { test } from "node:test";
import { amountsToList } from "../../apimachinery/quantity.ts";
import { countedResource } from "../../controllers/resourcequota/resourcequota-controller.ts";
import { podAmounts, quotaMatches, usageOf } from "./usage.ts";

test("a pod counts its containers' sum, or its largest init container when that is more", () => {
  const spec = {
    initContainers: [{ name: "i", resources: { requests: { cpu: "2" } } }],
    containers: [
      { name: "a", resources: { requests: { cpu: "500m", memory: "1Gi" } } },
      { name: "b", resources: { requests: { cpu: "500m", memory: "512Mi" } } },
    ],
  };
  assert.deepEqual(amountsToList(podAmounts(spec, "requests")), { cpu: "2", memory: "1536Mi" });
  const usage = amountsToList(usageOf("", "pods", { spec, status: { phase: "Running" } }));
  assert.equal(usage["requests.cpu"], "2");
  assert.equal(usage.pods, "1");
  assert.deepEqual(amountsToList(usageOf("", "pods", { spec, status: { phase: "Succeeded" } })), {});
});

test("services, claims and other kinds count as upstream's evaluators count them", () => {
  const lb = amountsToList(
    usageOf("", "services", { spec: { type: "LoadBalancer", ports: [{ port: 80 }, { port: 443 }] } }),
  );
  assert.deepEqual(lb, {
    "count/services": "1",
    services: "1",
    "services.loadbalancers": "1",
    "services.nodeports": "2",
  });
  const pvc = amountsToList(
    usageOf("", "persistentvolumeclaims", {
      spec: { storageClassName: "fast", resources: { requests: { storage: "5Gi" } } },
    }),
  );
  assert.equal(pvc["requests.storage"], "5Gi");
  assert.equal(pvc["fast.storageclass.storage.k8s.io/requests.storage"], "5Gi");
  assert.deepEqual(amountsToList(usageOf("apps", "deployments", {})), { "count/deployments.apps": "1" });
  assert.deepEqual(countedResource("count/deployments.apps"), { group: "apps", resource: "deployments" });
  assert.deepEqual(countedResource("requests.storage"), { group: "", resource: "persistentvolumeclaims" });
  assert.deepEqual(countedResource("limits.memory"), { group: "", resource: "pods" });
});

test("scoped quotas count only the pods their scopes admit", () => {
  const bestEffort = { spec: { containers: [{ name: "c" }] } };
  const burstable = { spec: { containers: [{ name: "c", resources: { requests: { cpu: "1" } } }] } };
  const q = { spec: { scopes: ["BestEffort"] } };
  assert.equal(quotaMatches(q, "", "pods", bestEffort), true);
  assert.equal(quotaMatches(q, "", "pods", burstable), false);
  assert.equal(quotaMatches(q, "", "services", {}), false);
  const byClass = {
    spec: {
      scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }] },
    },
  };
  assert.equal(quotaMatches(byClass, "", "pods", { spec: { priorityClassName: "high" } }), true);
  assert.equal(quotaMatches(byClass, "", "pods", { spec: {} }), false);
});
