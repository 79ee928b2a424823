import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { isSimulatedNode } from "../../kubelet/simulated-annotations.ts";
import type { Logger } from "../../util/logger.ts";
import { canonical } from "../endpoints/canonical.ts";
import { refFor } from "../refs.ts";
import { isNodeReady } from "../util/node-helpers.ts";

/** Set by a node agent on its Node while its cluster DNS server answers on that address. */
export const DNS_ADDRESS_ANNOTATION = "skiff.dev/cluster-dns-address";

const servicesRef = refFor("", "services");
const endpointsRef = refFor("", "endpoints");
const ns = "kube-system";
const name = "kube-dns";
const dnsPorts = [
  { name: "dns", port: 53, protocol: "UDP" },
  { name: "dns-tcp", port: 53, protocol: "TCP" },
];

export interface KubeDnsDeps {
  client: ApiClient;
  nodes: SharedInformer;
  logger: Logger;
  /** The kube-dns Service's fixed cluster IP (the kubelets' --cluster-dns). */
  clusterIP: string;
}

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;

/**
 * The `kube-dns` Service in kube-system, as a cluster's DNS add-on installs it, and its Endpoints:
 * the DNS servers the node agents run, ready while their node is. (On k3s these are CoreDNS pods;
 * here every real node answers, so DNS needs no image.) The mirroring controller makes the slices.
 */
export class KubeDnsController {
  private readonly deps: KubeDnsDeps;
  private readonly queue = new WorkQueue();

  constructor(deps: KubeDnsDeps) {
    this.deps = deps;
    const enqueue = () => this.queue.add("sync");
    deps.nodes.on({ add: enqueue, update: enqueue, delete: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.deps.nodes.waitForSync();
    this.queue.add("sync");
    await runWorkers(
      this.queue,
      1,
      () => this.sync(),
      signal,
      (_k, err) => {
        this.deps.logger.warn("kube-dns sync failed", { error: (err as Error).message });
        this.queue.addAfter("sync", 1000);
      },
    );
  }

  async sync(): Promise<void> {
    await this.ensureService();
    const ready: Array<Record<string, unknown>> = [];
    const notReady: Array<Record<string, unknown>> = [];
    for (const n of this.deps.nodes.list()) {
      if (isSimulatedNode(n)) continue;
      const ip = n.metadata?.annotations?.[DNS_ADDRESS_ANNOTATION];
      if (!ip) continue;
      const addr = { ip, nodeName: n.metadata?.name };
      (isNodeReady(n) ? ready : notReady).push(addr);
    }
    const byIp = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.ip).localeCompare(String(b.ip));
    ready.sort(byIp);
    notReady.sort(byIp);
    const subsets =
      ready.length || notReady.length
        ? [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports: dnsPorts,
            },
          ]
        : [];
    let cur: KObject | undefined;
    try {
      cur = await this.deps.client.get(endpointsRef, ns, name);
    } catch (e) {
      if (!isCode(e, 404)) throw e;
    }
    const labels = {
      "k8s-app": "kube-dns",
      "kubernetes.io/cluster-service": "true",
      "kubernetes.io/name": "CoreDNS",
    };
    if (!cur) {
      await this.deps.client.create(endpointsRef, ns, {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name, namespace: ns, labels },
        ...(subsets.length ? { subsets } : {}),
      } as KObject);
      return;
    }
    const have = (cur as { subsets?: unknown[] }).subsets ?? [];
    if (canonical(have) === canonical(subsets)) return;
    const next = { ...cur } as KObject & { subsets?: unknown[] };
    if (subsets.length) next.subsets = subsets;
    else delete next.subsets;
    await this.deps.client.update(endpointsRef, ns, name, next);
  }

  private ensured = false;

  private async ensureService(): Promise<void> {
    if (this.ensured) return;
    try {
      await this.deps.client.create(servicesRef, ns, {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name,
          namespace: ns,
          labels: {
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "CoreDNS",
          },
        },
        spec: {
          clusterIP: this.deps.clusterIP,
          clusterIPs: [this.deps.clusterIP],
          ports: dnsPorts.map((p) => ({ ...p, targetPort: 53 })),
        },
      });
    } catch (e) {
      // Already there (made by an earlier start, or by a user): kept as it is, as upstream's add-on manager.
      if (isCode(e, 422))
        this.deps.logger.error(
          "the kube-dns Service cannot have its cluster IP; pods will not resolve names",
          {
            clusterIP: this.deps.clusterIP,
            error: (e as Error).message,
          },
        );
      else if (!isCode(e, 409)) throw e;
    }
    this.ensured = true;
  }
}
