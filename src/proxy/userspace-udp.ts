// A UDP host port of the userspace proxy. UDP has no connections, so each client address and port
// is a flow (as conntrack keeps one) with a socket of its own towards the endpoint chosen for it;
// answers come back through the host port. A flow ends after it has been idle a while, or as soon
// as its endpoint leaves the service, so that a client that keeps sending moves to another one (what
// the kernel mode does by deleting stale conntrack entries).
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { ProxyEndpoint } from "./service-ports.ts";
import { EndpointPicker, endpointKey, type HostListener, type Route } from "./userspace-route.ts";

/** As the kernel's nf_conntrack_udp_timeout. */
const DEFAULT_IDLE_MS = 30_000;

interface Flow {
  ep: ProxyEndpoint;
  up: Socket;
  last: number;
}

export class UdpPortListener implements HostListener {
  private route: Route;
  private socket: Socket | undefined;
  private readonly picker = new EndpointPicker();
  private readonly flows = new Map<string, Flow>();
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(route: Route, idleMs = DEFAULT_IDLE_MS) {
    this.route = route;
    this.idleMs = idleMs;
  }

  update(route: Route): void {
    this.route = route;
    const live = new Set(route.endpoints.map(endpointKey));
    for (const [client, f] of this.flows) if (!live.has(endpointKey(f.ep))) this.end(client, f);
  }

  listen(port: number, address: string): Promise<void> {
    const socket = createSocket({ type: isIPv6(address) ? "udp6" : "udp4" });
    this.socket = socket;
    socket.on("message", (msg, from) => this.forward(msg, from.address, from.port));
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => {
        socket.off("error", reject);
        // A send that fails (an unreachable client) must not take the listener down.
        socket.on("error", () => {});
        this.sweeper = setInterval(() => this.sweep(), Math.min(this.idleMs, 5000));
        this.sweeper.unref();
        resolve();
      });
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [client, f] of this.flows) this.end(client, f);
    try {
      this.socket?.close();
    } catch {
      // never bound
    }
  }

  private forward(msg: Buffer, address: string, port: number): void {
    const client = `${address}|${port}`;
    let flow = this.flows.get(client);
    if (!flow) {
      const ep = this.picker.candidates(this.route, address)(0);
      // No endpoint: the datagram is dropped (the kernel mode answers with ICMP unreachable).
      if (!ep) return;
      flow = this.open(client, ep, address, port);
    }
    flow.last = Date.now();
    flow.up.send(msg, flow.ep.port, flow.ep.ip);
  }

  private open(client: string, ep: ProxyEndpoint, address: string, port: number): Flow {
    const up = createSocket({ type: isIPv6(ep.ip) ? "udp6" : "udp4" });
    const flow: Flow = { ep, up, last: Date.now() };
    up.on("message", (answer, from) => {
      if (from.address !== ep.ip || from.port !== ep.port) return;
      flow.last = Date.now();
      this.socket?.send(answer, port, address);
    });
    up.on("error", () => this.end(client, flow));
    this.flows.set(client, flow);
    this.picker.reached(this.route, address, ep);
    return flow;
  }

  private end(client: string, f: Flow): void {
    if (this.flows.get(client) === f) this.flows.delete(client);
    try {
      f.up.close();
    } catch {
      // already closed
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [client, f] of this.flows) if (f.last < cutoff) this.end(client, f);
  }
}
