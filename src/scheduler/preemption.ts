import { fitErrorMessage } from "./fit-error.ts";
import { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import { status, type CycleState, type FilterPlugin, type Status } from "./types.ts";

const notHelpful = status(
  "UnschedulableAndUnresolvable",
  "DefaultPreemption",
  "Preemption is not helpful for scheduling",
);
const noVictims = status(
  "UnschedulableAndUnresolvable",
  "DefaultPreemption",
  "No preemption victims found for incoming pod",
);

/**
 * The DefaultPreemption PostFilter's verdict for a pod that fits nowhere, as the message it adds
 * (framework/preemption/preemption.go): nodes rejected for reasons eviction cannot fix are "not helpful";
 * on the others a dry run removes every lower-priority pod and re-runs the filters. Returns undefined when
 * some node would fit after evicting victims (preemption proper is not carried out here).
 */
export function preemptionMessage(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  nodeToStatus: Map<string, Status>,
  filters: readonly FilterPlugin[],
  state: CycleState,
): string | undefined {
  if (pod.pod.spec?.preemptionPolicy === "Never")
    return "preemption: not eligible due to preemptionPolicy=Never.";
  const statuses: Status[] = [];
  let candidate = false;
  for (const node of nodes) {
    const s = nodeToStatus.get(node.name);
    if (!s || s.code === "UnschedulableAndUnresolvable") {
      statuses.push(notHelpful);
      continue;
    }
    const victims = [...node.pods.values()].filter((p) => p.priority < pod.priority);
    if (!victims.length) {
      statuses.push(noVictims);
      continue;
    }
    const trial = new NodeInfo(node.name);
    trial.setNode(node.node);
    for (const p of node.pods.values()) if (p.priority >= pod.priority) trial.addPod(p);
    let failed: Status | null = null;
    for (const f of filters) {
      failed = f.filter(state, pod, trial);
      if (failed) break;
    }
    if (failed) statuses.push(failed);
    else candidate = true;
  }
  if (candidate) return undefined;
  return `preemption: ${fitErrorMessage(nodes.length, statuses)}`;
}
