import type { Status } from "./types.ts";

export const noNodesAvailableMsg = "no nodes available to schedule pods";

/** Why each node was rejected in one attempt (framework.Diagnosis). */
export interface Diagnosis {
  nodeToStatus: Map<string, Status>;
  /** Plugins that rejected some node: only events they care about requeue the pod. */
  unschedulablePlugins: Set<string>;
  postFilterMsg?: string;
}

/**
 * framework.FitError.Error() as of 1.32: "0/N nodes are available:", then the per-reason node counts
 * sorted as strings and joined with ", " and a period, then the PostFilter (preemption) message.
 */
export function fitErrorMessage(
  numAllNodes: number,
  statuses: Iterable<Status>,
  postFilterMsg?: string,
): string {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  let msg = `0/${numAllNodes} nodes are available:`;
  const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Go's sort.Strings orders by bytes, so "10 x" sorts before "2 y", as upstream prints it.
  histogram.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (histogram.length) msg += ` ${histogram.join(", ")}.`;
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}
