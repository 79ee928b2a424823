// Admission webhooks beyond plain creates: validating webhooks see the object after its own
// validation; status and scale writes and CONNECT (exec) reach webhooks whose rules name the
// subresource, with the kinds upstream sends (Scale, PodExecOptions); reinvocationPolicy
// IfNeeded calls a webhook again after a later one changed the object; and a webhook given as a
// service reference is called at the service's endpoint.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { createCa, issueLeaf } from "../../src/apiserver/pki/issue.ts";
import { Api } from "../support/api.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

interface Review {
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    resource: { resource: string };
    subResource?: string;
    operation: string;
    object: any;
    oldObject?: any;
    options?: any;
  };
}

/** This machine's own non-loopback address: endpoints may not be loopback, and it stays local. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  throw new Error("no non-loopback IPv4 address on this machine");
}

describe("admission webhooks on subresources, CONNECT, reinvocation and services", () => {
  let server: RunningServer;
  let k: Kubectl;
  let api: Api;
  let hooks: Server;
  let port: number;
  let caPem: string;
  const seen: Array<{ path: string; review: Review }> = [];
  const address = hostAddress();

  before(async () => {
    const now = new Date();
    const ca = createCa("webhook-test-ca", now);
    caPem = ca.certPem;
    const leaf = issueLeaf(
      ca,
      {
        commonName: "hooks.default.svc",
        usage: "serverAuth",
        ipAddresses: ["127.0.0.1"],
        dnsNames: ["hooks.default.svc"],
      },
      now,
    );
    hooks = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const review = JSON.parse(body) as Review;
        const path = (req.url ?? "").split("?")[0];
        seen.push({ path, review });
        const reply = (response: object) => {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({
              apiVersion: "admission.k8s.io/v1",
              kind: "AdmissionReview",
              response: { uid: review.request.uid, ...response },
            }),
          );
        };
        const labels = review.request.object?.metadata?.labels ?? {};
        const patchLabel = (key: string) =>
          reply({
            allowed: true,
            patchType: "JSONPatch",
            patch: Buffer.from(
              JSON.stringify(
                review.request.object.metadata.labels
                  ? [{ op: "add", path: `/metadata/labels/${key}`, value: "1" }]
                  : [{ op: "add", path: "/metadata/labels", value: { [key]: "1" } }],
              ),
            ).toString("base64"),
          });
        switch (path) {
          case "/allow":
            return reply({ allowed: true });
          case "/max-five":
            return reply(
              review.request.object.spec.replicas > 5
                ? { allowed: false, status: { code: 403, message: "at most 5 replicas" } }
                : { allowed: true },
            );
          case "/no-failed":
            return reply(
              review.request.object.status?.phase === "Failed"
                ? { allowed: false, status: { message: "pods may not be marked Failed" } }
                : { allowed: true },
            );
          case "/no-exec":
            return reply({ allowed: false, status: { code: 403, message: "exec is switched off here" } });
          case "/first":
            return labels.first ? reply({ allowed: true }) : patchLabel("first");
          case "/second":
            return labels.second ? reply({ allowed: true }) : patchLabel("second");
        }
        reply({ allowed: true });
      });
    });
    await new Promise<void>((r) => hooks.listen(0, "0.0.0.0", r));
    port = (hooks.address() as AddressInfo).port;
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
    api = new Api(server.kubeconfig);
  });

  after(async () => {
    await server?.stop();
    hooks?.close();
  });

  const webhook = (name: string, path: string, rules: object[], extra: object = {}) => ({
    name,
    clientConfig: {
      url: `https://127.0.0.1:${port}${path}`,
      caBundle: Buffer.from(caPem).toString("base64"),
    },
    rules,
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    timeoutSeconds: 2,
    ...extra,
  });
  const rule = (group: string, resources: string[], operations = ["CREATE", "UPDATE"]) => ({
    operations,
    apiGroups: [group],
    apiVersions: ["v1"],
    resources,
  });
  const configure = async (kind: string, name: string, webhooks: object[]) => {
    await k.ok(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind,
        metadata: { name },
        webhooks,
      }),
    });
    await new Promise((r) => setTimeout(r, 300));
  };
  const unconfigure = (kind: string, name: string) => k.ok(["delete", kind, name]);

  it("a validating webhook sees only objects that passed their own validation", async () => {
    await configure("ValidatingWebhookConfiguration", "see-all", [
      webhook("all.example.com", "/allow", [rule("", ["configmaps"])]),
    ]);
    const before = seen.length;
    const r = await k.run(["create", "configmap", "Bad_Name"]);
    assert.match(r.stderr, /metadata\.name: Invalid value: "Bad_Name"/);
    assert.equal(seen.length, before, "an invalid object never reaches the validating webhook");
    await k.ok(["create", "configmap", "fine"]);
    const call = seen.slice(before).find((s) => s.path === "/allow")!;
    assert.equal(call.review.request.operation, "CREATE");
    assert.equal(call.review.request.options.kind, "CreateOptions");
    assert.equal(call.review.request.options.fieldManager, "kubectl-create");
    // The validating webhook gets what will be stored: uid and creationTimestamp are set.
    assert.ok(call.review.request.object.metadata.uid);
    await unconfigure("validatingwebhookconfiguration", "see-all");
  });

  it("scale writes reach a webhook on deployments/scale as Scale objects", async () => {
    await k.ok(["create", "deployment", "web", "--image=registry.local/web:1", "--replicas=2"]);
    await configure("ValidatingWebhookConfiguration", "max-five", [
      webhook("scale.example.com", "/max-five", [rule("apps", ["deployments/scale"], ["UPDATE"])]),
    ]);
    const r = await k.run(["scale", "deployment", "web", "--replicas=9"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /admission webhook "scale\.example\.com" denied the request: at most 5 replicas/);
    assert.equal(await k.ok(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]), "2");
    await k.ok(["scale", "deployment", "web", "--replicas=4"]);
    assert.equal(await k.ok(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]), "4");
    const call = seen.filter((s) => s.path === "/max-five").pop()!.review.request;
    assert.deepEqual(call.kind, { group: "autoscaling", version: "v1", kind: "Scale" });
    assert.equal(call.resource.resource, "deployments");
    assert.equal(call.subResource, "scale");
    assert.equal(call.oldObject.spec.replicas, 2);
    // The main resource is not in the rules: editing the deployment is not sent.
    const n = seen.length;
    await k.ok(["label", "deployment", "web", "x=y"]);
    assert.equal(
      seen.filter((s) => s.path === "/max-five").length,
      seen.slice(0, n).filter((s) => s.path === "/max-five").length,
    );
    await unconfigure("validatingwebhookconfiguration", "max-five");
  });

  it("status writes reach a webhook on pods/status", async () => {
    await k.ok(["apply", "-f", "-"], {
      input:
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p1}\nspec: {nodeName: nowhere, containers: [{name: c, image: registry.local/web:1}]}\n",
    });
    await configure("ValidatingWebhookConfiguration", "status-guard", [
      webhook("status.example.com", "/no-failed", [rule("", ["pods/status"], ["UPDATE"])]),
    ]);
    const pod = (await api.send("GET", "/api/v1/namespaces/default/pods/p1")).json();
    pod.status = { ...pod.status, phase: "Failed" };
    const r = await api.send("PUT", "/api/v1/namespaces/default/pods/p1/status", pod);
    assert.equal(r.status, 400, r.text);
    assert.equal(
      r.json().message,
      'admission webhook "status.example.com" denied the request: pods may not be marked Failed',
    );
    const call = seen.filter((s) => s.path === "/no-failed").pop()!.review.request;
    assert.equal(call.subResource, "status");
    assert.equal(call.kind.kind, "Pod");
    assert.notEqual(
      await k.ok(["get", "pod", "p1", "-o", "jsonpath={.status.phase}"]),
      "Failed",
      "the refused status is not stored",
    );
    await unconfigure("validatingwebhookconfiguration", "status-guard");
  });

  it("kubectl exec is a CONNECT with PodExecOptions, refused by a webhook", async () => {
    await configure("ValidatingWebhookConfiguration", "no-exec", [
      webhook("exec.example.com", "/no-exec", [rule("", ["pods/exec"], ["CONNECT"])]),
    ]);
    const r = await k.run(["exec", "p1", "--", "echo", "hi"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exec is switched off here/);
    const call = seen.filter((s) => s.path === "/no-exec").pop()!.review.request;
    assert.equal(call.operation, "CONNECT");
    assert.deepEqual(call.kind, { group: "", version: "v1", kind: "PodExecOptions" });
    assert.equal(call.subResource, "exec");
    assert.deepEqual(call.object.command, ["echo", "hi"]);
    assert.equal(call.object.container, "c");
    await unconfigure("validatingwebhookconfiguration", "no-exec");
  });

  it("reinvocationPolicy IfNeeded calls a webhook again after a later one changed the object", async () => {
    const count = (path: string, name: string) =>
      seen.filter((s) => s.path === path && s.review.request.object?.metadata?.name === name).length;
    await configure("MutatingWebhookConfiguration", "a-first", [
      webhook("first.example.com", "/first", [rule("", ["configmaps"])], { reinvocationPolicy: "IfNeeded" }),
    ]);
    await configure("MutatingWebhookConfiguration", "b-second", [
      webhook("second.example.com", "/second", [rule("", ["configmaps"])]),
    ]);
    await k.ok(["create", "configmap", "twice"]);
    assert.equal(count("/first", "twice"), 2, "first is called again after second patched the object");
    assert.equal(count("/second", "twice"), 1);
    assert.equal(
      await k.ok(["get", "cm", "twice", "-o", "jsonpath={.metadata.labels}"]),
      '{"first":"1","second":"1"}',
    );
    await configure("MutatingWebhookConfiguration", "a-first", [
      webhook("first.example.com", "/first", [rule("", ["configmaps"])], { reinvocationPolicy: "Never" }),
    ]);
    await k.ok(["create", "configmap", "once"]);
    assert.equal(count("/first", "once"), 1);
    await unconfigure("mutatingwebhookconfiguration", "a-first");
    await unconfigure("mutatingwebhookconfiguration", "b-second");
  });

  it("a service reference is called at a ready endpoint of the service, verified by its DNS name", async () => {
    const serviceHook = {
      name: "svc.example.com",
      clientConfig: {
        service: { namespace: "default", name: "hooks", path: "/max-five", port: 443 },
        caBundle: Buffer.from(caPem).toString("base64"),
      },
      rules: [rule("apps", ["deployments/scale"], ["UPDATE"])],
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
      timeoutSeconds: 2,
    };
    await configure("ValidatingWebhookConfiguration", "by-service", [serviceHook]);
    const missing = await k.run(["scale", "deployment", "web", "--replicas=3"]);
    assert.match(
      missing.stderr,
      /failed calling webhook "svc\.example\.com": failed to call webhook: service "hooks" not found/,
    );
    await k.ok(["apply", "-f", "-"], {
      input: `apiVersion: v1
kind: Service
metadata: {name: hooks}
spec: {ports: [{name: https, port: 443, targetPort: ${port}}]}
`,
    });
    const none = await k.run(["scale", "deployment", "web", "--replicas=3"]);
    assert.match(
      none.stderr,
      /failed calling webhook "svc\.example\.com": failed to call webhook: Post "https:\/\/hooks\.default\.svc:443\/max-five\?timeout=2s": no endpoints available for service "hooks"/,
    );
    await k.ok(["apply", "-f", "-"], {
      input: `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: hooks-1, labels: {kubernetes.io/service-name: hooks}}
addressType: IPv4
ports: [{name: https, port: ${port}, protocol: TCP}]
endpoints: [{addresses: ["${address}"], conditions: {ready: true}}]
`,
    });
    const denied = await k.run(["scale", "deployment", "web", "--replicas=7"]);
    assert.match(
      denied.stderr,
      /admission webhook "svc\.example\.com" denied the request: at most 5 replicas/,
    );
    await k.ok(["scale", "deployment", "web", "--replicas=3"]);
    assert.equal(await k.ok(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]), "3");
    await unconfigure("validatingwebhookconfiguration", "by-service");
  });

  it("a configuration is defaulted as upstream stores it, and a bad one is refused with upstream's errors", async () => {
    await configure("ValidatingWebhookConfiguration", "defaults", [
      webhook("defaults.example.com", "/allow", [rule("", ["secrets"])], { timeoutSeconds: undefined }),
    ]);
    const stored = JSON.parse(
      await k.ok(["get", "validatingwebhookconfiguration", "defaults", "-o", "json"]),
    );
    const w = stored.webhooks[0];
    assert.deepEqual(
      [w.failurePolicy, w.matchPolicy, w.timeoutSeconds, w.rules[0].scope],
      ["Fail", "Equivalent", 10, "*"],
    );
    assert.deepEqual([w.namespaceSelector, w.objectSelector], [{}, {}]);
    await unconfigure("validatingwebhookconfiguration", "defaults");
    const r = await k.run(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        metadata: { name: "broken" },
        webhooks: [
          {
            ...webhook("broken.example.com", "/allow", [rule("", ["pods"])], {
              matchConditions: [{ name: "bad", expression: "object.metadata.name ==" }],
            }),
            sideEffects: undefined,
          },
        ],
      }),
    });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /The ValidatingWebhookConfiguration "broken" is invalid: \n\* webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun\n\* webhooks\[0\]\.matchConditions\[0\]\.expression: Invalid value: "object\.metadata\.name ==": compilation failed: ERROR: <input>:1:/,
    );
    assert.notEqual((await k.run(["get", "validatingwebhookconfiguration", "broken"])).code, 0);
  });
});
