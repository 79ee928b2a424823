import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { DisruptionController } from "./disruption-controller.ts";

export const disruptionController: ControllerRegistration = {
  name: "disruption",
  create: (ctx) =>
    new DisruptionController({
      client: ctx.client,
      budgets: ctx.informers.for(refFor("policy", "poddisruptionbudgets")),
      pods: ctx.informers.for(refFor("", "pods")),
      replicaSets: ctx.informers.for(refFor("apps", "replicasets")),
      replicationControllers: ctx.informers.for(refFor("", "replicationcontrollers")),
      deployments: ctx.informers.for(refFor("apps", "deployments")),
      statefulSets: ctx.informers.for(refFor("apps", "statefulsets")),
      clock: ctx.clock,
      logger: ctx.logger,
      recorder: ctx.recorder("controllermanager"),
    }),
};
