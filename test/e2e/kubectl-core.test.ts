// The real kubectl 1.32 against a fresh `skiff server`, as a learner types it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { KUBIA_RC, manifestsIn } from "../support/book.ts";

let server: RunningServer;
let k: Kubectl;
const dir = mkdtempSync(join(tmpdir(), "skiff-manifests-"));
const manifest = manifestsIn(dir);

const kubiaManual = manifest(
  "kubia-manual.yaml",
  `apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
`,
);

const kubiaManualV2 = manifest(
  "kubia-manual-with-labels.yaml",
  `apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual-v2
  labels:
    creation_method: manual
    env: prod
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
`,
);

const kubiaRc = manifest("kubia-rc.yaml", KUBIA_RC);

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig, 32);
});

after(async () => {
  await server?.stop();
});

describe("discovery and cluster info", () => {
  test("kubectl version reports the server version", async () => {
    const out = await k.ok(["version"]);
    assert.match(out, /Server Version: v1\.32\./);
  });

  test("api-resources lists the served resources with short names", async () => {
    const out = await k.ok(["api-resources"]);
    assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(out, /^replicationcontrollers\s+rc\s+v1\s+true\s+ReplicationController$/m);
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    assert.match(out, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m);
    assert.match(out, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
  });

  test("the system namespaces exist at first start", async () => {
    const out = await k.ok(["get", "ns"]);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"])
      assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\d+s`, "m"));
  });

  test("cluster-info names the control plane URL", async () => {
    const out = await k.ok(["cluster-info"]);
    assert.match(
      out,
      new RegExp(`Kubernetes control plane.* is running at .*https://127\\.0\\.0\\.1:${server.port}`),
    );
  });

  test("explain prints field documentation", async () => {
    const out = await k.ok(["explain", "pods.spec.containers"]);
    assert.match(out, /FIELDS:/);
    assert.match(out, /image\s+<string>/);
  });
});

describe("pods, labels and selectors (chapter 3)", () => {
  test("create -f makes the pod, get shows the upstream columns", async () => {
    assert.match(await k.ok(["create", "-f", kubiaManual]), /^pod\/kubia-manual created$/m);
    const out = await k.ok(["get", "po", "kubia-manual"]);
    assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(out, /^kubia-manual\s+0\/1\s+Pending\s+0\s+\d+s$/m);
  });

  test("-o wide adds IP and NODE; -o yaml/json/name print the object", async () => {
    assert.match(
      await k.ok(["get", "po", "-o", "wide"]),
      /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
    );
    const yaml = await k.ok(["get", "po", "kubia-manual", "-o", "yaml"]);
    assert.match(yaml, /restartPolicy: Always/);
    assert.match(yaml, /dnsPolicy: ClusterFirst/);
    assert.match(yaml, /terminationGracePeriodSeconds: 30/);
    assert.match(yaml, /imagePullPolicy: Always/);
    assert.match(yaml, /terminationMessagePath: \/dev\/termination-log/);
    assert.match(yaml, /phase: Pending/);
    const json = JSON.parse(await k.ok(["get", "po", "kubia-manual", "-o", "json"])) as any;
    assert.equal(json.metadata.name, "kubia-manual");
    assert.match(json.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(json.metadata.resourceVersion, /^\d+$/);
    assert.equal(await k.ok(["get", "po", "-o", "name"]), "pod/kubia-manual\n");
  });

  test("--show-labels and -L show labels", async () => {
    await k.ok(["create", "-f", kubiaManualV2]);
    const out = await k.ok(["get", "po", "--show-labels"]);
    assert.match(out, /^kubia-manual\s+.*<none>$/m);
    assert.match(out, /^kubia-manual-v2\s+.*creation_method=manual,env=prod$/m);
    const cols = await k.ok(["get", "po", "-L", "creation_method,env"]);
    assert.match(cols, /CREATION_METHOD\s+ENV/);
    assert.match(cols, /^kubia-manual-v2\s+.*manual\s+prod$/m);
  });

  test("label adds, --overwrite changes, and without it the change is refused", async () => {
    assert.match(
      await k.ok(["label", "po", "kubia-manual", "creation_method=manual"]),
      /pod\/kubia-manual labeled/,
    );
    const refused = await k.run(["label", "po", "kubia-manual-v2", "env=debug"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /'env' already has a value \(prod\), and --overwrite is false/);
    await k.ok(["label", "po", "kubia-manual-v2", "env=debug", "--overwrite"]);
    assert.match(await k.ok(["get", "po", "kubia-manual-v2", "-L", "env"]), /debug/);
    await k.ok(["label", "po", "kubia-manual-v2", "tmp=1"]);
    assert.match(await k.ok(["label", "po", "kubia-manual-v2", "tmp-"]), /pod\/kubia-manual-v2 unlabeled/);
    assert.doesNotMatch(await k.ok(["get", "po", "kubia-manual-v2", "--show-labels"]), /tmp=/);
  });

  test("every label selector form", async () => {
    const names = async (sel: string) =>
      (await k.ok(["get", "po", "-l", sel, "-o", "name"])).split("\n").filter(Boolean).sort();
    assert.deepEqual(await names("creation_method=manual"), ["pod/kubia-manual", "pod/kubia-manual-v2"]);
    assert.deepEqual(await names("creation_method==manual"), ["pod/kubia-manual", "pod/kubia-manual-v2"]);
    assert.deepEqual(await names("env"), ["pod/kubia-manual-v2"]);
    assert.deepEqual(await names("!env"), ["pod/kubia-manual"]);
    assert.deepEqual(await names("env!=debug"), ["pod/kubia-manual"]);
    assert.deepEqual(await names("env in (prod,debug)"), ["pod/kubia-manual-v2"]);
    assert.deepEqual(await names("env notin (prod,debug)"), ["pod/kubia-manual"]);
    assert.deepEqual(await names("creation_method=manual,env=debug"), ["pod/kubia-manual-v2"]);
    const none = await k.run(["get", "po", "-l", "app=nothing"]);
    assert.equal(none.code, 0);
    assert.match(none.stderr, /No resources found in default namespace\./);
  });

  test("field selectors on pods", async () => {
    const out = await k.ok(["get", "po", "--field-selector", "metadata.name=kubia-manual", "-o", "name"]);
    assert.equal(out, "pod/kubia-manual\n");
    const pending = await k.ok([
      "get",
      "po",
      "--field-selector",
      "status.phase=Pending,spec.nodeName=",
      "-o",
      "name",
    ]);
    assert.match(pending, /kubia-manual-v2/);
    const bad = await k.run(["get", "po", "--field-selector", "spec.foo=bar"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec\.foo/);
  });

  test("annotate adds and removes annotations, describe shows them", async () => {
    await k.ok(["annotate", "pod", "kubia-manual", "mycompany.com/someannotation=foo bar"]);
    const d = await k.ok(["describe", "pod", "kubia-manual"]);
    assert.match(d, /Annotations:\s+mycompany\.com\/someannotation: foo bar/);
    assert.match(d, /Status:\s+Pending/);
    await k.ok(["annotate", "pod", "kubia-manual", "mycompany.com/someannotation-"]);
    assert.doesNotMatch(await k.ok(["get", "po", "kubia-manual", "-o", "yaml"]), /someannotation/);
  });

  test("namespaces: the same pod name in two namespaces, -A lists both", async () => {
    await k.ok(["create", "namespace", "custom-namespace"]);
    await k.ok(["create", "-f", kubiaManual, "-n", "custom-namespace"]);
    const all = await k.ok(["get", "po", "-A"]);
    assert.match(all, /^NAMESPACE\s+NAME/m);
    assert.match(all, /^custom-namespace\s+kubia-manual\s/m);
    assert.match(all, /^default\s+kubia-manual\s/m);
  });

  test("deleting a namespace removes its pods and then the namespace", async () => {
    assert.match(
      await k.ok(["delete", "ns", "custom-namespace"], {}),
      /namespace "custom-namespace" deleted/,
    );
    const r = await k.run(["get", "ns", "custom-namespace"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /namespaces "custom-namespace" not found/);
  });

  test("delete -l removes the matching pods", async () => {
    assert.match(await k.ok(["delete", "po", "-l", "creation_method=manual"]), /pod "kubia-manual" deleted/);
    const none = await k.run(["get", "po"]);
    assert.match(none.stderr, /No resources found/);
  });
});

describe("controllers' objects: apply, edit, scale, delete with cascade", () => {
  test("apply -f creates, changes, and reports unchanged", async () => {
    assert.match(await k.ok(["apply", "-f", kubiaRc]), /replicationcontroller\/kubia created/);
    assert.match(await k.ok(["apply", "-f", kubiaRc]), /replicationcontroller\/kubia unchanged/);
    const changed = manifest(
      "kubia-rc-v2.yaml",
      (await import("node:fs")).readFileSync(kubiaRc, "utf8").replace("replicas: 3", "replicas: 4"),
    );
    assert.match(await k.ok(["apply", "-f", changed]), /replicationcontroller\/kubia configured/);
    const rc = JSON.parse(await k.ok(["get", "rc", "kubia", "-o", "json"])) as any;
    assert.equal(rc.spec.replicas, 4);
    assert.equal(rc.metadata.generation, 2);
    assert.ok(rc.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
    const table = await k.ok(["get", "rc"]);
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
    assert.match(table, /^kubia\s+4\s+\d\s+0\s+\d+s$/m);
  });

  test("apply of a multi-document file", async () => {
    const multi = manifest(
      "multi.yaml",
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  a: "1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
data:
  b: "2"
`,
    );
    const out = await k.ok(["apply", "-f", multi]);
    assert.match(out, /configmap\/one created/);
    assert.match(out, /configmap\/two created/);
  });

  test("apply --server-side creates and updates, keeping fields it did not mention", async () => {
    const ssa = manifest(
      "ssa.yaml",
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
  labels:
    a: "1"
data:
  x: "1"
`,
    );
    assert.match(await k.ok(["apply", "--server-side", "-f", ssa]), /configmap\/ssa serverside-applied/);
    await k.ok(["label", "cm", "ssa", "other=kept"]);
    writeFileSync(ssa, (await import("node:fs")).readFileSync(ssa, "utf8").replace('x: "1"', 'x: "2"'));
    assert.match(await k.ok(["apply", "--server-side", "-f", ssa]), /configmap\/ssa serverside-applied/);
    const cm = JSON.parse(await k.ok(["get", "cm", "ssa", "-o", "json"])) as any;
    assert.equal(cm.data.x, "2");
    assert.equal(cm.metadata.labels.other, "kept");
    assert.equal(cm.metadata.labels.a, "1");
  });

  test("edit with an EDITOR script changes the object", async () => {
    const editor = join(dir, "editor.sh");
    writeFileSync(editor, `#!/bin/sh\nsed -i 's/replicas: 4/replicas: 7/' "$1"\n`);
    chmodSync(editor, 0o755);
    const out = await k.ok(["edit", "rc", "kubia"], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.match(out, /replicationcontroller\/kubia edited/);
    assert.match(await k.ok(["get", "rc", "kubia"]), /^kubia\s+7\s/m);
  });

  test("scale changes the desired count through /scale", async () => {
    assert.match(await k.ok(["scale", "rc", "kubia", "--replicas=5"]), /replicationcontroller\/kubia scaled/);
    assert.match(await k.ok(["get", "rc", "kubia"]), /^kubia\s+5\s/m);
    const wrong = await k.run(["scale", "rc", "kubia", "--current-replicas=2", "--replicas=3"]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Expected replicas to be 2, was 5/);
  });

  test("create deployment/configmap/secret (protobuf bodies from kubectl 1.32)", async () => {
    assert.match(
      await k.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"]),
      /deployment\.apps\/web created/,
    );
    assert.match(await k.ok(["create", "configmap", "cfg", "--from-literal=a=b"]), /configmap\/cfg created/);
    assert.match(
      await k.ok(["create", "secret", "generic", "sec", "--from-literal=k=v"]),
      /secret\/sec created/,
    );
    const d = JSON.parse(await k.ok(["get", "deploy", "web", "-o", "json"])) as any;
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.template.spec.containers[0].image, "nginx");
    assert.equal(d.spec.strategy.type, "RollingUpdate");
    const s = JSON.parse(await k.ok(["get", "secret", "sec", "-o", "json"])) as any;
    assert.equal(Buffer.from(s.data.k, "base64").toString(), "v");
    assert.match(await k.ok(["get", "deploy"]), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
  });

  test("delete --cascade=orphan and foreground complete", async () => {
    await k.ok(["create", "deployment", "orphaned", "--image=nginx"]);
    assert.match(
      await k.ok(["delete", "deploy", "orphaned", "--cascade=orphan"]),
      /deployment\.apps "orphaned" deleted/,
    );
    await k.ok(["create", "deployment", "fg", "--image=nginx"]);
    assert.match(
      await k.ok(["delete", "deploy", "fg", "--cascade=foreground"]),
      /deployment\.apps "fg" deleted/,
    );
    assert.match(
      await k.ok(["delete", "deploy", "web", "--cascade=background"]),
      /deployment\.apps "web" deleted/,
    );
    const r = await k.run(["get", "deploy"]);
    assert.match(r.stderr, /No resources found/);
  });

  test("delete -f and delete --all", async () => {
    assert.match(await k.ok(["delete", "-f", kubiaRc]), /replicationcontroller "kubia" deleted/);
    const out = await k.ok(["delete", "cm", "--all"]);
    assert.match(out, /configmap "one" deleted/);
    assert.match(out, /configmap "two" deleted/);
    const missing = await k.run(["delete", "-f", kubiaRc]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Error from server \(NotFound\).*replicationcontrollers "kubia" not found/);
  });
});

describe("watch", () => {
  test("get -w prints the list, then changes as they happen", async () => {
    const w = k.spawn(["get", "po", "-w"]);
    try {
      await k.ok(["run", "watched", "--image=luksa/kubia"]);
      await w.waitFor((o) => /watched\s+0\/1\s+Pending/.test(o));
      await k.ok(["label", "po", "watched", "x=y"]);
      await k.ok(["delete", "po", "watched"]);
      await w.waitFor((o) => o.split("\n").filter((l) => l.startsWith("watched")).length >= 3);
      assert.match(w.output(), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    } finally {
      w.stop();
    }
  });
});
