// Mirrors k8s.io/apiserver/pkg/endpoints/deprecation/deprecation.go (WarningMessage) with the
// lifecycle versions from k8s.io/api/*/zz_generated.prerelease-lifecycle.go.

interface Lifecycle {
  deprecated: string;
  removed: string;
  /** kind → replacement "group/version Kind" */
  replacements: Record<string, string>;
}

const lifecycles: Record<string, Lifecycle> = {
  "apps/v1beta2": {
    deprecated: "1.9",
    removed: "1.16",
    replacements: {
      DaemonSet: "apps/v1 DaemonSet",
      Deployment: "apps/v1 Deployment",
      ReplicaSet: "apps/v1 ReplicaSet",
      StatefulSet: "apps/v1 StatefulSet",
      ControllerRevision: "apps/v1 ControllerRevision",
      Scale: "autoscaling/v1 Scale",
    },
  },
  "batch/v1beta1": {
    deprecated: "1.21",
    removed: "1.25",
    replacements: { CronJob: "batch/v1 CronJob" },
  },
  "extensions/v1beta1": {
    deprecated: "1.14",
    removed: "1.22",
    replacements: { Ingress: "networking.k8s.io/v1 Ingress" },
  },
};

/** The Warning header text for a kind served from a removed group/version, or undefined. */
export function deprecationWarning(group: string, version: string, kind: string): string | undefined {
  const gv = group ? `${group}/${version}` : version;
  const lc = lifecycles[gv];
  if (!lc) return undefined;
  // List kinds carry the same lifecycle, and their replacement is the replacement's list.
  const isList = kind.endsWith("List") && !(kind in lc.replacements);
  const base = isList ? kind.slice(0, -"List".length) : kind;
  const replacement = lc.replacements[base];
  if (!replacement) return undefined;
  return `${gv} ${kind} is deprecated in v${lc.deprecated}+, unavailable in v${lc.removed}+; use ${replacement}${isList ? "List" : ""}`;
}
