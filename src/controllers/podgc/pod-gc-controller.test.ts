import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { PodGCController } from "./pod-gc-controller.ts";

function setup(threshold = 12500) {
  const clock = new FakeClock();
  const client = new RecordingClient();
  const pods = new FakeInformer();
  const nodes = new FakeInformer();
  const gc = new PodGCController({
    client,
    pods,
    nodes,
    clock,
    logger: silentLogger,
    options: { terminatedPodThreshold: threshold },
  });
  const addPod = (
    name: string,
    opts: { phase?: string; node?: string; created?: string; deleting?: boolean } = {},
  ) => {
    const p: KObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: "default",
        uid: `uid-${name}`,
        creationTimestamp: opts.created ?? "2024-01-01T00:00:00Z",
        ...(opts.deleting ? { deletionTimestamp: "2024-01-01T00:01:00Z" } : {}),
      },
      spec: opts.node ? { nodeName: opts.node } : {},
      status: { phase: opts.phase ?? "Running", conditions: [] },
    };
    client.objects.set(`/pods/default/${name}`, structuredClone(p));
    pods.add(p);
  };
  const addNode = (name: string) => {
    const n = { apiVersion: "v1", kind: "Node", metadata: { name } };
    client.objects.set(`/nodes//${name}`, n);
    nodes.add(n);
  };
  const deleted = () =>
    client
      .actions("delete", "pods")
      .map((c) => c.name)
      .sort();
  return { clock, client, pods, nodes, gc, addPod, addNode, deleted };
}

test("terminated pods over the threshold are deleted, oldest first, with grace 0", async () => {
  const s = setup(2);
  s.addNode("n1");
  s.addPod("old", { phase: "Succeeded", node: "n1", created: "2024-01-01T00:00:01Z" });
  s.addPod("older", { phase: "Failed", node: "n1", created: "2024-01-01T00:00:00Z" });
  s.addPod("new", { phase: "Succeeded", node: "n1", created: "2024-01-01T00:00:05Z" });
  s.addPod("newest", { phase: "Succeeded", node: "n1", created: "2024-01-01T00:00:09Z" });
  s.addPod("running", { phase: "Running", node: "n1", created: "2023-01-01T00:00:00Z" });
  await s.gc.gc();
  assert.deepEqual(s.deleted(), ["old", "older"]);
  assert.deepEqual(s.client.actions("delete", "pods")[0].body, { gracePeriodSeconds: 0 });
  assert.equal(s.client.actions("patch", "pods").length, 0, "already terminal pods are not patched");
});

test("pods bound to a node that is gone are deleted after the 40s quarantine, marked Failed first", async () => {
  const s = setup();
  s.addNode("n1");
  s.addPod("alive", { node: "n1" });
  s.addPod("orphan", { node: "gone" });
  await s.gc.gc();
  assert.deepEqual(s.deleted(), []);
  s.clock.advance(39_000);
  await s.gc.gc();
  assert.deepEqual(s.deleted(), []);
  s.clock.advance(1_000);
  await s.gc.gc();
  assert.deepEqual(s.deleted(), ["orphan"]);
  const patch = s.client.actions("patch", "pods")[0];
  assert.equal(patch.subresource, "status");
  const status = (patch.body as any).status;
  assert.equal(status.phase, "Failed");
  const cond = status.conditions.find((c: any) => c.type === "DisruptionTarget");
  assert.equal(cond.reason, "DeletionByPodGC");
  assert.equal(cond.message, "PodGC: node no longer exists");
  assert.deepEqual(s.client.actions("delete", "pods")[0].body, { gracePeriodSeconds: 0 });
});

test("a node that shows up in the API during quarantine saves its pods", async () => {
  const s = setup();
  s.addPod("p", { node: "late" });
  await s.gc.gc();
  // The informer has not seen it yet, but a GET finds it.
  s.client.objects.set("/nodes//late", { metadata: { name: "late" } });
  s.clock.advance(40_000);
  await s.gc.gc();
  assert.deepEqual(s.deleted(), []);
  assert.equal(s.client.actions("get", "nodes").length, 1);
});

test("terminating pods that were never scheduled are deleted", async () => {
  const s = setup();
  s.addPod("pending-deleting", { phase: "Pending", deleting: true });
  s.addPod("pending", { phase: "Pending" });
  await s.gc.gc();
  assert.deepEqual(s.deleted(), ["pending-deleting"]);
});
