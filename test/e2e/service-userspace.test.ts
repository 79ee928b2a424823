// The service proxy in userspace mode (what a node that is not root gets; forced here with
// --proxy-mode userspace): node ports and LoadBalancer ports answered by listeners on the node,
// with no kernel rules, reached with real HTTP from the host beside the node.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { echoImage } from "../support/echo-image.ts";
import { kubiaImage } from "../support/images.ts";
import { Kubectl } from "../support/kubectl.ts";
import { addLabHost, labHostIP, setUpLab, tearDownLab } from "../support/lab.ts";
import { startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

const LAB = 8;
const POOL = ["10.99.8.200", "10.99.8.201"];

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubia
spec:
  replicas: 2
  selector:
    matchLabels:
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
  name: kubia-sticky
spec:
  type: NodePort
  sessionAffinity: ClientIP
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30126
  selector:
    app: kubia
---
apiVersion: v1
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
---
apiVersion: v1
kind: Service
metadata:
  name: kubia-loadbalancer
spec:
  type: LoadBalancer
  ports:
  - port: 8088
    targetPort: 8080
  selector:
    app: kubia
`;

// The book's readiness probe (chapter 5.5): pods are Running but not ready until /var/ready exists.
const READINESS = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia-ready
spec:
  replicas: 2
  selector:
    app: kubia-ready
  template:
    metadata:
      labels:
        app: kubia-ready
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
        readinessProbe:
          exec:
            command:
            - ls
            - /var/ready
---
apiVersion: v1
kind: Service
metadata:
  name: kubia-ready
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30130
  selector:
    app: kubia-ready
`;

// A UDP server that answers each datagram with its pod's name, behind a UDP LoadBalancer service.
const UDP_ECHO = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: udp-echo
spec:
  replicas: 2
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
  type: LoadBalancer
  selector:
    app: udp-echo
  ports:
  - port: 5353
    protocol: UDP
    nodePort: 30140
`;

/** A UDP client on the host that sends from one source port; ask() waits for the next answer. */
function udpClient() {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const s=require("node:dgram").createSocket("udp4");s.on("message",m=>console.log(m.toString()));s.on("error",e=>console.error(e.message));require("node:readline").createInterface({input:process.stdin}).on("line",l=>{const [h,p]=l.split(" ");s.send("ping",Number(p),h)});`,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const heard: string[] = [];
  child.stdout.on("data", (d: Buffer) => heard.push(...d.toString().trim().split("\n")));
  return {
    heard,
    async ask(host: string, port: number, ms = 1000): Promise<string | undefined> {
      const before = heard.length;
      child.stdin.write(`${host} ${port}\n`);
      const end = Date.now() + ms;
      while (heard.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return heard[before];
    },
    stop: () => child.kill(),
  };
}

const TAKEN = `apiVersion: v1
kind: Service
metadata:
  name: taken
spec:
  type: LoadBalancer
  ports:
  - port: 9099
    targetPort: 8080
  selector:
    app: kubia
`;

function getFrom(url: string, timeoutMs = 3000): Promise<{ body?: string; error?: string; ms: number }> {
  const script = `const t=performance.now();fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(${timeoutMs})}).then(r=>r.text()).then(b=>console.log(JSON.stringify({body:b,ms:performance.now()-t})),e=>console.log(JSON.stringify({error:String(e.cause?.code??e.name),ms:performance.now()-t})))`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["-e", script], (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as { body?: string; ms: number }),
    ),
  );
}

const hit = (body: string | undefined) => /You've hit (\S+)/.exec(body ?? "")?.[1];

describe(
  "service proxy in userspace mode: node ports and load balancers without kernel rules",
  { timeout: 600_000 },
  () => {
    let registry: LocalRegistry;
    let server: RunningServer;
    let k: Kubectl;
    let netns: string;
    let nodeIP: string;
    let serverDir: string;
    let pods: string[] = [];
    let squatter: ChildProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), "skiff-userspace-"));
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };

    const answerers = async (url: string, tries: number) => {
      const seen: string[] = [];
      for (let i = 0; i < tries; i++) {
        const r = await getFrom(url);
        const who = hit(r.body);
        assert.ok(who, `${url}: ${JSON.stringify(r)}`);
        seen.push(who);
      }
      return seen;
    };

    before(async () => {
      setUpLab(LAB);
      ({ netns, ip: nodeIP } = addLabHost(2, LAB));
      registry = await startRegistry({ address: labHostIP(LAB) });
      await registry.push("luksa/kubia", "latest", kubiaImage());
      await registry.push("skiff/node", "latest", echoImage());
      serverDir = mkdtempSync(join(tmpdir(), "skiff-userspace-server-"));
      writeFileSync(
        join(serverDir, "registries.yaml"),
        `mirrors:\n  docker.io:\n    endpoint:\n      - "${registry.url}"\n`,
      );
      // Something else on the node already holds port 9099, before skiff starts.
      squatter = spawn(
        "nsenter",
        [
          `--net=/var/run/netns/${netns}`,
          process.execPath,
          "-e",
          `require("node:net").createServer(s=>s.end("squatter\\n")).listen(9099,"0.0.0.0",()=>console.log("ready"))`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      await new Promise((r) => squatter!.stdout!.once("data", r));
      server = await startServer({
        dataDir: serverDir,
        agent: true,
        netns,
        args: [
          "--bind-address",
          nodeIP,
          "--node-ip",
          nodeIP,
          "--node-name",
          "userspace-node",
          "--proxy-mode",
          "userspace",
          "--service-lb-pool",
          POOL.join("-"),
        ],
      });
      k = new Kubectl(server.kubeconfig);
      await k.ok(["apply", "-f", file("all.yaml", MANIFESTS)]);
      pods = await eventually(
        "2 kubia pods ready",
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
          return rows.length === 2 && rows.every((r) => r[1] === "true") ? rows.map((r) => r[0]!) : undefined;
        },
        120_000,
      ).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\nserver:\n${server.logs().slice(-3000)}`);
      });
    });

    after(async () => {
      await server?.stop();
      if (serverDir) await killall(serverDir, netns);
      squatter?.kill();
      await registry?.stop();
      tearDownLab(LAB);
      rmSync(dir, { recursive: true, force: true });
      if (serverDir) rmSync(serverDir, { recursive: true, force: true });
    });

    it("curl <nodeIP>:30123 from the host answers from both pods, with no KUBE- rules on the node", async () => {
      const seen = await eventually(
        "the node port answers from both pods",
        async () => {
          const s = new Set(await answerers(`http://${nodeIP}:30123/`, 6));
          return s.size === 2 ? s : undefined;
        },
        10_000,
      );
      assert.deepEqual([...seen].sort(), [...pods].sort());
      const nat = execFileSync("nsenter", [
        `--net=/var/run/netns/${netns}`,
        "iptables-save",
        "-t",
        "nat",
      ]).toString();
      assert.doesNotMatch(nat, /KUBE-SERVICES|KUBE-NODEPORTS|KUBE-SVC-/);
    });

    it("a LoadBalancer service gets the pool's first address, which the node announces, and answers there", async () => {
      const external = await eventually(
        "an external IP",
        async () => {
          const ip = await k.ok([
            "get",
            "svc",
            "kubia-loadbalancer",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
          ]);
          return ip || undefined;
        },
        10_000,
      );
      assert.equal(external, POOL[0]);
      const row = await k.ok(["get", "svc", "kubia-loadbalancer", "--no-headers"]);
      assert.match(
        row,
        new RegExp(`LoadBalancer\\s+\\S+\\s+${POOL[0]!.replace(/\./g, "\\.")}\\s+8088:3\\d{4}/TCP`),
      );
      const addrs = execFileSync("nsenter", [
        `--net=/var/run/netns/${netns}`,
        "ip",
        "-o",
        "-4",
        "addr",
        "show",
        "dev",
        "eth0",
      ]).toString();
      assert.match(addrs, new RegExp(`inet ${POOL[0]!.replace(/\./g, "\\.")}/32 .*eth0:lb`));
      const who = await eventually(
        "the load balancer answers",
        async () => hit((await getFrom(`http://${POOL[0]}:8088/`)).body),
        5000,
      );
      assert.ok(pods.includes(who));
    });

    it("sessionAffinity: ClientIP keeps the host on one pod", async () => {
      const seen = await answerers(`http://${nodeIP}:30126/`, 8);
      assert.equal(new Set(seen).size, 1, seen.join(", "));
    });

    it("a node port with no endpoints turns the connection away at once", async () => {
      const r = await getFrom(`http://${nodeIP}:30125/`);
      assert.ok(r.error && r.ms < 1000, JSON.stringify(r));
    });

    it("a port something else holds is reported on the service, which waits without an address; the rest keeps working", async () => {
      await k.ok(["apply", "-f", file("taken.yaml", TAKEN)]);
      const msg = await eventually(
        "a FailedToListen event",
        async () => {
          const out = await k.ok([
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=taken,reason=FailedToListen",
            "-o",
            "jsonpath={.items[*].message}",
          ]);
          return out || undefined;
        },
        10_000,
      );
      assert.match(msg, /node userspace-node cannot listen on port 9099\/TCP: .*EADDRINUSE/);
      assert.equal((await getFrom(`http://${nodeIP}:9099/`)).error !== undefined, true); // the squatter is not HTTP
      const pending = await eventually(
        "taken waits, saying why",
        async () => {
          const out = await k.ok([
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=taken,reason=SyncLoadBalancerFailed",
            "-o",
            "jsonpath={.items[*].message}",
          ]);
          const ip = await k.ok([
            "get",
            "svc",
            "taken",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[*].ip}",
          ]);
          return out && !ip ? out : undefined;
        },
        10_000,
      );
      assert.equal(
        pending,
        "Error syncing load balancer: no node can take port 9099/TCP: another program holds it (see the FailedToListen events)",
      );
      assert.match(await k.ok(["get", "svc", "taken"]), /<pending>/);
      const annotation = await k.ok([
        "get",
        "node",
        "userspace-node",
        "-o",
        "jsonpath={.metadata.annotations.skiff\\.dev/unavailable-ports}",
      ]);
      assert.equal(annotation, "9099/TCP");
      assert.ok(hit((await getFrom(`http://${nodeIP}:30123/`)).body));
    });

    it("the address the waiting service gave back goes to the next one; then the pool is empty", async () => {
      await k.ok([
        "expose",
        "deployment",
        "kubia",
        "--name=next",
        "--type=LoadBalancer",
        "--port=8089",
        "--target-port=8080",
      ]);
      const got = await eventually(
        "next's address",
        async () =>
          (await k.ok(["get", "svc", "next", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"])) ||
          undefined,
        10_000,
      );
      assert.equal(got, POOL[1]);
      assert.ok(
        hit(
          await eventually(
            "next answering",
            async () => (await getFrom(`http://${POOL[1]}:8089/`)).body,
            5000,
          ),
        ),
      );
      await k.ok([
        "expose",
        "deployment",
        "kubia",
        "--name=third",
        "--type=LoadBalancer",
        "--port=8090",
        "--target-port=8080",
      ]);
      const msg = await eventually(
        "the pool-empty event",
        async () =>
          (await k.ok([
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=third,reason=SyncLoadBalancerFailed",
            "-o",
            "jsonpath={.items[*].message}",
          ])) || undefined,
        10_000,
      );
      assert.equal(msg, "Error syncing load balancer: no addresses left in the address pool (2 in all)");
      assert.match(await k.ok(["get", "svc", "third"]), /<pending>/);
    });

    it("UDP: the node port and the load balancer (the address the pool got back) answer from both pods; a client stays on its pod until that pod goes", async () => {
      // Free an address: the pending "third" must not take it first.
      await k.ok(["delete", "svc", "third"]);
      await k.ok(["delete", "svc", "next"]);
      await k.ok(["apply", "-f", file("udp-echo.yaml", UDP_ECHO)]);
      const readyPods = (except?: string) =>
        eventually(
          "2 ready udp-echo pods",
          async () => {
            const out = await k.ok([
              "get",
              "pods",
              "-l",
              "app=udp-echo",
              "-o",
              'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready} {.metadata.deletionTimestamp}{"\\n"}{end}',
            ]);
            const rows = out
              .trim()
              .split("\n")
              .map((l) => l.split(" "))
              .filter((r) => r[0] && r[0] !== except && r[1] === "true" && !r[2]);
            return rows.length === 2 ? rows.map((r) => r[0]!) : undefined;
          },
          90_000,
        );
      const names = await readyPods();
      const external = await eventually(
        "udp-echo's external IP",
        async () =>
          (await k.ok(["get", "svc", "udp-echo", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"])) ||
          undefined,
        10_000,
      );
      assert.equal(external, POOL[1]);
      assert.match(await k.ok(["get", "svc", "udp-echo", "--no-headers"]), /5353:30140\/UDP/);
      // Each new client (a new source port) is a new flow, spread over the pods.
      for (const [host, port] of [
        [nodeIP, 30140],
        [POOL[1]!, 5353],
      ] as const) {
        const seen = await eventually(
          `${host}:${port}/UDP answering from both pods`,
          async () => {
            const s = new Set<string>();
            for (let i = 0; i < 4; i++) {
              const c = udpClient();
              const who = await c.ask(host, port).finally(c.stop);
              if (who) s.add(who);
            }
            return s.size === 2 ? s : undefined;
          },
          10_000,
        );
        assert.deepEqual([...seen].sort(), [...names].sort());
      }
      const c = udpClient();
      try {
        const first = await eventually("an answer", () => c.ask(nodeIP, 30140), 5000);
        for (let i = 0; i < 4; i++) assert.equal(await c.ask(nodeIP, 30140), first);
        await k.ok(["delete", "pod", first, "--wait=false"]);
        const t = Date.now();
        const moved = await eventually(
          "the same client answered by another pod",
          async () => {
            const who = await c.ask(nodeIP, 30140, 300);
            return who && who !== first ? who : undefined;
          },
          5000,
        );
        assert.ok(names.includes(moved) || moved.startsWith("udp-echo-"), moved);
        assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
      } finally {
        c.stop();
      }
      await k.ok(["delete", "-f", file("udp-echo.yaml", UDP_ECHO), "--wait=false"]);
    });

    it("readiness: READY 0/1 until touch /var/ready, then that pod is the only endpoint and takes every request; rm takes it out", async () => {
      await k.ok(["apply", "-f", file("ready.yaml", READINESS)]);
      const names = await eventually(
        "2 pods Running and not ready",
        async () => {
          const out = await k.ok(["get", "pods", "-l", "app=kubia-ready", "--no-headers"]);
          const rows = out
            .trim()
            .split("\n")
            .map((l) => l.split(/\s+/));
          return rows.length === 2 && rows.every((r) => r[1] === "0/1" && r[2] === "Running")
            ? rows.map((r) => r[0]!)
            : undefined;
        },
        60_000,
      );
      const described = await k.ok(["describe", "pod", names[0]!]);
      assert.match(
        described,
        /Readiness:\s+exec \[ls \/var\/ready\] delay=0s timeout=1s period=10s #success=1 #failure=3/,
      );
      assert.equal(
        (await k.ok(["get", "endpoints", "kubia-ready", "-o", "jsonpath={.subsets[*].addresses}"])).trim(),
        "",
      );
      await k.ok(["exec", names[0]!, "--", "touch", "/var/ready"]);
      const t = Date.now();
      await eventually(
        "the touched pod the only endpoint",
        async () => {
          const eps = await k.ok([
            "get",
            "endpoints",
            "kubia-ready",
            "-o",
            "jsonpath={.subsets[*].addresses[*].targetRef.name}",
          ]);
          return eps === names[0] ? eps : undefined;
        },
        15_000,
      );
      assert.ok(Date.now() - t <= 12_000, `ready after ${Date.now() - t} ms`);
      const seen = await eventually(
        "every request on the ready pod",
        async () => {
          const s = await answerers(`http://${nodeIP}:30130/`, 4).catch(() => undefined);
          return s && s.every((w) => w === names[0]) ? s : undefined;
        },
        3000,
      );
      assert.equal(seen.length, 4);
      await k.ok(["exec", names[0]!, "--", "rm", "/var/ready"]);
      await eventually(
        "no ready endpoint left",
        async () => {
          const eps = await k.ok([
            "get",
            "endpoints",
            "kubia-ready",
            "-o",
            "jsonpath={.subsets[*].addresses[*].targetRef.name}",
          ]);
          return eps === "" ? true : undefined;
        },
        45_000,
      );
      // A failing readiness probe never restarts the container.
      const restarts = await k.ok([
        "get",
        "pod",
        names[0]!,
        "-o",
        "jsonpath={.status.containerStatuses[0].restartCount}",
      ]);
      assert.equal(restarts, "0");
    });

    it("scaling to one pod leaves only that pod behind the node port", async () => {
      await k.ok(["scale", "deployment", "kubia", "--replicas", "1"]);
      const left = await eventually(
        "one pod left ready",
        async () => {
          const out = await k.ok([
            "get",
            "endpoints",
            "kubia-nodeport",
            "-o",
            "jsonpath={.subsets[*].addresses[*].targetRef.name}",
          ]);
          const names = out.split(" ").filter(Boolean);
          return names.length === 1 ? names[0] : undefined;
        },
        30_000,
      );
      // How fast is a bench figure, not an assertion here: under CI load this took over 1.5 s.
      await eventually(
        "only the remaining pod answers",
        async () => {
          const seen = new Set(await answerers(`http://${nodeIP}:30123/`, 4));
          return seen.size === 1 && seen.has(left) ? true : undefined;
        },
        5000,
      );
    });
  },
);
