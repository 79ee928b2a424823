import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults } from "../defaults/index.ts";
import {
  validateCreate,
  validateNamespaceFinalizeUpdate,
  validateStatusUpdate,
  validateUpdate,
} from "./index.ts";
import { clone, messages, stored } from "./test-fixtures.ts";

function defaulted(group: string, kind: string, obj: any): any {
  applyDefaults(group, kind, obj);
  return obj;
}

test("namespace status phase must follow deletion, and finalize checks finalizer names", () => {
  const old = stored(defaulted("", "Namespace", { metadata: { name: "custom-namespace" } }));
  const next = clone(old);
  next.status.phase = "Terminating";
  assert.deepEqual(messages(validateStatusUpdate("", "Namespace", next, old)), [
    "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
  ]);
  const fin = clone(old);
  fin.spec.finalizers = ["custom"];
  assert.deepEqual(messages(validateNamespaceFinalizeUpdate(fin, old)), [
    'spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test("config map and secret keys are [-._a-zA-Z0-9]+", () => {
  const cm = { metadata: { name: "cfg", namespace: "default" }, data: { "my key": "v", "..x": "y" } };
  assert.deepEqual(messages(validateCreate("", "ConfigMap", cm)), [
    `data[my key]: Invalid value: "my key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    `data[..x]: Invalid value: "..x": must not start with '..'`,
  ]);
  const secret = defaulted("", "Secret", {
    metadata: { name: "s", namespace: "default" },
    data: { "a/b": "eA==" },
  });
  assert.match(
    messages(validateCreate("", "Secret", secret))[0],
    /^data\[a\/b\]: Invalid value: "a\/b": a valid config key/,
  );
});

test("config maps over 1 MiB are rejected", () => {
  const cm = { metadata: { name: "cfg", namespace: "default" }, data: { big: "x".repeat(1024 * 1024 + 1) } };
  const errs = validateCreate("", "ConfigMap", cm);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].type, "FieldValueTooLong");
  assert.equal(errs[0].field, "");
});

test("a secret's type is immutable and typed secrets need their keys", () => {
  const old = stored(defaulted("", "Secret", { metadata: { name: "s", namespace: "default" }, data: {} }));
  const next = clone(old);
  next.type = "kubernetes.io/tls";
  next.data = { "tls.crt": "YQ==", "tls.key": "Yg==" };
  assert.deepEqual(messages(validateUpdate("", "Secret", next, old)), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
  ]);
  const tls = {
    metadata: { name: "tls-secret", namespace: "default" },
    type: "kubernetes.io/tls",
    data: { "tls.crt": "YQ==" },
  };
  assert.deepEqual(messages(validateCreate("", "Secret", tls)), ["data[tls.key]: Required value"]);
});

test("immutable config maps keep their data", () => {
  const old = stored({ metadata: { name: "cfg", namespace: "default" }, immutable: true, data: { a: "1" } });
  const next = clone(old);
  next.data.a = "2";
  assert.deepEqual(messages(validateUpdate("", "ConfigMap", next, old)), [
    "data: Forbidden: field is immutable when `immutable` is set",
  ]);
});

test("endpoints need addresses, valid non-special IPs and named ports when several", () => {
  const ep = (subsets: any[]) =>
    defaulted("", "Endpoints", { metadata: { name: "external-service", namespace: "default" }, subsets });
  assert.deepEqual(messages(validateCreate("", "Endpoints", ep([{ ports: [{ port: 80 }] }]))), [
    "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
  ]);
  assert.deepEqual(
    messages(
      validateCreate("", "Endpoints", ep([{ addresses: [{ ip: "127.0.0.1" }], ports: [{ port: 80 }] }])),
    ),
    [
      'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ],
  );
  assert.deepEqual(
    messages(
      validateCreate("", "Endpoints", ep([{ addresses: [{ ip: "11.11.11" }], ports: [{ port: 80 }] }])),
    ),
    [
      'subsets[0].addresses[0].ip: Invalid value: "11.11.11": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "11.11.11": must be a valid IP address',
    ],
  );
  assert.deepEqual(
    messages(
      validateCreate(
        "",
        "Endpoints",
        ep([{ addresses: [{ ip: "11.11.11.11" }], ports: [{ name: "http", port: 80 }, { port: 443 }] }]),
      ),
    ),
    ["subsets[0].ports[1].name: Required value"],
  );
});

test("endpoint slices need a known address type, addresses of that type, and unique port names", () => {
  const es = (mutate: (o: any) => void) => {
    const o: any = {
      metadata: { name: "kubia-abc", namespace: "default" },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.42.0.5"] }],
      ports: [{ port: 8080 }],
    };
    mutate(o);
    return defaulted("discovery.k8s.io", "EndpointSlice", o);
  };
  assert.deepEqual(
    messages(
      validateCreate(
        "discovery.k8s.io",
        "EndpointSlice",
        es((o) => (o.addressType = "IPv5")),
      ),
    ),
    ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"'],
  );
  assert.deepEqual(
    messages(
      validateCreate(
        "discovery.k8s.io",
        "EndpointSlice",
        es((o) => (o.endpoints[0].addresses = ["fd00::1"])),
      ),
    ),
    ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
  );
  assert.deepEqual(
    messages(
      validateCreate(
        "discovery.k8s.io",
        "EndpointSlice",
        es((o) => (o.endpoints[0].addresses = [])),
      ),
    ),
    ["endpoints[0].addresses: Required value: must contain at least 1 address"],
  );
  assert.deepEqual(
    messages(
      validateCreate(
        "discovery.k8s.io",
        "EndpointSlice",
        es((o) => (o.ports = [{ port: 80 }, { port: 81 }])),
      ),
    ),
    ['ports[1].name: Duplicate value: ""'],
  );
  const old = stored(es(() => {}));
  const next = clone(old);
  next.addressType = "IPv6";
  next.endpoints = [{ addresses: ["fd00::5"] }];
  assert.deepEqual(messages(validateUpdate("discovery.k8s.io", "EndpointSlice", next, old)), [
    'addressType: Invalid value: "IPv6": field is immutable',
  ]);
});

// Kubernetes in Action, Chapter05/kubia-ingress.yaml converted to networking.k8s.io/v1
function ingress(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "kubia", namespace: "default" },
    spec: {
      rules: [
        {
          host: "kubia.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "kubia-nodeport", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
  mutate(o);
  return o;
}

test("ingress paths need a pathType and an absolute path", () => {
  const ing = (m: (o: any) => void) => messages(validateCreate("networking.k8s.io", "Ingress", ingress(m)));
  assert.deepEqual(
    ing(() => {}),
    [],
  );
  assert.deepEqual(
    ing((o) => delete o.spec.rules[0].http.paths[0].pathType),
    ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].http.paths[0].path = "kubia")),
    ['spec.rules[0].http.paths[0].path: Invalid value: "kubia": must be an absolute path'],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].http.paths[0].pathType = "Regex")),
    [
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].http.paths[0].path = "/a//b")),
    ["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"],
  );
});

test("ingress backends need a service name and exactly one of port name or number", () => {
  const ing = (m: (o: any) => void) => messages(validateCreate("networking.k8s.io", "Ingress", ingress(m)));
  assert.deepEqual(
    ing((o) => delete o.spec.rules[0].http.paths[0].backend.service.name),
    ["spec.rules[0].http.paths[0].backend.service.name: Required value"],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].http.paths[0].backend.service.port = {})),
    ["spec.rules[0].http.paths[0].backend: Required value: port name or number is required"],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].http.paths[0].backend.service.port = { name: "http", number: 80 })),
    ['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number'],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].http.paths[0].backend = {})),
    ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required'],
  );
  assert.deepEqual(
    ing((o) => (o.spec.rules[0].host = "1.2.3.4")),
    ['spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address'],
  );
  const none = validateCreate(
    "networking.k8s.io",
    "Ingress",
    ingress((o) => delete o.spec.rules),
  );
  assert.equal(none[0].field, "spec");
  assert.equal(none[0].detail, "either `defaultBackend` or `rules` must be specified");
});

test("ingress classes name a domain-prefixed controller that cannot change", () => {
  const ic = defaulted("networking.k8s.io", "IngressClass", {
    metadata: { name: "nginx" },
    spec: { controller: "nginx" },
  });
  assert.deepEqual(messages(validateCreate("networking.k8s.io", "IngressClass", ic)), [
    'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
  ]);
  const old = stored(
    defaulted("networking.k8s.io", "IngressClass", {
      metadata: { name: "nginx" },
      spec: { controller: "k8s.io/ingress-nginx" },
    }),
  );
  const next = clone(old);
  next.spec.controller = "example.com/other";
  assert.deepEqual(messages(validateUpdate("networking.k8s.io", "IngressClass", next, old)), [
    'spec.controller: Invalid value: "example.com/other": field is immutable',
  ]);
});

test("lease durations are positive", () => {
  const lease = {
    metadata: { name: "node1", namespace: "kube-node-lease" },
    spec: { holderIdentity: "node1", leaseDurationSeconds: 0 },
  };
  assert.deepEqual(messages(validateCreate("coordination.k8s.io", "Lease", lease)), [
    "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
  ]);
});

test("an event's involved object must be in the event's namespace; new-style events need reason and reporter", () => {
  const ev: any = {
    metadata: { name: "kubia.17a", namespace: "default" },
    involvedObject: { kind: "Pod", name: "kubia", namespace: "custom-namespace" },
    reason: "Started",
  };
  assert.deepEqual(messages(validateCreate("", "Event", ev)), [
    'involvedObject.namespace: Invalid value: "custom-namespace": does not match event.namespace',
  ]);
  const series = {
    ...ev,
    involvedObject: { kind: "Pod", name: "kubia", namespace: "default" },
    eventTime: "2024-05-01T10:00:00.000000Z",
    reason: "",
  };
  assert.deepEqual(messages(validateCreate("", "Event", series)), [
    "reportingComponent: Required value",
    `reportingComponent: Invalid value: "": name part must be non-empty`,
    `reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    "reportingInstance: Required value",
    "action: Required value",
    "reason: Required value",
  ]);
});

test("node taint effects are required and known; node metadata is not namespaced", () => {
  const node = {
    metadata: { name: "node1" },
    spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoRun" }, { key: "x" }] },
  };
  assert.deepEqual(messages(validateCreate("", "Node", node)), [
    'metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    "metadata.taints[1].effect: Required value",
  ]);
  const dup = {
    metadata: { name: "node1" },
    spec: {
      taints: [
        { key: "a", effect: "NoSchedule" },
        { key: "a", value: "b", effect: "NoSchedule" },
      ],
    },
  };
  const errs = validateCreate("", "Node", dup);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "metadata.taints[1]");
  assert.equal(errs[0].detail, "taints must be unique by key and effect pair");
});

test("service account names are DNS subdomains", () => {
  const sa = { metadata: { name: "Build_Bot", namespace: "default" } };
  assert.match(
    messages(validateCreate("", "ServiceAccount", sa))[0],
    /^metadata\.name: Invalid value: "Build_Bot": a lowercase RFC 1123 subdomain/,
  );
  assert.deepEqual(
    validateCreate("", "ServiceAccount", { metadata: { name: "default", namespace: "default" } }),
    [],
  );
});
