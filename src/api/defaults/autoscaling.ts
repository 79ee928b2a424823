// HorizontalPodAutoscaler defaults (pkg/apis/autoscaling/v2/defaults.go): one replica at least,
// 80 % CPU when no metric is named, and every unset field of a given behavior filled in.
import { child, isObj, setIfUnset, type Obj } from "./util.ts";

export const defaultScaleUp = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
});

export const defaultScaleDown = () => ({
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
});

function fillRules(rules: unknown, defaults: Obj): Obj {
  if (!isObj(rules)) return defaults;
  setIfUnset(rules, "stabilizationWindowSeconds", defaults.stabilizationWindowSeconds);
  setIfUnset(rules, "selectPolicy", defaults.selectPolicy);
  if (!Array.isArray(rules.policies) || !rules.policies.length) rules.policies = defaults.policies;
  return rules;
}

export function defaultHorizontalPodAutoscaler(hpa: Obj): void {
  const spec = child(hpa, "spec");
  setIfUnset(spec, "minReplicas", 1);
  if (!Array.isArray(spec.metrics) || !spec.metrics.length)
    spec.metrics = [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
    ];
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, defaultScaleUp());
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, defaultScaleDown());
  }
}
