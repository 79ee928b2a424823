import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { EndpointsController } from "./endpoints-controller.ts";

export const endpointsController: ControllerRegistration = {
  name: "endpoints",
  create: (ctx) =>
    new EndpointsController({
      client: ctx.client,
      services: ctx.informers.for(refFor("", "services")),
      pods: ctx.informers.for(refFor("", "pods")),
      endpoints: ctx.informers.for(refFor("", "endpoints")),
      logger: ctx.logger,
      recorder: ctx.recorder("endpoint-controller"),
    }),
};
