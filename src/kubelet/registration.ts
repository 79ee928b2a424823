import { refFor } from "../controllers/refs.ts";
import type { ControllerRegistration } from "../controllers/types.ts";
import { SimulatedNodeAgent } from "./node-agent.ts";

/** The simulated node agent runs inside `skiff server` beside the controllers, on the same informers. */
export const simulatedNodesAgent: ControllerRegistration = {
  name: "simulated-nodes",
  create: (ctx) =>
    new SimulatedNodeAgent({
      client: ctx.client,
      nodes: ctx.informers.for(refFor("", "nodes")),
      pods: ctx.informers.for(refFor("", "pods")),
      clock: ctx.clock,
      logger: ctx.logger,
      kubelets: ctx.kubelets,
      // The kubelet renews every 10s, a quarter of the 40s grace period; a shorter grace period
      // (tests) renews as much more often, or healthy nodes would flap between renewals.
      options: { renewIntervalMs: Math.min(10_000, Math.max(250, ctx.options.nodeMonitorGracePeriodMs / 4)) },
    }),
};
