// ResourceQuota and LimitRange validation (pkg/apis/core/validation ValidateResourceQuota,
// ValidateLimitRange).
import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { formatQuantity, parseQuantity } from "../../apimachinery/quantity.ts";
import { asArray, asMap, idx, key } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const scopes = [
  "Terminating",
  "NotTerminating",
  "BestEffort",
  "NotBestEffort",
  "PriorityClass",
  "CrossNamespacePodAffinity",
];
const limitTypes = ["Pod", "Container", "PersistentVolumeClaim"];

function validateAmounts(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asMap(list))) {
    const q = parseQuantity(v);
    if (!q)
      errs.push(
        invalid(
          key(path, k),
          v,
          "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
      );
    else if (q.milli < 0n) errs.push(invalid(key(path, k), String(v), "must be greater than or equal to 0"));
  }
  return errs;
}

function validateQuotaSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs = validateAmounts(spec.hard, "spec.hard");
  for (const [i, s] of asArray(spec.scopes).entries())
    if (!scopes.includes(s)) errs.push(notSupported(idx("spec.scopes", i), s, scopes));
  for (const [i, e] of asArray(asMap(spec.scopeSelector).matchExpressions).entries()) {
    const p = idx("spec.scopeSelector.matchExpressions", i);
    if (!scopes.includes(asMap(e).scopeName))
      errs.push(notSupported(`${p}.scopeName`, asMap(e).scopeName, scopes));
    const op = asMap(e).operator;
    if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(op))
      errs.push(notSupported(`${p}.operator`, op, ["In", "NotIn", "Exists", "DoesNotExist"]));
  }
  return errs;
}

export function validateResourceQuota(q: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(q.metadata, true, nameIsDNSSubdomain), ...validateQuotaSpec(q.spec)];
}

export function validateResourceQuotaUpdate(q: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [...validateObjectMetaUpdate(q.metadata, old.metadata), ...validateQuotaSpec(q.spec)];
}

export function validateResourceQuotaStatusUpdate(
  q: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const s = asMap(q.status);
  return [
    ...validateObjectMetaUpdate(q.metadata, old.metadata),
    ...validateAmounts(s.hard, "status.hard"),
    ...validateAmounts(s.used, "status.used"),
  ];
}

function validateLimits(specIn: unknown): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, itemIn] of asArray(asMap(specIn).limits).entries()) {
    const item = asMap(itemIn);
    const p = idx("spec.limits", i);
    if (!item.type) errs.push(required(`${p}.type`, ""));
    else if (!limitTypes.includes(item.type)) errs.push(notSupported(`${p}.type`, item.type, limitTypes));
    for (const f of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"])
      errs.push(...validateAmounts(item[f], `${p}.${f}`));
    if (item.type !== "Container") {
      if (item.default)
        errs.push(invalid(`${p}.default`, item.default, "may not be specified when `type` is 'Pod'"));
      if (item.defaultRequest)
        errs.push(
          invalid(`${p}.defaultRequest`, item.defaultRequest, "may not be specified when `type` is 'Pod'"),
        );
    }
    const get = (f: string, r: string) => parseQuantity(asMap(item[f])[r]);
    const names = new Set(
      ["max", "min", "default", "defaultRequest"].flatMap((f) => Object.keys(asMap(item[f]))),
    );
    for (const r of names) {
      const [min, max, def, defReq] = ["min", "max", "default", "defaultRequest"].map((f) => get(f, r));
      const s = (q: typeof min) => formatQuantity(q!);
      if (min && max && min.milli > max.milli)
        errs.push(
          invalid(key(`${p}.min`, r), s(min), `min value ${s(min)} is greater than max value ${s(max)}`),
        );
      if (defReq && min && min.milli > defReq.milli)
        errs.push(
          invalid(
            key(`${p}.defaultRequest`, r),
            s(defReq),
            `min value ${s(min)} is greater than default request value ${s(defReq)}`,
          ),
        );
      if (defReq && max && defReq.milli > max.milli)
        errs.push(
          invalid(
            key(`${p}.defaultRequest`, r),
            s(defReq),
            `default request value ${s(defReq)} is greater than max value ${s(max)}`,
          ),
        );
      if (defReq && def && defReq.milli > def.milli)
        errs.push(
          invalid(
            key(`${p}.defaultRequest`, r),
            s(defReq),
            `default request value ${s(defReq)} is greater than default limit value ${s(def)}`,
          ),
        );
      if (def && min && min.milli > def.milli)
        errs.push(
          invalid(
            key(`${p}.default`, r),
            s(def),
            `min value ${s(min)} is greater than default value ${s(def)}`,
          ),
        );
      if (def && max && def.milli > max.milli)
        errs.push(
          invalid(
            key(`${p}.default`, r),
            s(def),
            `default value ${s(def)} is greater than max value ${s(max)}`,
          ),
        );
    }
  }
  return errs;
}

export function validateLimitRange(lr: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(lr.metadata, true, nameIsDNSSubdomain), ...validateLimits(lr.spec)];
}

export function validateLimitRangeUpdate(lr: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [...validateObjectMetaUpdate(lr.metadata, old.metadata), ...validateLimits(lr.spec)];
}
