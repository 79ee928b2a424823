import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { EndpointSliceController } from "./endpointslice-controller.ts";

export const endpointSliceController: ControllerRegistration = {
  name: "endpointslice",
  create: (ctx) =>
    new EndpointSliceController({
      client: ctx.client,
      services: ctx.informers.for(refFor("", "services")),
      pods: ctx.informers.for(refFor("", "pods")),
      slices: ctx.informers.for(refFor("discovery.k8s.io", "endpointslices")),
      logger: ctx.logger,
      recorder: ctx.recorder("endpointslice-controller"),
    }),
};
