import { test } from "node:test";
import assert from "node:assert/strict";
import { cronJobPrinter } from "./cron-jobs.ts";
import { ago, now } from "./test-clock.ts";

const jobTemplate = {
  spec: { template: { spec: { containers: [{ name: "main", image: "luksa/batch-job" }] } } },
};

test("a cron job that has run", () => {
  const cj = {
    kind: "CronJob",
    metadata: { name: "batch-job-every-fifteen-minutes", creationTimestamp: ago(3 * 3600) },
    spec: { schedule: "0,15,30,45 * * * *", suspend: false, jobTemplate },
    status: {
      active: [{ kind: "Job", name: "batch-job-every-fifteen-minutes-28578" }],
      lastScheduleTime: ago(120),
    },
  };
  assert.deepEqual(cronJobPrinter.cells(cj, now), [
    "batch-job-every-fifteen-minutes",
    "0,15,30,45 * * * *",
    "<none>",
    "False",
    1,
    "2m",
    "3h",
    "main",
    "luksa/batch-job",
    "<none>",
  ]);
  assert.deepEqual(
    cronJobPrinter.columns.filter((c) => c.priority === 0).map((c) => [c.name, c.type]),
    [
      ["Name", "string"],
      ["Schedule", "string"],
      ["Timezone", "string"],
      ["Suspend", "boolean"],
      ["Active", "integer"],
      ["Last Schedule", "string"],
      ["Age", "string"],
    ],
  );
});

test("a suspended cron job with a time zone that never ran", () => {
  const cj = {
    metadata: { name: "nightly", creationTimestamp: ago(10) },
    spec: { schedule: "0 2 * * *", timeZone: "Europe/Paris", suspend: true, jobTemplate },
    status: {},
  };
  assert.deepEqual(cronJobPrinter.cells(cj, now).slice(1, 6), [
    "0 2 * * *",
    "Europe/Paris",
    "True",
    0,
    "<none>",
  ]);
  assert.equal(cronJobPrinter.cells({ metadata: {}, spec: {} }, now)[3], "<unset>");
});
