// What a custom resource costs against a built-in one: creates and GETs at 64 clients of objects
// of a CRD with a structural schema (pruned, defaulted, validated on every write) and of
// ConfigMaps of the same size, in one run on one server. Prints rows for docs/benchmarks.md.
// Run: node bench/custom-resources.ts [--seconds N] [--rounds N]
import { Agent, request } from "node:https";
import { readFileSync } from "node:fs";
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

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.bench.example.com" },
  spec: {
    group: "bench.example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["image"],
                properties: {
                  image: { type: "string", maxLength: 200 },
                  replicas: { type: "integer", minimum: 0, maximum: 100, default: 1 },
                  mode: { type: "string", enum: ["fast", "slow"] },
                  note: { type: "string" },
                  labels: { type: "object", additionalProperties: { type: "string" } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

// The same payload either way: a spec for the widget, data for the config map.
const note = "x".repeat(200);
const kinds = {
  configmap: {
    path: "/api/v1/namespaces/default/configmaps",
    list: "/api/v1/namespaces/list100/configmaps",
    body: (name: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, labels: { app: "bench" } },
      data: { image: "registry.example/app:1.2.3", mode: "fast", note, replicas: "3" },
    }),
  },
  widget: {
    path: "/apis/bench.example.com/v1/namespaces/default/widgets",
    list: "/apis/bench.example.com/v1/namespaces/list100/widgets",
    body: (name: string) => ({
      apiVersion: "bench.example.com/v1",
      kind: "Widget",
      metadata: { name, labels: { app: "bench" } },
      spec: { image: "registry.example/app:1.2.3", mode: "fast", note, replicas: 3 },
    }),
  },
};

const server = await startServer({
  args: ["--disable-scheduler", "--disable-controller-manager"],
  entry: "launcher",
});
try {
  const kc = parse(readFileSync(server.kubeconfig, "utf8")) as any;
  const ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
  const token = readFileSync(join(server.dataDir, "tls", "admin.token"), "utf8").trim();
  const agent = new Agent({ keepAlive: true, ca, maxSockets: 16 });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
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
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  await call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  await call("POST", "/api/v1/namespaces", { metadata: { name: "list100" } });
  while ((await call("GET", kinds.widget.list)) !== 200) await new Promise((r) => setTimeout(r, 20));
  for (const k of Object.values(kinds))
    for (let i = 0; i < 100; i++) {
      const code = await call("POST", k.list, k.body(`l-${i}`));
      if (code !== 201) throw new Error(`seeding ${k.list}: ${code}`);
    }
  agent.destroy();

  const rates: Record<string, number[]> = {};
  const p99s: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++)
    for (const [name, k] of Object.entries(kinds))
      for (const op of ["create", "get"] as const) {
        process.env.SKIFF_PATH = op === "create" ? k.path : k.list;
        process.env.SKIFF_BODY = JSON.stringify(k.body("NAME"));
        const res = wrk(
          op === "create" ? "create-object.lua" : "get-object.lua",
          64,
          seconds,
          server.url,
          token,
        );
        if (res.errors) throw new Error(`${name} ${op}: ${res.errors} non-2xx responses`);
        const key = `${op} ${name}, 64 clients`;
        (rates[key] ??= []).push(res.rate);
        (p99s[key] ??= []).push(res.p99);
      }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines: string[] = [];
  for (const op of ["create", "get"]) {
    for (const name of Object.keys(kinds)) {
      const key = `${op} ${name}, 64 clients`;
      lines.push(
        `| ${key} | ${median(rates[key]!).toFixed(0)}/s, p99 ${median(p99s[key]!).toFixed(1)} ms | |`,
      );
    }
    const ratio = median(rates[`${op} configmap, 64 clients`]!) / median(rates[`${op} widget, 64 clients`]!);
    lines.push(`| ${op}: ConfigMaps / custom objects | ${ratio.toFixed(2)} | ≤ 1.5 |`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await server.stop();
}
