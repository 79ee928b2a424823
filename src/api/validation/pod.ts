import { forbidden, invalid, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asArray, asMap, deepEqual, fieldImmutableErrorMsg, idx, isObject, str } from "./common.ts";
import { inclusiveRangeError, nameIsDNSSubdomain } from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodSpec } from "./pod-spec.ts";
import { validateTolerations } from "./tolerations.ts";

const maxInt32 = 2147483647;

// core/validation updatablePodSpecFields, joined with "," as upstream does.
const updatablePodSpecFields = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

function imageWhitespace(containers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(containers).forEach((c, i) => {
    const image = str(asMap(c).image);
    if (image !== image.trim())
      errs.push(invalid(`${idx(path, i)}.image`, image, "must not have leading or trailing whitespace"));
  });
  return errs;
}

function validatePodMetadataAndSpec(pod: Record<string, any>): FieldError[] {
  const spec = asMap(pod.spec);
  const errs = [
    ...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain),
    ...validatePodSpec(spec, "spec", { resourceIsPod: true }),
  ];
  if (!str(spec.serviceAccountName)) {
    asArray(spec.volumes).forEach((v, vi) => {
      asArray(asMap(asMap(v).projected).sources).forEach((s, si) => {
        if (isObject(asMap(s).serviceAccountToken))
          errs.push(
            forbidden(
              `${idx(`${idx("spec.volumes", vi)}.projected.sources`, si)}.serviceAccountToken`,
              "must not be specified when serviceAccountName is not set",
            ),
          );
      });
    });
  }
  errs.push(...imageWhitespace(spec.containers, "spec.containers"));
  errs.push(...imageWhitespace(spec.initContainers, "spec.initContainers"));
  return errs;
}

export function validatePodCreate(pod: Record<string, any>): FieldError[] {
  const errs = validatePodMetadataAndSpec(pod);
  const spec = asMap(pod.spec);
  if (asArray(spec.ephemeralContainers).length > 0)
    errs.push(forbidden("spec.ephemeralContainers", "cannot be set on create"));
  if (str(spec.nodeName) && asArray(spec.schedulingGates).length > 0)
    errs.push(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"));
  return errs;
}

function containerUpdates(
  newList: unknown,
  oldList: unknown,
  path: string,
): { errs: FieldError[]; stop: boolean } {
  const n = asArray(newList);
  if (n.length !== asArray(oldList).length)
    return { errs: [forbidden(path, "pod updates may not add or remove containers")], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = str(asMap(c).image);
    if (!image) errs.push(required(`${idx(path, i)}.image`, ""));
    if (image.trim() !== image)
      errs.push(invalid(`${idx(path, i)}.image`, image, "must not have leading or trailing whitespace"));
  });
  return { errs, stop: false };
}

function onlyAddedTolerations(newTols: unknown, oldTols: unknown, path: string): FieldError[] {
  const n = asArray(newTols);
  for (const old of asArray(oldTols)) {
    // tolerationSeconds may change on an existing toleration
    const found = n.some((t) =>
      deepEqual(
        { ...asMap(old), tolerationSeconds: undefined },
        { ...asMap(t), tolerationSeconds: undefined },
      ),
    );
    if (!found)
      return [forbidden(path, "existing toleration can not be modified except its tolerationSeconds")];
  }
  return validateTolerations(n, path);
}

function describeDiff(oldSpec: unknown, newSpec: unknown, prefix = ""): string[] {
  if (deepEqual(oldSpec, newSpec)) return [];
  if (isObject(oldSpec) && isObject(newSpec)) {
    const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort();
    return keys.flatMap((k) => describeDiff(oldSpec[k], newSpec[k], prefix ? `${prefix}.${k}` : k));
  }
  return [
    `- ${prefix}: ${JSON.stringify(oldSpec ?? null)}`,
    `+ ${prefix}: ${JSON.stringify(newSpec ?? null)}`,
  ];
}

export function validatePodUpdate(pod: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pod.metadata, old.metadata), ...validatePodMetadataAndSpec(pod)];
  const spec = asMap(pod.spec);
  const oldSpec = asMap(old.spec);
  for (const list of ["containers", "initContainers"]) {
    const r = containerUpdates(spec[list], oldSpec[list], `spec.${list}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === "number") {
    if (ads < 0 || ads > maxInt32) {
      errs.push(invalid("spec.activeDeadlineSeconds", ads, inclusiveRangeError(0, maxInt32)));
      return errs;
    }
    if (typeof oldSpec.activeDeadlineSeconds === "number" && oldSpec.activeDeadlineSeconds < ads) {
      errs.push(invalid("spec.activeDeadlineSeconds", ads, "must be less than or equal to previous value"));
      return errs;
    }
  } else if (typeof oldSpec.activeDeadlineSeconds === "number") {
    errs.push(
      invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"),
    );
  }
  errs.push(...onlyAddedTolerations(spec.tolerations, oldSpec.tolerations, "spec.tolerations"));
  if (deepEqual(spec, oldSpec)) return errs;

  const munged: Record<string, any> = structuredClone(spec);
  for (const list of ["containers", "initContainers"]) {
    if (Array.isArray(munged[list]))
      munged[list] = munged[list].map((c: any, i: number) => ({
        ...c,
        image: asArray(oldSpec[list])[i]?.image,
      }));
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  if (
    typeof oldSpec.terminationGracePeriodSeconds === "number" &&
    oldSpec.terminationGracePeriodSeconds < 0 &&
    munged.terminationGracePeriodSeconds === 1
  )
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  if (!deepEqual(munged, oldSpec)) {
    // Upstream appends a cmp.Diff of the specs; this is a plainer rendering of the same changes.
    const diff = describeDiff(oldSpec, munged).join("\n");
    errs.push(
      forbidden(
        "spec",
        `pod updates may not change fields other than ${updatablePodSpecFields.join(",")}\n${diff}`,
      ),
    );
  }
  return errs;
}

function containerStateTransitions(
  newStatuses: unknown,
  oldStatuses: unknown,
  path: string,
  restartPolicy: string,
): FieldError[] {
  if (restartPolicy === "Always") return [];
  const errs: FieldError[] = [];
  asArray(oldStatuses).forEach((o, i) => {
    const old = asMap(o);
    const terminated = asMap(old.state).terminated;
    if (!isObject(terminated)) return;
    if (terminated.exitCode !== 0 && restartPolicy === "OnFailure") return;
    for (const n of asArray(newStatuses)) {
      const s = asMap(n);
      if (s.name === old.name && !isObject(asMap(s.state).terminated))
        errs.push(forbidden(`${idx(path, i)}.state`, "may not be transitioned to non-terminated state"));
    }
  });
  return errs;
}

export function validatePodStatusUpdate(pod: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  const spec = asMap(pod.spec);
  const oldSpec = asMap(old.spec);
  const status = asMap(pod.status);
  const oldStatus = asMap(old.status);
  if (str(spec.nodeName) !== str(oldSpec.nodeName))
    errs.push(forbidden("status.nodeName", "may not be changed directly"));
  if (str(status.nominatedNodeName) && status.nominatedNodeName !== oldStatus.nominatedNodeName)
    for (const m of nameIsDNSSubdomain(status.nominatedNodeName, false))
      errs.push(invalid("status.nominatedNodeName", status.nominatedNodeName, m));
  if (str(status.qosClass) !== str(oldStatus.qosClass))
    errs.push(invalid("status.qosClass", str(status.qosClass), fieldImmutableErrorMsg));
  const rp = str(oldSpec.restartPolicy);
  errs.push(
    ...containerStateTransitions(
      status.containerStatuses,
      oldStatus.containerStatuses,
      "status.containerStatuses",
      rp,
    ),
  );
  errs.push(
    ...containerStateTransitions(
      status.ephemeralContainerStatuses,
      oldStatus.ephemeralContainerStatuses,
      "status.ephemeralContainerStatuses",
      "Never",
    ),
  );
  return errs;
}
