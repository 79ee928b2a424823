import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import { refFor } from "../refs.ts";

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export const TaintNodeNotReady = "node.kubernetes.io/not-ready";
export const TaintNodeUnreachable = "node.kubernetes.io/unreachable";
export const TaintNodeUnschedulable = "node.kubernetes.io/unschedulable";

export const UnreachableTaintTemplate: Taint = { key: TaintNodeUnreachable, effect: "NoExecute" };
export const NotReadyTaintTemplate: Taint = { key: TaintNodeNotReady, effect: "NoExecute" };

export function nodeTaints(node: KObject | undefined): Taint[] {
  return ((node?.spec as { taints?: Taint[] } | undefined)?.taints ?? []) as Taint[];
}

/** Same key and effect, as taint.MatchTaint does. */
export function taintMatches(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: Taint[], t: Taint): boolean {
  return taints.some((x) => taintMatches(x, t));
}

/** v1helper Toleration.ToleratesTaint. */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key !== undefined && tol.key !== "" && tol.key !== taint.key) return false;
  const op = tol.operator || "Equal";
  if (op === "Exists") return true;
  if ((tol.key ?? "") === "") return false;
  return (tol.value ?? "") === (taint.value ?? "");
}

/** v1helper.GetMatchingTolerations: whether every taint is tolerated, and by which tolerations. */
export function getMatchingTolerations(
  taints: Taint[],
  tolerations: Toleration[],
): { allTolerated: boolean; used: Toleration[] } {
  if (!taints.length) return { allTolerated: true, used: [] };
  if (!tolerations.length) return { allTolerated: false, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const tol = tolerations.find((t) => toleratesTaint(t, taint));
    if (!tol) return { allTolerated: false, used: [] };
    used.push(tol);
  }
  return { allTolerated: true, used };
}

/**
 * Adds and removes taints on a node (controller.AddOrUpdateTaintOnNode + RemoveTaintOffNode), with
 * optimistic concurrency: the first try uses the cached node, retries re-read it from the API.
 * Added taints get timeAdded, as SwapNodeControllerTaint sets it.
 */
export async function swapNodeTaints(
  deps: { client: ApiClient; nodes: SharedInformer; clock: Clock },
  name: string,
  add: Taint[],
  remove: Taint[],
): Promise<boolean> {
  const ref = refFor("", "nodes");
  let node = deps.nodes.get(name);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!node || attempt > 0) {
      try {
        node = await deps.client.get(ref, "", name);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return false;
        throw e;
      }
    }
    const current = nodeTaints(node);
    const now = rfc3339(deps.clock.now());
    let next = current.filter((t) => !remove.some((r) => taintMatches(r, t)));
    for (const a of add) {
      const existing = next.find((t) => taintMatches(t, a));
      if (existing && (existing.value ?? "") === (a.value ?? "")) continue;
      next = next.filter((t) => !taintMatches(t, a));
      next.push({ ...a, timeAdded: now });
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return true;
    const spec = { ...(node!.spec as object) } as { taints?: Taint[] };
    if (next.length) spec.taints = next;
    else delete spec.taints;
    try {
      await deps.client.update(ref, "", name, { ...node, spec });
      return true;
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) continue;
      if (e instanceof StatusError && e.code === 404) return false;
      throw e;
    }
  }
  return false;
}
