import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { ServiceLbController } from "./service-lb-controller.ts";

export const serviceLbController: ControllerRegistration = {
  name: "service-lb",
  create: (ctx) =>
    new ServiceLbController({
      client: ctx.client,
      services: ctx.informers.for(refFor("", "services")),
      nodes: ctx.informers.for(refFor("", "nodes")),
      logger: ctx.logger,
      recorder: ctx.recorder("service-lb-controller"),
      pool: ctx.options.serviceLbPool,
    }),
};
