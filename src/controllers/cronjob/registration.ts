import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { CronJobController } from "./cronjob-controller.ts";

export const cronJobController: ControllerRegistration = {
  name: "cronjob",
  create: (ctx) =>
    new CronJobController({
      client: ctx.client,
      cronJobs: ctx.informers.for(refFor("batch", "cronjobs")),
      jobs: ctx.informers.for(refFor("batch", "jobs")),
      clock: ctx.clock,
      logger: ctx.logger,
      recorder: ctx.recorder("cronjob-controller"),
    }),
};
