import type { KObject } from "../../apimachinery/meta.ts";
import { getPodReadyCondition, isPodReady } from "./pod-helpers.ts";

export const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

interface PodShape {
  spec?: { nodeName?: string; initContainers?: Array<{ name: string; restartPolicy?: string }> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ restartCount?: number }>;
    initContainerStatuses?: Array<{ name: string; restartCount?: number }>;
  };
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function nodeName(p: KObject): string {
  return (p as PodShape).spec?.nodeName ?? "";
}

function phaseRank(p: KObject): number {
  return phaseOrdinal[(p as PodShape).status?.phase ?? ""] ?? 0;
}

/** helper.GetDeletionCostFromPodAnnotations: an int32; anything unparsable counts as 0. */
export function podDeletionCost(p: KObject): number {
  const v = p.metadata?.annotations?.[podDeletionCostAnnotation];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function time(s: string | null | undefined): number {
  return s ? Date.parse(s) : 0;
}

function readyTime(p: KObject): number {
  return isPodReady(p) ? time(getPodReadyCondition(p)?.lastTransitionTime) : 0;
}

/** controller_utils.go afterOrZero: zero times sort first, then later before earlier. */
function afterOrZero(t1: number, t2: number): boolean {
  if (!t1 || !t2) return !t1;
  return t1 > t2;
}

/** Log2 buckets of age in nanoseconds, as logarithmicRankDiff (LogarithmicScaleDown, GA since 1.31). */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const d1 = (now - t1) * 1e6;
  const d2 = (now - t2) * 1e6;
  const r1 = d1 > 0 ? Math.floor(Math.log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.floor(Math.log2(d2)) : -1;
  return r1 - r2;
}

function maxContainerRestarts(p: KObject): [number, number] {
  const s = (p as PodShape).status;
  let regular = 0;
  for (const c of s?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set(
    ((p as PodShape).spec?.initContainers ?? [])
      .filter((c) => c.restartPolicy === "Always")
      .map((c) => c.name),
  );
  let sidecar = 0;
  for (const c of s?.initContainerStatuses ?? [])
    if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return [regular, sidecar];
}

function byTime(t1: number, t2: number, uid1: string, uid2: string, now: number): boolean {
  if (!now || !t1 || !t2) return afterOrZero(t1, t2);
  const diff = logarithmicRankDiff(t1, t2, now);
  return diff === 0 ? uid1 < uid2 : diff < 0;
}

/**
 * controller.ActivePodsWithRanks.Less: true when pod a should be deleted before pod b.
 * Unscheduled < scheduled; Pending < Unknown < Running; not ready < ready; lower deletion cost;
 * more related pods on the same node (rank); ready more recently; more restarts; newer.
 */
export function deleteBefore(a: KObject, rankA: number, b: KObject, rankB: number, now: Date): boolean {
  const na = nodeName(a);
  const nb = nodeName(b);
  if (na !== nb && (!na || !nb)) return !na;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) < phaseRank(b);
  const ra = isPodReady(a);
  if (ra !== isPodReady(b)) return !ra;
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  const uidA = a.metadata?.uid ?? "";
  const uidB = b.metadata?.uid ?? "";
  const nowMs = now.getTime();
  if (ra && isPodReady(b)) {
    const ta = readyTime(a);
    const tb = readyTime(b);
    if (ta !== tb) return byTime(ta, tb, uidA, uidB, nowMs);
  }
  const [rega, sidea] = maxContainerRestarts(a);
  const [regb, sideb] = maxContainerRestarts(b);
  if (rega !== regb) return rega > regb;
  if (sidea !== sideb) return sidea > sideb;
  const ta = time(a.metadata?.creationTimestamp);
  const tb = time(b.metadata?.creationTimestamp);
  if (ta !== tb) return byTime(ta, tb, uidA, uidB, nowMs);
  return false;
}

/** The pods in deletion order (first = deleted first), ranks parallel to pods. */
export function sortActivePodsWithRanks(pods: KObject[], ranks: number[], now: Date): KObject[] {
  const idx = pods.map((_, i) => i);
  idx.sort((i, j) => {
    if (deleteBefore(pods[i]!, ranks[i]!, pods[j]!, ranks[j]!, now)) return -1;
    if (deleteBefore(pods[j]!, ranks[j]!, pods[i]!, ranks[i]!, now)) return 1;
    return 0;
  });
  return idx.map((i) => pods[i]!);
}
