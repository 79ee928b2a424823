import { createHash } from "node:crypto";
import type { KObject } from "../apimachinery/meta.ts";
import { ConditionClock } from "./pod-status.ts";

export const kubeletVersion = "v1.32.0-skiff";

const defaultCapacity: Record<string, string> = { cpu: "32", memory: "256Gi", pods: "110" };

/** The node conditions a healthy kubelet posts (pkg/kubelet/nodestatus/setters.go), in its order. */
const healthyConditions = [
  {
    type: "MemoryPressure",
    status: "False" as const,
    reason: "KubeletHasSufficientMemory",
    message: "kubelet has sufficient memory available",
  },
  {
    type: "DiskPressure",
    status: "False" as const,
    reason: "KubeletHasNoDiskPressure",
    message: "kubelet has no disk pressure",
  },
  {
    type: "PIDPressure",
    status: "False" as const,
    reason: "KubeletHasSufficientPID",
    message: "kubelet has sufficient PID available",
  },
  {
    type: "Ready",
    status: "True" as const,
    reason: "KubeletReady",
    message: "kubelet is posting ready status",
  },
];

/** Capacity as the node declares it in status.capacity, with the simulated defaults for what is missing. */
export function nodeCapacity(node: KObject): Record<string, string> {
  const declared = ((node.status as { capacity?: Record<string, string> } | undefined)?.capacity ??
    {}) as Record<string, string>;
  return { ...defaultCapacity, ...declared };
}

function stableId(name: string, salt: string): string {
  return createHash("sha256").update(`${salt}/${name}`).digest("hex").slice(0, 32);
}

export interface NodeStatusInput {
  node: KObject;
  nodeIP: string;
  runtime: string;
  now: string;
  conditions: ConditionClock;
}

/** The status a simulated kubelet posts for its node; `lastHeartbeatTime` is `now`. */
export function buildNodeStatus(input: NodeStatusInput): Record<string, unknown> {
  const { node, nodeIP, runtime, now } = input;
  const name = node.metadata!.name!;
  const uuid = stableId(name, "system-uuid");
  const conditions = input.conditions
    .stamp(healthyConditions, now)
    .map((c) => ({ ...c, lastHeartbeatTime: now }));
  const capacity = nodeCapacity(node);
  return {
    conditions,
    addresses: [
      { type: "InternalIP", address: nodeIP },
      { type: "Hostname", address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: stableId(name, "machine-id"),
      systemUUID: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20, 32)}`,
      bootID: stableId(name, "boot-id"),
      kernelVersion: "6.1.0-skiff-simulated",
      osImage: "Skiff Simulated Node",
      containerRuntimeVersion: runtime,
      kubeletVersion,
      operatingSystem: "linux",
      architecture: "amd64",
    },
    capacity,
    allocatable: { ...capacity },
  };
}

/** A node status with its heartbeat times removed, to tell a real change from a mere heartbeat. */
export function withoutHeartbeat(status: Record<string, unknown> | undefined): unknown {
  if (!status) return undefined;
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.map(({ lastHeartbeatTime: _unused, ...c }: Record<string, unknown>) => c)
    : status.conditions;
  return {
    conditions,
    addresses: status.addresses,
    nodeInfo: status.nodeInfo,
    capacity: status.capacity,
    allocatable: status.allocatable,
  };
}
