import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asMap, isObject, nonNegative } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { goStringMap } from "./go-value.ts";
import { mapSelectorMatches } from "./label-selector.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";

export function validateReplicaCounts(status: unknown, path: string, fields: string[]): FieldError[] {
  const s = asMap(status);
  const errs: FieldError[] = [];
  for (const f of fields) errs.push(...nonNegative(s[f], `${path}.${f}`));
  const replicas = typeof s.replicas === "number" ? s.replicas : 0;
  const msg = "cannot be greater than status.replicas";
  for (const f of ["fullyLabeledReplicas", "updatedReplicas", "readyReplicas", "availableReplicas"]) {
    if (fields.includes(f) && typeof s[f] === "number" && s[f] > replicas)
      errs.push(invalid(`${path}.${f}`, s[f], msg));
  }
  if (typeof s.availableReplicas === "number" && s.availableReplicas > (s.readyReplicas ?? 0))
    errs.push(
      invalid(`${path}.availableReplicas`, s.availableReplicas, "cannot be greater than readyReplicas"),
    );
  return errs;
}

// core/validation ValidateReplicationControllerSpec
function validateSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [...nonNegative(spec.minReadySeconds, "spec.minReadySeconds")];
  const selector = asMap(spec.selector);
  if (Object.keys(selector).length === 0) errs.push(required("spec.selector", ""));
  errs.push(...nonNegative(spec.replicas, "spec.replicas"));
  if (!isObject(spec.template)) {
    errs.push(required("spec.template", ""));
    return errs;
  }
  const labels = asMap(spec.template.metadata).labels;
  if (Object.keys(selector).length > 0 && !mapSelectorMatches(selector, labels))
    errs.push(
      invalid(
        "spec.template.metadata.labels",
        goStringMap(labels),
        "`selector` does not match template `labels`",
      ),
    );
  errs.push(...validatePodTemplateSpec(spec.template, "spec.template"));
  const rp = asMap(spec.template.spec).restartPolicy;
  if (rp !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", rp ?? "", ["Always"]));
  if (asMap(spec.template.spec).activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in ReplicationController is not Supported",
      ),
    );
  return errs;
}

export function validateReplicationController(rc: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(rc.metadata, true, nameIsDNSSubdomain), ...validateSpec(rc.spec)];
}

export function validateReplicationControllerUpdate(
  rc: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateSpec(rc.spec)];
}

export function validateReplicationControllerStatusUpdate(
  rc: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rc.metadata, old.metadata),
    ...validateReplicaCounts(rc.status, "status", [
      "replicas",
      "fullyLabeledReplicas",
      "readyReplicas",
      "availableReplicas",
      "observedGeneration",
    ]),
  ];
}
