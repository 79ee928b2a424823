// Metrics and autoscaling on a real node: the kubelet's Summary API from containerd's container
// stats, the built-in metrics.k8s.io API behind `kubectl top`, and a HorizontalPodAutoscaler
// that scales a Deployment up under real CPU load and back down when it stops.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { busyboxImage } from "../support/images.ts";
import { Kubectl } from "../support/kubectl.ts";
import { addLabHost, labHostIP, setUpLab, tearDownLab } from "../support/lab.ts";
import { startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually, eventuallyMatches } from "../support/wait.ts";

const LAB = 10;

// Burns a CPU while /tmp/busy exists, idles otherwise.
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: burner}
spec:
  replicas: 1
  selector: {matchLabels: {app: burner}}
  template:
    metadata: {labels: {app: burner}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "while true; do if [ -f /tmp/busy ]; then :; else sleep 0.2; fi; done"]
        resources:
          requests: {cpu: 100m, memory: 16Mi}
`;

describe("metrics and autoscaling", () => {
  let server: RunningServer;
  let registry: LocalRegistry;
  let k: Kubectl;
  let dataDir: string;
  let netns: string;

  before(async () => {
    setUpLab(LAB);
    const host = addLabHost(2, LAB);
    netns = host.netns;
    registry = await startRegistry({ address: labHostIP(LAB) });
    await registry.push("library/busybox", "latest", busyboxImage());
    dataDir = mkdtempSync(join(tmpdir(), "skiff-hpa-"));
    writeFileSync(join(dataDir, "registries.yaml"), registry.registriesYaml());
    server = await startServer({
      dataDir,
      agent: true,
      netns,
      args: [
        "--node-ip",
        host.ip,
        "--node-name",
        "lab-node",
        "--bind-address",
        host.ip,
        "--metric-resolution=2s",
        "--horizontal-pod-autoscaler-sync-period=2s",
        "--horizontal-pod-autoscaler-downscale-stabilization=6s",
      ],
    });
    k = new Kubectl(server.kubeconfig);
    await eventually(
      "the node Ready",
      async () =>
        (await k.ok([
          "get",
          "node",
          "lab-node",
          "-o",
          "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
        ])) === "True" || undefined,
      60_000,
    );
    await k.ok(["apply", "-f", "-"], { input: deployment });
    await eventuallyMatches(
      "the burner ready",
      () => k.ok(["get", "deploy", "burner", "-o", "jsonpath={.status.readyReplicas}"]),
      (v) => v === "1",
      90_000,
    );
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await killall(dataDir, netns);
    await registry?.stop();
    tearDownLab(LAB);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("kubectl top shows the node's and the pods' real usage with upstream's columns", async () => {
    const nodes = await eventually(
      "node metrics",
      async () => {
        const r = await k.run(["top", "nodes"]);
        return r.code === 0 ? r.stdout : undefined;
      },
      30_000,
    );
    assert.match(
      nodes,
      /NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*\nlab-node\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/,
    );
    const pod = (
      await k.ok(["get", "pods", "-l", "app=burner", "-o", "jsonpath={.items[0].metadata.name}"])
    ).trim();
    await k.ok(["exec", pod, "--", "touch", "/tmp/busy"]);
    const busy = await eventuallyMatches(
      "the busy pod's CPU",
      async () => (await k.run(["top", "pod", pod, "--no-headers"])).stdout,
      (out) => Number(/\s(\d+)m\s/.exec(out)?.[1] ?? 0) > 300,
      30_000,
    );
    assert.match(busy, new RegExp(`^${pod}\\s+\\d+m\\s+\\d+Mi`));
    await k.ok(["exec", pod, "--", "rm", "/tmp/busy"]);
    // Idle again before the autoscaler looks.
    await eventuallyMatches(
      "the pod idle",
      async () => (await k.run(["top", "pod", pod, "--no-headers"])).stdout,
      (out) => Number(/\s(\d+)m\s/.exec(out)?.[1] ?? 1000) < 50,
      30_000,
    );
    const raw = JSON.parse(
      await k.ok(["get", "--raw", `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${pod}`]),
    );
    assert.equal(raw.kind, "PodMetrics");
    assert.equal(raw.containers[0].name, "main");
  });

  it("an HPA scales the Deployment up under CPU load and back down when it stops", async () => {
    await k.ok(["autoscale", "deployment", "burner", "--cpu-percent=50", "--min=1", "--max=3"]);
    await eventuallyMatches(
      "the HPA reading its target",
      () => k.ok(["get", "hpa", "burner", "--no-headers"]),
      (l) => /^burner\s+Deployment\/burner\s+cpu: \d+%\/50%\s+1\s+3\s+1\s/.test(l),
      30_000,
    );
    const pod = (
      await k.ok(["get", "pods", "-l", "app=burner", "-o", "jsonpath={.items[0].metadata.name}"])
    ).trim();
    await k.ok(["exec", pod, "--", "touch", "/tmp/busy"]);
    await eventuallyMatches(
      "3 replicas",
      () => k.ok(["get", "deploy", "burner", "-o", "jsonpath={.spec.replicas}"]),
      (v) => v === "3",
      60_000,
    );
    const events = await k.ok([
      "get",
      "events",
      "--field-selector",
      "reason=SuccessfulRescale",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    assert.match(
      events,
      /New size: \d; reason: cpu resource utilization \(percentage of request\) above target/,
    );
    const limited = await eventually(
      "ScalingLimited",
      async () => {
        const c = await k.ok([
          "get",
          "hpa",
          "burner",
          "-o",
          "jsonpath={.status.conditions[?(@.type=='ScalingLimited')].reason}",
        ]);
        return c === "TooManyReplicas" ? c : undefined;
      },
      30_000,
    );
    assert.equal(limited, "TooManyReplicas");
    await k.ok(["exec", pod, "--", "rm", "/tmp/busy"]);
    await eventuallyMatches(
      "back to 1 replica",
      () => k.ok(["get", "deploy", "burner", "-o", "jsonpath={.spec.replicas}"]),
      (v) => v === "1",
      90_000,
    );
    const down = await k.ok([
      "get",
      "events",
      "--field-selector",
      "reason=SuccessfulRescale",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    assert.match(down, /New size: 1; reason: All metrics below target/);
    const v1 = JSON.parse(
      await k.ok(["get", "--raw", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/burner"]),
    );
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
    assert.equal(typeof v1.status.currentCPUUtilizationPercentage, "number");
  });
});
