import type { KObject } from "../apimachinery/meta.ts";
import { objectKey } from "../client/informer.ts";
import { podRequests, type Resources } from "./resources.ts";
import type { Pod, Toleration } from "./types.ts";

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** What the scheduler derives from a pod once, so filters and scores read plain fields (framework.PodInfo). */
export interface PodInfo {
  key: string;
  pod: Pod;
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  /** The pod's requests as the Fit filter and the node totals see them. */
  requests: Resources;
  /** cpu and memory with the scheduler's defaults for containers that request nothing. */
  nonZero: { milliCPU: number; memory: number };
  hostPorts: HostPort[];
  tolerations: Toleration[];
  priority: number;
  /** uid of the controlling owner; pods sharing it are spread apart. */
  ownerUid?: string;
  terminating: boolean;
}

export function podInfo(obj: KObject): PodInfo {
  const pod = obj as Pod;
  const spec = pod.spec ?? {};
  const req = podRequests(spec);
  const nz = podRequests(spec, true);
  const hostPorts: HostPort[] = [];
  const withPorts = [
    ...(spec.containers ?? []),
    ...((spec.initContainers ?? []) as any[]).filter((c) => c.restartPolicy === "Always"),
  ];
  for (const c of withPorts) {
    for (const p of c.ports ?? []) {
      if (p.hostPort > 0)
        hostPorts.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  return {
    key: objectKey(pod),
    pod,
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
    nodeName: spec.nodeName ?? "",
    requests: req,
    nonZero: { milliCPU: nz.milliCPU, memory: nz.memory },
    hostPorts,
    tolerations: spec.tolerations ?? [],
    priority: typeof spec.priority === "number" ? spec.priority : 0,
    ownerUid: owner?.uid,
    terminating: !!pod.metadata?.deletionTimestamp,
  };
}

export function isTerminal(pod: KObject): boolean {
  const phase = (pod as Pod).status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}
