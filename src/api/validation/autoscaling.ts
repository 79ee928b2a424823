// HorizontalPodAutoscaler validation (pkg/apis/autoscaling/validation).
import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asArray, asMap, idx } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const metricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const targetTypes = ["AverageValue", "Utilization", "Value"];

function validateSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  if (typeof spec.minReplicas === "number" && spec.minReplicas < 1)
    errs.push(invalid("spec.minReplicas", spec.minReplicas, "must be greater than or equal to 1"));
  if (typeof spec.maxReplicas !== "number" || spec.maxReplicas < 1)
    errs.push(invalid("spec.maxReplicas", spec.maxReplicas ?? 0, "must be greater than 0"));
  else if (typeof spec.minReplicas === "number" && spec.maxReplicas < spec.minReplicas)
    errs.push(
      invalid("spec.maxReplicas", spec.maxReplicas, "must be greater than or equal to `minReplicas`"),
    );
  const ref = asMap(spec.scaleTargetRef);
  if (!ref.kind) errs.push(required("spec.scaleTargetRef.kind", ""));
  if (!ref.name) errs.push(required("spec.scaleTargetRef.name", ""));
  asArray(spec.metrics).forEach((m, i) => {
    const p = idx("spec.metrics", i);
    const metric = asMap(m);
    if (!metricTypes.includes(metric.type)) {
      errs.push(notSupported(`${p}.type`, metric.type ?? "", metricTypes));
      return;
    }
    if (metric.type === "Resource" || metric.type === "ContainerResource") {
      const key = metric.type === "Resource" ? "resource" : "containerResource";
      const src = asMap(metric[key]);
      if (!src.name) errs.push(required(`${p}.${key}.name`, "must specify a resource name"));
      const t = asMap(src.target);
      if (!targetTypes.includes(t.type))
        errs.push(notSupported(`${p}.${key}.target.type`, t.type ?? "", targetTypes));
      if (t.type === "Utilization" && !(typeof t.averageUtilization === "number" && t.averageUtilization > 0))
        errs.push(
          required(
            `${p}.${key}.target.averageUtilization`,
            "must set either a target raw value or a target utilization",
          ),
        );
    }
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: Record<string, any>): FieldError[] {
  return [...validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain), ...validateSpec(hpa.spec)];
}

export function validateHorizontalPodAutoscalerUpdate(
  hpa: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateSpec(hpa.spec)];
}

export function validateHorizontalPodAutoscalerStatusUpdate(
  hpa: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const s = asMap(hpa.status);
  const errs = validateObjectMetaUpdate(hpa.metadata, old.metadata);
  for (const f of ["currentReplicas", "desiredReplicas"])
    if (typeof s[f] === "number" && s[f] < 0)
      errs.push(invalid(`status.${f}`, s[f], "must be greater than or equal to 0"));
  return errs;
}
