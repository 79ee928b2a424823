import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock, rfc3339, rfc3339Micro } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { NodeLifecycleController } from "./node-lifecycle-controller.ts";

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

class Harness {
  readonly clock = new FakeClock();
  readonly client = new RecordingClient();
  readonly nodes = new FakeInformer();
  readonly leases = new FakeInformer();
  readonly pods = new FakeInformer();
  readonly nlc: NodeLifecycleController;

  constructor() {
    this.nlc = new NodeLifecycleController({
      client: this.client,
      nodes: this.nodes,
      leases: this.leases,
      pods: this.pods,
      clock: this.clock,
      logger: silentLogger,
      recorder: new EventRecorder({ client: this.client, component: "node-controller", clock: this.clock }),
    });
  }

  node(name: string, ready: "True" | "False" = "True", labels: Record<string, string> = {}): void {
    const now = rfc3339(this.clock.now());
    const n: KObject = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, uid: `uid-${name}`, resourceVersion: "1", creationTimestamp: now, labels },
      spec: {},
      status: {
        conditions: ["MemoryPressure", "DiskPressure", "PIDPressure"]
          .map((type) => ({ type, status: "False", lastHeartbeatTime: now, lastTransitionTime: now }))
          .concat([
            {
              type: "Ready",
              status: ready,
              reason: ready === "True" ? "KubeletReady" : "KubeletNotReady",
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            } as any,
          ]),
      },
    };
    this.client.objects.set(`/nodes//${name}`, structuredClone(n));
    this.nodes.add(n);
    this.renew(name);
  }

  renew(name: string): void {
    this.leases.add({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: "kube-node-lease" },
      spec: { holderIdentity: name, renewTime: rfc3339Micro(this.clock.now()), leaseDurationSeconds: 40 },
    });
  }

  pod(name: string, nodeName: string): void {
    const p: KObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "1" },
      spec: { nodeName, containers: [{ name: "c", image: "nginx" }] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    };
    this.client.objects.set(`/pods/default/${name}`, structuredClone(p));
    this.pods.add(p);
  }

  /** The informer catches up with what the controller wrote. */
  mirror(): void {
    for (const [k, v] of this.client.objects) {
      if (k.startsWith("/nodes/")) this.nodes.update(structuredClone(v));
      if (k.startsWith("/pods/")) this.pods.update(structuredClone(v));
    }
  }

  async monitor(): Promise<void> {
    await this.nlc.monitorNodeHealth();
    await flush();
    this.mirror();
  }

  async taintPasses(): Promise<void> {
    for (const n of this.nodes.list()) await this.nlc.doNoScheduleTaintingPass(n.metadata!.name!);
    this.mirror();
    await this.nlc.doNoExecuteTaintingPass();
    this.mirror();
  }

  apiNode(name: string): any {
    return this.client.objects.get(`/nodes//${name}`);
  }

  events(reason: string): any[] {
    return this.client
      .actions("create", "events")
      .map((c) => c.body as any)
      .filter((e) => e.reason === reason);
  }
}

const taintKeys = (node: any) => (node.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();

test("a node whose lease and status stop is marked Unknown after the grace period, and its pods not ready", async () => {
  const h = new Harness();
  h.node("a");
  h.node("b");
  h.pod("web", "a");
  await h.monitor();
  assert.equal(h.events("RegisteredNode").length, 2);
  assert.equal(h.events("RegisteredNode")[0].message, "Node a event: Registered Node a in Controller");

  // b keeps renewing its lease; a does not.
  h.clock.advance(40_000);
  h.renew("b");
  await h.monitor();
  assert.equal(h.client.actions("update", "nodes").length, 0, "not before the grace period has passed");

  h.clock.advance(1000);
  h.renew("b");
  await h.monitor();
  const updates = h.client.actions("update", "nodes").filter((c) => c.subresource === "status");
  assert.deepEqual(
    updates.map((u) => u.name),
    ["a"],
  );
  const conds = h.apiNode("a").status.conditions;
  for (const c of conds) {
    assert.equal(c.status, "Unknown", c.type);
    assert.equal(c.reason, "NodeStatusUnknown");
    assert.equal(c.message, "Kubelet stopped posting node status.");
  }
  assert.equal(h.apiNode("b").status.conditions.find((c: any) => c.type === "Ready").status, "True");
  assert.equal(
    h.events("NodeNotReady").find((e) => e.involvedObject.kind === "Node").message,
    "Node a status is now: NodeNotReady",
  );

  const pod = h.client.objects.get("/pods/default/web") as any;
  assert.equal(pod.status.conditions.find((c: any) => c.type === "Ready").status, "False");
  const podEvent = h.events("NodeNotReady").find((e) => e.involvedObject.kind === "Pod");
  assert.equal(podEvent.type, "Warning");
  assert.equal(podEvent.message, "Node is not ready");
});

test("unreachable nodes get the unreachable NoSchedule and NoExecute taints; back to Ready removes them", async () => {
  const h = new Harness();
  h.node("a");
  h.node("b");
  await h.monitor();
  h.clock.advance(41_000);
  h.renew("b");
  await h.monitor(); // a -> Unknown
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), ["node.kubernetes.io/unreachable:NoSchedule"]);

  h.clock.advance(5000);
  h.renew("b");
  await h.monitor(); // observed Unknown: queued for the NoExecute taint
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), [
    "node.kubernetes.io/unreachable:NoExecute",
    "node.kubernetes.io/unreachable:NoSchedule",
  ]);
  const noExec = h.apiNode("a").spec.taints.find((t: any) => t.effect === "NoExecute");
  assert.equal(noExec.timeAdded, rfc3339(h.clock.now()));
  assert.deepEqual(taintKeys(h.apiNode("b")), []);

  // The kubelet is back: status Ready again with a fresh heartbeat, lease renewed.
  h.clock.advance(5000);
  const back = structuredClone(h.apiNode("a"));
  const now = rfc3339(h.clock.now());
  back.status.conditions = back.status.conditions.map((c: any) => ({
    ...c,
    status: c.type === "Ready" ? "True" : "False",
    reason: "Kubelet",
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  }));
  h.client.objects.set("/nodes//a", back);
  h.nodes.update(structuredClone(back));
  h.renew("a");
  h.renew("b");
  await h.monitor();
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), []);
});

test("a node the kubelet reports NotReady gets the not-ready taints", async () => {
  const h = new Harness();
  h.node("a", "False");
  h.node("b");
  await h.monitor();
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), [
    "node.kubernetes.io/not-ready:NoExecute",
    "node.kubernetes.io/not-ready:NoSchedule",
  ]);
});

test("a renewed lease alone keeps a node healthy", async () => {
  const h = new Harness();
  h.node("a");
  h.node("b");
  await h.monitor();
  for (let i = 0; i < 10; i++) {
    h.clock.advance(10_000);
    h.renew("a");
    h.renew("b");
    await h.monitor();
  }
  assert.equal(h.client.actions("update", "nodes").length, 0);
});

test("when every node is unreachable the controller suspects itself and adds no NoExecute taint", async () => {
  const h = new Harness();
  h.node("a");
  await h.monitor();
  h.clock.advance(41_000);
  await h.monitor();
  h.clock.advance(5000);
  await h.monitor();
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), ["node.kubernetes.io/unreachable:NoSchedule"]);
});

test("NoExecute tainting is rate limited per zone (0.1 nodes per second)", async () => {
  const h = new Harness();
  for (const n of ["a", "b", "c", "d", "e", "f"]) h.node(n, n === "a" || n === "b" ? "False" : "True");
  await h.monitor();
  await h.taintPasses();
  const tainted = () =>
    ["a", "b"].filter((n) => taintKeys(h.apiNode(n)).includes("node.kubernetes.io/not-ready:NoExecute"))
      .length;
  assert.equal(tainted(), 1);
  h.clock.advance(9_000);
  await h.taintPasses();
  assert.equal(tainted(), 1);
  h.clock.advance(1_000);
  await h.taintPasses();
  assert.equal(tainted(), 2);
});

test("cordoning a node adds the unschedulable NoSchedule taint, uncordoning removes it", async () => {
  const h = new Harness();
  h.node("a");
  const cordoned = structuredClone(h.apiNode("a"));
  cordoned.spec.unschedulable = true;
  h.client.objects.set("/nodes//a", cordoned);
  h.nodes.update(structuredClone(cordoned));
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), ["node.kubernetes.io/unschedulable:NoSchedule"]);
  const un = structuredClone(h.apiNode("a"));
  delete un.spec.unschedulable;
  h.client.objects.set("/nodes//a", un);
  h.nodes.update(structuredClone(un));
  await h.taintPasses();
  assert.deepEqual(taintKeys(h.apiNode("a")), []);
});
