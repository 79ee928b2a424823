// The service proxy of one node (kube-proxy in its iptables mode): watches Services and
// EndpointSlices and, after any change, rewrites the node's rules in one iptables-restore. Changes
// coalesce: while a sync runs, further ones wait for the next, which starts as soon as it ends.
import { Informer } from "../client/informer.ts";
import type { ApiClient } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import type { Logger } from "../util/logger.ts";
import type { Iptables } from "./iptables.ts";
import { buildRules } from "./iptables-rules.ts";
import { servicePorts, type ProxyServicePort } from "./service-ports.ts";
import { staleFlows, udpState, type ConntrackOps, type UdpPortState } from "./conntrack.ts";

const servicesRef: ResourceRef = { group: "", version: "v1", resource: "services", namespaced: true };
const slicesRef: ResourceRef = {
  group: "discovery.k8s.io",
  version: "v1",
  resource: "endpointslices",
  namespaced: true,
};
const serviceNameLabel = "kubernetes.io/service-name";

/** The informers the proxy reads (shared with the node's DNS server); slices indexed by "service". */
export function serviceInformers(
  client: ApiClient,
  logger: Logger,
): { services: Informer; slices: Informer } {
  const services = new Informer({ client, ref: servicesRef, logger });
  const slices = new Informer({ client, ref: slicesRef, logger });
  slices.addIndexer("service", (s) => {
    const name = s.metadata?.labels?.[serviceNameLabel];
    return name ? [`${s.metadata?.namespace}/${name}`] : [];
  });
  return { services, slices };
}

export interface ProxierDeps {
  /** Run by whoever made them. */
  informers: { services: Informer; slices: Informer };
  logger: Logger;
  nodeName: string;
  clusterCidr: string;
  iptables: Iptables;
  /** A full resync this often even without changes, repairing rules someone else removed. */
  resyncMs?: number;
  /** Removes stale UDP flows after a sync. */
  conntrack?: ConntrackOps;
}

export class Proxier {
  private readonly deps: ProxierDeps;
  private readonly services: Informer;
  private readonly slices: Informer;
  private dirty = true;
  private udp = new Map<string, UdpPortState>();
  private wake?: () => void;

  constructor(deps: ProxierDeps) {
    this.deps = deps;
    this.services = deps.informers.services;
    this.slices = deps.informers.slices;
    const changed = () => this.requestSync();
    for (const inf of [this.services, this.slices])
      inf.on({ add: changed, update: changed, delete: changed });
  }

  requestSync(): void {
    this.dirty = true;
    this.wake?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.services.waitForSync(), this.slices.waitForSync()]);
    if (signal.aborted) return;
    try {
      await this.deps.iptables.ensureJumps();
    } catch (e) {
      this.deps.logger.error("service proxy cannot set up iptables; services will not route on this node", {
        error: (e as Error).message,
      });
      return;
    }
    const resyncMs = this.deps.resyncMs ?? 30_000;
    while (!signal.aborted) {
      if (this.dirty) {
        this.dirty = false;
        await this.sync().catch((e: unknown) => {
          this.deps.logger.warn("service rules sync failed", { error: (e as Error).message });
          this.dirty = true;
        });
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.dirty = true;
          resolve();
        }, resyncMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
      this.wake = undefined;
    }
    await this.deps.iptables
      .cleanUp()
      .catch((e: unknown) =>
        this.deps.logger.warn("service rules not removed", { error: (e as Error).message }),
      );
  }

  /** The service ports as this node routes them now. */
  currentPorts(): ProxyServicePort[] {
    const out: ProxyServicePort[] = [];
    for (const svc of this.services.list()) {
      const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
      out.push(...servicePorts(svc, this.slices.byIndex("service", key), this.deps.nodeName));
    }
    return out;
  }

  private async sync(): Promise<void> {
    const start = performance.now();
    const ports = this.currentPorts();
    const existing = await this.deps.iptables.chains();
    await this.deps.iptables.restore(buildRules(ports, existing, { clusterCidr: this.deps.clusterCidr }));
    // Only once the rules send new packets elsewhere: a flow removed earlier would be made again.
    const udp = udpState(ports);
    const stale = staleFlows(this.udp, udp);
    this.udp = udp;
    if (this.deps.conntrack) for (const f of stale) await this.deps.conntrack.delete(f);
    const ms = Math.round(performance.now() - start);
    this.deps.logger.debug("service rules synced", { servicePorts: ports.length, ms });
  }
}
