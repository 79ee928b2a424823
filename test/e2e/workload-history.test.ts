// StatefulSet and DaemonSet history with the real kubectl on simulated nodes: ControllerRevisions
// behind `kubectl rollout history|undo`, upstream's columns, and upstream's refusals.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventuallyMatches } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

const node = `apiVersion: v1
kind: Node
metadata:
  name: sim1
  annotations:
    skiff.dev/simulated: "true"
`;

const sts = (policy = "OrderedReady") => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  podManagementPolicy: ${policy}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.25"}]}
`;

const ds = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: mon}
spec:
  selector: {matchLabels: {app: mon}}
  template:
    metadata: {labels: {app: mon}}
    spec: {containers: [{name: c, image: "busybox:1"}]}
`;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], { input: node });
});

after(async () => {
  await server?.stop();
});

const image = (kind: string, name: string) =>
  k.ok(["get", kind, name, "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);

test("a StatefulSet's rollout history and undo go through its ControllerRevisions", async () => {
  await k.ok(["apply", "-f", "-"], { input: sts() });
  await eventuallyMatches(
    "3/3",
    () => k.ok(["get", "sts", "web", "--no-headers"]),
    (o) => /^web\s+3\/3\s/.test(o),
  );
  const wide = await k.ok(["get", "sts", "web", "-o", "wide"]);
  assert.match(wide, /NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\nweb\s+3\/3\s+\S+\s+nginx\s+nginx:1\.25/);
  await k.ok(["set", "image", "sts/web", "nginx=nginx:1.26"]);
  assert.match(
    await k.ok(["rollout", "status", "sts/web", "--timeout=60s"]),
    /partitioned roll out complete: 3 new pods have been updated/,
  );
  assert.match(
    await k.ok(["rollout", "history", "sts/web"]),
    /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
  );
  const revisions = await k.ok(["get", "controllerrevisions", "--no-headers"]);
  assert.equal(revisions.trim().split("\n").length, 2);
  assert.match(revisions, /web-\S+\s+statefulset\.apps\/web\s+1\s/);
  assert.equal((await k.ok(["rollout", "undo", "sts/web"])).trim(), "statefulset.apps/web rolled back");
  await k.ok(["rollout", "status", "sts/web", "--timeout=60s"]);
  assert.equal(await image("sts", "web"), "nginx:1.25");
  assert.match(
    await k.ok(["rollout", "history", "sts/web"]),
    /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/,
  );
  const pods = await k.ok([
    "get",
    "pods",
    "-l",
    "app=web",
    "-o",
    "jsonpath={.items[*].spec.containers[0].image}",
  ]);
  assert.equal(pods, "nginx:1.25 nginx:1.25 nginx:1.25");
});

test("a StatefulSet refuses changes to fields other than upstream's mutable ones", async () => {
  const r = await k.run(["patch", "sts", "web", "-p", '{"spec":{"serviceName":"other"}}']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /The StatefulSet "web" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
  );
  const bad = await k.run(["apply", "-f", "-"], {
    input: sts("Sometimes").replace("name: web}", "name: bad}"),
  });
  assert.match(
    bad.stderr,
    /spec\.podManagementPolicy: Invalid value: "Sometimes": must be 'OrderedReady' or 'Parallel'/,
  );
  await k.ok(["delete", "sts", "web"]);
});

test("a DaemonSet's rollout history and undo go through its ControllerRevisions", async () => {
  await k.ok(["apply", "-f", "-"], { input: ds });
  await k.ok(["rollout", "status", "ds/mon", "--timeout=60s"]);
  await k.ok(["set", "image", "ds/mon", "c=busybox:2"]);
  await k.ok(["rollout", "status", "ds/mon", "--timeout=60s"]);
  assert.match(
    await k.ok(["rollout", "history", "ds/mon"]),
    /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
  );
  assert.match(await k.ok(["rollout", "history", "ds/mon", "--revision=1"]), /Image:\s+busybox:1/);
  // The revision's hash is the one its pods carry.
  const hash = await k.ok([
    "get",
    "pods",
    "-l",
    "app=mon",
    "-o",
    "jsonpath={.items[0].metadata.labels.controller-revision-hash}",
  ]);
  assert.ok((await k.ok(["get", "controllerrevisions", "-o", "name"])).includes(`mon-${hash}`));
  await k.ok(["rollout", "undo", "ds/mon"]);
  await k.ok(["rollout", "status", "ds/mon", "--timeout=60s"]);
  assert.equal(await image("ds", "mon"), "busybox:1");
  assert.match(
    await k.ok(["rollout", "history", "ds/mon"]),
    /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/,
  );
});
