import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import { status, type CycleState, type FilterPlugin, type Status } from "../../types.ts";

const name = "NodeName";

/** A pod that names a node fits only that node (plugins/nodename). */
export class NodeName implements FilterPlugin {
  readonly name = name;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const wanted = pod.pod.spec?.nodeName;
    if (!wanted || wanted === node.name) return null;
    return status("UnschedulableAndUnresolvable", name, "node(s) didn't match the requested node name");
  }
}
