import { forbidden, invalid, required, tooLong, type FieldError } from "../../apimachinery/field-error.ts";
import {
  asArray,
  asMap,
  fieldImmutableErrorMsg,
  idx,
  isObject,
  nonNegative,
  qualifiedName,
  str,
  validateLabels,
} from "./common.ts";
import { isQualifiedName, nameIsDNSLabel, type NameFn } from "./formats.ts";
import { GoValue, goStringSlice, goTime } from "./go-value.ts";

export const totalAnnotationSizeLimitB = 256 * (1 << 10);

// apiextensions registers its cleanup finalizer as standard too (apiextensions/v1 validation).
const standardFinalizers = new Set([
  "kubernetes",
  "orphan",
  "foregroundDeletion",
  "customresourcecleanup.apiextensions.k8s.io",
]);

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(asMap(annotations))) {
    // Annotation keys are qualified names with case ignored (apimachinery objectmeta.go).
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > totalAnnotationSizeLimitB) errs.push(tooLong(path, "", totalAnnotationSizeLimitB));
  return errs;
}

function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === "" || apiVersion === "/") return { group: "", version: "" };
  const parts = apiVersion.split("/");
  if (parts.length === 1) return { group: "", version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return undefined;
}

export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = "";
  for (const ref of asArray(refs)) {
    const r = asMap(ref);
    const gv = parseGroupVersion(str(r.apiVersion)) ?? { group: "", version: "" };
    if (!gv.version) errs.push(invalid(`${path}.apiVersion`, str(r.apiVersion), "version must not be empty"));
    if (!str(r.kind)) errs.push(invalid(`${path}.kind`, str(r.kind), "must not be empty"));
    if (!str(r.name)) errs.push(invalid(`${path}.name`, str(r.name), "must not be empty"));
    if (!str(r.uid)) errs.push(invalid(`${path}.uid`, str(r.uid), "must not be empty"));
    if (gv.group === "" && gv.version === "v1" && r.kind === "Event") {
      errs.push(invalid(path, r, "/v1, Kind=Event is disallowed from being an owner"));
    }
    if (r.controller === true) {
      const cur = `${str(r.kind)}/${str(r.name)}`;
      if (firstController) {
        errs.push(
          invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else firstController = cur;
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = asArray(finalizers).map(String);
  list.forEach((f, i) => {
    errs.push(...qualifiedName(f, path));
    // core/validation validateKubeFinalizerName: unprefixed finalizers must be standard ones.
    if (!f.includes("/") && !standardFinalizers.has(f)) {
      errs.push(
        invalid(idx(path, i), f, "name is neither a standard finalizer name nor is it fully qualified"),
      );
    }
  });
  if (list.includes("orphan") && list.includes("foregroundDeletion")) {
    errs.push(
      invalid(path, goStringSlice(list), "finalizer orphan and foregroundDeletion cannot be both set"),
    );
  }
  return errs;
}

function validateManagedFields(entries: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(entries).forEach((e, i) => {
    const m = asMap(e);
    if (m.operation !== "Apply" && m.operation !== "Update")
      errs.push(invalid(`${idx(path, i)}.operation`, str(m.operation), "must be `Apply` or `Update`"));
    if (m.fieldsType && m.fieldsType !== "FieldsV1")
      errs.push(invalid(`${idx(path, i)}.fieldsType`, str(m.fieldsType), "must be `FieldsV1`"));
  });
  return errs;
}

function validateMetaCommon(meta: Record<string, any>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(meta.namespace);
  if (namespaced) {
    if (!ns) errs.push(required(`${path}.namespace`, ""));
    else for (const m of nameIsDNSLabel(ns, false)) errs.push(invalid(`${path}.namespace`, ns, m));
  } else if (ns) {
    errs.push(forbidden(`${path}.namespace`, "not allowed on this type"));
  }
  errs.push(...nonNegative(meta.generation, `${path}.generation`));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  errs.push(...validateManagedFields(meta.managedFields, `${path}.managedFields`));
  return errs;
}

/** apimachinery ValidateObjectMeta: expects name generation to have happened already. */
export function validateObjectMeta(
  meta: unknown,
  namespaced: boolean,
  nameFn: NameFn,
  path = "metadata",
): FieldError[] {
  const m = asMap(meta);
  const errs: FieldError[] = [];
  const generateName = str(m.generateName);
  if (generateName) {
    for (const msg of nameFn(generateName, true))
      errs.push(invalid(`${path}.generateName`, generateName, msg));
  }
  const name = str(m.name);
  if (!name) errs.push(required(`${path}.name`, "name or generateName is required"));
  else for (const msg of nameFn(name, false)) errs.push(invalid(`${path}.name`, name, msg));
  errs.push(...validateMetaCommon(m, namespaced, path));
  return errs;
}

function immutable(newVal: unknown, oldVal: unknown, path: string, shown: unknown = newVal): FieldError[] {
  return (newVal ?? null) === (oldVal ?? null) ? [] : [invalid(path, shown, fieldImmutableErrorMsg)];
}

/** apimachinery ValidateObjectMetaUpdate (+ core's finalizer name rule). */
export function validateObjectMetaUpdate(meta: unknown, oldMeta: unknown, path = "metadata"): FieldError[] {
  const n = asMap(meta);
  const o = asMap(oldMeta);
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const oldSet = new Set(asArray(o.finalizers).map(String));
    const extra = [...new Set(asArray(n.finalizers).map(String))].filter((f) => !oldSet.has(f)).sort();
    if (extra.length)
      errs.push(
        forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra).goString}`,
        ),
      );
  }
  if (!str(n.resourceVersion))
    errs.push(invalid(`${path}.resourceVersion`, "", "must be specified for an update"));
  if (typeof n.generation === "number" && typeof o.generation === "number" && n.generation < o.generation)
    errs.push(invalid(`${path}.generation`, n.generation, "must not be decremented"));
  errs.push(...immutable(str(n.name), str(o.name), `${path}.name`));
  errs.push(...immutable(str(n.namespace), str(o.namespace), `${path}.namespace`));
  errs.push(...immutable(str(n.uid), str(o.uid), `${path}.uid`));
  errs.push(
    ...immutable(
      timeKey(n.creationTimestamp),
      timeKey(o.creationTimestamp),
      `${path}.creationTimestamp`,
      goTime(n.creationTimestamp),
    ),
  );
  errs.push(
    ...immutable(
      timeKey(n.deletionTimestamp),
      timeKey(o.deletionTimestamp),
      `${path}.deletionTimestamp`,
      n.deletionTimestamp ? goTime(n.deletionTimestamp) : new GoValue("null"),
    ),
  );
  errs.push(
    ...immutable(
      n.deletionGracePeriodSeconds,
      o.deletionGracePeriodSeconds,
      `${path}.deletionGracePeriodSeconds`,
    ),
  );
  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(n.finalizers, `${path}.finalizers`));
  errs.push(...validateManagedFields(n.managedFields, `${path}.managedFields`));
  return errs;
}

// Timestamps compare at second precision, as metav1.Time does after a round trip.
function timeKey(v: unknown): number | null {
  if (typeof v !== "string" || !v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

export function metaOf(obj: unknown): Record<string, any> {
  return isObject(obj) && isObject(obj.metadata) ? obj.metadata : {};
}
