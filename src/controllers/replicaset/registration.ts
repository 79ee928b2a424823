import { refFor } from "../refs.ts";
import type { ControllerContext, ControllerRegistration } from "../types.ts";
import { replicaSetKind, replicationControllerKind, type ReplicaSetKind } from "./kinds.ts";
import { ReplicaSetController } from "./replica-set-controller.ts";

function build(ctx: ControllerContext, kind: ReplicaSetKind): ReplicaSetController {
  return new ReplicaSetController({
    kind,
    client: ctx.client,
    podInformer: ctx.informers.for(refFor("", "pods")),
    rsInformer: ctx.informers.for(kind.ref),
    clock: ctx.clock,
    logger: ctx.logger,
    recorder: ctx.recorder(kind.component),
  });
}

/** The "replicaset" and "replicationcontroller" controllers of kube-controller-manager. */
export const replicaSetControllers: ControllerRegistration[] = [
  { name: "replicaset", create: (ctx) => build(ctx, replicaSetKind) },
  { name: "replicationcontroller", create: (ctx) => build(ctx, replicationControllerKind) },
];
