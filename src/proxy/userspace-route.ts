// What one host port of the userspace proxy forwards to, and the choice of endpoint for each new
// connection or UDP flow: the client's sticky endpoint first (ClientIP affinity), then the rest in turn.
import type { KObject } from "../apimachinery/meta.ts";
import type { ProxyEndpoint } from "./service-ports.ts";

/** Replaced in place as endpoints change, so listeners stay up. */
export interface Route {
  service: KObject;
  key: string;
  endpoints: ProxyEndpoint[];
  affinitySeconds?: number;
}

/** A listener on one host port, for one protocol. */
export interface HostListener {
  update(route: Route): void;
  listen(port: number, address: string): Promise<void>;
  close(): void;
}

export const endpointKey = (e: ProxyEndpoint) => `${e.ip}:${e.port}`;

export class EndpointPicker {
  private next = 0;
  private readonly sticky = new Map<string, { ep: string; at: number }>();

  /** The endpoints to try for a client, by attempt number, without copying the route's list. */
  candidates(route: Route, client: string): (attempt: number) => ProxyEndpoint | undefined {
    const eps = route.endpoints;
    const n = eps.length;
    if (n === 0) return () => undefined;
    const start = this.next++ % n;
    const first = this.stickyIndex(route, client);
    if (first < 0) return (i) => (i < n ? eps[(start + i) % n] : undefined);
    // The sticky one, then the turn from `start` with the sticky one left out.
    const skipAt = (first - start + n) % n;
    return (i) => {
      if (i === 0) return eps[first];
      if (i >= n) return undefined;
      const k = i - 1;
      return eps[(start + k + (k >= skipAt ? 1 : 0)) % n];
    };
  }

  /** Records the endpoint a client reached, for ClientIP affinity. */
  reached(route: Route, client: string, ep: ProxyEndpoint): void {
    if (route.affinitySeconds !== undefined) this.sticky.set(client, { ep: endpointKey(ep), at: Date.now() });
  }

  private stickyIndex(route: Route, client: string): number {
    const secs = route.affinitySeconds;
    if (secs === undefined) return -1;
    const s = this.sticky.get(client);
    if (!s) return -1;
    if (Date.now() - s.at >= secs * 1000) {
      this.sticky.delete(client);
      return -1;
    }
    return route.endpoints.findIndex((e) => endpointKey(e) === s.ep);
  }
}
