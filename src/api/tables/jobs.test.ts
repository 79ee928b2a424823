import { test } from "node:test";
import assert from "node:assert/strict";
import { jobPrinter } from "./jobs.ts";
import { ago, now } from "./test-clock.ts";

const template = { spec: { containers: [{ name: "main", image: "luksa/batch-job" }] } };
const selector = { matchLabels: { "batch.kubernetes.io/controller-uid": "0d5f" } };

test("a completed job", () => {
  const job = {
    kind: "Job",
    metadata: { name: "batch-job", creationTimestamp: ago(300) },
    spec: { completions: 1, parallelism: 1, selector, template },
    status: {
      startTime: ago(299),
      completionTime: ago(170),
      succeeded: 1,
      conditions: [
        { type: "SuccessCriteriaMet", status: "True" },
        { type: "Complete", status: "True" },
      ],
    },
  };
  assert.deepEqual(jobPrinter.cells(job, now), [
    "batch-job",
    "Complete",
    "1/1",
    "2m9s",
    "5m",
    "main",
    "luksa/batch-job",
    "batch.kubernetes.io/controller-uid=0d5f",
  ]);
  assert.deepEqual(
    jobPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ["Name", "Status", "Completions", "Duration", "Age"],
  );
});

test("a running job measures its duration up to now", () => {
  const job = {
    metadata: { name: "multi", creationTimestamp: ago(60) },
    spec: { completions: 5, parallelism: 2, selector, template },
    status: { startTime: ago(59), active: 2, succeeded: 2 },
  };
  assert.deepEqual(jobPrinter.cells(job, now).slice(1, 5), ["Running", "2/5", "59s", "60s"]);
});

test("work-queue jobs without completions", () => {
  const job = (parallelism: number) => ({
    metadata: { name: "q" },
    spec: { parallelism, template },
    status: {},
  });
  assert.equal(jobPrinter.cells(job(3), now)[2], "0/1 of 3");
  assert.equal(jobPrinter.cells(job(1), now)[2], "0/1");
});

test("failed, terminating, suspended and failure-target jobs; not started", () => {
  const job = (status: any, metadata: any = {}) => ({
    metadata: { name: "j", ...metadata },
    spec: { completions: 1, template },
    status,
  });
  assert.equal(jobPrinter.cells(job({ conditions: [{ type: "Failed", status: "True" }] }), now)[1], "Failed");
  assert.equal(
    jobPrinter.cells(
      job({ conditions: [{ type: "Complete", status: "True" }] }, { deletionTimestamp: ago(1) }),
      now,
    )[1],
    "Complete",
  );
  assert.equal(jobPrinter.cells(job({}, { deletionTimestamp: ago(1) }), now)[1], "Terminating");
  assert.equal(
    jobPrinter.cells(job({ conditions: [{ type: "Suspended", status: "True" }] }), now)[1],
    "Suspended",
  );
  assert.equal(
    jobPrinter.cells(job({ conditions: [{ type: "FailureTarget", status: "True" }] }), now)[1],
    "FailureTarget",
  );
  assert.equal(
    jobPrinter.cells(job({ conditions: [{ type: "Suspended", status: "False" }] }), now)[1],
    "Running",
  );
  assert.equal(jobPrinter.cells(job({}), now)[3], "");
});
