import assert from "node:assert/strict";
import { test } from "node:test";
import { validateCreate, validateStatusUpdate, validateUpdate } from "./index.ts";
import { clone, daemonSet, deployment, messages, rc, replicaSet, stored } from "./test-fixtures.ts";

test("the defaulted learner RC, ReplicaSet, Deployment and DaemonSet are valid", () => {
  assert.deepEqual(validateCreate("", "ReplicationController", rc()), []);
  assert.deepEqual(validateCreate("apps", "ReplicaSet", replicaSet()), []);
  assert.deepEqual(validateCreate("apps", "Deployment", deployment()), []);
  assert.deepEqual(validateCreate("apps", "DaemonSet", daemonSet()), []);
});

test("an RC whose template labels don't match its selector is rejected", () => {
  const o = rc((r) => (r.spec.template.metadata.labels = { app: "x" }));
  const errs = validateCreate("", "ReplicationController", o);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.template.metadata.labels");
  assert.equal(errs[0].detail, "`selector` does not match template `labels`");
  assert.equal(String(errs[0].value), 'map[string]string{"app":"x"}');
});

test("RC replicas may not be negative and the template must restart Always", () => {
  assert.deepEqual(
    messages(
      validateCreate(
        "",
        "ReplicationController",
        rc((r) => (r.spec.replicas = -1)),
      ),
    ),
    ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
  );
  assert.deepEqual(
    messages(
      validateCreate(
        "",
        "ReplicationController",
        rc((r) => (r.spec.template.spec.restartPolicy = "OnFailure")),
      ),
    ),
    ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
  );
});

test("RC selector changes are allowed (they orphan pods)", () => {
  const old = stored(rc());
  const next = clone(old);
  next.spec.selector = { app: "kubia", v: "2" };
  next.spec.template.metadata.labels = { app: "kubia", v: "2" };
  assert.deepEqual(validateUpdate("", "ReplicationController", next, old), []);
});

test("apps/v1 ReplicaSets and Deployments require a non-empty selector", () => {
  assert.deepEqual(
    messages(
      validateCreate(
        "apps",
        "ReplicaSet",
        replicaSet((r) => delete r.spec.selector),
      ),
    ).slice(0, 1),
    ["spec.selector: Required value"],
  );
  const empty = validateCreate(
    "apps",
    "Deployment",
    deployment((d) => (d.spec.selector = {})),
  );
  assert.equal(empty[0].field, "spec.selector");
  assert.equal(empty[0].detail, "empty selector is invalid for deployment");
  const badOp = deployment(
    (d) => (d.spec.selector = { matchExpressions: [{ key: "app", operator: "Is", values: ["kubia"] }] }),
  );
  assert.deepEqual(messages(validateCreate("apps", "Deployment", badOp)).slice(0, 1), [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
  ]);
  const noValues = replicaSet(
    (r) => (r.spec.selector = { matchExpressions: [{ key: "app", operator: "In" }] }),
  );
  assert.deepEqual(messages(validateCreate("apps", "ReplicaSet", noValues)).slice(0, 1), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
});

test("ReplicaSet template labels must match a matchExpressions selector", () => {
  const o = replicaSet(
    (r) => (r.spec.selector = { matchExpressions: [{ key: "app", operator: "In", values: ["kubia"] }] }),
  );
  assert.deepEqual(validateCreate("apps", "ReplicaSet", o), []);
  const miss = replicaSet(
    (r) => (r.spec.selector = { matchExpressions: [{ key: "app", operator: "NotIn", values: ["kubia"] }] }),
  );
  const errs = validateCreate("apps", "ReplicaSet", miss);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.template.metadata.labels");
});

test("apps/v1 selectors are immutable", () => {
  for (const [kind, make] of [
    ["ReplicaSet", replicaSet],
    ["Deployment", deployment],
    ["DaemonSet", daemonSet],
  ] as const) {
    const old = stored(make());
    const next = clone(old);
    next.spec.selector = { matchLabels: { app: "x" } };
    next.spec.template.metadata.labels = { app: "x" };
    const errs = validateUpdate("apps", kind, next, old);
    assert.equal(errs.length, 1, kind);
    assert.equal(errs[0].field, "spec.selector");
    assert.equal(errs[0].detail, "field is immutable");
    assert.equal(
      String(errs[0].value),
      'v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
    );
  }
});

test("scaling a ReplicaSet is a valid update", () => {
  const old = stored(replicaSet());
  const next = clone(old);
  next.spec.replicas = 10;
  assert.deepEqual(validateUpdate("apps", "ReplicaSet", next, old), []);
});

test("deployment rolling updates need a non-zero maxUnavailable or maxSurge and a valid percentage", () => {
  const zero = deployment(
    (d) => (d.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }),
  );
  const errs = validateCreate("apps", "Deployment", zero);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.strategy.rollingUpdate.maxUnavailable");
  assert.equal(errs[0].detail, "may not be 0 when `maxSurge` is 0");
  const pct = deployment(
    (d) =>
      (d.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "abc", maxSurge: 1 } }),
  );
  assert.equal(
    validateCreate("apps", "Deployment", pct)[0].detail,
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
  );
  const recreate = deployment((d) => (d.spec.strategy = { type: "Recreate", rollingUpdate: {} }));
  assert.deepEqual(messages(validateCreate("apps", "Deployment", recreate)), [
    "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
  ]);
  const deadline = deployment((d) => {
    d.spec.minReadySeconds = 700;
  });
  assert.deepEqual(messages(validateCreate("apps", "Deployment", deadline)), [
    "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
  ]);
});

test("daemon sets may not surge and be unavailable at once, and restart Always", () => {
  const both = daemonSet(
    (d) =>
      (d.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }),
  );
  const errs = validateCreate("apps", "DaemonSet", both);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.updateStrategy.rollingUpdate.maxSurge");
  assert.equal(errs[0].detail, "may not be set when maxUnavailable is non-zero");
  const neither = daemonSet(
    (d) =>
      (d.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }),
  );
  assert.deepEqual(messages(validateCreate("apps", "DaemonSet", neither)), [
    "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
  ]);
  const mismatch = daemonSet((d) => (d.spec.template.metadata.labels = { app: "other" }));
  assert.equal(validateCreate("apps", "DaemonSet", mismatch)[0].field, "spec.template.metadata.labels");
});

test("status writes may not report more ready than total replicas", () => {
  const old = stored(replicaSet());
  const next = clone(old);
  next.status = { replicas: 1, readyReplicas: 2, availableReplicas: 0 };
  assert.deepEqual(messages(validateStatusUpdate("apps", "ReplicaSet", next, old)), [
    "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
  ]);
  const neg = clone(old);
  neg.status = { replicas: -1 };
  assert.deepEqual(
    messages(validateStatusUpdate("", "ReplicationController", neg, stored(rc()))).slice(0, 1),
    ["status.replicas: Invalid value: -1: must be greater than or equal to 0"],
  );
});
