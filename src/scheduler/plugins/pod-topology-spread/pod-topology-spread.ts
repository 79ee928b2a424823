import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import {
  hostnameLabel,
  maxNodeScore,
  zoneLabel,
  type CycleState,
  type ScorePlugin,
  type Snapshot,
} from "../../types.ts";
import { requiredNodeAffinity } from "../node-affinity/node-selector.ts";

const stateKey = "PreScorePodTopologySpread";

interface Constraint {
  key: string;
  maxSkew: number;
}

// plugins/podtopologyspread/plugin.go systemDefaultConstraints: both ScheduleAnyway, so they only score.
const systemDefaults: Constraint[] = [
  { key: hostnameLabel, maxSkew: 3 },
  { key: zoneLabel, maxSkew: 5 },
];

interface SpreadState {
  weights: number[];
  /** Matching pods per zone value, for the zone constraint. */
  zoneCounts: ReadonlyMap<string, number>;
}

/**
 * Default spreading: pods with the same controlling owner are spread across nodes (and zones) as the
 * PodTopologySpread plugin's system default constraints do (plugins/podtopologyspread/scoring.go).
 * Upstream derives the group from the Services/ReplicaSets/StatefulSets selecting the pod; the
 * controlling owner stands in for that selector here.
 */
export class PodTopologySpread implements ScorePlugin {
  readonly name = "PodTopologySpread";
  readonly weight = 2;

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): boolean {
    if (pod.pod.spec?.topologySpreadConstraints?.length || !pod.ownerUid) return false;
    // Weights are ln(number of topology values among the candidate nodes + 2).
    const zones = new Set<string>();
    for (const n of nodes) zones.add(n.zoneValue ?? "");
    const weights = systemDefaults.map((c) =>
      Math.log((c.key === hostnameLabel ? nodes.length : zones.size) + 2),
    );
    state.set(stateKey, { weights, zoneCounts: zoneCounts(pod, snapshot) } satisfies SpreadState);
    return true;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.get(stateKey) as SpreadState;
    // systemDefaults[0] is the hostname constraint, [1] the zone one.
    let score = 0;
    if (node.hostnameValue !== undefined)
      score += (node.ownerCounts.get(pod.ownerUid!) ?? 0) * s.weights[0]! + (systemDefaults[0]!.maxSkew - 1);
    if (node.zoneValue !== undefined)
      score += (s.zoneCounts.get(node.zoneValue) ?? 0) * s.weights[1]! + (systemDefaults[1]!.maxSkew - 1);
    return Math.round(score);
  }

  normalize(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): void {
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      scores[i] = max === 0 ? maxNodeScore : Math.trunc((maxNodeScore * (max + min - scores[i]!)) / max);
    }
  }
}

/**
 * Sibling pods per zone over every node. Only nodes the pod could run on count (nodeAffinityPolicy
 * Honor), so a pod with a node selector or required affinity sums the matching nodes itself; otherwise
 * the cache's running totals serve.
 */
function zoneCounts(pod: PodInfo, snapshot: Snapshot): ReadonlyMap<string, number> {
  const affinity = requiredNodeAffinity(pod.pod.spec);
  if (!affinity && snapshot.ownerZoneCounts) return snapshot.ownerZoneCounts(pod.ownerUid!) ?? new Map();
  const counts = new Map<string, number>();
  for (const n of snapshot.nodes) {
    const z = n.zoneValue;
    if (z === undefined || (affinity && !affinity(n.labels, n.name))) continue;
    const c = n.ownerCounts.get(pod.ownerUid!);
    if (c) counts.set(z, (counts.get(z) ?? 0) + c);
  }
  return counts;
}
