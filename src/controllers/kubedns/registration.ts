import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { KubeDnsController } from "./kube-dns-controller.ts";

export const kubeDnsController: ControllerRegistration = {
  name: "kube-dns",
  create: (ctx) =>
    new KubeDnsController({
      client: ctx.client,
      nodes: ctx.informers.for(refFor("", "nodes")),
      logger: ctx.logger,
      clusterIP: ctx.options.clusterDNS,
    }),
};
