import type { KObject } from "../../apimachinery/meta.ts";
import { labelSelectorFromSet, matches } from "../../apimachinery/selectors/index.ts";
import { rfc3339 } from "../../util/clock.ts";
import { isPodAvailable, isPodReady } from "../util/index.ts";

export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
  [k: string]: unknown;
}

interface ReplicaSetShape {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    template?: { metadata?: { labels?: Record<string, string> } };
  };
  status?: ReplicaSetStatus;
}

export const replicaFailure = "ReplicaFailure";

export function desiredReplicas(rs: KObject): number {
  return (rs as ReplicaSetShape).spec?.replicas ?? 1;
}

export function minReadySeconds(rs: KObject): number {
  return (rs as ReplicaSetShape).spec?.minReadySeconds ?? 0;
}

/** replica_set_utils.go calculateStatus: counts over the claimed active pods, and the ReplicaFailure condition. */
export function calculateStatus(
  rs: KObject,
  pods: KObject[],
  manageErr: unknown,
  now: Date,
): ReplicaSetStatus {
  const shape = rs as ReplicaSetShape;
  const old = shape.status ?? { replicas: 0 };
  const next: ReplicaSetStatus = { ...old, conditions: old.conditions ? [...old.conditions] : undefined };
  const templateLabels = labelSelectorFromSet(shape.spec?.template?.metadata?.labels);
  const minReady = minReadySeconds(rs);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (matches(templateLabels, pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const failure = old.conditions?.find((c) => c.type === replicaFailure);
  if (manageErr !== undefined && !failure) {
    const diff = pods.length - desiredReplicas(rs);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    const cond: ReplicaSetCondition = {
      type: replicaFailure,
      status: "True",
      lastTransitionTime: rfc3339(now),
      reason,
      message: manageErr instanceof Error ? manageErr.message : String(manageErr),
    };
    next.conditions = [...(next.conditions ?? []), cond];
  } else if (manageErr === undefined && failure) {
    next.conditions = next.conditions!.filter((c) => c.type !== replicaFailure);
  }
  if (!next.conditions?.length) delete next.conditions;
  next.replicas = pods.length;
  next.fullyLabeledReplicas = fullyLabeled;
  next.readyReplicas = ready;
  next.availableReplicas = available;
  return next;
}

/** updateReplicaSetStatus skips the write when nothing it owns changed and the generation was observed. */
export function statusUnchanged(rs: KObject, next: ReplicaSetStatus): boolean {
  const cur = (rs as ReplicaSetShape).status ?? { replicas: 0 };
  return (
    (cur.replicas ?? 0) === next.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (rs.metadata?.generation ?? 0) === (cur.observedGeneration ?? 0) &&
    JSON.stringify(cur.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}
