import type { ResourceInfo } from "../../api/resources.ts";
import type { KObject } from "../../apimachinery/meta.ts";

type FieldFn = (obj: any) => Record<string, string>;

const s = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

// The field labels each resource supports, as upstream's per-resource GetAttrs/ToSelectableFields.
const byResource: Record<string, FieldFn> = {
  "/pods": (o) => ({
    "spec.nodeName": s(o.spec?.nodeName),
    "spec.restartPolicy": s(o.spec?.restartPolicy),
    "spec.schedulerName": s(o.spec?.schedulerName),
    "spec.serviceAccountName": s(o.spec?.serviceAccountName),
    "spec.hostNetwork": s(o.spec?.hostNetwork ?? false),
    "status.phase": s(o.status?.phase),
    "status.podIP": s(o.status?.podIP),
    "status.nominatedNodeName": s(o.status?.nominatedNodeName),
  }),
  "/events": (o) => ({
    "involvedObject.kind": s(o.involvedObject?.kind),
    "involvedObject.namespace": s(o.involvedObject?.namespace),
    "involvedObject.name": s(o.involvedObject?.name),
    "involvedObject.uid": s(o.involvedObject?.uid),
    "involvedObject.apiVersion": s(o.involvedObject?.apiVersion),
    "involvedObject.resourceVersion": s(o.involvedObject?.resourceVersion),
    "involvedObject.fieldPath": s(o.involvedObject?.fieldPath),
    reason: s(o.reason),
    reportingComponent: s(o.reportingComponent),
    source: s(o.source?.component),
    type: s(o.type),
  }),
  "/nodes": (o) => ({ "spec.unschedulable": s(o.spec?.unschedulable ?? false) }),
  "/namespaces": (o) => ({ "status.phase": s(o.status?.phase) }),
  "/secrets": (o) => ({ type: s(o.type) }),
  "/replicationcontrollers": (o) => ({ "status.replicas": s(o.status?.replicas ?? 0) }),
  "apps/replicasets": (o) => ({ "status.replicas": s(o.status?.replicas ?? 0) }),
  "batch/jobs": (o) => ({ "status.successful": s(o.status?.succeeded ?? 0) }),
  "/services": (o) => ({ "spec.clusterIP": s(o.spec?.clusterIP), "spec.type": s(o.spec?.type) }),
};
byResource["events.k8s.io/events"] = byResource["/events"];

/** Every field a field selector may name for this resource, with its value. */
export function selectableFields(info: ResourceInfo, obj: KObject): Record<string, string> {
  const base: Record<string, string> = { "metadata.name": s(obj.metadata?.name) };
  if (info.namespaced) base["metadata.namespace"] = s(obj.metadata?.namespace);
  const fn = byResource[`${info.group}/${info.resource}`];
  if (info.selectableFields) {
    // A custom resource's selectable fields, by their path without the leading dot.
    for (const path of info.selectableFields) {
      const v = path
        .replace(/^\./, "")
        .split(".")
        .reduce<unknown>(
          (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
          obj,
        );
      base[path.replace(/^\./, "")] = s(v);
    }
  }
  return fn ? { ...base, ...fn(obj) } : base;
}

export function supportedFieldLabels(info: ResourceInfo): Set<string> {
  const probe = selectableFields(info, { metadata: {} });
  if (!info.namespaced) probe["metadata.namespace"] = "";
  return new Set(Object.keys(probe));
}
