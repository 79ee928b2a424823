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

const claimed = (policy: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy: ${policy}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: "busybox"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

const claimNames = async () =>
  (await k.ok(["get", "pvc", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}"]))
    .split(" ")
    .filter(Boolean)
    .sort();

test("persistentVolumeClaimRetentionPolicy Delete removes a condemned ordinal's claim, and all claims with the set", async () => {
  await k.ok(["apply", "-f", "-"], { input: claimed("{whenDeleted: Delete, whenScaled: Delete}") });
  await eventuallyMatches(
    "3 bound claims",
    async () =>
      (await k.ok(["get", "pvc", "-l", "app=db", "--no-headers"]))
        .trim()
        .split("\n")
        .filter((l) => /\sBound\s/.test(l)).length,
    (n) => n === 3,
    30_000,
  );
  const owners = await k.ok([
    "get",
    "pvc",
    "data-db-0",
    "-o",
    "jsonpath={.metadata.ownerReferences[*].kind}",
  ]);
  assert.equal(owners, "StatefulSet");
  await k.ok(["scale", "sts", "db", "--replicas=1"]);
  await eventuallyMatches(
    "the condemned claims gone",
    claimNames,
    (n) => n.join(",") === "data-db-0",
    30_000,
  );
  await k.ok(["delete", "sts", "db"]);
  await eventuallyMatches("every claim gone", claimNames, (n) => n.length === 0, 30_000);
});

test("an ephemeral volume's claim is made for its pod, bound, and goes with it", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: v1
kind: Pod
metadata: {name: scratch}
spec:
  containers: [{name: c, image: busybox, volumeMounts: [{name: tmp, mountPath: /tmp}]}]
  volumes:
  - name: tmp
    ephemeral:
      volumeClaimTemplate:
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
`,
  });
  await eventuallyMatches(
    "the claim bound",
    () => k.ok(["get", "pvc", "scratch-tmp", "-o", "jsonpath={.status.phase}"]).catch(() => ""),
    (p) => p === "Bound",
    30_000,
  );
  assert.equal(
    await k.ok([
      "get",
      "pvc",
      "scratch-tmp",
      "-o",
      "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}",
    ]),
    "Pod/scratch",
  );
  await eventuallyMatches(
    "the pod running",
    () => k.ok(["get", "pod", "scratch", "-o", "jsonpath={.status.phase}"]),
    (p) => p === "Running",
    30_000,
  );
  await k.ok(["delete", "pod", "scratch"]);
  await eventuallyMatches(
    "the claim gone",
    () => k.ok(["get", "pvc", "scratch-tmp", "--ignore-not-found", "-o", "name"]),
    (o) => o.trim() === "",
    30_000,
  );
});

test("a bound claim grows when its class allows expansion, and is refused upstream's way when not", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: growable}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: grow}
spec:
  storageClassName: growable
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fixed}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers: [{name: c, image: busybox}]
  volumes:
  - {name: a, persistentVolumeClaim: {claimName: grow}}
  - {name: b, persistentVolumeClaim: {claimName: fixed}}
`,
  });
  for (const c of ["grow", "fixed"])
    await eventuallyMatches(
      `${c} bound`,
      () => k.ok(["get", "pvc", c, "-o", "jsonpath={.status.phase}"]),
      (p) => p === "Bound",
      30_000,
    );
  await k.ok(["patch", "pvc", "grow", "-p", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
  await eventuallyMatches(
    "the new size",
    () => k.ok(["get", "pvc", "grow", "-o", "jsonpath={.status.capacity.storage}"]),
    (v) => v === "2Gi",
    30_000,
  );
  const refused = await k.run([
    "patch",
    "pvc",
    "fixed",
    "-p",
    '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}',
  ]);
  assert.match(
    refused.stderr,
    /persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/,
  );
  const shrink = await k.run([
    "patch",
    "pvc",
    "grow",
    "-p",
    '{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}',
  ]);
  assert.match(
    shrink.stderr,
    /spec\.resources\.requests\.storage: Forbidden: field can not be less than status\.capacity/,
  );
});
