// Defaults for the small kinds: Namespace, Secret, Endpoints, EndpointSlice, IngressClass,
// Node, Event.
import { child, isObj, list, setIfEmpty, setIfUnset, type Obj } from "./util.ts";

export function defaultNamespace(ns: Obj): void {
  const meta = child(ns, "metadata");
  if (meta.name) {
    // SetDefaults_Namespace: the name is always mirrored into this label.
    const labels = isObj(meta.labels) ? meta.labels : (meta.labels = {});
    labels["kubernetes.io/metadata.name"] = meta.name;
  }
  const status = child(ns, "status");
  setIfEmpty(status, "phase", "Active");
  // The namespace strategy adds the "kubernetes" finalizer on create only; an object without a
  // resourceVersion has not been stored yet.
  if (!meta.resourceVersion) {
    const spec = child(ns, "spec");
    const finalizers: unknown[] = Array.isArray(spec.finalizers) ? spec.finalizers : [];
    if (!finalizers.includes("kubernetes")) spec.finalizers = [...finalizers, "kubernetes"];
  }
}

export function defaultSecret(secret: Obj): void {
  setIfEmpty(secret, "type", "Opaque");
}

export function defaultEndpoints(ep: Obj): void {
  for (const subset of list(ep.subsets))
    for (const port of list(subset.ports)) setIfEmpty(port, "protocol", "TCP");
}

export function defaultEndpointSlice(es: Obj): void {
  for (const port of list(es.ports)) {
    setIfUnset(port, "name", "");
    setIfUnset(port, "protocol", "TCP");
  }
}

export function defaultIngressClass(ic: Obj): void {
  const spec = isObj(ic.spec) ? ic.spec : undefined;
  if (spec && isObj(spec.parameters)) setIfUnset(spec.parameters, "scope", "Cluster");
}

export function defaultNode(node: Obj): void {
  const status = isObj(node.status) ? node.status : undefined;
  if (status && isObj(status.capacity) && status.allocatable == null)
    status.allocatable = { ...status.capacity };
}

// core/v1 Event serializes these fields even when empty (no omitempty upstream).
export function defaultEvent(ev: Obj): void {
  setIfUnset(ev, "eventTime", null);
  setIfUnset(ev, "reportingComponent", "");
  setIfUnset(ev, "reportingInstance", "");
}

export function defaultPriorityClass(pc: Obj): void {
  setIfEmpty(pc, "preemptionPolicy", "PreemptLowerPriority");
}
