import type { KObject } from "../../apimachinery/meta.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { canonical } from "../endpoints/canonical.ts";
import { refFor } from "../refs.ts";
import { nodeInternalIP, readyRealNodes } from "../util/node-helpers.ts";
import { reservedPorts, unavailablePorts } from "../../kubelet/node/reserved-ports.ts";

const servicesRef = refFor("", "services");

export interface ServiceLbDeps {
  client: ApiClient;
  services: SharedInformer;
  nodes: SharedInformer;
  logger: Logger;
  recorder: Pick<EventRecorder, "event">;
  /** --service-lb-pool: addresses to give services instead of the nodes' own. */
  pool?: string[];
}

interface LbSpec {
  type?: string;
  loadBalancerClass?: string;
  loadBalancerIP?: string;
  ports?: Array<{ port: number; protocol?: string }>;
}

type LbStatus = { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
const statusIPs = (s: KObject) =>
  ((s.status as LbStatus | undefined)?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "");

const keyOf = (o: KObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

const takenEverywhere = (ports: string[]) =>
  `no node can take port${ports.length > 1 ? "s" : ""} ${ports.join(", ")}: another program holds ${ports.length > 1 ? "them" : "it"} (see the FailedToListen events)`;

/** The Ready real nodes that can serve every one of the ports (none reserved, none taken by another program). */
function servingNodes(nodes: KObject[], ports: string[]): KObject[] {
  return readyRealNodes(nodes).filter((n) => {
    if (!nodeInternalIP(n)) return false;
    const reserved = reservedPorts(n);
    const unavailable = unavailablePorts(n);
    return ports.every((p) => !reserved.has(p) && !unavailable.has(p));
  });
}

/**
 * skiff as the cloud's load balancer, as k3s's ServiceLB: a LoadBalancer Service is served on every
 * Ready node's address at its port (the proxy routes those addresses like a node port), and its
 * status lists those addresses. Two services cannot both have a port on the nodes' addresses: the
 * later one stays pending, with an event saying which service holds the port. A node whose Ingress
 * controller holds a port does not serve it. With an address pool, each service gets an address of
 * its own instead (and so may share ports), which one node announces.
 */
export class ServiceLbController {
  private readonly deps: ServiceLbDeps;
  private readonly queue = new WorkQueue();
  private readonly warned = new Map<string, string>();
  /** Pool addresses given out but perhaps not yet seen back in the informer's status. */
  private readonly assigned = new Map<string, string>();
  private readonly poolSet: Set<string>;

  constructor(deps: ServiceLbDeps) {
    this.deps = deps;
    this.poolSet = new Set(deps.pool ?? []);
    const onService = (s: KObject) => this.queue.add(keyOf(s));
    deps.services.on({
      add: onService,
      update: onService,
      delete: (s: KObject) => {
        this.queue.add(keyOf(s));
        this.enqueueAll();
      },
    });
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

  private warn(svc: KObject, msg: string): void {
    const key = keyOf(svc);
    if (this.warned.get(key) === msg) return;
    this.warned.set(key, msg);
    this.deps.recorder.event(
      { ...svc, apiVersion: "v1", kind: "Service" },
      "Warning",
      "SyncLoadBalancerFailed",
      `Error syncing load balancer: ${msg}`,
    );
  }

  /** The nodes' addresses for a service, or why it must stay pending. */
  private nodeAddresses(svc: KObject, spec: LbSpec): { ips: string[]; problem?: string } {
    const clash = (spec.ports ?? [])
      .map((p) => ({ p, holder: this.holderOf(p.port, p.protocol ?? "TCP", svc) }))
      .find((x) => x.holder);
    if (clash)
      return {
        ips: [],
        problem: `port ${clash.p.port}/${clash.p.protocol ?? "TCP"} on the nodes is already used by service ${keyOf(clash.holder!)}`,
      };
    const ports = (spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`);
    const nodes = this.deps.nodes.list();
    const serving = servingNodes(nodes, ports);
    if (serving.length === 0) {
      const any = servingNodes(nodes, []);
      const reserved = ports.find((p) => any.every((n) => reservedPorts(n).has(p)));
      if (any.length && reserved)
        return { ips: [], problem: `port ${reserved} is used by the Ingress controller on every node` };
      if (any.length)
        return {
          ips: [],
          problem: takenEverywhere(ports),
        };
    }
    return { ips: serving.map((n) => nodeInternalIP(n)!).sort() };
  }

  /** A pool address for a service: the one it has, the one it asks for, or the first free one. */
  private poolAddress(svc: KObject, spec: LbSpec): { ips: string[]; problem?: string } {
    const key = keyOf(svc);
    const used = new Map<string, string>();
    for (const s of this.deps.services.list()) {
      const k = keyOf(s);
      if (k === key || (s.spec as LbSpec | undefined)?.type !== "LoadBalancer") continue;
      if ((s.spec as LbSpec).loadBalancerClass) continue;
      for (const ip of statusIPs(s)) if (this.poolSet.has(ip)) used.set(ip, k);
    }
    for (const [k, ip] of this.assigned) if (k !== key && this.deps.services.get(k)) used.set(ip, k);
    // Nodes that could not take a port (userspace proxies) cannot serve it on any address either.
    const ports = (spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`);
    const ready = readyRealNodes(this.deps.nodes.list());
    if (ready.length && ready.every((n) => ports.some((p) => unavailablePorts(n).has(p))))
      return {
        ips: [],
        problem: takenEverywhere(ports),
      };
    const requested = spec.loadBalancerIP;
    if (requested) {
      if (!this.poolSet.has(requested))
        return { ips: [], problem: `requested address ${requested} is not in the address pool` };
      const holder = used.get(requested);
      if (holder) return { ips: [], problem: `address ${requested} is already used by service ${holder}` };
      return { ips: [requested] };
    }
    const have = statusIPs(svc).find((ip) => this.poolSet.has(ip)) ?? this.assigned.get(key);
    if (have && !used.has(have)) return { ips: [have] };
    const free = this.deps.pool!.find((ip) => !used.has(ip));
    if (!free)
      return { ips: [], problem: `no addresses left in the address pool (${this.deps.pool!.length} in all)` };
    return { ips: [free] };
  }

  async sync(key: string): Promise<void> {
    const svc = this.deps.services.get(key);
    if (!svc) {
      this.assigned.delete(key);
      this.warned.delete(key);
      return;
    }
    const spec = (svc.spec ?? {}) as LbSpec;
    // Services of another load balancer class are that implementation's to serve.
    if (spec.loadBalancerClass) return;
    let ingress: string[] = [];
    if (spec.type === "LoadBalancer") {
      const got = this.deps.pool ? this.poolAddress(svc, spec) : this.nodeAddresses(svc, spec);
      if (got.problem) this.warn(svc, got.problem);
      else this.warned.delete(key);
      ingress = got.ips;
      if (this.deps.pool) {
        if (ingress[0]) this.assigned.set(key, ingress[0]);
        else this.assigned.delete(key);
      }
    } else {
      // A service that is no longer a LoadBalancer gives its addresses back (upstream's service controller).
      this.assigned.delete(key);
      if (statusIPs(svc).length === 0) return;
    }
    const have = statusIPs(svc);
    if (canonical(have) === canonical(ingress)) return;
    await this.deps.client.patch(
      servicesRef,
      svc.metadata!.namespace!,
      svc.metadata!.name!,
      { status: { loadBalancer: { ingress: ingress.length ? ingress.map((ip) => ({ ip })) : null } } },
      "merge",
      "status",
    );
    if (ingress.length && !have.length)
      this.deps.recorder.event(
        { ...svc, apiVersion: "v1", kind: "Service" },
        "Normal",
        "EnsuredLoadBalancer",
        "Ensured load balancer",
      );
  }
}
