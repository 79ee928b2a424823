// PriorityClass validation (pkg/apis/scheduling/validation).
import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const highestUserDefinablePriority = 1_000_000_000;
const systemClasses: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};
const policies = ["Never", "PreemptLowerPriority"];

export function validatePriorityClass(pc: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(pc.metadata, false, nameIsDNSSubdomain);
  const name: string = pc.metadata?.name ?? "";
  if (name in systemClasses) {
    if (pc.value !== systemClasses[name])
      errs.push(
        forbidden(
          "metadata.name",
          `${name} is a system priority class; its value must be ${systemClasses[name]}`,
        ),
      );
  } else if (name.startsWith("system-"))
    errs.push(forbidden("metadata.name", "priority class names with 'system-' prefix are reserved"));
  else if (typeof pc.value === "number" && pc.value > highestUserDefinablePriority)
    errs.push(
      forbidden(
        "value",
        `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`,
      ),
    );
  if (typeof pc.value !== "number") errs.push(required("value", ""));
  if (pc.preemptionPolicy != null && !policies.includes(pc.preemptionPolicy))
    errs.push(notSupported("preemptionPolicy", pc.preemptionPolicy, policies));
  return errs;
}

export function validatePriorityClassUpdate(pc: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = validateObjectMetaUpdate(pc.metadata, old.metadata);
  if (pc.value !== old.value) errs.push(forbidden("value", "may not be changed in an update."));
  if (pc.preemptionPolicy !== old.preemptionPolicy)
    errs.push(invalid("preemptionPolicy", pc.preemptionPolicy, "field is immutable"));
  return errs;
}
