// ResourceQuotas and LimitRanges with the real kubectl: usage in `kubectl get quota`, upstream's
// 403s for a pod over quota, one that names no requests, and one outside a LimitRange, the
// LimitRanger's defaults, and usage given back when a pod goes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventuallyMatches } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], {
    input:
      'apiVersion: v1\nkind: Node\nmetadata:\n  name: sim1\n  annotations:\n    skiff.dev/simulated: "true"\n',
  });
  await k.ok(["create", "namespace", "team"]);
});

after(async () => {
  await server?.stop();
});

const pod = (name: string, cpu?: string, limit?: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "team" },
    spec: {
      containers: [
        {
          name: "main",
          image: "nginx",
          ...(cpu
            ? {
                resources: {
                  requests: { cpu, memory: "256Mi" },
                  limits: { cpu: limit ?? cpu, memory: "256Mi" },
                },
              }
            : {}),
        },
      ],
    },
  });

const quotaLine = () => k.ok(["get", "quota", "compute", "-n", "team", "--no-headers"]);

test("a quota counts what pods request and refuses the one that would go over", async () => {
  await k.ok([
    "create",
    "quota",
    "compute",
    "-n",
    "team",
    "--hard=requests.cpu=1,requests.memory=1Gi,limits.cpu=2,pods=3",
  ]);
  await eventuallyMatches("quota status", quotaLine, (l) =>
    /pods: 0\/3, requests\.cpu: 0\/1, requests\.memory: 0\/1Gi\s+limits\.cpu: 0\/2/.test(l),
  );
  await k.ok(["apply", "-f", "-"], { input: pod("a", "600m", "1") });
  assert.match(
    await quotaLine(),
    /pods: 1\/3, requests\.cpu: 600m\/1, requests\.memory: 256Mi\/1Gi\s+limits\.cpu: 1\/2/,
  );
  const over = await k.run(["apply", "-f", "-"], { input: pod("b", "600m", "1") });
  assert.notEqual(over.code, 0);
  assert.match(
    over.stderr,
    /pods "b" is forbidden: exceeded quota: compute, requested: requests\.cpu=600m, used: requests\.cpu=600m, limited: requests\.cpu=1/,
  );
  const bare = await k.run(["apply", "-f", "-"], { input: pod("c") });
  assert.match(
    bare.stderr,
    /pods "c" is forbidden: failed quota: compute: must specify limits\.cpu for: main; requests\.cpu for: main; requests\.memory for: main/,
  );
  assert.equal(
    (await k.ok(["get", "pods", "-n", "team", "-o", "name"])).trim(),
    "pod/a",
    "nothing else was stored",
  );
});

test("a LimitRange fills in defaults and refuses a container outside its bounds", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: team}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 128Mi}
    default: {cpu: 200m, memory: 256Mi}
    min: {cpu: 50m}
    max: {cpu: 500m}
`,
  });
  await k.ok(["apply", "-f", "-"], { input: pod("d") });
  const resources = JSON.parse(
    await k.ok(["get", "pod", "d", "-n", "team", "-o", "jsonpath={.spec.containers[0].resources}"]),
  );
  assert.deepEqual(resources, {
    limits: { cpu: "200m", memory: "256Mi" },
    requests: { cpu: "100m", memory: "128Mi" },
  });
  assert.equal(
    await k.ok([
      "get",
      "pod",
      "d",
      "-n",
      "team",
      "-o",
      "jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}",
    ]),
    "LimitRanger plugin set: cpu, memory request for container main; cpu, memory limit for container main",
  );
  const bad = await k.run(["apply", "-f", "-"], { input: pod("e", "10m", "2") });
  assert.match(
    bad.stderr,
    /pods "e" is forbidden: \[minimum cpu usage per Container is 50m, but request is 10m, maximum cpu usage per Container is 500m, but limit is 2\]/,
  );
  assert.match(await quotaLine(), /pods: 2\/3, requests\.cpu: 700m\/1/);
});

test("deleting a pod gives its usage back", async () => {
  await k.ok(["delete", "pod", "a", "-n", "team", "--wait=false"]);
  await eventuallyMatches(
    "usage back",
    quotaLine,
    (l) => /pods: 1\/3, requests\.cpu: 100m\/1/.test(l),
    30_000,
  );
});
