import type { KObject, OwnerReference } from "../../apimachinery/meta.ts";

interface PodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

/** "namespace/name", the key expectations and work queues use for a pod (controller.PodKey). */
export function podKey(pod: KObject): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

/** Not finished and not being deleted (controller_utils.go IsPodActive). */
export function isPodActive(pod: KObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

export function podConditions(pod: KObject): PodCondition[] {
  return ((pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? []) as PodCondition[];
}

export function getPodReadyCondition(pod: KObject): PodCondition | undefined {
  return podConditions(pod).find((c) => c.type === "Ready");
}

export function isPodReady(pod: KObject): boolean {
  return getPodReadyCondition(pod)?.status === "True";
}

/** Ready for at least minReadySeconds (api/v1/pod/util.go IsPodAvailable). */
export function isPodAvailable(pod: KObject, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = getPodReadyCondition(pod)?.lastTransitionTime;
  if (!since) return false;
  return Date.parse(since) + minReadySeconds * 1000 < now.getTime();
}

/** The ownerReference with controller=true, if any (metav1.GetControllerOf). */
export function getControllerOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The owner reference a controller puts on what it creates (metav1.NewControllerRef). */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata!.name!,
    uid: owner.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The pods in a namespace whose controllerRef names this owner uid; use with an informer index. */
export function controllerUidIndexer(obj: KObject): string[] {
  const ref = getControllerOf(obj);
  return ref ? [ref.uid] : [];
}

/** An informer index of objects by namespace (cache.MetaNamespaceIndexFunc). */
export function namespaceIndexer(obj: KObject): string[] {
  return [obj.metadata?.namespace ?? ""];
}

export const namespaceIndex = "namespace";
export const controllerUidIndex = "controllerUID";
