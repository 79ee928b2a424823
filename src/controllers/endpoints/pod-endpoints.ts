// What decides whether and how a pod backs a Service, shared by the Endpoints and EndpointSlice
// controllers (pkg/controller/util/endpointslice and pkg/api/v1/pod).
import { isIPv4 } from "../../api/validation/formats.ts";
import type { KObject } from "../../apimachinery/meta.ts";

export const TOLERATE_UNREADY_ANNOTATION = "service.alpha.kubernetes.io/tolerate-unready-endpoints";
export const LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** Services with no (or an empty) selector are managed by their users, never by the controllers. */
export function serviceSelector(svc: KObject): Record<string, string> | undefined {
  const sel = (svc.spec as any)?.selector;
  if (!sel || typeof sel !== "object" || Object.keys(sel).length === 0) return undefined;
  return sel as Record<string, string>;
}

export function selectorMatches(
  sel: Record<string, string>,
  labels: Record<string, string> | undefined,
): boolean {
  for (const k in sel) if (labels?.[k] !== sel[k]) return false;
  return true;
}

export function isPodReady(pod: KObject): boolean {
  const conds: any[] = (pod.status as any)?.conditions ?? [];
  return conds.some((c) => c?.type === "Ready" && c?.status === "True");
}

/** The pod's IPv4 address (single-stack IPv4 services), or "" while it has none. */
export function podIPv4(pod: KObject): string {
  const st: any = pod.status ?? {};
  const ips: string[] = [st.podIP, ...(Array.isArray(st.podIPs) ? st.podIPs.map((p: any) => p?.ip) : [])];
  return ips.find((ip) => typeof ip === "string" && isIPv4(ip)) ?? "";
}

// endpointslice/utils.go ShouldPodBeInEndpoints
export function shouldPodBeInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  if (!podIPv4(pod)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = (pod.status as any)?.phase;
  const restart = (pod.spec as any)?.restartPolicy;
  if (restart === "Never") return phase !== "Failed" && phase !== "Succeeded";
  if (restart === "OnFailure") return phase !== "Succeeded";
  return true;
}

// endpointslice/utils.go ShouldSetHostname
export function podHostname(pod: KObject, svc: KObject): string | undefined {
  const spec: any = pod.spec ?? {};
  if (
    spec.hostname &&
    spec.subdomain === svc.metadata?.name &&
    pod.metadata?.namespace === svc.metadata?.namespace
  )
    return spec.hostname;
  return undefined;
}

/**
 * The container port a service port reaches on this pod (pkg/api/v1/pod FindPort): a number is
 * used as is; a name is looked up among the pod's container ports of the same protocol.
 */
export function findPort(pod: KObject, servicePort: any): number | undefined {
  const target = servicePort?.targetPort ?? servicePort?.port;
  if (typeof target === "number") return target;
  const protocol = servicePort?.protocol ?? "TCP";
  const spec: any = pod.spec ?? {};
  const containers: any[] = [
    ...(spec.containers ?? []),
    // Sidecars (restartable init containers) serve ports as regular containers do.
    ...(spec.initContainers ?? []).filter((c: any) => c?.restartPolicy === "Always"),
  ];
  for (const c of containers)
    for (const p of c?.ports ?? [])
      if (p?.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  return undefined;
}

export function targetRefOf(pod: KObject): Record<string, string> {
  return {
    kind: "Pod",
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
  };
}

/** When this pod last changed in a way that matters to endpoints (endpointslice/trigger_time_tracker.go). */
export function podTriggerTime(pod: KObject): string | undefined {
  const conds: any[] = (pod.status as any)?.conditions ?? [];
  const ready = conds.find((c) => c?.type === "Ready");
  return ready?.lastTransitionTime ?? pod.metadata?.creationTimestamp ?? undefined;
}

export const namespaceIndex = (o: KObject): string[] => [o.metadata?.namespace ?? ""];
