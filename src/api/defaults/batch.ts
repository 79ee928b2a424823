// batch/v1 defaults (pkg/apis/batch/v1/defaults.go) and the Job selector generation the
// job strategy performs once the object has its uid (pkg/registry/batch/job/strategy.go).
import { defaultPodTemplate } from "./pod-spec.ts";
import { child, isEmptyMap, isObj, setIfUnset, type Obj } from "./util.ts";

const maxInt32 = 2147483647;

export function defaultJob(job: Obj): void {
  const spec = child(job, "spec");
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfUnset(spec, "parallelism", 1);
  // With a per-index backoff limit the global limit is effectively unlimited.
  setIfUnset(spec, "backoffLimit", spec.backoffLimitPerIndex != null ? maxInt32 : 6);
  const templateLabels =
    isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  const meta = child(job, "metadata");
  if (isObj(templateLabels) && isEmptyMap(meta.labels)) meta.labels = { ...templateLabels };
  setIfUnset(spec, "completionMode", "NonIndexed");
  setIfUnset(spec, "suspend", false);
  setIfUnset(spec, "podReplacementPolicy", isObj(spec.podFailurePolicy) ? "Failed" : "TerminatingOrFailed");
  defaultPodTemplate(spec.template);
}

export function defaultCronJob(cj: Obj): void {
  const spec = child(cj, "spec");
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = "Allow";
  setIfUnset(spec, "suspend", false);
  setIfUnset(spec, "successfulJobsHistoryLimit", 3);
  setIfUnset(spec, "failedJobsHistoryLimit", 1);
  const jt = child(spec, "jobTemplate");
  const jtMeta = child(jt, "metadata");
  if (!("creationTimestamp" in jtMeta)) jtMeta.creationTimestamp = null;
  defaultPodTemplate(child(jt, "spec").template);
}

export const controllerUidLabel = "batch.kubernetes.io/controller-uid";
export const jobNameLabel = "batch.kubernetes.io/job-name";

/**
 * Adds the generated selector and pod template labels to a Job without manualSelector,
 * as the job strategy does before validation; call after metadata.uid is set.
 */
export function applyJobSelector(job: Obj): void {
  const spec = child(job, "spec");
  if (spec.manualSelector === true) return;
  const meta = child(job, "metadata");
  const uid = String(meta.uid ?? "");
  const name = String(meta.name ?? "");
  const template = child(spec, "template");
  const tmeta = child(template, "metadata");
  const labels = isObj(tmeta.labels) ? tmeta.labels : (tmeta.labels = {});
  // Labels the user set already are kept; a conflicting value then fails validation.
  for (const k of ["job-name", jobNameLabel]) if (!(k in labels)) labels[k] = name;
  for (const k of ["controller-uid", controllerUidLabel]) if (!(k in labels)) labels[k] = uid;
  const selector = child(spec, "selector");
  const matchLabels = child(selector, "matchLabels");
  if (!(controllerUidLabel in matchLabels)) matchLabels[controllerUidLabel] = uid;
  // Upstream's defaulting shares the template's label map with the Job, so the Job shows them too.
  if (isEmptyMap(meta.labels)) meta.labels = { ...labels };
  else if (isObj(meta.labels)) {
    const jobLabels = meta.labels;
    const onlyTemplateLabels = Object.keys(jobLabels).every((k) => labels[k] === jobLabels[k]);
    if (onlyTemplateLabels) meta.labels = { ...labels };
  }
}
