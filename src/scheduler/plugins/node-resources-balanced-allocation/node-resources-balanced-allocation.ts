import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import { maxNodeScore, type CycleState, type ScorePlugin } from "../../types.ts";

/**
 * Prefers nodes whose cpu and memory would be used in equal shares after placing the pod:
 * (1 - |cpuFraction - memFraction| / 2) * 100, on actual requests (plugins/noderesources/balanced_allocation.go).
 */
export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = "NodeResourcesBalancedAllocation";
  readonly weight = 1;

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const fractions: number[] = [];
    const cpuAlloc = node.allocatable.milliCPU;
    if (cpuAlloc !== 0)
      fractions.push(Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / cpuAlloc));
    const memAlloc = node.allocatable.memory;
    if (memAlloc !== 0) fractions.push(Math.min(1, (node.requested.memory + pod.requests.memory) / memAlloc));
    const std = fractions.length === 2 ? Math.abs((fractions[0]! - fractions[1]!) / 2) : 0;
    return Math.trunc((1 - std) * maxNodeScore);
  }
}
