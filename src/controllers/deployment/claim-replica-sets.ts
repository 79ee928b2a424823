// Adoption and orphaning of ReplicaSets by ControllerRef (deployment_controller.go
// getReplicaSetsForDeployment), with an uncached deletion recheck before the first adoption.
import type { LabelSelector } from "../../apimachinery/selectors/index.ts";
import { ControllerRefManager, recheckDeletionTimestamp } from "../util/index.ts";
import { deploymentsRef, replicaSetsRef, type SyncContext } from "./context.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

/** The RSs this deployment should manage: owned ones that match, plus orphans it adopts. */
export async function claimReplicaSets(
  ctx: SyncContext,
  d: Deployment,
  selector: LabelSelector,
  rsList: ReplicaSet[],
): Promise<ReplicaSet[]> {
  const m = d.metadata!;
  const manager = new ControllerRefManager({
    client: ctx.client,
    controller: d,
    controllerApiVersion: "apps/v1",
    controllerKind: "Deployment",
    selector,
    childRef: replicaSetsRef,
    childKind: "ReplicaSet",
    canAdopt: recheckDeletionTimestamp(d, "Deployment", () =>
      ctx.client.get(deploymentsRef, m.namespace!, m.name!),
    ),
  });
  return (await manager.claim(rsList)) as ReplicaSet[];
}
