import type { ControllerContext } from "../controllers/types.ts";
import { refFor } from "../controllers/refs.ts";
import { defaultSchedulerName, Scheduler } from "./scheduler.ts";

export { Scheduler, type SchedulerDeps } from "./scheduler.ts";

/** The scheduler as `skiff server` runs it, beside the controllers and on their shared informers. */
export function newScheduler(ctx: ControllerContext): Scheduler {
  return new Scheduler({
    client: ctx.client,
    pods: ctx.informers.for(refFor("", "pods")),
    nodes: ctx.informers.for(refFor("", "nodes")),
    volumes: {
      claims: ctx.informers.for(refFor("", "persistentvolumeclaims")),
      volumes: ctx.informers.for(refFor("", "persistentvolumes")),
      classes: ctx.informers.for(refFor("storage.k8s.io", "storageclasses")),
    },
    clock: ctx.clock,
    logger: ctx.logger,
    recorder: ctx.recorder(defaultSchedulerName),
  });
}
