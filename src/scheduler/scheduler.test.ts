import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../apimachinery/meta.ts";
import { conflict } from "../apimachinery/status-error.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { RecordingClient } from "../client/fake-client.ts";
import { FakeInformer } from "../client/fake-informer.ts";
import { FakeClock } from "../util/clock.ts";
import { silentLogger } from "../util/logger.ts";
import { Scheduler } from "./scheduler.ts";
import { makeNode, makePod } from "./test-helpers.ts";

function setup(nodes: KObject[] = [], pods: KObject[] = []) {
  const client = new RecordingClient();
  const clock = new FakeClock();
  const nodeInf = new FakeInformer(nodes);
  const podInf = new FakeInformer(pods);
  const recorder = new EventRecorder({ client, component: "default-scheduler", clock });
  const s = new Scheduler({
    client,
    pods: podInf,
    nodes: nodeInf,
    clock,
    logger: silentLogger,
    recorder,
    random: () => 0,
  });
  const bindings = () =>
    client
      .actions("create", "pods")
      .map((c) => ({ pod: c.name, node: (c.body as any).target.name, sub: c.subresource }));
  const events = (reason: string) =>
    client
      .actions("create", "events")
      .filter((c) => (c.body as any).reason === reason)
      .map((c) => c.body as any);
  const statusPatches = () => client.actions("patch", "pods").filter((c) => c.subresource === "status");
  /** What the API server does on a binding: the pod comes back with its node. */
  const confirm = (pod: KObject, node: string) =>
    podInf.update({ ...pod, spec: { ...(pod as any).spec, nodeName: node } });
  return { client, clock, nodeInf, podInf, s, bindings, events, statusPatches, confirm };
}

test("a pending pod is bound through pods/NAME/binding and a Scheduled event is recorded", async () => {
  const { s, podInf, client, bindings, events } = setup([makeNode("node1")]);
  podInf.add(makePod("web"));
  assert.equal(await s.scheduleOne(), true);
  assert.deepEqual(bindings(), [{ pod: "web", node: "node1", sub: "binding" }]);
  const binding = client.actions("create", "pods")[0]!.body as any;
  assert.deepEqual(binding, {
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: "web", namespace: "default", uid: "uid-default-web" },
    target: { kind: "Node", name: "node1" },
  });
  const [ev] = events("Scheduled");
  assert.equal(ev.message, "Successfully assigned default/web to node1");
  assert.equal(ev.type, "Normal");
  assert.equal(ev.involvedObject.kind, "Pod");
  assert.equal(ev.source.component, "default-scheduler");
});

test("a NotReady node without taints still takes pods: readiness reaches the scheduler only as taints", async () => {
  const notReady = makeNode("node1");
  (notReady as any).status.conditions = [{ type: "Ready", status: "False" }];
  const { s, podInf, bindings } = setup([notReady]);
  podInf.add(makePod("web"));
  await s.scheduleOne();
  assert.deepEqual(
    bindings().map((b) => b.node),
    ["node1"],
  );
});

test("pods for another scheduler, already bound or being deleted are left alone", async () => {
  const { s, podInf, bindings } = setup([makeNode("node1")]);
  podInf.add(makePod("other", { schedulerName: "my-scheduler" }));
  podInf.add(makePod("bound", { nodeName: "node1" }));
  const deleting = makePod("deleting");
  deleting.metadata!.deletionTimestamp = "2024-01-01T00:00:00Z";
  podInf.add(deleting);
  while (await s.scheduleOne());
  assert.deepEqual(bindings(), []);
});

test("a pod that fits nowhere gets FailedScheduling and PodScheduled=False with upstream's message", async () => {
  const nodes = ["node1", "node2", "node3"].map((n) => makeNode(n));
  const { s, podInf, events, statusPatches, bindings } = setup(nodes);
  podInf.add(makePod("kubia-gpu", { nodeSelector: { gpu: "true" } }));
  await s.scheduleOne();
  assert.deepEqual(bindings(), []);
  const msg =
    "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. " +
    "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
  const [ev] = events("FailedScheduling");
  assert.equal(ev.type, "Warning");
  assert.equal(ev.message, msg);
  const [patch] = statusPatches();
  assert.equal(patch!.name, "kubia-gpu");
  assert.equal(patch!.patchType, "strategic");
  assert.deepEqual(patch!.body, {
    status: {
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          lastProbeTime: null,
          lastTransitionTime: "2024-01-01T00:00:00Z",
          reason: "Unschedulable",
          message: msg,
        },
      ],
    },
  });
  assert.equal(s.queue.stateOf("default/kubia-gpu"), "unschedulable");
});

test("mixed reasons are counted per node and sorted; resource shortages are worth a preemption dry run", async () => {
  const nodes = [
    makeNode("small1", { cpu: "1" }),
    makeNode("small2", { cpu: "1" }),
    makeNode("tainted", {
      cpu: "64",
      taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }],
    }),
  ];
  const { s, podInf, events } = setup(nodes);
  podInf.add(makePod("big", { cpu: "2" }));
  await s.scheduleOne();
  assert.equal(
    events("FailedScheduling")[0].message,
    "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. " +
      "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
  );
});

test("with no nodes the message is 'no nodes available to schedule pods'", async () => {
  const { s, podInf, events, statusPatches } = setup();
  podInf.add(makePod("web"));
  await s.scheduleOne();
  assert.equal(events("FailedScheduling")[0].message, "no nodes available to schedule pods");
  assert.equal((statusPatches()[0]!.body as any).status.conditions[0].reason, "Unschedulable");
});

test("the condition is not rewritten when a retry fails the same way", async () => {
  const { s, podInf, statusPatches, clock, client } = setup([makeNode("node1")]);
  const pod = makePod("kubia-gpu", { nodeSelector: { gpu: "true" } });
  podInf.add(pod);
  await s.scheduleOne();
  const cond = (statusPatches()[0]!.body as any).status.conditions[0];
  podInf.update({ ...pod, status: { phase: "Pending", conditions: [cond] } });
  assert.equal(
    s.queue.stateOf("default/kubia-gpu"),
    "unschedulable",
    "a status-only update does not requeue",
  );
  clock.advance(5 * 60_000 + 1);
  s.queue.flushUnschedulableLeftover();
  assert.equal(await s.scheduleOne(), true);
  assert.equal(statusPatches().length, 1);
  // The repeated event is folded into the first one (count 2), as client-go's recorder does.
  assert.deepEqual(
    client.actions("patch", "events").map((c) => (c.body as any).count),
    [2],
  );
});

test("labelling a node moves the parked pod back and it is bound there", async () => {
  const { s, podInf, nodeInf, bindings, clock } = setup(["node1", "node2", "node3"].map((n) => makeNode(n)));
  podInf.add(makePod("kubia-gpu", { nodeSelector: { gpu: "true" } }));
  await s.scheduleOne();
  assert.equal(s.queue.stateOf("default/kubia-gpu"), "unschedulable");
  // A heartbeat-only update does not help the pod.
  const n2 = makeNode("node2");
  nodeInf.update({
    ...n2,
    status: {
      ...(n2 as any).status,
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "x" }],
    },
  });
  assert.equal(s.queue.stateOf("default/kubia-gpu"), "unschedulable");
  nodeInf.update(makeNode("node2", { labels: { gpu: "true" } }));
  assert.equal(s.queue.stateOf("default/kubia-gpu"), "backoff");
  clock.advance(1000);
  s.queue.flushBackoffCompleted();
  await s.scheduleOne();
  assert.deepEqual(bindings(), [{ pod: "kubia-gpu", node: "node2", sub: "binding" }]);
});

test("assumed pods count against the node before their binding is visible", async () => {
  const { s, podInf, bindings, events } = setup([makeNode("node1", { cpu: "1" })]);
  podInf.add(makePod("a", { cpu: "600m" }));
  podInf.add(makePod("b", { cpu: "600m" }));
  await s.scheduleOne();
  await s.scheduleOne();
  assert.deepEqual(
    bindings().map((b) => b.pod),
    ["a"],
  );
  assert.match(events("FailedScheduling")[0].message, /^0\/1 nodes are available: 1 Insufficient cpu\./);
});

test("deleting a bound pod frees room and retries pods that lacked it", async () => {
  const { s, podInf, bindings, confirm, clock } = setup([makeNode("node1", { cpu: "1" })]);
  const a = makePod("a", { cpu: "600m" });
  podInf.add(a);
  await s.scheduleOne();
  confirm(a, "node1");
  podInf.add(makePod("b", { cpu: "600m" }));
  await s.scheduleOne();
  assert.equal(s.queue.stateOf("default/b"), "unschedulable");
  podInf.delete({ ...a, spec: { ...(a as any).spec, nodeName: "node1" } });
  assert.notEqual(s.queue.stateOf("default/b"), "unschedulable");
  clock.advance(1000);
  s.queue.flushBackoffCompleted();
  await s.scheduleOne();
  assert.deepEqual(
    bindings().map((b) => `${b.pod}->${b.node}`),
    ["a->node1", "b->node1"],
  );
});

test("a failed binding forgets the assumption and retries after back-off with reason SchedulerError", async () => {
  const { s, podInf, client, statusPatches, bindings, clock } = setup([makeNode("node1", { cpu: "1" })]);
  client.fail("create", "pods", conflict({ group: "", resource: "pods/binding" }, "a", "boom"));
  podInf.add(makePod("a", { cpu: "600m" }));
  await s.scheduleOne();
  assert.equal(s.queue.stateOf("default/a"), "backoff");
  const cond = (statusPatches()[0]!.body as any).status.conditions[0];
  assert.equal(cond.reason, "SchedulerError");
  assert.match(cond.message, /^running Bind plugin "DefaultBinder": /);
  client.fail("create", "pods", undefined);
  clock.advance(1000);
  s.queue.flushBackoffCompleted();
  await s.scheduleOne();
  // The first attempt's reservation was released, so the 600m pod still fits on the 1-cpu node.
  assert.equal(bindings().length, 2);
});

test("pods of one ReplicaSet are spread over the nodes", async () => {
  const { s, podInf, bindings } = setup(["n1", "n2", "n3"].map((n) => makeNode(n)));
  for (let i = 0; i < 6; i++) podInf.add(makePod(`web-${i}`, { owner: "web" }));
  while (await s.scheduleOne());
  const perNode = new Map<string, number>();
  for (const b of bindings()) perNode.set(b.node, (perNode.get(b.node) ?? 0) + 1);
  assert.deepEqual([...perNode.values()], [2, 2, 2]);
});

test("higher-priority pods are scheduled first", async () => {
  const { s, podInf, bindings } = setup([makeNode("n1")]);
  podInf.add(makePod("low", { priority: 0 }));
  podInf.add(makePod("high", { priority: 1000 }));
  while (await s.scheduleOne());
  assert.deepEqual(
    bindings().map((b) => b.pod),
    ["high", "low"],
  );
});

test("parked pods are retried after five minutes even without cluster events", async () => {
  const { s, podInf, clock } = setup([makeNode("n1")]);
  podInf.add(makePod("p", { nodeSelector: { gpu: "true" } }));
  await s.scheduleOne();
  clock.advance(60_000);
  s.queue.flushUnschedulableLeftover();
  assert.equal(s.queue.stateOf("default/p"), "unschedulable");
  clock.advance(4 * 60_000 + 1);
  s.queue.flushUnschedulableLeftover();
  assert.equal(s.queue.stateOf("default/p"), "active");
});

test("run() schedules until aborted, flushing back-off on the injected clock", async () => {
  const { s, podInf, nodeInf, bindings, clock } = setup();
  const ac = new AbortController();
  const running = s.run(ac.signal);
  podInf.add(makePod("p"));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(bindings(), []);
  nodeInf.add(makeNode("late"));
  clock.advance(1000);
  for (let i = 0; i < 5 && !bindings().length; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    bindings().map((b) => b.node),
    ["late"],
  );
  ac.abort();
  await running;
});
