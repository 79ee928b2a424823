// Nodes: pkg/printers/internalversion/printers.go printNode.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

const labelNodeRolePrefix = "node-role.kubernetes.io/";
const nodeLabelRole = "kubernetes.io/role";

function nodeStatus(node: any): string {
  // Only the Ready condition is shown; a later duplicate of it wins, as in upstream's condition map.
  let readyCondition: any;
  for (const c of (node.status?.conditions ?? []) as any[]) if (c?.type === "Ready") readyCondition = c;
  const status: string[] = [];
  if (readyCondition) status.push(readyCondition.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

/** findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted and unique. */
export function nodeRoles(node: any): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((node.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith(labelNodeRolePrefix)) {
      const role = k.slice(labelNodeRolePrefix.length);
      if (role !== "") roles.add(role);
    } else if (k === nodeLabelRole && v !== "") {
      roles.add(v);
    }
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function address(node: any, type: string): string {
  const a = ((node.status?.addresses ?? []) as any[]).find((x) => x?.type === type);
  return a ? str(a.address) : "<none>";
}

export const nodePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    ageColumn,
    column("Version", "string", "Kubelet version reported by the node."),
    column("Internal-IP", "string", "The node's first internal IP address.", 1),
    column("External-IP", "string", "The node's first external IP address.", 1),
    column("OS-Image", "string", "OS image reported by the node.", 1),
    column("Kernel-Version", "string", "Kernel version reported by the node.", 1),
    column("Container-Runtime", "string", "Container runtime version reported by the node.", 1),
  ],
  cells(node, now) {
    const info = node.status?.nodeInfo ?? {};
    return [
      str(node.metadata?.name),
      nodeStatus(node),
      nodeRoles(node),
      translateTimestampSince(node.metadata?.creationTimestamp, now),
      str(info.kubeletVersion),
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      str(info.osImage) || "<unknown>",
      str(info.kernelVersion) || "<unknown>",
      str(info.containerRuntimeVersion) || "<unknown>",
    ];
  },
};
