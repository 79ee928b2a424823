// StatefulSet and ControllerRevision validation (pkg/apis/apps/validation/validation.go).
import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { goIntOrString, selectorImmutable, validateRequiredSelector } from "./apps-common.ts";
import { asArray, asMap, deepEqual, fieldImmutableErrorMsg, idx, isObject, nonNegative } from "./common.ts";
import { isValidPercent, nameIsDNSSubdomain } from "./formats.ts";
import { goStringMap } from "./go-value.ts";
import { selectorIsEmpty, selectorMatches } from "./label-selector.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";
import { validateReplicaCounts } from "./replication-controller.ts";
import { validatePersistentVolumeClaimSpec } from "./storage.ts";

function validateUpdateStrategy(s: Record<string, any>, path: string): FieldError[] {
  switch (s.type) {
    case "OnDelete":
      return isObject(s.rollingUpdate)
        ? [
            invalid(
              `${path}.rollingUpdate`,
              s.rollingUpdate,
              "only allowed for updateStrategy 'RollingUpdate'",
            ),
          ]
        : [];
    case "RollingUpdate": {
      const ru = asMap(s.rollingUpdate);
      const p = `${path}.rollingUpdate`;
      const errs = nonNegative(ru.partition, `${p}.partition`);
      const mu = ru.maxUnavailable;
      if (typeof mu === "string") {
        errs.push(...isValidPercent(mu).map((m) => invalid(`${p}.maxUnavailable`, goIntOrString(mu), m)));
        if (/^[0-9]+%$/.test(mu) && Number(mu.slice(0, -1)) === 0)
          errs.push(invalid(`${p}.maxUnavailable`, goIntOrString(mu), "must be greater than 0"));
        if (/^[0-9]+%$/.test(mu) && Number(mu.slice(0, -1)) > 100)
          errs.push(invalid(`${p}.maxUnavailable`, goIntOrString(mu), "must not be greater than 100%"));
      } else if (typeof mu === "number" && mu < 1)
        errs.push(invalid(`${p}.maxUnavailable`, goIntOrString(mu), "must be greater than 0"));
      return errs;
    }
    case undefined:
    case null:
    case "":
      return [required(`${path}.type`, "")];
    default:
      return [invalid(path, s.type, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

const retentionValues = ["Retain", "Delete"];

/** The template as its pods will be: each claim template a volume, so mounts of them resolve. */
function withClaimVolumes(template: Record<string, any>, claims: unknown): Record<string, any> {
  const names = asArray(claims)
    .map((c) => asMap(asMap(c).metadata).name as unknown)
    .filter((n): n is string => typeof n === "string" && n !== "");
  const spec = asMap(template.spec);
  const own = new Set(asArray(spec.volumes).map((v) => asMap(v).name as unknown));
  const extra = names
    .filter((n) => !own.has(n))
    .map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } }));
  if (!extra.length) return template;
  return { ...template, spec: { ...spec, volumes: [...asArray(spec.volumes), ...extra] } };
}

function validateSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (pmp === undefined || pmp === null || pmp === "") errs.push(required("spec.podManagementPolicy", ""));
  else if (pmp !== "OrderedReady" && pmp !== "Parallel")
    errs.push(invalid("spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(asMap(spec.updateStrategy), "spec.updateStrategy"));
  const retention = asMap(spec.persistentVolumeClaimRetentionPolicy);
  for (const f of ["whenDeleted", "whenScaled"])
    if (retention[f] != null && !retentionValues.includes(retention[f]))
      errs.push(
        notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, retention[f], retentionValues),
      );
  asArray(spec.volumeClaimTemplates).forEach((t, i) => {
    const p = idx("spec.volumeClaimTemplates", i);
    const meta = asMap(asMap(t).metadata);
    if (!meta.name) errs.push(required(`${p}.metadata.name`, "name or generateName is required"));
    errs.push(...validatePersistentVolumeClaimSpec(asMap(t).spec, `${p}.spec`));
  });
  errs.push(...nonNegative(spec.replicas, "spec.replicas"));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...nonNegative(asMap(spec.ordinals).start, "spec.ordinals.start"));
  errs.push(
    ...validateRequiredSelector(spec.selector, "spec.selector", "empty selector is invalid for statefulset"),
  );
  const template = asMap(spec.template);
  const labels = asMap(template.metadata).labels;
  if ((spec.selector == null || !selectorIsEmpty(spec.selector)) && !selectorMatches(spec.selector, labels))
    errs.push(
      invalid(
        "spec.template.metadata.labels",
        goStringMap(labels),
        "`selector` does not match template `labels`",
      ),
    );
  errs.push(
    ...validatePodTemplateSpec(withClaimVolumes(template, spec.volumeClaimTemplates), "spec.template"),
  );
  const ps = asMap(template.spec);
  if (ps.restartPolicy !== "Always")
    errs.push(notSupported("spec.template.spec.restartPolicy", ps.restartPolicy ?? "", ["Always"]));
  if (ps.activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in StatefulSet is not Supported",
      ),
    );
  return errs;
}

export function validateStatefulSet(sts: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(sts.metadata, true, nameIsDNSSubdomain), ...validateSpec(sts.spec)];
}

// Fields of a StatefulSet's spec that may change after creation (ValidateStatefulSetUpdate).
const mutable = [
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
];

export function validateStatefulSetUpdate(sts: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateSpec(sts.spec)];
  const spec = { ...asMap(sts.spec) };
  const oldSpec = asMap(old.spec);
  for (const f of mutable) spec[f] = oldSpec[f];
  if (!deepEqual(spec, oldSpec))
    errs.push(
      forbidden(
        "spec",
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  if (!errs.length) errs.push(...selectorImmutable(asMap(sts.spec).selector, oldSpec.selector));
  return errs;
}

export function validateStatefulSetStatusUpdate(
  sts: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const s = asMap(sts.status);
  const errs = [
    ...validateObjectMetaUpdate(sts.metadata, old.metadata),
    ...validateReplicaCounts(sts.status, "status", [
      "replicas",
      "readyReplicas",
      "currentReplicas",
      "updatedReplicas",
      "availableReplicas",
      "observedGeneration",
      "collisionCount",
    ]),
  ];
  if (typeof s.currentReplicas === "number" && s.currentReplicas > (s.replicas ?? 0))
    errs.push(invalid("status.currentReplicas", s.currentReplicas, "cannot be greater than status.replicas"));
  const cc = s.collisionCount;
  const oldCc = asMap(old.status).collisionCount;
  if (typeof oldCc === "number" && (typeof cc !== "number" || cc < oldCc))
    errs.push(invalid("status.collisionCount", typeof cc === "number" ? cc : 0, "cannot be decremented"));
  return errs;
}

export function validateControllerRevision(cr: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, true, nameIsDNSSubdomain);
  if (cr.data === undefined || cr.data === null) errs.push(required("data", "data is mandatory"));
  errs.push(...nonNegative(cr.revision, "revision"));
  return errs;
}

export function validateControllerRevisionUpdate(
  cr: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(cr.metadata, old.metadata),
    ...nonNegative(cr.revision, "revision"),
  ];
  if (!deepEqual(cr.data, old.data)) errs.push(invalid("data", "", fieldImmutableErrorMsg));
  return errs;
}
