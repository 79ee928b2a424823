import assert from "node:assert/strict";
import { test } from "node:test";
import { newRevision, templatePatch } from "../history/controller-history.ts";
import { completeRollingUpdate, updateStatefulSet, type PodActions } from "./stateful-set-control.ts";
import { newStatefulSetPod, type Obj } from "./stateful-pod.ts";

const now = new Date("2026-01-01T00:01:00Z");

function set(spec: Obj = {}, status: Obj = {}): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default", uid: "set-uid", generation: 2 },
    spec: {
      replicas: 3,
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      selector: { matchLabels: { app: "web" } },
      serviceName: "web",
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "a" }] } },
      volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"] } }],
      ...spec,
    },
    status,
  };
}

const revisionOf = (s: Obj, n = 1) => ({
  ...newRevision(s, "StatefulSet", s.spec.template.metadata.labels, templatePatch(s), n, undefined),
});

function running(s: Obj, ordinal: number, revision: string, ready = true): Obj {
  const pod = newStatefulSetPod(s, ordinal, revision);
  pod.metadata.uid = `uid-${ordinal}`;
  pod.status = {
    phase: "Running",
    conditions: [
      { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2026-01-01T00:00:00Z" },
    ],
  };
  return pod;
}

function recorder(): PodActions & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    createPod: async (_s, pod) => (log.push(`create ${pod.metadata.name}`), true),
    deletePod: async (_s, pod) => void log.push(`delete ${pod.metadata.name}`),
    updatePod: async (_s, pod) => void log.push(`update ${pod.metadata.name}`),
    createMissingClaims: async () => {},
    retainClaims: async () => {},
    claimsTerminating: () => false,
  };
}

test("OrderedReady creates one pod at a time, waiting for each to be ready", async () => {
  const s = set();
  const rev = revisionOf(s);
  const a = recorder();
  await updateStatefulSet(s, rev, rev, undefined, [], a, now);
  assert.deepEqual(a.log, ["create web-0"]);
  const b = recorder();
  await updateStatefulSet(s, rev, rev, undefined, [running(s, 0, rev.metadata.name, false)], b, now);
  assert.deepEqual(b.log, [], "web-1 waits for web-0 to be ready");
  const c = recorder();
  const r = await updateStatefulSet(s, rev, rev, undefined, [running(s, 0, rev.metadata.name)], c, now);
  assert.deepEqual(c.log, ["create web-1"]);
  assert.equal(r.status.replicas, 2);
  assert.equal(r.status.readyReplicas, 1);
});

test("the pods carry a stable identity and one claim per template and ordinal", () => {
  const s = set();
  const pod = newStatefulSetPod(s, 2, "web-abc");
  assert.equal(pod.metadata.name, "web-2");
  assert.equal(pod.spec.hostname, "web-2");
  assert.equal(pod.spec.subdomain, "web");
  assert.equal(pod.metadata.labels["statefulset.kubernetes.io/pod-name"], "web-2");
  assert.equal(pod.metadata.labels["apps.kubernetes.io/pod-index"], "2");
  assert.equal(pod.metadata.labels["controller-revision-hash"], "web-abc");
  assert.deepEqual(pod.spec.volumes, [{ name: "www", persistentVolumeClaim: { claimName: "www-web-2" } }]);
  assert.equal(pod.metadata.generateName, undefined);
});

test("Parallel creates every missing pod at once", async () => {
  const s = set({ podManagementPolicy: "Parallel" });
  const rev = revisionOf(s);
  const a = recorder();
  await updateStatefulSet(s, rev, rev, undefined, [], a, now);
  assert.deepEqual(a.log.sort(), ["create web-0", "create web-1", "create web-2"]);
});

test("scaling down deletes the highest ordinal first, one at a time", async () => {
  const s = set({ replicas: 1 });
  const rev = revisionOf(s);
  const pods = [0, 1, 2].map((i) => running(s, i, rev.metadata.name));
  const a = recorder();
  await updateStatefulSet(s, rev, rev, undefined, pods, a, now);
  assert.deepEqual(a.log, ["delete web-2"]);
  const b = recorder();
  pods[2]!.metadata.deletionTimestamp = "2026-01-01T00:00:59Z";
  await updateStatefulSet(s, rev, rev, undefined, pods, b, now);
  assert.deepEqual(b.log, [], "web-1 waits until web-2 is gone");
});

test("a rolling update replaces the highest ordinal not at the update revision, down to the partition", async () => {
  const old = set();
  const current = revisionOf(old, 1);
  const s = set({
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "b" }] } },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } },
  });
  const update = revisionOf(s, 2);
  assert.notEqual(current.metadata.name, update.metadata.name);
  const pods = [0, 1, 2].map((i) => running(old, i, current.metadata.name));
  const a = recorder();
  await updateStatefulSet(s, current, update, undefined, pods, a, now);
  assert.deepEqual(a.log, ["delete web-2"]);
  pods[2] = running(s, 2, update.metadata.name);
  const b = recorder();
  await updateStatefulSet(s, current, update, undefined, pods, b, now);
  assert.deepEqual(b.log, ["delete web-1"]);
  pods[1] = running(s, 1, update.metadata.name);
  const c = recorder();
  const r = await updateStatefulSet(s, current, update, undefined, pods, c, now);
  assert.deepEqual(c.log, [], "web-0 is below the partition");
  assert.equal(r.status.updatedReplicas, 2);
  assert.equal(r.status.currentReplicas, 1);
  // A pod below the partition is recreated from the current revision.
  const d = recorder();
  await updateStatefulSet(
    { ...s, status: { currentReplicas: 1 } },
    current,
    update,
    undefined,
    pods.slice(1),
    d,
    now,
  );
  assert.deepEqual(d.log, ["create web-0"]);
});

test("maxUnavailable replaces several pods at once", async () => {
  const old = set({ replicas: 4 });
  const current = revisionOf(old, 1);
  const s = set({
    replicas: 4,
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "b" }] } },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 2 } },
  });
  const update = revisionOf(s, 2);
  const pods = [0, 1, 2, 3].map((i) => running(old, i, current.metadata.name));
  const a = recorder();
  await updateStatefulSet(s, current, update, undefined, pods, a, now);
  assert.deepEqual(a.log, ["delete web-3", "delete web-2"]);
});

test("OnDelete leaves old pods alone; a failed pod is replaced", async () => {
  const old = set();
  const current = revisionOf(old, 1);
  const s = set({
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "b" }] } },
    updateStrategy: { type: "OnDelete" },
  });
  const update = revisionOf(s, 2);
  const pods = [0, 1, 2].map((i) => running(old, i, current.metadata.name));
  const a = recorder();
  await updateStatefulSet(s, current, update, undefined, pods, a, now);
  assert.deepEqual(a.log, []);
  pods[1]!.status.phase = "Failed";
  const b = recorder();
  await updateStatefulSet(s, current, update, undefined, pods, b, now);
  assert.deepEqual(b.log, ["delete web-1", "create web-1"]);
});

test("the update becomes current once every replica is updated and ready", () => {
  const status = {
    replicas: 3,
    readyReplicas: 3,
    updatedReplicas: 3,
    currentReplicas: 0,
    availableReplicas: 3,
    currentRevision: "web-a",
    updateRevision: "web-b",
  };
  completeRollingUpdate(set(), status);
  assert.equal(status.currentRevision, "web-b");
  assert.equal(status.currentReplicas, 3);
});

test("minReadySeconds holds the next ordinal until the pod has been ready that long", async () => {
  const s = set({ minReadySeconds: 120 });
  const rev = revisionOf(s);
  const a = recorder();
  const r = await updateStatefulSet(s, rev, rev, undefined, [running(s, 0, rev.metadata.name)], a, now);
  assert.deepEqual(a.log, []);
  assert.ok(r.requeueAfterMs! > 59_000 && r.requeueAfterMs! <= 60_001, String(r.requeueAfterMs));
  assert.equal(r.status.availableReplicas, 0);
});
