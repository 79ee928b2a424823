// matchPolicy with the real kubectl: a webhook and a ValidatingAdmissionPolicy whose rules name
// only v1 of a two-version CRD are called for a write through v1beta1 (matchPolicy Equivalent,
// the default), seeing the object as v1 with the request's own version in requestKind, and the
// mutation lands in what is stored; matchPolicy Exact skips them. HPAs written through
// autoscaling/v1 reach a webhook on autoscaling/v2 converted to v2.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createCa, issueLeaf } from "../../src/apiserver/pki/issue.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { eventually } from "../support/wait.ts";

interface Review {
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    requestKind: { group: string; version: string; kind: string };
    resource: { version: string };
    requestResource: { version: string };
    object: any;
  };
}

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`;

const gadget = (version: string, name: string, size: number) =>
  `apiVersion: example.com/${version}\nkind: Gadget\nmetadata: {name: ${name}}\nspec: {size: ${size}}\n`;

describe("matchPolicy", () => {
  let server: RunningServer;
  let k: Kubectl;
  let hooks: Server;
  let port: number;
  let caPem: string;
  const seen = new Map<string, Review[]>();

  before(async () => {
    const now = new Date();
    const ca = createCa("equivalent-test-ca", now);
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
        const path = (req.url ?? "").split("?")[0]!;
        seen.set(path, [...(seen.get(path) ?? []), review]);
        const label = path === "/exact" ? "exact" : "seen-as";
        const value = path === "/exact" ? "yes" : String(review.request.object.apiVersion).replace("/", ".");
        const patch = [
          {
            op: "add",
            path: `/metadata/labels`,
            value: { ...review.request.object.metadata.labels, [label]: value },
          },
        ];
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: {
              uid: review.request.uid,
              allowed: true,
              patchType: "JSONPatch",
              patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
            },
          }),
        );
      });
    });
    await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
    port = (hooks.address() as AddressInfo).port;
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
    await k.ok(["apply", "-f", "-"], { input: crd });
    await eventually("gadgets served", async () =>
      (await k.run(["get", "gadgets.v1beta1.example.com"])).code === 0 ? true : undefined,
    );
  });

  after(async () => {
    await server?.stop();
    hooks?.close();
  });

  const webhook = (name: string, path: string, rule: object, extra: object = {}) => ({
    name,
    clientConfig: {
      url: `https://127.0.0.1:${port}${path}`,
      caBundle: Buffer.from(caPem).toString("base64"),
    },
    rules: [{ operations: ["CREATE"], ...rule }],
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    timeoutSeconds: 5,
    ...extra,
  });
  const mutating = (name: string, webhooks: object[]) =>
    k.ok(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: { name },
        webhooks,
      }),
    });

  it("a webhook on v1 is called for a v1beta1 write with the object as v1; Exact is not", async () => {
    const v1Only = { apiGroups: ["example.com"], apiVersions: ["v1"], resources: ["gadgets"] };
    await mutating("gadget-hooks", [
      webhook("equivalent.example.com", "/equivalent", v1Only),
      webhook("exact.example.com", "/exact", v1Only, { matchPolicy: "Exact" }),
    ]);
    assert.equal(
      await k.ok([
        "get",
        "mutatingwebhookconfiguration",
        "gadget-hooks",
        "-o",
        "jsonpath={.webhooks[0].matchPolicy}",
      ]),
      "Equivalent",
    );
    await new Promise((r) => setTimeout(r, 300));
    await k.ok(["apply", "-f", "-"], { input: gadget("v1beta1", "old-style", 1) });
    const review = seen.get("/equivalent")!.at(-1)!.request;
    assert.deepEqual(review.kind, { group: "example.com", version: "v1", kind: "Gadget" });
    assert.deepEqual(review.requestKind, { group: "example.com", version: "v1beta1", kind: "Gadget" });
    assert.equal(review.resource.version, "v1");
    assert.equal(review.requestResource.version, "v1beta1");
    assert.equal(review.object.apiVersion, "example.com/v1");
    assert.equal(seen.get("/exact"), undefined, "matchPolicy Exact skips an equivalent version");
    // The patch made at v1 is what is stored, and what v1beta1 reads back.
    assert.equal(
      await k.ok([
        "get",
        "gadgets.v1beta1.example.com",
        "old-style",
        "-o",
        "jsonpath={.apiVersion} {.metadata.labels}",
      ]),
      'example.com/v1beta1 {"seen-as":"example.com.v1"}',
    );

    await k.ok(["apply", "-f", "-"], { input: gadget("v1", "new-style", 1) });
    assert.equal(seen.get("/exact")?.length, 1);
    assert.deepEqual(seen.get("/exact")![0]!.request.requestKind.version, "v1");
    assert.equal(
      await k.ok(["get", "gadget", "new-style", "-o", "jsonpath={.metadata.labels}"]),
      '{"exact":"yes","seen-as":"example.com.v1"}',
    );
    await k.ok(["delete", "mutatingwebhookconfiguration", "gadget-hooks"]);
  });

  it("a v1beta1 request for an exact v1beta1 rule sees the object in v1beta1", async () => {
    await mutating("beta-hook", [
      webhook("beta.example.com", "/beta", {
        apiGroups: ["example.com"],
        apiVersions: ["v1beta1"],
        resources: ["gadgets"],
      }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    await k.ok(["apply", "-f", "-"], { input: gadget("v1beta1", "beta", 2) });
    const review = seen.get("/beta")!.at(-1)!.request;
    assert.equal(review.object.apiVersion, "example.com/v1beta1");
    assert.equal(review.kind.version, "v1beta1");
    await k.ok(["delete", "mutatingwebhookconfiguration", "beta-hook"]);
  });

  it("an HPA written through autoscaling/v1 reaches a webhook on autoscaling/v2 converted", async () => {
    await mutating("hpa-hook", [
      webhook("hpa.example.com", "/hpa", {
        apiGroups: ["autoscaling"],
        apiVersions: ["v2"],
        resources: ["horizontalpodautoscalers"],
      }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    await k.ok(["apply", "-f", "-"], {
      input: `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 4
  targetCPUUtilizationPercentage: 70
`,
    });
    const review = seen.get("/hpa")!.at(-1)!.request;
    assert.deepEqual(review.requestKind, {
      group: "autoscaling",
      version: "v1",
      kind: "HorizontalPodAutoscaler",
    });
    assert.equal(review.object.apiVersion, "autoscaling/v2");
    assert.equal(review.object.spec.metrics[0].resource.target.averageUtilization, 70);
    assert.equal(review.object.spec.targetCPUUtilizationPercentage, undefined);
    assert.equal(
      await k.ok(["get", "hpa.v1.autoscaling", "web", "-o", "jsonpath={.metadata.labels.seen-as}"]),
      "autoscaling.v2",
    );
  });

  it("a ValidatingAdmissionPolicy on v1 judges a v1beta1 write as v1", async () => {
    await k.ok(["apply", "-f", "-"], {
      input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: gadget-size}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [example.com], apiVersions: [v1], operations: [CREATE], resources: [gadgets]}
  validations:
  - expression: "object.apiVersion == 'example.com/v1' && object.spec.size < 10"
    messageExpression: "'size ' + string(object.spec.size) + ' at ' + object.apiVersion + ' (asked as ' + request.requestKind.version + ')'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: gadget-size}
spec:
  policyName: gadget-size
  validationActions: [Deny]
`,
    });
    await eventually("the policy applies", async () => {
      const r = await k.run(["apply", "--dry-run=server", "-f", "-"], {
        input: gadget("v1beta1", "big", 20),
      });
      return r.code !== 0 ? r.stderr : undefined;
    });
    const r = await k.run(["apply", "-f", "-"], { input: gadget("v1beta1", "big", 20) });
    assert.match(r.stderr, /denied request: size 20 at example\.com\/v1 \(asked as v1beta1\)/);
    await k.ok(["apply", "-f", "-"], { input: gadget("v1beta1", "small", 3) });
  });
});
