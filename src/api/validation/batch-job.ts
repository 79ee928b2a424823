import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asMap, deepEqual, fieldImmutableErrorMsg, isObject, key, nonNegative, str } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { goLabelSelector, goStringMap, goStruct } from "./go-value.ts";
import { selectorMatches, validateLabelSelector } from "./label-selector.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";

export const controllerUidLabel = "batch.kubernetes.io/controller-uid";
export const jobNameLabel = "batch.kubernetes.io/job-name";
export const legacyControllerUidLabel = "controller-uid";
export const legacyJobNameLabel = "job-name";

const maxParallelismForIndexedJob = 100000;

// batch/validation validateJobSpec: the part shared with CronJob job templates.
export function validateJobSpecCommon(specIn: unknown, path: string): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  for (const f of [
    "parallelism",
    "completions",
    "activeDeadlineSeconds",
    "backoffLimit",
    "ttlSecondsAfterFinished",
  ])
    errs.push(...nonNegative(spec[f], `${path}.${f}`));
  const mode = spec.completionMode;
  if (mode != null && mode !== "NonIndexed" && mode !== "Indexed")
    errs.push(notSupported(`${path}.completionMode`, mode, ["NonIndexed", "Indexed"]));
  if (mode === "Indexed") {
    if (spec.completions == null)
      errs.push(required(`${path}.completions`, "when completion mode is Indexed"));
    if (typeof spec.parallelism === "number" && spec.parallelism > maxParallelismForIndexedJob)
      errs.push(
        invalid(
          `${path}.parallelism`,
          spec.parallelism,
          `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`,
        ),
      );
  }
  if (spec.backoffLimitPerIndex != null && mode !== "Indexed")
    errs.push(
      invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, "requires indexed completion mode"),
    );
  if (spec.podReplacementPolicy != null) {
    const prp = spec.podReplacementPolicy;
    if (prp !== "TerminatingOrFailed" && prp !== "Failed")
      errs.push(notSupported(`${path}.podReplacementPolicy`, prp, ["Failed", "TerminatingOrFailed"]));
    else if (isObject(spec.podFailurePolicy) && prp !== "Failed")
      errs.push(notSupported(`${path}.podReplacementPolicy`, prp, ["Failed"]));
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  const rp = asMap(asMap(spec.template).spec).restartPolicy;
  if (isObject(spec.podFailurePolicy) && rp !== "Never")
    errs.push(
      invalid(
        `${path}.template.spec.restartPolicy`,
        rp ?? "",
        'only "Never" is supported when podFailurePolicy is specified',
      ),
    );
  else if (rp !== "OnFailure" && rp !== "Never")
    errs.push(notSupported(`${path}.template.spec.restartPolicy`, rp ?? "", ["OnFailure", "Never"]));
  return errs;
}

// batch/validation ValidateHasLabel
function hasLabel(labels: Record<string, any>, labelKey: string, expected: string): FieldError[] {
  const path = key("spec.template.metadata.labels", labelKey);
  if (!Object.hasOwn(labels, labelKey)) return [required(path, `must be '${expected}'`)];
  return labels[labelKey] === expected ? [] : [invalid(path, goStringMap(labels), `must be '${expected}'`)];
}

function validateGeneratedSelector(job: Record<string, any>): FieldError[] {
  const spec = asMap(job.spec);
  if (spec.manualSelector === true || spec.selector == null) return [];
  const meta = asMap(job.metadata);
  const uid = str(meta.uid);
  const name = str(meta.name);
  const errs: FieldError[] = [];
  if (!uid) errs.push(required("metadata.uid", ""));
  const labels = asMap(asMap(asMap(spec.template).metadata).labels);
  errs.push(...hasLabel(labels, legacyControllerUidLabel, uid));
  errs.push(...hasLabel(labels, legacyJobNameLabel, name));
  errs.push(...hasLabel(labels, controllerUidLabel, uid));
  errs.push(...hasLabel(labels, jobNameLabel, name));
  const expected = {
    [controllerUidLabel]: uid,
    [jobNameLabel]: name,
    [legacyControllerUidLabel]: uid,
    [legacyJobNameLabel]: name,
  };
  if (!selectorMatches(spec.selector, expected))
    errs.push(invalid("spec.selector", goLabelSelector(spec.selector), "`selector` not auto-generated"));
  return errs;
}

function validateJobSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs = validateJobSpecCommon(spec, "spec");
  if (spec.selector == null) errs.push(required("spec.selector", ""));
  else errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const labels = asMap(asMap(spec.template).metadata).labels;
  if (!selectorMatches(spec.selector, labels))
    errs.push(
      invalid(
        "spec.template.metadata.labels",
        goStringMap(labels),
        "`selector` does not match template `labels`",
      ),
    );
  return errs;
}

export function validateJob(job: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMeta(job.metadata, true, nameIsDNSSubdomain),
    ...validateGeneratedSelector(job),
    ...validateJobSpec(job.spec),
  ];
}

function immutableField(n: unknown, o: unknown, path: string, shown: unknown = n ?? null): FieldError[] {
  return deepEqual(n ?? null, o ?? null) ? [] : [invalid(path, shown, fieldImmutableErrorMsg)];
}

// Suspended jobs that never started may change scheduling directives (batch/validation validatePodTemplateUpdate).
function templateUpdate(job: Record<string, any>, old: Record<string, any>): FieldError[] {
  const t = asMap(asMap(job.spec).template);
  const ot = asMap(asMap(old.spec).template);
  const mutable = asMap(old.spec).suspend === true && asMap(old.status).startTime == null;
  if (!mutable) return immutableField(t, ot, "spec.template", goStruct("core.PodTemplateSpec", t));
  const strip = (tpl: Record<string, any>) => {
    const c = structuredClone(tpl);
    const meta = asMap(c.metadata);
    delete meta.labels;
    delete meta.annotations;
    const s = asMap(c.spec);
    for (const f of ["nodeSelector", "tolerations", "affinity", "schedulingGates"]) delete s[f];
    return c;
  };
  return immutableField(strip(t), strip(ot), "spec.template", goStruct("core.PodTemplateSpec", t));
}

export function validateJobUpdate(job: Record<string, any>, old: Record<string, any>): FieldError[] {
  const spec = asMap(job.spec);
  const oldSpec = asMap(old.spec);
  const errs = [...validateObjectMetaUpdate(job.metadata, old.metadata), ...validateJobSpec(spec)];
  const elastic =
    spec.completionMode === "Indexed" &&
    typeof spec.completions === "number" &&
    spec.completions === spec.parallelism &&
    oldSpec.completions === oldSpec.parallelism;
  if (!elastic) errs.push(...immutableField(spec.completions, oldSpec.completions, "spec.completions"));
  errs.push(
    ...immutableField(spec.selector, oldSpec.selector, "spec.selector", goLabelSelector(spec.selector)),
  );
  errs.push(...templateUpdate(job, old));
  errs.push(...immutableField(spec.completionMode, oldSpec.completionMode, "spec.completionMode"));
  errs.push(
    ...immutableField(
      spec.podFailurePolicy,
      oldSpec.podFailurePolicy,
      "spec.podFailurePolicy",
      goStruct("batch.PodFailurePolicy", spec.podFailurePolicy),
    ),
  );
  errs.push(
    ...immutableField(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, "spec.backoffLimitPerIndex"),
  );
  errs.push(...immutableField(spec.managedBy, oldSpec.managedBy, "spec.managedBy"));
  return errs;
}

export function validateJobStatusUpdate(job: Record<string, any>, old: Record<string, any>): FieldError[] {
  const s = asMap(job.status);
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  for (const f of ["active", "succeeded", "failed", "ready", "terminating"])
    errs.push(...nonNegative(s[f], `status.${f}`));
  return errs;
}
