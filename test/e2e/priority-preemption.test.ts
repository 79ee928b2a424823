// PriorityClasses and preemption with the real kubectl on a simulated node with room for two pods:
// the built-in classes, upstream's refusals, and a high-priority pod evicting a lower one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventually, eventuallyMatches } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: v1
kind: Node
metadata:
  name: sim1
  annotations:
    skiff.dev/simulated: "true"
status:
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
`,
  });
});

after(async () => {
  await server?.stop();
});

test("the system classes exist and user classes are held to upstream's rules", async () => {
  const table = await k.ok(["get", "priorityclass"]);
  assert.match(table, /NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY/);
  assert.match(table, /system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority/);
  assert.match(table, /system-node-critical\s+2000001000\s+false/);
  const reserved = await k.run(["create", "priorityclass", "system-mine", "--value=5"]);
  assert.match(
    reserved.stderr,
    /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved/,
  );
  const huge = await k.run(["create", "priorityclass", "huge", "--value=2000000000"]);
  assert.match(
    huge.stderr,
    /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/,
  );
  await k.ok(["create", "priorityclass", "default-prio", "--value=10", "--global-default"]);
  const second = await k.run(["create", "priorityclass", "other", "--value=20", "--global-default"]);
  assert.match(
    second.stderr,
    /PriorityClass default-prio is already marked as default\. Only one default can exist/,
  );
  const missing = await k.run([
    "run",
    "bad",
    "--image=nginx",
    '--overrides={"spec":{"priorityClassName":"nope"}}',
  ]);
  assert.match(missing.stderr, /pods "bad" is forbidden: no PriorityClass with name nope was found/);
});

test("a pod naming no class gets the global default's priority", async () => {
  await k.ok(["run", "plain", "--image=nginx"]);
  assert.equal(
    await k.ok(["get", "pod", "plain", "-o", "jsonpath={.spec.priorityClassName}/{.spec.priority}"]),
    "default-prio/10",
  );
  await k.ok(["delete", "pod", "plain", "--wait=false"]);
  await k.ok(["delete", "priorityclass", "default-prio"]);
});

test("a high-priority pod that fits nowhere preempts a lower-priority one", async () => {
  await k.ok(["create", "priorityclass", "high", "--value=1000"]);
  await k.ok(["create", "deployment", "low", "--image=nginx", "--replicas=2"]);
  await k.ok(["set", "resources", "deploy", "low", "--requests=cpu=900m"]);
  await eventuallyMatches(
    "two low pods running",
    () => k.ok(["get", "deploy", "low", "-o", "jsonpath={.status.readyReplicas}/{.status.updatedReplicas}"]),
    (v) => v === "2/2",
  );
  const before = (
    await k.ok(["get", "pods", "-l", "app=low", "-o", "jsonpath={.items[*].metadata.name}"])
  ).split(" ");
  await k.ok([
    "run",
    "vip",
    "--image=nginx",
    '--overrides={"spec":{"priorityClassName":"high","containers":[{"name":"vip","image":"nginx","resources":{"requests":{"cpu":"900m"}}}]}}',
  ]);
  await eventuallyMatches(
    "vip running",
    () => k.ok(["get", "pod", "vip", "-o", "jsonpath={.status.phase}"]),
    (v) => v === "Running",
  );
  const preempted = await eventually(
    "the Preempted event",
    async () =>
      (await k.ok([
        "get",
        "events",
        "--field-selector",
        "reason=Preempted",
        "-o",
        "jsonpath={.items[0].involvedObject.name} {.items[0].message}",
      ])) || undefined,
  );
  const [victim, ...message] = preempted.split(" ");
  assert.ok(before.includes(victim!), preempted);
  const uid = await k.ok(["get", "pod", "vip", "-o", "jsonpath={.metadata.uid}"]);
  assert.equal(message.join(" "), `Preempted by pod ${uid} on node sim1`);
  // The victim's replacement waits: there is no room left for it.
  await eventuallyMatches(
    "the replacement Pending",
    () => k.ok(["get", "pods", "-l", "app=low", "--field-selector=status.phase=Pending", "-o", "name"]),
    (v) => v.trim().split("\n").filter(Boolean).length === 1,
  );
});
