import type { ControllerRegistration } from "../types.ts";
import { DeploymentController } from "./deployment-controller.ts";

export const deploymentController: ControllerRegistration = {
  name: "deployment",
  create: (ctx) =>
    new DeploymentController({
      client: ctx.client,
      informers: ctx.informers,
      clock: ctx.clock,
      logger: ctx.logger,
      recorder: ctx.recorder("deployment-controller"),
    }),
};
