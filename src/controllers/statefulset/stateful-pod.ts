// The identity and storage of a StatefulSet's pods (pkg/controller/statefulset/stateful_set_utils.go):
// stable names from ordinals, hostname and subdomain, one claim per template and ordinal.
import type { KObject, OwnerReference } from "../../apimachinery/meta.ts";
import { getPodFromTemplate, isPodAvailable, isPodReady, newControllerRef } from "../util/index.ts";

export const statefulSetPodNameLabel = "statefulset.kubernetes.io/pod-name";
export const podIndexLabel = "apps.kubernetes.io/pod-index";
export const controllerRevisionHashLabel = "controller-revision-hash";

export type Obj = Record<string, any>;

export const startOrdinal = (set: Obj): number => set.spec?.ordinals?.start ?? 0;
export const replicaCount = (set: Obj): number => set.spec?.replicas ?? 1;

/** The ordinal a pod's name carries for this set, or -1 (getParentNameAndOrdinal). */
export function getOrdinal(set: Obj, pod: KObject): number {
  const name = pod.metadata?.name ?? "";
  const prefix = `${set.metadata.name}-`;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export const podName = (set: Obj, ordinal: number): string => `${set.metadata.name}-${ordinal}`;

export function podInOrdinalRange(set: Obj, pod: KObject): boolean {
  const ord = getOrdinal(set, pod);
  return ord >= startOrdinal(set) && ord < startOrdinal(set) + replicaCount(set);
}

export const getPodRevision = (pod: KObject): string =>
  pod.metadata?.labels?.[controllerRevisionHashLabel] ?? "";

export function claimName(set: Obj, template: Obj, ordinal: number): string {
  return `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;
}

/** getPersistentVolumeClaims: template name → the claim this pod's ordinal gets. */
export function claimsFor(set: Obj, ordinal: number): Map<string, Obj> {
  const out = new Map<string, Obj>();
  const selectorLabels: Record<string, string> = set.spec?.selector?.matchLabels ?? {};
  for (const t of (set.spec?.volumeClaimTemplates ?? []) as Obj[]) {
    const meta = t.metadata ?? {};
    const claim: Obj = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: claimName(set, t, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...meta.labels, ...selectorLabels },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      },
      spec: structuredClone(t.spec ?? {}),
    };
    out.set(meta.name, claim);
  }
  return out;
}

/** updateStorage: each claim template mounted from this ordinal's claim, other volumes kept. */
function setStorage(set: Obj, pod: Obj, ordinal: number): void {
  const claims = claimsFor(set, ordinal);
  const spec = (pod.spec ??= {});
  const volumes: Obj[] = [];
  for (const [name, claim] of claims)
    volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name } });
  for (const v of (spec.volumes ?? []) as Obj[]) if (!claims.has(v.name)) volumes.push(v);
  if (volumes.length) spec.volumes = volumes;
}

/** initIdentity / updateIdentity: name, hostname, subdomain and the per-pod labels. */
function setIdentity(set: Obj, pod: Obj, ordinal: number): void {
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = {
    ...pod.metadata.labels,
    [statefulSetPodNameLabel]: pod.metadata.name,
    [podIndexLabel]: String(ordinal),
  };
  pod.spec.hostname = pod.metadata.name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  else delete pod.spec.subdomain;
}

export function identityMatches(set: Obj, pod: Obj): boolean {
  const ord = getOrdinal(set, pod);
  return (
    ord >= 0 &&
    pod.metadata?.namespace === set.metadata.namespace &&
    pod.metadata?.labels?.[statefulSetPodNameLabel] === pod.metadata?.name &&
    pod.metadata?.labels?.[podIndexLabel] === String(ord) &&
    (pod.spec?.hostname ?? "") === pod.metadata?.name &&
    (pod.spec?.subdomain ?? "") === (set.spec?.serviceName ?? "")
  );
}

/** The pod as updateIdentity leaves it (only metadata and hostname/subdomain may change). */
export function withIdentity(set: Obj, pod: Obj): Obj {
  const copy = structuredClone(pod);
  setIdentity(set, copy, getOrdinal(set, pod));
  return copy;
}

export function newStatefulSetPod(set: Obj, ordinal: number, revision: string): Obj {
  const ref: OwnerReference = newControllerRef(set as KObject, "apps/v1", "StatefulSet");
  const pod: Obj = getPodFromTemplate(set.spec?.template ?? {}, set as KObject, ref);
  delete pod.metadata.generateName;
  setIdentity(set, pod, ordinal);
  setStorage(set, pod, ordinal);
  pod.metadata.labels[controllerRevisionHashLabel] = revision;
  return pod;
}

export const isCreated = (pod: Obj): boolean => Boolean(pod.status?.phase);
export const isFailed = (pod: Obj): boolean => pod.status?.phase === "Failed";
export const isSucceeded = (pod: Obj): boolean => pod.status?.phase === "Succeeded";
export const isPending = (pod: Obj): boolean => pod.status?.phase === "Pending";
export const isTerminating = (pod: Obj): boolean => Boolean(pod.metadata?.deletionTimestamp);
export const isRunningAndReady = (pod: Obj): boolean =>
  pod.status?.phase === "Running" && isPodReady(pod as KObject);
export const isRunningAndAvailable = (pod: Obj, minReadySeconds: number, now: Date): boolean =>
  pod.status?.phase === "Running" && isPodAvailable(pod as KObject, minReadySeconds, now);
export const isHealthy = (pod: Obj): boolean => isRunningAndReady(pod) && !isTerminating(pod);
