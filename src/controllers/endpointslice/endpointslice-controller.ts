import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { canonical } from "../endpoints/canonical.ts";
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
} from "../endpoints/pod-endpoints.ts";
import { onPodChangesForServices } from "../endpoints/service-pods.ts";
import { TriggerTimeTracker } from "../endpoints/trigger-time-tracker.ts";
import { refFor } from "../refs.ts";
import { SliceTracker } from "./slice-tracker.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";
const slicesRef = refFor("discovery.k8s.io", "endpointslices");

export interface EndpointSliceControllerDeps {
  client: ApiClient;
  services: SharedInformer;
  pods: SharedInformer;
  slices: SharedInformer;
  logger: Logger;
  recorder: Pick<EventRecorder, "event">;
  workers?: number;
  /** --max-endpoints-per-slice (upstream default 100). */
  maxEndpointsPerSlice?: number;
}

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;
const keyOf = (o: KObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
const endpointId = (ep: any) => ep?.targetRef?.uid || ep?.addresses?.[0] || "";

/** Index of slices by the Service they belong to ("namespace/name"). */
export const serviceIndex = (o: KObject): string[] => {
  const svc = o.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${o.metadata?.namespace ?? ""}/${svc}`] : [];
};

interface Desired {
  ports: any[];
  endpoints: Map<string, any>;
}

/**
 * Keeps the EndpointSlices of each Service with a selector: IPv4 endpoints of the selected pods
 * with ready/serving/terminating conditions, at most maxEndpointsPerSlice per slice, one set of
 * slices per distinct port list (pkg/controller/endpointslice).
 */
export class EndpointSliceController {
  private readonly deps: EndpointSliceControllerDeps;
  readonly queue = new WorkQueue();
  private readonly triggers = new TriggerTimeTracker();
  private readonly tracker = new SliceTracker();

  constructor(deps: EndpointSliceControllerDeps) {
    this.deps = deps;
    deps.services.addIndexer("namespace", namespaceIndex);
    deps.pods.addIndexer("namespace", namespaceIndex);
    deps.slices.addIndexer("service", serviceIndex);
    const enqueueService = (s: KObject) => this.queue.add(keyOf(s));
    deps.services.on({ add: enqueueService, update: enqueueService, delete: enqueueService });
    onPodChangesForServices(deps.pods, deps.services, (s) => this.queue.add(keyOf(s)));
    // Someone else changing or deleting a managed slice gets it put right.
    const enqueueSlice = (s: KObject) => {
      if (s.metadata?.labels?.[MANAGED_BY_LABEL] !== CONTROLLER_NAME) return;
      for (const k of serviceIndex(s)) this.queue.add(k);
    };
    deps.slices.on({ add: enqueueSlice, update: enqueueSlice, delete: enqueueSlice });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { services, pods, slices } = this.deps;
    await Promise.all([services.waitForSync(), pods.waitForSync(), slices.waitForSync()]);
    await runWorkers(
      this.queue,
      this.deps.workers ?? 5,
      (k) => this.sync(k),
      signal,
      (k, err) =>
        this.deps.logger.warn("endpointslice sync failed", { service: k, error: (err as Error).message }),
    );
  }

  private managedSlices(serviceKey: string): KObject[] {
    return this.deps.slices
      .byIndex("service", serviceKey)
      .filter(
        (s) =>
          s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && (s as any).addressType === "IPv4",
      );
  }

  async sync(serviceKey: string): Promise<void> {
    const [namespace] = serviceKey.split("/");
    const { client } = this.deps;
    const svc = this.deps.services.get(serviceKey);
    if (!svc) {
      // The garbage collector would remove them through their ownerReference; doing it here is quicker.
      this.triggers.forget(serviceKey);
      this.tracker.forget(serviceKey);
      for (const s of this.managedSlices(serviceKey)) await this.deleteSlice(namespace, s.metadata!.name!);
      return;
    }
    const spec: any = svc.spec ?? {};
    if (spec.type === "ExternalName") return;
    const selector = serviceSelector(svc);
    if (!selector) return;
    if (this.tracker.stale(serviceKey, namespace, this.deps.slices)) {
      this.queue.addAfter(serviceKey, 100);
      return;
    }

    const pods = this.deps.pods
      .byIndex("namespace", namespace)
      .filter((p) => selectorMatches(selector, p.metadata?.labels));
    const desired = this.desired(svc, pods);
    const triggerTime = this.triggers.compute(serviceKey, svc, pods);
    const max = this.deps.maxEndpointsPerSlice ?? 100;
    const labels = sliceLabels(svc);

    const existing = this.managedSlices(serviceKey);
    const byPorts = new Map<string, KObject[]>();
    for (const s of existing) {
      const k = canonical((s as any).ports ?? []);
      byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
    }
    const toCreate: any[] = [];
    const toUpdate: any[] = [];
    const toDelete: KObject[] = [];
    const keep = (slice: KObject, endpoints: any[], ports: any[] | undefined) => {
      const next: any = structuredClone(slice);
      next.endpoints = endpoints;
      if (ports && ports.length) next.ports = ports;
      else delete next.ports;
      next.metadata.labels = { ...labels };
      if (
        canonical((slice as any).endpoints ?? []) !== canonical(endpoints) ||
        canonical((slice as any).ports ?? []) !== canonical(next.ports ?? []) ||
        canonical(slice.metadata?.labels ?? {}) !== canonical(labels) ||
        !ownedBy(slice, svc)
      ) {
        next.metadata.ownerReferences = [ownerRef(svc)];
        toUpdate.push(next);
      }
    };

    for (const [portsKey, group] of desired) {
      const slices = byPorts.get(portsKey) ?? [];
      byPorts.delete(portsKey);
      const assigned = new Set<string>();
      const filled: Array<{ slice: KObject; endpoints: any[] }> = slices.map((slice) => {
        const eps: any[] = [];
        for (const ep of (slice as any).endpoints ?? []) {
          const id = endpointId(ep);
          const want = group.endpoints.get(id);
          if (want && !assigned.has(id) && eps.length < max) {
            eps.push(want);
            assigned.add(id);
          }
        }
        return { slice, endpoints: eps };
      });
      const rest = [...group.endpoints.entries()].filter(([id]) => !assigned.has(id)).map(([, ep]) => ep);
      for (const f of filled)
        while (rest.length && f.endpoints.length > 0 && f.endpoints.length < max)
          f.endpoints.push(rest.shift());
      for (const f of filled)
        if (!f.endpoints.length && rest.length) f.endpoints.push(...rest.splice(0, max));
      while (rest.length) toCreate.push(newSlice(svc, labels, rest.splice(0, max), group.ports));
      for (const f of filled) {
        if (f.endpoints.length) keep(f.slice, f.endpoints, group.ports);
        else toDelete.push(f.slice);
      }
    }
    const leftover = [...byPorts.values()].flat();
    if (desired.size === 0) {
      // A Service with no endpoints still has one empty slice, as upstream's placeholder.
      const placeholder = leftover.shift() ?? toDelete.shift();
      if (placeholder) keep(placeholder, [], undefined);
      else toCreate.push(newSlice(svc, labels, [], undefined));
    }
    toDelete.push(...leftover);

    for (const s of [...toCreate, ...toUpdate]) {
      if (triggerTime) (s.metadata.annotations ??= {})[LAST_CHANGE_TRIGGER_TIME] = triggerTime;
      else if (s.metadata.annotations) delete s.metadata.annotations[LAST_CHANGE_TRIGGER_TIME];
    }
    try {
      for (const s of toCreate) {
        const made = await client.create(slicesRef, namespace, s);
        this.tracker.wrote(serviceKey, made.metadata!.name!, made.metadata?.resourceVersion);
      }
      for (const s of toUpdate) {
        const made = await client.update(slicesRef, namespace, s.metadata.name, s);
        this.tracker.wrote(serviceKey, made.metadata!.name!, made.metadata?.resourceVersion);
      }
      for (const s of toDelete) {
        await this.deleteSlice(namespace, s.metadata!.name!);
        this.tracker.deleted(serviceKey, s.metadata!.name!);
      }
    } catch (e) {
      if (isCode(e, 403) && /being terminated/.test((e as Error).message)) return;
      this.deps.recorder.event(
        svc,
        "Warning",
        "FailedToUpdateEndpointSlices",
        `Error updating Endpoint Slices for Service ${serviceKey}: ${(e as Error).message}`,
      );
      throw e;
    }
  }

  private async deleteSlice(namespace: string, name: string): Promise<void> {
    try {
      await this.deps.client.delete(slicesRef, namespace, name);
    } catch (e) {
      if (!isCode(e, 404)) throw e;
    }
  }

  /** The endpoints each distinct port list should have (endpointslice/reconciler.go, utils.go podToEndpoint). */
  private desired(svc: KObject, pods: KObject[]): Map<string, Desired> {
    const spec: any = svc.spec ?? {};
    const out = new Map<string, Desired>();
    const servicePorts: any[] = Array.isArray(spec.ports) ? spec.ports : [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports: any[] = [];
      for (const sp of servicePorts) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const p: Record<string, any> = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
        if (sp.appProtocol) p.appProtocol = sp.appProtocol;
        ports.push(p);
      }
      const serving = isPodReady(pod);
      const terminating = !!pod.metadata?.deletionTimestamp;
      const ep: Record<string, any> = {
        addresses: [podIPv4(pod)],
        conditions: {
          ready: spec.publishNotReadyAddresses === true || (serving && !terminating),
          serving,
          terminating,
        },
      };
      const hostname = podHostname(pod, svc);
      if (hostname) ep.hostname = hostname;
      ep.targetRef = targetRefOf(pod);
      const nodeName = (pod.spec as any)?.nodeName;
      if (nodeName) ep.nodeName = nodeName;
      const k = canonical(ports);
      let d = out.get(k);
      if (!d) out.set(k, (d = { ports, endpoints: new Map() }));
      d.endpoints.set(endpointId(ep), ep);
    }
    return out;
  }
}

function ownerRef(svc: KObject): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    name: svc.metadata?.name,
    uid: svc.metadata?.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function ownedBy(slice: KObject, svc: KObject): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.uid === svc.metadata?.uid && r.controller);
}

// endpointslice/utils.go setEndpointSliceLabels: the Service's labels plus the reserved ones.
function sliceLabels(svc: KObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {}))
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  const clusterIP = (svc.spec as any)?.clusterIP;
  if (!clusterIP || clusterIP === "None") labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? "";
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

function newSlice(
  svc: KObject,
  labels: Record<string, string>,
  endpoints: any[],
  ports: any[] | undefined,
): any {
  const slice: any = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: `${(svc.metadata?.name ?? "").slice(0, 57)}-`,
      namespace: svc.metadata?.namespace,
      labels: { ...labels },
      ownerReferences: [ownerRef(svc)],
    },
    addressType: "IPv4",
    endpoints,
  };
  if (ports && ports.length) slice.ports = ports;
  return slice;
}
