import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { computeHash } from "../util/pod-template-hash.ts";
import { controllerRevisionHashLabel, DaemonSetController } from "./daemonset-controller.ts";
import { nodeShouldRunDaemonPod } from "./node-should-run.ts";

const template = (image = "luksa/ssd-monitor", nodeSelector?: Record<string, string>) => ({
  metadata: { labels: { app: "ssd-monitor" } },
  spec: { containers: [{ name: "main", image }], ...(nodeSelector ? { nodeSelector } : {}) },
});

function daemonSet(spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: "ssd-monitor",
      namespace: "default",
      uid: "ds-uid",
      generation: 1,
      resourceVersion: "1",
    },
    spec: {
      selector: { matchLabels: { app: "ssd-monitor" } },
      template: template(),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...spec,
    },
    status: {},
  };
}

function node(name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints } };
}

function daemonPod(
  ds: any,
  nodeName: string,
  opts: { hash?: string; ready?: boolean; phase?: string; name?: string } = {},
) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: opts.name ?? `ssd-monitor-${nodeName}`,
      namespace: "default",
      uid: `pod-${opts.name ?? nodeName}`,
      resourceVersion: "3",
      creationTimestamp: "2024-01-01T00:00:00Z",
      labels: {
        app: "ssd-monitor",
        [controllerRevisionHashLabel]: opts.hash ?? computeHash(ds.spec.template),
      },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "ssd-monitor", uid: "ds-uid", controller: true },
      ],
    },
    spec: { nodeName, containers: [{ name: "main", image: "x" }] },
    status: {
      phase: opts.phase ?? "Running",
      conditions: [
        {
          type: "Ready",
          status: opts.ready === false ? "False" : "True",
          lastTransitionTime: "2024-01-01T00:00:00Z",
        },
      ],
    },
  } as KObject;
}

function setup(ds: KObject, nodes: KObject[], pods: KObject[] = []) {
  const client = new RecordingClient();
  const clock = new FakeClock(Date.parse("2024-01-01T00:10:00Z"));
  const daemonSets = new FakeInformer([ds]);
  const podInformer = new FakeInformer();
  const nodeInformer = new FakeInformer(nodes);
  const recorder = new EventRecorder({ client, component: "daemonset-controller", clock });
  const c = new DaemonSetController({
    client,
    daemonSets,
    pods: podInformer,
    nodes: nodeInformer,
    clock,
    logger: silentLogger,
    recorder,
  });
  for (const p of pods) podInformer.add(p);
  return { client, c, daemonSets, podInformer, nodeInformer };
}

const lastStatus = (client: RecordingClient): any =>
  (client.actions("update", "daemonsets").at(-1)!.body as any).status;

async function events(client: RecordingClient): Promise<string[]> {
  await new Promise((r) => setImmediate(r));
  return client.actions("create", "events").map((a) => {
    const e = a.body as { type: string; reason: string; message: string };
    return `${e.type} ${e.reason} ${e.message}`;
  });
}

test("only nodes matching the nodeSelector get a daemon pod, pinned to the node by affinity", async () => {
  const ds = daemonSet({ template: template(undefined, { disk: "ssd" }) });
  const h = setup(ds, [node("n1"), node("n2", { disk: "ssd" })]);
  await h.c.sync("default/ssd-monitor");
  const creates = h.client.actions("create", "pods");
  assert.equal(creates.length, 1);
  const pod = creates[0].body as any;
  assert.equal(pod.metadata.generateName, "ssd-monitor-");
  assert.equal(pod.spec.nodeName, undefined);
  assert.deepEqual(
    pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
    [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }],
  );
  assert.equal(pod.metadata.labels[controllerRevisionHashLabel], computeHash((ds.spec as any).template));
  const tolerationKeys = pod.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`);
  assert.deepEqual(tolerationKeys, [
    "node.kubernetes.io/not-ready:NoExecute",
    "node.kubernetes.io/unreachable:NoExecute",
    "node.kubernetes.io/disk-pressure:NoSchedule",
    "node.kubernetes.io/memory-pressure:NoSchedule",
    "node.kubernetes.io/pid-pressure:NoSchedule",
    "node.kubernetes.io/unschedulable:NoSchedule",
  ]);
  const status = lastStatus(h.client);
  assert.equal(status.desiredNumberScheduled, 1);
  assert.equal(status.currentNumberScheduled, 0);
  assert.equal(status.observedGeneration, 1);
  assert.deepEqual(await events(h.client), [`Normal SuccessfulCreate Created pod: ${pod.metadata.name}`]);
});

test("with no matching node the DaemonSet desires nothing", async () => {
  const h = setup(daemonSet({ template: template(undefined, { disk: "ssd" }) }), [node("n1")]);
  await h.c.sync("default/ssd-monitor");
  assert.equal(h.client.actions("create", "pods").length, 0);
  const status = lastStatus(h.client);
  assert.deepEqual(
    [
      status.desiredNumberScheduled,
      status.currentNumberScheduled,
      status.numberReady,
      status.numberMisscheduled,
    ],
    [0, 0, 0, 0],
  );
});

test("a node that loses the label loses its daemon pod", async () => {
  const ds = daemonSet({ template: template(undefined, { disk: "ssd" }) });
  const h = setup(ds, [node("n1", { disk: "hdd" })], [daemonPod(ds, "n1")]);
  await h.c.sync("default/ssd-monitor");
  const del = h.client.actions("delete", "pods");
  assert.deepEqual(
    del.map((d) => d.name),
    ["ssd-monitor-n1"],
  );
  assert.equal(lastStatus(h.client).numberMisscheduled, 1);
  assert.ok((await events(h.client)).includes("Normal SuccessfulDelete Deleted pod: ssd-monitor-n1"));
});

test("a relabelled node wakes the DaemonSet up", async () => {
  const ds = daemonSet({ template: template(undefined, { disk: "ssd" }) });
  const h = setup(ds, [node("n1")]);
  await h.c.sync("default/ssd-monitor");
  h.nodeInformer.update(node("n1", { disk: "ssd" }));
  await h.c.sync("default/ssd-monitor");
  assert.equal(h.client.actions("create", "pods").length, 1);
});

test("untolerated NoSchedule taints keep new pods off, but cordoned nodes still get daemons", async () => {
  const h = setup(daemonSet(), [
    node("tainted", {}, [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]),
    node("cordoned", {}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]),
  ]);
  await h.c.sync("default/ssd-monitor");
  const creates = h.client.actions("create", "pods");
  assert.equal(creates.length, 1);
  assert.deepEqual(
    (creates[0].body as any).spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
      .nodeSelectorTerms[0].matchFields[0].values,
    ["cordoned"],
  );
});

test("NoSchedule taints let a running daemon stay; NoExecute ones do not", () => {
  const ds = daemonSet();
  assert.deepEqual(nodeShouldRunDaemonPod(node("a", {}, [{ key: "k", effect: "NoSchedule" }]), ds), {
    shouldRun: false,
    shouldContinueRunning: true,
  });
  assert.deepEqual(nodeShouldRunDaemonPod(node("a", {}, [{ key: "k", effect: "NoExecute" }]), ds), {
    shouldRun: false,
    shouldContinueRunning: false,
  });
  assert.deepEqual(
    nodeShouldRunDaemonPod(node("a", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]), ds),
    { shouldRun: true, shouldContinueRunning: true },
  );
});

test("status counts ready, available, updated and misscheduled pods", async () => {
  const ds = daemonSet({ template: template(undefined, { disk: "ssd" }) });
  const h = setup(
    ds,
    [node("n1", { disk: "ssd" }), node("n2", { disk: "ssd" }), node("n3")],
    [daemonPod(ds, "n1"), daemonPod(ds, "n2", { ready: false, hash: "old" }), daemonPod(ds, "n3")],
  );
  // A pending deletion expectation makes the sync only report status.
  h.c.expectations.setExpectations("default/ssd-monitor", 1, 0);
  await h.c.sync("default/ssd-monitor");
  const s = lastStatus(h.client);
  assert.deepEqual(
    {
      desired: s.desiredNumberScheduled,
      current: s.currentNumberScheduled,
      ready: s.numberReady,
      available: s.numberAvailable,
      updated: s.updatedNumberScheduled,
      misscheduled: s.numberMisscheduled,
      unavailable: s.numberUnavailable,
    },
    { desired: 2, current: 2, ready: 1, available: 1, updated: 1, misscheduled: 1, unavailable: 1 },
  );
});

test("a rolling update replaces at most maxUnavailable available pods at a time", async () => {
  const ds = daemonSet({ template: template("luksa/ssd-monitor:v2") });
  const nodes = [node("n1"), node("n2"), node("n3")];
  const h = setup(
    ds,
    nodes,
    nodes.map((n) => daemonPod(ds, n.metadata!.name!, { hash: "old" })),
  );
  await h.c.sync("default/ssd-monitor");
  assert.equal(h.client.actions("delete", "pods").length, 1);
  assert.equal(h.client.actions("create", "pods").length, 0);
});

test("maxSurge starts the new pod next to the old one before deleting it", async () => {
  const ds = daemonSet({
    template: template("luksa/ssd-monitor:v2"),
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
  });
  const h = setup(
    ds,
    [node("n1"), node("n2")],
    [daemonPod(ds, "n1", { hash: "old" }), daemonPod(ds, "n2", { hash: "old" })],
  );
  await h.c.sync("default/ssd-monitor");
  assert.equal(h.client.actions("delete", "pods").length, 0);
  assert.equal(h.client.actions("create", "pods").length, 1);
  // Once the new pod is available, the old one on that node goes.
  h.c.expectations.deleteExpectations("default/ssd-monitor");
  h.podInformer.add(daemonPod(ds, "n1", { name: "ssd-monitor-new" }));
  await h.c.sync("default/ssd-monitor");
  assert.deepEqual(
    h.client.actions("delete", "pods").map((d) => d.name),
    ["ssd-monitor-n1"],
  );
});

test("OnDelete never replaces pods on its own", async () => {
  const ds = daemonSet({ template: template("v2"), updateStrategy: { type: "OnDelete" } });
  const h = setup(ds, [node("n1")], [daemonPod(ds, "n1", { hash: "old" })]);
  await h.c.sync("default/ssd-monitor");
  assert.equal(h.client.actions("delete", "pods").length, 0);
  assert.equal(lastStatus(h.client).updatedNumberScheduled, undefined);
});

test("a failed daemon pod is killed and reported", async () => {
  const ds = daemonSet();
  const h = setup(ds, [node("n1")], [daemonPod(ds, "n1", { phase: "Failed" })]);
  await h.c.sync("default/ssd-monitor");
  assert.deepEqual(
    h.client.actions("delete", "pods").map((d) => d.name),
    ["ssd-monitor-n1"],
  );
  assert.ok(
    (await events(h.client)).includes(
      "Warning FailedDaemonPod Found failed daemon pod default/ssd-monitor-n1 on node n1, will try to kill it",
    ),
  );
});
