// pkg/controller/deployment/sync.go: finding and creating the new ReplicaSet, revisions,
// proportional scaling, history cleanup and status.
import { isStatusError, notFound } from "../../apimachinery/status-error.ts";
import type { MetaV1LabelSelector } from "../../apimachinery/selectors/index.ts";
import { rfc3339 } from "../../util/clock.ts";
import { replicaSetsRef, type SyncContext } from "./context.ts";
import {
  actualReplicaCount,
  availableReplicaCount,
  bySizeNewer,
  bySizeOlder,
  byRevision,
  controllerRefOf,
  deprecatedRollbackTo,
  desiredReplicasOf,
  filterActive,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  getProportion,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  readyReplicaCount,
  reasons,
  replicaCount,
  revisionAnnotation,
  replicasAnnotationsNeedUpdate,
  setCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from "./deployment-util.ts";
import {
  canonicalJson,
  computeHash,
  equalIgnoreHash,
  podTemplateHashLabel,
} from "../util/pod-template-hash.ts";
import { updateDeploymentStatus, updateReplicaSet } from "./status-writer.ts";
import type { Deployment, DeploymentStatus, PodTemplate, ReplicaSet } from "./types.ts";

export const nowString = (ctx: SyncContext) => rfc3339(ctx.clock.now());

export function controllerRefFor(d: Deployment) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: d.metadata!.name!,
    uid: d.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function cloneSelectorAndAddLabel(sel: MetaV1LabelSelector | null | undefined, key: string, value: string) {
  const out: MetaV1LabelSelector = structuredClone(sel ?? {});
  out.matchLabels = { ...(out.matchLabels ?? {}), [key]: value };
  return out;
}

/** The new RS (created when asked and missing) and all old ones, with revisions in step. */
export async function getAllReplicaSetsAndSyncRevision(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  createIfNotExisted: boolean,
): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(ctx, d, rsList, oldRSs, createIfNotExisted);
  return { newRS, oldRSs };
}

async function getNewReplicaSet(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  oldRSs: ReplicaSet[],
  createIfNotExisted: boolean,
): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1);
  const status = (d.status ??= {});

  if (existing) {
    const rsCopy: ReplicaSet = structuredClone(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
    const minReadyNeedsUpdate = (rsCopy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
    if (annotationsUpdated || minReadyNeedsUpdate) {
      rsCopy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      return updateReplicaSet(ctx, rsCopy);
    }
    let needsUpdate = setDeploymentRevision(d, rsCopy.metadata?.annotations?.[revisionAnnotation] ?? "");
    if (hasProgressDeadline(d) && !getCondition(status, "Progressing")) {
      const msg = `Found new replica set "${rsCopy.metadata!.name}"`;
      setCondition(status, newCondition("Progressing", "True", reasons.foundNewRS, msg, nowString(ctx)));
      needsUpdate = true;
    }
    if (needsUpdate) await updateDeploymentStatus(ctx, d);
    return rsCopy;
  }

  if (!createIfNotExisted) return undefined;

  const namespace = d.metadata!.namespace!;
  const template: PodTemplate = structuredClone(d.spec.template ?? {});
  const hash = computeHash(template, status.collisionCount);
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash },
  };
  const name = `${d.metadata!.name}-${hash}`;
  const newRS: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace,
      ownerReferences: [controllerRefFor(d)],
      labels: { ...template.metadata.labels! },
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec.minReadySeconds ?? 0,
      selector: cloneSelectorAndAddLabel(d.spec.selector, podTemplateHashLabel, hash),
      template,
    },
  };
  const newReplicasCount = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  newRS.spec.replicas = newReplicasCount;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = (await ctx.client.create(replicaSetsRef, namespace, newRS)) as ReplicaSet;
  } catch (e) {
    if (isStatusError(e) && e.reason === "AlreadyExists") {
      // A slow cache or a fast resync: ours if we own it and the template matches, else a collision.
      const rs = ctx.getReplicaSet(namespace, name);
      if (!rs) throw notFound({ group: "apps", resource: "replicasets" }, name);
      if (
        controllerRefOf(rs)?.uid === d.metadata!.uid &&
        equalIgnoreHash(d.spec.template, rs.spec.template)
      ) {
        created = rs;
        alreadyExists = true;
      } else {
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await updateDeploymentStatus(ctx, d).catch(() => undefined);
        throw e;
      }
    } else if (isStatusError(e) && e.details?.causes?.some((c) => c.reason === "NamespaceTerminating")) {
      throw e;
    } else {
      const msg = `Failed to create new replica set "${name}": ${(e as Error).message}`;
      if (hasProgressDeadline(d)) {
        setCondition(
          status,
          newCondition("Progressing", "False", reasons.failedRSCreate, msg, nowString(ctx)),
        );
        await updateDeploymentStatus(ctx, d).catch(() => undefined);
      }
      ctx.recorder.event(d, "Warning", reasons.failedRSCreate, msg);
      throw e;
    }
  }
  if (!alreadyExists && newReplicasCount > 0) {
    ctx.recorder.event(
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled up replica set ${name} to ${newReplicasCount}`,
    );
  }
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (!alreadyExists && hasProgressDeadline(d)) {
    const msg = `Created new replica set "${name}"`;
    setCondition(status, newCondition("Progressing", "True", reasons.newReplicaSet, msg, nowString(ctx)));
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(ctx, d);
  return created;
}

/**
 * Scaling events and paused deployments: one active RS takes the whole size; a saturated new RS
 * means the old ones go to zero; otherwise a rolling deployment's RSs scale proportionally.
 */
export async function scale(
  ctx: SyncContext,
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): Promise<void> {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (specReplicas(activeOrLatest) === specReplicas(d)) return;
    await scaleReplicaSetAndRecordEvent(ctx, activeOrLatest, specReplicas(d), d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(ctx, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;

  const allRSs = filterActive([...oldRSs, newRS]);
  const allRSsReplicas = replicaCount(allRSs);
  const allowedSize = specReplicas(d) > 0 ? specReplicas(d) + maxSurge(d) : 0;
  // Replicas to spread over the active RSs, from the larger to the smaller: newer first when
  // scaling up, older first when scaling down.
  const toAdd = allowedSize - allRSsReplicas;
  let operation = "";
  if (toAdd > 0) {
    allRSs.sort(bySizeNewer);
    operation = "up";
  } else if (toAdd < 0) {
    allRSs.sort(bySizeOlder);
    operation = "down";
  }
  let added = 0;
  const nameToSize = new Map<string, number>();
  for (const rs of allRSs) {
    if (toAdd !== 0) {
      const proportion = getProportion(rs, d, toAdd, added);
      nameToSize.set(rs.metadata!.name!, specReplicas(rs) + proportion);
      added += proportion;
    } else nameToSize.set(rs.metadata!.name!, specReplicas(rs));
  }
  for (let i = 0; i < allRSs.length; i++) {
    const rs = allRSs[i];
    const name = rs.metadata!.name!;
    if (i === 0 && toAdd !== 0) {
      // Leftovers go to the largest replica set.
      nameToSize.set(name, Math.max(0, nameToSize.get(name)! + toAdd - added));
    }
    await scaleReplicaSet(ctx, rs, nameToSize.get(name)!, d, operation);
  }
}

export async function scaleReplicaSetAndRecordEvent(
  ctx: SyncContext,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  if (specReplicas(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(ctx, rs, newScale, d, specReplicas(rs) < newScale ? "up" : "down");
}

export async function scaleReplicaSet(
  ctx: SyncContext,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
  operation: string,
): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const sizeNeedsUpdate = specReplicas(rs) !== newScale;
  const max = specReplicas(d) + maxSurge(d);
  const annotationsNeedUpdate = replicasAnnotationsNeedUpdate(rs, specReplicas(d), max);
  if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
  const oldScale = specReplicas(rs);
  const copy: ReplicaSet = structuredClone(rs);
  copy.spec.replicas = newScale;
  setReplicasAnnotations(copy, specReplicas(d), max);
  const updated = await updateReplicaSet(ctx, copy);
  if (sizeNeedsUpdate) {
    ctx.recorder.event(
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${operation} replica set ${rs.metadata!.name} to ${newScale} from ${oldScale}`,
    );
  }
  return { scaled: sizeNeedsUpdate, rs: updated };
}

/** Deletes the oldest zero-sized old RSs beyond revisionHistoryLimit. */
export async function cleanupDeployment(
  ctx: SyncContext,
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<void> {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - d.spec.revisionHistoryLimit!;
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i];
    if (
      (rs.status?.replicas ?? 0) !== 0 ||
      specReplicas(rs) !== 0 ||
      (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) ||
      rs.metadata?.deletionTimestamp
    )
      continue;
    try {
      await ctx.client.delete(replicaSetsRef, rs.metadata!.namespace!, rs.metadata!.name!);
    } catch (e) {
      if (!(isStatusError(e) && e.code === 404)) throw e;
    }
  }
}

/** The status the RSs imply, with the Available condition. Zero counts are omitted as Go omits them. */
export function calculateStatus(
  ctx: SyncContext,
  allRSs: Array<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
  d: Deployment,
): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const unavailable = Math.max(0, total - available);
  const status: DeploymentStatus = {};
  const set = (k: keyof DeploymentStatus, v: number) => {
    if (v !== 0) (status as Record<string, unknown>)[k] = v;
  };
  set("observedGeneration", d.metadata?.generation ?? 0);
  set("replicas", actualReplicaCount(allRSs));
  set("updatedReplicas", actualReplicaCount([newRS]));
  set("readyReplicas", readyReplicaCount(allRSs));
  set("availableReplicas", available);
  set("unavailableReplicas", unavailable);
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(
      status,
      newCondition(
        "Available",
        "True",
        reasons.minimumReplicasAvailable,
        "Deployment has minimum availability.",
        nowString(ctx),
      ),
    );
  } else {
    setCondition(
      status,
      newCondition(
        "Available",
        "False",
        reasons.minimumReplicasUnavailable,
        "Deployment does not have minimum availability.",
        nowString(ctx),
      ),
    );
  }
  return status;
}

export const statusEqual = (a: DeploymentStatus | undefined, b: DeploymentStatus) =>
  canonicalJson(a ?? {}) === canonicalJson(b);

export async function syncDeploymentStatus(
  ctx: SyncContext,
  allRSs: Array<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const newStatus = calculateStatus(ctx, allRSs, newRS, d);
  if (statusEqual(d.status, newStatus)) return;
  d.status = newStatus;
  await updateDeploymentStatus(ctx, d);
}

/** Deleting deployments only get their status updated. */
export async function syncStatusOnly(ctx: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/** Scaling events and paused deployments: scale, clean up (when paused), update status. */
export async function sync(ctx: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await scale(ctx, d, newRS, oldRSs);
  if (d.spec.paused && !d.metadata?.annotations?.[deprecatedRollbackTo]) {
    await cleanupDeployment(ctx, oldRSs, d);
  }
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/**
 * Records pausing and resuming as an Unknown Progressing condition, so a resumed deployment is not
 * judged against a deadline that ran while it was paused.
 */
export async function checkPausedConditions(ctx: SyncContext, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const status = (d.status ??= {});
  const cond = getCondition(status, "Progressing");
  if (cond?.reason === reasons.timedOut) return;
  const pausedCondExists = cond?.reason === reasons.paused;
  if (d.spec.paused && !pausedCondExists) {
    setCondition(
      status,
      newCondition("Progressing", "Unknown", reasons.paused, "Deployment is paused", nowString(ctx)),
    );
  } else if (!d.spec.paused && pausedCondExists) {
    setCondition(
      status,
      newCondition("Progressing", "Unknown", reasons.resumed, "Deployment is resumed", nowString(ctx)),
    );
  } else return;
  await updateDeploymentStatus(ctx, d);
}

/** Whether an active RS records a desired size other than the deployment's (a scaling event). */
export async function isScalingEvent(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasOf(rs);
    if (desired !== undefined && desired !== specReplicas(d)) return true;
  }
  return false;
}
