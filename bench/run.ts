// API server benchmarks: start-up, idle memory, create/get/list throughput and latency at 1/16/64
// clients, and watch delivery latency to 100 watchers; on SQLite and on etcd.
// Run: npm run bench [-- --backend sqlite|etcd|both] [--seconds N]
import { Agent, request } from "node:https";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startServer, type RunningServer } from "../test/support/server.ts";
import { startEtcd } from "../test/support/etcd.ts";
import { wrk } from "./support/wrk.ts";

interface Creds {
  server: URL;
  ca: string;
  cert: string;
  key: string;
}

function creds(kubeconfig: string): Creds {
  const kc = parse(readFileSync(kubeconfig, "utf8")) as any;
  const b64 = (s: string) => Buffer.from(s, "base64").toString();
  return {
    server: new URL(kc.clusters[0].cluster.server),
    ca: b64(kc.clusters[0].cluster["certificate-authority-data"]),
    cert: b64(kc.users[0].user["client-certificate-data"]),
    key: b64(kc.users[0].user["client-key-data"]),
  };
}

function send(
  c: Creds,
  agent: Agent,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: c.server.hostname,
        port: c.server.port,
        path,
        method,
        agent,
        headers: body
          ? {
              "Content-Type": "application/json",
              "Content-Length": Buffer.byteLength(body),
              Accept: "application/json",
            }
          : { Accept: "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

function podBody(name: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "bench", tier: "web" }, annotations: { "bench/note": "x".repeat(200) } },
    spec: {
      containers: [
        {
          name: "app",
          image: "registry.example/app:1.2.3",
          ports: [{ containerPort: 8080, name: "http" }],
          env: [
            { name: "A", value: "1" },
            { name: "B", value: "2" },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" } },
        },
      ],
    },
  });
}

interface Result {
  op: string;
  clients: number;
  ops: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(
  c: Creds,
  op: string,
  clients: number,
  seconds: number,
  fn: (i: number, agent: Agent) => Promise<boolean>,
): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients, ca: c.ca, cert: c.cert, key: c.key });
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const i = n++;
        const t = performance.now();
        const ok = await fn(i, agent);
        lat.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return {
    op,
    clients,
    ops: lat.length,
    seconds: elapsed,
    rate: lat.length / elapsed,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    errors,
  };
}

async function rssMb(pid: number): Promise<number> {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function startup(args: string[], runs: number): Promise<{ cold: number[]; warm: number[] }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const s = await startServer({ args, entry: "launcher" });
    cold.push(performance.now() - t);
    const dataDir = s.dataDir;
    s.proc.kill("SIGTERM");
    await new Promise((r) => s.proc.once("exit", r));
    t = performance.now();
    const again = await startServer({ dataDir, args, entry: "launcher" });
    warm.push(performance.now() - t);
    await again.stop();
  }
  return { cold, warm };
}

async function watchLatency(
  c: Creds,
  watchers: number,
  events: number,
): Promise<{ p50: number; p99: number; delivered: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: watchers + 8, ca: c.ca, cert: c.cert, key: c.key });
  const ns = "watchbench";
  await send(c, agent, "POST", "/api/v1/namespaces", JSON.stringify({ metadata: { name: ns } }));
  const lat: number[] = [];
  const sentAt = new Map<string, number>();
  let delivered = 0;
  const reqs: Array<{ destroy(): void }> = [];
  const list = JSON.parse((await send(c, agent, "GET", `/api/v1/namespaces/${ns}/configmaps`)).text);
  await Promise.all(
    Array.from(
      { length: watchers },
      () =>
        new Promise<void>((resolve) => {
          const req = request(
            {
              host: c.server.hostname,
              port: c.server.port,
              agent,
              path: `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
              headers: { Accept: "application/json" },
            },
            (res) => {
              let buf = "";
              res.on("data", (d: Buffer) => {
                const now = performance.now();
                buf += d.toString();
                let nl: number;
                while ((nl = buf.indexOf("\n")) >= 0) {
                  const line = buf.slice(0, nl);
                  buf = buf.slice(nl + 1);
                  const name = /"name":"([^"]+)"/.exec(line)?.[1];
                  const t = name ? sentAt.get(name) : undefined;
                  if (t !== undefined) {
                    lat.push(now - t);
                    delivered++;
                  }
                }
              });
              resolve();
            },
          );
          req.end();
          reqs.push(req);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < events; i++) {
    const name = `w-${i}`;
    sentAt.set(name, performance.now());
    await send(
      c,
      agent,
      "POST",
      `/api/v1/namespaces/${ns}/configmaps`,
      JSON.stringify({ metadata: { name }, data: { i: String(i) } }),
    );
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 10_000;
  while (delivered < watchers * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const r of reqs) r.destroy();
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), delivered };
}

async function benchBackend(name: string, args: string[], seconds: number): Promise<string[]> {
  const lines: string[] = [];
  const st = await startup(args, 5);
  lines.push(
    `| ${name} | start to ready, fresh data dir (median of 5) | ${median(st.cold).toFixed(0)} ms | < 1000 ms |`,
  );
  lines.push(
    `| ${name} | start to ready, existing data dir (median of 5) | ${median(st.warm).toFixed(0)} ms | < 1000 ms |`,
  );

  const server: RunningServer = await startServer({ args, entry: "launcher" });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    lines.push(
      `| ${name} | idle RSS after start | ${(await rssMb(server.proc.pid!)).toFixed(0)} MB | < 100 MB |`,
    );
    const c = creds(server.kubeconfig);
    const results: Result[] = [];
    const token = readFileSync(join(server.dataDir, "tls", "admin.token"), "utf8").trim();
    // Pods to GET, and 100 pods to LIST, in their own namespace.
    const agent = new Agent({ keepAlive: true, ca: c.ca, cert: c.cert, key: c.key });
    await send(c, agent, "POST", "/api/v1/namespaces", JSON.stringify({ metadata: { name: "list100" } }));
    // With the controller manager off nothing makes the namespace's default account, which
    // ServiceAccount admission requires of every pod.
    await send(
      c,
      agent,
      "POST",
      "/api/v1/namespaces/list100/serviceaccounts",
      JSON.stringify({ metadata: { name: "default" } }),
    );
    for (let i = 0; i < 100; i++)
      await send(c, agent, "POST", "/api/v1/namespaces/list100/pods", podBody(`l-${i}`));
    agent.destroy();
    for (const clients of [1, 16, 64]) {
      results.push({ ...wrk("create-pod.lua", clients, seconds, server.url, token), op: "create pod" });
      results.push({ ...wrk("get-pod.lua", clients, seconds, server.url, token), op: "get pod" });
    }
    for (const clients of [1, 16, 64]) {
      results.push(
        await load(
          c,
          "list 100 pods",
          clients,
          seconds,
          async (_i, a) => (await send(c, a, "GET", "/api/v1/namespaces/list100/pods")).status === 200,
        ),
      );
    }
    for (const r of results) {
      const goal =
        r.op === "create pod" && r.clients === 64
          ? "≥ 5,000/s, p99 < 50 ms"
          : r.op === "get pod" && r.clients === 64
            ? "≥ 15,000/s, p99 < 50 ms"
            : "";
      lines.push(
        `| ${name} | ${r.op}, ${r.clients} clients | ${r.rate.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms${r.errors ? `, ${r.errors} errors` : ""} | ${goal} |`,
      );
    }
    const w = await watchLatency(c, 100, 100);
    lines.push(
      `| ${name} | watch event delivery to 100 watchers (${w.delivered} deliveries) | p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms | p99 < 50 ms |`,
    );
    lines.push(`| ${name} | RSS after the runs | ${(await rssMb(server.proc.pid!)).toFixed(0)} MB | |`);
  } finally {
    await server.stop();
  }
  return lines;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backend = argv.includes("--backend") ? argv[argv.indexOf("--backend") + 1] : "both";
  const seconds = argv.includes("--seconds") ? Number(argv[argv.indexOf("--seconds") + 1]) : 5;
  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
    "",
    "| backend | measure | result | goal |",
    "|---|---|---|---|",
  ];
  // The API server alone, as the goals describe it: no controllers reacting to the load.
  const apiOnly = ["--disable-scheduler", "--disable-controller-manager"];
  if (backend === "sqlite" || backend === "both")
    lines.push(...(await benchBackend("sqlite", apiOnly, seconds)));
  if (backend === "etcd" || backend === "both") {
    const etcd = await startEtcd();
    try {
      lines.push(
        ...(await benchBackend("etcd", [...apiOnly, `--datastore-endpoint=${etcd.endpoint}`], seconds)),
      );
    } finally {
      await etcd.stop();
    }
  }
  process.stdout.write(lines.join("\n") + "\n");
}

await main();
