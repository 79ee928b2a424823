import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { CronJobController, cronJobScheduledTimestampAnnotation } from "./cronjob-controller.ts";

const created = "2024-01-01T00:00:30Z";

function cronJob(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: "hello",
      namespace: "default",
      uid: "cj-uid",
      creationTimestamp: created,
      resourceVersion: "1",
    },
    spec: {
      schedule: "*/1 * * * *",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: "periodic" } },
        spec: {
          template: {
            spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "busybox" }] },
          },
        },
      },
      ...spec,
    },
    status,
  };
}

function job(name: string, uid: string, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: "default",
      uid,
      resourceVersion: "5",
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: "cj-uid", controller: true },
      ],
    },
    status,
  };
}

const completed = (at: string, start = at) => ({
  startTime: start,
  completionTime: at,
  conditions: [{ type: "Complete", status: "True" }],
});

function setup(cj: KObject, jobs: KObject[] = [], now = "2024-01-01T00:00:50Z") {
  const client = new RecordingClient();
  const clock = new FakeClock(Date.parse(now));
  const cronJobs = new FakeInformer([cj]);
  const jobInformer = new FakeInformer();
  const recorder = new EventRecorder({ client, component: "cronjob-controller", clock });
  const c = new CronJobController({
    client,
    cronJobs,
    jobs: jobInformer,
    clock,
    logger: silentLogger,
    recorder,
  });
  for (const j of jobs) {
    jobInformer.add(j);
    client.objects.set(`batch/jobs/default/${j.metadata!.name}`, j);
  }
  client.objects.set("batch/cronjobs/default/hello", cj);
  return { client, clock, c, cronJobs, jobInformer };
}

async function events(client: RecordingClient): Promise<string[]> {
  await new Promise((r) => setImmediate(r));
  return client.actions("create", "events").map((a) => {
    const e = a.body as { type: string; reason: string; message: string };
    return `${e.type} ${e.reason} ${e.message}`;
  });
}

function statusUpdate(client: RecordingClient): any {
  const u = client.actions("update", "cronjobs").at(-1);
  assert.equal(u?.subresource, "status");
  return (u!.body as any).status;
}

test("before the first scheduled time nothing is created and the CronJob is requeued for it", async () => {
  const { client, c } = setup(cronJob());
  const after = await c.sync("default/hello");
  assert.equal(after, 10_100);
  assert.equal(client.actions("create", "jobs").length, 0);
});

test("at the scheduled time a Job named after the minute is created and recorded in status", async () => {
  const { client, c, clock } = setup(cronJob());
  clock.advance(10_100);
  const after = await c.sync("default/hello");
  const creates = client.actions("create", "jobs");
  assert.equal(creates.length, 1);
  const j = creates[0].body as any;
  const minute = Date.parse("2024-01-01T00:01:00Z") / 60_000;
  assert.equal(j.metadata.name, `hello-${minute}`);
  assert.equal(j.metadata.annotations[cronJobScheduledTimestampAnnotation], "2024-01-01T00:01:00Z");
  assert.deepEqual(j.metadata.labels, { app: "periodic" });
  assert.equal(j.metadata.ownerReferences[0].kind, "CronJob");
  assert.equal(j.metadata.ownerReferences[0].controller, true);
  assert.equal(j.spec.template.spec.restartPolicy, "OnFailure");
  const status = statusUpdate(client);
  assert.equal(status.lastScheduleTime, "2024-01-01T00:01:00Z");
  assert.equal(status.active.length, 1);
  assert.equal(status.active[0].name, `hello-${minute}`);
  assert.equal(status.active[0].kind, "Job");
  assert.equal(after, 60_000);
  assert.deepEqual(await events(client), [`Normal SuccessfulCreate Created job hello-${minute}`]);
});

test("a run is not started twice for the same scheduled time", async () => {
  const { client, c } = setup(
    cronJob({}, { lastScheduleTime: "2024-01-01T00:01:00Z" }),
    [],
    "2024-01-01T00:01:20Z",
  );
  assert.equal(await c.sync("default/hello"), 40_100);
  assert.equal(client.actions("create", "jobs").length, 0);
});

test("Forbid skips a run while the previous Job is active", async () => {
  const running = job("hello-28401120", "j1");
  const cj = cronJob(
    { concurrencyPolicy: "Forbid" },
    { active: [{ kind: "Job", name: "hello-28401120", namespace: "default", uid: "j1" }] },
  );
  const { client, c } = setup(cj, [running], "2024-01-01T00:01:05Z");
  await c.sync("default/hello");
  assert.equal(client.actions("create", "jobs").length, 0);
  assert.deepEqual(await events(client), [
    "Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid",
  ]);
});

test("Replace deletes the active Job before starting the new one", async () => {
  const running = job("hello-28401120", "j1");
  const cj = cronJob(
    { concurrencyPolicy: "Replace" },
    { active: [{ kind: "Job", name: "hello-28401120", namespace: "default", uid: "j1" }] },
  );
  const { client, c } = setup(cj, [running], "2024-01-01T00:01:05Z");
  await c.sync("default/hello");
  const del = client.actions("delete", "jobs");
  assert.equal(del.length, 1);
  assert.equal(del[0].name, "hello-28401120");
  assert.deepEqual(del[0].body, { propagationPolicy: "Background" });
  assert.equal(client.actions("create", "jobs").length, 1);
  const status = statusUpdate(client);
  assert.deepEqual(
    status.active.map((r: any) => r.name),
    [`hello-${Date.parse("2024-01-01T00:01:00Z") / 60_000}`],
  );
  const ev = await events(client);
  assert.ok(ev.includes("Normal SuccessfulDelete Deleted job hello-28401120"));
});

test("a finished active Job leaves the active list and sets lastSuccessfulTime", async () => {
  const done = job("hello-1", "j1", completed("2024-01-01T00:00:45Z"));
  const cj = cronJob({}, { active: [{ kind: "Job", name: "hello-1", namespace: "default", uid: "j1" }] });
  const { client, c } = setup(cj, [done]);
  await c.sync("default/hello");
  const status = statusUpdate(client);
  assert.equal(status.active, undefined);
  assert.equal(status.lastSuccessfulTime, "2024-01-01T00:00:45Z");
  assert.deepEqual(await events(client), [
    "Normal SawCompletedJob Saw completed job: hello-1, condition: Complete",
  ]);
});

test("an active Job that no longer exists is dropped with a MissingJob event", async () => {
  const cj = cronJob({}, { active: [{ kind: "Job", name: "gone", namespace: "default", uid: "j9" }] });
  const { client, c } = setup(cj);
  await c.sync("default/hello");
  assert.equal(statusUpdate(client).active, undefined);
  assert.deepEqual(await events(client), ["Normal MissingJob Active job went missing: gone"]);
});

test("finished Jobs beyond the history limits are deleted, oldest first", async () => {
  const jobs = [1, 2, 3, 4].map((i) => job(`hello-${i}`, `s${i}`, completed(`2024-01-01T00:00:0${i}Z`)));
  jobs.push(
    job("hello-f1", "f1", {
      startTime: "2024-01-01T00:00:01Z",
      conditions: [{ type: "Failed", status: "True" }],
    }),
    job("hello-f2", "f2", {
      startTime: "2024-01-01T00:00:02Z",
      conditions: [{ type: "Failed", status: "True" }],
    }),
  );
  const { client, c } = setup(cronJob(), jobs);
  await c.sync("default/hello");
  assert.deepEqual(
    client.actions("delete", "jobs").map((a) => a.name),
    ["hello-1", "hello-f1"],
  );
  const ev = await events(client);
  assert.ok(ev.includes("Normal SuccessfulDelete Deleted job hello-1"));
});

test("a suspended CronJob starts nothing", async () => {
  const { client, c } = setup(cronJob({ suspend: true }), [], "2024-01-01T00:05:00Z");
  assert.equal(await c.sync("default/hello"), undefined);
  assert.equal(client.actions("create", "jobs").length, 0);
});

test("missed runs older than startingDeadlineSeconds are skipped", async () => {
  const { client, c } = setup(
    cronJob({ schedule: "0,15,30,45 * * * *", startingDeadlineSeconds: 15 }),
    [],
    "2024-01-01T00:15:30Z",
  );
  const after = await c.sync("default/hello");
  assert.equal(client.actions("create", "jobs").length, 0);
  assert.equal(after, 14 * 60_000 + 30_000 + 100);
});

test("more than 100 missed runs warn and start only the most recent one", async () => {
  const { client, c } = setup(cronJob(), [], "2024-01-01T03:00:10Z");
  await c.sync("default/hello");
  const creates = client.actions("create", "jobs");
  assert.equal(creates.length, 1);
  assert.equal(
    (creates[0].body as any).metadata.name,
    `hello-${Date.parse("2024-01-01T03:00:00Z") / 60_000}`,
  );
  assert.ok(
    (await events(client)).includes(
      "Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
    ),
  );
});

test("run() creates a Job each time the fake clock crosses a scheduled minute", async () => {
  const client = new RecordingClient();
  const clock = new FakeClock(Date.parse("2024-01-01T00:00:50Z"));
  const jobInformer = new FakeInformer();
  const informer = new FakeInformer();
  const c = new CronJobController({
    client,
    cronJobs: informer,
    jobs: jobInformer,
    clock,
    logger: silentLogger,
    recorder: new EventRecorder({ client, component: "cronjob-controller", clock }),
  });
  const ac = new AbortController();
  const running = c.run(ac.signal);
  informer.add(cronJob());
  client.objects.set("batch/cronjobs/default/hello", cronJob());
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  await settle();
  assert.equal(client.actions("create", "jobs").length, 0);
  // The status update goes to the client; feed it back to the cache as a watch would.
  const feed = () => {
    const cur = client.objects.get("batch/cronjobs/default/hello");
    if (cur) informer.update({ ...cur, apiVersion: "batch/v1", kind: "CronJob" });
  };
  clock.advance(10_100);
  await settle();
  assert.equal(client.actions("create", "jobs").length, 1);
  feed();
  await settle();
  clock.advance(60_000);
  await settle();
  assert.equal(client.actions("create", "jobs").length, 2);
  ac.abort();
  await running;
});
