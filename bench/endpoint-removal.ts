// A removed endpoint through a NodePort, on one real node (a server with its own node in a
// network namespace of a lab bridge): a Deployment of two keep-alive echo pods is scaled to one,
// again and again, while clients on the host send request after request (each on a new
// connection) to the node port. Measured: from the moment the removed pod is deleted (as a
// `kubectl get pods -w` sees it) to the last request that still reaches it or fails. The pod keeps
// serving through its grace period, so a slow proxy shows as answers from it.
// Run (root, containerd installed, after `npm run build`):
//   node bench/endpoint-removal.ts [--proxy-mode userspace|iptables] [--changes 10]
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kubectl } from "../test/support/kubectl.ts";
import { addLabHost, labHostIP, setUpLab, tearDownLab } from "../test/support/lab.ts";
import { startRegistry } from "../test/support/registry.ts";
import { killall, startServer } from "../test/support/server.ts";
import { eventually } from "../test/support/wait.ts";
import { echoImage } from "../test/support/echo-image.ts";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const MODE = arg("proxy-mode", "userspace");
const CHANGES = Number(arg("changes", "10"));
const LAB = 11;
const PORT = 30090;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const ECHO = `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      terminationGracePeriodSeconds: 3
      containers:
      - name: echo
        image: bench/echo:1
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  type: NodePort
  ports: [{port: 80, targetPort: 8080, nodePort: ${PORT}}]
  selector: {app: echo}
`;

/** Clients on the host: who answered when, and when requests failed. */
function probe(url: string, signal: AbortSignal) {
  const answers: Array<{ who: string; at: number }> = [];
  const failures: number[] = [];
  const one = () => {
    if (signal.aborted) return;
    const req = request(url, { agent: false }, (res) => {
      let b = "";
      res.on("data", (d: Buffer) => (b += d.toString()));
      res.on("end", () => {
        const who = /You've hit (\S+)/.exec(b)?.[1];
        if (who) answers.push({ who, at: Date.now() });
        setImmediate(one);
      });
    });
    req.setTimeout(2000, () => req.destroy(new Error("timeout")));
    req.on("error", () => {
      failures.push(Date.now());
      setTimeout(one, 5);
    });
    req.end();
  };
  for (let i = 0; i < 4; i++) one();
  return { answers, failures };
}

/** When each pod was first seen deleted, from a `kubectl get pods -w`. */
function watchDeletions(kubeconfig: string, signal: AbortSignal): Map<string, number> {
  const deleted = new Map<string, number>();
  const proc = spawn(
    "kubectl",
    [
      "--kubeconfig",
      kubeconfig,
      "get",
      "pods",
      "-l",
      "app=echo",
      "-w",
      "--no-headers",
      "-o",
      "custom-columns=NAME:.metadata.name,DELETED:.metadata.deletionTimestamp",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  signal.addEventListener("abort", () => proc.kill());
  let buf = "";
  proc.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const [name, at] = buf.slice(0, i).trim().split(/\s+/);
      buf = buf.slice(i + 1);
      if (name && at && at !== "<none>" && !deleted.has(name)) deleted.set(name, Date.now());
    }
  });
  return deleted;
}

async function main(): Promise<void> {
  setUpLab(LAB);
  const { netns, ip: nodeIP } = addLabHost(2, LAB);
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-removal-"));
  const registry = await startRegistry({ address: labHostIP(LAB) });
  const stop = new AbortController();
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    await registry.push("bench/echo", "1", echoImage());
    writeFileSync(
      join(dir, "registries.yaml"),
      `mirrors:\n  docker.io:\n    endpoint:\n      - "${registry.url}"\n`,
    );
    const server = await startServer({
      dataDir: dir,
      agent: true,
      netns,
      entry: "launcher",
      args: [
        "--bind-address",
        nodeIP,
        "--node-ip",
        nodeIP,
        "--node-name",
        "bench-node",
        "--proxy-mode",
        MODE,
      ],
    });
    cleanups.push(async () => {
      await server.stop();
      await killall(dir, netns);
    });
    const k = new Kubectl(server.kubeconfig);
    await eventually(
      "node Ready",
      async () => ((await k.ok(["get", "nodes"])).includes(" Ready ") ? true : undefined),
      60_000,
    );
    writeFileSync(join(dir, "echo.yaml"), ECHO);
    await k.ok(["create", "-f", join(dir, "echo.yaml")]);
    const { answers, failures } = probe(`http://${nodeIP}:${PORT}/`, stop.signal);
    const deleted = watchDeletions(server.kubeconfig, stop.signal);
    const latencies: number[] = [];
    for (let c = 0; c < CHANGES; c++) {
      await k.ok(["scale", "deployment", "echo", "--replicas", "2"]);
      // Both pods answer through the node port before one is taken away.
      await eventually(
        "two pods answering",
        async () => {
          const since = Date.now() - 300;
          const who = new Set(answers.filter((a) => a.at >= since).map((a) => a.who));
          const pods = (
            await k.ok(["get", "pods", "-l", "app=echo", "-o", "jsonpath={.items[*].metadata.name}"])
          )
            .split(" ")
            .filter(Boolean);
          return pods.length === 2 && pods.every((p) => who.has(p)) ? true : undefined;
        },
        120_000,
      );
      const before = new Set(deleted.keys());
      await k.ok(["scale", "deployment", "echo", "--replicas", "1"]);
      const gone = await eventually(
        "a pod deleted",
        async () => [...deleted.keys()].find((n) => !before.has(n)),
        30_000,
      );
      const at = deleted.get(gone)!;
      // Its grace period is 3 s: anything it answers after 2.5 s from deletion is the proxy's doing.
      await new Promise((r) => setTimeout(r, 3500));
      const last = Math.max(
        at,
        ...answers.filter((a) => a.who === gone && a.at >= at).map((a) => a.at),
        ...failures.filter((f) => f >= at && f <= at + 3500),
      );
      latencies.push(last - at);
      console.error(`change ${c + 1}: ${gone} last reached ${last - at} ms after its deletion`);
    }
    console.log(
      `\n${MODE} proxy, ${CHANGES} removals: last request to the removed pod after its deletion: p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms (goal p99 < 1000 ms)`,
    );
  } finally {
    stop.abort();
    for (const c of cleanups.reverse()) await c();
    await registry.stop();
    tearDownLab(LAB);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
