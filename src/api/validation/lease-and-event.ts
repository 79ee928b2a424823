import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asMap, qualifiedName, str } from "./common.ts";
import { isDNS1123Subdomain, nameIsDNSSubdomain } from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

// ---- Lease (pkg/apis/coordination/validation)

function validateLeaseSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  if (typeof spec.leaseDurationSeconds === "number" && spec.leaseDurationSeconds <= 0)
    errs.push(invalid("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  if (typeof spec.leaseTransitions === "number" && spec.leaseTransitions < 0)
    errs.push(invalid("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  if (spec.strategy != null && spec.strategy !== "OldestEmulationVersion")
    errs.push(notSupported("spec.strategy", spec.strategy, ["OldestEmulationVersion"]));
  return errs;
}

export function validateLease(lease: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain), ...validateLeaseSpec(lease.spec)];
}

export function validateLeaseUpdate(lease: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata), ...validateLeaseSpec(lease.spec)];
}

// ---- Event, stored as core/v1 (core/validation/events.go legacyValidateEvent).
// Writes through core/v1 get only these legacy checks; the generic metadata checks
// (name required, path-segment names) still run afterwards in validateCreate.

const reportingInstanceLengthLimit = 128;
const actionLengthLimit = 128;
const reasonLengthLimit = 128;
const noteLengthLimit = 1024;

export function validateEvent(event: Record<string, any>): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(asMap(event.metadata).namespace);
  const involvedNs = str(asMap(event.involvedObject).namespace);
  if (!str(event.eventTime)) {
    if (!involvedNs) {
      if (ns !== "" && ns !== "default")
        errs.push(invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
    } else if (ns !== involvedNs) {
      errs.push(invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
    }
  } else {
    if (!involvedNs && ns !== "default" && ns !== "kube-system")
      errs.push(invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
    const rc = str(event.reportingComponent);
    if (!rc) errs.push(required("reportingComponent", ""));
    errs.push(...qualifiedName(rc, "reportingComponent"));
    const ri = str(event.reportingInstance);
    if (!ri) errs.push(required("reportingInstance", ""));
    if (ri.length > reportingInstanceLengthLimit)
      errs.push(
        invalid("reportingInstance", "", `can have at most ${reportingInstanceLengthLimit} characters`),
      );
    const action = str(event.action);
    if (!action) errs.push(required("action", ""));
    if (action.length > actionLengthLimit)
      errs.push(invalid("action", "", `can have at most ${actionLengthLimit} characters`));
    const reason = str(event.reason);
    if (!reason) errs.push(required("reason", ""));
    if (reason.length > reasonLengthLimit)
      errs.push(invalid("reason", "", `can have at most ${reasonLengthLimit} characters`));
    if (str(event.message).length > noteLengthLimit)
      errs.push(invalid("message", "", `can have at most ${noteLengthLimit} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(invalid("namespace", ns, m));
  return errs;
}

export function validateEventUpdate(event: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [...validateObjectMetaUpdate(event.metadata, old.metadata), ...validateEvent(event)];
}
