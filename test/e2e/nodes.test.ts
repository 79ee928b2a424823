// Simulated nodes inside `skiff server`, the node lifecycle controller and the kubelet's pod
// lifecycle, driven by the real kubectl 1.32.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { manifestsIn, simulatedNode } from "../support/book.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;
const dir = mkdtempSync(join(tmpdir(), "skiff-nodes-"));
const manifest = manifestsIn(dir);

const podYaml = (
  name: string,
  extra: { annotations?: string; restartPolicy?: string } = {},
) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${extra.annotations ? `  annotations:\n${extra.annotations}` : ""}spec:
  nodeName: sim1
  restartPolicy: ${extra.restartPolicy ?? "Always"}
  containers:
  - name: main
    image: nginx
`;

/** The row of `kubectl get` output whose first column is `name`, split into columns. */
async function row(args: string[], name: string): Promise<string[] | undefined> {
  const out = await k.ok(args);
  const line = out.split("\n").find((l) => l.split(/\s+/)[0] === name);
  return line?.trim().split(/\s{2,}/);
}

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (s: string) => s.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

before(async () => {
  server = await startServer({ args: ["--node-monitor-grace-period", "5s"] });
  k = new Kubectl(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

test("a simulated node created with kubectl becomes Ready and runs a pod bound to it", async () => {
  await k.ok([
    "apply",
    "-f",
    manifest("nodes.yaml", [simulatedNode("sim1"), simulatedNode("sim2")].join("---\n")),
  ]);
  const node = await eventually("sim1 Ready", async () => {
    const r = await row(["get", "nodes"], "sim1");
    return r?.[1] === "Ready" ? r : undefined;
  });
  assert.equal(node[4], "v1.32.0-skiff", `VERSION column: ${node.join(" | ")}`);
  const wide = await row(["get", "nodes", "-o", "wide"], "sim1");
  assert.match(wide![5], /^10\.99\.\d+\.\d+$/, `INTERNAL-IP: ${wide!.join(" | ")}`);
  const lease = await k.ok([
    "get",
    "lease",
    "-n",
    "kube-node-lease",
    "sim1",
    "-o",
    "jsonpath={.spec.holderIdentity}",
  ]);
  assert.equal(lease, "sim1");

  await k.ok(["apply", "-f", manifest("web.yaml", podYaml("web"))]);
  const cidr = await eventually("sim1 podCIDR", async () => {
    const c = await k.ok(["get", "node", "sim1", "-o", "jsonpath={.spec.podCIDR}"]);
    return c || undefined;
  });
  assert.match(cidr, /^10\.42\.\d+\.0\/24$/);
  const web = await eventually("web Running", async () => {
    const r = await row(["get", "po", "-o", "wide"], "web");
    return r?.[2] === "Running" && r[1] === "1/1" ? r : undefined;
  });
  // NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES
  assert.equal(web[3], "0");
  assert.ok(inCidr(web[5], cidr), `pod IP ${web[5]} outside ${cidr}`);
  assert.equal(web[6], "sim1");

  const cs = JSON.parse(await k.ok(["get", "po", "web", "-o", "jsonpath={.status.containerStatuses[0]}"]));
  assert.match(cs.containerID, /^simulated:\/\//);
  assert.equal(cs.started, true);
  assert.equal(cs.image, "docker.io/library/nginx:latest");
});

test("a pod with a 1s simulated duration and restartPolicy Never ends Completed", async () => {
  await k.ok([
    "apply",
    "-f",
    manifest(
      "job.yaml",
      podYaml("job", { restartPolicy: "Never", annotations: '    skiff.dev/simulated-duration: "1s"\n' }),
    ),
  ]);
  await eventually("job Completed", async () => {
    const r = await row(["get", "po"], "job");
    return r?.[2] === "Completed" ? r : undefined;
  });
  assert.equal(await k.ok(["get", "po", "job", "-o", "jsonpath={.status.phase}"]), "Succeeded");
});

test("a node that loses its network goes NotReady and tainted, its pods not ready; it recovers when back", async () => {
  await k.ok(["annotate", "node", "sim1", "skiff.dev/simulated-state=down"]);
  await eventually(
    "sim1 NotReady",
    async () => {
      const r = await row(["get", "nodes"], "sim1");
      return r?.[1] === "NotReady" ? r : undefined;
    },
    30_000,
  );
  const ready = JSON.parse(
    await k.ok(["get", "node", "sim1", "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")]}']),
  );
  assert.equal(ready.status, "Unknown");
  assert.equal(ready.reason, "NodeStatusUnknown");
  assert.equal(ready.message, "Kubelet stopped posting node status.");
  const taints = await eventually(
    "sim1 unreachable taints",
    async () => {
      const t = await k.ok([
        "get",
        "node",
        "sim1",
        "-o",
        'jsonpath={range .spec.taints[*]}{.key}:{.effect}{"\\n"}{end}',
      ]);
      return t.includes("unreachable:NoExecute") && t.includes("unreachable:NoSchedule") ? t : undefined;
    },
    30_000,
  );
  assert.match(taints, /node\.kubernetes\.io\/unreachable:NoSchedule/);
  assert.equal((await row(["get", "nodes"], "sim2"))?.[1], "Ready", "the other node stays Ready");
  // MarkPodsNotReady flips the pod's Ready condition; kubectl's READY column counts containers.
  const podReady = () =>
    k.ok(["get", "po", "web", "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  await eventually("web not ready", async () => ((await podReady()) === "False" ? true : undefined));

  await k.ok(["annotate", "node", "sim1", "skiff.dev/simulated-state-"]);
  await eventually("sim1 Ready again", async () => {
    const r = await row(["get", "nodes"], "sim1");
    return r?.[1] === "Ready" ? r : undefined;
  });
  await eventually(
    "taints removed",
    async () =>
      (await k.ok(["get", "node", "sim1", "-o", "jsonpath={.spec.taints}"])) === "" ? true : undefined,
    20_000,
  );
  await eventually("web ready again", async () => ((await podReady()) === "True" ? true : undefined));
});

test("deleting a pod on a simulated node completes: the agent stops it and removes it", async () => {
  const started = Date.now();
  await k.ok(["delete", "po", "web", "--wait=true", "--timeout=20s"]);
  assert.ok(Date.now() - started < 15_000, "deleted within the simulated shutdown, not the 30s grace period");
  const out = await k.run(["get", "po", "web"]);
  assert.match(out.stderr, /NotFound/);
});
