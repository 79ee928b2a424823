import { test } from "node:test";
import assert from "node:assert/strict";
import { ingressClassPrinter } from "./ingress-classes.ts";
import { ago, now } from "./test-clock.ts";

test("ingress classes with and without parameters", () => {
  const plain = {
    metadata: { name: "nginx", creationTimestamp: ago(30) },
    spec: { controller: "k8s.io/ingress-nginx" },
  };
  assert.deepEqual(ingressClassPrinter.cells(plain, now), ["nginx", "k8s.io/ingress-nginx", "<none>", "30s"]);
  const withParams = {
    metadata: { name: "external-lb" },
    spec: {
      controller: "example.com/ingress-controller",
      parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" },
    },
  };
  assert.equal(
    ingressClassPrinter.cells(withParams, now)[2],
    "IngressParameters.k8s.example.com/external-lb",
  );
  const coreParams = { metadata: { name: "c" }, spec: { parameters: { kind: "ConfigMap", name: "cfg" } } };
  assert.equal(ingressClassPrinter.cells(coreParams, now)[2], "ConfigMap/cfg");
});
