import assert from "node:assert/strict";
import { test } from "node:test";
import { alreadyExists } from "../../apimachinery/status-error.ts";
import { computeHash } from "../util/pod-template-hash.ts";
import {
  deployment,
  drainQueue,
  feedBack,
  lastWrite,
  pod,
  replicaSet,
  setup,
  t0,
  template,
} from "./test-fixtures.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

const key = "default/web";
const cond = (d: Deployment | undefined, type: string) => d?.status?.conditions?.find((c) => c.type === type);

test("a new deployment gets a ReplicaSet named after its pod-template-hash, scaled to the full size", async () => {
  const d = deployment();
  const s = setup({ deployments: [d] });
  await s.dc.sync(key);

  const hash = computeHash(template("nginx"));
  const rs = lastWrite(s, "create", "replicasets")!;
  assert.equal(rs.metadata!.name, `web-${hash}`);
  assert.equal(rs.spec.replicas, 3);
  assert.equal(rs.metadata!.labels!["pod-template-hash"], hash);
  assert.equal(rs.spec.template!.metadata!.labels!["pod-template-hash"], hash);
  assert.deepEqual(rs.spec.selector, { matchLabels: { app: "web", "pod-template-hash": hash } });
  assert.deepEqual(rs.metadata!.ownerReferences, [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "web",
      uid: "d-uid",
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(rs.metadata!.annotations!["deployment.kubernetes.io/revision"], "1");
  assert.equal(rs.metadata!.annotations!["deployment.kubernetes.io/desired-replicas"], "3");
  // maxSurge 25% of 3 rounds up to 1.
  assert.equal(rs.metadata!.annotations!["deployment.kubernetes.io/max-replicas"], "4");
  assert.deepEqual(s.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} to 3`]);

  const written = lastWrite(s, "update", "deployments", "web", "status")!;
  assert.equal(written.metadata!.annotations!["deployment.kubernetes.io/revision"], "1");
  assert.equal(cond(written, "Progressing")?.reason, "NewReplicaSetCreated");
  assert.equal(cond(written, "Progressing")?.message, `Created new replica set "web-${hash}"`);
  assert.equal(cond(written, "Available")?.status, "False");
  assert.equal(cond(written, "Available")?.reason, "MinimumReplicasUnavailable");
  assert.equal(written.status!.observedGeneration, 1);
});

test("the hash uses only the safe alphabet and changes with the template and the collision count", () => {
  const a = computeHash(template("nginx"));
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(template("nginx")), a);
  assert.notEqual(computeHash(template("nginx:1.27")), a);
  assert.notEqual(computeHash(template("nginx"), 1), a);
  // A nil collision count and a zero one hash differently, as upstream's pointer check does.
  assert.notEqual(computeHash(template("nginx"), 0), a);
});

test("a finished rollout reports NewReplicaSetAvailable and minimum availability", async () => {
  const d = deployment();
  const rs = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4 });
  d.metadata!.annotations = { "deployment.kubernetes.io/revision": "1" };
  const s = setup({ deployments: [d], replicaSets: [rs] });
  await s.dc.sync(key);

  const written = lastWrite(s, "update", "deployments", "web", "status")!;
  const st = written.status!;
  assert.equal(st.replicas, 3);
  assert.equal(st.updatedReplicas, 3);
  assert.equal(st.readyReplicas, 3);
  assert.equal(st.availableReplicas, 3);
  assert.equal(st.unavailableReplicas, undefined);
  assert.deepEqual(
    [
      cond(written, "Available")?.status,
      cond(written, "Available")?.reason,
      cond(written, "Available")?.message,
    ],
    ["True", "MinimumReplicasAvailable", "Deployment has minimum availability."],
  );
  const p = cond(written, "Progressing")!;
  assert.equal(p.reason, "NewReplicaSetAvailable");
  assert.equal(p.message, `ReplicaSet "${rs.metadata!.name}" has successfully progressed.`);
  assert.equal(s.client.actions("create", "replicasets").length, 0);
});

test("rolling update with maxSurge 1 and maxUnavailable 0 surges one pod, then scales the old RS down", async () => {
  const d = deployment({
    image: "nginx:1.27",
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  });
  d.metadata!.annotations = { "deployment.kubernetes.io/revision": "1" };
  const old = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4, ageSeconds: 60 });
  const s = setup({ deployments: [d], replicaSets: [old] });
  await s.dc.sync(key);

  const created = lastWrite(s, "create", "replicasets")!;
  const newName = created.metadata!.name!;
  assert.equal(created.spec.replicas, 1);
  assert.equal(created.metadata!.annotations!["deployment.kubernetes.io/revision"], "2");
  assert.equal(
    s.client.actions("update", "replicasets").length,
    0,
    "no old pod goes before a new one is available",
  );
  assert.deepEqual(s.events, [`Normal ScalingReplicaSet Scaled up replica set ${newName} to 1`]);

  // The new pod becomes available: one old pod may go.
  feedBack(s);
  const newRS = structuredClone(s.replicaSets.get(`default/${newName}`)) as ReplicaSet;
  newRS.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 };
  s.replicaSets.update(newRS);
  s.events.length = 0;
  await s.dc.sync(key);
  const scaledOld = lastWrite(s, "update", "replicasets", old.metadata!.name)!;
  assert.equal(scaledOld.spec.replicas, 2);
  assert.deepEqual(s.events, [
    `Normal ScalingReplicaSet Scaled down replica set ${old.metadata!.name} to 2 from 3`,
  ]);
  const status = lastWrite(s, "update", "deployments", "web", "status")!;
  assert.equal(cond(status, "Progressing")?.reason, "ReplicaSetUpdated");
  assert.equal(cond(status, "Progressing")?.message, `ReplicaSet "${newName}" is progressing.`);
});

test("percentages: maxSurge rounds up and maxUnavailable rounds down (10 replicas, 25%/25%)", async () => {
  const d = deployment({ image: "nginx:1.27", replicas: 10 });
  const old = replicaSet(d, {
    image: "nginx",
    replicas: 10,
    revision: 1,
    desired: 10,
    max: 13,
    ageSeconds: 60,
  });
  const s = setup({ deployments: [d], replicaSets: [old] });
  await s.dc.sync(key);
  // 10 + ceil(2.5) = 13 pods at most: the new RS starts at 3.
  assert.equal(lastWrite(s, "create", "replicasets")!.spec.replicas, 3);
  // 10 - floor(2.5) = 8 must stay available: the old RS may lose 2 at once.
  assert.equal(lastWrite(s, "update", "replicasets", old.metadata!.name)!.spec.replicas, 8);
});

test("Recreate scales the old RS to zero and creates the new one only when no old pod runs", async () => {
  const d = deployment({ image: "nginx:1.27", strategy: { type: "Recreate" } });
  const old = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 3, ageSeconds: 60 });
  const pods = [pod(old, "a"), pod(old, "b")];
  const s = setup({ deployments: [d], replicaSets: [old], pods });
  await s.dc.sync(key);
  assert.equal(lastWrite(s, "update", "replicasets", old.metadata!.name)!.spec.replicas, 0);
  assert.equal(s.client.actions("create", "replicasets").length, 0);
  assert.deepEqual(s.events, [
    `Normal ScalingReplicaSet Scaled down replica set ${old.metadata!.name} to 0 from 3`,
  ]);

  // Scaled down, but a pod is still running: wait.
  const zero = structuredClone(old);
  zero.spec.replicas = 0;
  zero.status = { replicas: 0, observedGeneration: 1 };
  s.replicaSets.update(zero);
  s.pods.delete(pods[0]);
  await s.dc.sync(key);
  assert.equal(s.client.actions("create", "replicasets").length, 0);

  // The last pod goes: its delete wakes the deployment, and the new RS starts at full size.
  await drainQueue(s);
  s.pods.delete(pods[1]);
  assert.equal(s.dc.queue.length, 1);
  await s.dc.sync(key);
  const created = lastWrite(s, "create", "replicasets")!;
  assert.equal(created.spec.replicas, 3);
  assert.equal(
    s.events.at(-1),
    `Normal ScalingReplicaSet Scaled up replica set ${created.metadata!.name} to 3`,
  );
});

test("old zero-sized ReplicaSets beyond revisionHistoryLimit are deleted, oldest revisions first", async () => {
  const d = deployment({ image: "v4", revisionHistoryLimit: 1 });
  d.status = {
    observedGeneration: 1,
    replicas: 3,
    updatedReplicas: 3,
    availableReplicas: 3,
    readyReplicas: 3,
  };
  const olds = [1, 2, 3].map((r) =>
    replicaSet(d, { image: `v${r}`, replicas: 0, revision: r, desired: 3, max: 4, ageSeconds: 100 - r }),
  );
  const cur = replicaSet(d, { image: "v4", replicas: 3, revision: 4, desired: 3, max: 4 });
  const s = setup({ deployments: [d], replicaSets: [...olds, cur] });
  await s.dc.sync(key);
  assert.deepEqual(
    s.client.actions("delete", "replicasets").map((c) => c.name),
    [olds[0].metadata!.name, olds[1].metadata!.name],
  );
});

test("a rollout without progress times out after progressDeadlineSeconds on the injected clock", async () => {
  const d = deployment({ image: "broken" });
  const old = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4, ageSeconds: 60 });
  const stuck = replicaSet(d, {
    image: "broken",
    replicas: 1,
    available: 0,
    actual: 1,
    revision: 2,
    desired: 3,
    max: 4,
  });
  const now = new Date(t0).toISOString().replace(".000", "");
  d.metadata!.annotations = { "deployment.kubernetes.io/revision": "2" };
  d.status = {
    observedGeneration: 1,
    replicas: 4,
    updatedReplicas: 1,
    readyReplicas: 3,
    availableReplicas: 3,
    unavailableReplicas: 1,
    conditions: [
      {
        type: "Available",
        status: "True",
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
      {
        type: "Progressing",
        status: "True",
        reason: "ReplicaSetUpdated",
        message: `ReplicaSet "${stuck.metadata!.name}" is progressing.`,
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
  };
  const s = setup({ deployments: [d], replicaSets: [old, stuck] });
  const after: number[] = [];
  s.dc.queue.addAfter = (_k: string, ms: number) => void after.push(ms);

  await s.dc.sync(key);
  assert.equal(s.client.actions("update", "deployments").length, 0, "nothing changed yet");
  assert.deepEqual(after, [601_000], "looked at again just after the deadline");

  s.clock.advance(601_000);
  await s.dc.sync(key);
  const written = lastWrite(s, "update", "deployments", "web", "status")!;
  const p = cond(written, "Progressing")!;
  assert.deepEqual([p.status, p.reason], ["False", "ProgressDeadlineExceeded"]);
  assert.equal(p.message, `ReplicaSet "${stuck.metadata!.name}" has timed out progressing.`);
});

test("a paused deployment starts no rollout and says so; resuming says so too", async () => {
  const d = deployment({ image: "nginx:1.27", paused: true });
  const old = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4 });
  const s = setup({ deployments: [d], replicaSets: [old] });
  await s.dc.sync(key);
  assert.equal(s.client.actions("create", "replicasets").length, 0);
  const paused = lastWrite(s, "update", "deployments", "web", "status")!;
  assert.deepEqual(
    [
      cond(paused, "Progressing")?.status,
      cond(paused, "Progressing")?.reason,
      cond(paused, "Progressing")?.message,
    ],
    ["Unknown", "DeploymentPaused", "Deployment is paused"],
  );

  feedBack(s);
  const resumed = structuredClone(s.deployments.get(key)) as Deployment;
  resumed.spec.paused = false;
  s.deployments.update(resumed);
  await s.dc.sync(key);
  const firstStatus = s.client.actions("update", "deployments").find((c) => {
    const b = c.body as Deployment;
    return c.subresource === "status" && cond(b, "Progressing")?.reason === "DeploymentResumed";
  });
  assert.ok(firstStatus, "DeploymentResumed recorded");
  assert.equal(s.client.actions("create", "replicasets").length, 1, "the rollout starts once resumed");
});

test("a paused deployment still scales its one active ReplicaSet", async () => {
  const d = deployment({ paused: true, replicas: 5 });
  const rs = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4 });
  const s = setup({ deployments: [d], replicaSets: [rs] });
  await s.dc.sync(key);
  const scaled = lastWrite(s, "update", "replicasets", rs.metadata!.name)!;
  assert.equal(scaled.spec.replicas, 5);
  assert.equal(scaled.metadata!.annotations!["deployment.kubernetes.io/desired-replicas"], "5");
  assert.equal(scaled.metadata!.annotations!["deployment.kubernetes.io/max-replicas"], "7");
  assert.deepEqual(s.events, [
    `Normal ScalingReplicaSet Scaled up replica set ${rs.metadata!.name} to 5 from 3`,
  ]);
});

test("scaling during a rollout spreads the new replicas proportionally", async () => {
  // Was 10 (maxSurge 25% → 13 at most), now 20 (25 at most): 12 more to spread over 8 + 5.
  const d = deployment({ image: "nginx:1.27", replicas: 20 });
  const old = replicaSet(d, {
    image: "nginx",
    replicas: 8,
    revision: 1,
    desired: 10,
    max: 13,
    ageSeconds: 60,
  });
  const cur = replicaSet(d, {
    image: "nginx:1.27",
    replicas: 5,
    available: 0,
    revision: 2,
    desired: 10,
    max: 13,
  });
  d.status = { replicas: 13, observedGeneration: 1 };
  const s = setup({ deployments: [d], replicaSets: [old, cur] });
  await s.dc.sync(key);
  assert.equal(lastWrite(s, "update", "replicasets", old.metadata!.name)!.spec.replicas, 15);
  assert.equal(lastWrite(s, "update", "replicasets", cur.metadata!.name)!.spec.replicas, 10);
  assert.equal(s.client.actions("create", "replicasets").length, 0);
});

test("rollout undo: the old RS whose template matches again becomes the new one with the next revision", async () => {
  // kubectl rollout undo wrote revision 1's template back into the deployment.
  const d = deployment({ image: "nginx" });
  d.metadata!.annotations = { "deployment.kubernetes.io/revision": "2" };
  const first = replicaSet(d, {
    image: "nginx",
    replicas: 0,
    revision: 1,
    desired: 3,
    max: 4,
    ageSeconds: 60,
  });
  const second = replicaSet(d, { image: "nginx:1.27", replicas: 3, revision: 2, desired: 3, max: 4 });
  const s = setup({ deployments: [d], replicaSets: [first, second] });
  await s.dc.sync(key);
  assert.equal(s.client.actions("create", "replicasets").length, 0);
  const bumped = lastWrite(s, "update", "replicasets", first.metadata!.name)!;
  assert.equal(bumped.metadata!.annotations!["deployment.kubernetes.io/revision"], "3");
  assert.equal(bumped.metadata!.annotations!["deployment.kubernetes.io/revision-history"], "1");

  feedBack(s);
  await s.dc.sync(key);
  // Next: the deployment records revision 3 and the old template surges back up (maxSurge 1).
  const status = s.client.actions("update", "deployments").map((c) => c.body as Deployment);
  assert.ok(status.some((b) => b.metadata!.annotations!["deployment.kubernetes.io/revision"] === "3"));
  assert.equal(lastWrite(s, "update", "replicasets", first.metadata!.name)!.spec.replicas, 1);
  assert.equal(
    s.events.at(-1),
    `Normal ScalingReplicaSet Scaled up replica set ${first.metadata!.name} to 1 from 0`,
  );
});

test("the deprecated rollbackTo annotation restores that revision's template", async () => {
  const d = deployment({ image: "nginx:1.27" });
  d.metadata!.annotations = {
    "deployment.kubernetes.io/revision": "2",
    "deprecated.deployment.rollback.to": "0",
  };
  const first = replicaSet(d, { image: "nginx", replicas: 0, revision: 1, ageSeconds: 60 });
  first.metadata!.annotations!["kubernetes.io/change-cause"] = "first";
  const second = replicaSet(d, { image: "nginx:1.27", replicas: 3, revision: 2, desired: 3, max: 4 });
  const s = setup({ deployments: [d], replicaSets: [first, second] });
  await s.dc.sync(key);
  const updated = lastWrite(s, "update", "deployments", "web")!;
  assert.equal((updated.spec.template!.spec!.containers as Array<{ image: string }>)[0].image, "nginx");
  assert.equal(updated.spec.template!.metadata!.labels!["pod-template-hash"], undefined);
  assert.equal(updated.metadata!.annotations!["deprecated.deployment.rollback.to"], undefined);
  assert.equal(updated.metadata!.annotations!["kubernetes.io/change-cause"], "first");
  assert.ok(s.events.includes(`Normal DeploymentRollback Rolled back deployment "web" to revision 1`));
});

test("orphan ReplicaSets that match are adopted; owned ones that stop matching are released", async () => {
  const d = deployment();
  const orphan = replicaSet(d, {
    image: "nginx",
    replicas: 3,
    owned: false,
    revision: 1,
    desired: 3,
    max: 4,
  });
  const stray = replicaSet(d, { image: "other", replicas: 0, revision: 1, ageSeconds: 60 });
  stray.metadata!.labels = { app: "something-else" };
  const s = setup({ deployments: [d], replicaSets: [stray] });
  await drainQueue(s);
  s.replicaSets.add(orphan);
  s.client.objects.set(`apps/replicasets/default/${orphan.metadata!.name}`, structuredClone(orphan));
  assert.equal(s.dc.queue.length, 1, "the orphan's add woke the deployment");
  await s.dc.sync(key);
  const patches = s.client.actions("patch", "replicasets");
  const adopt = patches.find((c) => c.name === orphan.metadata!.name)!;
  assert.equal(adopt.patchType, "strategic");
  assert.deepEqual(adopt.body, {
    metadata: {
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: "web",
          uid: "d-uid",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      uid: orphan.metadata!.uid,
    },
  });
  const release = patches.find((c) => c.name === stray.metadata!.name)!;
  assert.deepEqual(release.body, {
    metadata: { ownerReferences: [{ $patch: "delete", uid: "d-uid" }], uid: stray.metadata!.uid },
  });
  assert.equal(s.client.actions("create", "replicasets").length, 0, "the adopted RS is the new one");
  assert.equal(s.client.actions("get", "deployments").length, 1, "deletion rechecked before adopting");
});

test("a name collision bumps status.collisionCount", async () => {
  const d = deployment();
  const hash = computeHash(template("nginx"));
  const squatter = replicaSet(d, { image: "nginx", replicas: 1, owned: false });
  squatter.metadata!.name = `web-${hash}`;
  squatter.metadata!.labels = { app: "other" };
  squatter.spec.template = template("busybox");
  const s = setup({ deployments: [d], replicaSets: [squatter] });
  s.client.fail(
    "create",
    "replicasets",
    alreadyExists({ group: "apps", resource: "replicasets" }, `web-${hash}`),
  );
  await assert.rejects(s.dc.sync(key));
  assert.equal(lastWrite(s, "update", "deployments", "web", "status")!.status!.collisionCount, 1);
});

test("a deployment selecting everything is refused with a SelectingAll event", async () => {
  const d = deployment({ selector: {} });
  const s = setup({ deployments: [d] });
  await s.dc.sync(key);
  assert.deepEqual(s.events, [
    "Warning SelectingAll This deployment is selecting all pods. A non-empty selector is required.",
  ]);
  assert.equal(s.client.actions("create", "replicasets").length, 0);
});

test("kubectl rollout restart's annotation makes a new ReplicaSet", async () => {
  const d = deployment();
  d.spec.template!.metadata!.annotations = { "kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z" };
  const old = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4, ageSeconds: 60 });
  const s = setup({ deployments: [d], replicaSets: [old] });
  await s.dc.sync(key);
  const created = lastWrite(s, "create", "replicasets")!;
  assert.notEqual(created.metadata!.name, old.metadata!.name);
  assert.equal(
    created.spec.template!.metadata!.annotations!["kubectl.kubernetes.io/restartedAt"],
    "2024-01-01T00:00:00Z",
  );
  assert.equal(created.metadata!.annotations!["deployment.kubernetes.io/revision"], "2");
});

test("ReplicaSet changes wake the owning deployment only", async () => {
  const d = deployment();
  const rs = replicaSet(d, { image: "nginx", replicas: 3, revision: 1, desired: 3, max: 4 });
  const foreign = replicaSet(d, { image: "other", replicas: 1 });
  foreign.metadata!.ownerReferences = [
    { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "another-uid", controller: true },
  ];
  const s = setup({ deployments: [d], replicaSets: [rs, foreign] });
  await drainQueue(s);
  const bumped = structuredClone(foreign);
  bumped.metadata!.resourceVersion = "6";
  s.replicaSets.update(bumped);
  assert.equal(s.dc.queue.length, 0, "an RS of a deployment with another uid is not ours");
  const progressed = structuredClone(rs);
  progressed.metadata!.resourceVersion = "6";
  progressed.status!.availableReplicas = 2;
  s.replicaSets.update(progressed);
  assert.equal(s.dc.queue.length, 1);
  assert.equal(await s.dc.queue.get(), "default/web");
});
