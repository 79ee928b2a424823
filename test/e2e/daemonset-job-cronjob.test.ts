// The chapter 4 DaemonSet, Job and CronJob journeys with the real kubectl 1.32 against a real
// `skiff server`, on simulated nodes (pods run without processes, for as long as annotated).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { manifestsIn } from "../support/book.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;
const dir = mkdtempSync(join(tmpdir(), "skiff-batch-"));
const manifest = manifestsIn(dir);

const nodeYaml = (name: string) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    skiff.dev/simulated: "true"
  labels:
    kubernetes.io/hostname: ${name}
status:
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  conditions:
  - type: Ready
    status: "True"
    reason: KubeletReady
    message: kubelet is posting ready status
`;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", manifest("nodes.yaml", ["node1", "node2"].map(nodeYaml).join("---\n"))]);
});

after(async () => {
  await server?.stop();
});

interface PodList {
  items: Array<{
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string };
  }>;
}

async function pods(selector: string): Promise<PodList["items"]> {
  return (JSON.parse(await k.ok(["get", "pods", "-l", selector, "-o", "json"])) as PodList).items;
}

test("ssd-monitor: DESIRED 0, a pod once a node is labelled disk=ssd, Terminating once relabelled hdd", async () => {
  await k.ok([
    "apply",
    "-f",
    manifest(
      "ssd-monitor-daemonset.yaml",
      `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ssd-monitor
spec:
  selector:
    matchLabels:
      app: ssd-monitor
  template:
    metadata:
      labels:
        app: ssd-monitor
    spec:
      nodeSelector:
        disk: ssd
      containers:
      - name: main
        image: luksa/ssd-monitor
`,
    ),
  ]);
  const table = await eventually("the DaemonSet status", async () => {
    const out = await k.ok(["get", "ds", "ssd-monitor"]);
    return /^ssd-monitor\s+0\s+0\s+0\s+0\s+0\s+disk=ssd\s/m.test(out) ? out : undefined;
  });
  assert.match(table, /NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/);
  assert.equal((await pods("app=ssd-monitor")).length, 0);

  assert.match(await k.ok(["label", "node", "node1", "disk=ssd"]), /node\/node1 labeled/);
  const [pod] = await eventually("one ssd-monitor pod running on node1", async () => {
    const ps = await pods("app=ssd-monitor");
    return ps.length === 1 && ps[0].spec.nodeName === "node1" && ps[0].status.phase === "Running"
      ? ps
      : undefined;
  });
  assert.match(pod.metadata.name, /^ssd-monitor-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  await eventually("DESIRED 1 READY 1", async () => {
    const out = await k.ok(["get", "ds", "ssd-monitor"]);
    return /^ssd-monitor\s+1\s+1\s+1\s+1\s+1\s+disk=ssd\s/m.test(out) ? out : undefined;
  });
  const events = await k.ok(["get", "events", "--field-selector", "involvedObject.kind=DaemonSet"]);
  assert.match(
    events,
    new RegExp(`SuccessfulCreate\\s+daemonset/ssd-monitor\\s+Created pod: ${pod.metadata.name}`),
  );

  assert.match(await k.ok(["label", "node", "node1", "disk=hdd", "--overwrite"]), /node\/node1 labeled/);
  await eventually("the pod terminating or gone", async () => {
    const ps = await pods("app=ssd-monitor");
    return ps.length === 0 || ps.every((p) => p.metadata.deletionTimestamp) ? true : undefined;
  });
  await eventually("DESIRED 0 again", async () => {
    const out = await k.ok(["get", "ds", "ssd-monitor"]);
    return /^ssd-monitor\s+0\s+/m.test(out) ? out : undefined;
  });
});

test("a Job with completions 5 and parallelism 2 runs 5 pods, never more than 2 at once", async () => {
  await k.ok([
    "apply",
    "-f",
    manifest(
      "multi-completion-parallel-batch-job.yaml",
      `apiVersion: batch/v1
kind: Job
metadata:
  name: multi-completion-batch-job
spec:
  completions: 5
  parallelism: 2
  template:
    metadata:
      labels:
        app: batch-job
      annotations:
        skiff.dev/simulated-duration: "2s"
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
`,
    ),
  ]);
  let maxActive = 0;
  await eventually(
    "5 succeeded pods",
    async () => {
      const ps = await pods("app=batch-job");
      const active = ps.filter(
        (p) => !p.metadata.deletionTimestamp && p.status.phase !== "Succeeded" && p.status.phase !== "Failed",
      ).length;
      maxActive = Math.max(maxActive, active);
      return ps.filter((p) => p.status.phase === "Succeeded").length === 5 ? true : undefined;
    },
    60_000,
  );
  assert.ok(maxActive <= 2, `at most 2 pods at once, saw ${maxActive}`);
  await k.ok(["wait", "--for=condition=complete", "job/multi-completion-batch-job", "--timeout=30s"]);
  const table = await k.ok(["get", "job", "multi-completion-batch-job"]);
  assert.match(table, /^multi-completion-batch-job\s+Complete\s+5\/5\s/m);
  const status = JSON.parse(
    await k.ok(["get", "job", "multi-completion-batch-job", "-o", "jsonpath={.status}"]),
  );
  assert.equal(status.succeeded, 5);
  assert.ok(status.completionTime);
  // Finished pods are kept, without the tracking finalizer.
  const finished = await k.ok([
    "get",
    "pods",
    "-l",
    "app=batch-job",
    "-o",
    "jsonpath={.items[*].metadata.finalizers}",
  ]);
  assert.doesNotMatch(finished, /job-tracking/);
  assert.equal((await pods("app=batch-job")).length, 5);
  const events = await k.ok(["describe", "job", "multi-completion-batch-job"]);
  assert.match(
    events,
    /Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: multi-completion-batch-job-/,
  );
  assert.match(events, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
});

test("a Job past activeDeadlineSeconds fails with DeadlineExceeded and its pod is killed", async () => {
  await k.ok([
    "apply",
    "-f",
    manifest(
      "time-limited-batch-job.yaml",
      `apiVersion: batch/v1
kind: Job
metadata:
  name: time-limited-batch-job
spec:
  activeDeadlineSeconds: 3
  template:
    metadata:
      labels:
        app: time-limited-batch-job
      annotations:
        skiff.dev/simulated-duration: "120s"
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
`,
    ),
  ]);
  await k.ok(["wait", "--for=condition=failed", "job/time-limited-batch-job", "--timeout=60s"], {});
  const conditions = await k.ok([
    "get",
    "job",
    "time-limited-batch-job",
    "-o",
    'jsonpath={range .status.conditions[*]}{.type}/{.reason}/{.message}{"\\n"}{end}',
  ]);
  assert.match(
    conditions,
    /^FailureTarget\/DeadlineExceeded\/Job was active longer than specified deadline$/m,
  );
  assert.match(conditions, /^Failed\/DeadlineExceeded\/Job was active longer than specified deadline$/m);
  await eventually("the pod gone or terminated", async () => {
    const ps = await pods("app=time-limited-batch-job");
    return ps.every((p) => p.metadata.deletionTimestamp || p.status.phase === "Failed") ? true : undefined;
  });
  const described = await k.ok(["describe", "job", "time-limited-batch-job"]);
  assert.match(
    described,
    /Warning\s+DeadlineExceeded\s+\S+\s+job-controller\s+Job was active longer than specified deadline/,
  );
});

test("a CronJob every minute creates a Job named after the scheduled minute", async () => {
  await k.ok([
    "apply",
    "-f",
    manifest(
      "cronjob.yaml",
      `apiVersion: batch/v1
kind: CronJob
metadata:
  name: every-minute
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: periodic-batch-job
          annotations:
            skiff.dev/simulated-duration: "1s"
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: luksa/batch-job
`,
    ),
  ]);
  const name = await eventually(
    "a Job from the CronJob",
    async () => {
      const out = await k.ok(["get", "jobs", "-o", "jsonpath={.items[*].metadata.name}"]);
      return out.split(" ").find((n) => n.startsWith("every-minute-"));
    },
    75_000,
  );
  const minute = Number(name.slice("every-minute-".length));
  const scheduled = await k.ok([
    "get",
    "job",
    name,
    "-o",
    "jsonpath={.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}",
  ]);
  assert.equal(Date.parse(scheduled), minute * 60_000);
  const owner = await k.ok(["get", "job", name, "-o", "jsonpath={.metadata.ownerReferences[0].kind}"]);
  assert.equal(owner, "CronJob");
  await eventually("LAST SCHEDULE set", async () => {
    const v = await k.ok(["get", "cronjob", "every-minute", "-o", "jsonpath={.status.lastScheduleTime}"]);
    return v ? v : undefined;
  });
  const events = await k.ok(["describe", "cronjob", "every-minute"]);
  assert.match(
    events,
    new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${name}`),
  );
});
