import { isIPv4 } from "node:net";
import type { KObject, OwnerReference } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { canonical } from "../endpoints/canonical.ts";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from "../endpointslice/endpointslice-controller.ts";
import { refFor } from "../refs.ts";

export const MIRRORING_CONTROLLER = "endpointslicemirroring-controller.k8s.io";
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
const slicesRef = refFor("discovery.k8s.io", "endpointslices");
/** Upstream's --mirroring-max-endpoints-per-subset. */
const maxPerSubset = 1000;

export interface MirroringDeps {
  client: ApiClient;
  services: SharedInformer;
  endpoints: SharedInformer;
  slices: SharedInformer;
  logger: Logger;
  workers?: number;
}

interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: Array<{ name?: string; port: number; protocol?: string; appProtocol?: string }>;
}
interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: Record<string, unknown>;
}

const keyOf = (o: KObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/**
 * EndpointSlices for Endpoints that users write themselves (pkg/controller/endpointslicemirroring):
 * a Service without a selector whose Endpoints name addresses outside the cluster gets slices that
 * say the same, so that everything reading slices (the service proxy, DNS) routes to them too.
 */
export class EndpointSliceMirroringController {
  private readonly deps: MirroringDeps;
  readonly queue = new WorkQueue();

  constructor(deps: MirroringDeps) {
    this.deps = deps;
    deps.slices.addIndexer("mirrored-service", (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER
        ? [`${s.metadata?.namespace}/${svc}`]
        : [];
    });
    const enqueue = (o: KObject) => this.queue.add(keyOf(o));
    deps.endpoints.on({ add: enqueue, update: enqueue, delete: enqueue });
    deps.services.on({ add: enqueue, update: enqueue, delete: enqueue });
    const onSlice = (s: KObject) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER)
        this.queue.add(`${s.metadata?.namespace}/${svc}`);
    };
    deps.slices.on({ add: onSlice, update: onSlice, delete: onSlice });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { services, endpoints, slices } = this.deps;
    await Promise.all([services.waitForSync(), endpoints.waitForSync(), slices.waitForSync()]);
    await runWorkers(
      this.queue,
      this.deps.workers ?? 5,
      (k) => this.sync(k),
      signal,
      (k, err) =>
        this.deps.logger.warn("endpointslice mirroring failed", {
          endpoints: k,
          error: (err as Error).message,
        }),
    );
  }

  async sync(key: string): Promise<void> {
    const [namespace] = key.split("/");
    const eps = this.deps.endpoints.get(key);
    const svc = this.deps.services.get(key);
    const existing = this.deps.slices.byIndex("mirrored-service", key);
    const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
    const mirror =
      eps &&
      svc &&
      (!selector || Object.keys(selector).length === 0) &&
      eps.metadata?.labels?.[SKIP_MIRROR_LABEL] !== "true";
    const desired = mirror
      ? desiredSlices(eps)
      : new Map<string, { ports: unknown[]; endpoints: unknown[] }>();
    const labels = mirror ? sliceLabels(eps) : {};
    const byPorts = new Map<string, KObject>();
    const stale: KObject[] = [];
    for (const s of existing) {
      const k = canonical((s as { ports?: unknown[] }).ports ?? []);
      if (byPorts.has(k)) stale.push(s);
      else byPorts.set(k, s);
    }
    for (const [k, want] of desired) {
      const have = byPorts.get(k);
      byPorts.delete(k);
      if (!have) {
        await this.deps.client.create(slicesRef, namespace, {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: {
            generateName: `${(eps!.metadata?.name ?? "").slice(0, 57)}-`,
            namespace,
            labels,
            ownerReferences: [ownerRef(eps!)],
          },
          addressType: "IPv4",
          endpoints: want.endpoints,
          ...(want.ports.length ? { ports: want.ports } : {}),
        });
        continue;
      }
      const h = have as { endpoints?: unknown[]; ports?: unknown[] };
      if (
        canonical(h.endpoints ?? []) === canonical(want.endpoints) &&
        canonical(have.metadata?.labels ?? {}) === canonical(labels)
      )
        continue;
      const next = structuredClone(have) as KObject & { endpoints: unknown[] };
      next.endpoints = want.endpoints;
      next.metadata!.labels = labels;
      next.metadata!.ownerReferences = [ownerRef(eps!)];
      await this.deps.client.update(slicesRef, namespace, have.metadata!.name!, next);
    }
    for (const s of [...byPorts.values(), ...stale]) {
      try {
        await this.deps.client.delete(slicesRef, namespace, s.metadata!.name!);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
  }
}

/** One slice per distinct port list; a subset's ready addresses are ready, its notReadyAddresses not. */
function desiredSlices(eps: KObject): Map<string, { ports: unknown[]; endpoints: unknown[] }> {
  const out = new Map<string, { ports: unknown[]; endpoints: unknown[] }>();
  for (const subset of (eps as { subsets?: Subset[] }).subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({
      name: p.name ?? "",
      port: p.port,
      protocol: p.protocol ?? "TCP",
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
    const k = canonical(ports);
    let group = out.get(k);
    if (!group) out.set(k, (group = { ports, endpoints: [] }));
    const add = (a: Address, ready: boolean) => {
      if (!isIPv4(a.ip) || group.endpoints.length >= maxPerSubset) return;
      group.endpoints.push({
        addresses: [a.ip],
        conditions: { ready, serving: ready, terminating: false },
        ...(a.hostname ? { hostname: a.hostname } : {}),
        ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      });
    };
    for (const a of subset.addresses ?? []) add(a, true);
    for (const a of subset.notReadyAddresses ?? []) add(a, false);
  }
  return out;
}

// endpointslicemirroring/utils.go: the Endpoints' labels, minus the reserved ones, plus the service name.
function sliceLabels(eps: KObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(eps.metadata?.labels ?? {}))
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== SKIP_MIRROR_LABEL) labels[k] = v;
  labels[SERVICE_NAME_LABEL] = eps.metadata?.name ?? "";
  labels[MANAGED_BY_LABEL] = MIRRORING_CONTROLLER;
  return labels;
}

function ownerRef(eps: KObject): OwnerReference {
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    name: eps.metadata?.name ?? "",
    uid: eps.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
