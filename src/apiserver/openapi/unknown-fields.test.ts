import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldValidationError, unknownFields } from "./index.ts";

describe("unknownFields", () => {
  it("is empty for a valid Pod", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "kubia", labels: { app: "kubia" }, annotations: { "a/b": "c" } },
      spec: {
        containers: [
          {
            name: "kubia",
            image: "luksa/kubia",
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: "1" } },
          },
        ],
        nodeSelector: { gpu: "true" },
      },
    };
    assert.deepEqual(unknownFields("", "v1", "Pod", pod), []);
  });

  it("names nested fields and list items as upstream's strict decoder does", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "x", nam: "y" },
      spec: {
        containers: [
          { name: "a", image: "i", bar: 1 },
          { name: "b", image: "i", ports: [{ containerPort: 1, hostPortt: 2 }] },
        ],
        foo: null,
      },
      extra: true,
    };
    assert.deepEqual(unknownFields("", "v1", "Pod", pod), [
      "metadata.nam",
      "spec.containers[0].bar",
      "spec.containers[1].ports[0].hostPortt",
      "spec.foo",
      "extra",
    ]);
  });

  it("does not look inside maps of strings, opaque objects or int-or-string values", () => {
    const d = {
      metadata: { labels: { anything: "x" }, managedFields: [{ fieldsV1: { "f:spec": {} } }] },
      spec: {
        strategy: { rollingUpdate: { maxSurge: "25%" } },
        selector: { matchLabels: { a: "b" } },
        template: { spec: { containers: [] } },
      },
    };
    assert.deepEqual(unknownFields("apps", "v1", "Deployment", d), []);
  });

  it("checks legacy versions and the hand-written extensions/v1beta1 Ingress", () => {
    const rs = { spec: { template: { spec: { containers: [{ name: "a", imagee: "x" }] } } } };
    assert.deepEqual(unknownFields("apps", "v1beta2", "ReplicaSet", rs), [
      "spec.template.spec.containers[0].imagee",
    ]);
    const ing = {
      spec: {
        rules: [
          {
            host: "h",
            http: { paths: [{ path: "/", backend: { serviceName: "s", servicePort: 80, port: 1 } }] },
          },
        ],
      },
    };
    assert.deepEqual(unknownFields("extensions", "v1beta1", "Ingress", ing), [
      "spec.rules[0].http.paths[0].backend.port",
    ]);
    // networking.k8s.io/v1 has no serviceName
    const v1 = { spec: { defaultBackend: { serviceName: "s" } } };
    assert.deepEqual(unknownFields("networking.k8s.io", "v1", "Ingress", v1), [
      "spec.defaultBackend.serviceName",
    ]);
  });

  it("is empty for kinds without a schema and for values of the wrong type", () => {
    assert.deepEqual(unknownFields("example.io", "v1", "Widget", { spec: { x: 1 } }), []);
    assert.deepEqual(unknownFields("", "v1", "Pod", { spec: "nonsense" }), []);
  });

  it("stops at 100 fields and reports each path once", () => {
    const spec: Record<string, number> = {};
    for (let i = 0; i < 150; i++) spec[`f${i}`] = i;
    const out = unknownFields("", "v1", "Pod", { spec });
    assert.equal(out.length, 100);
    assert.equal(out[0], "spec.f0");
  });
});

describe("fieldValidationError", () => {
  it("create and update wrap the strict decoding error with the kind and version", () => {
    const e = fieldValidationError(["spec.foo", "spec.containers[0].bar"], { kind: "Pod", version: "v1" });
    assert.equal(e.code, 400);
    assert.equal(e.reason, "BadRequest");
    assert.equal(
      e.message,
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].bar"',
    );
    assert.deepEqual(e.toStatus(), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: e.message,
      reason: "BadRequest",
      code: 400,
    });
  });

  it("patches report the bare strict decoding error", () => {
    assert.equal(fieldValidationError(["spec.x"]).message, 'strict decoding error: unknown field "spec.x"');
  });
});
