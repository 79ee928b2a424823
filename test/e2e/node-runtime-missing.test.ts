// A node that cannot run containers still registers, reports Ready=False with upstream's reason
// and a message saying what to install, and the rest of the cluster keeps working.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { freePort, startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

interface NodeJson {
  status: { conditions: Array<{ type: string; status: string; reason: string; message: string }> };
}

async function readyCondition(k: Kubectl, name: string) {
  return eventually(`node ${name} registered`, async () => {
    const n = JSON.parse(await k.ok(["get", "node", name, "-o", "json"])) as NodeJson;
    return n.status.conditions.find((c) => c.type === "Ready");
  });
}

describe("a node without a container runtime", () => {
  const servers: RunningServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it("with no containerd on the PATH: Ready=False, KubeletNotReady, and what to install", async () => {
    const s = await startServer({
      agent: true,
      env: { PATH: "/nonexistent" },
      args: ["--node-name", "no-runtime", "--kubelet-port", String(await freePort())],
    });
    servers.push(s);
    const k = new Kubectl(s.kubeconfig);
    const ready = await readyCondition(k, "no-runtime");
    assert.equal(ready.status, "False");
    assert.equal(ready.reason, "KubeletNotReady");
    assert.match(ready.message, /container runtime is down: containerd not found on the PATH/);
    assert.match(ready.message, /apt-get install containerd runc containernetworking-plugins/);
    assert.match(await k.ok(["get", "nodes"]), /no-runtime\s+NotReady/);
    assert.equal(s.logs().match(/this node cannot run containers/g)?.length, 1);
    // The API server and the controllers keep working; the pod waits for a node that can run it.
    await k.ok(["create", "deployment", "web", "--image=nginx"]);
    const rs = await eventually(
      "replicaset made",
      async () => (await k.ok(["get", "rs", "-o", "name"])) || undefined,
    );
    assert.match(rs, /replicaset\.apps\/web-/);
  });

  it("with a runtime endpoint nobody listens on: Ready=False with the runtime's error", async () => {
    const s = await startServer({
      agent: true,
      args: [
        "--node-name",
        "runtime-down",
        "--kubelet-port",
        String(await freePort()),
        "--container-runtime-endpoint",
        "unix:///nonexistent/containerd.sock",
      ],
    });
    servers.push(s);
    const k = new Kubectl(s.kubeconfig);
    const ready = await readyCondition(k, "runtime-down");
    assert.equal(ready.status, "False");
    assert.equal(ready.reason, "KubeletNotReady");
    assert.match(ready.message, /container runtime is down: cannot reach the container runtime/);
  });
});
