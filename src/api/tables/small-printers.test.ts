import { test } from "node:test";
import assert from "node:assert/strict";
import { configMapPrinter } from "./config-maps.ts";
import { defaultPrinter } from "./default.ts";
import { leasePrinter } from "./leases.ts";
import { namespacePrinter } from "./namespaces.ts";
import { secretPrinter } from "./secrets.ts";
import { serviceAccountPrinter } from "./service-accounts.ts";
import { ago, now } from "./test-clock.ts";

test("namespaces: status phase", () => {
  const ns = {
    metadata: { name: "kube-system", creationTimestamp: ago(86400 * 400) },
    status: { phase: "Active" },
  };
  assert.deepEqual(namespacePrinter.cells(ns, now), ["kube-system", "Active", "400d"]);
  const terminating = {
    metadata: { name: "old", creationTimestamp: ago(60) },
    status: { phase: "Terminating" },
  };
  assert.deepEqual(namespacePrinter.cells(terminating, now), ["old", "Terminating", "60s"]);
});

test("configmaps count data and binaryData keys", () => {
  const cm = {
    metadata: { name: "fortune-config", creationTimestamp: ago(15) },
    data: { "sleep-interval": "25", "my-nginx-config.conf": "..." },
    binaryData: { logo: "AAA=" },
  };
  assert.deepEqual(configMapPrinter.cells(cm, now), ["fortune-config", 3, "15s"]);
  assert.deepEqual(configMapPrinter.cells({ metadata: { name: "e" } }, now), ["e", 0, "<unknown>"]);
});

test("secrets show their type and data count", () => {
  const s = {
    metadata: { name: "fortune-https", creationTimestamp: ago(15) },
    type: "Opaque",
    data: { "https.cert": "x", "https.key": "y", foo: "z" },
  };
  assert.deepEqual(secretPrinter.cells(s, now), ["fortune-https", "Opaque", 3, "15s"]);
  const tls = {
    metadata: { name: "tls" },
    type: "kubernetes.io/tls",
    data: { "tls.crt": "a", "tls.key": "b" },
  };
  assert.deepEqual(secretPrinter.cells(tls, now).slice(1, 3), ["kubernetes.io/tls", 2]);
});

test("service accounts count their secrets", () => {
  const sa = { metadata: { name: "default", creationTimestamp: ago(3600 * 5) } };
  assert.deepEqual(serviceAccountPrinter.cells(sa, now), ["default", 0, "5h"]);
  const withSecrets = {
    metadata: { name: "foo" },
    secrets: [{ name: "foo-token-qzq7j" }, { name: "another" }],
  };
  assert.equal(serviceAccountPrinter.cells(withSecrets, now)[1], 2);
});

test("leases show their holder", () => {
  const lease = {
    metadata: { name: "node1", creationTimestamp: ago(200) },
    spec: { holderIdentity: "node1", leaseDurationSeconds: 40 },
  };
  assert.deepEqual(leasePrinter.cells(lease, now), ["node1", "node1", "3m20s"]);
  assert.deepEqual(leasePrinter.cells({ metadata: { name: "free" }, spec: {} }, now).slice(0, 2), [
    "free",
    "",
  ]);
});

test("the default printer shows Name and Age", () => {
  assert.deepEqual(
    defaultPrinter.columns.map((c) => [c.name, c.format]),
    [
      ["Name", "name"],
      ["Age", ""],
    ],
  );
  assert.deepEqual(defaultPrinter.cells({ metadata: { name: "b", creationTimestamp: ago(30) } }, now), [
    "b",
    "30s",
  ]);
});
