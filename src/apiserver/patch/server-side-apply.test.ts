import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../apimachinery/status-error.ts";
import { applyServerSideApply, recordUpdateManagedFields } from "./server-side-apply.ts";

const t0 = "2024-05-01T10:00:00Z";
const t1 = "2024-05-01T11:00:00Z";
const t2 = "2024-05-01T12:00:00Z";

function frozen<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

const podConfig = (extra: Record<string, unknown> = {}) =>
  frozen({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", labels: { app: "web" } },
    spec: { containers: [{ name: "x", image: "nginx", ...extra }] },
  });

const deployment = (replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d", namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: "d" } },
    template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "img" }] } },
  },
});

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail("expected an error");
}

const mf = (o: any) => o.metadata.managedFields as any[];

test("apply creates the object and records an Apply entry in the upstream FieldsV1 format", () => {
  const out = applyServerSideApply(undefined, podConfig(), {
    manager: "kubectl",
    force: false,
    apiVersion: "v1",
    now: t0,
  }) as any;
  assert.equal(out.spec.containers[0].image, "nginx");
  assert.deepEqual(mf(out), [
    {
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "v1",
      time: t0,
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": { "f:containers": { 'k:{"name":"x"}': { ".": {}, "f:image": {}, "f:name": {} } } },
      },
    },
  ]);
});

test("re-applying drops the fields the manager stopped applying but keeps everything else", () => {
  const opts = { manager: "kubectl", force: false, apiVersion: "v1", now: t0 };
  let live = applyServerSideApply(undefined, podConfig({ args: ["a"] }), opts) as any;
  live = { ...live, status: { phase: "Running" }, spec: { ...live.spec, nodeName: "n1" } };
  const cfg = { ...podConfig(), metadata: { name: "p", namespace: "default" } };
  const out = applyServerSideApply(frozen(live), cfg, { ...opts, now: t1 }) as any;
  assert.equal(out.metadata.labels, undefined, "label no longer applied and owned by nobody else");
  assert.deepEqual(out.spec.containers, [{ name: "x", image: "nginx" }], "args removed, key field kept");
  assert.equal(out.spec.nodeName, "n1", "fields never applied are kept");
  assert.deepEqual(out.status, { phase: "Running" });
  assert.equal(mf(out)[0].time, t1);
});

test("a field also owned by another manager survives when the applier stops applying it", () => {
  const opts = { manager: "kubectl", force: false, apiVersion: "v1", now: t0 };
  const live = applyServerSideApply(undefined, podConfig(), opts);
  // kubectl label re-sets the same value: it becomes a co-owner without a conflict.
  const labelled = recordUpdateManagedFields(
    live,
    { ...(live as any), metadata: { ...(live as any).metadata, labels: { app: "web", extra: "1" } } },
    { manager: "kubectl-label", apiVersion: "v1", now: t1 },
  ) as any;
  const cfg = { ...podConfig(), metadata: { name: "p", namespace: "default" } };
  const out = applyServerSideApply(labelled, cfg, { ...opts, now: t2 }) as any;
  assert.deepEqual(out.metadata.labels, { extra: "1" });
});

test("changing a field another manager owns is a 409 Conflict with upstream's message and causes", () => {
  const created = recordUpdateManagedFields(undefined, deployment(2), {
    manager: "kubectl-client-side-apply",
    apiVersion: "apps/v1",
    now: t0,
  });
  const e = errorOf(() =>
    applyServerSideApply(created, deployment(3), {
      manager: "kubectl",
      force: false,
      apiVersion: "apps/v1",
      now: t1,
    }),
  );
  assert.equal(e.code, 409);
  assert.equal(e.reason, "Conflict");
  assert.equal(
    e.message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
  );
  assert.deepEqual(e.details?.causes, [
    {
      reason: "FieldManagerConflict",
      message: 'conflict with "kubectl-client-side-apply" using apps/v1',
      field: ".spec.replicas",
    },
  ]);
  assert.equal(e.toStatus().details?.causes?.length, 1);

  const forced = applyServerSideApply(created, deployment(3), {
    manager: "kubectl",
    force: true,
    apiVersion: "apps/v1",
    now: t1,
  }) as any;
  assert.equal(forced.spec.replicas, 3);
  const [apply, update] = mf(forced);
  assert.equal(apply.manager, "kubectl");
  assert.deepEqual(apply.fieldsV1["f:spec"]["f:replicas"], {});
  assert.equal(update.manager, "kubectl-client-side-apply");
  assert.equal(update.fieldsV1["f:spec"]["f:replicas"], undefined, "the forced field moved to the applier");
  assert.deepEqual(update.fieldsV1["f:spec"]["f:selector"], {}, "other fields stay with their owner");
});

test("applying the value a field already has shares it instead of conflicting", () => {
  const created = recordUpdateManagedFields(undefined, deployment(2), {
    manager: "kubectl-create",
    apiVersion: "apps/v1",
    now: t0,
  });
  const out = applyServerSideApply(created, deployment(2), {
    manager: "kubectl",
    force: false,
    apiVersion: "apps/v1",
    now: t1,
  }) as any;
  assert.ok(mf(out).every((e: any) => e.fieldsV1["f:spec"]["f:replicas"]));
});

test("several conflicts are listed per manager", () => {
  let live: object = recordUpdateManagedFields(undefined, deployment(2), {
    manager: "a-creator",
    apiVersion: "apps/v1",
    now: t0,
  });
  const changed = deployment(2) as any;
  changed.spec.template.spec.containers[0].image = "img:2";
  live = recordUpdateManagedFields(
    live,
    { ...changed, metadata: (live as any).metadata },
    {
      manager: "b-editor",
      apiVersion: "apps/v1",
      now: t1,
    },
  );
  const cfg = deployment(5) as any;
  cfg.spec.template.spec.containers[0].image = "img:3";
  const e = errorOf(() =>
    applyServerSideApply(live, cfg, { manager: "kubectl", force: false, apiVersion: "apps/v1", now: t2 }),
  );
  assert.equal(
    e.message,
    'Apply failed with 2 conflicts: conflicts with "a-creator" using apps/v1:\n- .spec.replicas\n' +
      'conflicts with "b-editor" using apps/v1:\n- .spec.template.spec.containers[name="c"].image',
  );
  assert.deepEqual(
    e.details?.causes?.map((c) => c.field),
    [".spec.replicas", '.spec.template.spec.containers[name="c"].image'],
  );
});

test("associative lists merge by key; atomic lists are replaced", () => {
  const live = frozen({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      containers: [
        { name: "x", image: "old", ports: [{ containerPort: 80 }] },
        { name: "sidecar", image: "s" },
      ],
      tolerations: [{ key: "a" }],
    },
  });
  const out = applyServerSideApply(
    live,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        containers: [
          { name: "x", image: "new", ports: [{ containerPort: 80, protocol: "TCP", name: "http" }] },
        ],
        tolerations: [{ key: "b" }],
      },
    },
    { manager: "kubectl", force: false, apiVersion: "v1", now: t0 },
  ) as any;
  assert.deepEqual(out.spec.containers, [
    { name: "x", image: "new", ports: [{ containerPort: 80, protocol: "TCP", name: "http" }] },
    { name: "sidecar", image: "s" },
  ]);
  assert.deepEqual(out.spec.tolerations, [{ key: "b" }]);
  const fields = mf(out)[0].fieldsV1["f:spec"];
  assert.deepEqual(fields["f:tolerations"], {}, "atomic lists are owned whole");
  assert.ok(fields["f:containers"]['k:{"name":"x"}']["f:ports"]['k:{"containerPort":80,"protocol":"TCP"}']);
});

test("apply rejects managedFields in the body and a mismatched apiVersion", () => {
  const withMF = { ...podConfig(), metadata: { name: "p", managedFields: [] } };
  const e1 = errorOf(() =>
    applyServerSideApply(undefined, withMF, { manager: "k", force: false, apiVersion: "v1", now: t0 }),
  );
  assert.deepEqual([e1.code, e1.message], [400, "metadata.managedFields must be nil"]);
  const e2 = errorOf(() =>
    applyServerSideApply(undefined, podConfig(), {
      manager: "k",
      force: false,
      apiVersion: "apps/v1",
      now: t0,
    }),
  );
  assert.equal(
    e2.message,
    "Incorrect version specified in apply patch. Specified patch version: v1, expected: apps/v1",
  );
});

test("ordinary writes record Update entries: create, take-over, removal, no-op and reset", () => {
  const created = recordUpdateManagedFields(undefined, podConfig(), {
    manager: "kubectl-create",
    apiVersion: "v1",
    now: t0,
  }) as any;
  assert.deepEqual(mf(created), [
    {
      manager: "kubectl-create",
      operation: "Update",
      apiVersion: "v1",
      time: t0,
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
        "f:spec": { "f:containers": { 'k:{"name":"x"}': { ".": {}, "f:image": {}, "f:name": {} } } },
      },
    },
  ]);

  const relabelled = recordUpdateManagedFields(
    created,
    { ...created, metadata: { ...created.metadata, labels: { app: "api" } } },
    { manager: "kubectl-label", apiVersion: "v1", now: t1 },
  ) as any;
  const [creator, labeller] = mf(relabelled);
  assert.equal(creator.manager, "kubectl-create");
  assert.deepEqual(creator.fieldsV1["f:metadata"], { "f:labels": {} }, "the changed label moved away");
  assert.equal(creator.time, t0, "an entry that only lost fields keeps its time");
  assert.deepEqual(labeller.fieldsV1, { "f:metadata": { "f:labels": { "f:app": {} } } });

  const unlabelled = recordUpdateManagedFields(
    relabelled,
    { ...relabelled, metadata: { ...relabelled.metadata, labels: undefined } },
    { manager: "kubectl-label", apiVersion: "v1", now: t2 },
  ) as any;
  assert.deepEqual(
    mf(unlabelled).map((e: any) => e.manager),
    ["kubectl-create"],
    "an entry left with no fields is dropped",
  );

  const same = { ...unlabelled, metadata: { ...unlabelled.metadata, resourceVersion: "9" } };
  assert.equal(
    recordUpdateManagedFields(unlabelled, same, { manager: "x", apiVersion: "v1", now: t2 }),
    same,
    "a write that changes no owned field leaves managedFields alone",
  );

  const stripped = { ...unlabelled, metadata: { ...unlabelled.metadata } };
  delete stripped.metadata.managedFields;
  const kept = recordUpdateManagedFields(unlabelled, stripped, {
    manager: "x",
    apiVersion: "v1",
    now: t2,
  }) as any;
  assert.deepEqual(mf(kept), mf(unlabelled), "a body without managedFields keeps the live ones");

  const reset = recordUpdateManagedFields(
    unlabelled,
    { ...unlabelled, metadata: { ...unlabelled.metadata, managedFields: [{}] } },
    { manager: "x", apiVersion: "v1", now: t2 },
  ) as any;
  assert.equal(reset.metadata.managedFields, undefined);
});

test("status writes record their subresource", () => {
  const live = recordUpdateManagedFields(undefined, podConfig(), {
    manager: "c",
    apiVersion: "v1",
    now: t0,
  }) as any;
  const out = recordUpdateManagedFields(
    live,
    { ...live, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } },
    { manager: "kubelet", apiVersion: "v1", now: t1, subresource: "status" },
  ) as any;
  const kubelet = mf(out).find((e: any) => e.manager === "kubelet");
  assert.equal(kubelet.subresource, "status");
  assert.deepEqual(kubelet.fieldsV1, {
    "f:status": {
      "f:conditions": { 'k:{"type":"Ready"}': { ".": {}, "f:status": {}, "f:type": {} } },
      "f:phase": {},
    },
  });
});

test("list items the applier stops applying are removed unless another manager owns part of them", () => {
  const opts = { manager: "kubectl", force: false, apiVersion: "v1", now: t0 };
  const two = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      containers: [
        { name: "a", image: "1" },
        { name: "b", image: "2" },
        { name: "c", image: "3" },
      ],
    },
  };
  let live = applyServerSideApply(undefined, two, opts) as any;
  // Another writer adds a field inside container c.
  const edited = structuredClone(live);
  edited.spec.containers[2].workingDir = "/w";
  live = recordUpdateManagedFields(live, edited, { manager: "editor", apiVersion: "v1", now: t1 });
  const one = { ...two, spec: { containers: [{ name: "a", image: "1" }] } };
  const out = applyServerSideApply(live, one, { ...opts, now: t2 }) as any;
  assert.deepEqual(out.spec.containers, [
    { name: "a", image: "1" },
    { name: "c", workingDir: "/w" },
  ]);
});
