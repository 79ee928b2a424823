import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ensurePki, writeKubeconfig } from "./index.ts";

void test("the admin kubeconfig carries the CA and admin credentials under k3s's names", (t) => {
  const root = mkdtempSync(join(tmpdir(), "skiff-kubeconfig-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const pki = ensurePki(join(root, "tls"), { hosts: [] });
  const path = join(root, "etc", "skiff.yaml");
  writeKubeconfig(path, 0o600, { server: "https://[::1]:6443", pki });

  assert.equal(statSync(path).mode & 0o777, 0o600);
  const config = parse(readFileSync(path, "utf8"));
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  assert.deepEqual(config, {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "default",
        cluster: { server: "https://[::1]:6443", "certificate-authority-data": b64(pki.caCertPem) },
      },
    ],
    contexts: [{ name: "default", context: { cluster: "default", user: "default" } }],
    "current-context": "default",
    preferences: {},
    users: [
      {
        name: "default",
        user: { "client-certificate-data": b64(pki.adminCertPem), "client-key-data": b64(pki.adminKeyPem) },
      },
    ],
  });
});

void test("the requested mode is applied even when the file already existed", (t) => {
  const root = mkdtempSync(join(tmpdir(), "skiff-kubeconfig-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const pki = ensurePki(join(root, "tls"), { hosts: [] });
  const path = join(root, "kubeconfig");
  writeFileSync(path, "stale", { mode: 0o600 });
  writeKubeconfig(path, 0o644, {
    server: "https://127.0.0.1:6443",
    pki,
    clusterName: "skiff",
    user: "admin",
  });
  assert.equal(statSync(path).mode & 0o777, 0o644);
  const config = parse(readFileSync(path, "utf8"));
  assert.equal(config["current-context"], "skiff");
  assert.deepEqual(config.contexts[0], { name: "skiff", context: { cluster: "skiff", user: "admin" } });
  assert.equal(config.users[0].name, "admin");

  writeKubeconfig(path, 0o600, { server: "https://127.0.0.1:6443", pki });
  assert.equal(statSync(path).mode & 0o777, 0o600);
});
