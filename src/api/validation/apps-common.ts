import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asMap, fieldImmutableErrorMsg, deepEqual, isNegativeErrorMsg } from "./common.ts";
import { isValidPercent } from "./formats.ts";
import { GoValue, goLabelSelector, goStringMap } from "./go-value.ts";
import { selectorIsEmpty, selectorMatches, validateLabelSelector } from "./label-selector.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";

/** %#v of an intstr.IntOrString as it appears in JSON. */
export function goIntOrString(v: unknown): GoValue {
  if (typeof v === "string")
    return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`);
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${typeof v === "number" ? v : 0}, StrVal:""}`);
}

// apps/validation ValidatePositiveIntOrPercent
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === "string") return isValidPercent(v).map((m) => invalid(path, goIntOrString(v), m));
  if (typeof v === "number") return v < 0 ? [invalid(path, v, isNegativeErrorMsg)] : [];
  return [];
}

export function intOrPercentValue(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return 0;
}

export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  return typeof v === "string" && /^[0-9]+%$/.test(v) && Number(v.slice(0, -1)) > 100
    ? [invalid(path, goIntOrString(v), "must not be greater than 100%")]
    : [];
}

/** The selector checks Deployments and ReplicaSets share (the message names "deployment" for both). */
export function validateRequiredSelector(sel: unknown, path: string, emptyMessage: string): FieldError[] {
  if (sel === undefined || sel === null) return [required(path, "")];
  const errs = validateLabelSelector(sel, path);
  if (selectorIsEmpty(sel)) errs.push(invalid(path, goLabelSelector(sel), emptyMessage));
  return errs;
}

// apps/validation ValidatePodTemplateSpecForReplicaSet
export function validatePodTemplateForReplicaSet(
  template: unknown,
  selector: unknown,
  path: string,
): FieldError[] {
  const t = asMap(template);
  const errs: FieldError[] = [];
  const labels = asMap(t.metadata).labels;
  // A nil selector converts to labels.Nothing(), which matches no template (apps/validation).
  if ((selector == null || !selectorIsEmpty(selector)) && !selectorMatches(selector, labels))
    errs.push(
      invalid(`${path}.metadata.labels`, goStringMap(labels), "`selector` does not match template `labels`"),
    );
  errs.push(...validatePodTemplateSpec(t, path));
  const spec = asMap(t.spec);
  if (spec.restartPolicy !== "Always")
    errs.push(notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy ?? "", ["Always"]));
  if (spec.activeDeadlineSeconds != null)
    errs.push(
      forbidden(`${path}.spec.activeDeadlineSeconds`, "activeDeadlineSeconds in ReplicaSet is not Supported"),
    );
  return errs;
}

// pkg/registry/apps/*/strategy.go: apps/v1 selectors are immutable after creation.
export function selectorImmutable(sel: unknown, oldSel: unknown, path = "spec.selector"): FieldError[] {
  return deepEqual(sel ?? null, oldSel ?? null)
    ? []
    : [invalid(path, goLabelSelector(sel), fieldImmutableErrorMsg)];
}
