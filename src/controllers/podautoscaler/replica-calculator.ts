// The replica count a resource metric asks for (pkg/controller/podautoscaler/replica_calculator.go
// GetResourceReplicas): usage over requests of the ready pods with metrics, within a tolerance of
// the target; pods without metrics count as using nothing when scaling up and their whole request
// when scaling down, and unready pods count as using nothing when scaling up.
import { parseQuantity } from "../../apimachinery/quantity.ts";

type Obj = Record<string, any>;

export const tolerance = 0.1;
/** cpu-initialization-period and initial-readiness-delay: when a pod's CPU is not trusted yet. */
const cpuInitializationMs = 5 * 60_000;
const initialReadinessDelayMs = 30_000;

export interface ResourceReplicas {
  replicas: number;
  utilization: number;
  rawAverage: bigint;
}

export class MetricsError extends Error {}

const milli = (v: unknown): bigint => parseQuantity(v)?.milli ?? 0n;

function ready(pod: Obj, resource: string, now: number): boolean {
  if (resource !== "cpu") return true;
  const cond = ((pod.status?.conditions ?? []) as Obj[]).find((c) => c.type === "Ready");
  const isReady = cond?.status === "True";
  const start = Date.parse(pod.status?.startTime ?? "") || now;
  // While its CPU initializes a pod counts only when ready; after, unless it never became ready.
  if (start + cpuInitializationMs > now) return isReady;
  const since = Date.parse(cond?.lastTransitionTime ?? "") || start;
  return isReady || since > start + initialReadinessDelayMs;
}

/** `usage` maps pod name → its usage of the resource (milli-units, summed over containers). */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: Obj[],
  usage: Map<string, bigint>,
  now: number,
): ResourceReplicas {
  if (!usage.size)
    throw new MetricsError(
      `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
    );
  const requests = new Map<string, bigint>();
  const readyPods: string[] = [];
  const unready: string[] = [];
  const missing: string[] = [];
  for (const pod of pods) {
    if (
      pod.metadata?.deletionTimestamp ||
      pod.status?.phase === "Failed" ||
      pod.status?.phase === "Succeeded"
    )
      continue;
    if (pod.status?.phase === "Pending") {
      unready.push(pod.metadata.name);
      continue;
    }
    let req = 0n;
    for (const c of (pod.spec?.containers ?? []) as Obj[]) {
      const r = c.resources?.requests?.[resource];
      if (r === undefined)
        throw new MetricsError(
          `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`,
        );
      req += milli(r);
    }
    requests.set(pod.metadata.name, req);
    if (!usage.has(pod.metadata.name)) missing.push(pod.metadata.name);
    else if (!ready(pod, resource, now)) unready.push(pod.metadata.name);
    else readyPods.push(pod.metadata.name);
  }
  const ratioOf = (names: string[], extra: Map<string, bigint>) => {
    let used = 0n;
    let requested = 0n;
    for (const n of names) {
      used += extra.get(n) ?? usage.get(n) ?? 0n;
      requested += requests.get(n) ?? 0n;
    }
    if (requested === 0n) throw new MetricsError(`no pods with ${resource} requests and metrics`);
    const utilization = Number((used * 100n) / requested);
    return { utilization, ratio: utilization / targetUtilization, used, count: names.length };
  };
  const base = ratioOf(
    readyPods.length ? readyPods : [...usage.keys()].filter((n) => requests.has(n)),
    new Map(),
  );
  const rawAverage = base.count ? base.used / BigInt(base.count) : 0n;
  if (!missing.length && !unready.length) {
    if (Math.abs(1 - base.ratio) <= tolerance)
      return { replicas: currentReplicas, utilization: base.utilization, rawAverage };
    return { replicas: Math.ceil(base.ratio * readyPods.length), utilization: base.utilization, rawAverage };
  }
  // Missing and unready pods pull the ratio toward no change.
  const assumed = new Map<string, bigint>();
  if (base.ratio < 1) for (const n of missing) assumed.set(n, requests.get(n) ?? 0n);
  else {
    for (const n of missing) assumed.set(n, 0n);
    for (const n of unready) if (requests.has(n)) assumed.set(n, 0n);
  }
  const names = [...readyPods, ...assumed.keys()];
  const adjusted = ratioOf(names, assumed);
  if (
    Math.abs(1 - adjusted.ratio) <= tolerance ||
    (base.ratio < 1 && adjusted.ratio > 1) ||
    (base.ratio > 1 && adjusted.ratio < 1)
  )
    return { replicas: currentReplicas, utilization: base.utilization, rawAverage };
  const replicas = Math.ceil(adjusted.ratio * names.length);
  if ((base.ratio > 1 && replicas < currentReplicas) || (base.ratio < 1 && replicas > currentReplicas))
    return { replicas: currentReplicas, utilization: base.utilization, rawAverage };
  return { replicas, utilization: base.utilization, rawAverage };
}
