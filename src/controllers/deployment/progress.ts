// pkg/controller/deployment/progress.go: the Progressing condition during a rollout.
import type { SyncContext } from "./context.ts";
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  reasons,
  removeCondition,
  replicaSetToDeploymentCondition,
  setCondition,
} from "./deployment-util.ts";
import { calculateStatus, nowString, statusEqual } from "./sync.ts";
import { updateDeploymentStatus } from "./status-writer.ts";
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from "./types.ts";

export async function syncRolloutStatus(
  ctx: SyncContext,
  allRSs: Array<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const newStatus = calculateStatus(ctx, allRSs, newRS, d);
  if (!hasProgressDeadline(d)) removeCondition(newStatus, "Progressing");

  const currentCond = getCondition(d.status, "Progressing");
  const isCompleteDeployment =
    (newStatus.replicas ?? 0) === (newStatus.updatedReplicas ?? 0) &&
    currentCond?.reason === reasons.newRSAvailable;
  if (hasProgressDeadline(d) && !isCompleteDeployment) {
    const now = nowString(ctx);
    const rsName = newRS?.metadata?.name;
    if (deploymentComplete(d, newStatus)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has successfully progressed.`
        : `Deployment "${d.metadata!.name}" has successfully progressed.`;
      setCondition(newStatus, newCondition("Progressing", "True", reasons.newRSAvailable, msg, now));
    } else if (deploymentProgressing(d, newStatus)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" is progressing.`
        : `Deployment "${d.metadata!.name}" is progressing.`;
      // Progress refreshes lastUpdateTime even with the same reason; lastTransitionTime stays while True.
      const condition = newCondition("Progressing", "True", reasons.replicaSetUpdated, msg, now);
      if (currentCond) {
        if (currentCond.status === "True") condition.lastTransitionTime = currentCond.lastTransitionTime;
        removeCondition(newStatus, "Progressing");
      }
      setCondition(newStatus, condition);
    } else if (deploymentTimedOut(d, newStatus, ctx.clock.now())) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has timed out progressing.`
        : `Deployment "${d.metadata!.name}" has timed out progressing.`;
      setCondition(newStatus, newCondition("Progressing", "False", reasons.timedOut, msg, now));
    }
  }

  const failures = replicaFailures(allRSs, newRS);
  if (failures.length > 0) setCondition(newStatus, failures[0]);
  else removeCondition(newStatus, "ReplicaFailure");

  if (statusEqual(d.status, newStatus)) {
    requeueStuckDeployment(ctx, d, newStatus);
    return;
  }
  d.status = newStatus;
  await updateDeploymentStatus(ctx, d);
}

function replicaFailures(
  allRSs: Array<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const of = (rs: ReplicaSet | undefined) =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === "ReplicaFailure")
      .map(replicaSetToDeploymentCondition);
  const fromNew = of(newRS);
  if (fromNew.length) return fromNew;
  return allRSs.flatMap(of);
}

/**
 * A rollout that shows no progress is looked at again when its deadline passes (the clock's
 * time, not a resync). Returns the delay in ms, 0 for now, -1 for never.
 */
export function requeueStuckDeployment(ctx: SyncContext, d: Deployment, newStatus: DeploymentStatus): number {
  const cond = getCondition(d.status, "Progressing");
  if (!hasProgressDeadline(d) || !cond) return -1;
  if (deploymentComplete(d, newStatus) || cond.reason === reasons.timedOut) return -1;
  const after =
    Date.parse(cond.lastUpdateTime ?? "") +
    d.spec.progressDeadlineSeconds! * 1000 -
    ctx.clock.now().getTime();
  if (after < 1000) {
    ctx.enqueueRateLimited(d);
    return 0;
  }
  // A second more so that the deadline has surely passed when it runs.
  ctx.enqueueAfter(d, after + 1000);
  return after;
}
