// StatefulSets with persistent storage on a real node: each replica gets its own claim, bound to a
// local-path volume (a folder under the node's --default-local-storage-path) and mounted into a
// real container, so data written there survives the pod, a scale down and up, and a rolling update.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { busyboxImage } from "../support/images.ts";
import { Kubectl } from "../support/kubectl.ts";
import { addLabHost, labHostIP, setUpLab, tearDownLab } from "../support/lab.ts";
import { startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually, eventuallyMatches } from "../support/wait.ts";

const LAB = 9;

const statefulSet = (opts: { replicas?: number; className?: string; name?: string } = {}) => `
apiVersion: v1
kind: Service
metadata:
  name: ${opts.name ?? "web"}
spec:
  clusterIP: None
  selector: {app: ${opts.name ?? "web"}}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${opts.name ?? "web"}
spec:
  serviceName: ${opts.name ?? "web"}
  replicas: ${opts.replicas ?? 3}
  selector:
    matchLabels: {app: ${opts.name ?? "web"}}
  template:
    metadata:
      labels: {app: ${opts.name ?? "web"}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo $(hostname) >> /data/log; exec sleep 3600"]
        readinessProbe:
          exec: {command: ["test", "-f", "/data/log"]}
          periodSeconds: 1
        volumeMounts:
        - {name: data, mountPath: /data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
${opts.className ? `      storageClassName: ${opts.className}\n` : ""}      resources: {requests: {storage: 10Mi}}
`;

describe("stateful workloads with storage", () => {
  let server: RunningServer;
  let registry: LocalRegistry;
  let k: Kubectl;
  let dataDir: string;
  let netns: string;
  const storage = () => join(dataDir, "storage");

  const ready = (name = "web") =>
    k.ok(["get", "sts", name, "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}"]);
  const log = (pod: string) => k.ok(["exec", pod, "--", "cat", "/data/log"]);
  const podUid = (pod: string) => k.ok(["get", "pod", pod, "-o", "jsonpath={.metadata.uid}"]).catch(() => "");

  before(async () => {
    setUpLab(LAB);
    const host = addLabHost(2, LAB);
    netns = host.netns;
    registry = await startRegistry({ address: labHostIP(LAB) });
    await registry.push("library/busybox", "latest", busyboxImage());
    dataDir = mkdtempSync(join(tmpdir(), "skiff-sts-"));
    writeFileSync(join(dataDir, "registries.yaml"), registry.registriesYaml());
    server = await startServer({
      dataDir,
      agent: true,
      netns,
      args: ["--node-ip", host.ip, "--node-name", "lab-node", "--bind-address", host.ip],
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
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await killall(dataDir, netns);
    await registry?.stop();
    tearDownLab(LAB);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("the default local-path class is there, as k3s ships it", async () => {
    const out = await k.ok(["get", "storageclass"]);
    assert.match(
      out,
      /local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/,
    );
  });

  it("a StatefulSet of 3 starts its pods in order, each with its own bound claim and folder", async () => {
    await k.ok(["apply", "-f", "-"], { input: statefulSet() });
    await eventuallyMatches(
      "3 replicas ready",
      () => ready(),
      (v) => v === "3/3",
      120_000,
    );
    const created = await k.ok([
      "get",
      "pods",
      "-l",
      "app=web",
      "--sort-by=.metadata.creationTimestamp",
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]);
    assert.equal(created, "web-0 web-1 web-2");
    const claims = await k.ok([
      "get",
      "pvc",
      "-o",
      "custom-columns=N:.metadata.name,S:.status.phase,C:.spec.storageClassName",
      "--no-headers",
    ]);
    assert.deepEqual(
      claims
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/).join(" ")),
      ["data-web-0 Bound local-path", "data-web-1 Bound local-path", "data-web-2 Bound local-path"],
    );
    for (const i of [0, 1, 2]) {
      assert.equal((await log(`web-${i}`)).trim(), `web-${i}`);
      const uid = await k.ok(["get", "pvc", `data-web-${i}`, "-o", "jsonpath={.metadata.uid}"]);
      const folder = join(storage(), `pvc-${uid}_default_data-web-${i}`);
      assert.equal(readFileSync(join(folder, "log"), "utf8").trim(), `web-${i}`);
    }
    const pv = await k.ok([
      "get",
      "pv",
      "-o",
      "jsonpath={.items[0].spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}",
    ]);
    assert.equal(pv, "lab-node");
  });

  it("each replica has its own DNS name under the headless service", async () => {
    const ip = await k.ok(["get", "pod", "web-1", "-o", "jsonpath={.status.podIP}"]);
    const r = await eventually("web-1's name", async () => {
      const out = await k.run(["exec", "web-0", "--", "nslookup", "web-1.web.default.svc.cluster.local"]);
      return out.code === 0 && out.stdout.includes(ip) ? out.stdout : undefined;
    });
    assert.match(r, new RegExp(`Address(?: 1)?:\\s+${ip.replace(/\./g, "\\.")}`));
  });

  it("deleting every pod brings each back with its name and its data", async () => {
    const before = await Promise.all([0, 1, 2].map((i) => podUid(`web-${i}`)));
    await k.ok(["delete", "pod", "-l", "app=web", "--wait=false"]);
    await eventually(
      "new pods ready",
      async () => {
        const now = await Promise.all([0, 1, 2].map((i) => podUid(`web-${i}`)));
        return now.every((u, i) => u && u !== before[i]) && (await ready()) === "3/3" ? true : undefined;
      },
      120_000,
    );
    for (const i of [0, 1, 2]) assert.equal((await log(`web-${i}`)).trim(), `web-${i}\nweb-${i}`);
  });

  it("scaling down removes the highest ordinals first and keeps their claims; scaling up gives them back", async () => {
    const watch = k.spawn([
      "get",
      "pods",
      "-l",
      "app=web",
      "-w",
      "--output-watch-events",
      "-o",
      "custom-columns=E:.type,N:.object.metadata.name",
      "--no-headers",
    ]);
    try {
      await k.ok(["scale", "sts", "web", "--replicas=1"]);
      await eventuallyMatches(
        "1 replica",
        () => ready(),
        (v) => v === "1/1",
        60_000,
      );
      await watch.waitFor((out) => /DELETED\s+web-1/.test(out), 30_000);
      const out = watch.output();
      assert.ok(out.search(/DELETED\s+web-2/) < out.search(/DELETED\s+web-1/), out);
    } finally {
      watch.proc.kill();
    }
    assert.equal(
      (await k.ok(["get", "pvc", "--no-headers"])).trim().split("\n").length,
      3,
      "claims are retained",
    );
    await k.ok(["scale", "sts", "web", "--replicas=3"]);
    await eventuallyMatches(
      "3 replicas again",
      () => ready(),
      (v) => v === "3/3",
      120_000,
    );
    assert.equal((await log("web-2")).trim(), "web-2\nweb-2\nweb-2");
  });

  it("a rolling update with a partition updates only the ordinals at or above it", async () => {
    await k.ok([
      "patch",
      "sts",
      "web",
      "-p",
      '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}',
    ]);
    await k.ok(["set", "env", "sts/web", "VERSION=2"]);
    const status = await k.ok(["rollout", "status", "sts/web", "--timeout=120s"]);
    assert.match(status, /partitioned roll out complete: 1 new pods have been updated/);
    const env = async (pod: string) =>
      k.ok(["get", "pod", pod, "-o", "jsonpath={.spec.containers[0].env[0].value}"]);
    assert.equal(await env("web-2"), "2");
    assert.equal(await env("web-1"), "");
    assert.equal(await env("web-0"), "");
    const history = await k.ok(["rollout", "history", "sts/web"]);
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    assert.equal((await log("web-2")).trim().split("\n").length, 4, "the updated pod kept its data");
  });

  it("a claim of a class that does not exist keeps its pod Pending, with upstream's event", async () => {
    await k.ok(["apply", "-f", "-"], {
      input: statefulSet({ name: "nope", replicas: 1, className: "fast" }),
    });
    const msg = await eventually(
      "the ProvisioningFailed event",
      async () =>
        (await k.ok([
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=data-nope-0,reason=ProvisioningFailed",
          "-o",
          "jsonpath={.items[0].message}",
        ])) || undefined,
    );
    assert.equal(msg, 'storageclass.storage.k8s.io "fast" not found');
    const scheduled = await eventually(
      "the FailedScheduling event",
      async () =>
        (await k.ok([
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=nope-0,reason=FailedScheduling",
          "-o",
          "jsonpath={.items[0].message}",
        ])) || undefined,
    );
    assert.match(scheduled, /0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims\./);
    assert.equal(await k.ok(["get", "pod", "nope-0", "-o", "jsonpath={.status.phase}"]), "Pending");
    await k.ok(["delete", "sts", "nope"]);
  });

  it("deleting the set and a claim releases its volume, which local-path deletes with its folder", async () => {
    const uid = await k.ok(["get", "pvc", "data-web-2", "-o", "jsonpath={.metadata.uid}"]);
    const folder = join(storage(), `pvc-${uid}_default_data-web-2`);
    assert.ok(existsSync(folder));
    await k.ok(["delete", "sts", "web"]);
    await eventually(
      "the pods gone",
      async () => ((await k.ok(["get", "pods", "-l", "app=web", "-o", "name"])) ? undefined : true),
      60_000,
    );
    await k.ok(["delete", "pvc", "data-web-2"]);
    await eventually(
      "the volume and folder gone",
      async () =>
        (await k.ok(["get", "pv", `pvc-${uid}`, "--ignore-not-found", "-o", "name"])) || existsSync(folder)
          ? undefined
          : true,
      60_000,
    );
    // The other claims and their folders stay.
    assert.equal(readdirSync(storage()).filter((d) => d.includes("data-web-")).length, 2);
  });
});
