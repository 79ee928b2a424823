import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import {
  goIntOrString,
  intOrPercentValue,
  notMoreThan100Percent,
  selectorImmutable,
  validatePodTemplateForReplicaSet,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
} from "./apps-common.ts";
import { asMap, isObject, nonNegative } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { goLabelSelector, goStringMap, goStruct } from "./go-value.ts";
import { selectorIsEmpty, selectorMatches, validateLabelSelector } from "./label-selector.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";
import { validateReplicaCounts } from "./replication-controller.ts";

// ---- ReplicaSet (apps/validation ValidateReplicaSetSpec)

function validateReplicaSetSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  return [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...validateRequiredSelector(spec.selector, "spec.selector", "empty selector is invalid for deployment"),
    ...validatePodTemplateForReplicaSet(spec.template, spec.selector, "spec.template"),
  ];
}

export function validateReplicaSet(rs: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain), ...validateReplicaSetSpec(rs.spec)];
}

export function validateReplicaSetUpdate(rs: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...validateReplicaSetSpec(rs.spec),
    ...selectorImmutable(asMap(rs.spec).selector, asMap(old.spec).selector),
  ];
}

export function validateReplicaSetStatusUpdate(
  rs: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...validateReplicaCounts(rs.status, "status", [
      "replicas",
      "fullyLabeledReplicas",
      "readyReplicas",
      "availableReplicas",
      "observedGeneration",
    ]),
  ];
}

// ---- Deployment (apps/validation ValidateDeploymentSpec)

function validateDeploymentStrategy(strategy: unknown, path: string): FieldError[] {
  const s = asMap(strategy);
  switch (s.type) {
    case "Recreate":
      return s.rollingUpdate != null
        ? [forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case "RollingUpdate": {
      if (!isObject(s.rollingUpdate))
        return [required(`${path}.rollingUpdate`, "this should be defaulted and never be nil")];
      const ru = s.rollingUpdate;
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
        ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
      ];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
        errs.push(
          invalid(
            `${p}.maxUnavailable`,
            goIntOrString(ru.maxUnavailable),
            "may not be 0 when `maxSurge` is 0",
          ),
        );
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      return errs;
    }
    default:
      return [notSupported(path, goStruct("apps.DeploymentStrategy", s), ["Recreate", "RollingUpdate"])];
  }
}

function validateDeploymentSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs = [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...validateRequiredSelector(spec.selector, "spec.selector", "empty selector is invalid for deployment"),
    ...validatePodTemplateForReplicaSet(spec.template, spec.selector, "spec.template"),
    ...validateDeploymentStrategy(spec.strategy, "spec.strategy"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
  ];
  if (typeof spec.progressDeadlineSeconds === "number") {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0))
      errs.push(
        invalid(
          "spec.progressDeadlineSeconds",
          spec.progressDeadlineSeconds,
          "must be greater than minReadySeconds",
        ),
      );
  }
  return errs;
}

export function validateDeployment(d: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(d.metadata, true, nameIsDNSSubdomain), ...validateDeploymentSpec(d.spec)];
}

export function validateDeploymentUpdate(d: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMetaUpdate(d.metadata, old.metadata),
    ...validateDeploymentSpec(d.spec),
    ...selectorImmutable(asMap(d.spec).selector, asMap(old.spec).selector),
  ];
}

export function validateDeploymentStatusUpdate(
  d: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(d.metadata, old.metadata),
    ...validateReplicaCounts(d.status, "status", [
      "observedGeneration",
      "replicas",
      "updatedReplicas",
      "readyReplicas",
      "availableReplicas",
      "unavailableReplicas",
    ]),
  ];
  const cc = asMap(d.status).collisionCount;
  const oldCc = asMap(old.status).collisionCount;
  if (typeof oldCc === "number" && (typeof cc !== "number" || cc < oldCc))
    errs.push(invalid("status.collisionCount", typeof cc === "number" ? cc : 0, "cannot be decremented"));
  return errs;
}

// ---- DaemonSet (apps/validation ValidateDaemonSetSpec)

function validateDaemonSetUpdateStrategy(strategy: unknown, path: string): FieldError[] {
  const s = asMap(strategy);
  if (s.type === "OnDelete") return [];
  if (s.type !== "RollingUpdate")
    return [notSupported(path, goStruct("apps.DaemonSetUpdateStrategy", s), ["RollingUpdate", "OnDelete"])];
  if (!isObject(s.rollingUpdate)) return [required(`${path}.rollingUpdate`, "")];
  const ru = s.rollingUpdate;
  const p = `${path}.rollingUpdate`;
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
    ...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge)
    errs.push(
      invalid(`${p}.maxSurge`, goIntOrString(ru.maxSurge), "may not be set when maxUnavailable is non-zero"),
    );
  if (!hasUnavailable && !hasSurge)
    errs.push(required(`${p}.maxUnavailable`, "cannot be 0 when maxSurge is 0"));
  return errs;
}

function validateDaemonSetSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs = validateLabelSelector(spec.selector, "spec.selector");
  const template = asMap(spec.template);
  const labels = asMap(template.metadata).labels;
  // A nil selector matches nothing, so it is reported as a template mismatch (apps/validation).
  if (!selectorMatches(spec.selector, labels))
    errs.push(
      invalid(
        "spec.template.metadata.labels",
        goStringMap(labels),
        "`selector` does not match template `labels`",
      ),
    );
  if (spec.selector != null && selectorIsEmpty(spec.selector))
    errs.push(
      invalid("spec.selector", goLabelSelector(spec.selector), "empty selector is invalid for daemonset"),
    );
  errs.push(...validatePodTemplateSpec(template, "spec.template"));
  const ps = asMap(template.spec);
  if (ps.restartPolicy !== "Always")
    errs.push(notSupported("spec.template.spec.restartPolicy", ps.restartPolicy ?? "", ["Always"]));
  if (ps.activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in DaemonSet is not Supported",
      ),
    );
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...nonNegative(spec.templateGeneration, "spec.templateGeneration"));
  errs.push(...validateDaemonSetUpdateStrategy(spec.updateStrategy, "spec.updateStrategy"));
  errs.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return errs;
}

export function validateDaemonSet(ds: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain), ...validateDaemonSetSpec(ds.spec)];
}

export function validateDaemonSetUpdate(ds: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ds.metadata, old.metadata),
    ...validateDaemonSetSpec(ds.spec),
    ...selectorImmutable(asMap(ds.spec).selector, asMap(old.spec).selector),
  ];
}

export function validateDaemonSetStatusUpdate(
  ds: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const s = asMap(ds.status);
  const errs = validateObjectMetaUpdate(ds.metadata, old.metadata);
  for (const f of [
    "currentNumberScheduled",
    "numberMisscheduled",
    "desiredNumberScheduled",
    "numberReady",
    "observedGeneration",
    "updatedNumberScheduled",
    "numberAvailable",
    "numberUnavailable",
    "collisionCount",
  ])
    errs.push(...nonNegative(s[f], `status.${f}`));
  return errs;
}
