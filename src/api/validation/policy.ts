// PodDisruptionBudget validation (pkg/apis/policy/validation ValidatePodDisruptionBudget).
import { invalid, notSupported, type FieldError } from "../../apimachinery/field-error.ts";
import { goIntOrString, notMoreThan100Percent, validatePositiveIntOrPercent } from "./apps-common.ts";
import { asMap } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { validateLabelSelector } from "./label-selector.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const evictionPolicies = ["AlwaysAllow", "IfHealthyBudget"];

function validateSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null)
    errs.push(
      invalid("spec", goIntOrString(spec.minAvailable), "minAvailable and maxUnavailable cannot be both set"),
    );
  for (const f of ["minAvailable", "maxUnavailable"]) {
    if (spec[f] == null) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], `spec.${f}`));
    errs.push(...notMoreThan100Percent(spec[f], `spec.${f}`));
  }
  if (spec.selector != null) errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  if (spec.unhealthyPodEvictionPolicy != null && !evictionPolicies.includes(spec.unhealthyPodEvictionPolicy))
    errs.push(
      notSupported("spec.unhealthyPodEvictionPolicy", spec.unhealthyPodEvictionPolicy, evictionPolicies),
    );
  return errs;
}

export function validatePodDisruptionBudget(pdb: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(pdb.metadata, true, nameIsDNSSubdomain), ...validateSpec(pdb.spec)];
}

export function validatePodDisruptionBudgetUpdate(
  pdb: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validateSpec(pdb.spec)];
}

export function validatePodDisruptionBudgetStatusUpdate(
  pdb: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const s = asMap(pdb.status);
  const errs = validateObjectMetaUpdate(pdb.metadata, old.metadata);
  for (const f of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"])
    if (typeof s[f] === "number" && s[f] < 0)
      errs.push(invalid(`status.${f}`, s[f], "must be greater than or equal to 0"));
  return errs;
}
