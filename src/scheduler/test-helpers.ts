// Builders for nodes and pods in scheduler tests and the benchmark.
import type { KObject } from "../apimachinery/meta.ts";
import { NodeInfo } from "./node-info.ts";
import { podInfo, type PodInfo } from "./pod-info.ts";
import type { Taint } from "./types.ts";

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

export function makeNode(name: string, o: NodeOptions = {}): KObject {
  const capacity = { cpu: o.cpu ?? "4", memory: o.memory ?? "32Gi", pods: o.pods ?? "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: `uid-${name}`,
      resourceVersion: "1",
      labels: { "kubernetes.io/hostname": name, ...o.labels },
    },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  tolerations?: unknown[];
  hostPort?: number;
  owner?: string;
  priority?: number;
  labels?: Record<string, string>;
  schedulerName?: string;
  extra?: Record<string, unknown>;
}

export function makePod(name: string, o: PodOptions = {}): KObject {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const ns = o.namespace ?? "default";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${ns}-${name}`,
      resourceVersion: "1",
      creationTimestamp: "2024-01-01T00:00:00Z",
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.owner
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: o.owner,
                uid: `uid-rs-${o.owner}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      containers: [
        {
          name: "main",
          image: "busybox",
          ...(Object.keys(requests).length ? { resources: { requests } } : {}),
          ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort, protocol: "TCP" }] } : {}),
        },
      ],
      schedulerName: o.schedulerName ?? "default-scheduler",
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...o.extra,
    },
    status: { phase: "Pending" },
  };
}

/** A NodeInfo holding `node` and the given pods, as the cache would build it. */
export function nodeInfoOf(node: KObject, pods: KObject[] = []): NodeInfo {
  const n = new NodeInfo(node.metadata!.name!);
  n.setNode(node);
  for (const p of pods) {
    const pi = podInfo(p);
    pi.nodeName = n.name;
    n.addPod(pi);
  }
  return n;
}

export function infoOf(pod: KObject): PodInfo {
  return podInfo(pod);
}
