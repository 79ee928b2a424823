// What authorization costs: creates and GETs of pods at 64 clients by system:masters (which RBAC
// never looks at) and by a user whose rights come from a RoleBinding, with the bootstrap policy and
// 1,000 other RoleBindings loaded, in one run on one server. Prints rows for docs/benchmarks.md.
// Run: node bench/authz.ts [--seconds N] [--rounds N]
import { Agent, request } from "node:https";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startServer } from "../test/support/server.ts";
import { wrk } from "./support/wrk.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seconds = arg("seconds", 5);
const rounds = arg("rounds", 3);
const BINDINGS = 1000;
const USER_TOKEN = "bench-user-token-0123456789abcdef";

const dir = mkdtempSync(join(tmpdir(), "skiff-authz-"));
const tokenFile = join(dir, "tokens.csv");
writeFileSync(tokenFile, `${USER_TOKEN},bench-user,bench-uid,"bench-group"\n`);

const server = await startServer({
  args: ["--disable-scheduler", "--disable-controller-manager", `--token-auth-file=${tokenFile}`],
  entry: "launcher",
});
try {
  const kc = parse(readFileSync(server.kubeconfig, "utf8")) as any;
  const ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
  const adminToken = readFileSync(join(server.dataDir, "tls", "admin.token"), "utf8").trim();
  const agent = new Agent({ keepAlive: true, ca, maxSockets: 16 });
  const post = (path: string, body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = request(
        `${server.url}${path}`,
        {
          method: "POST",
          agent,
          headers: {
            Authorization: `Bearer ${adminToken}`,
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(data),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  const rb = (name: string, user: string, role: string) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: user }],
  });
  await post("/api/v1/namespaces", { metadata: { name: "list100" } });
  // ServiceAccount admission needs the account, and no controller manager runs here to make it.
  await post("/api/v1/namespaces/list100/serviceaccounts", { metadata: { name: "default" } });
  // Without the controller manager nothing fills the aggregated roles (edit, view): bind plain ones.
  await post("/apis/rbac.authorization.k8s.io/v1/clusterroles", {
    metadata: { name: "pod-writer" },
    rules: [
      { apiGroups: [""], resources: ["pods", "pods/status"], verbs: ["get", "list", "watch", "create"] },
    ],
  });
  const batch: Array<Promise<number>> = [];
  for (let i = 0; i < BINDINGS; i++)
    batch.push(
      post(
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        rb(`u-${i}`, `user-${i}`, i % 2 ? "pod-writer" : "cluster-admin"),
      ),
    );
  for (let i = 0; i < BINDINGS / 10; i++)
    batch.push(
      post(
        "/apis/rbac.authorization.k8s.io/v1/namespaces/list100/rolebindings",
        rb(`u-${i}`, `user-${i}`, "pod-writer"),
      ),
    );
  batch.push(
    post(
      "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
      rb("bench", "bench-user", "pod-writer"),
    ),
  );
  batch.push(
    post(
      "/apis/rbac.authorization.k8s.io/v1/namespaces/list100/rolebindings",
      rb("bench", "bench-user", "pod-writer"),
    ),
  );
  const codes = await Promise.all(batch);
  if (codes.some((c) => c !== 201))
    throw new Error(`loading bindings: ${codes.filter((c) => c !== 201).length} failed`);
  for (let i = 0; i < 100; i++)
    await post("/api/v1/namespaces/list100/pods", {
      metadata: { name: `l-${i}` },
      spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
    });
  agent.destroy();

  const rates: Record<string, number[]> = {};
  const p99s: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++)
    for (const [who, token] of [
      ["system:masters", adminToken],
      ["RoleBinding user", USER_TOKEN],
    ] as const)
      for (const script of ["create-pod.lua", "get-pod.lua"]) {
        const res = wrk(script, 64, seconds, server.url, token);
        if (res.errors) throw new Error(`${who} ${script}: ${res.errors} non-2xx responses`);
        const k = `${script === "create-pod.lua" ? "create" : "get"} pod, 64 clients, ${who}`;
        (rates[k] ??= []).push(res.rate);
        (p99s[k] ??= []).push(res.p99);
      }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines: string[] = [];
  for (const op of ["create", "get"]) {
    const masters = median(rates[`${op} pod, 64 clients, system:masters`]!);
    const user = median(rates[`${op} pod, 64 clients, RoleBinding user`]!);
    for (const who of ["system:masters", "RoleBinding user"]) {
      const k = `${op} pod, 64 clients, ${who}`;
      lines.push(`| ${k} | ${median(rates[k]!).toFixed(0)}/s, p99 ${median(p99s[k]!).toFixed(1)} ms | |`);
    }
    lines.push(`| ${op}: RoleBinding user / system:masters | ${(user / masters).toFixed(2)} | ≥ 0.90 |`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await server.stop();
}
