import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import {
  maxNodeScore,
  status,
  type CycleState,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
  type Taint,
  type Toleration,
} from "../../types.ts";
import { defaultNormalizeScore } from "../../normalize-score.ts";
import { tolerationsTolerateTaint } from "./tolerations.ts";

const name = "TaintToleration";
const preferKey = "PreScoreTaintToleration";

/**
 * Keeps pods off nodes whose NoSchedule/NoExecute taints they do not tolerate, and prefers nodes with
 * fewer untolerated PreferNoSchedule taints (plugins/tainttoleration).
 */
export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = name;
  readonly weight = 3;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!tolerationsTolerateTaint(pod.tolerations, taint)) {
        return status(
          "UnschedulableAndUnresolvable",
          name,
          `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`,
        );
      }
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo): boolean {
    // Only tolerations with an empty or PreferNoSchedule effect can tolerate a PreferNoSchedule taint.
    state.set(
      preferKey,
      pod.tolerations.filter((t) => !t.effect || t.effect === "PreferNoSchedule"),
    );
    return true;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const tolerations = (state.get(preferKey) ?? []) as Toleration[];
    let count = 0;
    for (const taint of node.taints as Taint[]) {
      if (taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, taint)) count++;
    }
    return count;
  }

  normalize(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): void {
    defaultNormalizeScore(maxNodeScore, true, scores);
  }
}
