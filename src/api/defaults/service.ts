import { child, isObj, list, setIfEmpty, setIfUnset, type Obj } from "./util.ts";

/** SetDefaults_Service, plus the clusterIPs/ipFamily fields the service registry fills in. */
export function defaultService(svc: Obj): void {
  const spec = child(svc, "spec");
  setIfEmpty(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP") {
    const cfg = spec.sessionAffinityConfig;
    if (!isObj(cfg) || !isObj(cfg.clientIP) || cfg.clientIP.timeoutSeconds == null)
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  setIfEmpty(spec, "type", "ClusterIP");
  for (const port of list(spec.ports)) {
    setIfEmpty(port, "protocol", "TCP");
    if (
      port.targetPort === undefined ||
      port.targetPort === null ||
      port.targetPort === 0 ||
      port.targetPort === ""
    )
      port.targetPort = port.port;
  }
  const type = spec.type;
  const externallyAccessible =
    type === "LoadBalancer" ||
    type === "NodePort" ||
    (type === "ClusterIP" && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (externallyAccessible) setIfEmpty(spec, "externalTrafficPolicy", "Cluster");
  if (type === "ClusterIP" || type === "NodePort" || type === "LoadBalancer")
    setIfUnset(spec, "internalTrafficPolicy", "Cluster");
  if (type === "LoadBalancer") {
    setIfUnset(spec, "allocateLoadBalancerNodePorts", true);
    for (const ing of list(svc.status?.loadBalancer?.ingress))
      if (ing.ip && ing.ipMode == null) ing.ipMode = "VIP";
  }
  if (type === "ExternalName") return;
  // pkg/registry/core/service/strategy.go normalizeClusterIPs
  if (spec.clusterIP && !(Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0))
    spec.clusterIPs = [spec.clusterIP];
  // pkg/registry/core/service/storage/alloc.go initIPFamilyFields, for a single-stack IPv4 cluster.
  const headless = spec.clusterIP === "None";
  const selectorless = !isObj(spec.selector) || Object.keys(spec.selector).length === 0;
  setIfUnset(spec, "ipFamilyPolicy", headless && selectorless ? "RequireDualStack" : "SingleStack");
  if (!(Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0)) {
    const ips: string[] = Array.isArray(spec.clusterIPs)
      ? spec.clusterIPs.filter((ip: string) => ip && ip !== "None")
      : [];
    spec.ipFamilies = ips.length ? ips.map((ip) => (ip.includes(":") ? "IPv6" : "IPv4")) : ["IPv4"];
  }
}
