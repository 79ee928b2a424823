import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { ResourceQuotaController } from "./resourcequota-controller.ts";

export const resourceQuotaController: ControllerRegistration = {
  name: "resourcequota",
  create: (ctx) =>
    new ResourceQuotaController({
      client: ctx.client,
      quotas: ctx.informers.for(refFor("", "resourcequotas")),
      pods: ctx.informers.for(refFor("", "pods")),
      services: ctx.informers.for(refFor("", "services")),
      claims: ctx.informers.for(refFor("", "persistentvolumeclaims")),
      clock: ctx.clock,
      logger: ctx.logger,
    }),
};
