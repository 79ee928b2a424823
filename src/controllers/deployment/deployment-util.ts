// Helpers of pkg/controller/deployment/util/deployment_util.go and pkg/controller/controller_utils.go.
import type { OwnerReference } from "../../apimachinery/meta.ts";
import { equalIgnoreHash } from "../util/pod-template-hash.ts";
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  IntOrString,
  ReplicaSet,
  ReplicaSetCondition,
} from "./types.ts";
import { scaledValue } from "../util/int-or-percent.ts";

export { scaledValue };

export const revisionAnnotation = "deployment.kubernetes.io/revision";
export const revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
export const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
export const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
export const deprecatedRollbackTo = "deprecated.deployment.rollback.to";
export const lastAppliedConfigAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

export const reasons = {
  replicaSetUpdated: "ReplicaSetUpdated",
  failedRSCreate: "ReplicaSetCreateError",
  newReplicaSet: "NewReplicaSetCreated",
  foundNewRS: "FoundNewReplicaSet",
  newRSAvailable: "NewReplicaSetAvailable",
  timedOut: "ProgressDeadlineExceeded",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  minimumReplicasAvailable: "MinimumReplicasAvailable",
  minimumReplicasUnavailable: "MinimumReplicasUnavailable",
  rollbackRevisionNotFound: "DeploymentRollbackRevisionNotFound",
  rollbackTemplateUnchanged: "DeploymentRollbackTemplateUnchanged",
  rollbackDone: "DeploymentRollback",
} as const;

const maxInt32 = 2147483647;
// Revisions are kept in the revision-history annotation up to this many characters (sync.go).
export const maxRevHistoryLengthInChars = 2000;

// ---- small accessors (the API server defaults spec.replicas to 1) ----

export const specReplicas = (o: Deployment | ReplicaSet): number => o.spec?.replicas ?? 1;
export const annotationsOf = (o: { metadata?: { annotations?: Record<string, string> } }) =>
  o.metadata?.annotations ?? {};

export function controllerRefOf(o: { metadata?: { ownerReferences?: OwnerReference[] } }) {
  return o.metadata?.ownerReferences?.find((r) => r.controller);
}

// ---- conditions ----

export function newCondition(
  type: string,
  status: DeploymentCondition["status"],
  reason: string,
  message: string,
  now: string,
): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/** Same status and reason: nothing changes; same status only: keep lastTransitionTime. */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const cur = getCondition(status, condition.type);
  if (cur && cur.status === condition.status && cur.reason === condition.reason) return;
  const c = { ...condition };
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const left = (status.conditions ?? []).filter((c) => c.type !== type);
  if (left.length) status.conditions = left;
  else delete status.conditions;
}

export function replicaSetToDeploymentCondition(c: ReplicaSetCondition): DeploymentCondition {
  return {
    type: c.type,
    status: c.status,
    lastUpdateTime: c.lastTransitionTime,
    lastTransitionTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
}

// ---- revisions and annotations ----

/** The revision annotation as a number; 0 when absent, NaN when unparsable. */
export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number {
  const v = annotationsOf(o)[revisionAnnotation];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
}

export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

/** The second highest revision (the one "rollout undo" with no revision goes back to). */
export function lastRevision(rss: ReplicaSet[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (Number.isNaN(v)) continue;
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) second = v;
  }
  return second;
}

export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const meta = (d.metadata ??= {});
  meta.annotations ??= {};
  if (meta.annotations[revisionAnnotation] === revision) return false;
  meta.annotations[revisionAnnotation] = revision;
  return true;
}

const annotationsToSkip = new Set([
  lastAppliedConfigAnnotation,
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  deprecatedRollbackTo,
]);

function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  const meta = (rs.metadata ??= {});
  const ann = (meta.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(annotationsOf(d))) {
    if (annotationsToSkip.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/** The deployment's annotations become the RS's (apart from the skipped ones), as on rollback. */
export function setDeploymentAnnotationsTo(d: Deployment, rs: ReplicaSet): void {
  const meta = (d.metadata ??= {});
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.annotations ?? {})) if (annotationsToSkip.has(k)) next[k] = v;
  for (const [k, v] of Object.entries(annotationsOf(rs))) if (!annotationsToSkip.has(k)) next[k] = v;
  meta.annotations = next;
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const meta = (rs.metadata ??= {});
  const ann = (meta.annotations ??= {});
  let updated = false;
  if (ann[desiredReplicasAnnotation] !== String(desired)) {
    ann[desiredReplicasAnnotation] = String(desired);
    updated = true;
  }
  if (ann[maxReplicasAnnotation] !== String(max)) {
    ann[maxReplicasAnnotation] = String(max);
    updated = true;
  }
  return updated;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = annotationsOf(rs);
  return ann[desiredReplicasAnnotation] !== String(desired) || ann[maxReplicasAnnotation] !== String(max);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = annotationsOf(rs)[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

export const desiredReplicasOf = (rs: ReplicaSet) => intAnnotation(rs, desiredReplicasAnnotation);

/**
 * deploymentutil.SetNewReplicaSetAnnotations: copies the deployment's annotations, raises the
 * revision (keeping the old one in revision-history when it is a rollback), and for a
 * not-yet-created RS sets the replicas annotations. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: string,
  exists: boolean,
): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const ann = (rs.metadata!.annotations ??= {});
  const had = revisionAnnotation in ann;
  const oldRevision = ann[revisionAnnotation] ?? "";
  let oldInt = 0;
  if (oldRevision !== "") {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldInt = Number(oldRevision);
  }
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    ann[revisionAnnotation] = newRevision;
    changed = true;
  }
  if (had && oldInt < newInt) {
    const history = ann[revisionHistoryAnnotation] ?? "";
    let old = history.split(",");
    if (old[0].length === 0) ann[revisionHistoryAnnotation] = oldRevision;
    else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > maxRevHistoryLengthInChars && start < old.length) {
        total -= old[start].length + 1;
        start++;
      }
      if (total <= maxRevHistoryLengthInChars) {
        old = [...old.slice(start), oldRevision];
        ann[revisionHistoryAnnotation] = old.join(",");
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- surge and unavailability ----

/** Resolves maxSurge (rounded up) and maxUnavailable (rounded down); never both zero. */
export function resolveFenceposts(
  surgeValue: IntOrString | undefined,
  unavailableValue: IntOrString | undefined,
  desired: number,
): [number, number] {
  const surge = scaledValue(surgeValue ?? 0, desired, true);
  let unavailable = scaledValue(unavailableValue ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export const isRollingUpdate = (d: Deployment) =>
  (d.spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, specReplicas(d))[0];
}

export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || specReplicas(d) === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const u = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, specReplicas(d))[1];
  return Math.min(u, specReplicas(d));
}

// ---- proportional scaling ----

/** Go's math.Round as integer.RoundToInt32 uses it: half away from zero. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = specReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, maxReplicasAnnotation) ?? d.status?.replicas ?? 0;
  // Upstream never scales up from zero here; without a size to scale from there is no fraction.
  if (annotated === 0) return 0;
  const newSize = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAway(newSize) - specReplicas(rs);
}

export function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

// ---- finding replica sets ----

const creation = (rs: ReplicaSet) => Date.parse(rs.metadata?.creationTimestamp ?? "") || 0;

/** controller.ReplicaSetsByCreationTimestamp: oldest first, name as tie breaker. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = creation(a) - creation(b);
  if (d !== 0) return d;
  return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
}

/** ReplicaSetsBySizeNewer: largest first, newer first on ties. */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet) =>
  specReplicas(a) === specReplicas(b) ? byCreation(b, a) : specReplicas(b) - specReplicas(a);

/** ReplicaSetsBySizeOlder: largest first, older first on ties. */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet) =>
  specReplicas(a) === specReplicas(b) ? byCreation(a, b) : specReplicas(b) - specReplicas(a);

/** ReplicaSetsByRevision: lowest revision first, creation order on ties or unparsable ones. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (Number.isNaN(ra) || Number.isNaN(rb) || ra === rb) return byCreation(a, b);
  return ra - rb;
}

export const filterActive = (rss: Array<ReplicaSet | undefined>): ReplicaSet[] =>
  rss.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);

/** The oldest RS whose template equals the deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/** All RSs but the new one. */
export function findOldReplicaSets(d: Deployment, rsList: ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
}

/** The one active RS, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}

// ---- counting ----

const sum = (rss: Array<ReplicaSet | undefined>, f: (rs: ReplicaSet) => number) =>
  rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);

export const replicaCount = (rss: Array<ReplicaSet | undefined>) => sum(rss, specReplicas);
export const actualReplicaCount = (rss: Array<ReplicaSet | undefined>) =>
  sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rss: Array<ReplicaSet | undefined>) =>
  sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rss: Array<ReplicaSet | undefined>) =>
  sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

// ---- rollout state ----

export const hasProgressDeadline = (d: Deployment) =>
  d.spec.progressDeadlineSeconds !== undefined &&
  d.spec.progressDeadlineSeconds !== null &&
  d.spec.progressDeadlineSeconds !== maxInt32;

export const hasRevisionHistoryLimit = (d: Deployment) =>
  d.spec.revisionHistoryLimit !== undefined &&
  d.spec.revisionHistoryLimit !== null &&
  d.spec.revisionHistoryLimit !== maxInt32;

/** All desired replicas updated and available, no old pods, and the latest generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = specReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === r &&
    (s.replicas ?? 0) === r &&
    (s.availableReplicas ?? 0) === r &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** New pods were added or became ready/available, or old pods went away. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** The Progressing condition was last updated more than progressDeadlineSeconds ago. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, "Progressing");
  if (!c) return false;
  if (c.reason === reasons.newRSAvailable) return false;
  if (c.reason === reasons.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  return from + d.spec.progressDeadlineSeconds! * 1000 < now.getTime();
}

/** How many replicas the new RS should have now. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return specReplicas(d);
  const surge = scaledValue(d.spec.strategy?.rollingUpdate?.maxSurge ?? 0, specReplicas(d), true);
  const current = replicaCount(allRSs);
  const maxTotal = specReplicas(d) + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, specReplicas(d) - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/** The new RS owns (and both it and the deployment believe it owns) all replicas, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasOf(rs);
  if (desired === undefined) return false;
  return (
    specReplicas(rs) === specReplicas(d) &&
    desired === specReplicas(d) &&
    (rs.status?.availableReplicas ?? 0) === specReplicas(d)
  );
}
