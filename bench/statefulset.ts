// A StatefulSet of 100 replicas on simulated nodes, from create to all Ready, with OrderedReady and
// with Parallel pod management (and Parallel with a local-path claim per replica), against a
// Deployment of 100 in the same run, on the `skiff` launcher a user runs.
// Run: node bench/statefulset.ts [--replicas 100] [--rounds 3] [--nodes 10]
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { cpus } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startServer } from "../test/support/server.ts";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const replicas = arg("replicas", 100);
const rounds = arg("rounds", 3);
const nodeCount = arg("nodes", 10);

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: "c", image: "nginx" }] },
});

type Kind = "deployment" | "ordered" | "parallel" | "parallel-claims";

function workload(kind: Kind, name: string): { path: string; body: object; status: string } {
  if (kind === "deployment")
    return {
      path: "/apis/apps/v1/namespaces/default/deployments",
      status: `/apis/apps/v1/namespaces/default/deployments/${name}`,
      body: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name },
        spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name) },
      },
    };
  return {
    path: "/apis/apps/v1/namespaces/default/statefulsets",
    status: `/apis/apps/v1/namespaces/default/statefulsets/${name}`,
    body: {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name },
      spec: {
        replicas,
        serviceName: name,
        podManagementPolicy: kind === "ordered" ? "OrderedReady" : "Parallel",
        selector: { matchLabels: { app: name } },
        template: template(name),
        ...(kind === "parallel-claims"
          ? {
              volumeClaimTemplates: [
                {
                  metadata: { name: "data" },
                  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                },
              ],
            }
          : {}),
      },
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = await startServer({ entry: "launcher" });
try {
  const kc = parse(readFileSync(server.kubeconfig, "utf8")) as any;
  const ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
  const token = readFileSync(join(server.dataDir, "tls", "admin.token"), "utf8").trim();
  const agent = new Agent({ keepAlive: true, ca, maxSockets: 8 });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<{ code: number; json: any }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${server.url}${path}`,
        {
          method,
          agent,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(data
              ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) }
              : {}),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => {
            let json: any;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ code: res.statusCode ?? 0, json });
          });
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  const until = async (what: string, pred: () => Promise<boolean>, timeoutMs = 300_000) => {
    const start = Date.now();
    while (!(await pred())) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  for (let i = 0; i < nodeCount; i++)
    await call("POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: `sim-${i}`, annotations: { "skiff.dev/simulated": "true" } },
    });
  await until("nodes Ready", async () => {
    const r = await call("GET", "/api/v1/nodes");
    const ready = (r.json?.items ?? []).filter((n: any) =>
      n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
    );
    return ready.length >= nodeCount;
  });
  await until(
    "local-path class",
    async () => (await call("GET", "/apis/storage.k8s.io/v1/storageclasses/local-path")).code === 200,
  );

  const results: Record<Kind, number[]> = {
    deployment: [],
    ordered: [],
    parallel: [],
    "parallel-claims": [],
  };
  const podsLeft = async () =>
    (await call("GET", "/api/v1/namespaces/default/pods?limit=1")).json?.items?.length ?? 1;
  for (let round = 0; round < rounds; round++) {
    // Interleaved, so drift on a shared machine hits every kind alike.
    for (const kind of Object.keys(results) as Kind[]) {
      const name = `${kind}-${round}`;
      const w = workload(kind, name);
      const t0 = performance.now();
      const created = await call("POST", w.path, w.body);
      if (created.code !== 201)
        throw new Error(`create ${name}: ${created.code} ${JSON.stringify(created.json)}`);
      await until(
        `${name} ready`,
        async () => (await call("GET", w.status)).json?.status?.readyReplicas === replicas,
      );
      results[kind].push(performance.now() - t0);
      await call("DELETE", `${w.status}?propagationPolicy=Background`);
      await until("pods gone", async () => (await podsLeft()) === 0);
      if (kind === "parallel-claims")
        await call("DELETE", "/api/v1/namespaces/default/persistentvolumeclaims");
    }
  }
  const base = median(results.deployment);
  console.log(
    `machine: ${cpus()[0]?.model} x${cpus().length}; ${replicas} replicas, ${nodeCount} simulated nodes, ${rounds} rounds`,
  );
  for (const [kind, ms] of Object.entries(results))
    console.log(
      `${kind.padEnd(16)} median ${median(ms).toFixed(0).padStart(6)} ms  (${ms.map((m) => m.toFixed(0)).join(", ")})  ratio to deployment ${(median(ms) / base).toFixed(2)}`,
    );
} finally {
  await server.stop();
}
