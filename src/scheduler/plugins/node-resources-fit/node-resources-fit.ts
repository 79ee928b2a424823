import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import {
  maxNodeScore,
  status,
  type CycleState,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
} from "../../types.ts";

const name = "NodeResourcesFit";

/** The reasons a node is too full for a pod, in upstream's order (plugins/noderesources/fit.go fitsRequest). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  const req = pod.requests;
  if (node.pods.size + 1 > node.allocatable.pods) reasons.push("Too many pods");
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalar?.size)
    return reasons;
  const alloc = node.allocatable;
  const used = node.requested;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) reasons.push("Insufficient cpu");
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) reasons.push("Insufficient memory");
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage)
    reasons.push("Insufficient ephemeral-storage");
  for (const [r, q] of req.scalar ?? []) {
    if (q > 0 && q > (alloc.scalar?.get(r) ?? 0) - (used.scalar?.get(r) ?? 0))
      reasons.push(`Insufficient ${r}`);
  }
  return reasons;
}

/** insufficientResources(...).length === 0, without building the reasons: the filter's common case. */
function fits(pod: PodInfo, node: NodeInfo): boolean {
  const req = pod.requests;
  const alloc = node.allocatable;
  const used = node.requested;
  return (
    node.pods.size + 1 <= alloc.pods &&
    req.milliCPU <= alloc.milliCPU - used.milliCPU &&
    req.memory <= alloc.memory - used.memory &&
    req.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage &&
    !req.scalar?.size
  );
}

// leastRequestedScore: the unused share of capacity, 0..100, integer division as upstream.
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * maxNodeScore) / capacity);
}

/**
 * Filters nodes without room for the pod's requests (cpu, memory, ephemeral storage, extended resources,
 * pod count) and scores the emptier nodes higher: the default LeastAllocated strategy, cpu and memory
 * weighted 1 each, counting containers without requests at the scheduler's defaults.
 */
export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = name;
  readonly weight = 1;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (fits(pod, node)) return null;
    const reasons = insufficientResources(pod, node);
    return reasons.length ? status("Unschedulable", name, ...reasons) : null;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let sum = 0;
    let weights = 0;
    const cpuAlloc = node.allocatable.milliCPU;
    if (cpuAlloc !== 0) {
      sum += leastRequested(node.nonZeroRequested.milliCPU + pod.nonZero.milliCPU, cpuAlloc);
      weights++;
    }
    const memAlloc = node.allocatable.memory;
    if (memAlloc !== 0) {
      sum += leastRequested(node.nonZeroRequested.memory + pod.nonZero.memory, memAlloc);
      weights++;
    }
    return weights ? Math.trunc(sum / weights) : 0;
  }
}
