// etcd over TLS with client certificates (k3s's --datastore-cafile/-certfile/-keyfile), against a
// real etcd started with --client-cert-auth: skiff serves from it, and without a certificate etcd
// accepts it says why it cannot start.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd, type RunningEtcd } from "../support/etcd.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

let etcd: RunningEtcd;
let server: RunningServer | undefined;
before(async () => {
  etcd = await startEtcd({ tls: true });
});
after(async () => {
  await server?.stop();
  await etcd?.stop();
});

const serverArgs = (extra: string[]) => [
  join(import.meta.dirname, "../../src/cmd/main.ts"),
  "server",
  "--disable-agent",
  "--https-listen-port=0",
  `--data-dir=${mkdtempSync(join(tmpdir(), "skiff-e2e-"))}`,
  `--datastore-endpoint=${etcd.endpoint}`,
  ...extra,
];

test("the server stores in an etcd that requires client certificates, and objects survive a restart", async () => {
  const tls = etcd.tls!;
  const args = [
    `--datastore-endpoint=${etcd.endpoint}`,
    `--datastore-cafile=${tls.ca}`,
    `--datastore-certfile=${tls.cert}`,
    `--datastore-keyfile=${tls.key}`,
  ];
  server = await startServer({ args });
  const k = new Kubectl(server.kubeconfig);
  await k.ok(["create", "configmap", "over-tls", "--from-literal=k=v"]);
  const dataDir = server.dataDir;
  await server.stop();
  server = await startServer({ args, dataDir });
  assert.equal(
    (await new Kubectl(server.kubeconfig).ok(["get", "cm", "over-tls", "-o", "jsonpath={.data.k}"])).trim(),
    "v",
  );
});

test("without a client certificate etcd accepts, the server says why and exits 1", () => {
  const r = spawnSync(process.execPath, serverArgs([`--datastore-cafile=${etcd.tls!.ca}`]), {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    new RegExp(`skiff: cannot reach etcd at ${etcd.endpoint.replace(/\./g, "\\.")}: .*bad certificate`),
  );
});

test("an unreadable certificate file and a plain endpoint with certificates are usage errors", () => {
  const missing = spawnSync(
    process.execPath,
    serverArgs(["--datastore-certfile=/nonexistent.crt", "--datastore-keyfile=/nonexistent.key"]),
    { encoding: "utf8", timeout: 30_000 },
  );
  assert.equal(missing.status, 1);
  assert.match(
    missing.stderr,
    /Incorrect Usage: cannot read --datastore-certfile \/nonexistent\.crt: ENOENT/,
  );
  const plain = spawnSync(
    process.execPath,
    serverArgs([`--datastore-cafile=${etcd.tls!.ca}`]).map((a) =>
      a.replace("--datastore-endpoint=https://", "--datastore-endpoint=http://"),
    ),
    { encoding: "utf8", timeout: 30_000 },
  );
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /need https:\/\/ etcd endpoints/);
});
