import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { StatefulSetController } from "./statefulset-controller.ts";

export const statefulSetController: ControllerRegistration = {
  name: "statefulset",
  create: (ctx) =>
    new StatefulSetController({
      client: ctx.client,
      statefulSets: ctx.informers.for(refFor("apps", "statefulsets")),
      pods: ctx.informers.for(refFor("", "pods")),
      revisions: ctx.informers.for(refFor("apps", "controllerrevisions")),
      claims: ctx.informers.for(refFor("", "persistentvolumeclaims")),
      clock: ctx.clock,
      logger: ctx.logger,
      recorder: ctx.recorder("statefulset-controller"),
    }),
};
