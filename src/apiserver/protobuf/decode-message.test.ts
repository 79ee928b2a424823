import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeProtobufObject } from "./index.ts";
import { envelope, type Part } from "./wire-writer.ts";

const meta = (name: string): Part => [
  1,
  [
    [1, name],
    [8, []],
  ],
];
const quantity = (s: string): Part[] => [[1, s]];
const intStr = (v: number | string): Part[] =>
  typeof v === "number"
    ? [
        [1, 0],
        [2, v],
      ]
    : [
        [1, 1],
        [3, v],
      ];
const entry = (k: string, v: Part[1]): Part[] => [
  [1, k],
  [2, v],
];

function pod(spec: Part[]): any {
  return decodeProtobufObject(envelope("v1", "Pod", [meta("p"), [2, spec], [3, []]]));
}

test("a full container decodes with env refs, resources, mounts, probes and security context", () => {
  const container: Part[] = [
    [1, "app"],
    [2, "nginx"],
    [3, "sh"],
    [3, "-c"],
    [5, "/srv"],
    [
      6,
      [
        [1, "http"],
        [3, 8080],
        [4, "TCP"],
      ],
    ],
    [
      7,
      [
        [1, "PLAIN"],
        [2, "x"],
      ],
    ],
    [
      7,
      [
        [1, "NODE"],
        [
          3,
          [
            [
              1,
              [
                [1, "v1"],
                [2, "spec.nodeName"],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      7,
      [
        [1, "CM"],
        [
          3,
          [
            [
              3,
              [
                [1, [[1, "cfg"]]],
                [2, "k"],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      7,
      [
        [1, "SEC"],
        [
          3,
          [
            [
              4,
              [
                [1, [[1, "sec"]]],
                [2, "pw"],
                [3, false],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      7,
      [
        [1, "MEM"],
        [
          3,
          [
            [
              2,
              [
                [1, "app"],
                [2, "limits.memory"],
                [3, quantity("1Mi")],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      8,
      [
        [1, entry("cpu", quantity("500m"))],
        [1, entry("memory", quantity("128Mi"))],
        [2, entry("cpu", quantity("250m"))],
      ],
    ],
    [
      9,
      [
        [1, "data"],
        [3, "/data"],
        [2, true],
      ],
    ],
    [
      10,
      [
        [
          1,
          [
            [
              2,
              [
                [1, "/healthz"],
                [2, intStr("http")],
              ],
            ],
          ],
        ],
        [2, 3],
        [4, 10],
      ],
    ],
    [11, [[1, [[3, [[1, intStr(8080)]]]]]]],
    [
      22,
      [
        [1, [[1, [[1, "true"]]]]],
        [6, 30],
      ],
    ],
    [12, [[2, [[4, [[1, 5]]]]]]],
    [13, "/dev/termination-log"],
    [20, "File"],
    [14, "IfNotPresent"],
    [
      15,
      [
        [2, false],
        [4, 0],
        [1, [[2, "ALL"]]],
      ],
    ],
    [16, true],
    [18, true],
  ];
  const p = pod([[2, container]]);
  assert.deepEqual(p.spec.containers[0], {
    name: "app",
    image: "nginx",
    command: ["sh", "-c"],
    workingDir: "/srv",
    ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
    env: [
      { name: "PLAIN", value: "x" },
      { name: "NODE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
      { name: "CM", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } },
      { name: "SEC", valueFrom: { secretKeyRef: { name: "sec", key: "pw", optional: false } } },
      {
        name: "MEM",
        valueFrom: { resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } },
      },
    ],
    resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "250m" } },
    volumeMounts: [{ name: "data", readOnly: true, mountPath: "/data" }],
    livenessProbe: { httpGet: { path: "/healthz", port: "http" }, initialDelaySeconds: 3, periodSeconds: 10 },
    readinessProbe: { tcpSocket: { port: 8080 } },
    startupProbe: { exec: { command: ["true"] }, failureThreshold: 30 },
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
    // pointers set to false/0 are kept; omitempty only drops nil pointers
    securityContext: { capabilities: { drop: ["ALL"] }, privileged: false, runAsUser: 0 },
    stdin: true,
    tty: true,
  });
});

test("pod spec: volumes, scheduling fields, tolerations and affinity", () => {
  const p = pod([
    [
      1,
      [
        [1, "scratch"],
        [
          2,
          [
            [
              2,
              [
                [1, "Memory"],
                [2, quantity("64Mi")],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      1,
      [
        [1, "cfg"],
        [
          2,
          [
            [
              19,
              [
                [1, [[1, "app-config"]]],
                [
                  2,
                  [
                    [1, "a"],
                    [2, "a.txt"],
                  ],
                ],
                [3, 420],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      1,
      [
        [1, "sec"],
        [
          2,
          [
            [
              6,
              [
                [1, "tls"],
                [4, true],
              ],
            ],
          ],
        ],
      ],
    ],
    [
      1,
      [
        [1, "host"],
        [
          2,
          [
            [
              1,
              [
                [1, "/var/log"],
                [2, "Directory"],
              ],
            ],
          ],
        ],
      ],
    ],
    [2, [[1, "c"]]],
    [3, "Always"],
    [4, 0],
    [6, "ClusterFirst"],
    [7, entry("disk", "ssd")],
    [8, "builder"],
    [10, "node-1"],
    [11, false],
    [15, [[1, "regcred"]]],
    [19, "default-scheduler"],
    [
      22,
      [
        [1, "dedicated"],
        [2, "Equal"],
        [3, "gpu"],
        [4, "NoExecute"],
        [5, 300],
      ],
    ],
    [25, 0],
    [
      14,
      [
        [2, 1000],
        [4, 1],
        [4, 2],
        [5, 2000],
      ],
    ],
    [
      18,
      [
        [
          1,
          [
            [
              1,
              [
                [
                  1,
                  [
                    [
                      1,
                      [
                        [1, "zone"],
                        [2, "In"],
                        [3, "a"],
                      ],
                    ],
                  ],
                ],
              ],
            ],
          ],
        ],
        [
          3,
          [
            [
              2,
              [
                [1, 100],
                [
                  2,
                  [
                    [1, [[1, entry("app", "web")]]],
                    [3, "kubernetes.io/hostname"],
                  ],
                ],
              ],
            ],
          ],
        ],
      ],
    ],
  ]);
  assert.deepEqual(p.spec.volumes, [
    { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    {
      name: "cfg",
      configMap: { name: "app-config", items: [{ key: "a", path: "a.txt" }], defaultMode: 420 },
    },
    { name: "sec", secret: { secretName: "tls", optional: true } },
    { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
  ]);
  assert.deepEqual(p.spec.containers, [{ name: "c", resources: {} }]);
  assert.equal(p.spec.restartPolicy, "Always");
  assert.equal(p.spec.terminationGracePeriodSeconds, 0);
  assert.equal(p.spec.priority, 0);
  assert.equal("hostNetwork" in p.spec, false, "a false non-pointer bool is omitted");
  assert.deepEqual(p.spec.nodeSelector, { disk: "ssd" });
  assert.equal(p.spec.serviceAccountName, "builder");
  assert.equal(p.spec.nodeName, "node-1");
  assert.deepEqual(p.spec.imagePullSecrets, [{ name: "regcred" }]);
  assert.equal(p.spec.schedulerName, "default-scheduler");
  assert.deepEqual(p.spec.tolerations, [
    { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  assert.deepEqual(p.spec.securityContext, { runAsUser: 1000, supplementalGroups: [1, 2], fsGroup: 2000 });
  assert.deepEqual(p.spec.affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
      },
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            labelSelector: { matchLabels: { app: "web" } },
            topologyKey: "kubernetes.io/hostname",
          },
        },
      ],
    },
  });
  assert.deepEqual(p.status, {});
});

test("required fields are printed even when absent, as Go's json does for fields without omitempty", () => {
  const p = pod([
    [2, [[6, []]]],
    [20, [[10, [[1, [[4, []]]]]]]],
  ]);
  assert.deepEqual(p.spec.containers, [{ name: "", ports: [{ containerPort: 0 }], resources: {} }]);
  // GRPCAction.service is a pointer without omitempty
  assert.deepEqual(p.spec.initContainers[0].livenessProbe, { grpc: { port: 0, service: null } });
  // PodSpec.containers has no omitempty: an empty list is null
  assert.equal(pod([]).spec.containers, null);
});

test("object metadata: labels, annotations, owner references, finalizers and timestamps", () => {
  const ns = decodeProtobufObject(
    envelope("v1", "Namespace", [
      [
        1,
        [
          [2, "team-"],
          [3, ""],
          [
            8,
            [
              [1, 1700000000],
              [2, 123],
            ],
          ],
          [9, [[1, 0]]],
          [11, entry("a", "1")],
          [11, entry("b", "")],
          [12, entry("note", "x")],
          [
            13,
            [
              [5, "apps/v1"],
              [1, "Deployment"],
              [3, "web"],
              [4, "u-1"],
              [6, true],
            ],
          ],
          [14, "example.com/cleanup"],
        ],
      ],
      [2, [[1, "kubernetes"]]],
    ]),
  );
  assert.deepEqual(ns.metadata, {
    generateName: "team-",
    creationTimestamp: "2023-11-14T22:13:20Z",
    deletionTimestamp: "1970-01-01T00:00:00Z",
    labels: { a: "1", b: "" },
    annotations: { note: "x" },
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u-1", controller: true },
    ],
    finalizers: ["example.com/cleanup"],
  });
  assert.deepEqual(ns.spec, { finalizers: ["kubernetes"] });
  assert.deepEqual(ns.status, {});
});

test("deployment strategy: int-or-string percentages and numbers", () => {
  const d: any = decodeProtobufObject(
    envelope("apps/v1", "Deployment", [
      meta("web"),
      [
        2,
        [
          [1, 3],
          [
            4,
            [
              [1, "RollingUpdate"],
              [
                2,
                [
                  [1, intStr("25%")],
                  [2, intStr(1)],
                ],
              ],
            ],
          ],
          [6, 10],
          [7, false],
          [3, []],
        ],
      ],
    ]),
  );
  assert.deepEqual(d.spec, {
    replicas: 3,
    template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 1 } },
    revisionHistoryLimit: 10,
  });
});

test("fields this decoder does not know are skipped, as generated Unmarshal code does", () => {
  const cm = decodeProtobufObject(
    envelope("v1", "ConfigMap", [
      meta("c"),
      [99, "future"],
      [2, entry("a", "b")],
      [3, entry("bin", new Uint8Array([0, 255]))],
    ]),
  );
  assert.deepEqual(cm, {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: "c", creationTimestamp: null },
    data: { a: "b" },
    binaryData: { bin: "AP8=" },
  });
});

test("a message field sent twice is merged, a scalar sent twice keeps the last value", () => {
  const svc: any = decodeProtobufObject(
    envelope("v1", "Service", [
      meta("s"),
      [
        2,
        [
          [4, "NodePort"],
          [10, "a"],
        ],
      ],
      [2, [[10, "b"]]],
    ]),
  );
  assert.deepEqual(svc.spec, { type: "NodePort", externalName: "b" });
});

test("a namespace serializes exactly like kubectl's JSON body", () => {
  const ns = decodeProtobufObject(envelope("v1", "Namespace", [meta("x"), [2, []], [3, []]]));
  assert.equal(
    JSON.stringify(ns),
    '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x","creationTimestamp":null},"spec":{},"status":{}}',
  );
});
