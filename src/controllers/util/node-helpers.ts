import type { KObject } from "../../apimachinery/meta.ts";

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
