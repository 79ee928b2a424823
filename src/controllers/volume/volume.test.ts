import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { PersistentVolumeController } from "./pv-controller.ts";
import { findMatchingVolume, volumeNodeMatches } from "./volume-match.ts";

type Obj = Record<string, any>;

const claim = (spec: Obj = {}, meta: Obj = {}): Obj => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data", namespace: "default", uid: "claim-uid", resourceVersion: "5", ...meta },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "1Gi" } },
    storageClassName: "",
    ...spec,
  },
  status: { phase: "Pending" },
});

const volume = (name: string, storage: string, spec: Obj = {}): Obj => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name, resourceVersion: "3" },
  spec: {
    capacity: { storage },
    accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
    hostPath: { path: `/d/${name}` },
    ...spec,
  },
  status: { phase: "Available" },
});

test("a claim gets the smallest available volume of its class that is big enough", () => {
  const vols = [
    volume("big", "10Gi"),
    volume("small", "500Mi"),
    volume("fit", "2Gi"),
    volume("other", "1Gi", { storageClassName: "fast" }),
  ];
  assert.equal(findMatchingVolume(claim(), vols)?.metadata.name, "fit");
  assert.equal(findMatchingVolume(claim({ storageClassName: "fast" }), vols)?.metadata.name, "other");
  assert.equal(findMatchingVolume(claim({ accessModes: ["ReadWriteMany"] }), vols), undefined);
  // A volume pre-bound to the claim wins over a better fit.
  const preBound = volume("mine", "10Gi", { claimRef: { namespace: "default", name: "data" } });
  assert.equal(findMatchingVolume(claim(), [...vols, preBound])?.metadata.name, "mine");
  // A volume bound elsewhere is never taken.
  const taken = volume("taken", "1Gi", { claimRef: { namespace: "default", name: "other", uid: "x" } });
  assert.equal(findMatchingVolume(claim(), [taken]), undefined);
});

test("a volume's node affinity admits only its nodes", () => {
  const pv = volume("local", "1Gi", {
    nodeAffinity: {
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["a"] }] },
        ],
      },
    },
  });
  const node = (name: string): KObject => ({
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
  });
  assert.equal(volumeNodeMatches(pv, node("a")), true);
  assert.equal(volumeNodeMatches(pv, node("b")), false);
  assert.equal(findMatchingVolume(claim(), [pv], node("b")), undefined);
});

function setup(claims: Obj[], volumes: Obj[], classes: Obj[] = []) {
  const client = new RecordingClient();
  const recorder = new EventRecorder({
    client,
    component: "persistentvolume-controller",
    clock: new FakeClock(),
  });
  const c = new PersistentVolumeController({
    client,
    claims: new FakeInformer(claims as KObject[]),
    volumes: new FakeInformer(volumes as KObject[]),
    classes: new FakeInformer(classes as KObject[]),
    logger: silentLogger,
    recorder,
  });
  return { client, c };
}

test("binding writes the volume's claimRef and phase, then the claim's volumeName and status", async () => {
  const { client, c } = setup([claim()], [volume("pv1", "1Gi")]);
  await c.syncClaim("default/data");
  const updates = client.actions("update");
  assert.deepEqual(
    updates.map((u) => `${u.resource}${u.subresource ? `/${u.subresource}` : ""}`),
    [
      "persistentvolumes",
      "persistentvolumes/status",
      "persistentvolumeclaims",
      "persistentvolumeclaims/status",
    ],
  );
  const pv = updates[0]!.body as Obj;
  assert.deepEqual(pv.spec.claimRef, {
    kind: "PersistentVolumeClaim",
    namespace: "default",
    name: "data",
    uid: "claim-uid",
    apiVersion: "v1",
    resourceVersion: "5",
  });
  assert.equal((updates[1]!.body as Obj).status.phase, "Bound");
  const pvc = updates[2]!.body as Obj;
  assert.equal(pvc.spec.volumeName, "pv1");
  assert.equal(pvc.metadata.annotations["pv.kubernetes.io/bind-completed"], "yes");
  assert.deepEqual((updates[3]!.body as Obj).status, {
    phase: "Bound",
    accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
    capacity: { storage: "1Gi" },
  });
});

test("a volume whose claim is gone is Released; Retain keeps it, Delete without a deleter fails it", async () => {
  const ref = { kind: "PersistentVolumeClaim", namespace: "default", name: "data", uid: "gone" };
  const retained = volume("kept", "1Gi", { claimRef: ref, persistentVolumeReclaimPolicy: "Retain" });
  const deleted = volume("del", "1Gi", { claimRef: ref, persistentVolumeReclaimPolicy: "Delete" });
  retained.status.phase = deleted.status.phase = "Bound";
  const { client, c } = setup([], [retained, deleted]);
  client.objects.clear();
  await c.syncVolume("kept");
  assert.deepEqual(
    client.actions("update").map((u) => (u.body as Obj).status.phase),
    ["Released"],
  );
  await c.syncVolume("del");
  const last = client.actions("update").at(-1)!.body as Obj;
  assert.equal(last.status.phase, "Failed");
  assert.equal(last.status.reason, "VolumeFailedDelete");
});
