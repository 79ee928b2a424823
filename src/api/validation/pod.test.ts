import assert from "node:assert/strict";
import { test } from "node:test";
import { validateCreate, validateStatusUpdate, validateUpdate } from "./index.ts";
import { clone, messages, pod, storedPod } from "./test-fixtures.ts";

const create = (p: any) => messages(validateCreate("", "Pod", p));

test("the defaulted kubia pod is valid", () => {
  assert.deepEqual(create(pod()), []);
});

test("a pod needs at least one container", () => {
  assert.deepEqual(create(pod((p) => (p.spec.containers = []))), ["spec.containers: Required value"]);
});

test("container names are DNS labels and unique", () => {
  assert.deepEqual(create(pod((p) => (p.spec.containers[0].name = "Kubia"))), [
    `spec.containers[0].name: Invalid value: "Kubia": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
  const dup = pod((p) => p.spec.containers.push({ name: "kubia", image: "busybox" }));
  assert.deepEqual(create(dup), ['spec.containers[1].name: Duplicate value: "kubia"']);
});

test("a container needs an image", () => {
  assert.deepEqual(create(pod((p) => delete p.spec.containers[0].image)), [
    "spec.containers[0].image: Required value",
  ]);
});

test("container ports are 1-65535 with valid, unique IANA names and a known protocol", () => {
  assert.deepEqual(create(pod((p) => (p.spec.containers[0].ports[0].containerPort = 70000))), [
    "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
  ]);
  assert.deepEqual(create(pod((p) => (p.spec.containers[0].ports[0].name = "HTTP"))), [
    'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
  ]);
  const dup = pod((p) => {
    p.spec.containers[0].ports = [
      { name: "http", containerPort: 8080 },
      { name: "http", containerPort: 8443 },
    ];
  });
  assert.deepEqual(create(dup), ['spec.containers[0].ports[1].name: Duplicate value: "http"']);
  assert.deepEqual(create(pod((p) => (p.spec.containers[0].ports[0].protocol = "HTTP"))), [
    'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
  ]);
});

test("restartPolicy and dnsPolicy take only upstream's values", () => {
  assert.deepEqual(create(pod((p) => (p.spec.restartPolicy = "Sometimes"))), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  ]);
  assert.deepEqual(create(pod((p) => (p.spec.dnsPolicy = "Google"))), [
    'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
});

test("resource requests may not exceed limits", () => {
  const p = pod(
    (o) =>
      (o.spec.containers[0].resources = {
        requests: { cpu: "2", memory: "64Mi" },
        limits: { cpu: "1", memory: "128Mi" },
      }),
  );
  assert.deepEqual(create(p), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
  ]);
  const negative = pod((o) => (o.spec.containers[0].resources = { limits: { memory: "-1Mi" } }));
  assert.deepEqual(create(negative), [
    'spec.containers[0].resources.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0',
    'spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0',
  ]);
  const unknown = pod((o) => (o.spec.containers[0].resources = { limits: { gpu: "1" } }));
  assert.deepEqual(create(unknown), [
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
    'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
  ]);
});

test("env var names are required and printable without '='", () => {
  assert.deepEqual(create(pod((p) => (p.spec.containers[0].env = [{ value: "x" }]))), [
    "spec.containers[0].env[0].name: Required value",
  ]);
  assert.deepEqual(create(pod((p) => (p.spec.containers[0].env = [{ name: "A=B", value: "x" }]))), [
    `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
  ]);
  const both = pod(
    (p) =>
      (p.spec.containers[0].env = [
        { name: "X", value: "v", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
      ]),
  );
  assert.deepEqual(create(both), [
    'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
  ]);
});

test("volume names are unique DNS labels and mounts must name a volume", () => {
  const dup = pod(
    (p) =>
      (p.spec.volumes = [
        { name: "data", emptyDir: {} },
        { name: "data", emptyDir: {} },
      ]),
  );
  assert.deepEqual(create(dup), ['spec.volumes[1].name: Duplicate value: "data"']);
  const missing = pod(
    (p) => (p.spec.containers[0].volumeMounts = [{ name: "html", mountPath: "/var/htdocs" }]),
  );
  assert.deepEqual(create(missing), ['spec.containers[0].volumeMounts[0].name: Not found: "html"']);
  const twoSources = pod(
    (p) => (p.spec.volumes = [{ name: "data", emptyDir: {}, hostPath: { path: "/tmp" } }]),
  );
  assert.deepEqual(create(twoSources), [
    "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
  ]);
});

test("probes need exactly one handler, and liveness successThreshold must be 1", () => {
  const none = pod(
    (p) =>
      (p.spec.containers[0].livenessProbe = {
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      }),
  );
  assert.deepEqual(create(none), [
    "spec.containers[0].livenessProbe: Required value: must specify a handler type",
  ]);
  const two = pod(
    (p) => (p.spec.containers[0].readinessProbe = { exec: { command: ["ls"] }, tcpSocket: { port: 8080 } }),
  );
  assert.deepEqual(create(two), [
    "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
  ]);
  const st = pod(
    (p) => (p.spec.containers[0].livenessProbe = { httpGet: { port: 8080 }, successThreshold: 2 }),
  );
  assert.deepEqual(create(st), [
    "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
  ]);
  const port = pod((p) => (p.spec.containers[0].livenessProbe = { httpGet: { port: 0 } }));
  assert.deepEqual(create(port), [
    "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
  ]);
});

test("tolerations: empty key needs Exists, tolerationSeconds needs NoExecute", () => {
  const p = pod(
    (o) =>
      (o.spec.tolerations = [
        { operator: "Equal", value: "x" },
        { key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 },
      ]),
  );
  assert.deepEqual(create(p), [
    'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
  ]);
});

test("nodeSelector values are label values", () => {
  const p = pod((o) => (o.spec.nodeSelector = { gpu: "true", disk: "s s d" }));
  assert.equal(create(p).length, 1);
  assert.match(create(p)[0], /^spec\.nodeSelector: Invalid value: "s s d": a valid label must be/);
});

test("pod updates may change the image", () => {
  const old = storedPod();
  const next = clone(old);
  next.spec.containers[0].image = "luksa/kubia:v2";
  assert.deepEqual(messages(validateUpdate("", "Pod", next, old)), []);
});

test("pod updates may not change other spec fields", () => {
  const old = storedPod();
  const next = clone(old);
  next.spec.containers[0].ports[0].containerPort = 9090;
  const errs = validateUpdate("", "Pod", next, old);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec");
  assert.equal(errs[0].type, "FieldValueForbidden");
  assert.ok(
    errs[0].detail?.startsWith(
      "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n",
    ),
  );
  assert.match(errs[0].detail ?? "", /containerPort/);
});

test("pod updates may not add or remove containers, only add tolerations, only shorten the deadline", () => {
  const old = storedPod((p) => {
    p.spec.activeDeadlineSeconds = 30;
    // What admission gives every pod at creation.
    p.spec.tolerations = [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ];
  });
  const more = clone(old);
  more.spec.containers.push({ ...clone(old.spec.containers[0]), name: "side" });
  assert.deepEqual(messages(validateUpdate("", "Pod", more, old)), [
    "spec.containers: Forbidden: pod updates may not add or remove containers",
  ]);
  const fewerTols = clone(old);
  fewerTols.spec.tolerations = [];
  assert.deepEqual(messages(validateUpdate("", "Pod", fewerTols, old)), [
    "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
  ]);
  const moreTols = clone(old);
  moreTols.spec.tolerations.push({ key: "dedicated", operator: "Exists", effect: "NoSchedule" });
  assert.deepEqual(messages(validateUpdate("", "Pod", moreTols, old)), []);
  const longer = clone(old);
  longer.spec.activeDeadlineSeconds = 60;
  assert.deepEqual(messages(validateUpdate("", "Pod", longer, old)), [
    "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value",
  ]);
});

test("a status write may not move the pod to another node", () => {
  const old = storedPod((p) => (p.spec.nodeName = "node1"));
  const next = clone(old);
  next.spec.nodeName = "node2";
  assert.deepEqual(messages(validateStatusUpdate("", "Pod", next, old)), [
    "status.nodeName: Forbidden: may not be changed directly",
  ]);
});

test("terminated containers of a Never pod may not come back", () => {
  const old = storedPod((p) => {
    p.spec.restartPolicy = "Never";
    p.status = { containerStatuses: [{ name: "kubia", state: { terminated: { exitCode: 0 } } }] };
  });
  const next = clone(old);
  next.status.containerStatuses[0].state = { running: {} };
  assert.deepEqual(messages(validateStatusUpdate("", "Pod", next, old)), [
    "status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state",
  ]);
});
