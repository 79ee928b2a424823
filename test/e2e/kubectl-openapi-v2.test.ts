// kubectl 1.27–1.29 read /openapi/v2 (gnostic protobuf) for apply's strategic merge patches and for
// explain; every minor on the machine applies a Deployment twice, merging its containers by name.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

function get(path: string, headers: Record<string, string>) {
  const tls = (f: string) => readFileSync(join(server.dataDir, "tls", f));
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(
        `${server.url}${path}`,
        { headers, ca: tls("ca.crt"), cert: tls("admin.crt"), key: tls("admin.key") },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}

test("/openapi/v2 answers JSON, protobuf when asked, and 304 for its ETag", async () => {
  const json = await get("/openapi/v2", { Accept: "application/json" });
  assert.equal(json.status, 200);
  assert.equal(json.headers["content-type"], "application/json");
  assert.equal((JSON.parse(json.body.toString()) as { swagger: string }).swagger, "2.0");
  const pb = await get("/openapi/v2", {
    Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
  });
  assert.equal(pb.status, 200);
  assert.equal(pb.headers["content-type"], "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  assert.equal(pb.body.subarray(0, 5).toString("latin1"), "\x0a\x032.0");
  assert.equal(pb.headers.etag, json.headers.etag);
  const again = await get("/openapi/v2", { "If-None-Match": String(json.headers.etag) });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
});

const deployment = (ns: string, imageA: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: a
        image: ${imageA}
      - name: b
        image: img-b:1
`;

for (const minor of [27, 28, 29, 30, 31, 32, 33]) {
  describe(`kubectl 1.${minor}`, () => {
    test("apply, apply again with a change, and a live edit the change leaves alone", async () => {
      const k = new Kubectl(server.kubeconfig, minor);
      const ns = `oa${minor}`;
      await k.ok(["create", "namespace", ns]);
      assert.match(await k.ok(["apply", "-f", "-"], { input: deployment(ns, "img-a:1") }), /created/);
      // A label added by hand is not in the last-applied configuration, so apply keeps it.
      await k.ok(["-n", ns, "label", "deploy", "web", "owner=me"]);
      assert.match(await k.ok(["apply", "-f", "-"], { input: deployment(ns, "img-a:2") }), /configured/);
      const images = await k.ok([
        "-n",
        ns,
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}{.metadata.labels.owner}",
      ]);
      assert.equal(images, "a=img-a:2 b=img-b:1 me");
      assert.match(await k.ok(["apply", "-f", "-"], { input: deployment(ns, "img-a:2") }), /unchanged/);
    });

    test("explain from the v2 document", async () => {
      const k = new Kubectl(server.kubeconfig, minor);
      const out = await k.ok(["explain", "pods.spec.containers.ports"], {
        env: { KUBECTL_EXPLAIN_OPENAPIV3: "false" },
      });
      assert.match(out, /KIND:\s+Pod/);
      assert.match(out, /containerPort\s+<integer>\s+-required-/);
    });
  });
}
