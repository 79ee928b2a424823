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
    const cpuAlloc = node.allocatable.milliCPU;
    const memAlloc = node.allocatable.memory;
    // With fewer than two resources to compare the spread is zero.
    if (cpuAlloc === 0 || memAlloc === 0) return maxNodeScore;
    const cpu = Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / cpuAlloc);
    const mem = Math.min(1, (node.requested.memory + pod.requests.memory) / memAlloc);
    return Math.trunc((1 - Math.abs((cpu - mem) / 2)) * maxNodeScore);
  }
}
