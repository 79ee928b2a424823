// The scheduler and every controller act under identities of their own (system:kube-scheduler,
// and a service account in kube-system per controller, as upstream's
// --use-service-account-credentials), so their permissions are real: take one away and that
// controller, and only it, is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { simulatedNode } from "../support/book.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["create", "-f", "-"], { input: simulatedNode("sim1") });
});

after(async () => {
  await server?.stop();
});

const RS = "system:serviceaccount:kube-system:replicaset-controller";

test("kube-system holds a service account per controller, each bound to its system:controller role", async () => {
  const sas = await eventually("the controllers' service accounts", async () => {
    const out = await k.ok(["get", "sa", "-n", "kube-system", "-o", "name"]);
    return out.includes("serviceaccount/ttl-after-finished-controller") ? out : undefined;
  });
  for (const sa of [
    "replicaset-controller",
    "deployment-controller",
    "node-controller",
    "namespace-controller",
  ])
    assert.ok(sas.includes(`serviceaccount/${sa}\n`), sa);
  const binding = JSON.parse(
    await k.ok(["get", "clusterrolebinding", "system:controller:replicaset-controller", "-o", "json"]),
  ) as { roleRef: { name: string }; subjects: unknown[] };
  assert.equal(binding.roleRef.name, "system:controller:replicaset-controller");
  assert.deepEqual(binding.subjects, [
    { kind: "ServiceAccount", name: "replicaset-controller", namespace: "kube-system" },
  ]);
});

test("kubectl auth can-i answers for the components as upstream's bootstrap policy does", async () => {
  const cases: Array<[string, string[], "yes" | "no"]> = [
    [RS, ["create", "pods"], "yes"],
    [RS, ["update", "replicasets.apps/status"], "yes"],
    [RS, ["get", "secrets"], "no"],
    [RS, ["create", "deployments.apps"], "no"],
    ["system:serviceaccount:kube-system:deployment-controller", ["create", "replicasets.apps"], "yes"],
    ["system:serviceaccount:kube-system:deployment-controller", ["create", "pods"], "no"],
    ["system:kube-scheduler", ["create", "pods", "--subresource=binding"], "yes"],
    ["system:kube-scheduler", ["create", "pods"], "no"],
    [
      "system:kube-scheduler",
      ["update", "leases.coordination.k8s.io/kube-scheduler", "-n", "kube-system"],
      "yes",
    ],
    [
      "system:kube-scheduler",
      ["update", "leases.coordination.k8s.io/kube-controller-manager", "-n", "kube-system"],
      "no",
    ],
    ["system:kube-controller-manager", ["list", "secrets", "-A"], "yes"],
    ["system:kube-controller-manager", ["delete", "pods"], "no"],
  ];
  for (const [user, args, want] of cases) {
    const r = await k.run(["auth", "can-i", ...args, "--as", user]);
    assert.equal(r.stdout.trim(), want, `${user} ${args.join(" ")}`);
  }
});

test("the pods a Deployment's ReplicaSet creates are written by the controller manager, not by a master", async () => {
  await k.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
  const pod = await eventually("web's pods running", async () => {
    const list = JSON.parse(
      await k.ok(["get", "pods", "-l", "app=web", "-o", "json", "--show-managed-fields"]),
    ) as {
      items: Array<{ status: { phase?: string }; metadata: { managedFields?: Array<{ manager: string }> } }>;
    };
    return list.items.length === 2 && list.items.every((p) => p.status.phase === "Running")
      ? list.items[0]
      : undefined;
  });
  assert.equal(pod.metadata.managedFields?.[0]?.manager, "kube-controller-manager");
});

test("without its binding the ReplicaSet controller is refused with upstream's message, and recovers when the binding is back", async () => {
  const binding = await k.ok([
    "get",
    "clusterrolebinding",
    "system:controller:replicaset-controller",
    "-o",
    "yaml",
  ]);
  await k.ok(["delete", "clusterrolebinding", "system:controller:replicaset-controller"]);
  await k.ok(["scale", "deployment", "web", "--replicas=3"]);
  // Its events are refused too (upstream's controllers write them under the same identity): the
  // refusal shows in the controller manager's log.
  const refusal = await eventually("the refusal in the log", async () => {
    const lines = server
      .logs()
      .split("\n")
      .filter((l) => l.includes('"error syncing ReplicaSet"'));
    return lines
      .map((l) => (JSON.parse(l) as { error: string }).error)
      .find((e) => e.includes("is forbidden"));
  });
  assert.match(
    refusal,
    /^(pods|replicasets\.apps) "web-[a-z0-9]+-?" is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" cannot (create|get|update) resource "(pods|replicasets)" in API group "(apps)?" in the namespace "default"$/,
  );
  // Other controllers are untouched: a Job still runs.
  await k.ok(["create", "job", "once", "--image=busybox"]);
  await eventually("the job's pod", async () =>
    (await k.ok(["get", "pods", "-l", "job-name=once", "-o", "name"])) ? true : undefined,
  );
  assert.equal((await k.ok(["get", "pods", "-l", "app=web", "-o", "name"])).trim().split("\n").length, 2);
  await k.ok(["apply", "-f", "-"], { input: binding });
  await eventually(
    "the third pod once the binding is back",
    async () =>
      (await k.ok(["get", "pods", "-l", "app=web", "-o", "name"])).trim().split("\n").length === 3
        ? true
        : undefined,
    30_000,
  );
});
