// Deployments with the real kubectl against a real `skiff server`: rollouts, history, undo,
// pause/resume and restart.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { simulatedNode } from "../support/book.ts";
import { eventually } from "../support/wait.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rs {
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: {
    replicas: number;
    template: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: Array<{ image: string }> };
    };
  };
}

async function replicaSets(k: Kubectl): Promise<Rs[]> {
  return (JSON.parse(await k.ok(["get", "rs", "-l", "app=web", "-o", "json"])) as { items: Rs[] }).items;
}

const imageOf = (rs: Rs) => rs.spec.template.spec.containers[0].image;
const revisionOf = (rs: Rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"];

async function deploymentImage(k: Kubectl): Promise<string> {
  return k.ok(["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
}

describe("deployments without nodes: the ReplicaSets a rollout makes", () => {
  let server: RunningServer;
  let k: Kubectl;
  before(async () => {
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
  });
  after(async () => {
    await server?.stop();
  });

  test("create, set image, history, undo, pause, resume and restart", async () => {
    await k.ok(["create", "deployment", "web", "--image=nginx", "--replicas=3"]);
    const [first] = await eventually("the first ReplicaSet", async () => {
      const rss = await replicaSets(k);
      return rss.length === 1 && rss[0].spec.replicas === 3 ? rss : undefined;
    });
    const hash = first.metadata.labels!["pod-template-hash"];
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(first.metadata.name, `web-${hash}`);
    assert.equal(revisionOf(first), "1");
    await eventually("three pods", async () => {
      const out = await k.ok(["get", "pods", "-l", `pod-template-hash=${hash}`, "-o", "name"]);
      return out.trim().split("\n").filter(Boolean).length === 3 ? true : undefined;
    });
    const events = await eventually("the scaling event", async () => {
      const out = await k.ok(["get", "events", "--field-selector", "involvedObject.kind=Deployment"]);
      return out.includes(`Scaled up replica set web-${hash} to 3`) ? out : undefined;
    });
    assert.match(events, /ScalingReplicaSet/);
    assert.equal(
      await k.ok([
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
      ]),
      "1",
    );

    assert.match(
      await k.ok(["set", "image", "deployment/web", "nginx=nginx:1.27"]),
      /deployment.apps\/web image updated/,
    );
    const second = await eventually("a second ReplicaSet", async () =>
      (await replicaSets(k)).find((rs) => imageOf(rs) === "nginx:1.27"),
    );
    assert.equal(revisionOf(second), "2");
    const history = await k.ok(["rollout", "history", "deployment/web"]);
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);

    assert.match(await k.ok(["rollout", "undo", "deployment/web"]), /deployment.apps\/web rolled back/);
    assert.equal(await deploymentImage(k), "nginx");
    await eventually("revision 1 to become revision 3", async () =>
      (await replicaSets(k)).find((rs) => rs.metadata.name === first.metadata.name && revisionOf(rs) === "3"),
    );
    assert.match(await k.ok(["rollout", "history", "deployment/web"]), /\n2\s+<none>\n3\s+<none>/);

    assert.match(await k.ok(["rollout", "pause", "deployment/web"]), /deployment.apps\/web paused/);
    await k.ok(["set", "image", "deployment/web", "nginx=nginx:1.28"]);
    await eventually("the Paused condition", async () => {
      const reason = await k.ok([
        "get",
        "deployment",
        "web",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}',
      ]);
      return reason === "DeploymentPaused" ? true : undefined;
    });
    await sleep(500);
    assert.equal(
      (await replicaSets(k)).some((rs) => imageOf(rs) === "nginx:1.28"),
      false,
      "no rollout while paused",
    );
    assert.match(await k.ok(["rollout", "resume", "deployment/web"]), /deployment.apps\/web resumed/);
    await eventually("the resumed rollout's ReplicaSet", async () =>
      (await replicaSets(k)).find((rs) => imageOf(rs) === "nginx:1.28"),
    );

    const before = (await replicaSets(k)).length;
    assert.match(await k.ok(["rollout", "restart", "deployment/web"]), /deployment.apps\/web restarted/);
    const restarted = await eventually("the restart's ReplicaSet", async () =>
      (await replicaSets(k)).find(
        (rs) => rs.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"],
      ),
    );
    assert.equal(imageOf(restarted), "nginx:1.28");
    assert.equal((await replicaSets(k)).length, before + 1);
  });
});

describe("deployments on a simulated node: rollout status", () => {
  let server: RunningServer;
  let k: Kubectl;
  before(async () => {
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
    // The node agent inside `skiff server` runs the pods of nodes annotated as simulated.
    await k.ok(["apply", "-f", "-"], {
      input: simulatedNode("sim-1"),
    });
    await eventually(
      "the simulated node to be Ready",
      async () => {
        const s = await k.ok([
          "get",
          "node",
          "sim-1",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return s === "True" ? true : undefined;
      },
      30_000,
    );
  });
  after(async () => {
    await server?.stop();
  });

  const rolledOut = async () => {
    const out = await k.ok(["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert.match(out, /deployment "web" successfully rolled out/);
  };

  test("rollout status follows create, set image, undo, pause/resume and restart", async () => {
    await k.ok(["create", "deployment", "web", "--image=nginx", "--replicas=3"]);
    await rolledOut();
    assert.equal(await k.ok(["get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}"]), "3");
    assert.equal(
      await k.ok([
        "get",
        "deployment",
        "web",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Available")].message}',
      ]),
      "Deployment has minimum availability.",
    );

    await k.ok(["set", "image", "deployment/web", "nginx=nginx:1.27"]);
    await rolledOut();
    const rss = await replicaSets(k);
    assert.equal(rss.length, 2);
    const current = rss.find((rs) => imageOf(rs) === "nginx:1.27")!;
    assert.equal(current.spec.replicas, 3);
    assert.equal(rss.find((rs) => imageOf(rs) === "nginx")!.spec.replicas, 0);
    assert.match(
      await k.ok([
        "get",
        "deployment",
        "web",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Progressing")].message}',
      ]),
      new RegExp(`ReplicaSet "${current.metadata.name}" has successfully progressed.`),
    );
    assert.match(await k.ok(["rollout", "history", "deployment/web"]), /\n1\s+<none>\n2\s+<none>/);

    await k.ok(["rollout", "undo", "deployment/web"]);
    await rolledOut();
    assert.equal(await deploymentImage(k), "nginx");
    const afterUndo = await replicaSets(k);
    assert.equal(afterUndo.find((rs) => imageOf(rs) === "nginx")!.spec.replicas, 3);
    assert.equal(afterUndo.find((rs) => imageOf(rs) === "nginx:1.27")!.spec.replicas, 0);

    await k.ok(["rollout", "pause", "deployment/web"]);
    await k.ok(["set", "image", "deployment/web", "nginx=nginx:1.28"]);
    await sleep(500);
    assert.equal(
      (await replicaSets(k)).some((rs) => imageOf(rs) === "nginx:1.28"),
      false,
    );
    await k.ok(["rollout", "resume", "deployment/web"]);
    await rolledOut();
    assert.equal((await replicaSets(k)).find((rs) => imageOf(rs) === "nginx:1.28")!.spec.replicas, 3);

    await k.ok(["rollout", "restart", "deployment/web"]);
    await rolledOut();
    const restarted = (await replicaSets(k)).find(
      (rs) => rs.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"],
    )!;
    assert.equal(restarted.spec.replicas, 3);
    const pods = await k.ok([
      "get",
      "pods",
      "-l",
      `pod-template-hash=${restarted.metadata.labels!["pod-template-hash"]}`,
      "--no-headers",
    ]);
    assert.equal(
      pods
        .trim()
        .split("\n")
        .filter((l) => /\bRunning\b/.test(l)).length,
      3,
    );
  });
});
