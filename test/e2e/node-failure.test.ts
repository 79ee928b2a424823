// Kubernetes in Action ch. 4: a node loses its network; it goes NotReady, its pods are evicted
// after their toleration, and the ReplicationController brings them back on the other node.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

before(async () => {
  // Short grace and toleration periods so the journey takes seconds instead of minutes.
  server = await startServer({
    args: [
      "--node-monitor-grace-period",
      "4s",
      "--default-unreachable-toleration-seconds",
      "3",
      "--default-not-ready-toleration-seconds",
      "3",
    ],
  });
  k = new Kubectl(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

const pods = async () =>
  JSON.parse(await k.ok(["get", "po", "-l", "app=kubia", "-o", "json"])).items as Array<{
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string };
  }>;

test("pods of a node that goes down come back on another node", async () => {
  for (const n of ["node-a", "node-b"]) {
    await k.ok(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: n, annotations: { "skiff.dev/simulated": "true" } },
      }),
    });
  }
  await eventually("both nodes Ready", async () => {
    const out = await k.ok(["get", "nodes"]);
    return /node-a\s+Ready/.test(out) && /node-b\s+Ready/.test(out) ? true : undefined;
  });
  await k.ok(["create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "kubia" },
      spec: {
        replicas: 4,
        selector: { app: "kubia" },
        template: {
          metadata: { labels: { app: "kubia" } },
          spec: { containers: [{ name: "kubia", image: "luksa/kubia" }] },
        },
      },
    }),
  });
  const spread = await eventually("4 Running pods", async () => {
    const ps = await pods();
    return ps.length === 4 && ps.every((p) => p.status.phase === "Running") ? ps : undefined;
  });
  const onA = spread.filter((p) => p.spec.nodeName === "node-a").map((p) => p.metadata.name);
  assert.ok(onA.length > 0, "the scheduler spreads the RC's pods over both nodes");

  // node-a loses its network.
  await k.ok(["annotate", "node", "node-a", "skiff.dev/simulated-state=down"]);
  await eventually("node-a NotReady", async () =>
    /node-a\s+NotReady/.test(await k.ok(["get", "nodes"])) ? true : undefined,
  );
  // The NoExecute taint follows on the controller's next tainting pass (rate-limited per zone, as upstream).
  await eventually("the unreachable NoExecute taint", async () => {
    const out = await k.ok(["get", "node", "node-a", "-o", "jsonpath={.spec.taints}"]);
    const taints = (out ? JSON.parse(out) : []) as Array<{ key: string; effect: string }>;
    return taints.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute")
      ? true
      : undefined;
  });

  // After the toleration its pods are evicted and replaced on node-b.
  const after = await eventually("4 Running pods on node-b", async () => {
    const ps = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
    return ps.length === 4 && ps.every((p) => p.spec.nodeName === "node-b" && p.status.phase === "Running")
      ? ps
      : undefined;
  });
  for (const name of onA) assert.ok(!after.some((p) => p.metadata.name === name), `${name} was replaced`);
  const events = await k.ok(["get", "events", "--field-selector", "reason=TaintManagerEviction"]);
  assert.match(events, /Marking for deletion Pod default\//);

  // The node comes back and is Ready again.
  await k.ok(["annotate", "node", "node-a", "skiff.dev/simulated-state-"]);
  await eventually("node-a Ready again", async () =>
    /node-a\s+Ready\s/.test(await k.ok(["get", "nodes"])) ? true : undefined,
  );
});
