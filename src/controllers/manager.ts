import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { EventRecorder } from "../client/event-recorder.ts";
import type { KubeletConnections } from "../apiserver/kubelet-connections.ts";
import { InformerFactory } from "../client/informer-factory.ts";
import type { ApiClient } from "../client/interface.ts";
import { LeaderElector } from "../client/leader-election.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { controllers as allControllers } from "./all.ts";
import {
  defaultControllerOptions,
  type ControllerContext,
  type ControllerOptions,
  type ControllerRegistration,
} from "./types.ts";

export interface ControllerManagerDeps {
  client: ApiClient;
  logger: Logger;
  clock: Clock;
  options?: Partial<ControllerOptions>;
  /** Which controllers to run (all by default). */
  controllers?: ControllerRegistration[];
  /** Where node agents register for the API server's pods/log. */
  kubelets?: KubeletConnections;
}

/**
 * kube-controller-manager and kube-scheduler: every controller, each talking to the API server
 * through the client. Each group runs only while it holds its Lease in kube-system, so that two
 * servers on one etcd never both act.
 */
export class ControllerManager {
  private readonly deps: ControllerManagerDeps;

  constructor(deps: ControllerManagerDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, logger, clock } = this.deps;
    const registrations = this.deps.controllers ?? allControllers;
    // Informers are read-only caches: one set serves both groups, led or not.
    const informers = new InformerFactory(client, logger.with({ component: "informers" }));
    informers.start(signal);
    const identity = `${hostname()}_${randomUUID()}`;
    const groups: Array<{ lease: string; regs: ControllerRegistration[] }> = [
      { lease: "kube-scheduler", regs: registrations.filter((r) => r.name === "scheduler") },
      { lease: "kube-controller-manager", regs: registrations.filter((r) => r.name !== "scheduler") },
    ];
    await Promise.all(
      groups
        .filter((g) => g.regs.length)
        .map(async ({ lease, regs }) => {
          const log = logger.with({ lease });
          while (!signal.aborted) {
            const elector = new LeaderElector({
              client,
              clock,
              logger: log,
              lease: { namespace: "kube-system", name: lease },
              identity,
            });
            await elector.run(signal, (leading) => {
              log.info("became leader", { identity });
              return this.runControllers(regs, informers, leading);
            });
            if (!signal.aborted) log.warn("leadership lost; controllers stopped, waiting to lead again");
          }
        }),
    );
  }

  private async runControllers(
    regs: ControllerRegistration[],
    informers: InformerFactory,
    signal: AbortSignal,
  ): Promise<void> {
    const { client, logger, clock } = this.deps;
    const base: Omit<ControllerContext, "logger"> = {
      client,
      informers,
      clock,
      recorder: (component) => new EventRecorder({ client, component, clock, logger }),
      options: { ...defaultControllerOptions, ...this.deps.options },
      kubelets: this.deps.kubelets,
    };
    await Promise.all(
      regs.map(({ name, create }) =>
        create({ ...base, logger: logger.with({ controller: name }) })
          .run(signal)
          .catch((e: unknown) => {
            if (!signal.aborted)
              logger.error("controller stopped", { controller: name, error: (e as Error).message });
          }),
      ),
    );
  }
}
