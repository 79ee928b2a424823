// Admission webhooks served by the test itself over HTTPS (its own CA in caBundle): a mutating
// webhook labels pods with a JSON patch, a validating one refuses a ConfigMap, and a webhook that
// times out or is unreachable fails the write (failurePolicy Fail) or is skipped (Ignore), each
// with upstream's message; nothing is stored when a write is refused.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createCa, issueLeaf } from "../../src/apiserver/pki/issue.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

interface Review {
  request: {
    uid: string;
    kind: { kind: string };
    operation: string;
    object: any;
    userInfo: { username: string };
  };
}

describe("admission webhooks", () => {
  let server: RunningServer;
  let k: Kubectl;
  let hooks: Server;
  let port: number;
  let caPem: string;
  const seen: Review[] = [];

  before(async () => {
    const now = new Date();
    const ca = createCa("webhook-test-ca", now);
    caPem = ca.certPem;
    const leaf = issueLeaf(
      ca,
      { commonName: "127.0.0.1", usage: "serverAuth", ipAddresses: ["127.0.0.1"] },
      now,
    );
    hooks = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const review = JSON.parse(body) as Review;
        seen.push(review);
        const uid = review.request.uid;
        const reply = (response: object) => {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({
              apiVersion: "admission.k8s.io/v1",
              kind: "AdmissionReview",
              response: { uid, ...response },
            }),
          );
        };
        const path = (req.url ?? "").split("?")[0];
        if (path === "/mutate") {
          const patch = [{ op: "add", path: "/metadata/labels/mutated-by", value: "webhook" }];
          if (!review.request.object.metadata.labels)
            patch.unshift({ op: "add", path: "/metadata/labels", value: {} } as never);
          return reply({
            allowed: true,
            patchType: "JSONPatch",
            patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
            warnings: ["labelled by the test's webhook"],
          });
        }
        if (path === "/validate") {
          const forbidden = review.request.object?.data?.forbidden !== undefined;
          return reply(
            forbidden
              ? { allowed: false, status: { code: 403, message: "the key forbidden is not allowed" } }
              : { allowed: true },
          );
        }
        if (path === "/no-delete") {
          const old = (review.request as { oldObject?: { metadata?: { labels?: Record<string, string> } } })
            .oldObject;
          const keep = review.request.operation === "DELETE" && old?.metadata?.labels?.protected === "true";
          return reply(
            keep ? { allowed: false, status: { message: "protected objects stay" } } : { allowed: true },
          );
        }
        if (path === "/slow") return void setTimeout(() => reply({ allowed: true }), 3000);
        if (path === "/garbage") {
          res.writeHead(200, { "Content-Type": "application/json" });
          return res.end("not json");
        }
      });
    });
    await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
    port = (hooks.address() as AddressInfo).port;
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
  });

  after(async () => {
    await server?.stop();
    hooks?.close();
  });

  const webhook = (name: string, path: string, resources: string[], extra: object = {}) => ({
    name,
    clientConfig: {
      url: `https://127.0.0.1:${port}${path}`,
      caBundle: Buffer.from(caPem).toString("base64"),
    },
    rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources }],
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    timeoutSeconds: 1,
    ...extra,
  });
  const apply = (kind: string, name: string, webhooks: object[]) =>
    k.ok(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind,
        metadata: { name },
        webhooks,
      }),
    });

  it("a mutating webhook's JSON patch is applied, its warning shown, and it sees the request as upstream sends it", async () => {
    await apply("MutatingWebhookConfiguration", "label-pods", [
      webhook("label.example.com", "/mutate", ["pods"]),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await k.run(["run", "web", "--image=nginx"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: labelled by the test's webhook/);
    assert.equal(
      await k.ok(["get", "pod", "web", "-o", "jsonpath={.metadata.labels.mutated-by}"]),
      "webhook",
    );
    const review = seen.find((s) => s.request.kind.kind === "Pod")!;
    assert.equal(review.request.operation, "CREATE");
    assert.equal(review.request.userInfo.username, "system:admin");
    // ConfigMaps are not in its rules.
    await k.ok(["create", "configmap", "plain"]);
    assert.equal(await k.ok(["get", "cm", "plain", "-o", "jsonpath={.metadata.labels}"]), "");
  });

  it("a validating webhook's refusal is upstream's error, and nothing is stored", async () => {
    await apply("ValidatingWebhookConfiguration", "no-forbidden", [
      webhook("deny.example.com", "/validate", ["configmaps"]),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await k.run(["create", "configmap", "bad", "--from-literal=forbidden=1"]);
    assert.equal(
      r.stderr.trim(),
      'error: failed to create configmap: admission webhook "deny.example.com" denied the request: the key forbidden is not allowed',
    );
    assert.notEqual((await k.run(["get", "cm", "bad"])).code, 0);
    await k.ok(["create", "configmap", "good", "--from-literal=fine=1"]);
    // Updates are checked too.
    const upd = await k.run(["patch", "cm", "good", "-p", '{"data":{"forbidden":"x"}}']);
    assert.match(
      upd.stderr,
      /admission webhook "deny\.example\.com" denied the request: the key forbidden is not allowed/,
    );
    assert.equal(await k.ok(["get", "cm", "good", "-o", "jsonpath={.data}"]), '{"fine":"1"}');
  });

  it("matchConditions (CEL) choose which requests a webhook sees", async () => {
    await apply("ValidatingWebhookConfiguration", "only-checked", [
      webhook("checked.example.com", "/validate", ["secrets"], {
        matchConditions: [
          { name: "named-check", expression: "object.metadata.name.startsWith('check-')" },
          {
            name: "not-admin",
            expression: "!('system:masters' in request.userInfo.groups) || request.operation == 'CREATE'",
          },
        ],
      }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const before = seen.length;
    await k.ok(["create", "secret", "generic", "skipped", "--from-literal=forbidden=1"]);
    assert.equal(seen.length, before, "a false condition skips the webhook");
    const r = await k.run(["create", "secret", "generic", "check-me", "--from-literal=forbidden=1"]);
    assert.match(
      r.stderr,
      /admission webhook "checked\.example\.com" denied the request: the key forbidden is not allowed/,
    );
    await apply("ValidatingWebhookConfiguration", "only-checked", [
      webhook("checked.example.com", "/validate", ["secrets"], {
        matchConditions: [{ name: "broken", expression: "object.nope.startsWith('x')" }],
      }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const broken = await k.run(["create", "secret", "generic", "any", "--from-literal=a=1"]);
    assert.match(
      broken.stderr,
      /failed calling webhook "checked\.example\.com": failed to evaluate match condition "broken"/,
    );
    await k.ok(["delete", "validatingwebhookconfiguration", "only-checked"]);
  });

  it("a validating webhook for DELETE sees the old object and can keep it", async () => {
    await apply("ValidatingWebhookConfiguration", "keep-protected", [
      {
        ...webhook("keep.example.com", "/no-delete", ["configmaps"]),
        rules: [{ operations: ["DELETE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
      },
    ]);
    await new Promise((r) => setTimeout(r, 300));
    await k.ok(["create", "configmap", "kept"]);
    await k.ok(["label", "configmap", "kept", "protected=true"]);
    const r = await k.run(["delete", "configmap", "kept"]);
    assert.equal(
      r.stderr.trim(),
      'Error from server (BadRequest): admission webhook "keep.example.com" denied the request: protected objects stay',
    );
    assert.equal((await k.run(["get", "cm", "kept"])).code, 0);
    await k.ok(["delete", "configmap", "plain"]);
    const review = seen.findLast((x) => x.request.operation === "DELETE")!;
    assert.equal(review.request.object, null);
    await k.ok(["delete", "validatingwebhookconfiguration", "keep-protected"]);
  });

  it("a webhook that times out, or answers garbage, fails the write; with failurePolicy Ignore it is skipped", async () => {
    await apply("ValidatingWebhookConfiguration", "broken", [
      webhook("slow.example.com", "/slow", ["secrets"]),
      webhook("garbage.example.com", "/garbage", ["serviceaccounts"]),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const slow = await k.run(["create", "secret", "generic", "s", "--from-literal=a=b"]);
    assert.match(
      slow.stderr,
      /Internal error occurred: failed calling webhook "slow\.example\.com": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded/,
    );
    assert.notEqual((await k.run(["get", "secret", "s"])).code, 0);
    const garbage = await k.run(["create", "serviceaccount", "sa1"]);
    assert.match(
      garbage.stderr,
      /failed calling webhook "garbage\.example\.com": received invalid webhook response/,
    );
    await apply("ValidatingWebhookConfiguration", "broken", [
      webhook("slow.example.com", "/slow", ["secrets"], { failurePolicy: "Ignore" }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    await k.ok(["create", "secret", "generic", "s", "--from-literal=a=b"]);
  });
});
