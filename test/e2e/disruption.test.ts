// PodDisruptionBudgets with the real kubectl on simulated nodes: the disruption controller's
// status, the eviction API's 429 while a budget has no disruptions left, and `kubectl drain`
// waiting on the budget as it does against upstream.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventuallyMatches } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

const node = (name: string) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    skiff.dev/simulated: "true"
`;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], { input: [node("sim1"), node("sim2")].join("---\n") });
  await k.ok(["create", "deployment", "web", "--image=nginx", "--replicas=3"]);
  await eventuallyMatches(
    "3 ready",
    () => k.ok(["get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}"]),
    (v) => v === "3",
  );
});

after(async () => {
  await server?.stop();
});

const allowed = () => k.ok(["get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"]);

test("a budget's status counts its healthy pods; kubectl get pdb prints upstream's columns", async () => {
  await k.ok(["create", "pdb", "web", "--selector=app=web", "--min-available=3"]);
  await eventuallyMatches(
    "status",
    () =>
      k.ok([
        "get",
        "pdb",
        "web",
        "-o",
        "jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.expectedPods}",
      ]),
    (v) => v === "3/3/3",
  );
  const table = await k.ok(["get", "pdb"]);
  assert.match(
    table,
    /NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+3\s+N\/A\s+0\s/,
  );
  const cond = await k.ok([
    "get",
    "pdb",
    "web",
    "-o",
    "jsonpath={.status.conditions[0].type}={.status.conditions[0].status}/{.status.conditions[0].reason}",
  ]);
  assert.equal(cond, "DisruptionAllowed=False/InsufficientPods");
});

test("an eviction that would break the budget gets 429 with upstream's message and cause", async () => {
  const pod = (
    await k.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])
  ).trim();
  const eviction = JSON.stringify({
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: pod, namespace: "default" },
  });
  const r = await k.run(
    ["create", "--raw", `/api/v1/namespaces/default/pods/${pod}/eviction`, "-f", "-", "-v=8"],
    { input: eviction },
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Response Status: 429 Too Many Requests/);
  assert.match(r.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
  assert.match(
    r.stderr,
    /"reason": "DisruptionBudget",\n\s+"message": "The disruption budget web needs 3 healthy pods and has 3 currently"/,
  );
  assert.equal((await k.ok(["get", "pod", pod, "-o", "name"])).trim(), `pod/${pod}`, "the pod stays");
});

test("kubectl drain waits while the budget allows nothing, and drains once it allows one at a time", async () => {
  const onNode = (n: string) =>
    k.ok(["get", "pods", "-l", "app=web", "--field-selector", `spec.nodeName=${n}`, "-o", "name"]);
  const busiest = (await onNode("sim1")).trim().split("\n").filter(Boolean).length >= 2 ? "sim1" : "sim2";
  const blocked = await k.run([
    "drain",
    busiest,
    "--ignore-daemonsets",
    "--delete-emptydir-data",
    "--timeout=7s",
  ]);
  assert.notEqual(blocked.code, 0);
  assert.match(blocked.stdout + blocked.stderr, new RegExp(`node/${busiest} cordoned`));
  assert.match(
    blocked.stderr,
    /error when evicting pods\/"web-[^"]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
  );
  assert.match(await k.ok(["get", "node", busiest]), /Ready,SchedulingDisabled/);
  await k.ok(["patch", "pdb", "web", "--type=merge", "-p", '{"spec":{"minAvailable":2}}']);
  await eventuallyMatches("one disruption allowed", allowed, (v) => v === "1");
  const drained = await k.ok([
    "drain",
    busiest,
    "--ignore-daemonsets",
    "--delete-emptydir-data",
    "--timeout=90s",
  ]);
  assert.match(drained, new RegExp(`node/${busiest} drained`));
  assert.match(drained, /pod\/web-\S+ evicted/);
  assert.equal((await onNode(busiest)).trim(), "");
  await eventuallyMatches(
    "3 ready elsewhere",
    () => k.ok(["get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}"]),
    (v) => v === "3",
  );
  await k.ok(["uncordon", busiest]);
  assert.doesNotMatch(await k.ok(["get", "node", busiest]), /SchedulingDisabled/);
});

test("a budget with both minAvailable and maxUnavailable is refused", async () => {
  const r = await k.run(["apply", "-f", "-"], {
    input:
      "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: both}\nspec:\n  minAvailable: 1\n  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}\n",
  });
  assert.match(
    r.stderr,
    /The PodDisruptionBudget "both" is invalid: spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set/,
  );
});
