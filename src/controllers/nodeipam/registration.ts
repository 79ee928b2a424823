import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { NodeIpamController } from "./node-ipam-controller.ts";

export const nodeIpamController: ControllerRegistration = {
  name: "nodeipam",
  create: (ctx) =>
    new NodeIpamController({
      client: ctx.client,
      nodes: ctx.informers.for(refFor("", "nodes")),
      logger: ctx.logger,
      recorder: ctx.recorder("node-controller"),
      clusterCidr: ctx.options.clusterCidr,
    }),
};
