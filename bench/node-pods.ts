// Pod start latency on one real node (containerd), through skiff and directly through the CRI:
// create → all containers running, seen through a watch, for N pods one at a time and all at once;
// beside it the same sandboxes and containers started by this bench straight on the node's
// containerd (the floor containerd itself sets). Then the agent's RSS and idle CPU with N pods.
// The agent runs as its own process (`skiff agent`) so that its memory is its own.
// Run (root, containerd installed): node bench/node-pods.ts [--pods 100] [--idle-seconds 30]
// [--hold-seconds 0]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { KObject } from "../src/apimachinery/meta.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { containerdPaths } from "../src/kubelet/containerd/containerd-config.ts";
import { CriClient } from "../src/kubelet/cri/cri-client.ts";
import { dockerArchive } from "../src/kubelet/images/image-builder.ts";
import { containerConfig } from "../src/kubelet/kuberuntime/container-config.ts";
import { labelManagedBy } from "../src/kubelet/kuberuntime/runtime-service.ts";
import { sandboxConfig } from "../src/kubelet/kuberuntime/sandbox-config.ts";
import { kubiaImage } from "../test/support/images.ts";
import { guardNetwork } from "../test/support/lab.ts";
import { killall, startServer } from "../test/support/server.ts";
import { startAgentProcess } from "./support/agent-process.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("pods", 100);
const idleSeconds = arg("idle-seconds", 30);
// Keeps the agent running with its pods after the figures, to look at it (/proc, heap snapshots).
const holdSeconds = arg("hold-seconds", 0);
const IMAGE = "docker.io/luksa/kubia:bench";
const podsRef = { group: "", version: "v1", resource: "pods", namespaced: true };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const summary = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;

function podManifest(name: string): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "bench" } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "kubia", image: IMAGE, imagePullPolicy: "IfNotPresent" }],
    },
  };
}

/** The CRI requests the kubelet makes for such a pod, without the label that makes the kubelet adopt it. */
function directConfigs(i: number, logsRoot: string) {
  const pod: KObject = {
    ...podManifest(`direct-${i}`),
    metadata: {
      name: `direct-${i}`,
      namespace: "bench",
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    },
  };
  const { config } = sandboxConfig({
    pod,
    attempt: 0,
    logsRoot,
    nodeHostname: "bench",
    dns: { clusterDNS: [], clusterDomain: "cluster.local", resolvConf: "/etc/resolv.conf" },
  });
  delete config.labels![labelManagedBy];
  mkdirSync(config.log_directory!, { recursive: true });
  const c = containerConfig({
    pod,
    container: (pod.spec as { containers: Array<Record<string, unknown>> }).containers[0],
    kind: "regular",
    restartCount: 0,
    imageRef: IMAGE,
    env: [],
    volumes: new Map(),
    terminationFile: "",
    memoryCapacity: 0,
    imageUser: "",
  });
  delete c.labels![labelManagedBy];
  c.mounts = [];
  return { sandbox: config, container: c };
}

async function directStart(
  cri: CriClient,
  i: number,
  logsRoot: string,
): Promise<{ ms: number; sandbox: string }> {
  const { sandbox, container } = directConfigs(i, logsRoot);
  const t0 = performance.now();
  const id = await cri.runPodSandbox(sandbox);
  const cid = await cri.createContainer(id, container, sandbox);
  await cri.startContainer(cid);
  return { ms: performance.now() - t0, sandbox: id };
}

async function directCleanup(cri: CriClient, sandboxes: string[]): Promise<void> {
  for (const s of sandboxes) {
    await cri.stopPodSandbox(s);
    await cri.removePodSandbox(s);
  }
}

function procStat(pid: number): { rssMB: number; cpuTicks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  return { rssMB: rss, cpuTicks: Number(f[11]) + Number(f[12]) };
}

async function main(): Promise<void> {
  guardNetwork();
  const serverDir = mkdtempSync(join(tmpdir(), "skiff-bench-node-server-"));
  const agentDir = mkdtempSync(join(tmpdir(), "skiff-bench-node-agent-"));
  // Image present: imported from the air-gap folder at agent start.
  mkdirSync(join(agentDir, "agent", "images"), { recursive: true });
  writeFileSync(join(agentDir, "agent", "images", "kubia.tar"), dockerArchive(kubiaImage(), [IMAGE]));
  const server = await startServer({
    dataDir: serverDir,
    entry: "launcher",
    args: ["--bind-address", "127.0.0.1"],
  });
  const token = readFileSync(join(serverDir, "token"), "utf8").trim();
  const agent = await startAgentProcess({
    server: server.url,
    token,
    dataDir: agentDir,
    nodeName: "bench-node",
    // For trying the agent under other Node.js flags: BENCH_AGENT_NODE_ARGS="--flag --other".
    nodeArgs: (process.env.BENCH_AGENT_NODE_ARGS ?? "").split(" ").filter(Boolean),
  });
  const kc = parse(readFileSync(server.kubeconfig, "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const b64 = (s: string) => Buffer.from(s, "base64").toString();
  const client = new RestClient({
    server: server.url,
    ca: b64(kc.clusters[0].cluster["certificate-authority-data"]),
    cert: b64(kc.users[0].user["client-certificate-data"]),
    key: b64(kc.users[0].user["client-key-data"]),
  });
  const paths = containerdPaths(join(agentDir, "agent"));
  const cri = new CriClient(paths.socket);
  const logsRoot = join(agentDir, "bench-logs");
  try {
    // Wait for the node to be Ready.
    for (;;) {
      const n = await client
        .get({ group: "", version: "v1", resource: "nodes", namespaced: false }, "", "bench-node")
        .catch(() => undefined);
      const ready = (
        n?.status as { conditions?: Array<{ type: string; status: string }> } | undefined
      )?.conditions?.find((c) => c.type === "Ready");
      if (ready?.status === "True") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Warm-up: one pod each way, so first-use costs (snapshot unpack, CNI first run) are not counted.
    const warm = await directStart(cri, 9999, logsRoot);
    await directCleanup(cri, [warm.sandbox]);

    const results: Record<string, number[]> = {};
    // Direct CRI, one at a time, then all at once.
    let ids: string[] = [];
    results["direct, one at a time"] = [];
    for (let i = 0; i < N; i++) {
      const r = await directStart(cri, i, logsRoot);
      results["direct, one at a time"].push(r.ms);
      ids.push(r.sandbox);
    }
    await directCleanup(cri, ids);
    const burst = await Promise.all(
      Array.from({ length: N }, (_, i) => directStart(cri, 1000 + i, logsRoot)),
    );
    results["direct, all at once"] = burst.map((b) => b.ms);
    ids = burst.map((b) => b.sandbox);
    await directCleanup(cri, ids);

    // Through skiff: create → running seen through a watch.
    const created = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const waiters = new Map<string, () => void>();
    const abort = new AbortController();
    void client
      .watch(
        podsRef,
        "default",
        { labelSelector: "app=bench" },
        (_type, obj) => {
          const name = obj.metadata?.name ?? "";
          const cs = (
            obj.status as { containerStatuses?: Array<{ state: { running?: unknown } }> } | undefined
          )?.containerStatuses;
          if (!runningAt.has(name) && cs?.length && cs.every((c) => c.state.running)) {
            runningAt.set(name, performance.now());
            waiters.get(name)?.();
          }
        },
        abort.signal,
      )
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const startPod = async (name: string) => {
      const seen = new Promise<void>((r) => waiters.set(name, r));
      created.set(name, performance.now());
      await client.create(podsRef, "default", podManifest(name));
      await seen;
      return runningAt.get(name)! - created.get(name)!;
    };
    const deleteAll = async (names: string[]) => {
      await Promise.all(names.map((n) => client.delete(podsRef, "default", n, { gracePeriodSeconds: 0 })));
      for (;;) {
        const left = await cri.listPodSandbox({ label_selector: { [labelManagedBy]: "true" } });
        if (!left.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await startPod("warm");
    await deleteAll(["warm"]);
    results["skiff, one at a time"] = [];
    const seq: string[] = [];
    for (let i = 0; i < N; i++) {
      seq.push(`seq-${i}`);
      results["skiff, one at a time"].push(await startPod(`seq-${i}`));
    }
    await deleteAll(seq);
    const names = Array.from({ length: N }, (_, i) => `burst-${i}`);
    results["skiff, all at once"] = await Promise.all(names.map((n) => startPod(n)));
    abort.abort();

    // Idle: N pods running; the agent's RSS and CPU over idleSeconds.
    await new Promise((r) => setTimeout(r, 5000));
    const containerdPid = Number(
      readFileSync(join(agentDir, "agent", "containerd", "containerd.pid"), "utf8"),
    );
    const a0 = procStat(agent.pid);
    const c0 = procStat(containerdPid);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const a1 = procStat(agent.pid);
    const c1 = procStat(containerdPid);
    const hz = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    const cpuPct = (x0: number, x1: number) => (((x1 - x0) / hz / idleSeconds) * 100).toFixed(2);

    const out = [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
      `pods: ${N}, image present (imported from the air-gap folder)`,
      ...Object.entries(results).map(([k, v]) => `${k}: ${summary(v)}`),
      `p99 ratio skiff/direct, one at a time: ${(pct(results["skiff, one at a time"], 99) / pct(results["direct, one at a time"], 99)).toFixed(2)}`,
      `p99 ratio skiff/direct, all at once: ${(pct(results["skiff, all at once"], 99) / pct(results["direct, all at once"], 99)).toFixed(2)}`,
      `agent with ${N} pods: RSS ${a1.rssMB.toFixed(0)} MB, idle CPU ${cpuPct(a0.cpuTicks, a1.cpuTicks)} % of a core over ${idleSeconds} s`,
      `containerd beside it: RSS ${c1.rssMB.toFixed(0)} MB, idle CPU ${cpuPct(c0.cpuTicks, c1.cpuTicks)} %`,
    ];
    process.stdout.write(out.join("\n") + "\n");
    if (holdSeconds) {
      process.stdout.write(`holding ${holdSeconds} s: agent pid ${agent.pid}\n`);
      await new Promise((r) => setTimeout(r, holdSeconds * 1000));
    }
    await deleteAll(names);
  } finally {
    cri.close();
    client.close();
    await agent.stop();
    await server.stop();
    await killall(agentDir);
    rmSync(agentDir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
}

await main();
