import type { KObject } from "../../apimachinery/meta.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { isSimulatedNode } from "../../kubelet/simulated-annotations.ts";
import type { Logger } from "../../util/logger.ts";
import { canonical } from "../endpoints/canonical.ts";
import { refFor } from "../refs.ts";
import { isNodeReady, nodeInternalIP } from "../util/node-helpers.ts";

const servicesRef = refFor("", "services");

export interface ServiceLbDeps {
  client: ApiClient;
  services: SharedInformer;
  nodes: SharedInformer;
  logger: Logger;
  recorder: Pick<EventRecorder, "event">;
}

interface LbSpec {
  type?: string;
  loadBalancerClass?: string;
  ports?: Array<{ port: number; protocol?: string }>;
}

const keyOf = (o: KObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

function readyNodeIPs(nodes: KObject[]): string[] {
  const ips: string[] = [];
  for (const n of nodes) {
    const ip = nodeInternalIP(n);
    if (!isSimulatedNode(n) && isNodeReady(n) && ip) ips.push(ip);
  }
  return ips.sort();
}

/**
 * skiff as the cloud's load balancer, as k3s's ServiceLB: a LoadBalancer Service is served on every
 * Ready node's address at its port (the proxy routes those addresses like a node port), and its
 * status lists those addresses. Two services cannot both have a port on the nodes' addresses: the
 * later one stays pending, with an event saying which service holds the port.
 */
export class ServiceLbController {
  private readonly deps: ServiceLbDeps;
  private readonly queue = new WorkQueue();
  private readonly warned = new Map<string, string>();

  constructor(deps: ServiceLbDeps) {
    this.deps = deps;
    const onService = (s: KObject) => this.queue.add(keyOf(s));
    deps.services.on({ add: onService, update: onService, delete: () => this.enqueueAll() });
    const onNode = () => this.enqueueAll();
    deps.nodes.on({ add: onNode, update: onNode, delete: onNode });
  }

  private enqueueAll(): void {
    for (const s of this.deps.services.list())
      if ((s.spec as LbSpec | undefined)?.type === "LoadBalancer") this.queue.add(keyOf(s));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.services.waitForSync(), this.deps.nodes.waitForSync()]);
    await runWorkers(
      this.queue,
      1,
      (k) => this.sync(k),
      signal,
      (k, err) =>
        this.deps.logger.warn("service load balancer sync failed", {
          service: k,
          error: (err as Error).message,
        }),
    );
  }

  /** The LoadBalancer service that holds a port: the one serving it, or the oldest (then by name). */
  private holderOf(port: number, protocol: string, except: KObject): KObject | undefined {
    const lbs = this.deps.services
      .list()
      .filter(
        (s) =>
          s !== except &&
          (s.spec as LbSpec | undefined)?.type === "LoadBalancer" &&
          !(s.spec as LbSpec).loadBalancerClass,
      )
      .filter((s) =>
        ((s.spec as LbSpec).ports ?? []).some((p) => p.port === port && (p.protocol ?? "TCP") === protocol),
      );
    // A service that already has its addresses keeps them; otherwise the oldest, then by name.
    const serving = (s: KObject) =>
      ((s.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress?.length ??
        0) > 0;
    const rank = (s: KObject) => `${serving(s) ? 0 : 1} ${s.metadata?.creationTimestamp ?? ""} ${keyOf(s)}`;
    return lbs.find((s) => rank(s) < rank(except));
  }

  async sync(key: string): Promise<void> {
    const svc = this.deps.services.get(key);
    if (!svc) return;
    const spec = (svc.spec ?? {}) as LbSpec;
    // Services of another load balancer class are that implementation's to serve.
    if (spec.type !== "LoadBalancer" || spec.loadBalancerClass) return;
    let ingress: Array<{ ip: string }> = [];
    const clash = (spec.ports ?? [])
      .map((p) => ({ p, holder: this.holderOf(p.port, p.protocol ?? "TCP", svc) }))
      .find((x) => x.holder);
    if (clash) {
      const msg = `port ${clash.p.port}/${clash.p.protocol ?? "TCP"} on the nodes is already used by service ${keyOf(clash.holder!)}`;
      if (this.warned.get(key) !== msg) {
        this.warned.set(key, msg);
        this.deps.recorder.event(
          { ...svc, apiVersion: "v1", kind: "Service" },
          "Warning",
          "SyncLoadBalancerFailed",
          `Error syncing load balancer: ${msg}`,
        );
      }
    } else {
      this.warned.delete(key);
      ingress = readyNodeIPs(this.deps.nodes.list()).map((ip) => ({ ip }));
    }
    const status = (svc.status ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
    const have = (status.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "");
    if (canonical(have) === canonical(ingress.map((i) => i.ip))) return;
    await this.deps.client.patch(
      servicesRef,
      svc.metadata!.namespace!,
      svc.metadata!.name!,
      { status: { loadBalancer: { ingress: ingress.length ? ingress : null } } },
      "merge",
      "status",
    );
    if (ingress.length && !status.loadBalancer?.ingress?.length)
      this.deps.recorder.event(
        { ...svc, apiVersion: "v1", kind: "Service" },
        "Normal",
        "EnsuredLoadBalancer",
        "Ensured load balancer",
      );
  }
}
