import type { KObject } from "../../apimachinery/meta.ts";
import { deploymentsRef, replicaSetsRef, type SyncContext } from "./context.ts";
import { revisionAnnotation } from "./deployment-util.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

/**
 * UpdateStatus of the deployment. Upstream's deployment status strategy keeps annotation changes
 * made with a status write (pkg/registry/apps/deployment/strategy.go), which is how the revision
 * annotation reaches the deployment; if this server dropped it, it is set with a metadata patch.
 * The deployment copy takes the new resourceVersion so later writes in this sync do not conflict.
 */
export async function updateDeploymentStatus(ctx: SyncContext, d: Deployment): Promise<Deployment> {
  const meta = d.metadata!;
  let res: KObject = await ctx.client.update(
    deploymentsRef,
    meta.namespace!,
    meta.name!,
    structuredClone(d),
    "status",
  );
  const want = meta.annotations?.[revisionAnnotation];
  if (want !== undefined && res.metadata?.annotations?.[revisionAnnotation] !== want) {
    res = await ctx.client.patch(deploymentsRef, meta.namespace!, meta.name!, {
      metadata: {
        annotations: { [revisionAnnotation]: want },
        resourceVersion: res.metadata?.resourceVersion,
      },
    });
  }
  meta.resourceVersion = res.metadata?.resourceVersion;
  return res as Deployment;
}

export async function updateDeployment(ctx: SyncContext, d: Deployment): Promise<Deployment> {
  const meta = d.metadata!;
  const res = await ctx.client.update(deploymentsRef, meta.namespace!, meta.name!, structuredClone(d));
  meta.resourceVersion = res.metadata?.resourceVersion;
  return res as Deployment;
}

export async function updateReplicaSet(ctx: SyncContext, rs: ReplicaSet): Promise<ReplicaSet> {
  const meta = rs.metadata!;
  return (await ctx.client.update(replicaSetsRef, meta.namespace!, meta.name!, rs)) as ReplicaSet;
}
