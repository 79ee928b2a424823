// The scheduler inside `skiff server`, driven by the real kubectl 1.32: the chapter 3 nodeSelector journey.
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
const dir = mkdtempSync(join(tmpdir(), "skiff-scheduler-"));
const manifest = manifestsIn(dir);

const nodeYaml = (name: string) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
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

const nodes = manifest("nodes.yaml", ["node1", "node2", "node3"].map(nodeYaml).join("---\n"));

const kubiaGpu = manifest(
  "kubia-gpu.yaml",
  `apiVersion: v1
kind: Pod
metadata:
  name: kubia-gpu
spec:
  nodeSelector:
    gpu: "true"
  containers:
  - image: luksa/kubia
    name: kubia
`,
);

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

test("kubia-gpu stays Pending with FailedScheduling until a node is labelled gpu=true, then lands there", async () => {
  await k.ok(["apply", "-f", nodes]);
  const nodeList = await k.ok(["get", "nodes"]);
  for (const n of ["node1", "node2", "node3"]) assert.match(nodeList, new RegExp(`^${n}\\s+Ready`, "m"));

  await k.ok(["create", "-f", kubiaGpu]);
  const described = await eventually("FailedScheduling in describe", async () => {
    const out = await k.ok(["describe", "pod", "kubia-gpu"]);
    return out.includes("FailedScheduling") ? out : undefined;
  });
  assert.match(
    described,
    /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\./,
  );
  assert.match(described, /Node-Selectors:\s+gpu=true/);
  assert.match(described, /PodScheduled\s+False/);
  const pending = await k.ok(["get", "po", "kubia-gpu", "-o", "wide"]);
  assert.match(pending, /kubia-gpu\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>/);
  const reason = await k.ok([
    "get",
    "po",
    "kubia-gpu",
    "-o",
    'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}',
  ]);
  assert.equal(reason, "Unschedulable");

  assert.match(await k.ok(["label", "node", "node2", "gpu=true"]), /node\/node2 labeled/);
  assert.match(await k.ok(["get", "nodes", "-l", "gpu=true"]), /^node2\s/m);
  const wide = await eventually("kubia-gpu bound to node2", async () => {
    const out = await k.ok(["get", "po", "-o", "wide"]);
    return /kubia-gpu\s.*\snode2\s/.test(out) ? out : undefined;
  });
  assert.match(
    wide,
    /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
  );
  const scheduled = await eventually("Scheduled event", async () => {
    const out = await k.ok(["describe", "pod", "kubia-gpu"]);
    return out.includes("Successfully assigned") ? out : undefined;
  });
  assert.match(
    scheduled,
    /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/kubia-gpu to node2/,
  );
  assert.match(scheduled, /^Node:\s+node2/m);
});
