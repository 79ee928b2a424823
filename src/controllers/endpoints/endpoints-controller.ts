import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { canonical } from "./canonical.ts";
import {
  findPort,
  HEADLESS_LABEL,
  isPodReady,
  LAST_CHANGE_TRIGGER_TIME,
  namespaceIndex,
  podHostname,
  podIPv4,
  selectorMatches,
  serviceSelector,
  shouldPodBeInEndpoints,
  targetRefOf,
  TOLERATE_UNREADY_ANNOTATION,
} from "./pod-endpoints.ts";
import { onPodChangesForServices, servicesSelecting } from "./service-pods.ts";
import { repackSubsets, type AddressEntry } from "./repack-subsets.ts";
import { TriggerTimeTracker } from "./trigger-time-tracker.ts";

export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";
const endpointsRef = refFor("", "endpoints");

export interface EndpointsControllerDeps {
  client: ApiClient;
  services: SharedInformer;
  pods: SharedInformer;
  endpoints: SharedInformer;
  logger: Logger;
  recorder: Pick<EventRecorder, "event">;
  workers?: number;
  /** Addresses kept per Endpoints object before truncation (upstream: 1000). */
  maxCapacity?: number;
}

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;

/**
 * Keeps an Endpoints object per Service with a selector: the IPs of the selected pods, ready or
 * not, and the container ports the service ports reach on them (pkg/controller/endpoint).
 */
export class EndpointsController {
  private readonly deps: EndpointsControllerDeps;
  readonly queue = new WorkQueue();
  private readonly triggers = new TriggerTimeTracker();

  constructor(deps: EndpointsControllerDeps) {
    this.deps = deps;
    deps.services.addIndexer("namespace", namespaceIndex);
    deps.pods.addIndexer("namespace", namespaceIndex);
    const enqueueService = (s: KObject) => this.queue.add(key(s));
    deps.services.on({ add: enqueueService, update: enqueueService, delete: enqueueService });
    onPodChangesForServices(deps.pods, deps.services, (s) => this.queue.add(key(s)));
    // A deleted Endpoints object of a selector Service is made again.
    deps.endpoints.on({
      delete: (ep) => {
        if (deps.services.get(key(ep))) this.queue.add(key(ep));
      },
    });
  }

  /** The selector Services in the pod's namespace that select it (getPodServiceMemberships). */
  servicesFor(pod: KObject): KObject[] {
    return servicesSelecting(this.deps.services, pod);
  }

  async run(signal: AbortSignal): Promise<void> {
    const { services, pods, endpoints } = this.deps;
    await Promise.all([services.waitForSync(), pods.waitForSync(), endpoints.waitForSync()]);
    await runWorkers(
      this.queue,
      this.deps.workers ?? 5,
      (k) => this.sync(k),
      signal,
      (k, err) =>
        this.deps.logger.warn("endpoints sync failed", { service: k, error: (err as Error).message }),
    );
  }

  async sync(serviceKey: string): Promise<void> {
    const [namespace, name] = serviceKey.split("/");
    const { client, services } = this.deps;
    const svc = services.get(serviceKey);
    if (!svc) {
      this.triggers.forget(serviceKey);
      try {
        await client.delete(endpointsRef, namespace, name);
      } catch (e) {
        if (!isCode(e, 404)) throw e;
      }
      return;
    }
    const spec: any = svc.spec ?? {};
    // ExternalName and selectorless Services get nothing from this controller; their Endpoints are the user's.
    if (spec.type === "ExternalName") return;
    const selector = serviceSelector(svc);
    if (!selector) return;

    const pods = this.deps.pods
      .byIndex("namespace", namespace)
      .filter((p) => selectorMatches(selector, p.metadata?.labels));
    const tolerate =
      spec.publishNotReadyAddresses === true ||
      String(svc.metadata?.annotations?.[TOLERATE_UNREADY_ANNOTATION] ?? "").toLowerCase() === "true";
    const entries: AddressEntry[] = [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
      const address: Record<string, any> = { ip: podIPv4(pod) };
      const hostname = podHostname(pod, svc);
      if (hostname) address.hostname = hostname;
      const nodeName = (pod.spec as any)?.nodeName;
      if (nodeName) address.nodeName = nodeName;
      address.targetRef = targetRefOf(pod);
      const ready = tolerate || isPodReady(pod);
      const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
      if (!ports.length) {
        if (spec.clusterIP === "None") entries.push({ address, ready });
        continue;
      }
      for (const sp of ports) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const ep: Record<string, any> = { port, protocol: sp.protocol ?? "TCP" };
        if (sp.name) ep.name = sp.name;
        if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
        entries.push({ address, ready, port: ep });
      }
    }
    const triggerTime = this.triggers.compute(serviceKey, svc, pods);
    let subsets = repackSubsets(entries);
    const truncated = this.truncate(subsets);
    subsets = truncated.subsets;

    const current = this.deps.endpoints.get(serviceKey);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (!spec.clusterIP || spec.clusterIP === "None") labels[HEADLESS_LABEL] = "";
    const overCapacity = truncated.over ? "truncated" : undefined;
    if (
      current &&
      canonical((current as any).subsets ?? []) === canonical(subsets) &&
      canonical(current.metadata?.labels ?? {}) === canonical(labels) &&
      current.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] === overCapacity
    )
      return;

    const next: any = current
      ? structuredClone(current)
      : { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace } };
    next.metadata.labels = labels;
    const annotations: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
    if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = triggerTime;
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (overCapacity) annotations[OVER_CAPACITY_ANNOTATION] = overCapacity;
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (Object.keys(annotations).length) next.metadata.annotations = annotations;
    else delete next.metadata.annotations;
    if (subsets.length) next.subsets = subsets;
    else delete next.subsets;

    const verb = current ? "update" : "create";
    try {
      if (current) await client.update(endpointsRef, namespace, name, next);
      else await client.create(endpointsRef, namespace, next);
    } catch (e) {
      // A namespace being deleted takes its Endpoints with it; nothing to retry.
      if (!current && isCode(e, 403) && /being terminated/.test((e as Error).message)) return;
      this.deps.recorder.event(
        svc,
        "Warning",
        verb === "create" ? "FailedToCreateEndpoint" : "FailedToUpdateEndpoint",
        `Failed to ${verb} endpoint for service ${namespace}/${name}: ${(e as Error).message}`,
      );
      throw e;
    }
  }

  /** Keeps at most maxCapacity addresses, ready ones first (endpoints_controller.go truncateEndpoints). */
  private truncate(subsets: any[]): { subsets: any[]; over: boolean } {
    const max = this.deps.maxCapacity ?? 1000;
    const total = subsets.reduce(
      (n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0),
      0,
    );
    if (total <= max) return { subsets, over: false };
    let room = max;
    const out = subsets.map((s) => ({ ...s }));
    for (const field of ["addresses", "notReadyAddresses"]) {
      for (const s of out) {
        if (!s[field]) continue;
        s[field] = s[field].slice(0, room);
        room -= s[field].length;
        if (!s[field].length) delete s[field];
      }
    }
    return { subsets: out.filter((s) => s.addresses || s.notReadyAddresses), over: true };
  }
}

function key(o: KObject): string {
  return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}
