import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { DaemonSetController } from "./daemonset-controller.ts";

export const daemonSetController: ControllerRegistration = {
  name: "daemonset",
  create: (ctx) =>
    new DaemonSetController({
      client: ctx.client,
      daemonSets: ctx.informers.for(refFor("apps", "daemonsets")),
      pods: ctx.informers.for(refFor("", "pods")),
      nodes: ctx.informers.for(refFor("", "nodes")),
      revisions: ctx.informers.for(refFor("apps", "controllerrevisions")),
      clock: ctx.clock,
      logger: ctx.logger,
      recorder: ctx.recorder("daemonset-controller"),
    }),
};
