import { fitErrorMessage, noNodesAvailableMsg, type Diagnosis } from "./fit-error.ts";
import type { Framework } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import { preempt, preemptionMessage, type PreemptionCandidate } from "./preemption.ts";
import type { CycleState, Snapshot, Status } from "./types.ts";

// schedule_one.go: below 100 nodes every node is checked; above, an adaptive share of them.
const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < minFeasibleNodesPercentageToFind) percentage = minFeasibleNodesPercentageToFind;
  }
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < minFeasibleNodesToFind ? minFeasibleNodesToFind : n;
}

export type ScheduleOutcome =
  | { node: string; evaluated: number; feasible: number }
  | { node?: undefined; message: string; diagnosis?: Diagnosis; nominated?: PreemptionCandidate };

/** One scheduling decision: filter a rotating sample of nodes, score the feasible ones, pick the best. */
export class GenericScheduler {
  private readonly fw: Framework;
  private readonly random: () => number;
  private readonly percentageOfNodesToScore: number;
  /** Where the next pod's filtering starts, so every node gets its turn (nextStartNodeIndex). */
  private nextStartNodeIndex = 0;

  constructor(fw: Framework, random: () => number, percentageOfNodesToScore = 0) {
    this.fw = fw;
    this.random = random;
    this.percentageOfNodesToScore = percentageOfNodesToScore;
  }

  schedule(pod: PodInfo, snapshot: Snapshot): ScheduleOutcome {
    const nodes = snapshot.nodes;
    if (!nodes.length) return { message: noNodesAvailableMsg };
    const state: CycleState = new Map();
    for (const f of this.fw.filters) {
      const rejected = f.preFilter?.(state, pod);
      // A PreFilter rejection rules out every node for the one reason (FitError's PreFilterMsg).
      if (rejected) {
        const nodeToStatus = new Map(nodes.map((n) => [n.name, rejected]));
        const diagnosis: Diagnosis = { nodeToStatus, unschedulablePlugins: new Set([rejected.plugin]) };
        diagnosis.postFilterMsg = preemptionMessage(pod, nodes, nodeToStatus, this.fw.filters, state);
        const msg = `0/${nodes.length} nodes are available: ${rejected.reasons.join(", ")}.`;
        return { message: diagnosis.postFilterMsg ? `${msg} ${diagnosis.postFilterMsg}` : msg, diagnosis };
      }
    }
    const { feasible, diagnosis } = this.findNodesThatFit(state, pod, nodes);
    if (!feasible.length) {
      const result = preempt(pod, nodes, diagnosis.nodeToStatus, this.fw.filters, state);
      if ("message" in result) diagnosis.postFilterMsg = result.message;
      return {
        message: fitErrorMessage(nodes.length, diagnosis.nodeToStatus.values(), diagnosis.postFilterMsg),
        diagnosis,
        ...("candidate" in result ? { nominated: result.candidate } : {}),
      };
    }
    const evaluated = feasible.length + diagnosis.nodeToStatus.size;
    if (feasible.length === 1) return { node: feasible[0]!.name, evaluated, feasible: 1 };
    const totals = this.prioritize(state, pod, feasible, snapshot);
    return { node: this.selectHost(feasible, totals), evaluated, feasible: feasible.length };
  }

  private findNodesThatFit(
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
  ): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    const want = numFeasibleNodesToFind(nodes.length, this.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const n = nodes.length;
    let processed = 0;
    const filters = this.fw.filters;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(this.nextStartNodeIndex + i) % n]!;
      processed++;
      let failed: Status | null = null;
      for (let f = 0; f < filters.length; f++) {
        failed = filters[f]!.filter(state, pod, node);
        if (failed) break;
      }
      if (failed) {
        diagnosis.nodeToStatus.set(node.name, failed);
        diagnosis.unschedulablePlugins.add(failed.plugin);
      } else feasible.push(node);
    }
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % n;
    return { feasible, diagnosis };
  }

  private prioritize(state: CycleState, pod: PodInfo, feasible: NodeInfo[], snapshot: Snapshot): number[] {
    const totals = new Array<number>(feasible.length).fill(0);
    const scores = new Array<number>(feasible.length);
    for (const p of this.fw.scorers) {
      if (p.preScore && !p.preScore(state, pod, feasible, snapshot)) continue;
      for (let i = 0; i < feasible.length; i++) scores[i] = p.score(state, pod, feasible[i]!);
      p.normalize?.(state, pod, feasible, scores);
      for (let i = 0; i < feasible.length; i++) totals[i]! += scores[i]! * p.weight;
    }
    return totals;
  }

  // selectHost: the highest total, ties broken uniformly at random (reservoir sampling).
  private selectHost(nodes: NodeInfo[], totals: number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) best = i;
      }
    }
    return nodes[best]!.name;
  }
}
