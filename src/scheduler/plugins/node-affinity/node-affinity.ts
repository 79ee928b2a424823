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
import { defaultNormalizeScore } from "../../normalize-score.ts";
import {
  preferredTerms,
  requiredNodeAffinity,
  type NodeMatcher,
  type PreferredTerm,
} from "./node-selector.ts";

const name = "NodeAffinity";
const requiredKey = "PreFilterNodeAffinity";
const preferredKey = "PreScoreNodeAffinity";

/** nodeSelector and required node affinity as a filter; preferred terms' weights as a score (plugins/nodeaffinity). */
export class NodeAffinity implements FilterPlugin, ScorePlugin {
  readonly name = name;
  readonly weight = 2;

  preFilter(state: CycleState, pod: PodInfo): void {
    state.set(requiredKey, requiredNodeAffinity(pod.pod.spec));
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const match = (state.has(requiredKey) ? state.get(requiredKey) : requiredNodeAffinity(pod.pod.spec)) as
      NodeMatcher | undefined;
    if (!match || match(node.labels, node.name)) return null;
    return status("UnschedulableAndUnresolvable", name, "node(s) didn't match Pod's node affinity/selector");
  }

  preScore(state: CycleState, pod: PodInfo): boolean {
    const terms = preferredTerms(pod.pod.spec);
    state.set(preferredKey, terms);
    return terms.length > 0;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    let sum = 0;
    for (const t of (state.get(preferredKey) ?? []) as PreferredTerm[]) {
      if (t.match(node.labels, node.name)) sum += t.weight;
    }
    return sum;
  }

  normalize(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): void {
    defaultNormalizeScore(maxNodeScore, false, scores);
  }
}
