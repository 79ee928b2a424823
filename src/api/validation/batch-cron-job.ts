import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asMap, nonNegative, str, validateLabels } from "./common.ts";
import { validateJobSpecCommon } from "./batch-job.ts";
import { parseCronSchedule } from "./cron-schedule.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { goLabelSelector } from "./go-value.ts";
import { validateAnnotations, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const concurrencyPolicies = ["Allow", "Forbid", "Replace"];

function validateSchedule(schedule: string, timeZone: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const parsed = parseCronSchedule(schedule);
  if (parsed.error) errs.push(invalid("spec.schedule", schedule, parsed.error));
  if (schedule.includes("TZ")) {
    errs.push(
      invalid(
        "spec.schedule",
        schedule,
        timeZone != null
          ? "cannot use both timeZone field and TZ or CRON_TZ in schedule"
          : "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
      ),
    );
  }
  return errs;
}

// batch/validation validateCronJobSpec; the schedule is re-checked only when it changes.
function validateCronJobSpec(specIn: unknown, oldSpecIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const oldSpec = oldSpecIn === undefined ? undefined : asMap(oldSpecIn);
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(required("spec.schedule", ""));
  else if (!oldSpec || oldSpec.schedule !== schedule) errs.push(...validateSchedule(schedule, spec.timeZone));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  const cp = str(spec.concurrencyPolicy);
  if (!cp) errs.push(required("spec.concurrencyPolicy", ""));
  else if (!concurrencyPolicies.includes(cp))
    errs.push(notSupported("spec.concurrencyPolicy", cp, concurrencyPolicies));
  const jt = asMap(spec.jobTemplate);
  const jtMeta = asMap(jt.metadata);
  errs.push(...validateLabels(jtMeta.labels, "spec.jobTemplate.metadata.labels"));
  errs.push(...validateAnnotations(jtMeta.annotations, "spec.jobTemplate.metadata.annotations"));
  const jspec = asMap(jt.spec);
  errs.push(...validateJobSpecCommon(jspec, "spec.jobTemplate.spec"));
  if (jspec.selector != null)
    errs.push(
      invalid(
        "spec.jobTemplate.spec.selector",
        goLabelSelector(jspec.selector),
        "`selector` will be auto-generated",
      ),
    );
  if (jspec.manualSelector === true)
    errs.push(notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  return errs;
}

export function validateCronJob(cj: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(cj.metadata, true, nameIsDNSSubdomain);
  const name = str(asMap(cj.metadata).name);
  // Job names get an 11-character suffix and must stay within a DNS-1035 label (batch/validation).
  if (name.length > 52) errs.push(invalid("metadata.name", name, "must be no more than 52 characters"));
  errs.push(...validateCronJobSpec(cj.spec, undefined));
  return errs;
}

export function validateCronJobUpdate(cj: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [...validateObjectMetaUpdate(cj.metadata, old.metadata), ...validateCronJobSpec(cj.spec, old.spec)];
}

export function validateCronJobStatusUpdate(cj: Record<string, any>, old: Record<string, any>): FieldError[] {
  return validateObjectMetaUpdate(cj.metadata, old.metadata);
}
