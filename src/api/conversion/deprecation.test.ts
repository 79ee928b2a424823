import { test } from "node:test";
import assert from "node:assert/strict";
import { deprecationWarning } from "./deprecation.ts";

test("removed versions carry upstream's warning text", () => {
  assert.equal(
    deprecationWarning("apps", "v1beta2", "DaemonSet"),
    "apps/v1beta2 DaemonSet is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 DaemonSet",
  );
  assert.equal(
    deprecationWarning("apps", "v1beta2", "ReplicaSet"),
    "apps/v1beta2 ReplicaSet is deprecated in v1.9+, unavailable in v1.16+; use apps/v1 ReplicaSet",
  );
  assert.equal(
    deprecationWarning("batch", "v1beta1", "CronJob"),
    "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob",
  );
  assert.equal(
    deprecationWarning("extensions", "v1beta1", "Ingress"),
    "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress",
  );
});

test("list kinds are replaced by the replacement's list", () => {
  assert.equal(
    deprecationWarning("extensions", "v1beta1", "IngressList"),
    "extensions/v1beta1 IngressList is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 IngressList",
  );
});

test("current versions and unknown kinds have no warning", () => {
  assert.equal(deprecationWarning("apps", "v1", "Deployment"), undefined);
  assert.equal(deprecationWarning("", "v1", "Pod"), undefined);
  assert.equal(deprecationWarning("networking.k8s.io", "v1", "Ingress"), undefined);
  assert.equal(deprecationWarning("batch", "v1beta1", "Job"), undefined);
});
