import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { TaintEvictionController } from "./taint-eviction-controller.ts";

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

const defaultTolerations = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

class Harness {
  readonly clock = new FakeClock();
  readonly client = new RecordingClient();
  readonly nodes = new FakeInformer();
  readonly pods = new FakeInformer();
  readonly tc: TaintEvictionController;

  constructor() {
    this.pods.addIndexer("spec.nodeName", (p) => [(p.spec as any).nodeName]);
    this.tc = new TaintEvictionController({
      client: this.client,
      nodes: this.nodes,
      pods: this.pods,
      clock: this.clock,
      logger: silentLogger,
      recorder: new EventRecorder({
        client: this.client,
        component: "taint-eviction-controller",
        clock: this.clock,
      }),
      podNodeNameIndex: "spec.nodeName",
    });
  }

  async node(taints: unknown[]): Promise<void> {
    this.nodes.update({ metadata: { name: "n1" }, spec: { taints } });
    await this.tc.handleNodeUpdate("n1");
  }

  pod(name: string, tolerations: unknown[]): void {
    const p: KObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", uid: `uid-${name}` },
      spec: { nodeName: "n1", tolerations },
      status: { phase: "Running", conditions: [] },
    };
    this.client.objects.set(`/pods/default/${name}`, structuredClone(p));
    this.pods.add(p);
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await flush();
  }

  deleted(): string[] {
    return this.client.actions("delete", "pods").map((c) => c.name);
  }

  eventMessages(): string[] {
    return this.client
      .actions("create", "events")
      .map((c) => c.body as any)
      .filter((e) => e.reason === "TaintManagerEviction")
      .map((e) => e.message);
  }
}

const unreachable = {
  key: "node.kubernetes.io/unreachable",
  effect: "NoExecute",
  timeAdded: "2024-01-01T00:00:00Z",
};

test("pods tolerating the unreachable taint for 300s are deleted after 300s, with the upstream event", async () => {
  const h = new Harness();
  h.pod("web", defaultTolerations);
  await h.node([unreachable]);
  await h.advance(299_999);
  assert.deepEqual(h.deleted(), []);
  await h.advance(1);
  assert.deepEqual(h.deleted(), ["web"]);
  assert.deepEqual(h.eventMessages(), ["Marking for deletion Pod default/web"]);
  const status = h.client.actions("update", "pods").find((c) => c.subresource === "status")!.body as any;
  const cond = status.status.conditions.find((c: any) => c.type === "DisruptionTarget");
  assert.equal(cond.reason, "DeletionByTaintManager");
  assert.equal(cond.message, "Taint manager: deleting due to NoExecute taint");
});

test("a pod that does not tolerate a NoExecute taint is deleted at once", async () => {
  const h = new Harness();
  h.pod("bare", []);
  await h.node([unreachable]);
  await h.advance(0);
  assert.deepEqual(h.deleted(), ["bare"]);
});

test("removing the taint cancels the pending deletion", async () => {
  const h = new Harness();
  h.pod("web", defaultTolerations);
  await h.node([unreachable]);
  await h.advance(100_000);
  await h.node([]);
  await h.advance(300_000);
  assert.deepEqual(h.deleted(), []);
  assert.deepEqual(h.eventMessages(), ["Cancelling deletion of Pod default/web"]);
});

test("a toleration without tolerationSeconds tolerates forever; non-NoExecute taints are ignored", async () => {
  const h = new Harness();
  h.pod("forever", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]);
  h.pod("other", []);
  await h.node([{ key: "x", effect: "NoSchedule" }]);
  await h.advance(1_000_000);
  assert.deepEqual(h.deleted(), []);
  await h.node([unreachable]);
  await h.advance(1_000_000);
  assert.deepEqual(h.deleted(), ["other"]);
});

test("a pod bound to an already tainted node is scheduled for deletion too", async () => {
  const h = new Harness();
  await h.node([unreachable]);
  h.pod("late", [{ ...defaultTolerations[1], tolerationSeconds: 5 }]);
  await h.tc.handlePodUpdate("default/late");
  await h.advance(5000);
  assert.deepEqual(h.deleted(), ["late"]);
});
