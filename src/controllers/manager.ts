import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { EventRecorder } from "../client/event-recorder.ts";
import type { KubeletConnections } from "../apiserver/kubelet-connections.ts";
import { InformerFactory } from "../client/informer-factory.ts";
import type { ApiClient } from "../client/interface.ts";
import { LeaderElector } from "../client/leader-election.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import { controllers as allControllers } from "./all.ts";
import { identityFor, type ComponentIdentity } from "./identities.ts";
import { refFor } from "./refs.ts";
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
  /**
   * A client acting as the given component (`identities.ts`). Without it every controller uses
   * `client`; with it, `client` is the manager's own (system:kube-controller-manager).
   */
  clientFor?: (identity: ComponentIdentity) => ApiClient;
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
    const groups: Array<{ lease: string; regs: ControllerRegistration[]; client: ApiClient }> = [
      {
        lease: "kube-scheduler",
        regs: registrations.filter((r) => r.name === "scheduler"),
        client: this.clientOf("scheduler"),
      },
      {
        lease: "kube-controller-manager",
        regs: registrations.filter((r) => r.name !== "scheduler"),
        client,
      },
    ];
    await Promise.all(
      groups
        .filter((g) => g.regs.length)
        .map(async ({ lease, regs, client }) => {
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
    const { logger, clock } = this.deps;
    void this.ensureServiceAccounts(regs, signal);
    const base = {
      informers,
      clock,
      options: { ...defaultControllerOptions, ...this.deps.options },
      kubelets: this.deps.kubelets,
    };
    await Promise.all(
      regs.map(({ name, create }) => {
        const client = this.clientOf(name);
        const ctx: ControllerContext = {
          ...base,
          client,
          recorder: (component) => new EventRecorder({ client, component, clock, logger }),
          logger: logger.with({ controller: name }),
        };
        return create(ctx)
          .run(signal)
          .catch((e: unknown) => {
            if (!signal.aborted)
              logger.error("controller stopped", { controller: name, error: (e as Error).message });
          });
      }),
    );
  }

  private readonly clients = new Map<string, ApiClient>();

  private clientOf(registration: string): ApiClient {
    const { clientFor, client } = this.deps;
    if (!clientFor) return client;
    const identity = identityFor(registration);
    let c = this.clients.get(identity.name);
    if (!c) this.clients.set(identity.name, (c = clientFor(identity)));
    return c;
  }

  /**
   * Upstream's controller manager creates the service account a controller acts as when it is
   * missing, so `kubectl get sa -n kube-system` lists them. The in-process identity does not
   * wait for it.
   */
  private async ensureServiceAccounts(regs: ControllerRegistration[], signal: AbortSignal): Promise<void> {
    if (!this.deps.clientFor) return;
    const ref = refFor("", "serviceaccounts");
    const names = new Set(regs.map((r) => identityFor(r.name).serviceAccount).filter((n) => n !== undefined));
    for (const name of names) {
      if (signal.aborted) return;
      try {
        await this.deps.client.get(ref, "kube-system", name);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) continue;
        await this.deps.client
          .create(ref, "kube-system", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } })
          .catch((err: unknown) => {
            if (!(err instanceof StatusError && err.code === 409))
              this.deps.logger.warn("service account not created", { name, error: (err as Error).message });
          });
      }
    }
  }
}
