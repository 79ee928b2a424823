import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import type { Clock } from "../util/clock.ts";
import { rfc3339 } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { ApiClient } from "./interface.ts";
import type { ResourceRef } from "./rest-client.ts";
import { EventCorrelator } from "./event-correlator.ts";

const eventsRef: ResourceRef = { group: "", version: "v1", resource: "events", namespaced: true };

/**
 * client-go's event recorder: core/v1 Events about an object, with repeats folded into one Event
 * whose count rises, similar ones combined and storms dropped (tools/record, EventCorrelator).
 */
export class EventRecorder {
  private readonly client: ApiClient;
  private readonly component: string;
  private readonly clock: Clock;
  private readonly logger?: Logger;
  private readonly correlator = new EventCorrelator();
  private readonly seen = new Map<
    string,
    { name: string; namespace: string; count: number; first: string }
  >();

  constructor(deps: { client: ApiClient; component: string; clock: Clock; logger?: Logger; host?: string }) {
    this.client = deps.client;
    this.component = deps.component;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  /**
   * Records without waiting; failures are logged, never thrown (events are best effort). `at` names
   * a part of the object (fieldPath, e.g. "spec.containers{app}") and the reporting host.
   */
  event(
    obj: KObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    at?: { fieldPath?: string; host?: string },
  ): void {
    this.record(obj, type, reason, message, at).catch((e: unknown) =>
      this.logger?.debug("event not recorded", { reason, error: (e as Error).message }),
    );
  }

  async record(
    obj: KObject,
    type: "Normal" | "Warning",
    reason: string,
    original: string,
    at: { fieldPath?: string; host?: string } = {},
  ): Promise<void> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || "default";
    const correlated = this.correlator.correlate(
      {
        objectKey: `${this.component}|${at.host ?? ""}|${obj.kind}|${m.namespace}|${m.name}|${m.uid}|${at.fieldPath ?? ""}`,
        type,
        reason,
        message: original,
      },
      this.clock.now().getTime(),
    );
    if (correlated.skip) return;
    const message = correlated.message;
    const key = correlated.dedupeKey;
    const now = rfc3339(this.clock.now());
    const prior = this.seen.get(key);
    if (prior) {
      prior.count++;
      try {
        await this.client.patch(eventsRef, prior.namespace, prior.name, {
          count: prior.count,
          lastTimestamp: now,
        });
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    const name = `${m.name}.${(this.clock.now().getTime() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind,
        namespace: m.namespace,
        name: m.name,
        uid: m.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: m.resourceVersion,
        ...(at.fieldPath ? { fieldPath: at.fieldPath } : {}),
      },
      reason,
      message,
      source: at.host ? { component: this.component, host: at.host } : { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: at.host ?? "",
    };
    await this.client.create(eventsRef, namespace, event);
    this.seen.set(key, { name, namespace, count: 1, first: now });
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
  }
}
