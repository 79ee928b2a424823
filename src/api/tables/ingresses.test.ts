import { test } from "node:test";
import assert from "node:assert/strict";
import { ingressPrinter } from "./ingresses.ts";
import { ago, now } from "./test-clock.ts";

test("an ingress with TLS, a class and an address", () => {
  const ing = {
    kind: "Ingress",
    metadata: { name: "kubia", creationTimestamp: ago(90) },
    spec: {
      ingressClassName: "nginx",
      tls: [{ hosts: ["kubia.example.com"], secretName: "tls-secret" }],
      rules: [{ host: "kubia.example.com", http: { paths: [] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: "192.168.99.100" }] } },
  };
  assert.deepEqual(ingressPrinter.cells(ing, now), [
    "kubia",
    "nginx",
    "kubia.example.com",
    "192.168.99.100",
    "80, 443",
    "90s",
  ]);
  assert.deepEqual(
    ingressPrinter.columns.map((c) => c.name),
    ["Name", "Class", "Hosts", "Address", "Ports", "Age"],
  );
});

test("an ingress without class, hosts or address", () => {
  const ing = { metadata: { name: "catch-all", creationTimestamp: ago(5) }, spec: { defaultBackend: {} } };
  assert.deepEqual(ingressPrinter.cells(ing, now), ["catch-all", "<none>", "*", "", "80", "5s"]);
});

test("more than three rules: the rest counts every rule, host or not", () => {
  const rules = [
    { host: "a.example.com" },
    {},
    { host: "b.example.com" },
    { host: "c.example.com" },
    { host: "d.example.com" },
  ];
  const ing = { metadata: { name: "many" }, spec: { rules } };
  assert.equal(ingressPrinter.cells(ing, now)[2], "a.example.com,b.example.com,c.example.com + 2 more...");
  const three = { metadata: { name: "three" }, spec: { rules: rules.slice(2) } };
  assert.equal(ingressPrinter.cells(three, now)[2], "b.example.com,c.example.com,d.example.com");
});
