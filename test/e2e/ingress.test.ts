// The Ingress controller as chapter 5 meets it: the book's Ingress (extensions/v1beta1) in front of
// kubia-nodeport, several paths and hosts, TLS from a secret made with kubectl, and what bad
// references get. A server's node and a second agent, each in its own network namespace, both serve
// ports 80 and 443; requests are real HTTP(S) from the host beside them. The kubia image's httpd
// answers "/" and any path ending in "/", so the paths asked for end in one.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { kubiaImage } from "../support/images.ts";
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
import { startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

const LAB = 6;

const KUBIA = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: kubia-nodeport
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30123
  selector:
    app: kubia
---
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - name: http
    port: 80
    targetPort: 8080
  selector:
    app: kubia
`;

// The book's kubia-ingress.yaml, as written for extensions/v1beta1.
const BOOK_INGRESS = `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
`;

const MULTI = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: multi
spec:
  rules:
  - host: multi.example.com
    http:
      paths:
      - path: /kubia
        pathType: Prefix
        backend:
          service:
            name: kubia
            port:
              name: http
      - path: /bar
        pathType: Prefix
        backend:
          service:
            name: bar
            port:
              number: 80
  - host: "*.wild.example.com"
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: kubia
            port:
              number: 80
`;

const TLS_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: kubia-tls
spec:
  tls:
  - hosts:
    - secure.example.com
    secretName: tls-secret
  - hosts:
    - broken.example.com
    secretName: broken-secret
  rules:
  - host: secure.example.com
    http:
      paths:
      - path: /kubia
        pathType: Prefix
        backend:
          service:
            name: kubia
            port:
              number: 80
  - host: broken.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: kubia
            port:
              number: 80
`;

interface Reply {
  status: number;
  body: string;
  subject?: string;
}

/** One HTTP or HTTPS request to a node's address with a Host header (and SNI), as curl --resolve does. */
function send(scheme: "http" | "https", ip: string, host: string, path = "/", port?: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const opts = {
      host: ip,
      port: port ?? (scheme === "http" ? 80 : 443),
      path,
      headers: { host },
      servername: host,
      rejectUnauthorized: false,
      agent: false as const,
      timeout: 5000,
    };
    const req = (scheme === "http" ? httpRequest : httpsRequest)(opts, (res) => {
      const subject =
        scheme === "https"
          ? (res.socket as TLSSocket).getPeerCertificate().subject?.CN?.toString()
          : undefined;
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, subject }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

const hit = (body: string) => /You've hit (\S+)/.exec(body)?.[1];

describe("Ingress: hosts, paths and TLS on every node", { timeout: 600_000 }, () => {
  let registry: LocalRegistry;
  let server: RunningServer;
  let agent: RunningAgent | undefined;
  let k: Kubectl;
  let serverNs: string;
  let serverIP: string;
  let agentNs: string;
  let agentIP: string;
  let serverDir: string;
  let pods: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "skiff-ingress-"));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    setUpLab(LAB);
    ({ netns: serverNs, ip: serverIP } = addLabHost(2, LAB));
    ({ netns: agentNs, ip: agentIP } = addLabHost(3, LAB));
    registry = await startRegistry({ address: labHostIP(LAB) });
    await registry.push("luksa/kubia", "latest", kubiaImage());
    const registries = `mirrors:\n  docker.io:\n    endpoint:\n      - "${registry.url}"\n`;
    serverDir = mkdtempSync(join(tmpdir(), "skiff-ingress-server-"));
    writeFileSync(join(serverDir, "registries.yaml"), registries);
    server = await startServer({
      dataDir: serverDir,
      agent: true,
      netns: serverNs,
      args: ["--bind-address", serverIP, "--node-ip", serverIP, "--node-name", "server-node"],
    });
    k = new Kubectl(server.kubeconfig);
    const agentDir = mkdtempSync(join(tmpdir(), "skiff-ingress-agent-"));
    writeFileSync(join(agentDir, "registries.yaml"), registries);
    agent = startAgent({
      netns: agentNs,
      server: `https://${serverIP}:${server.port}`,
      token: readFileSync(join(serverDir, "token"), "utf8").trim(),
      nodeName: "agent-node",
      nodeIP: agentIP,
      dataDir: agentDir,
    });
    await k.ok(["create", "-f", file("kubia.yaml", KUBIA)]);
    pods = await eventually(
      "3 kubia pods ready",
      async () => {
        const out = await k.ok([
          "get",
          "pods",
          "-l",
          "app=kubia",
          "-o",
          'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready}{"\\n"}{end}',
        ]);
        const rows = out
          .trim()
          .split("\n")
          .map((l) => l.split(" "));
        return rows.length === 3 && rows.every((r) => r[1] === "true") ? rows.map((r) => r[0]!) : undefined;
      },
      120_000,
    ).catch((e: unknown) => {
      throw new Error(
        `${(e as Error).message}\nserver:\n${server.logs().slice(-3000)}\nagent:\n${agent?.logs().slice(-3000)}`,
      );
    });
  });

  after(async () => {
    await server?.stop();
    if (agent) await removeAgent(agent, agentNs);
    if (serverDir) await killall(serverDir, serverNs);
    await registry?.stop();
    tearDownLab(LAB);
    rmSync(dir, { recursive: true, force: true });
    if (serverDir) rmSync(serverDir, { recursive: true, force: true });
  });

  it("ships the skiff IngressClass as the default", async () => {
    const out = await k.ok(["get", "ingressclass"]);
    assert.match(out, /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\n/);
    assert.match(out, /\nskiff\s+skiff\.dev\/ingress-controller\s+<none>\s+/);
    const mark = await k.ok([
      "get",
      "ingressclass",
      "skiff",
      "-o",
      "jsonpath={.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}",
    ]);
    assert.equal(mark, "true");
  });

  it("the book's Ingress gets the class, both nodes' addresses, and answers on both from every pod", async () => {
    await k.ok(["create", "-f", file("kubia-ingress.yaml", BOOK_INGRESS)]);
    const cls = await k.ok(["get", "ingress", "kubia", "-o", "jsonpath={.spec.ingressClassName}"]);
    assert.equal(cls, "skiff");
    // Both nodes' addresses, once both nodes are Ready (the agent may still be joining).
    const table = await eventually("an ADDRESS with both nodes", async () => {
      const out = await k.ok(["get", "ingresses"]);
      return out.includes(serverIP) && out.includes(agentIP) ? out : undefined;
    });
    assert.match(table, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/);
    const row = table.split("\n")[1]!.split(/\s+/);
    assert.deepEqual(row.slice(0, 3), ["kubia", "skiff", "kubia.example.com"]);
    assert.deepEqual(row[3]!.split(",").sort(), [serverIP, agentIP].sort());
    assert.equal(row[4], "80");
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 3; i++) {
      const r = await send("http", i % 2 ? agentIP : serverIP, "kubia.example.com", "/");
      assert.equal(r.status, 200);
      const who = hit(r.body);
      assert.ok(who && pods.includes(who), r.body);
      seen.add(who);
    }
    assert.equal(seen.size, 3, "requests spread over the pods");
    const other = await send("http", serverIP, "nobody.example.com");
    assert.equal(other.status, 404);
  });

  it("routes paths and wildcard hosts; a missing service answers 503 and is reported", async () => {
    await k.ok(["apply", "-f", file("multi.yaml", MULTI)]);
    const kubia = await eventually("the /kubia path routed", async () => {
      const r = await send("http", agentIP, "multi.example.com", "/kubia/x/");
      return r.status === 200 ? r : undefined;
    });
    assert.ok(hit(kubia.body));
    assert.equal((await send("http", agentIP, "multi.example.com", "/kubiax/")).status, 404);
    assert.equal((await send("http", agentIP, "multi.example.com", "/bar/")).status, 503);
    assert.equal((await send("http", serverIP, "a.wild.example.com", "/")).status, 200);
    assert.equal((await send("http", serverIP, "a.b.wild.example.com", "/")).status, 404);
    const events = await eventually("a BadConfig event", async () => {
      const out = await k.ok(["get", "events", "--field-selector", "involvedObject.name=multi"]);
      return out.includes("BadConfig") ? out : undefined;
    });
    assert.match(events, /Warning\s+BadConfig\s+ingress\/multi\s+service "default\/bar" not found/);
    // The service appearing makes the path answer (here with kubia's pods) without touching the Ingress.
    await k.ok(["create", "service", "clusterip", "bar", "--tcp=80:8080"]);
    await k.ok(["set", "selector", "service", "bar", "app=kubia"]);
    await eventually("bar answers", async () => {
      const r = await send("http", agentIP, "multi.example.com", "/bar/");
      return r.status === 200 ? r : undefined;
    });
  });

  it("terminates TLS with the secret kubectl made, chosen by SNI; a broken secret gets the fallback certificate and an event", async () => {
    const key = join(dir, "tls.key");
    const cert = join(dir, "tls.cert");
    execFileSync("openssl", ["genrsa", "-out", key, "2048"], { stdio: "ignore" });
    execFileSync(
      "openssl",
      ["req", "-new", "-x509", "-key", key, "-out", cert, "-days", "360", "-subj", "/CN=secure.example.com"],
      {
        stdio: "ignore",
      },
    );
    await k.ok(["create", "secret", "tls", "tls-secret", `--cert=${cert}`, `--key=${key}`]);
    // A "TLS" secret whose key does not belong to its certificate.
    execFileSync("openssl", ["genrsa", "-out", join(dir, "other.key"), "2048"], { stdio: "ignore" });
    await k.ok([
      "create",
      "secret",
      "generic",
      "broken-secret",
      "--type=kubernetes.io/tls",
      `--from-file=tls.crt=${cert}`,
      `--from-file=tls.key=${join(dir, "other.key")}`,
    ]);
    await k.ok(["create", "-f", file("tls.yaml", TLS_INGRESS)]);
    const secure = await eventually("HTTPS with the secret's certificate", async () => {
      const r = await send("https", serverIP, "secure.example.com", "/kubia/");
      return r.subject === "secure.example.com" ? r : undefined;
    });
    assert.equal(secure.status, 200);
    assert.ok(hit(secure.body));
    const viaAgent = await send("https", agentIP, "secure.example.com", "/kubia/");
    assert.equal(viaAgent.subject, "secure.example.com");
    const ports = await k.ok([
      "get",
      "ingress",
      "kubia-tls",
      "-o",
      "custom-columns=PORTS:.spec.tls[*].secretName",
    ]);
    assert.match(ports, /tls-secret,broken-secret/);
    assert.match(
      await k.ok(["get", "ingress", "kubia-tls"]),
      /kubia-tls\s+skiff\s+secure\.example\.com,broken\.example\.com\s+\S+\s+80, 443\s/,
    );
    const broken = await send("https", serverIP, "broken.example.com", "/");
    assert.equal(broken.subject, "Kubernetes Ingress Controller Fake Certificate");
    assert.equal(broken.status, 200, "the host is still served, with the fallback certificate");
    const events = await eventually("the broken secret reported", async () => {
      const out = await k.ok(["get", "events", "--field-selector", "involvedObject.name=kubia-tls"]);
      return out.includes("broken-secret") ? out : undefined;
    });
    assert.match(
      events,
      /BadConfig\s+ingress\/kubia-tls\s+secret "default\/broken-secret": tls.key does not match tls.crt/,
    );
  });

  it("a pod that becomes unready leaves the Ingress's rotation within a second", async () => {
    const victim = pods[0]!;
    await k.ok(["delete", "pod", victim, "--wait=false"]);
    await eventually("gone from the endpoints", async () => {
      const out = await k.ok([
        "get",
        "endpoints",
        "kubia-nodeport",
        "-o",
        "jsonpath={.subsets[*].addresses[*].targetRef.name}",
      ]);
      return out.includes(victim) ? undefined : out;
    });
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 12; i++) {
      const r = await send("http", i % 2 ? agentIP : serverIP, "kubia.example.com");
      assert.notEqual(hit(r.body), victim);
    }
  });
  it("a LoadBalancer on the Ingress's port 80 stays pending with the reason; on 8080 it gets both nodes and answers", async () => {
    await k.ok([
      "expose",
      "rc",
      "kubia",
      "--name=lb-80",
      "--type=LoadBalancer",
      "--port=80",
      "--target-port=8080",
    ]);
    await k.ok(["expose", "rc", "kubia", "--name=lb-8080", "--type=LoadBalancer", "--port=8080"]);
    const ips = await eventually("lb-8080's addresses", async () => {
      const out = await k.ok([
        "get",
        "svc",
        "lb-8080",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[*].ip}",
      ]);
      return out.split(" ").length === 2 ? out.split(" ").sort() : undefined;
    });
    assert.deepEqual(ips, [serverIP, agentIP].sort());
    const r = await eventually("lb-8080 answering", async () => {
      const got = await send("http", agentIP, "anything", "/", 8080).catch(() => undefined);
      return got && hit(got.body) ? got : undefined;
    });
    assert.equal(r.status, 200);
    const ev = await eventually("lb-80's event", async () => {
      const out = await k.ok([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=lb-80,reason=SyncLoadBalancerFailed",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return out || undefined;
    });
    assert.equal(
      ev,
      "Error syncing load balancer: port 80/TCP is used by the Ingress controller on every node",
    );
    assert.match(await k.ok(["get", "svc", "lb-80"]), /<pending>/);
    // The Ingress still has port 80 on both nodes.
    assert.ok(hit((await send("http", serverIP, "kubia.example.com")).body));
  });
});
