import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { JobController, jobTrackingFinalizer } from "./job-controller.ts";

const start = Date.parse("2024-01-01T00:00:00Z");

function newJob(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "batch-job", namespace: "default", uid: "job-uid", resourceVersion: "1" },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: "NonIndexed",
      suspend: false,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "job-uid" } },
      template: {
        metadata: { labels: { app: "batch-job", "batch.kubernetes.io/controller-uid": "job-uid" } },
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "luksa/batch-job" }] },
      },
      ...spec,
    },
    status,
  };
}

function setup(job: KObject) {
  const client = new RecordingClient();
  const clock = new FakeClock(start);
  const jobs = new FakeInformer([job]);
  const pods = new FakeInformer();
  const recorder = new EventRecorder({ client, component: "job-controller", clock });
  const c = new JobController({ client, jobs, pods, clock, logger: silentLogger, recorder });
  client.objects.set("batch/jobs/default/batch-job", job);
  let seenCreates = 0;
  /** Moves what the controller wrote into the caches, as watches would. */
  const observe = () => {
    const creates = client.actions("create", "pods");
    for (const a of creates.slice(seenCreates)) {
      const p = structuredClone(client.objects.get(`/pods/default/${(a.body as KObject).metadata!.name}`)!);
      p.metadata!.creationTimestamp = new Date(clock.now()).toISOString();
      pods.add(p);
    }
    seenCreates = creates.length;
    const j = client.objects.get("batch/jobs/default/batch-job");
    if (j) jobs.update(structuredClone(j));
  };
  return { client, clock, jobs, pods, c, observe };
}

function setPhase(
  pods: FakeInformer,
  name: string,
  phase: string,
  extra: Record<string, unknown> = {},
): void {
  const p: any = structuredClone(pods.get(`default/${name}`)!);
  p.status = { ...p.status, phase, ...extra };
  p.metadata.resourceVersion = String(Number(p.metadata.resourceVersion ?? 0) + 100);
  pods.update(p);
}

function dropFinalizer(pods: FakeInformer, name: string): void {
  const p: any = structuredClone(pods.get(`default/${name}`)!);
  p.metadata.finalizers = (p.metadata.finalizers ?? []).filter((f: string) => f !== jobTrackingFinalizer);
  p.metadata.resourceVersion = String(Number(p.metadata.resourceVersion ?? 0) + 100);
  pods.update(p);
}

const podNames = (pods: FakeInformer) => pods.list().map((p) => p.metadata!.name!);
const lastStatus = (client: RecordingClient): any =>
  (client.actions("update", "jobs").at(-1)!.body as any).status;

async function events(client: RecordingClient): Promise<string[]> {
  await new Promise((r) => setImmediate(r));
  return client.actions("create", "events").map((a) => {
    const e = a.body as { type: string; reason: string; message: string };
    return `${e.type} ${e.reason} ${e.message}`;
  });
}

/** Lets the kubelet "finish" a pod: phase, then the controller's finalizer removal. */
async function finish(h: ReturnType<typeof setup>, name: string, phase: "Succeeded" | "Failed") {
  setPhase(h.pods, name, phase, {
    containerStatuses: [{ name: "main", state: { terminated: { finishedAt: h.clock.now().toISOString() } } }],
  });
  await h.c.sync("default/batch-job");
  h.observe();
  dropFinalizer(h.pods, name);
}

test("a new Job gets parallelism pods, each with the tracking finalizer and owned by the Job", async () => {
  const h = setup(newJob({ completions: 5, parallelism: 2 }));
  await h.c.sync("default/batch-job");
  const creates = h.client.actions("create", "pods");
  assert.equal(creates.length, 2);
  const pod = creates[0].body as any;
  assert.equal(pod.metadata.generateName, "batch-job-");
  assert.deepEqual(pod.metadata.finalizers, [jobTrackingFinalizer]);
  assert.equal(pod.metadata.ownerReferences[0].kind, "Job");
  assert.equal(pod.metadata.ownerReferences[0].controller, true);
  assert.equal(pod.metadata.labels.app, "batch-job");
  const status = lastStatus(h.client);
  assert.equal(status.active, 2);
  assert.equal(status.ready, 0);
  assert.equal(status.terminating, 0);
  assert.equal(status.startTime, "2024-01-01T00:00:00Z");
  const ev = await events(h.client);
  assert.deepEqual(
    ev,
    creates.map((c) => `Normal SuccessfulCreate Created pod: ${(c.body as any).metadata.name}`),
  );
});

test("succeeded pods are counted through uncountedTerminatedPods and replaced up to completions", async () => {
  const h = setup(newJob({ completions: 3, parallelism: 2 }));
  await h.c.sync("default/batch-job");
  h.observe();
  const [first] = podNames(h.pods);
  setPhase(h.pods, first, "Succeeded");
  await h.c.sync("default/batch-job");
  const updates = h.client.actions("update", "jobs");
  // First the uid goes into uncountedTerminatedPods, then, with the finalizer removed, into succeeded.
  const uid = h.pods.get(`default/${first}`)!.metadata!.uid;
  assert.ok(updates.some((u) => (u.body as any).status.uncountedTerminatedPods.succeeded?.includes(uid)));
  const patches = h.client.actions("patch", "pods");
  assert.equal(patches.length, 1);
  assert.deepEqual(patches[0].body, {
    metadata: { "$deleteFromPrimitiveList/finalizers": [jobTrackingFinalizer] },
  });
  const status = lastStatus(h.client);
  assert.equal(status.succeeded, 1);
  assert.deepEqual(status.uncountedTerminatedPods, {});
  assert.equal(h.client.actions("create", "pods").length, 3, "one replacement; never more than parallelism");
  assert.equal(status.active, 2);
});

test("the Job completes when completions pods succeeded: SuccessCriteriaMet, then Complete", async () => {
  const h = setup(newJob());
  await h.c.sync("default/batch-job");
  h.observe();
  const [pod] = podNames(h.pods);
  h.clock.advance(5000);
  await finish(h, pod, "Succeeded");
  const status = lastStatus(h.client);
  const types = status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`);
  assert.deepEqual(types, ["SuccessCriteriaMet=True/CompletionsReached", "Complete=True/CompletionsReached"]);
  assert.equal(status.conditions[1].message, "Reached expected number of succeeded pods");
  assert.equal(status.succeeded, 1);
  assert.equal(status.completionTime, "2024-01-01T00:00:05Z");
  assert.equal(status.active, undefined);
  assert.ok((await events(h.client)).includes("Normal Completed Job completed"));
  // Finished pods are kept.
  assert.equal(h.client.actions("delete", "pods").length, 0);
});

test("failed pods beyond backoffLimit fail the Job with BackoffLimitExceeded", async () => {
  const h = setup(newJob({ backoffLimit: 0 }));
  await h.c.sync("default/batch-job");
  h.observe();
  const [pod] = podNames(h.pods);
  await finish(h, pod, "Failed");
  const status = lastStatus(h.client);
  assert.equal(status.failed, 1);
  const types = status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`);
  assert.deepEqual(types, ["FailureTarget=True/BackoffLimitExceeded", "Failed=True/BackoffLimitExceeded"]);
  assert.equal(status.conditions[1].message, "Job has reached the specified backoff limit");
  assert.ok(
    (await events(h.client)).includes(
      "Warning BackoffLimitExceeded Job has reached the specified backoff limit",
    ),
  );
  assert.equal(h.client.actions("create", "pods").length, 1, "no replacement for a failed Job");
});

test("a failed pod is replaced only after the back-off (10 s, then 20 s)", async () => {
  const h = setup(newJob({ backoffLimit: 6 }));
  await h.c.sync("default/batch-job");
  h.observe();
  await finish(h, podNames(h.pods)[0], "Failed");
  h.observe();
  assert.equal(lastStatus(h.client).failed, 1);
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("create", "pods").length, 1, "still backing off");
  h.clock.advance(9_000);
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("create", "pods").length, 1);
  h.clock.advance(1_000);
  await h.c.sync("default/batch-job");
  h.observe();
  assert.equal(h.client.actions("create", "pods").length, 2);
  const second = podNames(h.pods).find((n) => h.pods.get(`default/${n}`)!.metadata!.finalizers?.length)!;
  await finish(h, second, "Failed");
  h.observe();
  h.clock.advance(19_000);
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("create", "pods").length, 2, "the second back-off is 20 s");
  h.clock.advance(1_000);
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("create", "pods").length, 3);
});

test("activeDeadlineSeconds deletes the running pods and fails the Job with DeadlineExceeded", async () => {
  const h = setup(newJob({ activeDeadlineSeconds: 30 }));
  await h.c.sync("default/batch-job");
  h.observe();
  const [pod] = podNames(h.pods);
  setPhase(h.pods, pod, "Running");
  h.clock.advance(30_000);
  await h.c.sync("default/batch-job");
  const del = h.client.actions("delete", "pods");
  assert.deepEqual(
    del.map((d) => d.name),
    [pod],
  );
  let status = lastStatus(h.client);
  assert.deepEqual(
    status.conditions.map((c: any) => c.type),
    ["FailureTarget"],
  );
  assert.equal(status.conditions[0].reason, "DeadlineExceeded");
  assert.equal(status.terminating, 1);
  // The kubelet stops the pod; the API server removes it once the finalizer is gone.
  h.observe();
  h.pods.delete(h.pods.get(`default/${pod}`)!);
  await h.c.sync("default/batch-job");
  status = lastStatus(h.client);
  assert.deepEqual(
    status.conditions.map((c: any) => `${c.type}/${c.reason}`),
    ["FailureTarget/DeadlineExceeded", "Failed/DeadlineExceeded"],
  );
  assert.equal(status.conditions[1].message, "Job was active longer than specified deadline");
  assert.equal(status.failed, 1);
  assert.ok(
    (await events(h.client)).includes(
      "Warning DeadlineExceeded Job was active longer than specified deadline",
    ),
  );
});

test("lowering parallelism deletes surplus pods after removing their finalizer", async () => {
  const h = setup(newJob({ completions: 5, parallelism: 3 }));
  await h.c.sync("default/batch-job");
  h.observe();
  const job: any = structuredClone(h.jobs.get("default/batch-job")!);
  job.spec.parallelism = 1;
  h.jobs.update(job);
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("delete", "pods").length, 2);
  assert.equal(h.client.actions("patch", "pods").length, 2);
  assert.equal(lastStatus(h.client).active, 1);
});

test("OnFailure restarts count against backoffLimit", async () => {
  const h = setup(
    newJob({
      backoffLimit: 2,
      template: {
        ...(newJob().spec as any).template,
        spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "x" }] },
      },
    }),
  );
  await h.c.sync("default/batch-job");
  h.observe();
  const [pod] = podNames(h.pods);
  setPhase(h.pods, pod, "Running", { containerStatuses: [{ name: "main", restartCount: 2 }] });
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("delete", "pods").length, 1);
  assert.equal(lastStatus(h.client).conditions[0].reason, "BackoffLimitExceeded");
});

test("suspending a Job deletes its pods and sets the Suspended condition", async () => {
  const h = setup(newJob({ completions: 2, parallelism: 2 }));
  await h.c.sync("default/batch-job");
  h.observe();
  const job: any = structuredClone(h.jobs.get("default/batch-job")!);
  job.spec.suspend = true;
  h.jobs.update(job);
  await h.c.sync("default/batch-job");
  assert.equal(h.client.actions("delete", "pods").length, 2);
  const status = lastStatus(h.client);
  assert.equal(status.conditions[0].type, "Suspended");
  assert.equal(status.conditions[0].reason, "JobSuspended");
  assert.ok((await events(h.client)).includes("Normal Suspended Job suspended"));
});

test("Indexed Jobs give each pod its completion index and track completedIndexes", async () => {
  const h = setup(newJob({ completions: 3, parallelism: 2, completionMode: "Indexed" }));
  await h.c.sync("default/batch-job");
  h.observe();
  const created = h.client.actions("create", "pods").map((a) => a.body as any);
  assert.deepEqual(
    created.map((p) => p.metadata.annotations["batch.kubernetes.io/job-completion-index"]),
    ["0", "1"],
  );
  assert.equal(created[1].metadata.generateName, "batch-job-1-");
  assert.equal(created[1].spec.hostname, "batch-job-1");
  assert.equal(created[0].spec.containers[0].env[0].name, "JOB_COMPLETION_INDEX");
  const byIndex = (i: string) =>
    podNames(h.pods).find(
      (n) =>
        h.pods.get(`default/${n}`)!.metadata!.annotations!["batch.kubernetes.io/job-completion-index"] === i,
    )!;
  await finish(h, byIndex("1"), "Succeeded");
  h.observe();
  await h.c.sync("default/batch-job");
  assert.equal(lastStatus(h.client).completedIndexes, "1");
  const third = h.client.actions("create", "pods").at(-1)!.body as any;
  assert.equal(third.metadata.annotations["batch.kubernetes.io/job-completion-index"], "2");
});

test("pods left with the tracking finalizer after their Job is gone have it removed", async () => {
  const h = setup(newJob());
  await h.c.sync("default/batch-job");
  h.observe();
  const [name] = podNames(h.pods);
  h.jobs.delete(h.jobs.get("default/batch-job")!);
  await h.c.syncOrphanPod(`default/${name}`);
  const patches = h.client.actions("patch", "pods");
  assert.equal(patches.length, 1);
  assert.equal(patches[0].name, name);
  assert.deepEqual(patches[0].body, {
    metadata: { "$deleteFromPrimitiveList/finalizers": [jobTrackingFinalizer] },
  });
});

test("a pod of a running Job keeps its finalizer when checked as a possible orphan", async () => {
  const h = setup(newJob());
  await h.c.sync("default/batch-job");
  h.observe();
  await h.c.syncOrphanPod(`default/${podNames(h.pods)[0]}`);
  assert.equal(h.client.actions("patch", "pods").length, 0);
});
