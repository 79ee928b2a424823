// The Ingress controller's routing table: which backend answers a request, from the Ingresses of
// the skiff class, the services they name and those services' EndpointSlices. Matching follows the
// Ingress API's rules: an exact host before a wildcard one (which covers one DNS label), rules
// without a host for every other host; the longest matching path wins, Exact before Prefix at equal
// length; Prefix matches whole path elements; where two Ingresses define the same host and path, the
// older one wins (as ingress-nginx decides it).
import type { KObject } from "../apimachinery/meta.ts";
import { portEndpoints, usableEndpoints, type ProxyEndpoint } from "../proxy/service-ports.ts";

export const INGRESS_CONTROLLER = "skiff.dev/ingress-controller";
export const INGRESS_CLASS = "skiff";
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
export const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

export interface ServiceBackendRef {
  name: string;
  port: { number?: number; name?: string };
}

/** Where a matched request goes: a service's usable endpoints, or why there are none. */
export interface Backend {
  namespace: string;
  service: string;
  /** Endpoints to spread requests over; empty means 503. */
  endpoints: ProxyEndpoint[];
  /** An ExternalName service's host and port, proxied by name. */
  external?: { host: string; port: number };
  /** Why the backend cannot answer (a missing service or port), for the log. */
  problem?: string;
}

type PathType = "Exact" | "Prefix" | "ImplementationSpecific";

interface PathRoute {
  path: string;
  type: PathType;
  backend: Backend;
  /** Ordering among equal matches: the older Ingress first. */
  rank: string;
}

interface HostRoutes {
  paths: PathRoute[];
  /** The defaultBackend of the (oldest) Ingress that names this host. */
  fallback?: Backend;
}

export interface TlsEntry {
  namespace: string;
  secretName: string;
  /** The hosts it covers; exact names and `*.suffix` wildcards. */
  hosts: string[];
  rank: string;
}

export interface IngressSources {
  ingresses: KObject[];
  classes: KObject[];
  service(namespace: string, name: string): KObject | undefined;
  slices(namespace: string, name: string): KObject[];
  nodeName: string;
}

interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: { service?: ServiceBackendRef };
  tls?: Array<{ hosts?: string[]; secretName?: string }>;
  rules?: Array<{
    host?: string;
    http?: { paths?: Array<{ path?: string; pathType?: string; backend?: { service?: ServiceBackendRef } }> };
  }>;
}

interface ServiceSpec {
  type?: string;
  externalName?: string;
  ports?: Array<{ name?: string; port: number; protocol?: string; targetPort?: number | string }>;
}

/** The classes skiff serves, and whether one of them is the cluster's default. */
function ourClasses(classes: KObject[]): { names: Set<string>; isDefault: boolean } {
  const names = new Set<string>();
  let isDefault = false;
  for (const c of classes) {
    if ((c.spec as { controller?: string } | undefined)?.controller !== INGRESS_CONTROLLER) continue;
    names.add(c.metadata?.name ?? "");
    if (c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true") isDefault = true;
  }
  return { names, isDefault };
}

/** Whether skiff serves this Ingress: its class (or the legacy annotation) is ours, or it has none and ours is the default. */
export function isOurs(ing: KObject, classes: { names: Set<string>; isDefault: boolean }): boolean {
  const spec = (ing.spec ?? {}) as IngressSpec;
  const legacy = ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  const name = spec.ingressClassName ?? legacy;
  if (name === undefined || name === "") return classes.isDefault;
  return classes.names.has(name) || (legacy !== undefined && legacy === INGRESS_CLASS);
}

export function servedIngresses(ingresses: KObject[], classes: KObject[]): KObject[] {
  const ours = ourClasses(classes);
  return ingresses.filter((i) => isOurs(i, ours));
}

/** A service backend resolved to what requests reach. */
export function resolveBackend(src: IngressSources, namespace: string, ref: ServiceBackendRef): Backend {
  const base = { namespace, service: ref.name, endpoints: [] as ProxyEndpoint[] };
  const svc = src.service(namespace, ref.name);
  if (!svc) return { ...base, problem: `service "${namespace}/${ref.name}" not found` };
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const port = (spec.ports ?? []).find((p) =>
    ref.port.name !== undefined ? p.name === ref.port.name : p.port === ref.port.number,
  );
  const wanted = ref.port.name ?? String(ref.port.number);
  if (spec.type === "ExternalName" && spec.externalName) {
    const target = port
      ? typeof port.targetPort === "number"
        ? port.targetPort
        : port.port
      : ref.port.number;
    if (!target) return { ...base, problem: `service "${namespace}/${ref.name}" has no port ${wanted}` };
    return { ...base, external: { host: spec.externalName, port: target } };
  }
  if (!port) return { ...base, problem: `service "${namespace}/${ref.name}" has no port ${wanted}` };
  const eps = portEndpoints(
    src.slices(namespace, ref.name),
    port.name ?? "",
    port.protocol ?? "TCP",
    src.nodeName,
  );
  return { ...base, endpoints: usableEndpoints(eps) };
}

const rankOf = (ing: KObject) =>
  `${ing.metadata?.creationTimestamp ?? ""} ${ing.metadata?.namespace}/${ing.metadata?.name}`;

/** Path elements for Prefix matching: "/foo/bar/" and "/foo/bar" are the same prefix. */
const elements = (p: string) => p.split("/").filter((e) => e !== "");

function pathMatches(route: PathRoute, path: string): boolean {
  if (route.type === "Exact") return path === route.path;
  if (route.type === "ImplementationSpecific") return path.startsWith(route.path);
  const want = elements(route.path);
  const have = elements(path);
  if (want.length > have.length) return false;
  return want.every((e, i) => have[i] === e);
}

/** The length that orders matches: longer paths are more specific. */
const specificity = (r: PathRoute) =>
  r.type === "Prefix" ? elements(r.path).join("/").length + 1 : r.path.length;

export class IngressTable {
  private readonly exact = new Map<string, HostRoutes>();
  private readonly wildcard = new Map<string, HostRoutes>();
  private readonly anyHost: HostRoutes = { paths: [] };
  /** The defaultBackend of the oldest Ingress that has one: for requests nothing else matches. */
  private globalFallback?: Backend;
  readonly tls: TlsEntry[] = [];

  static build(src: IngressSources): IngressTable {
    const table = new IngressTable();
    const served = servedIngresses(src.ingresses, src.classes).sort((a, b) =>
      rankOf(a) < rankOf(b) ? -1 : rankOf(a) > rankOf(b) ? 1 : 0,
    );
    for (const ing of served) table.add(src, ing);
    for (const h of [...table.exact.values(), ...table.wildcard.values(), table.anyHost]) {
      // Most specific first; among equals Exact before Prefix, then the older Ingress.
      h.paths.sort(
        (a, b) =>
          specificity(b) - specificity(a) ||
          (a.type === "Exact" ? 0 : 1) - (b.type === "Exact" ? 0 : 1) ||
          (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0),
      );
    }
    return table;
  }

  private hostRoutes(host: string): HostRoutes {
    if (host === "") return this.anyHost;
    const map = host.startsWith("*.") ? this.wildcard : this.exact;
    const key = host.startsWith("*.") ? host.slice(2) : host;
    let h = map.get(key);
    if (!h) map.set(key, (h = { paths: [] }));
    return h;
  }

  private add(src: IngressSources, ing: KObject): void {
    const ns = ing.metadata?.namespace ?? "";
    const spec = (ing.spec ?? {}) as IngressSpec;
    const rank = rankOf(ing);
    const fallback = spec.defaultBackend?.service
      ? resolveBackend(src, ns, spec.defaultBackend.service)
      : undefined;
    if (fallback && !this.globalFallback) this.globalFallback = fallback;
    for (const rule of spec.rules ?? []) {
      const routes = this.hostRoutes(rule.host ?? "");
      if (fallback && !routes.fallback && rule.host) routes.fallback = fallback;
      for (const p of rule.http?.paths ?? []) {
        if (!p.backend?.service) continue;
        const type = (p.pathType ?? "ImplementationSpecific") as PathType;
        const path = p.path ?? "/";
        // The same host, path and type in a newer Ingress loses to the older one.
        if (routes.paths.some((r) => r.path === path && r.type === type)) continue;
        routes.paths.push({ path, type, backend: resolveBackend(src, ns, p.backend.service), rank });
      }
    }
    for (const t of spec.tls ?? []) {
      if (!t.secretName) continue;
      this.tls.push({ namespace: ns, secretName: t.secretName, hosts: t.hosts ?? [], rank });
    }
  }

  /**
   * The routes for a request's host: its exact host, else a wildcard on its parent domain, else the
   * host-less rules. As with nginx's server names, only that one set is searched.
   */
  private routesFor(host: string): HostRoutes {
    const exact = this.exact.get(host);
    if (exact) return exact;
    const dot = host.indexOf(".");
    const wild = dot > 0 ? this.wildcard.get(host.slice(dot + 1)) : undefined;
    return wild ?? this.anyHost;
  }

  /** The backend for a request, or undefined for 404. `host` is lower-case without a port. */
  match(host: string, path: string): Backend | undefined {
    const routes = this.routesFor(host);
    const hit = routes.paths.find((r) => pathMatches(r, path));
    return hit?.backend ?? routes.fallback ?? this.globalFallback;
  }

  /** Every host named by a TLS section, with the secret serving it (the older Ingress first). */
  tlsSecretFor(host: string): TlsEntry | undefined {
    const dot = host.indexOf(".");
    const parent = dot > 0 ? `*.${host.slice(dot + 1)}` : undefined;
    return (
      this.tls.find((t) => t.hosts.includes(host)) ??
      (parent ? this.tls.find((t) => t.hosts.includes(parent)) : undefined)
    );
  }
}

/** A request's host for matching: lower-case, without its port or a trailing dot. */
export function requestHost(header: string | undefined): string {
  if (!header) return "";
  let h = header.toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}
