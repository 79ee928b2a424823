import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { EndpointSliceMirroringController } from "./mirroring-controller.ts";

export const endpointSliceMirroringController: ControllerRegistration = {
  name: "endpointslicemirroring",
  create: (ctx) =>
    new EndpointSliceMirroringController({
      client: ctx.client,
      services: ctx.informers.for(refFor("", "services")),
      endpoints: ctx.informers.for(refFor("", "endpoints")),
      slices: ctx.informers.for(refFor("discovery.k8s.io", "endpointslices")),
      logger: ctx.logger,
    }),
};
