import type { RestClient } from "../client/rest-client.ts";
import type { Logger } from "../util/logger.ts";
import { GarbageCollector } from "./garbagecollector/garbage-collector.ts";
import { NamespaceController } from "./namespace/namespace-controller.ts";

export interface ControllerManagerDeps {
  client: RestClient;
  logger: Logger;
}

/** kube-controller-manager: every controller, each talking to the API server through the client. */
export class ControllerManager {
  private readonly deps: ControllerManagerDeps;

  constructor(deps: ControllerManagerDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, logger } = this.deps;
    const controllers = [
      {
        name: "namespace",
        c: new NamespaceController({ client, logger: logger.with({ controller: "namespace" }) }),
      },
      {
        name: "garbagecollector",
        c: new GarbageCollector({ client, logger: logger.with({ controller: "garbagecollector" }) }),
      },
    ];
    await Promise.all(
      controllers.map(({ name, c }) =>
        c.run(signal).catch((e: unknown) => {
          if (!signal.aborted)
            logger.error("controller stopped", { controller: name, error: (e as Error).message });
        }),
      ),
    );
  }
}
