// The service proxy in the kernel, as the book's chapter 5 meets it: a server's node and a second
// agent, each in its own network namespace, the RC's pods spread over both. Requests are real HTTP
// from pods (kubectl exec), from a node itself, and from the host beside the nodes.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { echoImage } from "../support/echo-image.ts";
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

const LAB = 5;

const KUBIA_RC = `apiVersion: v1
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
`;

const KUBIA_SVC = `apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
`;

const KUBIA_NODEPORT = `apiVersion: v1
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
`;

// One pod on the server's node, behind a node port with externalTrafficPolicy: Local.
const LOCAL_ONLY = `apiVersion: v1
kind: Pod
metadata:
  name: local-kubia
  labels:
    app: local-kubia
spec:
  nodeName: server-node
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
  name: kubia-local
spec:
  type: NodePort
  externalTrafficPolicy: Local
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30124
  selector:
    app: local-kubia
`;

const NO_ENDPOINTS = `apiVersion: v1
kind: Service
metadata:
  name: nobody
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 30125
  selector:
    app: nobody-has-this
`;

// A resolver on a node's loopback standing in for the machine's own (which tests must not use):
// it knows upstream.test and nothing else.
const FAKE_UPSTREAM = `
const dgram = require("node:dgram");
const dnsPacket = require(${JSON.stringify(join(import.meta.dirname, "../../node_modules/dns-packet"))});
const s = dgram.createSocket("udp4");
s.on("message", (m, r) => {
  const q = dnsPacket.decode(m);
  const name = q.questions[0].name;
  const known = name === "upstream.test";
  s.send(dnsPacket.encode({ type: "response", id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions,
    answers: known ? [{ name, type: "A", ttl: 30, data: "192.0.2.1" }] : [] }), r.port, r.address);
});
s.bind(53, "127.0.0.1", () => console.log("ready"));
`;

// Chapter 5.1.1: a multi-port service, one port by the container port's name.
const MULTI_PORT = `apiVersion: v1
kind: Pod
metadata:
  name: named-kubia
  labels:
    app: named-kubia
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: kubia
    image: luksa/kubia
    ports:
    - name: http
      containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: kubia-multi
spec:
  selector:
    app: named-kubia
  ports:
  - name: http
    port: 80
    targetPort: http
  - name: alt
    port: 8081
    targetPort: 8080
`;

// A UDP server that answers each datagram with its pod's name.
const UDP_ECHO = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: udp-echo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: udp-echo
  template:
    metadata:
      labels:
        app: udp-echo
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: echo
        image: skiff/node
        command:
        - /usr/bin/node
        - -e
        - 'const s = require("node:dgram").createSocket("udp4"); const n = require("node:os").hostname(); s.on("message", (m, r) => s.send(n, r.port, r.address)); s.bind(5353);'
---
apiVersion: v1
kind: Service
metadata:
  name: udp-echo
spec:
  selector:
    app: udp-echo
  ports:
  - port: 5353
    protocol: UDP
`;

const HEADLESS = `apiVersion: v1
kind: Service
metadata:
  name: kubia-headless
spec:
  clusterIP: None
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
---
apiVersion: v1
kind: Service
metadata:
  name: external-name
spec:
  type: ExternalName
  externalName: api.somecompany.com
`;

/** An HTTP GET from inside a network namespace (a node itself), by a Node process there. */
function getFrom(
  netns: string | undefined,
  url: string,
  timeoutMs = 3000,
): Promise<{ body?: string; error?: string; ms: number }> {
  const script = `const t=performance.now();fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(${timeoutMs})}).then(r=>r.text()).then(b=>console.log(JSON.stringify({body:b,ms:performance.now()-t})),e=>console.log(JSON.stringify({error:String(e.cause?.code??e.name),ms:performance.now()-t})))`;
  const [cmd, args] = netns
    ? ["nsenter", [`--net=/var/run/netns/${netns}`, process.execPath, "-e", script]]
    : [process.execPath, ["-e", script]];
  return new Promise((resolve, reject) =>
    execFile(cmd, args, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as { body?: string; ms: number }),
    ),
  );
}

const hit = (body: string | undefined) => /You've hit (\S+)/.exec(body ?? "")?.[1];

describe("service proxy: ClusterIP, NodePort and their policies in iptables", { timeout: 600_000 }, () => {
  let registry: LocalRegistry;
  let server: RunningServer;
  let agent: RunningAgent | undefined;
  let k: Kubectl;
  let serverNs: string;
  let serverIP: string;
  let agentNs: string;
  let agentIP: string;
  let serverDir: string;
  let clusterIP = "";
  let pods: string[] = [];
  const upstreams: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "skiff-proxy-"));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const curlInPod = async (pod: string, url: string) =>
    hit(await k.ok(["exec", pod, "--", "curl", "-s", url]));

  before(async () => {
    setUpLab(LAB);
    ({ netns: serverNs, ip: serverIP } = addLabHost(2, LAB));
    ({ netns: agentNs, ip: agentIP } = addLabHost(3, LAB));
    const resolvConf = join(dir, "resolv.conf");
    writeFileSync(resolvConf, "nameserver 127.0.0.1\n");
    for (const ns of [serverNs, agentNs]) {
      const p = spawn("nsenter", [`--net=/var/run/netns/${ns}`, process.execPath, "-e", FAKE_UPSTREAM], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      upstreams.push(p);
      await new Promise((r) => p.stdout!.once("data", r));
    }
    registry = await startRegistry({ address: labHostIP(LAB) });
    await registry.push("luksa/kubia", "latest", kubiaImage());
    await registry.push("skiff/node", "latest", echoImage());
    const registries = `mirrors:\n  docker.io:\n    endpoint:\n      - "${registry.url}"\n`;
    serverDir = mkdtempSync(join(tmpdir(), "skiff-proxy-server-"));
    writeFileSync(join(serverDir, "registries.yaml"), registries);
    server = await startServer({
      dataDir: serverDir,
      agent: true,
      netns: serverNs,
      args: [
        "--bind-address",
        serverIP,
        "--node-ip",
        serverIP,
        "--node-name",
        "server-node",
        "--resolv-conf",
        resolvConf,
        // The book's LoadBalancer wants port 80, which an Ingress controller would keep (ingress.test.ts).
        "--ingress-http-port",
        "0",
      ],
    });
    k = new Kubectl(server.kubeconfig);
    const agentDir = mkdtempSync(join(tmpdir(), "skiff-proxy-agent-"));
    writeFileSync(join(agentDir, "registries.yaml"), registries);
    agent = startAgent({
      netns: agentNs,
      server: `https://${serverIP}:${server.port}`,
      token: readFileSync(join(serverDir, "token"), "utf8").trim(),
      nodeName: "agent-node",
      nodeIP: agentIP,
      dataDir: agentDir,
      args: ["--resolv-conf", resolvConf, "--ingress-http-port", "0"],
    });
    await eventually(
      "both nodes Ready",
      async () => {
        const out = await k.ok([
          "get",
          "nodes",
          "-o",
          "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}",
        ]);
        return out === "True True" ? out : undefined;
      },
      60_000,
    ).catch((e: unknown) => {
      throw new Error(
        `${(e as Error).message}\nserver:\n${server.logs().slice(-3000)}\nagent:\n${agent?.logs().slice(-3000)}`,
      );
    });
    await k.ok(["create", "-f", file("kubia-rc.yaml", KUBIA_RC)]);
    await k.ok(["create", "-f", file("kubia-svc.yaml", KUBIA_SVC)]);
    pods = await eventually(
      "3 kubia pods ready, on both nodes",
      async () => {
        const out = await k.ok([
          "get",
          "pods",
          "-l",
          "app=kubia",
          "-o",
          'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.containerStatuses[0].ready}{"\\n"}{end}',
        ]);
        const rows = out
          .trim()
          .split("\n")
          .map((l) => l.split(" "));
        const nodes = new Set(rows.map((r) => r[1]));
        return rows.length === 3 && rows.every((r) => r[2] === "true") && nodes.size === 2
          ? rows.map((r) => r[0])
          : undefined;
      },
      120_000,
    );
    clusterIP = await k.ok(["get", "svc", "kubia", "-o", "jsonpath={.spec.clusterIP}"]);
  });

  after(async () => {
    await server?.stop();
    if (agent) await removeAgent(agent, agentNs);
    if (serverDir) await killall(serverDir, serverNs);
    await registry?.stop();
    for (const p of upstreams) p.kill();
    tearDownLab(LAB);
    rmSync(dir, { recursive: true, force: true });
    if (serverDir) rmSync(serverDir, { recursive: true, force: true });
  });

  it("kubectl exec ... curl of the cluster IP answers from different pods", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 3; i++) {
      const who = await curlInPod(pods[0], `http://${clusterIP}`);
      assert.ok(who && pods.includes(who), `answered by ${who}`);
      seen.add(who);
    }
    assert.ok(seen.size >= 2, `only ${[...seen].join(", ")} answered`);
  });

  it("the nodes themselves reach the cluster IP, each spreading over pods on both nodes", async () => {
    for (const ns of [serverNs, agentNs]) {
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 3; i++) {
        const r = await getFrom(ns, `http://${clusterIP}`);
        const who = hit(r.body);
        assert.ok(who && pods.includes(who), `from ${ns}: ${JSON.stringify(r)}`);
        seen.add(who);
      }
      assert.ok(seen.size >= 2, `from ${ns} only ${[...seen].join(", ")} answered`);
    }
  });

  it("rules follow kube-proxy's layout: KUBE-SERVICES → KUBE-SVC- → KUBE-SEP- with DNAT to each pod", () => {
    const nat = execFileSync("nsenter", [
      `--net=/var/run/netns/${agentNs}`,
      "iptables-save",
      "-t",
      "nat",
    ]).toString();
    assert.match(
      nat,
      new RegExp(
        `-A KUBE-SERVICES -d ${clusterIP.replace(/\./g, "\\.")}/32 -p tcp -m comment --comment "default/kubia cluster IP" -m tcp --dport 80 -j KUBE-SVC-`,
      ),
    );
    assert.equal(nat.match(/-j DNAT --to-destination 10\.42\.\d+\.\d+:8080/g)?.length, 3);
    assert.match(nat, /-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES/);
  });

  it("sessionAffinity ClientIP keeps one client on one pod", async () => {
    await k.ok(["patch", "svc", "kubia", "-p", '{"spec":{"sessionAffinity":"ClientIP"}}']);
    const first = await eventually("affinity in effect", async () => {
      const a = await curlInPod(pods[1], `http://${clusterIP}`);
      const b = await curlInPod(pods[1], `http://${clusterIP}`);
      return a && a === b ? a : undefined;
    });
    for (let i = 0; i < 8; i++) assert.equal(await curlInPod(pods[1], `http://${clusterIP}`), first);
    await k.ok(["patch", "svc", "kubia", "-p", '{"spec":{"sessionAffinity":"None"}}']);
  });

  it("a NodePort answers on every node's address, from the host beside them and on a node's 127.0.0.1", async () => {
    await k.ok(["create", "-f", file("kubia-nodeport.yaml", KUBIA_NODEPORT)]);
    await eventually("node port 30123 answering on both nodes", async () => {
      const a = await getFrom(undefined, `http://${serverIP}:30123`);
      const b = await getFrom(undefined, `http://${agentIP}:30123`);
      return hit(a.body) && hit(b.body) ? true : undefined;
    });
    const local = await getFrom(agentNs, "http://127.0.0.1:30123");
    assert.ok(hit(local.body), JSON.stringify(local));
    assert.match(await k.ok(["get", "svc", "kubia-nodeport"]), /80:30123\/TCP/);
  });

  it("externalTrafficPolicy Local: only the node with the pod answers, and the pod sees the client's address", async () => {
    await k.ok(["create", "-f", file("local.yaml", LOCAL_ONLY)]);
    await eventually("local-kubia answering on the server node", async () =>
      hit((await getFrom(undefined, `http://${serverIP}:30124`)).body),
    );
    // The agent's node has no endpoint of its own: the connection hangs (dropped), as upstream.
    const r = await getFrom(undefined, `http://${agentIP}:30124`, 2000);
    assert.equal(r.body, undefined);
    assert.equal(r.error, "TimeoutError");
    const logs = await k.ok(["logs", "local-kubia"]);
    assert.match(
      logs,
      new RegExp(labHostIP(LAB).replace(/\./g, "\\.")),
      "the client's own address reached the pod",
    );
  });

  it("a pod reaches itself through its own service (hairpin)", async () => {
    const ip = await k.ok(["get", "svc", "kubia-local", "-o", "jsonpath={.spec.clusterIP}"]);
    assert.equal(await curlInPod("local-kubia", `http://${ip}`), "local-kubia");
  });

  it("a service without endpoints refuses at once instead of hanging", async () => {
    await k.ok(["create", "-f", file("nobody.yaml", NO_ENDPOINTS)]);
    const ip = await k.ok(["get", "svc", "nobody", "-o", "jsonpath={.spec.clusterIP}"]);
    const r = await eventually("rejected", async () => {
      const x = await getFrom(serverNs, `http://${ip}`, 3000);
      return x.error === "ECONNREFUSED" ? x : undefined;
    });
    assert.ok(r.ms < 1000, `refused after ${r.ms} ms`);
    const np = await getFrom(undefined, `http://${agentIP}:30125`, 3000);
    assert.equal(np.error, "ECONNREFUSED");
  });

  it("a selector-less service reaches the addresses of its user-written Endpoints", async () => {
    const ips = await Promise.all(
      pods.slice(0, 2).map((p) => k.ok(["get", "pod", p, "-o", "jsonpath={.status.podIP}"])),
    );
    const manifest = `apiVersion: v1
kind: Service
metadata:
  name: external-service
spec:
  ports:
  - port: 80
---
apiVersion: v1
kind: Endpoints
metadata:
  name: external-service
subsets:
- addresses:
${ips.map((ip) => `  - ip: ${ip}`).join("\n")}
  ports:
  - port: 8080
`;
    await k.ok(["create", "-f", file("external.yaml", manifest)]);
    const ip = await k.ok(["get", "svc", "external-service", "-o", "jsonpath={.spec.clusterIP}"]);
    const seen = await eventually("both addresses answering", async () => {
      const got = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const who = hit((await getFrom(agentNs, `http://${ip}`)).body);
        if (who) got.add(who);
      }
      return got.size === 2 ? got : undefined;
    });
    assert.deepEqual([...seen].sort(), pods.slice(0, 2).sort());
  });

  it("kube-dns in kube-system has the fixed cluster IP and both nodes' DNS servers as endpoints", async () => {
    assert.match(
      await k.ok(["get", "svc", "-n", "kube-system", "kube-dns"]),
      /kube-dns\s+ClusterIP\s+10\.43\.0\.10\s+<none>\s+53\/UDP,53\/TCP/,
    );
    await eventually("both nodes behind kube-dns", async () => {
      const out = await k.ok([
        "get",
        "endpoints",
        "-n",
        "kube-system",
        "kube-dns",
        "-o",
        "jsonpath={.subsets[*].addresses[*].ip}",
      ]);
      return out.split(" ").sort().join(" ") === [serverIP, agentIP].sort().join(" ") ? out : undefined;
    });
  });

  it("inside a pod, curl http://kubia, kubia.default and the full name all work; resolv.conf has the search path", async () => {
    const conf = await k.ok(["exec", pods[0], "--", "cat", "/etc/resolv.conf"]);
    assert.match(conf, /nameserver 10\.43\.0\.10/);
    assert.match(conf, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    assert.match(conf, /options ndots:5/);
    for (const name of ["kubia", "kubia.default", "kubia.default.svc.cluster.local"]) {
      const who = await eventually(`curl http://${name}`, () => curlInPod(pods[1], `http://${name}`));
      assert.ok(pods.includes(who), `${name} answered by ${who}`);
    }
  });

  it("nslookup: a headless service gives one address per ready pod, an ExternalName a CNAME, a missing name NXDOMAIN", async () => {
    await k.ok(["create", "-f", file("headless.yaml", HEADLESS)]);
    const ips = await Promise.all(pods.map((p) => k.ok(["get", "pod", p, "-o", "jsonpath={.status.podIP}"])));
    const out = await eventually("headless records", async () => {
      const r = await k.run(["exec", pods[0], "--", "nslookup", "kubia-headless.default.svc.cluster.local"]);
      return ips.every((ip) => r.stdout.includes(ip)) ? r.stdout : undefined;
    });
    assert.doesNotMatch(out, new RegExp(clusterIP.replace(/\./g, "\\.")));
    const cname = await k.ok([
      "exec",
      pods[0],
      "--",
      "nslookup",
      "-type=cname",
      "external-name.default.svc.cluster.local",
    ]);
    assert.match(cname, /canonical name = api\.somecompany\.com/);
    const missing = await k.run(["exec", pods[0], "--", "nslookup", "missing.default.svc.cluster.local"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
  });

  it("names outside the cluster are forwarded to the node's resolvers", async () => {
    const out = await k.ok(["exec", pods[2], "--", "nslookup", "upstream.test"]);
    assert.match(out, /192\.0\.2\.1/);
    const missing = await k.run(["exec", pods[2], "--", "nslookup", "nowhere.test"]);
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
  });

  it("a multi-port service answers on each port, the named target port resolved to the pod's", async () => {
    await k.ok(["apply", "-f", file("multi.yaml", MULTI_PORT)]);
    try {
      const ip = await k.ok(["get", "svc", "kubia-multi", "-o", "jsonpath={.spec.clusterIP}"]);
      for (const url of [`http://${ip}/`, `http://${ip}:8081/`])
        assert.equal(
          await eventually(url, async () => hit((await getFrom(serverNs, url)).body), 60_000),
          "named-kubia",
        );
      const eps = await k.ok([
        "get",
        "endpoints",
        "kubia-multi",
        "-o",
        "jsonpath={.subsets[0].ports[*].name}",
      ]);
      assert.deepEqual(eps.split(" ").sort(), ["alt", "http"]);
    } finally {
      await k.ok(["delete", "-f", file("multi.yaml", MULTI_PORT), "--wait=false"]);
    }
  });

  it("a pod started after the service sees KUBIA_SERVICE_HOST/PORT; ping kubia resolves and loses every packet", async () => {
    await k.ok(["run", "envcheck", "--image=luksa/kubia", "--restart=Never"]);
    try {
      await eventually(
        "envcheck running",
        async () =>
          (await k.ok(["get", "pod", "envcheck", "-o", "jsonpath={.status.containerStatuses[0].ready}"])) ===
          "true"
            ? true
            : undefined,
        60_000,
      );
      const env = await k.ok(["exec", "envcheck", "--", "env"]);
      assert.match(env, new RegExp(`^KUBIA_SERVICE_HOST=${clusterIP.replace(/\./g, "\\.")}$`, "m"));
      assert.match(env, /^KUBIA_SERVICE_PORT=80$/m);
      assert.match(env, /^KUBERNETES_SERVICE_HOST=10\.43\.0\.1$/m);
      assert.match(env, /^KUBERNETES_SERVICE_PORT=443$/m);
      // A cluster IP is virtual: only the service's ports are routed, so ping gets nothing back.
      const ping = await k.run(["exec", "envcheck", "--", "ping", "-c", "2", "-W", "1", "kubia"]);
      const out = ping.stdout + ping.stderr;
      assert.match(out, new RegExp(`PING kubia \\(${clusterIP.replace(/\./g, "\\.")}\\)`));
      assert.match(out, /100% packet loss/);
    } finally {
      await k.ok(["delete", "pod", "envcheck", "--wait=false"]);
    }
  });

  it("a LoadBalancer gets the nodes' addresses as EXTERNAL-IP and answers there; a second one on the same port stays pending", async () => {
    await k.ok([
      "expose",
      "rc",
      "kubia",
      "--name=kubia-loadbalancer",
      "--type=LoadBalancer",
      "--port=80",
      "--target-port=8080",
    ]);
    const ips = await eventually("external IPs", async () => {
      const out = await k.ok([
        "get",
        "svc",
        "kubia-loadbalancer",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[*].ip}",
      ]);
      return out.split(" ").length === 2 ? out.split(" ") : undefined;
    });
    assert.deepEqual(ips.sort(), [serverIP, agentIP].sort());
    assert.match(
      await k.ok(["get", "svc", "kubia-loadbalancer"]),
      new RegExp(`LoadBalancer\\s+\\S+\\s+${ips.join(",").replace(/\./g, "\\.")}\\s+80:3\\d+/TCP`),
    );
    for (const ip of ips)
      await eventually(`http://${ip} answering`, async () =>
        hit((await getFrom(undefined, `http://${ip}`)).body),
      );
    await k.ok([
      "expose",
      "rc",
      "kubia",
      "--name=kubia-lb2",
      "--type=LoadBalancer",
      "--port=80",
      "--target-port=8080",
    ]);
    await eventually("the clash reported", async () => {
      const ev = await k.ok([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=kubia-lb2",
        "-o",
        "custom-columns=R:.reason,M:.message",
      ]);
      return /SyncLoadBalancerFailed.*port 80\/TCP on the nodes is already used by service default\/kubia-loadbalancer/.test(
        ev,
      )
        ? ev
        : undefined;
    }).catch(async (e: unknown) => {
      throw new Error(
        `${(e as Error).message}\n${await k.ok(["get", "svc", "kubia-lb2", "-o", "yaml"])}\n${await k.ok(["get", "events", "-A"])}\n${server
          .logs()
          .split("\n")
          .filter((l) => /warn|error/.test(l))
          .slice(-10)
          .join("\n")}`,
      );
    });
    assert.match(await k.ok(["get", "svc", "kubia-lb2"]), /<pending>/);
  });

  it("a UDP client that keeps sending moves to the new pod when its pod is replaced (stale conntrack flows removed)", async () => {
    await k.ok(["apply", "-f", file("udp-echo.yaml", UDP_ECHO)]);
    const readyPod = (except?: string) =>
      eventually(
        "a ready udp-echo pod",
        async () => {
          const out = await k.ok([
            "get",
            "pods",
            "-l",
            "app=udp-echo",
            "-o",
            'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready} {.status.podIP} {.metadata.deletionTimestamp}{"\\n"}{end}',
          ]);
          const rows = out
            .trim()
            .split("\n")
            .map((l) => l.split(" "));
          const row = rows.find((r) => r[0] && r[0] !== except && r[1] === "true" && !r[3]);
          return row ? { name: row[0]!, ip: row[2]! } : undefined;
        },
        90_000,
      );
    const first = await readyPod();
    const ip = await k.ok(["get", "svc", "udp-echo", "-o", "jsonpath={.spec.clusterIP}"]);
    // One source port throughout: the same conntrack flow for as long as the client sends.
    const client = spawn(
      "nsenter",
      [
        `--net=/var/run/netns/${serverNs}`,
        process.execPath,
        "-e",
        `const s=require("node:dgram").createSocket("udp4");s.on("message",m=>console.log(m.toString()));s.on("error",()=>{});s.bind(40123,()=>setInterval(()=>s.send("ping",5353,${JSON.stringify(ip)}),100));`,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    const heard: string[] = [];
    client.stdout!.on("data", (d: Buffer) => heard.push(...d.toString().trim().split("\n")));
    try {
      await eventually(
        "the first pod answering",
        async () => (heard.includes(first.name) ? true : undefined),
        15_000,
      );
      await k.ok(["delete", "pod", first.name, "--wait=false"]);
      const second = await readyPod(first.name);
      assert.notEqual(second.ip, first.ip);
      const t = Date.now();
      await eventually(
        "the new pod answering the same client",
        async () => (heard.includes(second.name) ? true : undefined),
        5000,
      );
      assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
    } finally {
      client.kill();
      await k.ok(["delete", "-f", file("udp-echo.yaml", UDP_ECHO), "--wait=false"]);
    }
  });

  it("a deleted pod stops receiving traffic within a second of leaving the endpoints", async () => {
    const victim = pods[2];
    await k.ok(["delete", "pod", victim, "--wait=false"]);
    await eventually("gone from the endpoints", async () => {
      const out = await k.ok([
        "get",
        "endpoints",
        "kubia",
        "-o",
        "jsonpath={.subsets[*].addresses[*].targetRef.name}",
      ]);
      return out.includes(victim) ? undefined : out;
    });
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 15; i++) {
      const who = hit((await getFrom(serverNs, `http://${clusterIP}`)).body);
      assert.notEqual(who, victim);
    }
  });

  it("the agent's rules are removed when it stops", async () => {
    await agent!.stop();
    const all = execFileSync("nsenter", [`--net=/var/run/netns/${agentNs}`, "iptables-save"]).toString();
    assert.doesNotMatch(all, /KUBE-/);
    await removeAgent(agent!, agentNs);
    agent = undefined;
  });
});
