import type { KObject } from "../../apimachinery/meta.ts";

export function service(
  name: string,
  spec: Record<string, any> = {},
  meta: Record<string, any> = {},
): KObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: "default",
      uid: `svc-${name}`,
      creationTimestamp: "2024-01-01T00:00:00Z",
      ...meta,
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.43.7.7",
      selector: { app: "kubia" },
      ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }],
      ...spec,
    },
  };
}

export function pod(
  name: string,
  opts: {
    ip?: string;
    ready?: boolean;
    labels?: Record<string, string>;
    node?: string;
    ports?: Array<{ name: string; containerPort: number }>;
    deleting?: boolean;
    readySince?: string;
  } = {},
): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: opts.labels ?? { app: "kubia" },
      creationTimestamp: "2024-01-01T00:00:00Z",
      ...(opts.deleting ? { deletionTimestamp: "2024-01-01T00:10:00Z" } : {}),
    },
    spec: {
      nodeName: opts.node ?? "node-1",
      restartPolicy: "Always",
      containers: [
        {
          name: "kubia",
          image: "luksa/kubia",
          ports: (opts.ports ?? []).map((p) => ({ ...p, protocol: "TCP" })),
        },
      ],
    },
    status: {
      phase: "Running",
      ...(opts.ip === undefined ? {} : { podIP: opts.ip, podIPs: [{ ip: opts.ip }] }),
      conditions: [
        {
          type: "Ready",
          status: opts.ready === false ? "False" : "True",
          lastTransitionTime: opts.readySince ?? "2024-01-01T00:01:00Z",
        },
      ],
    },
  };
}
