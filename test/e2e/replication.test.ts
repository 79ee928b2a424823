// ReplicationControllers and ReplicaSets (Kubernetes in Action chapter 4) with the real kubectl
// against a node-less `skiff server`: pods stay Pending, which is enough to count them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { KUBIA_RC, KUBIA_REPLICASET, manifestsIn } from "../support/book.ts";
import { eventuallyMatches } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;
const dir = mkdtempSync(join(tmpdir(), "skiff-replication-"));
const manifest = manifestsIn(dir);

const kubiaRc = manifest("kubia-rc.yaml", KUBIA_RC);

const kubiaRs = manifest("kubia-replicaset.yaml", KUBIA_REPLICASET);

const kubiaRsExpr = manifest(
  "kubia-replicaset-matchexpressions.yaml",
  `apiVersion: apps/v1beta2
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    matchExpressions:
      - key: app
        operator: In
        values:
          - kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
`,
);

interface Pod {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{
      kind: string;
      name: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }>;
  };
  spec: { containers: Array<{ image: string }> };
}

async function pods(selector = "app=kubia"): Promise<Pod[]> {
  const out = await k.ok(["get", "pods", "-l", selector, "-o", "json"]);
  return (JSON.parse(out) as { items: Pod[] }).items;
}

const names = (ps: Pod[]) => ps.map((p) => p.metadata.name).sort();
const generated = /^kubia-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

describe("ReplicationController", () => {
  let first: string[] = [];

  test("create -f kubia-rc.yaml gives 3 pods kubia-xxxxx owned by the RC", async () => {
    assert.match(await k.ok(["create", "-f", kubiaRc]), /replicationcontroller\/kubia created/);
    const ps = await eventuallyMatches(
      "3 pods",
      () => pods(),
      (ps) => ps.length === 3,
    );
    for (const p of ps) {
      assert.match(p.metadata.name, generated);
      assert.deepEqual(
        p.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]),
        [["ReplicationController", "kubia", true, true]],
      );
    }
    first = names(ps);
    const rc = await eventuallyMatches(
      "get rc shows 3/3",
      () => k.ok(["get", "rc", "kubia"]),
      (out) => /^kubia\s+3\s+3\s+0\s+/m.test(out),
    );
    assert.match(rc, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
  });

  test("deleting a pod brings a replacement", async () => {
    const victim = first[0]!;
    await k.ok(["delete", "pod", victim]);
    const ps = await eventuallyMatches(
      "a replacement",
      () => pods(),
      (ps) => ps.length === 3 && !names(ps).includes(victim),
    );
    assert.equal(names(ps).filter((n) => !first.includes(n)).length, 1);
  });

  test("relabelling a pod out of the selector releases it and creates a replacement", async () => {
    const before = names(await pods());
    const moved = before[0]!;
    await k.ok(["label", "pod", moved, "app=foo", "--overwrite"]);
    const ps = await eventuallyMatches(
      "3 app=kubia pods again",
      () => pods(),
      (ps) => ps.length === 3 && !names(ps).includes(moved),
    );
    assert.equal(names(ps).filter((n) => !before.includes(n)).length, 1);
    const foo = await eventuallyMatches(
      "the foo pod without its owner",
      () => pods("app=foo"),
      (ps) => ps.length === 1 && !ps[0]!.metadata.ownerReferences?.length,
    );
    assert.equal(foo[0]!.metadata.name, moved);
    // Released, the field is gone as Go's omitempty leaves it, not an empty list.
    assert.ok(!("ownerReferences" in foo[0]!.metadata), JSON.stringify(foo[0]!.metadata));
    const table = await k.ok(["get", "pods", "-L", "app"]);
    const fooLines = table.split("\n").filter((l) => /\sfoo\s*$/.test(l));
    assert.equal(fooLines.length, 1);
    assert.ok(fooLines[0]!.startsWith(moved));
  });

  test("scale rc kubia --replicas=5 gives 5 pods, and describe shows them and the events", async () => {
    assert.match(await k.ok(["scale", "rc", "kubia", "--replicas=5"]), /replicationcontroller\/kubia scaled/);
    await eventuallyMatches(
      "5 pods",
      () => pods(),
      (ps) => ps.length === 5,
    );
    const described = await eventuallyMatches(
      "describe shows 5 current / 5 desired",
      () => k.ok(["describe", "rc", "kubia"]),
      (out) => /Replicas:\s+5 current \/ 5 desired/.test(out),
    );
    assert.match(described, /Selector:\s+app=kubia/);
    assert.match(described, /Pods Status:\s+0 Running \/ 5 Waiting \/ 0 Succeeded \/ 0 Failed/);
    const creates =
      described.match(/Normal\s+SuccessfulCreate\s+.*replication-controller\s+Created pod: kubia-\w{5}/g) ??
      [];
    // 3 at first, 1 after the deletion, 1 after the relabel, 2 on scaling (the same message is never repeated).
    assert.equal(creates.length, 7);
  });

  test("a template change affects only new pods", async () => {
    await k.ok([
      "patch",
      "rc",
      "kubia",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"luksa/kubia:v2"}]',
    ]);
    const ps = await pods();
    assert.ok(ps.every((p) => p.spec.containers[0]!.image === "luksa/kubia"));
    await k.ok(["delete", "pod", ps[0]!.metadata.name]);
    const after = await eventuallyMatches(
      "a v2 replacement",
      () => pods(),
      (ps) => ps.length === 5 && ps.some((p) => p.spec.containers[0]!.image === "luksa/kubia:v2"),
    );
    assert.equal(after.filter((p) => p.spec.containers[0]!.image === "luksa/kubia:v2").length, 1);
  });

  test("scaling down deletes the extras with SuccessfulDelete events", async () => {
    await k.ok(["scale", "rc", "kubia", "--replicas=3"]);
    await eventuallyMatches(
      "3 pods",
      () => pods(),
      (ps) => ps.length === 3,
    );
    const described = await eventuallyMatches(
      "3 current / 3 desired",
      () => k.ok(["describe", "rc", "kubia"]),
      (out) => /Replicas:\s+3 current \/ 3 desired/.test(out) && /SuccessfulDelete/.test(out),
    );
    assert.equal((described.match(/SuccessfulDelete\s+.*Deleted pod: kubia-\w{5}/g) ?? []).length, 2);
  });

  test("delete rc kubia --cascade=orphan leaves the pods", async () => {
    const before = names(await pods());
    await k.ok(["delete", "rc", "kubia", "--cascade=orphan"]);
    await eventuallyMatches(
      "rc gone",
      () => k.run(["get", "rc", "kubia"]),
      (r) => r.code !== 0,
    );
    const ps = await eventuallyMatches(
      "orphaned pods",
      () => pods(),
      (ps) => ps.every((p) => !p.metadata.ownerReferences?.length),
    );
    assert.deepEqual(names(ps), before);
    for (const p of ps) assert.ok(!("ownerReferences" in p.metadata), JSON.stringify(p.metadata));
  });
});

describe("ReplicaSet", () => {
  test("kubia-replicaset.yaml adopts the 3 orphaned pods and creates none", async () => {
    const before = await pods();
    assert.equal(before.length, 3);
    const out = await k.run(["create", "-f", kubiaRs]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /replicaset.apps\/kubia created/);
    const ps = await eventuallyMatches(
      "pods owned by the ReplicaSet",
      () => pods(),
      (ps) => ps.every((p) => p.metadata.ownerReferences?.[0]?.kind === "ReplicaSet"),
    );
    assert.deepEqual(names(ps), names(before));
    assert.deepEqual(ps.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort());
    for (const p of ps)
      assert.deepEqual(
        p.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]),
        [["ReplicaSet", "kubia", true, true]],
      );
    await eventuallyMatches(
      "get rs 3/3",
      () => k.ok(["get", "rs"]),
      (o) => /^kubia\s+3\s+3\s+0\s+/m.test(o),
    );
    const described = await eventuallyMatches(
      "describe rs",
      () => k.ok(["describe", "rs", "kubia"]),
      (o) => /Replicas:\s+3 current \/ 3 desired/.test(o),
    );
    assert.match(described, /Selector:\s+app=kubia/);
    assert.doesNotMatch(described, /SuccessfulCreate/);
    // Still 3 a moment later: nothing else was created.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await pods()).length, 3);
  });

  test("the status is written through /status with observedGeneration", async () => {
    const rs = JSON.parse(await k.ok(["get", "rs", "kubia", "-o", "json"])) as {
      metadata: { generation: number };
      status: Record<string, number>;
    };
    assert.deepEqual(rs.status, {
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: rs.metadata.generation,
    });
  });

  test("delete rs kubia deletes its pods", async () => {
    await k.ok(["delete", "rs", "kubia"]);
    await eventuallyMatches(
      "pods gone",
      () => pods(),
      (ps) => ps.length === 0,
      20_000,
    );
    // The released foo pod is nobody's and stays.
    assert.equal((await pods("app=foo")).length, 1);
  });

  test("the matchExpressions variant selects the same pods", async () => {
    assert.match(await k.ok(["create", "-f", kubiaRsExpr]), /replicaset.apps\/kubia created/);
    const ps = await eventuallyMatches(
      "3 pods",
      () => pods(),
      (ps) => ps.length === 3,
    );
    for (const p of ps) assert.equal(p.metadata.ownerReferences?.[0]?.kind, "ReplicaSet");
    const described = await eventuallyMatches(
      "describe rs",
      () => k.ok(["describe", "rs", "kubia"]),
      (o) => /Replicas:\s+3 current \/ 3 desired/.test(o),
    );
    assert.match(described, /Selector:\s+app in \(kubia\)/);
    const foo = await pods("app=foo");
    assert.ok(!foo[0]!.metadata.ownerReferences?.length, "app=foo is not adopted");
    await k.ok(["delete", "rs", "kubia"]);
    await eventuallyMatches(
      "pods gone",
      () => pods(),
      (ps) => ps.length === 0,
      20_000,
    );
  });
});
