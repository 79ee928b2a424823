import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { IngressController } from "./ingress-controller.ts";

export const ingressController: ControllerRegistration = {
  name: "ingress",
  create: (ctx) =>
    new IngressController({
      client: ctx.client,
      ingresses: ctx.informers.for(refFor("networking.k8s.io", "ingresses")),
      classes: ctx.informers.for(refFor("networking.k8s.io", "ingressclasses")),
      services: ctx.informers.for(refFor("", "services")),
      secrets: ctx.informers.for(refFor("", "secrets")),
      nodes: ctx.informers.for(refFor("", "nodes")),
      logger: ctx.logger,
      recorder: ctx.recorder("skiff-ingress-controller"),
    }),
};
