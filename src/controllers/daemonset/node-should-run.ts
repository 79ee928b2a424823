// Which nodes a DaemonSet's pod belongs on (pkg/controller/daemon/daemon_controller.go
// NodeShouldRunDaemonPod and pkg/controller/daemon/util).

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** util.AddOrUpdateDaemonPodTolerations: daemons keep running through node trouble and cordons. */
export function addDaemonPodTolerations(spec: any): void {
  const wanted: Toleration[] = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  ];
  if (spec.hostNetwork === true)
    wanted.push({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });
  const tolerations: Toleration[] = (spec.tolerations ??= []);
  for (const t of wanted) {
    // AddOrUpdateTolerationInPodSpec: an existing toleration with the same key/operator/value/effect is replaced.
    const i = tolerations.findIndex(
      (x) =>
        (x.key ?? "") === t.key &&
        (x.operator || "Equal") === t.operator &&
        (x.value ?? "") === "" &&
        (x.effect ?? "") === t.effect,
    );
    if (i >= 0) tolerations[i] = t;
    else tolerations.push(t);
  }
}

/** v1.Toleration.ToleratesTaint */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  if (!t.operator || t.operator === "Equal") return (t.value ?? "") === (taint.value ?? "");
  return false;
}

function untolerated(taints: Taint[], tolerations: Toleration[], filter: (t: Taint) => boolean): boolean {
  return taints.some((taint) => filter(taint) && !tolerations.some((t) => tolerates(t, taint)));
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]))
        return false;
      return r.operator === "Gt" ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** A node selector term: every requirement holds; a term without requirements matches nothing. */
function termMatches(term: NodeSelectorTerm, node: any): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels[r.key])) return false;
  for (const r of fields) {
    const value = r.key === "metadata.name" ? node.metadata?.name : undefined;
    if (!requirementMatches(r, value)) return false;
  }
  return true;
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match: spec.nodeSelector and required node affinity. */
export function fitsNodeAffinity(podSpec: any, node: any): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries<string>(podSpec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms: NodeSelectorTerm[] | undefined =
    podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => termMatches(t, node));
}

/** The pod spec the checks run against: the template's, with the daemon tolerations (NewPod). */
export function daemonPodSpec(ds: any): any {
  const spec = structuredClone(ds.spec?.template?.spec ?? {});
  addDaemonPodTolerations(spec);
  return spec;
}

/**
 * NodeShouldRunDaemonPod: whether a daemon pod should be created on the node, and whether one
 * already there may keep running (it may through NoSchedule taints it does not tolerate).
 */
export function nodeShouldRunDaemonPod(
  node: any,
  ds: any,
  spec: any = daemonPodSpec(ds),
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if (spec.nodeName && spec.nodeName !== node.metadata?.name)
    return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints: Taint[] = node.spec?.taints ?? [];
  const scheduling = (t: Taint) => t.effect === "NoSchedule" || t.effect === "NoExecute";
  if (untolerated(taints, spec.tolerations, scheduling)) {
    return {
      shouldRun: false,
      shouldContinueRunning: !untolerated(taints, spec.tolerations, (t) => t.effect === "NoExecute"),
    };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the pod may only be scheduled onto this node. */
export function pinToNode(spec: any, nodeName: string): void {
  const term = { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] };
  spec.affinity ??= {};
  spec.affinity.nodeAffinity ??= {};
  spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
}

/** util.GetTargetNodeName: spec.nodeName, or the node the affinity pins an unscheduled pod to. */
export function targetNodeName(pod: any): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms: NodeSelectorTerm[] =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms)
    for (const f of t.matchFields ?? [])
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  return undefined;
}
