import type { Logger } from "../util/logger.ts";
import { Informer } from "./informer.ts";
import type { ApiClient, SharedInformer } from "./interface.ts";
import type { ResourceRef } from "./rest-client.ts";

/** One informer per resource, shared by every controller that asks (client-go's SharedInformerFactory). */
export class InformerFactory {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly informers = new Map<string, Informer>();
  private started?: AbortSignal;

  constructor(client: ApiClient, logger: Logger) {
    this.client = client;
    this.logger = logger;
  }

  for(ref: ResourceRef): SharedInformer {
    const key = `${ref.group}/${ref.resource}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer({ client: this.client, ref, logger: this.logger });
      this.informers.set(key, inf);
      if (this.started) void inf.run(this.started);
    }
    return inf;
  }

  /** Starts every informer asked for so far, and any asked for later. */
  start(signal: AbortSignal): void {
    this.started = signal;
    for (const inf of this.informers.values()) void inf.run(signal);
  }
}
