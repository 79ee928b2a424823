import type { ControllerRegistration } from "../types.ts";
import { refFor } from "../refs.ts";
import { NodeLifecycleController, podNodeNameIndex } from "./node-lifecycle-controller.ts";
import { TaintEvictionController } from "./taint-eviction-controller.ts";

/** The node lifecycle controller and, beside it, the taint eviction controller it relies on. */
function newNodeLifecycle(
  ctx: Parameters<ControllerRegistration["create"]>[0],
): ReturnType<ControllerRegistration["create"]> {
  const nodes = ctx.informers.for(refFor("", "nodes"));
  const pods = ctx.informers.for(refFor("", "pods"));
  const leases = ctx.informers.for(refFor("coordination.k8s.io", "leases"));
  const lifecycle = new NodeLifecycleController({
    client: ctx.client,
    nodes,
    pods,
    leases,
    clock: ctx.clock,
    logger: ctx.logger,
    recorder: ctx.recorder("node-controller"),
    options: { nodeMonitorGracePeriodMs: ctx.options.nodeMonitorGracePeriodMs },
  });
  const eviction = new TaintEvictionController({
    client: ctx.client,
    nodes,
    pods,
    clock: ctx.clock,
    logger: ctx.logger.with({ component: "taint-eviction-controller" }),
    recorder: ctx.recorder("taint-eviction-controller"),
    podNodeNameIndex,
  });
  return {
    run: async (signal) => {
      await Promise.all([lifecycle.run(signal), eviction.run(signal)]);
    },
  };
}

export const nodeLifecycleController: ControllerRegistration = {
  name: "nodelifecycle",
  create: newNodeLifecycle,
};
