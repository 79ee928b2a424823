import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer-factory.ts";
import type { ApiClient } from "../client/interface.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { controllers } from "./all.ts";
import { defaultControllerOptions, type ControllerContext, type ControllerOptions } from "./types.ts";

export interface ControllerManagerDeps {
  client: ApiClient;
  logger: Logger;
  clock: Clock;
  options?: Partial<ControllerOptions>;
}

/** kube-controller-manager: every controller, each talking to the API server through the client. */
export class ControllerManager {
  private readonly deps: ControllerManagerDeps;

  constructor(deps: ControllerManagerDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, logger, clock } = this.deps;
    const informers = new InformerFactory(client, logger.with({ component: "informers" }));
    const base: Omit<ControllerContext, "logger"> = {
      client,
      informers,
      clock,
      recorder: (component) => new EventRecorder({ client, component, clock, logger }),
      options: { ...defaultControllerOptions, ...this.deps.options },
    };
    const running = controllers.map(({ name, create }) => {
      const c = create({ ...base, logger: logger.with({ controller: name }) });
      return { name, c };
    });
    informers.start(signal);
    await Promise.all(
      running.map(({ name, c }) =>
        c.run(signal).catch((e: unknown) => {
          if (!signal.aborted)
            logger.error("controller stopped", { controller: name, error: (e as Error).message });
        }),
      ),
    );
  }
}
