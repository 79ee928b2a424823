// More of what pods do on a real node (containerd, runc, CNI), on a server in a network namespace
// of its own: the book's kubia-liveness with its real timings, secrets and projected volumes,
// CrashLoopBackOff, OOMKilled, hostPort, attach, cp, exec with a terminal that resizes,
// port-forward to a service, private images with imagePullSecrets, air-gap images beside a broken
// tarball, and a node whose registries.yaml is garbage.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dockerArchive } from "../../src/kubelet/images/image-builder.ts";
import { batchJobImage, busyboxImage, kubiaImage, ssdMonitorImage } from "../support/images.ts";
import { Kubectl } from "../support/kubectl.ts";
import {
  addLabHost,
  labHostIP,
  removeAgent,
  setUpLab,
  startAgent,
  tearDownLab,
  type RunningAgent,
} from "../support/lab.ts";
import { startAuthProxy, startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

const LAB = 3;

// Chapter 4's kubia-liveness.yaml as the book prints it: default period (10 s), threshold (3) and
// grace period (30 s), so the restart comes when it comes in the book.
const KUBIA_LIVENESS = `apiVersion: v1
kind: Pod
metadata:
  name: kubia-liveness
spec:
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
      httpGet:
        path: /
        port: 8080
`;

interface ContainerStatusJson {
  name: string;
  ready: boolean;
  restartCount: number;
  state: {
    running?: { startedAt: string };
    waiting?: { reason: string; message?: string };
    terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
  };
  lastState: { terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string } };
}
interface PodJson {
  status: { phase: string; podIP?: string; containerStatuses?: ContainerStatusJson[] };
}

describe("pods on a real node: volumes, restarts, limits, ports and streams", { timeout: 900_000 }, () => {
  let registry: LocalRegistry;
  let proxy: Awaited<ReturnType<typeof startAuthProxy>>;
  let server: RunningServer;
  let netns: string;
  let nodeIP: string;
  let dataDir: string;
  let k: Kubectl;
  let livenessCreatedAt = 0;
  const dir = mkdtempSync(join(tmpdir(), "skiff-workloads-"));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const apply = (name: string, yaml: string) => k.ok(["apply", "-f", file(`${name}.yaml`, yaml)]);
  const pod = async (name: string): Promise<PodJson> =>
    JSON.parse(await k.ok(["get", "pod", name, "-o", "json"])) as PodJson;
  const running = (name: string, timeoutMs = 60_000) =>
    eventually(
      `${name} running and ready`,
      async () => {
        const p = await pod(name);
        return p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
      },
      timeoutMs,
    );
  const events = (name: string) =>
    k.ok([
      "get",
      "events",
      "--field-selector",
      `involvedObject.name=${name}`,
      "-o",
      "custom-columns=R:.reason,M:.message",
    ]);

  before(async () => {
    setUpLab(LAB);
    const host = addLabHost(2, LAB);
    netns = host.netns;
    nodeIP = host.ip;
    registry = await startRegistry({ address: labHostIP(LAB) });
    await registry.push("luksa/kubia", "latest", kubiaImage());
    await registry.push("luksa/kubia-unhealthy", "latest", kubiaImage({ unhealthy: true }));
    await registry.push("library/busybox", "latest", busyboxImage());
    await registry.push("luksa/ssd-monitor", "latest", ssdMonitorImage());
    await registry.push("private/batch-job", "1", batchJobImage(3600));
    proxy = await startAuthProxy(registry, {
      address: labHostIP(LAB),
      username: "learner",
      password: "s3cret",
    });
    dataDir = mkdtempSync(join(tmpdir(), "skiff-workloads-server-"));
    writeFileSync(
      join(dataDir, "registries.yaml"),
      `mirrors:\n  docker.io:\n    endpoint:\n      - "${registry.url}"\n  "${proxy.host}":\n    endpoint:\n      - "${proxy.url}"\n`,
    );
    // The air-gap folder: one good archive, one that is not an image at all.
    mkdirSync(join(dataDir, "agent", "images"), { recursive: true });
    writeFileSync(
      join(dataDir, "agent", "images", "airgap.tar"),
      dockerArchive(busyboxImage(), ["docker.io/skiff/airgap:1"]),
    );
    writeFileSync(join(dataDir, "agent", "images", "broken.tar"), "this is not a tarball\n".repeat(100));
    server = await startServer({
      dataDir,
      agent: true,
      netns,
      // A shorter --sync-frequency than upstream's minute, so the secret update lands sooner.
      args: [
        "--bind-address",
        nodeIP,
        "--node-ip",
        nodeIP,
        "--node-name",
        "lab-node",
        "--sync-frequency",
        "15s",
      ],
    });
    k = new Kubectl(server.kubeconfig);
    await eventually("the node Ready", async () => {
      const out = await k.ok([
        "get",
        "node",
        "lab-node",
        "-o",
        "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
      ]);
      return out === "True" ? out : undefined;
    });
    // Started first: the book's timings take about two minutes, checked by the last test.
    await k.ok(["create", "-f", file("kubia-liveness.yaml", KUBIA_LIVENESS)]);
    livenessCreatedAt = Date.now();
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await killall(dataDir, netns);
    await proxy?.stop();
    await registry?.stop();
    tearDownLab(LAB);
    rmSync(dir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("images in the air-gap folder are imported; a broken archive is reported by name and skipped", async () => {
    await k.ok([
      "run",
      "airgap",
      "--image=skiff/airgap:1",
      "--image-pull-policy=Never",
      "--",
      "sleep",
      "3600",
    ]);
    await running("airgap");
    assert.match(server.logs(), /image archive skipped: it could not be imported.*broken\.tar/);
  });

  it("a pod gets its service account's token, the cluster CA and its namespace, and the token authenticates as the account", async () => {
    await apply(
      "sa-pod",
      `apiVersion: v1
kind: Pod
metadata:
  name: sa-pod
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
`,
    );
    await running("sa-pod");
    const spec = JSON.parse(await k.ok(["get", "pod", "sa-pod", "-o", "jsonpath={.spec}"]));
    const volume = spec.volumes.find((v: any) => /^kube-api-access-[a-z0-9]{5}$/.test(v.name));
    assert.ok(volume, JSON.stringify(spec.volumes));
    assert.deepEqual(spec.containers[0].volumeMounts, [
      { name: volume.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
    ]);
    const cat = (f: string) =>
      k.ok(["exec", "sa-pod", "--", "cat", `/var/run/secrets/kubernetes.io/serviceaccount/${f}`]);
    assert.equal(await cat("namespace"), "default");
    assert.equal(await cat("ca.crt"), readFileSync(join(dataDir, "tls", "ca.crt"), "utf8"));
    const token = await cat("token");
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    assert.equal(claims.sub, "system:serviceaccount:default:default");
    assert.equal(claims["kubernetes.io"].pod.name, "sa-pod");
    const asPod = await new Kubectl("/nonexistent").ok([
      // The server listens in the lab's network namespace, on the node's address.
      `--server=${server.url.replace("127.0.0.1", nodeIP)}`,
      `--certificate-authority=${join(dataDir, "tls", "ca.crt")}`,
      `--token=${token}`,
      "auth",
      "whoami",
    ]);
    assert.match(asPod, /Username\s+system:serviceaccount:default:default/);
    // Opting out: no volume, no mount.
    await apply(
      "no-sa-token",
      `apiVersion: v1
kind: Pod
metadata:
  name: no-sa-token
spec:
  automountServiceAccountToken: false
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
`,
    );
    const bare = JSON.parse(await k.ok(["get", "pod", "no-sa-token", "-o", "jsonpath={.spec}"]));
    assert.equal(bare.volumes, undefined);
    await k.ok(["delete", "pod", "sa-pod", "no-sa-token", "--grace-period=1"]);
  });

  it("secret, projected and subPath volumes and secret env vars reach the container; a secret update reaches the file", async () => {
    await k.ok([
      "create",
      "secret",
      "generic",
      "creds",
      "--from-literal=username=admin",
      "--from-literal=password=hunter2",
    ]);
    await k.ok([
      "create",
      "configmap",
      "settings",
      "--from-literal=greeting=hello",
      "--from-literal=motd=welcome",
    ]);
    await apply(
      "secrets",
      `apiVersion: v1
kind: Pod
metadata:
  name: secrets
  labels: {app: secrets, tier: backend}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    env:
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    volumeMounts:
    - {name: creds, mountPath: /etc/creds}
    - {name: all, mountPath: /etc/all}
    - {name: settings, mountPath: /etc/motd.txt, subPath: motd}
  volumes:
  - name: creds
    secret:
      secretName: creds
      defaultMode: 0400
      items:
      - {key: username, path: user.txt}
  - name: all
    projected:
      sources:
      - secret: {name: creds, items: [{key: password, path: secret/password}]}
      - configMap: {name: settings, items: [{key: greeting, path: greeting}]}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  - name: settings
    configMap: {name: settings}
`,
    );
    await running("secrets");
    const sh = (script: string) => k.ok(["exec", "secrets", "--", "sh", "-c", script]);
    assert.equal(await sh("cat /etc/creds/user.txt"), "admin");
    assert.match(await sh("ls -lL /etc/creds/user.txt"), /^-r-------- /);
    assert.equal(await sh("ls /etc/creds"), "user.txt\n");
    assert.equal(await sh("echo $PASSWORD"), "hunter2\n");
    assert.equal(await sh("cat /etc/all/secret/password"), "hunter2");
    assert.equal(await sh("cat /etc/all/greeting"), "hello");
    assert.match(await sh("cat /etc/all/labels"), /app="secrets"\ntier="backend"/);
    assert.equal(await sh("cat /etc/motd.txt"), "welcome");
    // Secrets live in memory, never on the node's disk (upstream's secret plugin uses tmpfs).
    assert.match(await sh("mount"), /tmpfs on \/etc\/creds type tmpfs/);
    await k.ok(["patch", "secret", "creds", "-p", JSON.stringify({ stringData: { username: "root" } })]);
    await eventually(
      "the updated secret in the file",
      async () => ((await sh("cat /etc/creds/user.txt")) === "root" ? true : undefined),
      90_000,
    );
  });

  it("a volume whose secret does not exist keeps the pod ContainerCreating with a FailedMount event", async () => {
    await apply(
      "nosecret",
      `apiVersion: v1
kind: Pod
metadata: {name: nosecret}
spec:
  containers:
  - {name: main, image: busybox, command: ["sleep", "3600"], volumeMounts: [{name: s, mountPath: /s}]}
  volumes:
  - {name: s, secret: {secretName: nope}}
`,
    );
    const ev = await eventually("FailedMount", async () => {
      const out = await events("nosecret");
      return /FailedMount/.test(out) ? out : undefined;
    });
    assert.match(ev, /MountVolume.SetUp failed for volume "s" : secret "nope" not found/);
    const p = await pod("nosecret");
    assert.equal(p.status.phase, "Pending");
    assert.equal(p.status.containerStatuses?.[0].state.waiting?.reason, "ContainerCreating");
    await k.ok(["delete", "pod", "nosecret", "--wait=false"]);
  });

  it("a container that keeps failing goes into CrashLoopBackOff, waiting 10 s and then 20 s between restarts", async () => {
    await k.ok(["run", "crash", "--image=busybox", "--", "sh", "-c", "echo crashing; exit 1"]);
    const p = await eventually(
      "two restarts",
      async () => {
        const x = await pod("crash");
        const cs = x.status.containerStatuses?.[0];
        return cs && cs.restartCount >= 2 && cs.state.waiting?.reason === "CrashLoopBackOff" ? x : undefined;
      },
      120_000,
    );
    const cs = p.status.containerStatuses![0];
    assert.equal(cs.lastState.terminated?.exitCode, 1);
    assert.equal(cs.lastState.terminated?.reason, "Error");
    assert.match(await k.ok(["get", "pod", "crash"]), /crash\s+0\/1\s+CrashLoopBackOff\s+2/);
    assert.match(
      await events("crash"),
      /BackOff\s+Back-off restarting failed container crash in pod crash_default/,
    );
    // The back-off between the second and the third restart (20 s): from the last exit to the next start.
    const thirdStart = await eventually(
      "the third restart",
      async () => {
        const x = (await pod("crash")).status.containerStatuses![0];
        if (x.restartCount < 3) return undefined;
        // Running or just exited, or exited and waiting again (then lastState is this run).
        return (
          x.state.running?.startedAt ?? x.state.terminated?.startedAt ?? x.lastState.terminated?.startedAt
        );
      },
      60_000,
    );
    const gap = Date.parse(thirdStart) - Date.parse(cs.lastState.terminated!.finishedAt);
    assert.ok(gap >= 19_000 && gap < 35_000, `second back-off was ${gap} ms, upstream waits 20 s`);
    assert.equal(await k.ok(["logs", "crash", "--previous"]), "crashing\n");
    await k.ok(["delete", "pod", "crash", "--wait=false"]);
  });

  it("a container over its memory limit ends OOMKilled with exit code 137", async () => {
    await apply(
      "oom",
      `apiVersion: v1
kind: Pod
metadata: {name: oom}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]
    resources:
      limits: {memory: 16Mi}
`,
    );
    const t = await eventually("the container terminated", async () => {
      const x = (await pod("oom")).status.containerStatuses?.[0].state.terminated;
      return x;
    });
    assert.equal(t.reason, "OOMKilled");
    assert.equal(t.exitCode, 137);
    assert.equal((await pod("oom")).status.phase, "Failed");
    assert.match(await k.ok(["get", "pod", "oom"]), /oom\s+0\/1\s+OOMKilled/);
  });

  it("a hostPort answers on the node's address; a second pod wanting it is not scheduled there", async () => {
    await apply(
      "hostport",
      `apiVersion: v1
kind: Pod
metadata: {name: kubia-hostport}
spec:
  containers:
  - name: kubia
    image: luksa/kubia
    ports:
    - {containerPort: 8080, hostPort: 18080, protocol: TCP}
`,
    );
    await running("kubia-hostport");
    const text = await eventually("the hostPort answering", async () =>
      (await fetch(`http://${nodeIP}:18080/`)).text(),
    );
    assert.equal(text, "You've hit kubia-hostport\n");
    await apply(
      "hostport2",
      readFileSync(join(dir, "hostport.yaml"), "utf8").replace(
        "name: kubia-hostport",
        "name: kubia-hostport2",
      ),
    );
    const ev = await eventually("FailedScheduling", async () => {
      const out = await events("kubia-hostport2");
      return /FailedScheduling/.test(out) ? out : undefined;
    });
    assert.match(ev, /didn't have free ports for the requested pod ports/);
    await k.ok(["delete", "pod", "kubia-hostport2", "--wait=false"]);
  });

  for (const minor of [29, 33])
    it(`kubectl 1.${minor} attach streams a running container's output`, async () => {
      if (minor === 29) {
        await k.ok(["run", "ssd", "--image=luksa/ssd-monitor"]);
        await running("ssd");
      }
      const att = new Kubectl(server.kubeconfig, minor).spawn(["attach", "ssd"]);
      try {
        await att.waitFor((out) => out.includes("SSD OK"), 15_000);
      } finally {
        att.stop();
      }
    });

  it("kubectl cp copies a file into the pod and one out of it", async () => {
    await running("airgap");
    const local = file("to-pod.txt", "copied in\n");
    await k.ok(["cp", local, "airgap:/tmp/in.txt"]);
    assert.equal(await k.ok(["exec", "airgap", "--", "cat", "/tmp/in.txt"]), "copied in\n");
    await k.ok(["exec", "airgap", "--", "sh", "-c", "echo made in the pod > /tmp/out.txt"]);
    const out = join(dir, "from-pod.txt");
    await k.ok(["cp", "airgap:/tmp/out.txt", out]);
    assert.equal(readFileSync(out, "utf8"), "made in the pod\n");
  });

  it("exec -it runs a shell on a real terminal that follows resizes, and returns its exit code", async () => {
    // script(1) gives kubectl a pseudo-terminal; stty sets its size before kubectl starts.
    const kubectl = `${k.binary} --kubeconfig ${server.kubeconfig}`;
    const p = spawn(
      "script",
      ["-qfec", `stty rows 40 cols 100; exec ${kubectl} exec -it airgap -- sh`, "/dev/null"],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, HOME: dir, TERM: "xterm" },
      },
    );
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    const seen = (re: RegExp) =>
      eventually(`${re} on the terminal`, () => Promise.resolve(re.test(out) ? true : undefined), 20_000);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      p.stdin.write("stty size\n");
      await seen(/40 100\r?\n/);
      // The terminal kubectl sits on is resized: kubectl gets SIGWINCH and sends the new size.
      const kubectlPid = execFileSync("pgrep", ["-P", String(p.pid)])
        .toString()
        .trim()
        .split("\n")[0];
      const tty = readlinkSync(`/proc/${kubectlPid}/fd/0`);
      execFileSync("stty", ["-F", tty, "rows", "50", "cols", "120"]);
      await new Promise((r) => setTimeout(r, 500));
      p.stdin.write("stty size\n");
      await seen(/50 120\r?\n/);
      p.stdin.write("exit 3\n");
      assert.equal(await exit, 3, out);
    } finally {
      p.kill();
    }
  });

  it("kubectl port-forward to a service reaches one of its pods", async () => {
    await apply(
      "kubia-svc",
      `apiVersion: v1
kind: Pod
metadata: {name: kubia-a, labels: {app: kubia}}
spec:
  containers:
  - {name: kubia, image: luksa/kubia, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: kubia}
spec:
  ports:
  - {port: 80, targetPort: 8080}
  selector: {app: kubia}
`,
    );
    await running("kubia-a");
    for (const minor of [27, 33]) {
      const local = 18100 + minor;
      const pf = new Kubectl(server.kubeconfig, minor).spawn(["port-forward", "svc/kubia", `${local}:80`]);
      try {
        const text = await eventually("port-forward answering", async () =>
          (await fetch(`http://127.0.0.1:${local}/`)).text(),
        );
        assert.equal(text, "You've hit kubia-a\n");
      } finally {
        pf.stop();
      }
    }
  });

  it("a private image fails with 401 without a pull secret and runs with one", async () => {
    const image = `${proxy.host}/private/batch-job:1`;
    await k.ok(["run", "private-nosecret", `--image=${image}`]);
    await eventually("ErrImagePull", async () => {
      const x = (await pod("private-nosecret")).status.containerStatuses?.[0].state.waiting;
      return x && /ErrImagePull|ImagePullBackOff/.test(x.reason) ? x : undefined;
    });
    assert.match(await events("private-nosecret"), /Failed\s+Failed to pull image .*401 Unauthorized/);
    await k.ok([
      "create",
      "secret",
      "docker-registry",
      "regcred",
      `--docker-server=${proxy.host}`,
      "--docker-username=learner",
      "--docker-password=s3cret",
    ]);
    await apply(
      "private",
      `apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  imagePullSecrets: [{name: regcred}]
  containers:
  - {name: job, image: "${image}"}
`,
    );
    await running("private");
    assert.match(await events("private"), /Successfully pulled image/);
    await k.ok(["delete", "pod", "private-nosecret", "--wait=false"]);
  });

  it("a node with a garbage registries.yaml says which file it ignored and still runs", async () => {
    const host = addLabHost(3, LAB);
    const agentDir = mkdtempSync(join(tmpdir(), "skiff-workloads-agent-"));
    writeFileSync(join(agentDir, "registries.yaml"), "mirrors: [this is: not {valid\n");
    let agent: RunningAgent | undefined;
    try {
      agent = startAgent({
        netns: host.netns,
        server: `https://${nodeIP}:${server.port}`,
        token: readFileSync(join(dataDir, "token"), "utf8").trim(),
        nodeName: "garbage-node",
        nodeIP: host.ip,
        dataDir: agentDir,
      });
      await eventually(
        "garbage-node Ready",
        async () => {
          const out = await k.ok([
            "get",
            "node",
            "garbage-node",
            "-o",
            "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
          ]);
          return out === "True" ? out : undefined;
        },
        60_000,
      );
      assert.match(
        agent.logs(),
        new RegExp(`registries.yaml ignored.*${join(agentDir, "registries.yaml").replaceAll("/", "\\/")}`),
      );
    } finally {
      if (agent) await removeAgent(agent, host.netns);
      await k.run(["delete", "node", "garbage-node"]);
    }
  });

  it("the book's kubia-liveness, unchanged: restarted once its probe fails three times, exit code 137", async () => {
    const p = await eventually(
      "kubia-liveness restarted",
      async () => {
        const cs = (await pod("kubia-liveness")).status.containerStatuses?.[0];
        return cs && cs.restartCount >= 1 && cs.lastState.terminated ? cs : undefined;
      },
      300_000,
    );
    const took = (Date.now() - livenessCreatedAt) / 1000;
    // Five good answers, three failures ten seconds apart, thirty seconds of grace: about 100 s.
    assert.ok(took >= 90, `restarted after ${took} s`);
    assert.equal(p.lastState.terminated?.exitCode, 137);
    const describe = await k.ok(["describe", "pod", "kubia-liveness"]);
    assert.match(
      describe,
      /Liveness:\s+http-get http:\/\/:8080\/ delay=0s timeout=1s period=10s #success=1 #failure=3/,
    );
    assert.match(describe, /Exit Code:\s+137/);
    assert.match(describe, /Reason:\s+Error/);
    assert.match(describe, /Restart Count:\s+[12]/);
    assert.match(describe, /Container kubia failed liveness probe, will be restarted/);
  });
});
