// pkg/controller/deployment/rolling.go: RollingUpdate within maxSurge and maxUnavailable.
import type { SyncContext } from "./context.ts";
import {
  availableReplicaCount,
  byCreation,
  deploymentComplete,
  filterActive,
  maxUnavailable,
  newRSNewReplicas,
  replicaCount,
  specReplicas,
} from "./deployment-util.ts";
import { syncRolloutStatus } from "./progress.ts";
import {
  cleanupDeployment,
  getAllReplicaSetsAndSyncRevision,
  scaleReplicaSetAndRecordEvent,
} from "./sync.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

export async function rolloutRolling(ctx: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const allRSs = [...oldRSs, newRS!];

  if (await reconcileNewReplicaSet(ctx, allRSs, newRS!, d)) {
    return syncRolloutStatus(ctx, allRSs, newRS, d);
  }
  if (await reconcileOldReplicaSets(ctx, allRSs, filterActive(oldRSs), newRS!, d)) {
    return syncRolloutStatus(ctx, allRSs, newRS, d);
  }
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(ctx, oldRSs, d);
  return syncRolloutStatus(ctx, allRSs, newRS, d);
}

async function reconcileNewReplicaSet(
  ctx: SyncContext,
  allRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (specReplicas(newRS) === specReplicas(d)) return false;
  if (specReplicas(newRS) > specReplicas(d)) {
    return (await scaleReplicaSetAndRecordEvent(ctx, newRS, specReplicas(d), d)).scaled;
  }
  const count = newRSNewReplicas(d, allRSs, newRS);
  return (await scaleReplicaSetAndRecordEvent(ctx, newRS, count, d)).scaled;
}

async function reconcileOldReplicaSets(
  ctx: SyncContext,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const allPodsCount = replicaCount(allRSs);
  // Scale down no more than keeps minAvailable, counting the new RS's unavailable pods as gone
  // so that a broken new template never drains the old pods (rolling.go has the worked example).
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPodsCount - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;

  let cleaned: { oldRSs: ReplicaSet[]; count: number };
  try {
    cleaned = await cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown);
  } catch {
    return false;
  }
  let scaledDown: number;
  try {
    scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(
      ctx,
      [...cleaned.oldRSs, newRS],
      cleaned.oldRSs,
      d,
    );
  } catch {
    return false;
  }
  return cleaned.count + scaledDown > 0;
}

/** Scales old RSs down by their unavailable pods first: removing those costs no availability. */
async function cleanupUnhealthyReplicas(
  ctx: SyncContext,
  oldRSs: ReplicaSet[],
  d: Deployment,
  maxCleanupCount: number,
): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= maxCleanupCount) break;
    const rs = sorted[i];
    const available = rs.status?.availableReplicas ?? 0;
    if (specReplicas(rs) === 0 || specReplicas(rs) === available) continue;
    const down = Math.min(maxCleanupCount - total, specReplicas(rs) - available);
    const target = specReplicas(rs) - down;
    if (target > specReplicas(rs)) {
      throw new Error(
        `when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata!.namespace}/${rs.metadata!.name} ${specReplicas(rs)} -> ${target}`,
      );
    }
    const res = await scaleReplicaSetAndRecordEvent(ctx, rs, target, d);
    total += down;
    sorted[i] = res.rs;
  }
  return { oldRSs: sorted, count: total };
}

async function scaleDownOldReplicaSetsForRollingUpdate(
  ctx: SyncContext,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<number> {
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  const totalToScaleDown = available - minAvailable;
  for (const rs of sorted) {
    if (total >= totalToScaleDown) break;
    if (specReplicas(rs) === 0) continue;
    const down = Math.min(specReplicas(rs), totalToScaleDown - total);
    await scaleReplicaSetAndRecordEvent(ctx, rs, specReplicas(rs) - down, d);
    total += down;
  }
  return total;
}
