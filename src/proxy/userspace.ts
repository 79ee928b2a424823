// The service proxy without the kernel (kube-proxy's old userspace mode, for a node that is not
// root): one TCP listener on the host per node port and per LoadBalancer port this node serves,
// each connection piped to a ready endpoint in turn. Cluster IPs need the kernel and do not route.
import { connect, createServer, type Server, type Socket } from "node:net";
import type { EventRecorder } from "../client/event-recorder.ts";
import type { Informer } from "../client/informer.ts";
import type { KObject } from "../apimachinery/meta.ts";
import type { Logger } from "../util/logger.ts";
import { servicePorts, usableEndpoints, type ProxyEndpoint, type ProxyServicePort } from "./service-ports.ts";

export interface UserspaceProxierDeps {
  informers: { services: Informer; slices: Informer };
  logger: Logger;
  nodeName: string;
  /** The node's addresses (its own and the pool addresses it announces): a LoadBalancer port is served when its status lists one. */
  localIPs(): Iterable<string>;
  bindAddress?: string;
  recorder?: Pick<EventRecorder, "event">;
  connectTimeoutMs?: number;
  /** Ports the node keeps for itself (its Ingress's), never tried for a load balancer. */
  reservedPorts?: ReadonlySet<string>;
  /** Told the ports it could not take, whenever that list changes, so the node can publish it. */
  publishUnavailable?(ports: string[]): void;
}

/** What one host port forwards to; replaced in place as endpoints change, so listeners stay up. */
interface Route {
  service: KObject;
  key: string;
  endpoints: ProxyEndpoint[];
  affinitySeconds?: number;
}

class PortListener {
  route: Route;
  private readonly server: Server;
  private next = 0;
  /** ClientIP affinity: the endpoint a client last reached, and when. */
  private readonly sticky = new Map<string, { ep: string; at: number }>();
  private readonly sockets = new Set<Socket>();
  private readonly timeoutMs: number;

  constructor(route: Route, timeoutMs: number) {
    this.route = route;
    this.timeoutMs = timeoutMs;
    this.server = createServer((s) => this.accept(s));
  }

  listen(port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, address, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }

  /** Endpoints in the order to try them: the client's sticky one first, then the next in turn. */
  private order(client: string): ProxyEndpoint[] {
    const eps = this.route.endpoints;
    if (eps.length === 0) return [];
    const start = this.next++ % eps.length;
    const out = [...eps.slice(start), ...eps.slice(0, start)];
    const secs = this.route.affinitySeconds;
    if (secs !== undefined) {
      const s = this.sticky.get(client);
      const i =
        s && Date.now() - s.at < secs * 1000 ? out.findIndex((e) => `${e.ip}:${e.port}` === s.ep) : -1;
      if (i > 0) out.unshift(...out.splice(i, 1));
    }
    return out;
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    const remote = client.remoteAddress ?? "";
    const candidates = this.order(remote);
    const attempt = (i: number): void => {
      const ep = candidates[i];
      if (!ep) {
        // As kube-proxy's REJECT for a service with no endpoints: the connection is refused.
        client.resetAndDestroy();
        return;
      }
      const up = connect(ep.port, ep.ip);
      up.setTimeout(this.timeoutMs, () => up.destroy(new Error("connect timed out")));
      this.sockets.add(up);
      up.on("close", () => this.sockets.delete(up));
      up.once("connect", () => {
        up.setTimeout(0);
        up.setNoDelay(true);
        if (this.route.affinitySeconds !== undefined)
          this.sticky.set(remote, { ep: `${ep.ip}:${ep.port}`, at: Date.now() });
        up.pipe(client);
        client.pipe(up);
        client.resume();
        client.on("close", () => up.destroy());
        up.on("close", () => client.destroy());
      });
      up.on("error", () => {
        if (up.connecting || up.bytesRead + up.bytesWritten === 0) attempt(i + 1);
        else client.destroy();
      });
    };
    attempt(0);
  }
}

const spec = (svc: KObject) => (svc.spec ?? {}) as { type?: string; loadBalancerClass?: string };

export class UserspaceProxier {
  private readonly deps: UserspaceProxierDeps;
  private readonly listeners = new Map<number, PortListener>();
  /** Ports that could not be taken, with why, so the warning is not repeated every sync. */
  private readonly failed = new Map<number, string>();
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
  routes(): Map<number, Route> {
    const { services, slices } = this.deps.informers;
    const out = new Map<number, Route>();
    const mine = new Set(this.deps.localIPs());
    for (const svc of services.list()) {
      const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
      for (const sp of servicePorts(svc, slices.byIndex("service", key), this.deps.nodeName)) {
        if (sp.protocol !== "TCP") continue;
        const route = (): Route => ({
          service: svc,
          key: `${key}:${sp.portName || sp.port}`,
          endpoints: this.usable(sp),
          affinitySeconds: sp.affinitySeconds,
        });
        if (sp.nodePort) out.set(sp.nodePort, route());
        // A load balancer port is tried even while the service waits for this node: the node's
        // trouble taking it is what keeps the node out of the service's addresses.
        const ours = spec(svc).type === "LoadBalancer" && !spec(svc).loadBalancerClass;
        const reserved = this.deps.reservedPorts?.has(`${sp.port}/TCP`) ?? false;
        if ((sp.loadBalancerIPs.some((ip) => mine.has(ip)) || (ours && !reserved)) && !out.has(sp.port))
          out.set(sp.port, route());
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
        have.route = route;
        continue;
      }
      const l = new PortListener(route, this.deps.connectTimeoutMs ?? 10_000);
      this.listeners.set(port, l);
      l.listen(port, this.deps.bindAddress ?? "0.0.0.0").then(
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
            `node ${this.deps.nodeName} cannot listen on port ${port}/TCP: ${why}`,
          );
        },
      );
    }
  }

  private publish(): void {
    const ports = [...this.failed.keys()].sort((a, b) => a - b).map((p) => `${p}/TCP`);
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
