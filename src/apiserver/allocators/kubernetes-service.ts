import { networkInterfaces } from "node:os";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";

const servicesRef: ResourceRef = { group: "", version: "v1", resource: "services", namespaced: true };
const endpointsRef: ResourceRef = { group: "", version: "v1", resource: "endpoints", namespaced: true };
const slicesRef: ResourceRef = {
  group: "discovery.k8s.io",
  version: "v1",
  resource: "endpointslices",
  namespaced: true,
};

export interface KubernetesServiceOptions {
  /** The first address of the service CIDR (10.43.0.1 by default). */
  serviceIP: string;
  /** An address pods reach the API server on; loopback is not valid in Endpoints. */
  endpointIP?: string;
  /** The API server's HTTPS port, the Service's targetPort. */
  port: number;
}

/** The first non-loopback IPv4 address of this host, which the API server advertises. */
export function hostIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

async function getOrUndefined(
  client: ApiClient,
  ref: ResourceRef,
  name: string,
): Promise<KObject | undefined> {
  try {
    return await client.get(ref, "default", name);
  } catch (e) {
    if (isCode(e, 404)) return undefined;
    throw e;
  }
}

/** Creates `obj`, or updates the stored one when `differs` says it drifted; races with another server are fine. */
async function ensure(
  client: ApiClient,
  ref: ResourceRef,
  obj: KObject,
  differs: (cur: KObject) => KObject | undefined,
): Promise<void> {
  const cur = await getOrUndefined(client, ref, obj.metadata!.name!);
  try {
    if (!cur) await client.create(ref, "default", obj);
    else {
      const next = differs(cur);
      if (next) await client.update(ref, "default", obj.metadata!.name!, next);
    }
  } catch (e) {
    if (!isCode(e, 409)) throw e;
  }
}

/**
 * Makes the `kubernetes` Service in `default`, with its Endpoints and EndpointSlice pointing at the
 * API server (pkg/controlplane/controller/kubernetesservice and reconcilers/endpointsadapter.go).
 */
export async function ensureKubernetesService(
  client: ApiClient,
  opts: KubernetesServiceOptions,
): Promise<void> {
  const ports = [{ name: "https", port: 443, protocol: "TCP", targetPort: opts.port }];
  await ensure(
    client,
    servicesRef,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { component: "apiserver", provider: "kubernetes" },
      },
      spec: {
        type: "ClusterIP",
        clusterIP: opts.serviceIP,
        clusterIPs: [opts.serviceIP],
        ports,
        sessionAffinity: "None",
      },
    },
    (cur: any) => {
      // Only the ports and type are reconciled, as upstream's UpdateKubernetesService does.
      if (cur.spec?.type === "ClusterIP" && same(cur.spec?.ports, ports)) return undefined;
      return { ...cur, spec: { ...cur.spec, type: "ClusterIP", ports } };
    },
  );
  if (!opts.endpointIP) return;
  const epPorts = [{ name: "https", port: opts.port, protocol: "TCP" }];
  const subsets = [{ addresses: [{ ip: opts.endpointIP }], ports: epPorts }];
  await ensure(
    client,
    endpointsRef,
    {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
      },
      subsets,
    },
    (cur: any) => (same(cur.subsets, subsets) ? undefined : { ...cur, subsets }),
  );
  const endpoints = [{ addresses: [opts.endpointIP], conditions: { ready: true } }];
  await ensure(
    client,
    slicesRef,
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { "kubernetes.io/service-name": "kubernetes" },
      },
      addressType: "IPv4",
      endpoints,
      ports: epPorts,
    },
    (cur: any) =>
      same(cur.endpoints, endpoints) && same(cur.ports, epPorts) && cur.addressType === "IPv4"
        ? undefined
        : { ...cur, addressType: "IPv4", endpoints, ports: epPorts },
  );
}

export interface KubernetesServiceReconcilerDeps extends KubernetesServiceOptions {
  client: ApiClient;
  clock: Clock;
  logger: Logger;
  /** How often the objects are checked even without a deletion seen (upstream: 10 s). */
  intervalMs?: number;
}

/**
 * Keeps the `kubernetes` Service and its endpoints in place: checks every interval and right
 * after a watch shows one of them deleted (e.g. by `kubectl delete all --all`).
 */
export class KubernetesServiceReconciler {
  private readonly deps: KubernetesServiceReconcilerDeps;
  private wake: (() => void) | undefined;

  constructor(deps: KubernetesServiceReconcilerDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const watching = [servicesRef, endpointsRef, slicesRef].map((ref) => this.watchDeletes(ref, signal));
    while (!signal.aborted) {
      try {
        await ensureKubernetesService(this.deps.client, this.deps);
      } catch (e) {
        if (!signal.aborted)
          this.deps.logger.warn("kubernetes service not reconciled", { error: (e as Error).message });
      }
      await this.sleep(this.deps.intervalMs ?? 10_000, signal);
    }
    await Promise.allSettled(watching);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        this.wake = undefined;
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.deps.clock.setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener("abort", done);
    });
  }

  private async watchDeletes(ref: ResourceRef, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.deps.client.watch(
          ref,
          "default",
          { fieldSelector: "metadata.name=kubernetes" },
          (type) => {
            if (type === "DELETED") this.wake?.();
          },
          signal,
        );
      } catch {
        // A dropped watch is re-opened; the interval covers the gap.
      }
      if (!signal.aborted) await new Promise<void>((r) => this.deps.clock.setTimeout(r, 1000));
    }
  }
}
