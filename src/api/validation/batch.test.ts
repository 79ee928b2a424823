import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCronSchedule, validateCreate, validateUpdate } from "./index.ts";
import { clone, cronJob, job, messages, stored } from "./test-fixtures.ts";

test("the defaulted batch-job with its generated selector is valid", () => {
  assert.deepEqual(validateCreate("batch", "Job", job()), []);
  assert.deepEqual(validateCreate("batch", "CronJob", cronJob()), []);
});

test("job pods must restart OnFailure or Never", () => {
  const j = job((o) => delete o.spec.template.spec.restartPolicy);
  assert.deepEqual(messages(validateCreate("batch", "Job", j)), [
    'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  ]);
});

test("parallelism, completions and backoffLimit may not be negative", () => {
  assert.deepEqual(
    messages(
      validateCreate(
        "batch",
        "Job",
        job((o) => (o.spec.parallelism = -1)),
      ),
    ),
    ["spec.parallelism: Invalid value: -1: must be greater than or equal to 0"],
  );
  assert.deepEqual(
    messages(
      validateCreate(
        "batch",
        "Job",
        job((o) => (o.spec.backoffLimit = -2)),
      ),
    ),
    ["spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0"],
  );
});

test("indexed jobs need completions", () => {
  const j = job((o) => {
    o.spec.completionMode = "Indexed";
    o.spec.parallelism = 2;
  });
  assert.deepEqual(messages(validateCreate("batch", "Job", j)), [
    "spec.completions: Required value: when completion mode is Indexed",
  ]);
});

test("a generated selector must carry the job's uid", () => {
  const j = job();
  j.spec.selector.matchLabels["batch.kubernetes.io/controller-uid"] = "someone-else";
  const errs = validateCreate("batch", "Job", j);
  assert.equal(errs[0].field, "spec.selector");
  assert.equal(errs[0].detail, "`selector` not auto-generated");
  const noUid = job((o) => delete o.metadata.uid);
  assert.equal(messages(validateCreate("batch", "Job", noUid))[0], "metadata.uid: Required value");
});

test("a manual selector must still match the template", () => {
  const j = job((o) => {
    o.spec.manualSelector = true;
    o.spec.selector = { matchLabels: { app: "other" } };
  });
  const errs = validateCreate("batch", "Job", j);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.template.metadata.labels");
  assert.equal(String(errs[0].value), 'map[string]string{"app":"batch-job"}');
});

test("a running job's template, selector and completions are immutable; parallelism is not", () => {
  const old = stored(job());
  const scaled = clone(old);
  scaled.spec.parallelism = 3;
  assert.deepEqual(validateUpdate("batch", "Job", scaled, old), []);
  const image = clone(old);
  image.spec.template.spec.containers[0].image = "luksa/batch-job:v2";
  const errs = validateUpdate("batch", "Job", image, old);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.template");
  assert.equal(errs[0].detail, "field is immutable");
  const completions = clone(old);
  completions.spec.completions = 5;
  assert.deepEqual(messages(validateUpdate("batch", "Job", completions, old)), [
    "spec.completions: Invalid value: 5: field is immutable",
  ]);
});

test("a suspended job that never started may change its scheduling directives", () => {
  const old = stored(job((o) => (o.spec.suspend = true)));
  const next = clone(old);
  next.spec.template.spec.nodeSelector = { disk: "ssd" };
  assert.deepEqual(validateUpdate("batch", "Job", next, old), []);
});

test("cron schedules: five fields, known ranges, macros", () => {
  assert.equal(parseCronSchedule("0,15,30,45 * * * *").error, undefined);
  assert.equal(parseCronSchedule("0 3 * * 0").error, undefined);
  assert.equal(parseCronSchedule("*/5 * * JAN-MAR mon-fri").error, undefined);
  assert.equal(parseCronSchedule("@hourly").error, undefined);
  assert.equal(parseCronSchedule("@every 1h30m").schedule?.everyMs, 5_400_000);
  assert.equal(parseCronSchedule("foo").error, "expected exactly 5 fields, found 1: [foo]");
  assert.equal(parseCronSchedule("60 * * * *").error, "end of range (60) above maximum (59): 60");
  assert.equal(parseCronSchedule("* * 0 * *").error, "beginning of range (0) below minimum (1): 0");
  assert.equal(
    parseCronSchedule("x * * * *").error,
    'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
  );
  assert.equal(parseCronSchedule("5-1 * * * *").error, "beginning of range (5) beyond end of range (1): 5-1");
  assert.equal(parseCronSchedule("@fortnightly").error, "unrecognized descriptor: @fortnightly");
  const s = parseCronSchedule("0,30 * 1 * *").schedule;
  assert.deepEqual([...(s?.minute ?? [])], [0, 30]);
  assert.equal(s?.domStar, false);
  assert.equal(s?.dowStar, true);
});

test("an unparseable cron schedule is rejected with the parser's message", () => {
  const cj = cronJob((o) => (o.spec.schedule = "every 15 minutes"));
  assert.deepEqual(messages(validateCreate("batch", "CronJob", cj)), [
    'spec.schedule: Invalid value: "every 15 minutes": expected exactly 5 fields, found 3: [every 15 minutes]',
  ]);
  const tz = cronJob((o) => (o.spec.schedule = "TZ=UTC 0 * * * *"));
  assert.deepEqual(messages(validateCreate("batch", "CronJob", tz)), [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
});

test("cron job names leave room for the job suffix, and job templates may not set a selector", () => {
  const name = "a".repeat(53);
  const long = cronJob((o) => (o.metadata.name = name));
  assert.deepEqual(messages(validateCreate("batch", "CronJob", long)), [
    `metadata.name: Invalid value: "${name}": must be no more than 52 characters`,
  ]);
  const sel = cronJob(
    (o) => (o.spec.jobTemplate.spec.selector = { matchLabels: { app: "periodic-batch-job" } }),
  );
  const errs = validateCreate("batch", "CronJob", sel);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.jobTemplate.spec.selector");
  assert.equal(errs[0].detail, "`selector` will be auto-generated");
  const policy = cronJob((o) => (o.spec.concurrencyPolicy = "Sometimes"));
  assert.deepEqual(messages(validateCreate("batch", "CronJob", policy)), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  const restart = cronJob((o) => (o.spec.jobTemplate.spec.template.spec.restartPolicy = "Always"));
  assert.deepEqual(messages(validateCreate("batch", "CronJob", restart)), [
    'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  ]);
});
