import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { PodGCController } from "./pod-gc-controller.ts";

export const podGCController: ControllerRegistration = {
  name: "podgc",
  create: (ctx) =>
    new PodGCController({
      client: ctx.client,
      pods: ctx.informers.for(refFor("", "pods")),
      nodes: ctx.informers.for(refFor("", "nodes")),
      clock: ctx.clock,
      logger: ctx.logger,
    }),
};
