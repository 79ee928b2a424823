import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { FakeClock } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { TtlAfterFinishedController } from "./ttl-after-finished-controller.ts";

const finishedJob = (ttl: number): KObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi", namespace: "default", uid: "u1" },
  spec: { ttlSecondsAfterFinished: ttl },
  status: { conditions: [{ type: "Complete", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }] },
});

test("a finished Job is deleted ttlSecondsAfterFinished after it finished, not before", async () => {
  const client = new RecordingClient();
  const clock = new FakeClock(Date.parse("2024-01-01T00:00:10Z"));
  const jobs = new FakeInformer([finishedJob(60)]);
  client.objects.set("batch/jobs/default/pi", finishedJob(60));
  const c = new TtlAfterFinishedController({ client, jobs, clock, logger: silentLogger });
  await c.sync("default/pi");
  assert.equal(client.actions("delete", "jobs").length, 0);
  clock.advance(50_000);
  await c.sync("default/pi");
  const del = client.actions("delete", "jobs");
  assert.equal(del.length, 1);
  assert.deepEqual(del[0].body, { propagationPolicy: "Foreground", preconditions: { uid: "u1" } });
});

test("the live Job's TTL wins over a stale cache", async () => {
  const client = new RecordingClient();
  const clock = new FakeClock(Date.parse("2024-01-01T00:02:00Z"));
  const jobs = new FakeInformer([finishedJob(60)]);
  client.objects.set("batch/jobs/default/pi", finishedJob(3600));
  const c = new TtlAfterFinishedController({ client, jobs, clock, logger: silentLogger });
  await c.sync("default/pi");
  assert.equal(client.actions("delete", "jobs").length, 0);
});
