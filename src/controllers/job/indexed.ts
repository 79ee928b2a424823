// Indexed completion mode (pkg/controller/job/indexed_job_utils.go), without per-index back-off.
import type { KObject } from "../../apimachinery/meta.ts";

export const completionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

export function completionIndex(pod: KObject): number | undefined {
  const v = pod.metadata?.annotations?.[completionIndexAnnotation];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Parses status.completedIndexes ("1,3-5,7"). */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? "").split(",")) {
    if (!part) continue;
    const [a, b] = part.split("-").map(Number);
    for (let i = a; i <= (b ?? a) && i < completions; i++) out.add(i);
  }
  return out;
}

/** orderedIntervals.String: "1,3-5,7". */
export function formatIndexes(set: Set<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** firstPendingIndexes: the lowest indexes neither succeeded nor being worked on. */
export function firstPendingIndexes(
  succeeded: Set<number>,
  activePods: KObject[],
  count: number,
  completions: number,
): number[] {
  const busy = new Set<number>();
  for (const p of activePods) {
    const ix = completionIndex(p);
    if (ix !== undefined) busy.add(ix);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++)
    if (!succeeded.has(i) && !busy.has(i)) out.push(i);
  return out;
}

/** appendDuplicatedIndexPodsForRemoval: active pods without a valid index or repeating one. */
export function duplicatedIndexPods(
  activePods: KObject[],
  completions: number,
): { rm: KObject[]; left: KObject[] } {
  const seen = new Set<number>();
  const rm: KObject[] = [];
  const left: KObject[] = [];
  for (const p of activePods) {
    const ix = completionIndex(p);
    if (ix === undefined || ix >= completions || seen.has(ix)) rm.push(p);
    else {
      seen.add(ix);
      left.push(p);
    }
  }
  return { rm, left };
}

/** addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the annotation, in every container. */
export function addCompletionIndexEnv(spec: any): void {
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    c.env ??= [];
    if (c.env.some((e: any) => e.name === "JOB_COMPLETION_INDEX")) continue;
    c.env.push({
      name: "JOB_COMPLETION_INDEX",
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexAnnotation}']` } },
    });
  }
}
