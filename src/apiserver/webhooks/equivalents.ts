// matchPolicy: Equivalent. A request reaches a webhook or policy whose rules name another
// version (or group) of the same stored resource, as upstream's EquivalentResourceMapper has it:
// resources sharing storage (every served version of a custom resource, apps/v1beta2 and
// apps/v1 Deployments, extensions/v1beta1 and networking.k8s.io/v1 Ingresses, core and
// events.k8s.io Events). The call then sees the object in the version it matched, and a
// mutating webhook's patch is converted back.
import type { KObject } from "../../apimachinery/meta.ts";
import { fromStorageVersion, storageGroupVersion, toStorageVersion } from "../../api/conversion/index.ts";
import { servedGroupVersions, type ResourceInfo } from "../../api/resources.ts";
import type { AdmissionAttributes } from "./webhook-admission.ts";

export interface Equivalent {
  group: string;
  version: string;
  resource: string;
  kind: string;
  info: ResourceInfo;
}

const storageKey = (info: ResourceInfo) => `${storageGroupVersion(info).group}/${info.storagePrefix}`;

let builtin: Map<string, Equivalent[]> | undefined;
const custom = new WeakMap<ResourceInfo, Equivalent[]>();

/** The group-versions serving the same stored objects as `info`, in discovery order. */
export function equivalentsOf(info: ResourceInfo): Equivalent[] {
  if (info.schema) {
    let e = custom.get(info);
    if (!e) {
      e = info.versions.map((version) => ({
        group: info.group,
        version,
        resource: info.resource,
        kind: info.kind,
        info,
      }));
      custom.set(info, e);
    }
    return e;
  }
  if (!builtin) {
    builtin = new Map();
    for (const gv of servedGroupVersions())
      for (const sr of gv.resources) {
        const k = storageKey(sr.info);
        const list = builtin.get(k) ?? [];
        list.push({
          group: gv.group,
          version: gv.version,
          resource: sr.info.resource,
          kind: sr.info.kind,
          info: sr.info,
        });
        builtin.set(k, list);
      }
  }
  return builtin.get(storageKey(info)) ?? [];
}

/**
 * The request as a call matched at `e` sees it: that group, version, resource and kind, the
 * object and old object in that version, and the request's own as requestKind/requestResource.
 */
export function asEquivalent(a: AdmissionAttributes, e: Equivalent): AdmissionAttributes {
  const request = a.request ?? { group: a.group, version: a.version, resource: a.resource, kind: a.kind };
  const out: AdmissionAttributes = {
    ...a,
    group: e.group,
    version: e.version,
    resource: e.resource,
    kind: e.kind,
    request,
  };
  if (!a.info) return out;
  // A subresource's own object (a Scale) is the same in every version; the resource is not.
  if (!a.objectKind) out.object = inVersion(a.info, e, a.object);
  out.oldObject = inVersion(a.info, e, a.oldObject);
  return out;
}

/** `a` itself when nothing differs from the stored form, else as seen at its own version. */
export function asRequested(a: AdmissionAttributes): AdmissionAttributes {
  if (!a.info) return a;
  const s = storageGroupVersion(a.info);
  if (s.group === a.group && s.version === a.version) return a;
  return asEquivalent(a, {
    group: a.group,
    version: a.version,
    resource: a.resource,
    kind: a.kind,
    info: a.info,
  });
}

function inVersion(stored: ResourceInfo, e: Equivalent, obj: KObject | undefined): KObject | undefined {
  if (!obj) return obj;
  const s = storageGroupVersion(stored);
  if (s.group === e.group && s.version === e.version) return obj;
  return fromStorageVersion(e.info, e.group, e.version, obj) as KObject;
}

/** A mutated object from a call at `seen`'s version, back in the stored form. */
export function toStored(seen: AdmissionAttributes, obj: KObject): KObject {
  if (!seen.info || seen.objectKind) return obj;
  const e = equivalentsOf(seen.info).find((x) => x.group === seen.group && x.version === seen.version);
  const s = storageGroupVersion(seen.info);
  if (!e || (s.group === seen.group && s.version === seen.version)) return obj;
  return toStorageVersion(e.info, e.group, e.version, obj) as KObject;
}
