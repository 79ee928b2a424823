import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import { status, type CycleState, type FilterPlugin, type Status } from "../../types.ts";

const name = "NodePorts";

/** A pod's hostPorts must be free on the node (plugins/nodeports). */
export class NodePorts implements FilterPlugin {
  readonly name = name;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    for (const hp of pod.hostPorts) {
      if (node.portConflict(hp)) {
        return status("Unschedulable", name, "node(s) didn't have free ports for the requested pod ports");
      }
    }
    return null;
  }
}
