import type { KObject } from "../../apimachinery/meta.ts";
import type { SharedInformer } from "../../client/interface.ts";
import { canonical } from "./canonical.ts";
import { isPodReady, podIPv4, selectorMatches, serviceSelector } from "./pod-endpoints.ts";

/** The parts of a pod that its endpoint addresses depend on; a change in them means a resync. */
function podFingerprint(pod: KObject): string {
  const spec = (pod.spec ?? {}) as Record<string, string | undefined>;
  return canonical([
    podIPv4(pod),
    isPodReady(pod),
    pod.metadata?.deletionTimestamp ?? "",
    spec.nodeName ?? "",
    spec.hostname ?? "",
    spec.subdomain ?? "",
    (pod.status as { phase?: string } | undefined)?.phase ?? "",
    pod.metadata?.labels ?? {},
  ]);
}

/** The selector Services in the pod's namespace that select it (getPodServiceMemberships). */
export function servicesSelecting(services: SharedInformer, pod: KObject): KObject[] {
  const labels = pod.metadata?.labels;
  return services.byIndex("namespace", pod.metadata?.namespace ?? "").filter((s) => {
    const sel = serviceSelector(s);
    return sel !== undefined && selectorMatches(sel, labels);
  });
}

function hasSelectorServices(services: SharedInformer, namespace: string): boolean {
  return services.byIndex("namespace", namespace).some((s) => serviceSelector(s) !== undefined);
}

/**
 * Hands the services a pod change concerns to `enqueue`, as the endpoints controllers' pod handlers
 * do (endpointutil.GetServicesToUpdateOnPodChange): a changed pod wakes the services selecting it
 * now, and those that selected it before if its labels changed. The services informer needs a
 * "namespace" index.
 */
export function onPodChangesForServices(
  pods: SharedInformer,
  services: SharedInformer,
  enqueue: (service: KObject) => void,
): void {
  const enqueueFor = (pod: KObject) => {
    for (const s of servicesSelecting(services, pod)) enqueue(s);
  };
  pods.on({
    add: enqueueFor,
    update: (p, old) => {
      // Most pods live where no service selects anything: skip the comparisons there.
      if (!hasSelectorServices(services, p.metadata?.namespace ?? "")) return;
      if (podFingerprint(p) === podFingerprint(old)) return;
      enqueueFor(p);
      if (canonical(p.metadata?.labels ?? {}) !== canonical(old.metadata?.labels ?? {})) enqueueFor(old);
    },
    delete: enqueueFor,
  });
}
