import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../apimachinery/status-error.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";

const deploy = { group: "apps", kind: "Deployment" };
const pod = { group: "", kind: "Pod" };

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function statusOf(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return { code: e.code, reason: e.reason, message: e.message };
  }
  assert.fail("expected an error");
}

const liveDeployment = () =>
  deepFreeze({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      labels: { a: "1", b: "2" },
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "old" },
    },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "one",
              image: "img:1",
              args: ["y"],
              env: [
                { name: "A", value: "a" },
                { name: "B", value: "b" },
              ],
            },
            { name: "two", image: "img:2" },
          ],
        },
      },
    },
  });

test("kubectl apply's three-way patch (kubectl-wire.md §6) deletes, reorders and replaces", () => {
  const patch = JSON.parse(
    '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"},"labels":{"b":null}},' +
      '"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"one"}],' +
      '"containers":[{"$setElementOrder/env":[{"name":"B"}],"args":["x"],"env":[{"$patch":"delete","name":"A"}],"name":"one"},' +
      '{"$patch":"delete","name":"two"}]}}}}',
  );
  const out = applyStrategicMergePatch(liveDeployment(), deepFreeze(patch), deploy) as any;
  assert.deepEqual(out.metadata.labels, { a: "1" });
  assert.equal(out.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"], "new");
  assert.deepEqual(out.spec.template.spec.containers, [
    { name: "one", image: "img:1", args: ["x"], env: [{ name: "B", value: "b" }] },
  ]);
  assert.equal(out.spec.replicas, 2);
});

test("kubectl edit's two-way patches change only what they name", () => {
  const live = liveDeployment();
  const out = applyStrategicMergePatch(live, { spec: { replicas: 7 } }, deploy) as any;
  assert.equal(out.spec.replicas, 7);
  assert.equal(out.spec.template, live.spec.template, "untouched subtrees are shared, not copied");

  const image = applyStrategicMergePatch(
    live,
    {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "one" }, { name: "two" }],
            containers: [{ image: "img:9", name: "two" }],
          },
        },
      },
    },
    deploy,
  ) as any;
  assert.deepEqual(
    image.spec.template.spec.containers.map((c: any) => [c.name, c.image]),
    [
      ["one", "img:1"],
      ["two", "img:9"],
    ],
  );
});

test("keyed lists merge by their upstream merge keys; other lists are replaced", () => {
  const live = deepFreeze({
    spec: {
      containers: [
        {
          name: "c",
          ports: [{ containerPort: 80, name: "http" }],
          volumeMounts: [{ mountPath: "/a", name: "v1" }],
          command: ["a", "b"],
        },
      ],
      volumes: [{ name: "v1", emptyDir: {} }],
      tolerations: [{ key: "k1", operator: "Exists" }],
      imagePullSecrets: [{ name: "s1" }],
    },
    status: {
      conditions: [
        { type: "Ready", status: "False" },
        { type: "PodScheduled", status: "True" },
      ],
    },
  });
  const out = applyStrategicMergePatch(
    live,
    {
      spec: {
        containers: [
          {
            name: "c",
            ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 443 }],
            volumeMounts: [{ mountPath: "/b", name: "v2" }],
            command: ["z"],
          },
        ],
        volumes: [{ name: "v2", configMap: { name: "cm" } }],
        tolerations: [{ key: "k2", operator: "Exists" }],
        imagePullSecrets: [{ name: "s2" }],
      },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    },
    pod,
  ) as any;
  const c = out.spec.containers[0];
  assert.deepEqual(c.ports, [{ containerPort: 80, name: "http", protocol: "TCP" }, { containerPort: 443 }]);
  // New items go before the live ones, as upstream mergeSortedSlice orders them (see the kubectl patch docs).
  assert.deepEqual(c.volumeMounts, [
    { mountPath: "/b", name: "v2" },
    { mountPath: "/a", name: "v1" },
  ]);
  assert.deepEqual(c.command, ["z"]);
  assert.deepEqual(
    out.spec.volumes.map((v: any) => v.name),
    ["v2", "v1"],
  );
  assert.deepEqual(
    out.spec.tolerations,
    [{ key: "k2", operator: "Exists" }],
    "tolerations have no merge key",
  );
  assert.deepEqual(out.spec.imagePullSecrets, [{ name: "s2" }, { name: "s1" }]);
  assert.deepEqual(out.status.conditions, [
    { type: "Ready", status: "True" },
    { type: "PodScheduled", status: "True" },
  ]);
});

test("pod template lists merge for every workload kind, including CronJob's job template", () => {
  const live = {
    spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "a", image: "1" }] } } } } },
  };
  const out = applyStrategicMergePatch(
    live,
    { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "2" }] } } } } } },
    { group: "batch", kind: "CronJob" },
  ) as any;
  assert.deepEqual(
    out.spec.jobTemplate.spec.template.spec.containers.map((c: any) => c.name),
    ["b", "a"],
  );
  for (const [group, kind] of [
    ["", "ReplicationController"],
    ["apps", "ReplicaSet"],
    ["apps", "DaemonSet"],
    ["batch", "Job"],
  ]) {
    const r = applyStrategicMergePatch(
      { spec: { template: { spec: { containers: [{ name: "a" }] } } } },
      { spec: { template: { spec: { containers: [{ name: "b" }] } } } },
      { group, kind },
    ) as any;
    assert.equal(r.spec.template.spec.containers.length, 2, kind);
  }
});

test("finalizers merge as a set and $deleteFromPrimitiveList removes values", () => {
  const live = deepFreeze({ metadata: { finalizers: ["a", "b"] } });
  const added = applyStrategicMergePatch(live, { metadata: { finalizers: ["b", "c"] } }, pod) as any;
  assert.deepEqual(added.metadata.finalizers, ["a", "b", "c"]);
  const removed = applyStrategicMergePatch(
    live,
    { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } },
    pod,
  ) as any;
  assert.deepEqual(removed.metadata.finalizers, ["b"]);
  const ordered = applyStrategicMergePatch(
    live,
    { metadata: { "$setElementOrder/finalizers": ["c", "b", "a"], finalizers: ["c"] } },
    pod,
  ) as any;
  assert.deepEqual(ordered.metadata.finalizers, ["c", "b", "a"]);
});

test("ownerReferences merge by uid and Service ports by port", () => {
  const out = applyStrategicMergePatch(
    {
      metadata: { ownerReferences: [{ uid: "1", name: "x" }] },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      metadata: { ownerReferences: [{ uid: "2", name: "y" }] },
      spec: { ports: [{ port: 80, nodePort: 30001 }] },
    },
    { group: "", kind: "Service" },
  ) as any;
  assert.deepEqual(
    out.metadata.ownerReferences.map((o: any) => o.uid),
    ["2", "1"],
  );
  assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 8080, nodePort: 30001 }]);
});

test("$patch directives on maps and lists", () => {
  const live = deepFreeze({
    metadata: { labels: { a: "1" } },
    spec: { containers: [{ name: "a" }, { name: "b" }], nodeSelector: { disk: "ssd", zone: "z" } },
  });
  const out = applyStrategicMergePatch(
    live,
    {
      metadata: { labels: { $patch: "delete" } },
      spec: {
        containers: [{ name: "c" }, { $patch: "replace" }],
        nodeSelector: { $patch: "replace", zone: "y" },
      },
    },
    pod,
  ) as any;
  assert.deepEqual(out.metadata.labels, {});
  assert.deepEqual(out.spec.containers, [{ name: "c" }]);
  assert.deepEqual(out.spec.nodeSelector, { zone: "y" });
});

test("$retainKeys clears fields not listed", () => {
  const out = applyStrategicMergePatch(
    { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } },
    { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
    deploy,
  ) as any;
  assert.deepEqual(out.spec.strategy, { type: "Recreate" });
  const bad = statusOf(() =>
    applyStrategicMergePatch(
      { spec: { strategy: {} } },
      { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } },
      deploy,
    ),
  );
  assert.deepEqual(
    [bad.code, bad.reason, bad.message],
    [400, "BadRequest", "invalid patch format of retainKeys"],
  );
});

test("new values drop nulls and directive maps, as upstream removeDirectives does", () => {
  const out = applyStrategicMergePatch(
    { metadata: { name: "x" } },
    { metadata: { labels: { a: "1", b: null } }, spec: { containers: [{ name: "a", image: null }] } },
    pod,
  ) as any;
  assert.deepEqual(out.metadata.labels, { a: "1" });
  assert.deepEqual(out.spec.containers, [{ name: "a" }]);
});

test("errors carry upstream codes and messages", () => {
  const mergeDirective = statusOf(() =>
    applyStrategicMergePatch(
      { spec: { containers: [{ name: "a" }] } },
      { spec: { containers: [{ $patch: "merge" }] } },
      pod,
    ),
  );
  assert.deepEqual(
    [mergeDirective.code, mergeDirective.message],
    [500, "merging lists cannot yet be specified in the patch"],
  );

  const noKey = statusOf(() =>
    applyStrategicMergePatch(
      { spec: { containers: [{ name: "a" }] } },
      { spec: { containers: [{ image: "x" }] } },
      pod,
    ),
  );
  assert.deepEqual(
    [noKey.code, noKey.message],
    [500, "map: map[image:x] does not contain declared merge key: name"],
  );

  const badList = statusOf(() =>
    applyStrategicMergePatch(
      { metadata: {} },
      { metadata: { $deleteFromPrimitiveListfinalizers: ["a"] } },
      pod,
    ),
  );
  assert.deepEqual([badList.code, badList.message], [400, "invalid patch format of primitive list"]);

  const badOrder = statusOf(() =>
    applyStrategicMergePatch({ spec: {} }, { spec: { "$setElementOrder/containers": "x" } }, pod),
  );
  assert.equal(badOrder.code, 500);
  assert.equal(badOrder.message, "expected a []interface {}, but received a string");

  const lists = statusOf(() =>
    applyStrategicMergePatch(
      { metadata: { finalizers: [["a"]] } },
      { metadata: { finalizers: [["b"]] } },
      pod,
    ),
  );
  assert.deepEqual([lists.code, lists.reason], [422, "Invalid"]);

  const mapDirective = statusOf(() =>
    applyStrategicMergePatch({ spec: {} }, { spec: { $patch: "merge" } }, pod),
  );
  assert.equal(mapDirective.message, "unknown patch type: merge in map: map[$patch:merge]");

  const notObject = statusOf(() => applyStrategicMergePatch({}, [1], pod));
  assert.deepEqual(
    [notObject.code, notObject.message],
    [400, "json: cannot unmarshal array into Go value of type map[string]interface {}"],
  );
});

test("unknown kinds merge maps and replace lists; metadata lists still merge", () => {
  const out = applyStrategicMergePatch(
    { metadata: { finalizers: ["a"] }, spec: { items: [1, 2], nested: { a: 1 } } },
    { metadata: { finalizers: ["b"] }, spec: { items: [3], nested: { b: 2 } } },
    { group: "example.com", kind: "Widget" },
  ) as any;
  assert.deepEqual(out, {
    metadata: { finalizers: ["b", "a"] },
    spec: { items: [3], nested: { a: 1, b: 2 } },
  });
});
