import type { KObject } from "../../apimachinery/meta.ts";
import { isSimulatedNode } from "../../kubelet/simulated-annotations.ts";

interface NodeStatus {
  conditions?: Array<{ type: string; status: string }>;
  addresses?: Array<{ type: string; address: string }>;
}

export function isNodeReady(node: KObject): boolean {
  return (
    (node.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === "Ready")?.status === "True"
  );
}

export function nodeInternalIP(node: KObject): string | undefined {
  return (node.status as NodeStatus | undefined)?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/** The Ready nodes that run real pods: the ones that can serve a load balancer's traffic. */
export function readyRealNodes(nodes: KObject[]): KObject[] {
  return nodes.filter((n) => !isSimulatedNode(n) && isNodeReady(n));
}
