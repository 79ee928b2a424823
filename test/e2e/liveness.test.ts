// The chapter 4 liveness journeys with the real kubectl 1.32 on a simulated node: the book's
// kubia-unhealthy image answers 500 from its sixth request, so its liveness probe fails, the kubelet
// kills it (exit 137: node as PID 1 ignores SIGTERM) and restarts it. The book's probe period is
// 10s; here it is 1s so that the test takes seconds, not minutes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { manifestsIn, simulatedNode } from "../support/book.ts";
import { eventuallyMatches } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;
const manifest = manifestsIn(mkdtempSync(join(tmpdir(), "skiff-liveness-")));

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", manifest("node.yaml", simulatedNode("node1"))]);
});

after(async () => {
  await server?.stop();
});

const livenessPod = (name: string, probe: string) =>
  manifest(
    `${name}.yaml`,
    `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
${probe}`,
  );

test("kubia-liveness: RESTARTS rises, describe shows exit code 137 and the probe's events", async () => {
  await k.ok([
    "create",
    "-f",
    livenessPod(
      "kubia-liveness",
      "      httpGet:\n        path: /\n        port: 8080\n      periodSeconds: 1\n",
    ),
  ]);
  const line = await eventuallyMatches(
    "kubia-liveness restarted",
    async () => (await k.ok(["get", "po", "kubia-liveness", "--no-headers"])).trim(),
    (l) => /^kubia-liveness\s+1\/1\s+Running\s+1\b/.test(l),
    30_000,
  );
  assert.match(line, /Running\s+1 \(\d+s ago\)/);

  const describe = await k.ok(["describe", "po", "kubia-liveness"]);
  assert.match(describe, /State:\s+Running/);
  assert.match(describe, /Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+137/);
  assert.match(describe, /Restart Count:\s+1/);
  assert.match(
    describe,
    /Liveness:\s+http-get http:\/\/:8080\/ delay=0s timeout=1s period=1s #success=1 #failure=3/,
  );
  assert.match(
    describe,
    /Warning\s+Unhealthy\s+.*kubelet\s+Liveness probe failed: HTTP probe failed with statuscode: 500/,
  );
  assert.match(
    describe,
    /Normal\s+Killing\s+.*kubelet\s+Container kubia failed liveness probe, will be restarted/,
  );

  // As upstream prints pod conditions: lastProbeTime is always there, null when unset.
  const pod = JSON.parse(await k.ok(["get", "po", "kubia-liveness", "-o", "json"])) as {
    status: { conditions: Array<Record<string, unknown>> };
  };
  assert.equal(pod.status.conditions.length, 5);
  for (const c of pod.status.conditions) assert.equal(c.lastProbeTime, null, JSON.stringify(c));

  // The killed container's log: the server starting, then one line per probe request.
  const previous = await k.ok(["logs", "kubia-liveness", "--previous"]);
  const lines = previous.trim().split("\n");
  assert.equal(lines[0], "Kubia server starting...");
  assert.ok(lines.length >= 9, previous);
  assert.ok(
    lines.slice(1).every((l) => /^Received request from ::ffff:10\.42\.\d+\.1$/.test(l)),
    previous,
  );
  assert.match(await k.ok(["logs", "kubia-liveness"]), /^Kubia server starting\.\.\.\n/);
});

test("the initial-delay variant waits before probing, and describe shows delay=15s", async () => {
  await k.ok([
    "create",
    "-f",
    livenessPod(
      "kubia-liveness-delay",
      "      httpGet:\n        path: /\n        port: 8080\n      initialDelaySeconds: 15\n      periodSeconds: 1\n",
    ),
  ]);
  const describe = await k.ok(["describe", "po", "kubia-liveness-delay"]);
  assert.match(describe, /Liveness:\s+http-get http:\/\/:8080\/ delay=15s timeout=1s period=1s/);
  // Probing starts after 15s, so the first kill comes after about 23s; at 10s nothing has failed.
  await new Promise((r) => setTimeout(r, 10_000));
  const events = await k.ok([
    "get",
    "events",
    "--field-selector",
    "involvedObject.name=kubia-liveness-delay,reason=Unhealthy",
    "-o",
    "name",
  ]);
  assert.equal(events.trim(), "");
  assert.match(await k.ok(["get", "po", "kubia-liveness-delay", "--no-headers"]), /Running\s+0\s/);
});

test("a TCP probe on 8080 misses the 500s; a failing exec probe restarts the container", async () => {
  await k.ok([
    "create",
    "-f",
    livenessPod("kubia-tcp", "      tcpSocket:\n        port: 8080\n      periodSeconds: 1\n"),
  ]);
  await k.ok([
    "create",
    "-f",
    livenessPod("kubia-exec", "      exec:\n        command: [cat, /tmp/healthy]\n      periodSeconds: 1\n"),
  ]);
  await eventuallyMatches(
    "kubia-exec restarted",
    async () => (await k.ok(["get", "po", "kubia-exec", "--no-headers"])).trim(),
    (l) => /\s1 \(\d+s ago\)/.test(l),
    30_000,
  );
  const describe = await k.ok(["describe", "po", "kubia-exec"]);
  assert.match(describe, /Liveness:\s+exec \[cat \/tmp\/healthy\] delay=0s timeout=1s period=1s/);
  assert.match(describe, /Liveness probe failed: cat: \/tmp\/healthy: No such file or directory/);
  assert.match(await k.ok(["get", "po", "kubia-tcp", "--no-headers"]), /Running\s+0\s/);
});

test("logs of a finished Job pod; the errors kubectl logs gets for pods without logs", async () => {
  await k.ok([
    "create",
    "-f",
    manifest(
      "batch-job.yaml",
      `apiVersion: batch/v1
kind: Job
metadata:
  name: batch-job
spec:
  template:
    metadata:
      labels:
        app: batch-job
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
`,
    ),
  ]);
  await eventuallyMatches(
    "batch-job complete",
    async () => await k.ok(["get", "jobs", "batch-job", "--no-headers"]),
    (l) => /\b1\/1\b/.test(l),
  );
  const log = await k.ok(["logs", "job/batch-job"]);
  assert.match(
    log,
    /^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d UTC \d{4} Batch job starting\n\w{3} .* Finished succesfully\n$/,
  );
  const stamped = await k.ok(["logs", "job/batch-job", "--timestamps", "--tail", "1"]);
  assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z .* Finished succesfully\n$/);

  await k.ok([
    "create",
    "-f",
    manifest(
      "pending.yaml",
      `apiVersion: v1
kind: Pod
metadata:
  name: pending
spec:
  nodeSelector:
    gpu: "true"
  containers:
  - {name: a, image: luksa/kubia}
  - {name: b, image: luksa/kubia}
`,
    ),
  ]);
  // kubectl picks the first container itself; the API asks for one.
  let r = await k.run(["logs", "pending"]);
  assert.match(r.stderr, /Defaulted container "a" out of: a, b/);
  r = await k.run(["get", "--raw", "/api/v1/namespaces/default/pods/pending/log"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /a container name must be specified for pod pending, choose one of: \[a b\]/);
  r = await k.run(["logs", "pending", "-c", "a"]);
  assert.match(r.stderr, /pod pending does not have a host assigned/);
  r = await k.run(["logs", "pending", "-c", "nope"]);
  assert.match(r.stderr, /container nope is not valid for pod pending/);
  r = await k.run(["logs", "kubia-tcp", "--previous"]);
  assert.match(r.stderr, /previous terminated container "kubia" in pod "kubia-tcp" not found/);
});
