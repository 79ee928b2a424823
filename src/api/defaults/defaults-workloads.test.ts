import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, applyJobSelector } from "./index.ts";

const container = () => ({ name: "kubia", image: "luksa/kubia", ports: [{ containerPort: 8080 }] });

test("an RC without selector takes the template labels as selector and labels, and 1 replica", () => {
  // Kubernetes in Action, Chapter02/kubia.yaml without selector or replicas
  const rc: any = {
    metadata: { name: "kubia" },
    spec: { template: { metadata: { labels: { run: "kubia" } }, spec: { containers: [container()] } } },
  };
  applyDefaults("", "ReplicationController", rc);
  assert.deepEqual(rc.spec.selector, { run: "kubia" });
  assert.deepEqual(rc.metadata.labels, { run: "kubia" });
  assert.equal(rc.spec.replicas, 1);
  assert.equal(rc.spec.template.metadata.creationTimestamp, null);
  const tpl = rc.spec.template.spec;
  assert.equal(tpl.restartPolicy, "Always");
  assert.equal(tpl.containers[0].ports[0].protocol, "TCP");
  // Pod-only defaults stay out of templates.
  assert.equal(tpl.enableServiceLinks, undefined);
  assert.equal(tpl.serviceAccountName, undefined);
});

test("an RC keeps its own selector, labels and replicas", () => {
  const rc: any = {
    metadata: { name: "kubia", labels: { team: "a" } },
    spec: {
      replicas: 3,
      selector: { app: "kubia" },
      template: { metadata: { labels: { app: "kubia", v: "1" } }, spec: { containers: [container()] } },
    },
  };
  applyDefaults("", "ReplicationController", rc);
  assert.deepEqual(rc.spec.selector, { app: "kubia" });
  assert.deepEqual(rc.metadata.labels, { team: "a" });
  assert.equal(rc.spec.replicas, 3);
});

test("deployments get 1 replica, RollingUpdate 25%/25%, history 10 and a 600s progress deadline", () => {
  const d: any = {
    metadata: { name: "kubia" },
    spec: {
      selector: { matchLabels: { app: "kubia" } },
      template: { metadata: { labels: { app: "kubia" } }, spec: { containers: [container()] } },
    },
  };
  applyDefaults("apps", "Deployment", d);
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
  });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  const recreate: any = {
    metadata: { name: "r" },
    spec: { strategy: { type: "Recreate" }, template: { spec: { containers: [container()] } } },
  };
  applyDefaults("apps", "Deployment", recreate);
  assert.deepEqual(recreate.spec.strategy, { type: "Recreate" });
});

test("replica sets get 1 replica and no deployment-only fields", () => {
  const rs: any = {
    metadata: { name: "kubia" },
    spec: { template: { spec: { containers: [container()] } } },
  };
  applyDefaults("apps", "ReplicaSet", rs);
  assert.equal(rs.spec.replicas, 1);
  assert.equal(rs.spec.revisionHistoryLimit, undefined);
});

test("daemon sets roll one pod at a time without surge", () => {
  const ds: any = {
    metadata: { name: "ssd-monitor" },
    spec: {
      template: {
        spec: { nodeSelector: { disk: "ssd" }, containers: [{ name: "main", image: "luksa/ssd-monitor" }] },
      },
    },
  };
  applyDefaults("apps", "DaemonSet", ds);
  assert.deepEqual(ds.spec.updateStrategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assert.equal(ds.spec.replicas, undefined);
});

// Kubernetes in Action, Chapter04/batch-job.yaml
function batchJob(): any {
  return {
    metadata: { name: "batch-job", namespace: "default" },
    spec: {
      template: {
        metadata: { labels: { app: "batch-job" } },
        spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "luksa/batch-job" }] },
      },
    },
  };
}

test("a job gets one completion, parallelism 1, backoffLimit 6 and NonIndexed mode", () => {
  const job = batchJob();
  applyDefaults("batch", "Job", job);
  assert.equal(job.spec.completions, 1);
  assert.equal(job.spec.parallelism, 1);
  assert.equal(job.spec.backoffLimit, 6);
  assert.equal(job.spec.completionMode, "NonIndexed");
  assert.equal(job.spec.suspend, false);
  assert.equal(job.spec.podReplacementPolicy, "TerminatingOrFailed");
  assert.equal(job.spec.manualSelector, undefined);
  assert.equal(job.spec.selector, undefined);
  assert.equal(job.spec.template.spec.restartPolicy, "OnFailure");
});

test("parallelism alone leaves completions unset (work-queue jobs)", () => {
  const job = batchJob();
  job.spec.parallelism = 2;
  applyDefaults("batch", "Job", job);
  assert.equal(job.spec.completions, undefined);
  assert.equal(job.spec.parallelism, 2);
  const multi = batchJob();
  multi.spec.completions = 5;
  applyDefaults("batch", "Job", multi);
  assert.equal(multi.spec.parallelism, 1);
});

test("applyJobSelector selects on the uid and labels the template and job with uid and name", () => {
  const job = batchJob();
  applyDefaults("batch", "Job", job);
  job.metadata.uid = "c9948307-e56d";
  applyJobSelector(job);
  assert.deepEqual(job.spec.selector, {
    matchLabels: { "batch.kubernetes.io/controller-uid": "c9948307-e56d" },
  });
  const expected = {
    app: "batch-job",
    "batch.kubernetes.io/controller-uid": "c9948307-e56d",
    "batch.kubernetes.io/job-name": "batch-job",
    "controller-uid": "c9948307-e56d",
    "job-name": "batch-job",
  };
  assert.deepEqual(job.spec.template.metadata.labels, expected);
  assert.deepEqual(job.metadata.labels, expected);
});

test("applyJobSelector leaves manual selectors alone", () => {
  const job = batchJob();
  job.spec.manualSelector = true;
  job.spec.selector = { matchLabels: { app: "batch-job" } };
  job.metadata.uid = "u";
  applyJobSelector(job);
  assert.deepEqual(job.spec.selector, { matchLabels: { app: "batch-job" } });
  assert.deepEqual(job.spec.template.metadata.labels, { app: "batch-job" });
});

test("cron jobs allow concurrency, keep 3 successful and 1 failed job", () => {
  const cj: any = {
    metadata: { name: "batch-job-every-fifteen-minutes" },
    spec: {
      schedule: "0,15,30,45 * * * *",
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: { app: "periodic-batch-job" } },
            spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "luksa/batch-job" }] },
          },
        },
      },
    },
  };
  applyDefaults("batch", "CronJob", cj);
  assert.equal(cj.spec.concurrencyPolicy, "Allow");
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  // Job defaults are not applied inside a job template.
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy, "Always");
});
