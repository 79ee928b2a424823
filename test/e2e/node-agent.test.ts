// The node agent on real containerd: the book's chapter 3 and 4 journeys on a server's own node and
// on a second node that joined with `skiff agent`, images pulled from a real registry, pod traffic
// across nodes, exec and port-forward with every kubectl minor, and a kubelet killed and restarted.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kubiaImage, busyboxImage, batchJobImage } from "../support/images.ts";
import { Kubectl } from "../support/kubectl.ts";
import {
  addLabHost,
  HOST_IP,
  removeAgent,
  setUpLab,
  startAgent,
  tearDownLab,
  type RunningAgent,
} from "../support/lab.ts";
import { startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

const KUBIA_MANUAL = `apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
`;

// The book's kubia-liveness, with a shorter period so the test does not wait minutes.
const KUBIA_LIVENESS = `apiVersion: v1
kind: Pod
metadata:
  name: kubia-liveness
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      periodSeconds: 1
      failureThreshold: 2
`;

interface PodJson {
  status: {
    phase: string;
    podIP?: string;
    containerStatuses?: Array<{
      ready: boolean;
      restartCount: number;
      containerID?: string;
      state: { running?: { startedAt: string }; waiting?: { reason: string; message?: string } };
      lastState: { terminated?: { exitCode: number; reason: string } };
    }>;
  };
  spec: { nodeName?: string };
}

// Short failure timings so that a killed agent's pods move within the test (defaults: 40 s, 300 s).
const serverArgs = [
  "--bind-address",
  "0.0.0.0",
  "--node-ip",
  HOST_IP,
  "--node-name",
  "server1",
  "--node-monitor-grace-period",
  "8s",
  // Renewed every 2 s, so that a healthy node never goes 8 s without a heartbeat.
  "--node-lease-duration-seconds",
  "8",
  "--default-not-ready-toleration-seconds",
  "3",
  "--default-unreachable-toleration-seconds",
  "3",
];

const INIT_AND_VOLUMES = `apiVersion: v1
kind: Pod
metadata:
  name: volumes
spec:
  initContainers:
  - name: init
    image: busybox
    command: ["sh", "-c", "echo written by init > /work/init.txt"]
    volumeMounts:
    - {name: work, mountPath: /work}
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "cat /work/init.txt; cat /config/greeting; echo; echo env=$GREETING; echo pod=$POD_NAME; sleep 3600"]
    env:
    - name: GREETING
      valueFrom: {configMapKeyRef: {name: greeting, key: greeting}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    volumeMounts:
    - {name: work, mountPath: /work}
    - {name: config, mountPath: /config}
  volumes:
  - name: work
    emptyDir: {}
  - name: config
    configMap: {name: greeting}
`;

const READINESS = `apiVersion: v1
kind: Pod
metadata:
  name: readiness
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    readinessProbe:
      exec:
        command: ["ls", "/var/ready"]
      periodSeconds: 1
`;

describe("node agent on containerd", { timeout: 600_000 }, () => {
  let registry: LocalRegistry;
  let server: RunningServer;
  let dataDir: string;
  let k: Kubectl;
  const dir = mkdtempSync(join(tmpdir(), "skiff-node-e2e-"));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const pod = async (name: string): Promise<PodJson> =>
    JSON.parse(await k.ok(["get", "pod", name, "-o", "json"])) as PodJson;
  const running = (name: string) =>
    eventually(
      `${name} running and ready`,
      async () => {
        const p = await pod(name);
        return p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
      },
      60_000,
    );

  before(async () => {
    setUpLab();
    registry = await startRegistry({ address: HOST_IP });
    await registry.push("luksa/kubia", "latest", kubiaImage());
    await registry.push("luksa/kubia-unhealthy", "latest", kubiaImage({ unhealthy: true }));
    await registry.push("library/busybox", "latest", busyboxImage());
    await registry.push("luksa/batch-job", "latest", batchJobImage(1));
    dataDir = mkdtempSync(join(tmpdir(), "skiff-node-server-"));
    writeFileSync(join(dataDir, "registries.yaml"), registry.registriesYaml());
    server = await startServer({
      dataDir,
      agent: true,
      args: serverArgs,
    });
    k = new Kubectl(server.kubeconfig);
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await killall(dataDir);
    await registry?.stop();
    tearDownLab();
    rmSync(dir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("the server's own node registers Ready, with containerd, a podCIDR and the machine's capacity", async () => {
    const node = await eventually("node server1 Ready", async () => {
      const n = JSON.parse(await k.ok(["get", "node", "server1", "-o", "json"])) as {
        spec: { podCIDR?: string };
        metadata: { labels: Record<string, string> };
        status: {
          conditions: Array<{ type: string; status: string; reason: string }>;
          nodeInfo: { containerRuntimeVersion: string; kubeletVersion: string };
          capacity: Record<string, string>;
          addresses: Array<{ type: string; address: string }>;
          images?: Array<{ names: string[] }>;
        };
      };
      return n.status.conditions.find((c) => c.type === "Ready")?.status === "True" && n.spec.podCIDR
        ? n
        : undefined;
    });
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\./);
    assert.equal(node.spec.podCIDR, "10.42.0.0/24");
    assert.equal(node.metadata.labels["node-role.kubernetes.io/control-plane"], "true");
    assert.equal(node.metadata.labels["kubernetes.io/hostname"], "server1");
    assert.ok(Number(node.status.capacity.cpu) >= 1);
    assert.match(node.status.capacity.memory, /^\d+Ki$/);
    assert.deepEqual(
      node.status.addresses.find((a) => a.type === "InternalIP"),
      { type: "InternalIP", address: HOST_IP },
    );
    for (const t of ["MemoryPressure", "DiskPressure", "PIDPressure"])
      assert.equal(node.status.conditions.find((c) => c.type === t)?.status, "False", t);
    const lease = JSON.parse(
      await k.ok(["get", "lease", "server1", "-n", "kube-node-lease", "-o", "json"]),
    ) as { spec: { holderIdentity: string; leaseDurationSeconds: number } };
    assert.equal(lease.spec.holderIdentity, "server1");
    assert.equal(lease.spec.leaseDurationSeconds, 8, "--node-lease-duration-seconds");
  });

  it("kubectl create -f kubia-manual.yaml runs the pod; logs print the server's start line", async () => {
    await k.ok(["create", "-f", file("kubia-manual.yaml", KUBIA_MANUAL)]);
    const p = await running("kubia-manual");
    assert.equal(p.status.phase, "Running");
    assert.match(p.status.podIP ?? "", /^10\.42\.0\.\d+$/);
    assert.match(p.status.containerStatuses![0].containerID ?? "", /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal((await k.ok(["logs", "kubia-manual"])).split("\n")[0], "Kubia server starting...");
    assert.equal(
      (await k.ok(["logs", "kubia-manual", "-c", "kubia"])).split("\n")[0],
      "Kubia server starting...",
    );
    const events = await k.ok(["get", "events", "--field-selector", "involvedObject.name=kubia-manual"]);
    for (const reason of ["Scheduled", "Pulling", "Pulled", "Created", "Started"])
      assert.match(events, new RegExp(reason));
    // The node itself reaches the pod on its IP.
    const res = await fetch(`http://${p.status.podIP}:8080/`);
    assert.equal(await res.text(), "You've hit kubia-manual\n");
  });

  for (const minor of [27, 30, 31, 32, 33])
    it(`kubectl 1.${minor} port-forward kubia-manual reaches the pod's port`, async () => {
      const kx = new Kubectl(server.kubeconfig, minor);
      const local = 18000 + minor;
      const pf = kx.run(["port-forward", "kubia-manual", `${local}:8080`], { timeoutMs: 30_000 });
      try {
        const text = await eventually("port-forward answering", async () => {
          const r = await fetch(`http://127.0.0.1:${local}/`);
          return r.text();
        });
        assert.equal(text, "You've hit kubia-manual\n");
        // A second connection through the same forward.
        assert.equal(await (await fetch(`http://127.0.0.1:${local}/`)).text(), "You've hit kubia-manual\n");
      } finally {
        execFileSync("pkill", ["-f", `port-forward kubia-manual ${local}:8080`]);
        await pf.catch(() => undefined);
      }
    });

  for (const minor of [27, 28, 29, 30, 31, 32, 33])
    it(`kubectl 1.${minor} exec runs a command in the pod, with its output and exit code`, async () => {
      const kx = new Kubectl(server.kubeconfig, minor);
      const r = await kx.run([
        "exec",
        "kubia-manual",
        "--",
        "sh",
        "-c",
        "echo out $(hostname); echo err >&2; exit 3",
      ]);
      assert.equal(r.stdout, "out kubia-manual\n");
      assert.match(r.stderr, /^err\n/);
      assert.match(r.stderr, /command terminated with exit code 3/);
      assert.equal(r.code, 3);
      const piped = await kx.run(["exec", "-i", "kubia-manual", "--", "cat"], { input: "through stdin\n" });
      assert.equal(piped.stdout, "through stdin\n");
      assert.equal(piped.code, 0);
    });

  it("exec of a missing program and into a missing container fail as upstream says", async () => {
    const r = await k.run(["exec", "kubia-manual", "--", "nosuch"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /executable file not found in \$PATH/);
    const c = await k.run(["exec", "kubia-manual", "-c", "nope", "--", "true"]);
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /container nope is not valid for pod kubia-manual/);
  });

  it("a failing liveness probe kills the container (exit code 137) and restarts it; logs --previous show the old one", async () => {
    await k.ok(["create", "-f", file("kubia-liveness.yaml", KUBIA_LIVENESS)]);
    await running("kubia-liveness");
    // The probe itself is the sixth request onwards: the app turns unhealthy by itself.
    const p = await eventually(
      "kubia-liveness restarted",
      async () => {
        const x = await pod("kubia-liveness");
        const cs = x.status.containerStatuses?.[0];
        return cs && cs.restartCount >= 1 && cs.lastState.terminated ? x : undefined;
      },
      90_000,
    );
    const last = p.status.containerStatuses![0].lastState.terminated!;
    assert.equal(last.exitCode, 137);
    assert.equal(last.reason, "Error");
    const describe = await k.ok(["describe", "pod", "kubia-liveness"]);
    assert.match(describe, /Exit Code:\s+137/);
    assert.match(describe, /Liveness probe failed: HTTP probe failed with statuscode: 500/);
    assert.match(describe, /Container kubia failed liveness probe, will be restarted/);
    const previous = await k.ok(["logs", "kubia-liveness", "--previous"]);
    assert.match(previous, /^Kubia server starting\.\.\./);
    await k.ok(["delete", "pod", "kubia-liveness", "--wait=false"]);
  });

  it("an image that cannot be pulled shows ErrImagePull, then ImagePullBackOff, with the registry's reason", async () => {
    await k.ok(["run", "nosuch", "--image=luksa/nosuch:1.0", "--restart=Never"]);
    const reason = await eventually("pull failure", async () => {
      const w = (await pod("nosuch")).status.containerStatuses?.[0].state.waiting;
      return w && /ErrImagePull|ImagePullBackOff/.test(w.reason) ? w : undefined;
    });
    assert.ok(reason);
    const events = await k.ok(["get", "events", "--field-selector", "involvedObject.name=nosuch"]);
    assert.match(events, /Failed to pull image "luksa\/nosuch:1.0"/);
    await k.ok(["delete", "pod", "nosuch", "--wait=false"]);
  });

  it("a command that does not exist fails the container with upstream's reason", async () => {
    await k.ok(["run", "badcmd", "--image=busybox", "--restart=Never", "--command", "--", "/no/such/binary"]);
    const w = await eventually("start failure", async () => {
      const cs = (await pod("badcmd")).status.containerStatuses?.[0];
      const waiting = cs?.state.waiting;
      const term = (cs?.state as { terminated?: { reason: string; message?: string } } | undefined)
        ?.terminated;
      return term ?? (waiting && waiting.reason !== "ContainerCreating" ? waiting : undefined);
    });
    assert.match(`${w.reason} ${w.message ?? ""}`, /StartError|RunContainerError|CreateContainerError/);
    assert.match(w.message ?? "", /no such file or directory/);
    await k.ok(["delete", "pod", "badcmd", "--wait=false"]);
  });

  it("a pod that runs to completion is Succeeded with exit code 0", async () => {
    await k.ok(["run", "batch", "--image=luksa/batch-job", "--restart=Never"]);
    const p = await eventually(
      "batch done",
      async () => {
        const x = await pod("batch");
        return x.status.phase === "Succeeded" ? x : undefined;
      },
      60_000,
    );
    assert.equal(
      (p.status.containerStatuses![0].state as { terminated?: { exitCode: number } }).terminated?.exitCode,
      0,
    );
    assert.match(await k.ok(["logs", "batch"]), /Finished succesfully/);
    await k.ok(["delete", "pod", "batch"]);
  });

  it("the kubelet API on port 10250 refuses callers without the API server's client certificate", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: HOST_IP, port: 10250, path: "/pods", rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 401);
  });

  it("killing the server with SIGKILL and starting it again restarts no container", async () => {
    const before = (await pod("kubia-manual")).status.containerStatuses![0];
    assert.ok(before.state.running);
    await server.stop("SIGKILL");
    server = await startServer({
      dataDir,
      agent: true,
      port: server.port,
      args: serverArgs,
    });
    k = new Kubectl(server.kubeconfig);
    // Give the new kubelet time to relist and sync the pod it found.
    await new Promise((r) => setTimeout(r, 3000));
    const after = (await running("kubia-manual")).status.containerStatuses![0];
    assert.equal(after.restartCount, 0);
    assert.equal(after.containerID, before.containerID);
    assert.equal(after.state.running?.startedAt, before.state.running?.startedAt);
    // The kubelet API opens once the new agent has its runtime and informers: a loaded machine
    // can take longer than the fixed wait above.
    const out = await eventually("the kubelet API answers exec", async () => {
      const r = await k.run(["exec", "kubia-manual", "--", "hostname"]);
      return r.code === 0 ? r.stdout : undefined;
    });
    assert.equal(out, "kubia-manual\n");
  });

  it("kubectl run -i --rm attaches to the container, prints its output and deletes the pod", async () => {
    const r = await k.run(
      [
        "run",
        "once",
        "-i",
        "--rm",
        "--restart=Never",
        "--image=busybox",
        "--",
        "sh",
        "-c",
        "read x; echo got $x",
      ],
      {
        input: "hello\n",
      },
    );
    assert.match(r.stdout, /got hello/);
    assert.match(r.stdout + r.stderr, /pod "once" deleted/);
    assert.equal(r.code, 0);
  });

  it("init containers run first; emptyDir, configMap volumes and env from a configMap and the downward API reach the container", async () => {
    await k.ok(["create", "configmap", "greeting", "--from-literal=greeting=hi there"]);
    await k.ok(["create", "-f", file("volumes.yaml", INIT_AND_VOLUMES)]);
    await running("volumes");
    const logs = await eventually("main's output", async () => {
      const l = await k.ok(["logs", "volumes", "-c", "main"]);
      return l.includes("pod=") ? l : undefined;
    });
    assert.equal(logs, "written by init\nhi there\nenv=hi there\npod=volumes\n");
    // A changed configMap reaches the mounted file (upstream: within the kubelet's sync period).
    await k.ok(["patch", "configmap", "greeting", "-p", '{"data":{"greeting":"changed"}}']);
    await eventually(
      "the mounted file changed",
      async () =>
        (await k.ok(["exec", "volumes", "--", "cat", "/config/greeting"])) === "changed" ? true : undefined,
      90_000,
    );
    await k.ok(["delete", "pod", "volumes", "--grace-period=1", "--wait=false"]);
  });

  it("a readiness probe keeps the pod unready until the file it looks for exists", async () => {
    await k.ok(["create", "-f", file("readiness.yaml", READINESS)]);
    await eventually("readiness running", async () =>
      (await pod("readiness")).status.phase === "Running" ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await pod("readiness")).status.containerStatuses![0].ready, false);
    await k.ok(["exec", "readiness", "--", "touch", "/var/ready"]);
    await running("readiness");
    await k.ok(["delete", "pod", "readiness", "--grace-period=1", "--wait=false"]);
  });

  it("kubectl delete pod stops its containers and the pod goes", async () => {
    const id = (await pod("kubia-manual")).status.containerStatuses![0].containerID!.replace(
      "containerd://",
      "",
    );
    await k.ok(["delete", "pod", "kubia-manual", "--grace-period=1"]);
    const ps = execFileSync("ps", ["-eo", "args"]).toString();
    assert.doesNotMatch(ps, new RegExp(`-id ${id}`));
    const r = await k.run(["get", "pod", "kubia-manual"]);
    assert.match(r.stderr, /NotFound/);
  });

  describe("a second node joined with skiff agent", () => {
    let agent: RunningAgent;
    let netns: string;

    before(() => {
      const host = addLabHost(2);
      netns = host.netns;
      const agentDir = mkdtempSync(join(tmpdir(), "skiff-node-agent-"));
      writeFileSync(join(agentDir, "registries.yaml"), registry.registriesYaml());
      agent = startAgent({
        netns,
        server: `https://${HOST_IP}:${server.port}`,
        token: readFileSync(join(dataDir, "token"), "utf8").trim(),
        nodeName: "agent1",
        nodeIP: host.ip,
        dataDir: agentDir,
        args: ["--node-lease-duration-seconds", "8"],
      });
    });

    after(async () => {
      if (agent) await removeAgent(agent, netns);
    });

    it("joins with the token and registers Ready with a podCIDR of its own", async () => {
      const n = await eventually(
        "agent1 Ready",
        async () => {
          const x = JSON.parse(await k.ok(["get", "node", "agent1", "-o", "json"])) as {
            spec: { podCIDR?: string };
            status: { conditions: Array<{ type: string; status: string }> };
          };
          return x.status.conditions.find((c) => c.type === "Ready")?.status === "True" ? x : undefined;
        },
        30_000,
      );
      assert.equal(n.spec.podCIDR, "10.42.1.0/24");
      assert.match(await k.ok(["get", "nodes"]), /agent1\s+Ready\s+<none>/);
    });

    it("a deployment spreads over both nodes; pods reach each other across nodes", async () => {
      await k.ok(["create", "deployment", "kubia", "--image=luksa/kubia", "--replicas=4"]);
      const pods = await eventually(
        "four kubia pods ready on two nodes",
        async () => {
          const list = JSON.parse(await k.ok(["get", "pods", "-l", "app=kubia", "-o", "json"])) as {
            items: Array<PodJson & { metadata: { name: string } }>;
          };
          const ready = list.items.filter((p) => p.status.containerStatuses?.[0]?.ready);
          const nodes = new Set(ready.map((p) => p.spec.nodeName));
          return ready.length === 4 && nodes.size === 2 ? ready : undefined;
        },
        60_000,
      );
      const onAgent = pods.find((p) => p.spec.nodeName === "agent1")!;
      const onServer = pods.find((p) => p.spec.nodeName === "server1")!;
      assert.match(onAgent.status.podIP ?? "", /^10\.42\.1\./);
      // Both directions, through the host-gw routes; exec and logs reach the agent's kubelet.
      assert.equal(
        await k.ok([
          "exec",
          onServer.metadata.name,
          "--",
          "curl",
          "-s",
          `http://${onAgent.status.podIP}:8080`,
        ]),
        `You've hit ${onAgent.metadata.name}\n`,
      );
      assert.equal(
        await k.ok([
          "exec",
          onAgent.metadata.name,
          "--",
          "curl",
          "-s",
          `http://${onServer.status.podIP}:8080`,
        ]),
        `You've hit ${onServer.metadata.name}\n`,
      );
      assert.match(
        await k.ok(["logs", onAgent.metadata.name]),
        /^Kubia server starting\.\.\.\n.*10\.42\.0\./m,
      );
      assert.equal(
        await (await fetch(`http://${onAgent.status.podIP}:8080/`)).text(),
        `You've hit ${onAgent.metadata.name}\n`,
      );
    });

    it("the server's kubelet API refuses the agent's node identity (403), as it refuses no certificate (401)", async () => {
      const call = (tls: { cert?: string; key?: string }) =>
        new Promise<{ code: number; body: string }>((resolve, reject) => {
          const req = request(
            { host: HOST_IP, port: 10250, path: "/pods", rejectUnauthorized: false, ...tls },
            (res) => {
              let body = "";
              res.on("data", (d: Buffer) => (body += d.toString()));
              res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.end();
        });
      const a = join(agent.dataDir, "agent");
      const asNode = await call({
        cert: readFileSync(join(a, "client-kubelet.crt"), "utf8"),
        key: readFileSync(join(a, "client-kubelet.key"), "utf8"),
      });
      assert.equal(asNode.code, 403);
      assert.match(
        asNode.body,
        /Forbidden \(user=system:node:agent1, verb=get, resource=nodes, subresource=proxy\)/,
      );
      assert.equal((await call({})).code, 401);
    });

    it("killing the agent with SIGKILL moves its pods to the server's node once the grace period and tolerations pass", async () => {
      await agent.stop("SIGKILL");
      await eventually(
        "agent1 NotReady",
        async () => ((await k.ok(["get", "node", "agent1"])).match(/agent1\s+NotReady/) ? true : undefined),
        30_000,
      );
      await eventually(
        "all four kubia pods ready on server1",
        async () => {
          const list = JSON.parse(await k.ok(["get", "pods", "-l", "app=kubia", "-o", "json"])) as {
            items: Array<PodJson & { metadata: { deletionTimestamp?: string } }>;
          };
          const live = list.items.filter(
            (p) => !p.metadata.deletionTimestamp && p.spec.nodeName === "server1",
          );
          return live.filter((p) => p.status.containerStatuses?.[0]?.ready).length === 4 ? true : undefined;
        },
        90_000,
      ).catch(async (e: unknown) => {
        // This step has timed out now and then under load: say where the pods stood.
        const pods = await k.run(["get", "pods", "-o", "wide"]);
        const events = await k.run(["get", "events", "--sort-by=.lastTimestamp"]);
        throw new Error(
          `${(e as Error).message}\npods:\n${pods.stdout}\nevents:\n${events.stdout.split("\n").slice(-25).join("\n")}\nserver log:\n${server.logs().slice(-3000)}`,
        );
      });
    });

    it("an agent with a wrong token says so and exits", async () => {
      const bad = startAgent({
        netns,
        server: `https://${HOST_IP}:${server.port}`,
        token: "K10" + "0".repeat(64) + "::server:nope",
        nodeName: "agent-bad",
        nodeIP: "10.99.0.2",
      });
      const code = await new Promise<number | null>((r) => bad.proc.once("exit", (c) => r(c)));
      assert.equal(code, 1);
      assert.match(bad.logs(), /the server's CA does not match the join token's hash/);
      rmSync(bad.dataDir, { recursive: true, force: true });
    });
  });
});
