import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import { status, type CycleState, type FilterPlugin, type Status, type Taint } from "../../types.ts";
import { tolerationsTolerateTaint } from "../taint-toleration/tolerations.ts";

const name = "NodeUnschedulable";
const unschedulableTaint: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

/** Keeps pods off cordoned nodes unless they tolerate the unschedulable taint (plugins/nodeunschedulable). */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = name;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (!node.unschedulable) return null;
    if (tolerationsTolerateTaint(pod.tolerations, unschedulableTaint)) return null;
    return status("UnschedulableAndUnresolvable", name, "node(s) were unschedulable");
  }
}
