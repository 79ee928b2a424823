import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { JobController } from "./job-controller.ts";
import { TtlAfterFinishedController } from "./ttl-after-finished-controller.ts";

/** "job" and "ttl-after-finished" (a controller of its own upstream). */
export const jobControllers: ControllerRegistration[] = [
  {
    name: "job",
    create: (ctx) =>
      new JobController({
        client: ctx.client,
        jobs: ctx.informers.for(refFor("batch", "jobs")),
        pods: ctx.informers.for(refFor("", "pods")),
        clock: ctx.clock,
        logger: ctx.logger,
        recorder: ctx.recorder("job-controller"),
      }),
  },
  {
    name: "ttl-after-finished",
    create: (ctx) =>
      new TtlAfterFinishedController({
        client: ctx.client,
        jobs: ctx.informers.for(refFor("batch", "jobs")),
        clock: ctx.clock,
        logger: ctx.logger,
      }),
  },
];
