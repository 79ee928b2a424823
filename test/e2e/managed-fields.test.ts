// Every write records who changed which fields, so a later server-side apply meets upstream's
// conflicts: with kubectl scale (subresource scale), kubectl edit, and the controllers' status writes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

let server: RunningServer;
let k: Kubectl;
before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig, 32);
});
after(async () => {
  await server?.stop();
});

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: a
        image: img-a:1
`;

async function managedFields(kind: string, name: string): Promise<Entry[]> {
  const obj = JSON.parse(await k.ok(["get", kind, name, "-o", "json", "--show-managed-fields"])) as {
    metadata: { managedFields?: Entry[] };
  };
  return obj.metadata.managedFields ?? [];
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("create, label and the controllers' status writes are recorded under their managers", async () => {
  await k.ok(["create", "-f", "-"], { input: deployment("rec", 1) });
  const created = await managedFields("deployment", "rec");
  const mine = created.find((e) => e.manager === "kubectl-create");
  assert.ok(mine, JSON.stringify(created));
  assert.equal(mine.operation, "Update");
  assert.equal(mine.apiVersion, "apps/v1");
  assert.equal(mine.fieldsType, "FieldsV1");
  assert.equal(mine.subresource, undefined);
  assert.match(mine.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const spec = mine.fieldsV1["f:spec"] as Record<string, unknown>;
  assert.deepEqual(spec["f:replicas"], {});

  await k.ok(["label", "deployment", "rec", "tier=web"]);
  const labelled = await managedFields("deployment", "rec");
  const label = labelled.find((e) => e.manager === "kubectl-label");
  assert.ok(label, JSON.stringify(labelled));
  // The labels map did not exist, so the label's manager owns the map itself too (".").
  assert.deepEqual(label.fieldsV1, { "f:metadata": { "f:labels": { ".": {}, "f:tier": {} } } });
  // The label's field moved to its new manager; create's entry keeps the rest.
  const createdAfter = labelled.find((e) => e.manager === "kubectl-create")!;
  const meta = createdAfter.fieldsV1["f:metadata"] as Record<string, unknown> | undefined;
  assert.equal((meta?.["f:labels"] as Record<string, unknown> | undefined)?.["f:tier"], undefined);

  const status = await until(async () => {
    const all = await managedFields("deployment", "rec");
    return all.find((e) => e.manager === "kube-controller-manager" && e.subresource === "status");
  }, "the deployment controller's status entry");
  assert.equal(status.operation, "Update");
  assert.ok("f:status" in status.fieldsV1, JSON.stringify(status));
});

test("fields admission adds (the token volume, default tolerations) belong to no manager", async () => {
  await k.ok(["run", "mf-pod", "--image=img:1"]);
  const pod = JSON.parse(await k.ok(["get", "pod", "mf-pod", "-o", "json", "--show-managed-fields"])) as {
    spec: { volumes?: Array<{ name: string }>; tolerations?: unknown[] };
    metadata: { managedFields: Entry[] };
  };
  assert.ok(pod.spec.volumes?.some((v) => v.name.startsWith("kube-api-access-")));
  assert.ok(pod.spec.tolerations?.length);
  const run = pod.metadata.managedFields.find((e) => e.manager === "kubectl-run")!;
  const spec = run.fieldsV1["f:spec"] as Record<string, unknown>;
  assert.equal(spec["f:volumes"], undefined, JSON.stringify(spec));
  assert.equal(spec["f:tolerations"], undefined);
  assert.ok(spec["f:containers"]);
});

test("server-side apply conflicts with kubectl scale, naming the scale subresource", async () => {
  await k.ok(["apply", "--server-side", "-f", "-"], { input: deployment("sc", 1) });
  await k.ok(["scale", "deployment", "sc", "--replicas=3"]);
  const entries = await managedFields("deployment", "sc");
  const scale = entries.find((e) => e.subresource === "scale");
  assert.ok(scale, JSON.stringify(entries));
  assert.equal(scale.manager, "kubectl.1.32");
  assert.deepEqual(scale.fieldsV1, { "f:spec": { "f:replicas": {} } });

  const r = await k.run(["apply", "--server-side", "-f", "-"], { input: deployment("sc", 1) });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /Apply failed with 1 conflict: conflict with "kubectl\.1\.32" with subresource "scale" using apps\/v1: \.spec\.replicas/,
  );
  assert.equal((await k.ok(["get", "deployment", "sc", "-o", "jsonpath={.spec.replicas}"])).trim(), "3");
  // --force-conflicts takes the field over, as upstream.
  await k.ok(["apply", "--server-side", "--force-conflicts", "-f", "-"], { input: deployment("sc", 1) });
  assert.equal((await k.ok(["get", "deployment", "sc", "-o", "jsonpath={.spec.replicas}"])).trim(), "1");
  const after = await managedFields("deployment", "sc");
  assert.equal(
    after.find((e) => e.subresource === "scale"),
    undefined,
    "the scale entry lost its only field",
  );
});

test("server-side apply conflicts with kubectl edit", async () => {
  await k.ok(["apply", "--server-side", "-f", "-"], { input: deployment("ed", 1) });
  const dir = mkdtempSync(join(tmpdir(), "skiff-editor-"));
  const editor = join(dir, "editor.sh");
  writeFileSync(editor, `#!/bin/sh\nsed -i 's/^  replicas: 1$/  replicas: 4/' "$1"\n`);
  chmodSync(editor, 0o755);
  await k.ok(["edit", "deployment", "ed"], { env: { KUBE_EDITOR: editor } });
  const entries = await managedFields("deployment", "ed");
  const edit = entries.find((e) => e.manager === "kubectl-edit");
  assert.ok(edit, JSON.stringify(entries));
  assert.equal(edit.operation, "Update");

  const r = await k.run(["apply", "--server-side", "-f", "-"], { input: deployment("ed", 2) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /conflict with "kubectl-edit" using apps\/v1: \.spec\.replicas/);
  assert.equal((await k.ok(["get", "deployment", "ed", "-o", "jsonpath={.spec.replicas}"])).trim(), "4");
});

test("a field manager that is too long or unprintable is refused with upstream's 422", async () => {
  const long = "m".repeat(129);
  const r = await k.run(["create", "configmap", "fm", `--field-manager=${long}`]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /CreateOptions\.meta\.k8s\.io "" is invalid: fieldManager: Too long: (may not be more than|must have at most) 128 bytes/,
  );
  const bad = await k.run(["create", "configmap", "fm", "--field-manager=a\tb"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /fieldManager: Invalid value: "a\\tb": invalid character U\+0009/);
  const none = await k.run(["get", "configmap", "fm"]);
  assert.match(none.stderr, /configmaps "fm" not found/);
});
