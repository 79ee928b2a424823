// The service proxy without the kernel (kube-proxy's old userspace mode, for a node that is not
// root): one listener on the host per node port and per LoadBalancer port this node serves, TCP or
// UDP, forwarding to a ready endpoint in turn. Cluster IPs need the kernel and do not route.
import type { EventRecorder } from "../client/event-recorder.ts";
import type { Informer } from "../client/informer.ts";
import type { KObject } from "../apimachinery/meta.ts";
import type { Logger } from "../util/logger.ts";
import { servicePorts, usableEndpoints, type ProxyEndpoint, type ProxyServicePort } from "./service-ports.ts";
import type { HostListener, Route } from "./userspace-route.ts";
import { TcpPortListener } from "./userspace-tcp.ts";
import { UdpPortListener } from "./userspace-udp.ts";

/** What the proxy serves on the host: "port/PROTOCOL", as the Node annotations name ports. */
type HostPort = string;
const PROTOCOLS = new Set(["TCP", "UDP"]);

export interface UserspaceProxierDeps {
  informers: { services: Informer; slices: Informer };
  logger: Logger;
  nodeName: string;
  /** The node's addresses (its own and the pool addresses it announces): a LoadBalancer port is served when its status lists one. */
  localIPs(): Iterable<string>;
  bindAddress?: string;
  recorder?: Pick<EventRecorder, "event">;
  connectTimeoutMs?: number;
  /** How long a UDP flow lives without traffic. */
  udpIdleMs?: number;
  /** Ports the node keeps for itself (its Ingress's), never tried for a load balancer. */
  reservedPorts?: ReadonlySet<string>;
  /** Told the ports it could not take, whenever that list changes, so the node can publish it. */
  publishUnavailable?(ports: string[]): void;
}

const spec = (svc: KObject) => (svc.spec ?? {}) as { type?: string; loadBalancerClass?: string };

export class UserspaceProxier {
  private readonly deps: UserspaceProxierDeps;
  private readonly listeners = new Map<HostPort, HostListener>();
  /** Ports that could not be taken, with why, so the warning is not repeated every sync. */
  private readonly failed = new Map<HostPort, string>();
  private queued = false;
  private stopped = false;
  /** What was last published; unset, so that the first sync clears what an earlier run left. */
  private published: string | undefined;

  constructor(deps: UserspaceProxierDeps) {
    this.deps = deps;
    const changed = () => this.queueSync();
    for (const inf of [deps.informers.services, deps.informers.slices])
      inf.on({ add: changed, update: changed, delete: changed });
  }

  private queueSync(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.sync();
    });
  }

  /** The host ports this node serves, each with the service port it forwards to. */
  routes(): Map<HostPort, Route> {
    const { services, slices } = this.deps.informers;
    const out = new Map<HostPort, Route>();
    const mine = new Set(this.deps.localIPs());
    for (const svc of services.list()) {
      const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
      for (const sp of servicePorts(svc, slices.byIndex("service", key), this.deps.nodeName)) {
        // SCTP needs the kernel.
        if (!PROTOCOLS.has(sp.protocol)) continue;
        const route = (): Route => ({
          service: svc,
          key: `${key}:${sp.portName || sp.port}`,
          endpoints: this.usable(sp),
          affinitySeconds: sp.affinitySeconds,
        });
        if (sp.nodePort) out.set(`${sp.nodePort}/${sp.protocol}`, route());
        // A load balancer port is tried even while the service waits for this node: the node's
        // trouble taking it is what keeps the node out of the service's addresses.
        const ours = spec(svc).type === "LoadBalancer" && !spec(svc).loadBalancerClass;
        const hostPort = `${sp.port}/${sp.protocol}`;
        const reserved = this.deps.reservedPorts?.has(hostPort) ?? false;
        if ((sp.loadBalancerIPs.some((ip) => mine.has(ip)) || (ours && !reserved)) && !out.has(hostPort))
          out.set(hostPort, route());
      }
    }
    return out;
  }

  private usable(sp: ProxyServicePort): ProxyEndpoint[] {
    const eps = usableEndpoints(sp.endpoints);
    return sp.externalLocal ? eps.filter((e) => e.local) : eps;
  }

  sync(): void {
    if (this.stopped) return;
    const want = this.routes();
    for (const [port, l] of this.listeners) {
      if (!want.has(port)) {
        l.close();
        this.listeners.delete(port);
      }
    }
    for (const port of this.failed.keys()) if (!want.has(port)) this.failed.delete(port);
    this.publish();
    for (const [port, route] of want) {
      const have = this.listeners.get(port);
      if (have) {
        have.update(route);
        continue;
      }
      const [number, protocol] = port.split("/");
      const l =
        protocol === "UDP"
          ? new UdpPortListener(route, this.deps.udpIdleMs)
          : new TcpPortListener(route, this.deps.connectTimeoutMs ?? 10_000);
      this.listeners.set(port, l);
      l.listen(Number(number), this.deps.bindAddress ?? "0.0.0.0").then(
        () => {
          this.failed.delete(port);
          this.publish();
          this.deps.logger.info("userspace proxy listening", { port, service: route.key });
        },
        (e: NodeJS.ErrnoException) => {
          this.listeners.delete(port);
          const why = e.code === "EACCES" ? "permission denied (ports below 1024 need root)" : e.message;
          if (this.failed.get(port) === why) return;
          this.failed.set(port, why);
          this.publish();
          this.deps.logger.warn("userspace proxy cannot listen", { port, service: route.key, error: why });
          this.deps.recorder?.event(
            { ...route.service, apiVersion: "v1", kind: "Service" },
            "Warning",
            "FailedToListen",
            `node ${this.deps.nodeName} cannot listen on port ${port}: ${why}`,
          );
        },
      );
    }
  }

  private publish(): void {
    const ports = [...this.failed.keys()].sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
    const text = ports.join(",");
    if (text === this.published) return;
    this.published = text;
    this.deps.publishUnavailable?.(ports);
  }

  async run(signal: AbortSignal): Promise<void> {
    const { services, slices } = this.deps.informers;
    await Promise.all([services.waitForSync(), slices.waitForSync()]);
    this.sync();
    // A port that failed (taken by someone else) is tried again now and then: it may be freed.
    const retry = setInterval(() => {
      if (this.failed.size) this.sync();
    }, 5000);
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    clearInterval(retry);
    this.stopped = true;
    for (const l of this.listeners.values()) l.close();
    this.listeners.clear();
  }
}
