// Service traffic on one real node (a server with its own node in a network namespace of a lab
// bridge): requests/s and p99 latency with wrk through a ClusterIP, a NodePort and the Ingress,
// each against the same requests sent straight to the pod, and the Ingress against nginx
// configured with the same route; then the time from a new endpoint becoming Ready to the first
// request reaching it, through the ClusterIP and through the Ingress.
// Run (root, containerd, wrk and nginx installed, after `npm run build`):
//   node bench/service-traffic.ts [--rounds 5] [--warmup 2] [--seconds 5] [--connections 32] [--changes 20]
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kubectl } from "../test/support/kubectl.ts";
import { addLabHost, labHostIP, setUpLab, tearDownLab } from "../test/support/lab.ts";
import { startRegistry } from "../test/support/registry.ts";
import { killall, startServer } from "../test/support/server.ts";
import { eventually } from "../test/support/wait.ts";
import { echoImage } from "../test/support/echo-image.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg("rounds", 5);
// Each measurement follows a short unmeasured run of the same requests: a JIT-compiled proxy's
// first seconds (and a cold connection pool) are not its steady state, nor nginx's.
const WARMUP = arg("warmup", 2);
const SECONDS = arg("seconds", 5);
const CONNS = arg("connections", 32);
const CHANGES = arg("changes", 20);
const LAB = 7;
const NGINX_PORT = 8081;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const ECHO = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: echo
  template:
    metadata:
      labels:
        app: echo
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: echo
        image: bench/echo:1
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30080
  selector:
    app: echo
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
spec:
  rules:
  - host: echo.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: echo
            port:
              number: 80
`;

const extraPod = (name: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: echo
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: echo
    image: bench/echo:1
    ports:
    - containerPort: 8080
    readinessProbe:
      tcpSocket:
        port: 8080
      periodSeconds: 1
`;

interface WrkResult {
  rps: number;
  p99ms: number;
}

/** wrk, in a network namespace or on the host, with a Host header; requests/s and p99 latency. */
function wrk(netns: string | undefined, url: string, host?: string, seconds = SECONDS): WrkResult {
  const args = [
    "-t2",
    `-c${CONNS}`,
    `-d${seconds}s`,
    "--latency",
    ...(host ? ["-H", `Host: ${host}`] : []),
    url,
  ];
  const out = netns
    ? execFileSync("nsenter", [`--net=/var/run/netns/${netns}`, "wrk", ...args]).toString()
    : execFileSync("wrk", args).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const m = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
  if (/Non-2xx|Socket errors/.test(out))
    console.error(
      `wrk ${url}: ${out
        .split("\n")
        .filter((l) => /Non-2xx|Socket/.test(l))
        .join("; ")}`,
    );
  return { rps, p99ms };
}

// A client in the node's namespace that sends request after request, each on a new connection
// (so the kernel spreads each one anew), and prints when a pod answers for the first time.
const WATCHER = `
const http = require("node:http");
const [url, host] = process.argv.slice(1);
const seen = new Set();
const one = () => {
  const req = http.get(url, { agent: false, headers: host ? { host } : {} }, (res) => {
    let b = ""; res.on("data", (d) => (b += d)); res.on("end", () => {
      const who = /You've hit (\\S+)/.exec(b)?.[1];
      if (who && !seen.has(who)) { seen.add(who); console.log(JSON.stringify({ who, at: Date.now() })); }
      setImmediate(one);
    });
  });
  req.on("error", () => setTimeout(one, 1));
};
for (let i = 0; i < 4; i++) one();
`;

function startWatcher(
  netns: string,
  url: string,
  host?: string,
): { proc: ChildProcess; firstSeen: Map<string, number> } {
  const proc = spawn(
    "nsenter",
    [`--net=/var/run/netns/${netns}`, process.execPath, "-e", WATCHER, url, host ?? ""],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const firstSeen = new Map<string, number>();
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const { who, at } = JSON.parse(line) as { who: string; at: number };
      firstSeen.set(who, at);
    }
  });
  return { proc, firstSeen };
}

async function main(): Promise<void> {
  setUpLab(LAB);
  const { netns, ip: nodeIP } = addLabHost(2, LAB);
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-traffic-"));
  const registry = await startRegistry({ address: labHostIP(LAB) });
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    console.error("building and pushing the echo image...");
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
      args: ["--bind-address", nodeIP, "--node-ip", nodeIP, "--node-name", "bench-node"],
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
    const podIP = await eventually(
      "echo pod ready",
      async () => {
        const out = await k.ok([
          "get",
          "pods",
          "-l",
          "app=echo",
          "-o",
          "jsonpath={.items[0].status.podIP} {.items[0].status.containerStatuses[0].ready}",
        ]);
        const [ip, ready] = out.split(" ");
        return ready === "true" && ip ? ip : undefined;
      },
      120_000,
    );
    const clusterIP = await k.ok(["get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}"]);
    await eventually("the Ingress answers", async () => {
      try {
        return execFileSync("curl", ["-s", "-H", "Host: echo.example.com", `http://${nodeIP}/`])
          .toString()
          .includes("hit")
          ? true
          : undefined;
      } catch {
        return undefined;
      }
    });
    // The host reaches the node's pods through the node, as a router on the same link would.
    const podCidr = await k.ok(["get", "node", "bench-node", "-o", "jsonpath={.spec.podCIDR}"]);
    execFileSync("ip", ["route", "replace", podCidr, "via", nodeIP]);
    cleanups.push(() => {
      execFileSync("ip", ["route", "del", podCidr]);
    });
    // nginx in the node's namespace with the Ingress's route, as ingress-nginx would configure it.
    const nginxConf = join(dir, "nginx.conf");
    writeFileSync(
      nginxConf,
      `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream echo { server ${podIP}:8080; keepalive 64; }
  server {
    listen ${NGINX_PORT};
    server_name echo.example.com;
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_pass http://echo;
    }
  }
}
`,
    );
    execFileSync("nsenter", [`--net=/var/run/netns/${netns}`, "nginx", "-c", nginxConf]);
    cleanups.push(() => {
      try {
        execFileSync("nsenter", [`--net=/var/run/netns/${netns}`, "nginx", "-c", nginxConf, "-s", "stop"]);
      } catch {
        // already stopped
      }
    });

    const cases: Array<{ name: string; netns?: string; url: string; host?: string }> = [
      { name: "direct to the pod, from the node", netns, url: `http://${podIP}:8080/` },
      { name: "ClusterIP, from the node", netns, url: `http://${clusterIP}/` },
      { name: "direct to the pod, from the host", url: `http://${podIP}:8080/` },
      { name: "NodePort, from the host", url: `http://${nodeIP}:30080/` },
      { name: "Ingress, from the host", url: `http://${nodeIP}/`, host: "echo.example.com" },
      { name: "nginx, from the host", url: `http://${nodeIP}:${NGINX_PORT}/`, host: "echo.example.com" },
    ];
    const results = new Map<string, WrkResult[]>(cases.map((c) => [c.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of cases) {
        if (WARMUP > 0) wrk(c.netns, c.url, c.host, WARMUP);
        const res = wrk(c.netns, c.url, c.host);
        results.get(c.name)!.push(res);
        console.error(`round ${r + 1}: ${c.name}: ${res.rps.toFixed(0)}/s, p99 ${res.p99ms.toFixed(2)} ms`);
      }
    }
    const med = (name: string) => ({
      rps: median(results.get(name)!.map((x) => x.rps)),
      p99: median(results.get(name)!.map((x) => x.p99ms)),
    });
    console.log(`\nwrk -t2 -c${CONNS} -d${SECONDS}s, medians of ${ROUNDS} rounds:`);
    for (const c of cases) {
      const m = med(c.name);
      console.log(`  ${c.name}: ${m.rps.toFixed(0)} requests/s, p99 ${m.p99.toFixed(2)} ms`);
    }
    // Paired: each round measures both paths back to back, so a noisy neighbour moves both.
    const ratio = (a: string, b: string) => {
      const xs = results.get(a)!;
      const ys = results.get(b)!;
      const paired = median(xs.map((x, i) => x.rps / ys[i]!.rps)).toFixed(2);
      return `${paired} (median of ${xs.length} rounds' ratios; ratio of medians ${(med(a).rps / med(b).rps).toFixed(2)})`;
    };
    console.log(
      `  ClusterIP / direct (node): ${ratio("ClusterIP, from the node", "direct to the pod, from the node")} (goal ≥ 0.9)`,
    );
    console.log(
      `  NodePort / direct (host): ${ratio("NodePort, from the host", "direct to the pod, from the host")} (goal ≥ 0.9)`,
    );
    console.log(`  Ingress / nginx: ${ratio("Ingress, from the host", "nginx, from the host")} (goal ≥ 0.5)`);

    // Endpoint changes: a new pod becomes Ready; how long until a request reaches it.
    const watchers = {
      clusterIP: startWatcher(netns, `http://${clusterIP}/`),
      ingress: startWatcher(netns, `http://${nodeIP}/`, "echo.example.com"),
    };
    cleanups.push(() => {
      for (const w of Object.values(watchers)) w.proc.kill();
    });
    const delays = { clusterIP: [] as number[], ingress: [] as number[] };
    const podsRef = "pods";
    for (let i = 0; i < CHANGES; i++) {
      const name = `extra-${i}`;
      writeFileSync(join(dir, `${name}.yaml`), extraPod(name));
      await k.ok(["create", "-f", join(dir, `${name}.yaml`)]);
      // Ready as the API reports it (the watch's view), the moment the endpoint becomes ready.
      const readyAt = await new Promise<number>((resolve, reject) => {
        const w = spawn(k.binary, [
          "--kubeconfig",
          server.kubeconfig,
          "get",
          podsRef,
          name,
          "-w",
          "-o",
          'jsonpath={.status.containerStatuses[0].ready}{"\\n"}',
        ]);
        let b = "";
        w.stdout.on("data", (d: Buffer) => {
          b += d.toString();
          if (b.split("\n").includes("true")) {
            const at = Date.now();
            w.kill();
            resolve(at);
          }
        });
        w.once("error", reject);
      });
      const reached = await eventually(
        `${name} reached through both`,
        async () => {
          const a = watchers.clusterIP.firstSeen.get(name);
          const b = watchers.ingress.firstSeen.get(name);
          return a && b ? { a, b } : undefined;
        },
        10_000,
      );
      delays.clusterIP.push(reached.a - readyAt);
      delays.ingress.push(reached.b - readyAt);
      await k.ok(["delete", "pod", name, "--wait=true"]);
    }
    const show = (xs: number[]) => `p50 ${pct(xs, 50)} ms, p99 ${pct(xs, 99)} ms, max ${Math.max(...xs)} ms`;
    console.log(`\nendpoint Ready (seen by a watch) → first request reaching it, ${CHANGES} changes:`);
    console.log(`  ClusterIP: ${show(delays.clusterIP)} (goal p99 < 1000 ms)`);
    console.log(`  Ingress: ${show(delays.ingress)} (goal p99 < 1000 ms)`);
  } finally {
    for (const c of cleanups.reverse()) await c();
    await registry.stop();
    tearDownLab(LAB);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
