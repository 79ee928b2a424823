// What an object counts against a ResourceQuota (pkg/quota/v1/evaluator/core): pods by their
// requests and limits, services by type, claims by storage and class, everything by count.
import {
  addAmounts,
  amountsOf,
  parseQuantity,
  zeroQuantity,
  type Quantity,
  type ResourceAmounts,
} from "../../apimachinery/quantity.ts";

type Obj = Record<string, any>;

const one = (): Quantity => ({ milli: 1000n, format: "DecimalSI" });
const count = (names: string[]): ResourceAmounts => new Map(names.map((n) => [n, one()]));

/** The compute resources whose requests or limits a quota on them makes each container name. */
export const computeResources = ["cpu", "memory"];

/** Requests or limits of a pod: the sum over its containers, or its largest init container's, whichever is more. */
export function podAmounts(spec: Obj | undefined, field: "requests" | "limits"): ResourceAmounts {
  const sum: ResourceAmounts = new Map();
  for (const c of (spec?.containers ?? []) as Obj[]) addAmounts(sum, amountsOf(c.resources?.[field]));
  for (const c of (spec?.initContainers ?? []) as Obj[]) {
    const own = amountsOf(c.resources?.[field]);
    if (c.restartPolicy === "Always") {
      addAmounts(sum, own);
      continue;
    }
    for (const [k, v] of own) if (v.milli > (sum.get(k)?.milli ?? 0n)) sum.set(k, v);
  }
  if (spec?.overhead) addAmounts(sum, amountsOf(spec.overhead));
  return sum;
}

export function isTerminalPod(pod: Obj): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

function podUsage(pod: Obj): ResourceAmounts {
  if (isTerminalPod(pod)) return new Map();
  const out = count(["pods", "count/pods"]);
  for (const [k, v] of podAmounts(pod.spec, "requests")) {
    out.set(`requests.${k}`, v);
    if (k === "cpu" || k === "memory" || k === "ephemeral-storage") out.set(k, v);
  }
  for (const [k, v] of podAmounts(pod.spec, "limits")) out.set(`limits.${k}`, v);
  return out;
}

function serviceUsage(svc: Obj): ResourceAmounts {
  const out = count(["services", "count/services"]);
  const type = svc.spec?.type ?? "ClusterIP";
  if (type === "LoadBalancer") out.set("services.loadbalancers", one());
  if (type === "NodePort" || type === "LoadBalancer") {
    const n = ((svc.spec?.ports ?? []) as Obj[]).length;
    out.set("services.nodeports", { milli: BigInt(n) * 1000n, format: "DecimalSI" });
  }
  return out;
}

function claimUsage(pvc: Obj): ResourceAmounts {
  const out = count(["persistentvolumeclaims", "count/persistentvolumeclaims"]);
  const storage = parseQuantity(pvc.spec?.resources?.requests?.storage) ?? zeroQuantity("BinarySI");
  out.set("requests.storage", storage);
  const cls = pvc.spec?.storageClassName;
  if (cls) {
    out.set(`${cls}.storageclass.storage.k8s.io/requests.storage`, storage);
    out.set(`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, one());
  }
  return out;
}

/** The usage of one object of `resource` in `group`. */
export function usageOf(group: string, resource: string, obj: Obj): ResourceAmounts {
  if (group === "") {
    if (resource === "pods") return podUsage(obj);
    if (resource === "services") return serviceUsage(obj);
    if (resource === "persistentvolumeclaims") return claimUsage(obj);
    if (["configmaps", "secrets", "replicationcontrollers", "resourcequotas"].includes(resource))
      return count([resource, `count/${resource}`]);
    return count([`count/${resource}`]);
  }
  return count([`count/${resource}.${group}`]);
}

/** The quota's scopes (and scopeSelector) admit this pod; scoped quotas count only pods. */
export function quotaMatches(quota: Obj, group: string, resource: string, obj: Obj): boolean {
  const scopes: string[] = [...(quota.spec?.scopes ?? [])];
  const selectors: Obj[] = quota.spec?.scopeSelector?.matchExpressions ?? [];
  if (!scopes.length && !selectors.length) return true;
  if (group !== "" || resource !== "pods") return false;
  const bestEffort = qosIsBestEffort(obj.spec);
  const terminating = obj.spec?.activeDeadlineSeconds != null;
  const scope = (s: string, e?: Obj): boolean => {
    switch (s) {
      case "BestEffort":
        return bestEffort;
      case "NotBestEffort":
        return !bestEffort;
      case "Terminating":
        return terminating;
      case "NotTerminating":
        return !terminating;
      case "PriorityClass": {
        const name = obj.spec?.priorityClassName;
        if (!e) return Boolean(name);
        switch (e.operator) {
          case "In":
            return (e.values ?? []).includes(name);
          case "NotIn":
            return !(e.values ?? []).includes(name);
          case "Exists":
            return Boolean(name);
          case "DoesNotExist":
            return !name;
        }
        return false;
      }
      case "CrossNamespacePodAffinity":
        return false;
    }
    return false;
  };
  return scopes.every((s) => scope(s)) && selectors.every((e) => scope(e.scopeName, e));
}

function qosIsBestEffort(spec: Obj | undefined): boolean {
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])] as Obj[])
    for (const f of ["requests", "limits"])
      for (const r of computeResources) if (c.resources?.[f]?.[r] !== undefined) return false;
  return true;
}

/** Only what the quota limits (quota.Mask). */
export function mask(amounts: ResourceAmounts, names: Iterable<string>): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const n of names) {
    const v = amounts.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

export function sumUsage(objs: Obj[], group: string, resource: string, quota: Obj): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const o of objs)
    if (quotaMatches(quota, group, resource, o)) addAmounts(out, usageOf(group, resource, o));
  return out;
}
