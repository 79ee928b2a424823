// The Service field rules the registry applies around allocation
// (pkg/registry/core/service/strategy.go and storage/storage.go).

type Spec = Record<string, any>;

const ports = (spec: Spec): Spec[] => (Array.isArray(spec.ports) ? spec.ports : []);
const ipsOf = (spec: Spec): string[] => (Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(String) : []);

export const needsClusterIP = (spec: Spec): boolean => spec.type !== "ExternalName";
export const needsNodePort = (spec: Spec): boolean =>
  spec.type === "NodePort" || spec.type === "LoadBalancer";
export const needsHCNodePort = (spec: Spec): boolean =>
  spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
export const isHeadless = (spec: Spec): boolean => spec.clusterIP === "None" || ipsOf(spec)[0] === "None";

/** NodePort services always get node ports; LoadBalancers unless allocateLoadBalancerNodePorts is false. */
export const shouldAllocateNodePorts = (spec: Spec): boolean =>
  spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);

function externallyAccessible(spec: Spec): boolean {
  return (
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0)
  );
}

export function nodePortsOf(spec: Spec): number[] {
  return ports(spec)
    .map((p) => p.nodePort)
    .filter((n): n is number => typeof n === "number" && n !== 0);
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameClusterIPs = (o: Spec, n: Spec) =>
  (o.clusterIP ?? "") === (n.clusterIP ?? "") && sameList(ipsOf(o), ipsOf(n));
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function unset(spec: Spec, field: string): void {
  delete spec[field];
}

/** An older client that dropped clusterIPs but kept clusterIP (strategy.go NormalizeClusterIPs). */
export function normalizeClusterIPsOnUpdate(spec: Spec, old: Spec): void {
  if (ipsOf(old).length > 0 && ipsOf(spec).length === 0 && (old.clusterIP ?? "") === (spec.clusterIP ?? ""))
    spec.clusterIPs = [...ipsOf(old)];
  if (
    (old.clusterIP ?? "") !== (spec.clusterIP ?? "") &&
    sameClusterIPs(old, { ...spec, clusterIP: old.clusterIP })
  ) {
    if (old.clusterIP && !spec.clusterIP) unset(spec, "clusterIPs");
    else spec.clusterIPs = [spec.clusterIP];
  }
}

/** Resubmitting a manifest without the allocated values keeps them (storage.go patchAllocatedValues). */
export function patchAllocatedValues(spec: Spec, old: Spec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (ipsOf(spec).length === 0 && ipsOf(old).length > 0) spec.clusterIPs = [...ipsOf(old)];
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const oldPorts = new Set(nodePortsOf(old));
    const used = new Set(nodePortsOf(spec).filter((n) => oldPorts.has(n)));
    const byName = new Map<string, number>();
    for (const p of ports(old)) byName.set(p.name ?? "", p.nodePort ?? 0);
    for (const p of ports(spec)) {
      if (p.nodePort) continue;
      const v = byName.get(p.name ?? "") ?? 0;
      if (v && !used.has(v)) p.nodePort = v;
    }
  }
  if (needsHCNodePort(old) && needsHCNodePort(spec) && !spec.healthCheckNodePort && old.healthCheckNodePort)
    spec.healthCheckNodePort = old.healthCheckNodePort;
}

/**
 * Clears fields that a type change made meaningless, when the user left them as they were
 * (strategy.go dropTypeDependentFields); the allocator then releases what they held.
 */
export function dropTypeDependentFields(svc: Spec, oldSvc: Spec): void {
  const spec: Spec = (svc.spec ??= {});
  const old: Spec = oldSvc.spec ?? {};
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (sameClusterIPs(old, spec)) {
      unset(spec, "clusterIP");
      unset(spec, "clusterIPs");
    }
    if (sameJson(old.ipFamilies, spec.ipFamilies)) unset(spec, "ipFamilies");
    if ((old.ipFamilyPolicy ?? "") === (spec.ipFamilyPolicy ?? "")) unset(spec, "ipFamilyPolicy");
  }
  if (needsNodePort(old) && !needsNodePort(spec)) {
    const oldPorts = new Set(nodePortsOf(old));
    if (nodePortsOf(spec).every((n) => oldPorts.has(n))) for (const p of ports(spec)) delete p.nodePort;
  }
  if (
    needsHCNodePort(old) &&
    !needsHCNodePort(spec) &&
    (old.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)
  )
    unset(spec, "healthCheckNodePort");
  if (old.type === "LoadBalancer" && spec.type !== "LoadBalancer") {
    if (
      spec.allocateLoadBalancerNodePorts != null &&
      spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts
    )
      unset(spec, "allocateLoadBalancerNodePorts");
    if ((spec.loadBalancerClass ?? null) === (old.loadBalancerClass ?? null))
      unset(spec, "loadBalancerClass");
  }
  if (
    externallyAccessible(old) &&
    !externallyAccessible(spec) &&
    spec.externalTrafficPolicy === old.externalTrafficPolicy
  )
    unset(spec, "externalTrafficPolicy");
  if (spec.type !== "LoadBalancer" && svc.status && typeof svc.status === "object")
    svc.status.loadBalancer = {};
}
