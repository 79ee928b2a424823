// pkg/controller/deployment/recreate.go: all old pods gone before any new one starts.
import type { SyncContext } from "./context.ts";
import { actualReplicaCount, deploymentComplete, filterActive, specReplicas } from "./deployment-util.ts";
import { syncRolloutStatus } from "./progress.ts";
import {
  cleanupDeployment,
  getAllReplicaSetsAndSyncRevision,
  scaleReplicaSetAndRecordEvent,
} from "./sync.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

export interface PodLike {
  status?: { phase?: string };
}

export async function rolloutRecreate(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  podMap: Map<string, PodLike[]>,
): Promise<void> {
  // No new RS yet: creating it before the old pods are gone would scale up before scaling down.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  let allRSs = [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if ((await scaleReplicaSetAndRecordEvent(ctx, rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ctx, allRSs, newRS, d);

  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(ctx, allRSs, newRS, d);

  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await scaleReplicaSetAndRecordEvent(ctx, newRS!, specReplicas(d), d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(ctx, oldRSs, d);
  return syncRolloutStatus(ctx, allRSs, newRS, d);
}

/** Old RSs still report pods, or a pod of an old RS is not in a terminal phase. */
export function oldPodsRunning(
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
  podMap: Map<string, PodLike[]>,
): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") continue;
      return true;
    }
  }
  return false;
}
