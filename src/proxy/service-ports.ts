// What the proxy routes: one entry per service port, with the endpoints its traffic may reach, built
// from Services and their EndpointSlices as kube-proxy's service and endpoint change trackers do.
import { isIPv4 } from "node:net";
import type { KObject } from "../apimachinery/meta.ts";

export interface ProxyEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this node (kube-proxy's "local" endpoints, for externalTrafficPolicy: Local). */
  local: boolean;
}

export interface ProxyServicePort {
  namespace: string;
  name: string;
  /** The port's name ("" when the service has one unnamed port). */
  portName: string;
  protocol: string;
  clusterIP?: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity's timeout; absent for sessionAffinity None. */
  affinitySeconds?: number;
  externalLocal: boolean;
  internalLocal: boolean;
  endpoints: ProxyEndpoint[];
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  ports?: Array<{ name?: string; protocol?: string; port: number; nodePort?: number }>;
  externalIPs?: string[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
}

interface Slice {
  addressType?: string;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    nodeName?: string;
  }>;
  ports?: Array<{ name?: string; protocol?: string; port?: number }>;
}

/** The service ports the proxy routes for one Service and its EndpointSlices. */
export function servicePorts(svc: KObject, slices: KObject[], nodeName: string): ProxyServicePort[] {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  // Headless and ExternalName services have no virtual IP to route (upstream's ShouldSkipService).
  if (spec.type === "ExternalName" || !spec.clusterIP || spec.clusterIP === "None") return [];
  const clusterIP = spec.clusterIP && isIPv4(spec.clusterIP) ? spec.clusterIP : undefined;
  const status = svc.status as { loadBalancer?: { ingress?: Array<{ ip?: string }> } } | undefined;
  const lbIPs =
    spec.type === "LoadBalancer"
      ? (status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "").filter((ip) => isIPv4(ip))
      : [];
  const affinitySeconds =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800)
      : undefined;
  const out: ProxyServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = p.protocol ?? "TCP";
    const portName = p.name ?? "";
    const endpoints = portEndpoints(slices, portName, protocol, nodeName);
    out.push({
      namespace: svc.metadata?.namespace ?? "",
      name: svc.metadata?.name ?? "",
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort: spec.type === "NodePort" || spec.type === "LoadBalancer" ? p.nodePort : undefined,
      externalIPs: (spec.externalIPs ?? []).filter((ip) => isIPv4(ip)),
      loadBalancerIPs: lbIPs,
      affinitySeconds,
      externalLocal: spec.externalTrafficPolicy === "Local",
      internalLocal: spec.internalTrafficPolicy === "Local",
      endpoints,
    });
  }
  return out;
}

/** The endpoints of one service port (by the port's name and protocol) across a service's slices. */
export function portEndpoints(
  slices: KObject[],
  portName: string,
  protocol: string,
  nodeName: string,
): ProxyEndpoint[] {
  const endpoints: ProxyEndpoint[] = [];
  const seen = new Set<string>();
  for (const s of slices) {
    const slice = s as Slice;
    if (slice.addressType && slice.addressType !== "IPv4") continue;
    const sp = (slice.ports ?? []).find(
      (x) => (x.name ?? "") === portName && (x.protocol ?? "TCP") === protocol,
    );
    if (!sp?.port) continue;
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses[0];
      if (!ip || !isIPv4(ip)) continue;
      const key = `${ip}:${sp.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ready = e.conditions?.ready ?? true;
      endpoints.push({
        ip,
        port: sp.port,
        ready,
        serving: e.conditions?.serving ?? ready,
        terminating: e.conditions?.terminating ?? false,
        local: e.nodeName === nodeName,
      });
    }
  }
  return endpoints;
}

/**
 * The endpoints traffic may go to (upstream's CategorizeEndpoints): the ready ones, or, when none is
 * ready, those still serving while they terminate, so connections drain instead of failing.
 */
export function usableEndpoints(eps: ProxyEndpoint[]): ProxyEndpoint[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length ? ready : eps.filter((e) => e.serving && e.terminating);
}
