import { defaultPodSpec } from "./pod-spec.ts";
import { child, isObj, list, setIfUnset, type Obj } from "./util.ts";

const notReadyTaint = "node.kubernetes.io/not-ready";
const unreachableTaint = "node.kubernetes.io/unreachable";
export interface DefaultTolerationSeconds {
  notReady: number;
  unreachable: number;
}

/**
 * plugin/pkg/admission/defaulttolerationseconds: tolerate NoExecute not-ready/unreachable for the
 * API server's --default-*-toleration-seconds (300 by default). Runs at pod creation only.
 */
export function addDefaultTolerations(
  spec: Obj,
  seconds: DefaultTolerationSeconds = { notReady: 300, unreachable: 300 },
): void {
  const tolerations = list(spec.tolerations);
  const tolerates = (taintKey: string) =>
    tolerations.some(
      (t) =>
        (t.key === taintKey || ((t.key ?? "") === "" && t.operator === "Exists")) &&
        (t.effect === "NoExecute" || (t.effect ?? "") === ""),
    );
  const added: Obj[] = [];
  for (const key of [notReadyTaint, unreachableTaint]) {
    if (!tolerates(key))
      added.push({
        key,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: key === notReadyTaint ? seconds.notReady : seconds.unreachable,
      });
  }
  if (added.length)
    spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added];
}

/** SetDefaults_Pod plus what the default admission chain fills in on every pod. */
export function defaultPod(pod: Obj): void {
  const spec = child(pod, "spec");
  defaultPodSpec(spec);
  // Requests default to limits where only limits are given (SetDefaults_Pod, pods only).
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    const res = isObj(c.resources) ? c.resources : (c.resources = {});
    if (isObj(res.limits)) {
      const requests = isObj(res.requests) ? res.requests : (res.requests = {});
      for (const [k, v] of Object.entries(res.limits)) if (!(k in requests)) requests[k] = v;
    }
  }
  setIfUnset(spec, "enableServiceLinks", true);
  if (spec.hostNetwork === true) {
    for (const c of [...list(spec.containers), ...list(spec.initContainers)])
      for (const p of list(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
  }
  // The ServiceAccount admission plugin; v1 conversion keeps the deprecated field in step.
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || "default";
  spec.serviceAccount = spec.serviceAccountName;
  // The Priority admission plugin, with no PriorityClass named and no global default.
  if (!spec.priorityClassName) {
    setIfUnset(spec, "priority", 0);
    setIfUnset(spec, "preemptionPolicy", "PreemptLowerPriority");
  }
}
