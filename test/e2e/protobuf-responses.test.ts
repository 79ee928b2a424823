// Protobuf responses (application/vnd.kubernetes.protobuf), as client-go asks for them: the real
// kubectl's typed clients (describe, events --watch, auth can-i, create token) read skiff's
// protobuf objects, lists, watch frames and errors; custom resources stay JSON.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WireReader } from "../../src/apiserver/protobuf/wire-reader.ts";
import { Api } from "../support/api.ts";
import { Kubectl } from "../support/kubectl.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;
let api: Api;

const CLIENT_GO_ACCEPT = "application/vnd.kubernetes.protobuf, */*";
const PROTOBUF = "application/vnd.kubernetes.protobuf";

const objects = `apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {token: AP8BAg==}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {tier: web}}
data: {mode: fast}
binaryData: {blob: AAEC}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec: {hard: {requests.cpu: "2", pods: "10"}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.local/web:1
        ports: [{name: http, containerPort: 8080}]
        resources: {requests: {cpu: 250m, memory: 64Mi}}
        env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: creds, key: token}}
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 7}
      volumes:
      - name: conf
        configMap: {name: settings}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: registry.local/tool:1}]
`;

const widgetCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  api = new Api(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], { input: objects });
  await k.ok(["apply", "-f", "-"], { input: widgetCrd });
  await eventually("gadgets served", async () =>
    (await api.send("GET", "/apis/example.com/v1/namespaces/default/gadgets")).status === 200
      ? true
      : undefined,
  );
});

after(async () => {
  await server?.stop();
});

/** The envelope's typeMeta and raw message: `k8s\0` + runtime.Unknown. */
function unwrap(body: Buffer): { apiVersion: string; kind: string; raw: Uint8Array } {
  assert.deepEqual([...body.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00], "the k8s\\0 prefix");
  const r = new WireReader(body, 4);
  let typeMeta: Uint8Array = new Uint8Array();
  let raw: Uint8Array = new Uint8Array();
  for (let f = r.next("Unknown"); f; f = r.next("Unknown")) {
    if (f.field === 1) typeMeta = f.bytes;
    if (f.field === 2) raw = f.bytes;
  }
  const t = new WireReader(typeMeta);
  const apiVersion = Buffer.from(t.next("TypeMeta")?.bytes ?? []).toString();
  const kind = Buffer.from(t.next("TypeMeta")?.bytes ?? []).toString();
  return { apiVersion, kind, raw };
}

function strings(raw: Uint8Array): string {
  return Buffer.from(raw).toString("latin1");
}

test("a GET and a list with client-go's Accept are answered in protobuf", async () => {
  const one = await api.send("GET", "/api/v1/namespaces/default/configmaps/settings", undefined, {
    Accept: CLIENT_GO_ACCEPT,
  });
  assert.equal(one.status, 200);
  assert.equal(one.headers["content-type"], PROTOBUF);
  const obj = unwrap(one.bytes);
  assert.deepEqual([obj.apiVersion, obj.kind], ["v1", "ConfigMap"]);
  assert.match(strings(obj.raw), /settings[\s\S]*fast/);
  const list = await api.send("GET", "/apis/apps/v1/namespaces/default/deployments", undefined, {
    Accept: CLIENT_GO_ACCEPT,
  });
  assert.equal(list.headers["content-type"], PROTOBUF);
  const l = unwrap(list.bytes);
  assert.deepEqual([l.apiVersion, l.kind], ["apps/v1", "DeploymentList"]);
  // JSON clients are unchanged.
  const json = await api.send("GET", "/api/v1/namespaces/default/configmaps/settings");
  assert.equal(json.headers["content-type"], "application/json");
  assert.equal(json.json().data.mode, "fast");
});

// kubectl 1.32 and later ask for protobuf in their typed clients; 1.27–1.31 ask for JSON.
for (const minor of [27, 32, 33]) {
  test(`kubectl 1.${minor} describe reads its objects and event lists`, async () => {
    const kc = new Kubectl(server.kubeconfig, minor);
    const secret = await kc.run(["describe", "secret", "creds", "-v=8"]);
    assert.equal(secret.code, 0, secret.stderr);
    const typed =
      secret.stderr
        .split("\n")
        .filter((l) => /Content-Type: /.test(l))
        .pop() ?? "";
    assert.match(typed, minor >= 32 ? /application\/vnd\.kubernetes\.protobuf$/ : /application\/json$/);
    // Secret data travels as bytes: describe counts them.
    assert.match(secret.stdout, /token:\s+4 bytes/);
    const cm = await kc.ok(["describe", "configmap", "settings"]);
    assert.match(cm, /mode:\n----\nfast/);
    assert.match(cm, /BinaryData\n====\nblob: 3 bytes/);
    const quota = await kc.ok(["describe", "quota", "compute"]);
    assert.match(quota, /requests\.cpu\s+500m\s+2/);
    assert.match(quota, /pods\s+\d+\s+10/);
    const deploy = await kc.ok(["describe", "deployment", "web"]);
    assert.match(deploy, /Replicas:\s+2 desired/);
    assert.match(deploy, /Image:\s+registry\.local\/web:1/);
    assert.match(deploy, /cpu:\s+250m/);
    assert.match(deploy, /memory:\s+64Mi/);
    assert.match(deploy, /TOKEN:\s+<set to the key 'token' in secret 'creds'>/);
    assert.match(deploy, /Readiness:\s+http-get http:\/\/:http\/healthz delay=0s timeout=1s period=7s/);
    assert.match(deploy, /conf:\n\s+Type:\s+ConfigMap/);
    assert.match(deploy, /ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-/);
    const svc = await kc.ok(["describe", "service", "web"]);
    assert.match(svc, /TargetPort:\s+http\/TCP/);
    assert.match(svc, /IP:\s+10\.43\./);
    const hpa = await kc.ok(["describe", "hpa", "web"]);
    assert.match(hpa, /Min replicas:\s+2/);
    assert.match(hpa, /Max replicas:\s+5/);
    const cron = await kc.ok(["describe", "cronjob", "nightly"]);
    assert.match(cron, /Schedule:\s+0 3 \* \* \*/);
    const ns = await kc.ok(["describe", "namespace", "default"]);
    assert.match(ns, /Status:\s+Active/);
    assert.match(ns, /compute/);
  });
}

test("kubectl events --watch follows a protobuf watch stream", async () => {
  const w = k.spawn(["events", "--watch", "-v=8"]);
  try {
    await eventually("watch open", async () => (/stream=watch/.test(w.errors()) ? true : undefined));
    assert.match(w.errors(), /Content-Type: application\/vnd\.kubernetes\.protobuf;stream=watch/);
    await k.ok(["create", "-f", "-"], {
      input: `apiVersion: v1
kind: Event
metadata: {name: hello.1}
involvedObject: {kind: ConfigMap, name: settings, namespace: default}
reason: Greeting
message: hello from a protobuf watch
type: Normal
firstTimestamp: "2026-12-07T10:00:00Z"
lastTimestamp: "2026-12-07T10:00:00Z"
count: 3
`,
    });
    const out = await w.waitFor((o) => o.includes("hello from a protobuf watch"));
    assert.match(out, /Normal\s+Greeting\s+ConfigMap\/settings\s+hello from a protobuf watch/);
  } finally {
    w.stop();
  }
});

test("typed creates read their protobuf answers: auth can-i, create token", async () => {
  assert.equal((await k.ok(["auth", "can-i", "create", "pods"])).trim(), "yes");
  const token = (await k.ok(["create", "token", "default", "--duration=10m"])).trim();
  assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
});

test("errors are protobuf Status objects that kubectl reads", async () => {
  const r = await k.run(["describe", "pod", "missing"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error from server \(NotFound\): pods "missing" not found/);
  const raw = await api.send("GET", "/api/v1/namespaces/default/pods/missing", undefined, {
    Accept: CLIENT_GO_ACCEPT,
  });
  assert.equal(raw.status, 404);
  assert.equal(raw.headers["content-type"], PROTOBUF);
  const s = unwrap(raw.bytes);
  assert.deepEqual([s.apiVersion, s.kind], ["v1", "Status"]);
  assert.match(strings(s.raw), /Failure[\s\S]*pods "missing" not found[\s\S]*NotFound/);
});

test("a raw protobuf watch sends length-prefixed WatchEvents", async () => {
  const res = await api.stream(
    "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dsettings",
    {
      Accept: CLIENT_GO_ACCEPT,
    },
  );
  try {
    assert.equal(res.headers["content-type"], "application/vnd.kubernetes.protobuf;stream=watch");
    const first = await res.read(4);
    const len = first.readUInt32BE(0);
    // The WatchEvent is bare: apimachinery's raw stream serializer writes no envelope for it.
    const r = new WireReader(await res.read(len));
    assert.equal(Buffer.from(r.next("WatchEvent")!.bytes).toString(), "ADDED");
    const rawExt = new WireReader(r.next("WatchEvent")!.bytes);
    const inner = unwrap(Buffer.from(rawExt.next("RawExtension")!.bytes));
    assert.deepEqual([inner.apiVersion, inner.kind], ["v1", "ConfigMap"]);
  } finally {
    res.close();
  }
});

test("metadata-only lists come in protobuf when asked so", async () => {
  const r = await api.send("GET", "/api/v1/namespaces/default/configmaps", undefined, {
    Accept:
      "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
  });
  assert.equal(r.headers["content-type"], PROTOBUF);
  const l = unwrap(r.bytes);
  assert.deepEqual([l.apiVersion, l.kind], ["meta.k8s.io/v1", "PartialObjectMetadataList"]);
  assert.match(strings(l.raw), /settings/);
  assert.match(strings(l.raw), /kube-root-ca\.crt/);
  assert.doesNotMatch(strings(l.raw), /BEGIN CERTIFICATE/, "metadata only: no data");
});

test("custom resources answer JSON to client-go's Accept, and 406 to protobuf alone", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 3}\n",
  });
  const r = await api.send("GET", "/apis/example.com/v1/namespaces/default/gadgets/g1", undefined, {
    Accept: "application/vnd.kubernetes.protobuf,application/json",
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "application/json");
  assert.equal(r.json().spec.size, 3);
  const only = await api.send("GET", "/apis/example.com/v1/namespaces/default/gadgets/g1", undefined, {
    Accept: PROTOBUF,
  });
  assert.equal(only.status, 406);
  assert.equal(
    only.json().message,
    "only the following media types are accepted: application/json, application/yaml",
  );
  // A protobuf body is refused before it is read: custom objects have no protobuf form.
  const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from("not read")]);
  const write = await api.send("POST", "/apis/example.com/v1/namespaces/default/gadgets", body, {
    "Content-Type": PROTOBUF,
  });
  assert.equal(write.status, 415);
  assert.equal(write.json().reason, "UnsupportedMediaType");
  assert.match(write.json().message, /accepted media types include: application\/json, application\/yaml$/);
  // A patch of no known type names the patch types, as upstream's negotiation does.
  const patch = await api.send("PATCH", "/api/v1/namespaces/default/configmaps/none", "{}", {
    "Content-Type": "text/plain",
  });
  assert.equal(patch.status, 415);
  assert.equal(
    patch.json().message,
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
  );
});
