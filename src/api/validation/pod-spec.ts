import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asArray, asMap, dnsLabel, idx, isObject, qualifiedName, str, validateLabels } from "./common.ts";
import { validateContainers, validateInitContainers } from "./containers.ts";
import { inclusiveRangeError, ipErrors, nameIsDNSSubdomain } from "./formats.ts";
import { validateAnnotations } from "./object-meta.ts";
import { validateTolerations } from "./tolerations.ts";
import { validateVolumes } from "./volumes.ts";

const restartPolicies = ["Always", "OnFailure", "Never"];
const dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const maxInt32 = 2147483647;

export interface PodSpecOptions {
  /** The spec belongs to a Pod rather than a template embedded in another object. */
  resourceIsPod: boolean;
}

function validateDNSConfig(spec: Record<string, any>, path: string): FieldError[] {
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === "None") {
    if (!isObject(cfg)) return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")];
    if (asArray(cfg.nameservers).length === 0)
      return [
        required(`${path}.nameservers`, "must provide at least one DNS nameserver when `dnsPolicy` is None"),
      ];
  }
  if (!isObject(cfg)) return [];
  const errs: FieldError[] = [];
  const ns = asArray(cfg.nameservers);
  if (ns.length > 3) errs.push(invalid(`${path}.nameservers`, ns, "must not have more than 3 nameservers"));
  ns.forEach((n, i) => {
    for (const m of ipErrors(String(n))) errs.push(invalid(idx(`${path}.nameservers`, i), String(n), m));
  });
  return errs;
}

// core/validation ValidatePodSpec (the parts a learner's manifests can reach).
export function validatePodSpec(specIn: unknown, path: string, opts: PodSpecOptions): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  const grace =
    typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : undefined;
  if (spec.terminationGracePeriodSeconds == null)
    errs.push(required(`${path}.terminationGracePeriodSeconds`, ""));
  const vols = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...vols.errs);
  errs.push(...validateContainers(spec.containers, vols.names, grace, `${path}.containers`));
  errs.push(
    ...validateInitContainers(
      spec.initContainers,
      spec.containers,
      vols.names,
      grace,
      `${path}.initContainers`,
    ),
  );

  if (spec.hostNetwork === true) {
    asArray(spec.containers).forEach((c, ci) => {
      asArray(asMap(c).ports).forEach((port, pi) => {
        const p = asMap(port);
        const hp = typeof p.hostPort === "number" ? p.hostPort : 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== p.containerPort)
          errs.push(
            invalid(
              `${idx(`${idx(`${path}.containers`, ci)}.ports`, pi)}.hostPort`,
              hp,
              "must match `containerPort` when `hostNetwork` is true",
            ),
          );
      });
    });
  }

  const rp = str(spec.restartPolicy);
  if (!rp) errs.push(required(`${path}.restartPolicy`, ""));
  else if (!restartPolicies.includes(rp))
    errs.push(notSupported(`${path}.restartPolicy`, rp, restartPolicies));
  const dp = str(spec.dnsPolicy);
  if (!dp) errs.push(required(`${path}.dnsPolicy`, ""));
  else if (!dnsPolicies.includes(dp)) errs.push(notSupported(`${path}.dnsPolicy`, dp, dnsPolicies));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validateDNSConfig(spec, `${path}.dnsConfig`));
  asArray(spec.readinessGates).forEach((g, i) =>
    errs.push(
      ...qualifiedName(str(asMap(g).conditionType), `${idx(`${path}.readinessGates`, i)}.conditionType`),
    ),
  );
  for (const f of ["serviceAccountName", "nodeName", "priorityClassName"]) {
    const v = str(spec[f]);
    if (v) for (const m of nameIsDNSSubdomain(v, false)) errs.push(invalid(`${path}.${f}`, v, m));
  }
  if (typeof spec.activeDeadlineSeconds === "number") {
    const v = spec.activeDeadlineSeconds;
    if (v < 1 || v > maxInt32)
      errs.push(invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, maxInt32)));
  }
  if (str(spec.hostname)) errs.push(...dnsLabel(spec.hostname, `${path}.hostname`));
  if (str(spec.subdomain)) errs.push(...dnsLabel(spec.subdomain, `${path}.subdomain`));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  if (spec.preemptionPolicy != null) {
    const pp = str(spec.preemptionPolicy);
    if (!pp) errs.push(required(`${path}.preemptionPolicy`, ""));
    else if (pp !== "PreemptLowerPriority" && pp !== "Never")
      errs.push(notSupported(`${path}.preemptionPolicy`, pp, ["PreemptLowerPriority", "Never"]));
  }
  return errs;
}

/** ValidatePodTemplateSpec: labels, annotations, spec; ephemeral containers are not allowed. */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = asMap(template);
  const meta = asMap(t.metadata);
  const errs: FieldError[] = [
    ...validateLabels(meta.labels, `${path}.labels`),
    ...validateAnnotations(meta.annotations, `${path}.annotations`),
    ...validatePodSpec(t.spec, `${path}.spec`, { resourceIsPod: false }),
  ];
  if (asArray(asMap(t.spec).ephemeralContainers).length > 0)
    errs.push(
      forbidden(`${path}.spec.ephemeralContainers`, "ephemeral containers not allowed in pod template"),
    );
  return errs;
}
