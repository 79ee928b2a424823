// What a protobuf answer costs against JSON: GETs of one object and lists of 100, at 64 clients,
// with client-go's protobuf Accept and with JSON's, in one run on one server. A JSON GET is the
// stored text as it is; a protobuf one is decoded and encoded. Prints rows for docs/benchmarks.md.
// Run: node bench/protobuf.ts [--seconds N] [--rounds N]
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
const ACCEPT = { json: "application/json", protobuf: "application/vnd.kubernetes.protobuf, */*" };

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: "bench", tier: "web" } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "bench" } },
    template: {
      metadata: { labels: { app: "bench" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "registry.example/app:1.2.3",
            ports: [{ containerPort: 8080, name: "http" }],
            env: [{ name: "MODE", value: "fast" }],
            resources: { requests: { cpu: "100m", memory: "64Mi" } },
            readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
          },
        ],
      },
    },
  },
});

const server = await startServer({
  args: ["--disable-scheduler", "--disable-controller-manager"],
  entry: "launcher",
});
try {
  const kc = parse(readFileSync(server.kubeconfig, "utf8")) as any;
  const ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
  const token = readFileSync(join(server.dataDir, "tls", "admin.token"), "utf8").trim();
  const agent = new Agent({ keepAlive: true, ca, maxSockets: 16 });
  const call = (method: string, path: string, body?: unknown, accept = ACCEPT.json) =>
    new Promise<{ code: number; size: number }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${server.url}${path}`,
        {
          method,
          agent,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: accept,
            ...(data
              ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) }
              : {}),
          },
        },
        (res) => {
          let size = 0;
          res.on("data", (c: Buffer) => (size += c.length));
          res.on("end", () => resolve({ code: res.statusCode ?? 0, size }));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  const path = "/apis/apps/v1/namespaces/default/deployments";
  for (let i = 0; i < 100; i++) {
    const { code } = await call("POST", path, deployment(`l-${i}`));
    if (code !== 201) throw new Error(`seeding: ${code}`);
  }
  const sizes: string[] = [];
  for (const [enc, accept] of Object.entries(ACCEPT)) {
    const one = await call("GET", `${path}/l-0`, undefined, accept);
    const list = await call("GET", path, undefined, accept);
    sizes.push(`${enc}: object ${one.size} B, list of 100 ${list.size} B`);
  }
  agent.destroy();

  const rates: Record<string, number[]> = {};
  const p99s: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++)
    for (const [enc, accept] of Object.entries(ACCEPT))
      for (const op of ["get", "list"] as const) {
        process.env.SKIFF_ACCEPT = accept;
        // get-object.lua asks for PATH/l-N; a list is the collection under a path of that shape.
        process.env.SKIFF_PATH = op === "get" ? path : `${path}?limit=100&x=`;
        const res = wrk("get-object.lua", 64, seconds, server.url, token);
        if (res.errors) throw new Error(`${enc} ${op}: ${res.errors} non-2xx responses`);
        const key = `${op === "get" ? "GET a Deployment" : "list 100 Deployments"}, ${enc}, 64 clients`;
        (rates[key] ??= []).push(res.rate);
        (p99s[key] ??= []).push(res.p99);
      }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines = Object.keys(rates).map(
    (key) => `| ${key} | ${median(rates[key]!).toFixed(0)}/s, p99 ${median(p99s[key]!).toFixed(1)} ms |`,
  );
  for (const op of ["GET a Deployment", "list 100 Deployments"]) {
    const ratio = median(rates[`${op}, json, 64 clients`]!) / median(rates[`${op}, protobuf, 64 clients`]!);
    lines.push(`| ${op}: JSON / protobuf rate | ${ratio.toFixed(2)} |`);
  }
  process.stdout.write(`${lines.join("\n")}\n${sizes.join("\n")}\n`);
} finally {
  await server.stop();
}
