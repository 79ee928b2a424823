// Converts objects between a served group/version and the one a resource is stored in. Legacy
// versions whose schema matches the storage version (apps/v1beta2, batch/v1beta1) only change
// apiVersion: their defaults equal apps/v1's and batch/v1's, and apps/v1beta2 (unlike
// extensions/v1beta1) never defaulted spec.selector from the template labels
// (pkg/apis/apps/v1beta2/defaults.go), so defaulting of the storage version covers them.
import type { ResourceInfo } from "../resources.ts";
import { apiVersionOf } from "../resources.ts";
import { coreToEventsV1, eventsV1ToCore } from "./event.ts";
import { ingressV1ToV1beta1, ingressV1beta1ToV1 } from "./ingress.ts";
import { hpaV1ToV2, hpaV2ToV1 } from "./hpa.ts";

export { deprecationWarning } from "./deprecation.ts";

type Obj = Record<string, any>;
type Convert = (obj: Obj) => Obj;

interface Conversion {
  toStorage: Convert;
  fromStorage: Convert;
}

/** Served group/version + kind → the conversion through its storage version. */
const conversions: Record<string, Conversion> = {
  "extensions/v1beta1 Ingress": { toStorage: ingressV1beta1ToV1, fromStorage: ingressV1ToV1beta1 },
  "events.k8s.io/v1 Event": { toStorage: eventsV1ToCore, fromStorage: coreToEventsV1 },
  "autoscaling/v1 HorizontalPodAutoscaler": { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
};

/**
 * The group and version a resource's objects are stored as. events.k8s.io Events share storage
 * with core/v1 Events (the same objects, as upstream), so they are stored in core/v1 shape.
 */
export function storageGroupVersion(info: ResourceInfo): { group: string; version: string } {
  if (info.group === "events.k8s.io" && info.kind === "Event") return { group: "", version: "v1" };
  return { group: info.group, version: info.storageVersion };
}

function conversionFor(group: string, version: string, kind: string): Conversion | undefined {
  return conversions[`${apiVersionOf(group, version)} ${kind}`];
}

function withTypeMeta(obj: Obj, apiVersion: string, kind: string): Obj {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion, kind, ...rest };
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A request body in fromGroup/fromVersion, converted to the storage version (a new object). */
export function toStorageVersion(info: ResourceInfo, fromGroup: string, fromVersion: string, obj: any): any {
  if (!isObj(obj)) return obj;
  const storage = storageGroupVersion(info);
  const same = fromGroup === storage.group && fromVersion === storage.version;
  // Request bodies belong to the handler; only a real conversion needs its own copy.
  const copy = same ? obj : structuredClone(obj);
  const conv = same ? undefined : conversionFor(fromGroup, fromVersion, info.kind);
  return withTypeMeta(
    conv ? conv.toStorage(copy) : copy,
    apiVersionOf(storage.group, storage.version),
    info.kind,
  );
}

/**
 * A stored object (or a list of them, kind "<Kind>List") converted for a response in
 * toGroup/toVersion (a new object). List items keep apiVersion/kind only if they had them.
 */
export function fromStorageVersion(info: ResourceInfo, toGroup: string, toVersion: string, obj: any): any {
  if (!isObj(obj)) return obj;
  const storage = storageGroupVersion(info);
  const same = toGroup === storage.group && toVersion === storage.version;
  const conv = same ? undefined : conversionFor(toGroup, toVersion, info.kind);
  const apiVersion = apiVersionOf(toGroup, toVersion);
  const one = (o: Obj): Obj => {
    const copy = structuredClone(o);
    return withTypeMeta(conv ? conv.fromStorage(copy) : copy, apiVersion, info.kind);
  };
  if (obj.kind === `${info.kind}List` || (obj.kind === undefined && Array.isArray(obj.items))) {
    const { items, ...list } = obj;
    const converted = Array.isArray(items)
      ? items.map((item: unknown) => {
          if (!isObj(item)) return item;
          const out = one(item);
          if (!("apiVersion" in item)) delete out.apiVersion;
          if (!("kind" in item)) delete out.kind;
          return out;
        })
      : items;
    return { ...withTypeMeta(structuredClone(list), apiVersion, `${info.kind}List`), items: converted };
  }
  return one(obj);
}
