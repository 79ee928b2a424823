import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock, rfc3339 } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { replicaSetKind, replicationControllerKind, type ReplicaSetKind } from "./kinds.ts";
import { ReplicaSetController } from "./replica-set-controller.ts";

const RS_UID = "rs-uid-1";

function newRS(
  replicas: number,
  extra: { selector?: unknown; minReadySeconds?: number; status?: unknown } = {},
): KObject {
  return {
    apiVersion: "apps/v1",
    metadata: { name: "kubia", namespace: "default", uid: RS_UID, generation: 1, resourceVersion: "10" },
    spec: {
      replicas,
      minReadySeconds: extra.minReadySeconds ?? 0,
      selector: extra.selector ?? { matchLabels: { app: "kubia" } },
      template: {
        metadata: { labels: { app: "kubia" } },
        spec: { containers: [{ name: "kubia", image: "luksa/kubia" }] },
      },
    },
    status: extra.status ?? { replicas: 0 },
  };
}

let podSeq = 0;
function newPod(
  name: string,
  o: {
    owned?: boolean;
    labels?: Record<string, string>;
    node?: string;
    phase?: string;
    ready?: boolean;
    readySince?: Date;
    created?: Date;
    deleting?: boolean;
    ownerUid?: string;
  } = {},
): KObject {
  const owned = o.owned ?? true;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `pod-${name}`,
      resourceVersion: String(++podSeq),
      labels: o.labels ?? { app: "kubia" },
      creationTimestamp: rfc3339(o.created ?? new Date("2024-01-01T00:00:00Z")),
      ...(o.deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
      ...(owned
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: "kubia",
                uid: o.ownerUid ?? RS_UID,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: { nodeName: o.node, containers: [{ name: "kubia", image: "luksa/kubia" }] },
    status: {
      phase: o.phase ?? "Pending",
      conditions: o.ready
        ? [
            {
              type: "Ready",
              status: "True",
              lastTransitionTime: rfc3339(o.readySince ?? new Date("2024-01-01T00:00:00Z")),
            },
          ]
        : [],
    },
  };
}

function setup(rs: KObject, pods: KObject[] = [], kind: ReplicaSetKind = replicaSetKind) {
  const client = new RecordingClient();
  const clock = new FakeClock(Date.parse("2024-01-01T01:00:00Z"));
  const rsInformer = new FakeInformer();
  const podInformer = new FakeInformer();
  const c = new ReplicaSetController({
    kind,
    client,
    podInformer,
    rsInformer,
    clock,
    logger: silentLogger,
    recorder: new EventRecorder({ client, component: kind.component, clock }),
  });
  rsInformer.add(rs);
  client.objects.set(
    `${kind.ref.group}/${kind.ref.resource}/default/${rs.metadata!.name}`,
    structuredClone(rs),
  );
  for (const p of pods) {
    podInformer.add(p);
    client.objects.set(`/pods/default/${p.metadata!.name}`, structuredClone(p));
  }
  return { c, client, clock, rsInformer, podInformer };
}

const flush = () => new Promise((r) => setImmediate(r));

function events(
  client: RecordingClient,
): Array<{ reason: string; message: string; type: string; kind?: string }> {
  return client.actions("create", "events").map((a) => {
    const e = a.body as { reason: string; message: string; type: string; involvedObject: { kind?: string } };
    return { reason: e.reason, message: e.message, type: e.type, kind: e.involvedObject.kind };
  });
}

function statusWrites(client: RecordingClient, resource = "replicasets") {
  return client
    .actions("update", resource)
    .filter((a) => a.subresource === "status")
    .map((a) => (a.body as { status: Record<string, unknown> }).status);
}

describe("ReplicaSet controller sync", () => {
  it("creates the missing pods from the template, owned by the ReplicaSet, with SuccessfulCreate events", async () => {
    const { c, client } = setup(newRS(3));
    await c.sync("default/kubia");
    await flush();
    const creates = client.actions("create", "pods");
    assert.equal(creates.length, 3);
    for (const cr of creates) {
      const pod = cr.body as KObject;
      assert.equal(pod.metadata!.generateName, "kubia-");
      assert.deepEqual(pod.metadata!.labels, { app: "kubia" });
      assert.deepEqual(pod.metadata!.ownerReferences, [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "kubia",
          uid: RS_UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.deepEqual((pod.spec as { containers: unknown[] }).containers, [
        { name: "kubia", image: "luksa/kubia" },
      ]);
    }
    const ev = events(client);
    assert.deepEqual(
      ev.map((e) => `${e.type} ${e.reason} ${e.message}`).sort(),
      creates.map((cr) => `Normal SuccessfulCreate Created pod: ${cr.name}`).sort(),
    );
    assert.equal(ev[0]!.kind, "ReplicaSet");
    // The status reflects what the cache held, and records the generation it saw.
    assert.deepEqual(statusWrites(client), [
      { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
    ]);
  });

  it("does not create twice while its creations are not yet observed, and syncs again once they are", async () => {
    const { c, client, podInformer } = setup(newRS(2));
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 2);
    await c.sync("default/kubia");
    assert.equal(
      client.actions("create", "pods").length,
      2,
      "no second round before the informer catches up",
    );
    // One pod shows up: still one expected, so still no action.
    const names = client.actions("create", "pods").map((a) => a.name);
    podInformer.add(newPod(names[0]!));
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 2);
    podInformer.add(newPod(names[1]!));
    assert.equal(c.expectations.satisfiedExpectations("default/kubia"), true);
  });

  it("syncs anyway once expectations expire after 5 minutes", async () => {
    const { c, client, clock } = setup(newRS(1));
    await c.sync("default/kubia");
    clock.advance(4 * 60_000);
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 1);
    clock.advance(61_000);
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 2);
  });

  it("creates in slow-start batches and stops at the first failing batch, reporting FailedCreate", async () => {
    const { c, client } = setup(newRS(10));
    client.fail(
      "create",
      "pods",
      new StatusError(403, "Forbidden", 'pods "kubia-" is forbidden: exceeded quota'),
    );
    await assert.rejects(c.sync("default/kubia"), /exceeded quota/);
    await flush();
    // Only the first batch (one pod) was tried.
    assert.equal(client.actions("create", "pods").length, 1);
    const ev = events(client);
    assert.deepEqual(
      ev.map((e) => `${e.type} ${e.reason} ${e.message}`),
      ['Warning FailedCreate Error creating: pods "kubia-" is forbidden: exceeded quota'],
    );
    const [status] = statusWrites(client);
    const conds = status!.conditions as Array<Record<string, string>>;
    assert.equal(conds.length, 1);
    assert.equal(conds[0]!.type, "ReplicaFailure");
    assert.equal(conds[0]!.status, "True");
    assert.equal(conds[0]!.reason, "FailedCreate");
    assert.equal(conds[0]!.message, 'pods "kubia-" is forbidden: exceeded quota');
    // Pods never attempted are not waited for: the next sync may act at once.
    assert.equal(c.expectations.satisfiedExpectations("default/kubia"), true);
  });

  it("creates at most 500 pods per sync", async () => {
    const { c, client } = setup(newRS(700));
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 500);
  });

  it("deletes extras: unscheduled, then pending, then not ready, before running ready pods", async () => {
    const pods = [
      newPod("ready-old", {
        node: "n1",
        phase: "Running",
        ready: true,
        created: new Date("2023-01-01T00:00:00Z"),
      }),
      newPod("ready-new", {
        node: "n1",
        phase: "Running",
        ready: true,
        created: new Date("2023-06-01T00:00:00Z"),
      }),
      newPod("unscheduled", { phase: "Pending" }),
      newPod("pending", { node: "n1", phase: "Pending" }),
      newPod("not-ready", { node: "n1", phase: "Running", ready: false }),
    ];
    const { c, client } = setup(newRS(2), pods);
    await c.sync("default/kubia");
    await flush();
    const deleted = client
      .actions("delete", "pods")
      .map((a) => a.name)
      .sort();
    assert.deepEqual(deleted, ["not-ready", "pending", "unscheduled"]);
    assert.deepEqual(
      events(client)
        .map((e) => e.message)
        .sort(),
      ["Deleted pod: not-ready", "Deleted pod: pending", "Deleted pod: unscheduled"],
    );
    assert.equal(client.actions("create", "pods").length, 0);
  });

  it("deletes the newer of otherwise equal pods", async () => {
    const pods = [
      newPod("older", { created: new Date("2023-01-01T00:00:00Z") }),
      newPod("newer", { created: new Date("2023-12-31T00:00:00Z") }),
    ];
    const { c, client } = setup(newRS(1), pods);
    await c.sync("default/kubia");
    assert.deepEqual(
      client.actions("delete", "pods").map((a) => a.name),
      ["newer"],
    );
  });

  it("does not delete twice: the expected deletions are awaited", async () => {
    const pods = [newPod("a"), newPod("b"), newPod("c")];
    const { c, client, podInformer } = setup(newRS(1), pods);
    await c.sync("default/kubia");
    assert.equal(client.actions("delete", "pods").length, 2);
    await c.sync("default/kubia");
    assert.equal(client.actions("delete", "pods").length, 2);
    for (const a of client.actions("delete", "pods"))
      podInformer.delete(pods.find((p) => p.metadata!.name === a.name)!);
    assert.equal(c.expectations.satisfiedExpectations("default/kubia"), true);
  });

  it("adopts matching orphans (after re-reading the owner) instead of creating pods", async () => {
    const orphans = [
      newPod("o1", { owned: false }),
      newPod("o2", { owned: false }),
      newPod("o3", { owned: false }),
      newPod("other", { owned: false, labels: { app: "other" } }),
    ];
    const { c, client } = setup(newRS(3), orphans);
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 0);
    assert.equal(client.actions("get", "replicasets").length, 1, "one uncached read of the owner");
    const patches = client.actions("patch", "pods");
    assert.deepEqual(patches.map((p) => p.name).sort(), ["o1", "o2", "o3"]);
    const p1 = patches.find((p) => p.name === "o1")!;
    assert.equal(p1.patchType, "strategic");
    assert.deepEqual(p1.body, {
      metadata: {
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "kubia",
            uid: RS_UID,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        uid: "pod-o1",
      },
    });
    assert.equal(statusWrites(client)[0]!.replicas, 3);
  });

  it("does not adopt when the owner turns out to be being deleted", async () => {
    const { c, client } = setup(newRS(1), [newPod("o1", { owned: false })]);
    const stored = client.objects.get("apps/replicasets/default/kubia")!;
    stored.metadata!.deletionTimestamp = "2024-01-01T00:59:00Z";
    await assert.rejects(
      c.sync("default/kubia"),
      /can't adopt Pod default\/o1 \(pod-o1\): default\/kubia has just been deleted/,
    );
    assert.equal(client.actions("patch", "pods").length, 0);
  });

  it("ignores pods another controller owns", async () => {
    const { c, client } = setup(newRS(1), [newPod("theirs", { ownerUid: "someone-else" })]);
    await c.sync("default/kubia");
    assert.equal(client.actions("patch", "pods").length, 0);
    assert.equal(client.actions("create", "pods").length, 1);
  });

  it("releases an owned pod whose labels no longer match and creates a replacement", async () => {
    const pods = [newPod("a"), newPod("b"), newPod("relabeled", { labels: { app: "foo" } })];
    const { c, client } = setup(newRS(3), pods);
    await c.sync("default/kubia");
    const patches = client.actions("patch", "pods");
    assert.equal(patches.length, 1);
    assert.equal(patches[0]!.name, "relabeled");
    assert.deepEqual(patches[0]!.body, {
      metadata: { ownerReferences: [{ $patch: "delete", uid: RS_UID }], uid: "pod-relabeled" },
    });
    assert.equal(client.actions("create", "pods").length, 1);
  });

  it("does not count pods being deleted or finished, and replaces them", async () => {
    const pods = [
      newPod("a"),
      newPod("terminating", { deleting: true }),
      newPod("done", { phase: "Succeeded" }),
    ];
    const { c, client } = setup(newRS(3), pods);
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 2);
    assert.equal(client.actions("delete", "pods").length, 0);
  });

  it("matches selectors with matchExpressions", async () => {
    const selector = {
      matchLabels: { app: "kubia" },
      matchExpressions: [
        { key: "env", operator: "In", values: ["prod", "dev"] },
        { key: "tier", operator: "NotIn", values: ["db"] },
        { key: "team", operator: "Exists" },
        { key: "canary", operator: "DoesNotExist" },
      ],
    };
    const orphans = [
      newPod("yes", { owned: false, labels: { app: "kubia", env: "prod", team: "a" } }),
      newPod("yes-tier", { owned: false, labels: { app: "kubia", env: "dev", team: "a", tier: "web" } }),
      newPod("wrong-env", { owned: false, labels: { app: "kubia", env: "qa", team: "a" } }),
      newPod("db", { owned: false, labels: { app: "kubia", env: "prod", team: "a", tier: "db" } }),
      newPod("no-team", { owned: false, labels: { app: "kubia", env: "prod" } }),
      newPod("canary", { owned: false, labels: { app: "kubia", env: "prod", team: "a", canary: "1" } }),
    ];
    const { c, client } = setup(newRS(2, { selector }), orphans);
    await c.sync("default/kubia");
    assert.deepEqual(
      client
        .actions("patch", "pods")
        .map((p) => p.name)
        .sort(),
      ["yes", "yes-tier"],
    );
  });

  it("computes ready, available (minReadySeconds) and fully labeled counts", async () => {
    const now = Date.parse("2024-01-01T01:00:00Z");
    const pods = [
      newPod("long-ready", {
        phase: "Running",
        ready: true,
        readySince: new Date(now - 60_000),
        labels: { app: "kubia" },
      }),
      newPod("just-ready", {
        phase: "Running",
        ready: true,
        readySince: new Date(now - 5_000),
        labels: { app: "kubia" },
      }),
      newPod("not-ready", { phase: "Running", labels: { app: "kubia", extra: "x" } }),
    ];
    const rs = newRS(3, { minReadySeconds: 10 });
    (rs.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels = {
      app: "kubia",
      extra: "x",
    };
    const { c, client } = setup(rs, pods);
    await c.sync("default/kubia");
    assert.deepEqual(statusWrites(client), [
      { replicas: 3, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 },
    ]);
  });

  it("writes no status when nothing changed", async () => {
    const status = {
      replicas: 1,
      fullyLabeledReplicas: 1,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: 1,
    };
    const { c, client } = setup(newRS(1, { status }), [newPod("a")]);
    await c.sync("default/kubia");
    assert.equal(statusWrites(client).length, 0);
    assert.equal(client.calls.filter((x) => x.resource !== "events").length, 0);
  });

  it("clears ReplicaFailure once creating works again", async () => {
    const status = {
      replicas: 0,
      observedGeneration: 1,
      conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota" }],
    };
    const { c, client } = setup(newRS(1, { status }));
    await c.sync("default/kubia");
    assert.equal(statusWrites(client)[0]!.conditions, undefined);
  });

  it("retries the status write once on a fresh copy after a conflict", async () => {
    const { c, client } = setup(newRS(0, { status: { replicas: 2 } }));
    let failures = 1;
    const update = client.update.bind(client);
    client.update = async (...args: Parameters<RecordingClient["update"]>) => {
      if (failures-- > 0) {
        client.calls.push({
          verb: "update",
          resource: "replicasets",
          namespace: "default",
          name: "kubia",
          subresource: "status",
        });
        throw new StatusError(409, "Conflict", "the object has been modified");
      }
      return update(...args);
    };
    await c.sync("default/kubia");
    assert.equal(client.actions("get", "replicasets").length, 1);
    assert.equal(
      (client.objects.get("apps/replicasets/default/kubia")!.status as { replicas: number }).replicas,
      0,
    );
  });

  it("forgets a deleted ReplicaSet", async () => {
    const { c, client, rsInformer } = setup(newRS(2));
    await c.sync("default/kubia");
    rsInformer.delete(newRS(2));
    await c.sync("default/kubia");
    assert.equal(c.expectations.getExpectations("default/kubia"), undefined);
    assert.equal(client.actions("create", "pods").length, 2);
  });
});

describe("ReplicationController controller sync", () => {
  function newRC(replicas: number): KObject {
    return {
      apiVersion: "v1",
      metadata: { name: "kubia", namespace: "default", uid: "rc-uid", generation: 2, resourceVersion: "5" },
      spec: {
        replicas,
        selector: { app: "kubia" },
        template: {
          metadata: { labels: { app: "kubia" } },
          spec: { containers: [{ name: "kubia", image: "luksa/kubia" }] },
        },
      },
      status: { replicas: 0 },
    };
  }

  it("creates pods owned by the RC and reports as replication-controller", async () => {
    const { c, client } = setup(newRC(2), [], replicationControllerKind);
    await c.sync("default/kubia");
    await flush();
    const creates = client.actions("create", "pods");
    assert.equal(creates.length, 2);
    assert.deepEqual((creates[0]!.body as KObject).metadata!.ownerReferences![0], {
      apiVersion: "v1",
      kind: "ReplicationController",
      name: "kubia",
      uid: "rc-uid",
      controller: true,
      blockOwnerDeletion: true,
    });
    const ev = client.actions("create", "events")[0]!.body as {
      involvedObject: { kind: string };
      source: { component: string };
    };
    assert.equal(ev.involvedObject.kind, "ReplicationController");
    assert.equal(ev.source.component, "replication-controller");
    assert.equal(statusWrites(client, "replicationcontrollers")[0]!.observedGeneration, 2);
  });

  it("adopts orphans that match its map selector", async () => {
    const { c, client } = setup(newRC(1), [newPod("o1", { owned: false })], replicationControllerKind);
    await c.sync("default/kubia");
    assert.equal(client.actions("create", "pods").length, 0);
    const body = client.actions("patch", "pods")[0]!.body as {
      metadata: { ownerReferences: Array<{ kind: string }> };
    };
    assert.equal(body.metadata.ownerReferences[0]!.kind, "ReplicationController");
  });
});

describe("ReplicaSet controller event handlers", () => {
  it("queues the owner of a new pod and the owners that could adopt an orphan", async () => {
    const { c, podInformer } = setup(newRS(1));
    const drain = async () => {
      while (c.queue.length) c.queue.done((await c.queue.get())!);
    };
    await drain();
    podInformer.add(newPod("owned"));
    assert.equal(c.queue.length, 1);
    await drain();
    podInformer.add(newPod("unrelated", { owned: false, labels: { app: "nope" } }));
    assert.equal(c.queue.length, 0);
    podInformer.add(newPod("match", { owned: false }));
    assert.equal(c.queue.length, 1);
    await drain();
    podInformer.add(newPod("theirs", { ownerUid: "someone-else" }));
    assert.equal(c.queue.length, 0);
  });
});
