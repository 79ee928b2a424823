import { findKind, parseApiVersion, resources, type ResourceInfo } from "../api/resources.ts";
import type { KObject } from "../apimachinery/meta.ts";
import type { ResourceRef } from "../client/rest-client.ts";

export function refOf(info: ResourceInfo): ResourceRef {
  return {
    group: info.group,
    version: info.storageVersion,
    resource: info.resource,
    namespaced: info.namespaced,
  };
}

export function refFor(group: string, resource: string): ResourceRef {
  const info = resources.find((r) => r.group === group && r.resource === resource);
  if (!info) throw new Error(`unknown resource ${group}/${resource}`);
  return refOf(info);
}

/** The resource an ownerReference's apiVersion and kind name, if this server serves it. */
export function refForKind(apiVersion: string, kind: string): ResourceRef | undefined {
  const { group } = parseApiVersion(apiVersion);
  const info =
    findKind(group, kind) ??
    (group === "extensions" && kind === "Ingress" ? findKind("networking.k8s.io", kind) : undefined);
  return info ? refOf(info) : undefined;
}

/** Namespaced resources that hold user content (what a namespace deletion must remove). */
export function namespacedContent(): ResourceInfo[] {
  return resources.filter((r) => r.namespaced && r.verbs.includes("list") && !(r.group === "events.k8s.io"));
}

/** A custom resource a CustomResourceDefinition serves, with its kind; undefined until it is Established. */
export function customResourceRef(
  crd: KObject,
): (ResourceRef & { kind: string; versions: string[] }) | undefined {
  const spec = crd.spec as
    | {
        group: string;
        scope: string;
        names: { plural: string; kind: string };
        versions: Array<{ name: string; storage: boolean; served: boolean }>;
      }
    | undefined;
  const storage = spec?.versions?.find((v) => v.storage);
  const conditions = (crd.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
    ?.conditions;
  // Definitions not (yet) served, such as those whose names clash, have nothing to read.
  if (!spec || !storage || !conditions?.some((c) => c.type === "Established" && c.status === "True"))
    return undefined;
  return {
    group: spec.group,
    version: storage.name,
    resource: spec.names.plural,
    namespaced: spec.scope === "Namespaced",
    kind: spec.names.kind,
    versions: spec.versions.filter((v) => v.served).map((v) => v.name),
  };
}
