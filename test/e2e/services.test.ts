// Chapter 5 services with the real kubectl 1.32 against a fresh `skiff server`: cluster IPs, node
// ports, Endpoints and EndpointSlices from pods, user-written Endpoints, ExternalName.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { manifestsIn } from "../support/book.ts";

let server: RunningServer;
let k: Kubectl;
const dir = mkdtempSync(join(tmpdir(), "skiff-services-"));
const manifest = manifestsIn(dir);

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() - start > timeoutMs)
      assert.fail(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await fn();
  }
  return last;
}

const kubiaSvc = manifest(
  "kubia-svc.yaml",
  `apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
`,
);

const kubiaNodePort = (name: string) =>
  manifest(
    `${name}.yaml`,
    `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30123
  selector:
    app: kubia
`,
  );

const externalService = manifest(
  "external-service.yaml",
  `apiVersion: v1
kind: Service
metadata:
  name: external-service
spec:
  ports:
  - port: 80
`,
);

const externalEndpoints = manifest(
  "external-service-endpoints.yaml",
  `apiVersion: v1
kind: Endpoints
metadata:
  name: external-service
subsets:
  - addresses:
    - ip: 11.11.11.11
    - ip: 22.22.22.22
    ports:
    - port: 80
`,
);

const externalName = manifest(
  "external-service-externalname.yaml",
  `apiVersion: v1
kind: Service
metadata:
  name: external-service-name
spec:
  type: ExternalName
  externalName: api.somecompany.com
  ports:
  - port: 80
`,
);

const pod = (name: string, labels = "app: kubia") =>
  manifest(
    `${name}.yaml`,
    `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - name: http
      containerPort: 8080
`,
  );

/** What the kubelet reports once the pod runs: its IP and, when ready, the Ready condition. */
async function markRunning(name: string, ip: string, ready: boolean): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const status = {
    status: {
      phase: "Running",
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now }],
    },
  };
  await k.ok(["patch", "pod", name, "--subresource=status", "--type=merge", "-p", JSON.stringify(status)]);
}

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

describe("cluster IPs and node ports (need the ServiceAllocator wired into the API server)", () => {
  test("the kubernetes service is there with 10.43.0.1 and 443/TCP", async () => {
    const out = await eventually(
      () => k.run(["get", "svc", "kubernetes"]),
      (r) => r.code === 0,
    );
    assert.match(out.stdout, /^kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP\s+/m);
  });

  test("kubia gets a cluster IP in 10.43.0.0/16", async () => {
    assert.match(await k.ok(["create", "-f", kubiaSvc]), /^service\/kubia created$/m);
    const ip = await k.ok(["get", "svc", "kubia", "-o", "jsonpath={.spec.clusterIP}"]);
    assert.match(ip, /^10\.43\.\d+\.\d+$/);
    assert.notEqual(ip, "10.43.0.1");
    const clusterIPs = await k.ok(["get", "svc", "kubia", "-o", "jsonpath={.spec.clusterIPs[0]}"]);
    assert.equal(clusterIPs, ip);
  });

  test("a NodePort service keeps nodePort 30123; a second one asking for it gets a 422", async () => {
    await k.ok(["create", "-f", kubiaNodePort("kubia-nodeport")]);
    const row = await k.ok(["get", "svc", "kubia-nodeport", "--no-headers"]);
    assert.match(row, /^kubia-nodeport\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:30123\/TCP\s+/);
    const r = await k.run(["create", "-f", kubiaNodePort("kubia-nodeport-2")]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /The Service "kubia-nodeport-2" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30123: provided port is already allocated/,
    );
  });

  test("the kubernetes service comes back after kubectl delete all --all", async () => {
    await k.ok(["delete", "svc", "kubernetes"]);
    const out = await eventually(
      () => k.run(["get", "svc", "kubernetes", "--no-headers"]),
      (r) => r.code === 0,
      15_000,
    );
    assert.match(out.stdout, /10\.43\.0\.1/);
  });
});

describe("endpoints", () => {
  before(async () => {
    // Independent of the allocator wiring: these only need the controllers.
    const have = await k.run(["get", "svc", "kubia"]);
    if (have.code !== 0) await k.ok(["create", "-f", kubiaSvc]);
    for (const name of ["kubia-a", "kubia-b", "kubia-c"]) await k.ok(["create", "-f", pod(name)]);
    await k.ok(["create", "-f", pod("other", "app: other")]);
    await markRunning("kubia-a", "10.42.0.5", true);
    await markRunning("kubia-b", "10.42.0.6", true);
    await markRunning("kubia-c", "10.42.0.7", false);
    await markRunning("other", "10.42.0.9", true);
  });

  test("get endpoints kubia lists the ready pods' IPs with the target port", async () => {
    const out = await eventually(
      () => k.ok(["get", "endpoints", "kubia", "--no-headers"]),
      (s) => /10\.42\.0\.5:8080,10\.42\.0\.6:8080/.test(s),
    );
    assert.match(out, /^kubia\s+10\.42\.0\.5:8080,10\.42\.0\.6:8080\s+/);
    const notReady = await k.ok([
      "get",
      "endpoints",
      "kubia",
      "-o",
      "jsonpath={.subsets[0].notReadyAddresses[*].ip}",
    ]);
    assert.equal(notReady, "10.42.0.7");
    const refs = await k.ok([
      "get",
      "endpoints",
      "kubia",
      "-o",
      "jsonpath={.subsets[0].addresses[*].targetRef.name}",
    ]);
    assert.equal(refs, "kubia-a kubia-b");
  });

  test("a pod turning ready joins the endpoints; the EndpointSlice shows all three with conditions", async () => {
    await markRunning("kubia-c", "10.42.0.7", true);
    await eventually(
      () => k.ok(["get", "endpoints", "kubia", "--no-headers"]),
      (s) => s.includes("10.42.0.7:8080"),
    );
    const slices = await eventually(
      () => k.ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=kubia", "--no-headers"]),
      (s) => /10\.42\.0\.5,10\.42\.0\.6,10\.42\.0\.7/.test(s),
    );
    assert.match(slices, /^kubia-\w+\s+IPv4\s+8080\s+10\.42\.0\.5,10\.42\.0\.6,10\.42\.0\.7\s+/);
    const ready = await k.ok([
      "get",
      "endpointslices",
      "-l",
      "kubernetes.io/service-name=kubia",
      "-o",
      "jsonpath={.items[0].endpoints[*].conditions.ready}",
    ]);
    assert.equal(ready, "true true true");
  });

  test("describe svc kubia shows the selector and the endpoints", async () => {
    const out = await k.ok(["describe", "svc", "kubia"]);
    assert.match(out, /Selector:\s+app=kubia/);
    assert.match(out, /TargetPort:\s+8080\/TCP/);
    assert.match(out, /Endpoints:\s+10\.42\.0\.5:8080,10\.42\.0\.6:8080,10\.42\.0\.7:8080/);
  });

  test("a named targetPort resolves to each pod's container port", async () => {
    await k.ok(["create", "service", "clusterip", "kubia-named", "--tcp=80:http"]);
    await k.ok(["set", "selector", "svc", "kubia-named", "app=kubia"]);
    const out = await eventually(
      () => k.ok(["get", "endpoints", "kubia-named", "--no-headers"]),
      (s) => s.includes("10.42.0.5:8080"),
    );
    assert.match(out, /10\.42\.0\.5:8080,10\.42\.0\.6:8080,10\.42\.0\.7:8080/);
  });

  test("deleting the service deletes its Endpoints", async () => {
    await k.ok(["delete", "svc", "kubia-named"]);
    await eventually(
      () => k.run(["get", "endpoints", "kubia-named"]),
      (r) => r.code !== 0 && /NotFound|not found/.test(r.stderr),
    );
  });

  test("a selectorless service keeps the Endpoints its user wrote", async () => {
    await k.ok(["create", "-f", externalService]);
    await k.ok(["create", "-f", externalEndpoints]);
    const first = await k.ok(["get", "ep", "external-service", "--no-headers"]);
    assert.match(first, /^external-service\s+11\.11\.11\.11:80,22\.22\.22\.22:80\s+/);
    // The controllers had time to act on it; it must still be the user's.
    await new Promise((r) => setTimeout(r, 1500));
    const later = await k.ok(["get", "ep", "external-service", "--no-headers"]);
    assert.match(later, /^external-service\s+11\.11\.11\.11:80,22\.22\.22\.22:80\s+/);
  });

  test("an ExternalName service has no cluster IP", async () => {
    await k.ok(["create", "-f", externalName]);
    const row = await k.ok(["get", "svc", "external-service-name", "--no-headers"]);
    assert.match(row, /^external-service-name\s+ExternalName\s+<none>\s+api\.somecompany\.com\s+80\/TCP\s+/);
    const ip = await k.ok(["get", "svc", "external-service-name", "-o", "jsonpath={.spec.clusterIP}"]);
    assert.equal(ip, "");
  });
});
