// pkg/controller/deployment/rollback.go: the deprecated rollbackTo annotation (extensions/v1beta1
// DeploymentRollback). kubectl's "rollout undo" patches the template itself instead.
import type { SyncContext } from "./context.ts";
import {
  deprecatedRollbackTo,
  lastRevision,
  reasons,
  revisionOf,
  setDeploymentAnnotationsTo,
} from "./deployment-util.ts";
import { equalIgnoreHash, podTemplateHashLabel } from "../util/pod-template-hash.ts";
import { updateDeployment } from "./status-writer.ts";
import { getAllReplicaSetsAndSyncRevision } from "./sync.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

export function getRollbackTo(d: Deployment): number | undefined {
  const v = d.metadata?.annotations?.[deprecatedRollbackTo];
  if (!v || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

export async function rollback(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  to: number,
): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  let revision = to;
  if (revision === 0) {
    revision = lastRevision(allRSs);
    if (revision === 0) {
      ctx.recorder.event(d, "Warning", reasons.rollbackRevisionNotFound, "Unable to find last revision.");
      return clearRollbackTo(ctx, d);
    }
  }
  for (const rs of allRSs) {
    if (revisionOf(rs) !== revision) continue;
    const performed = await rollbackToTemplate(ctx, d, rs);
    if (performed) {
      ctx.recorder.event(
        d,
        "Normal",
        reasons.rollbackDone,
        `Rolled back deployment "${d.metadata!.name}" to revision ${revision}`,
      );
    }
    return;
  }
  ctx.recorder.event(
    d,
    "Warning",
    reasons.rollbackRevisionNotFound,
    "Unable to find the revision to rollback to.",
  );
  return clearRollbackTo(ctx, d);
}

async function rollbackToTemplate(ctx: SyncContext, d: Deployment, rs: ReplicaSet): Promise<boolean> {
  let performed = false;
  if (!equalIgnoreHash(d.spec.template, rs.spec.template)) {
    const template = structuredClone(rs.spec.template ?? {});
    if (template.metadata?.labels) delete template.metadata.labels[podTemplateHashLabel];
    d.spec.template = template;
    // The RS's annotations (e.g. change-cause) travel back with its template.
    setDeploymentAnnotationsTo(d, rs);
    performed = true;
  } else {
    ctx.recorder.event(
      d,
      "Warning",
      reasons.rollbackTemplateUnchanged,
      `The rollback revision contains the same template as current deployment "${d.metadata!.name}"`,
    );
  }
  await clearRollbackTo(ctx, d);
  return performed;
}

async function clearRollbackTo(ctx: SyncContext, d: Deployment): Promise<void> {
  if (d.metadata?.annotations) delete d.metadata.annotations[deprecatedRollbackTo];
  await updateDeployment(ctx, d);
}
