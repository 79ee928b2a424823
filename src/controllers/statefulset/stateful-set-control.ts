// One pass of the StatefulSet control loop (pkg/controller/statefulset/stateful_set_control.go
// updateStatefulSet): create missing replicas in ordinal order (or all at once with Parallel),
// replace failed ones, delete condemned ordinals from the highest down, then roll pods that are
// not at the update revision from the highest ordinal down to the partition.
import { StatusError } from "../../apimachinery/status-error.ts";
import { revisionTemplate } from "../history/controller-history.ts";
import { scaledValue } from "../util/int-or-percent.ts";
import {
  getOrdinal,
  getPodRevision,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newStatefulSetPod,
  podInOrdinalRange,
  replicaCount,
  startOrdinal,
  withIdentity,
  type Obj,
} from "./stateful-pod.ts";

/** What the control loop does to the world; StatefulPodControl does it through the API. */
export interface PodActions {
  /** Creates the pod's missing claims, then the pod. Resolves false when the pod already existed. */
  createPod(set: Obj, pod: Obj): Promise<boolean>;
  deletePod(set: Obj, pod: Obj): Promise<void>;
  /** Puts the pod's identity back and creates claims it is missing. */
  updatePod(set: Obj, pod: Obj): Promise<void>;
  /** Creates claims a pending pod is missing (a claim deleted under it). */
  createMissingClaims(set: Obj, pod: Obj): Promise<void>;
  /** Points the ordinal's claims' owner references as the retention policy says. */
  retainClaims(set: Obj, pod: Obj, condemned: boolean): Promise<void>;
  /** True when a claim of this pod is being deleted: the pod must wait. */
  claimsTerminating(set: Obj, pod: Obj): boolean;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount?: number;
}

export interface ControlResult {
  status: StatefulSetStatus;
  /** Ms after which a pod becomes available (minReadySeconds), to look again then. */
  requeueAfterMs?: number;
}

/** The set with its template taken from a revision (ApplyRevision). */
export function applyRevision(set: Obj, revision: Obj): Obj {
  return { ...set, spec: { ...set.spec, template: revisionTemplate(revision) } };
}

function partition(set: Obj): number | undefined {
  const ru = set.spec?.updateStrategy?.rollingUpdate;
  return ru ? (ru.partition ?? 0) : undefined;
}

export async function updateStatefulSet(
  set: Obj,
  currentRevision: Obj,
  updateRevision: Obj,
  collisionCount: number | undefined,
  pods: Obj[],
  actions: PodActions,
  now: Date,
): Promise<ControlResult> {
  const currentSet = applyRevision(set, currentRevision);
  const updateSet = applyRevision(set, updateRevision);
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: currentRevision.metadata.name,
    updateRevision: updateRevision.metadata.name,
    ...(collisionCount !== undefined ? { collisionCount } : {}),
  };
  let requeueAfterMs: number | undefined;
  const waitForAvailable = (pod: Obj) => {
    const since = Date.parse(
      (pod.status?.conditions ?? []).find((c: Obj) => c.type === "Ready")?.lastTransitionTime ?? "",
    );
    const ms = Number.isFinite(since) ? since + minReady * 1000 - now.getTime() + 1 : minReady * 1000;
    requeueAfterMs = Math.max(1, Math.min(requeueAfterMs ?? Infinity, ms));
  };
  const count = (pod: Obj) => {
    if (!isCreated(pod)) return;
    status.replicas++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas++;
      if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas++;
    }
    const rev = getPodRevision(pod);
    if (rev === currentRevision.metadata.name) status.currentReplicas++;
    if (rev === updateRevision.metadata.name) status.updatedReplicas++;
  };
  const uncount = (pod: Obj) => {
    const rev = getPodRevision(pod);
    if (rev === currentRevision.metadata.name) status.currentReplicas--;
    if (rev === updateRevision.metadata.name) status.updatedReplicas--;
  };

  const start = startOrdinal(set);
  const wanted = replicaCount(set);
  const replicas: Obj[] = new Array<Obj>(wanted);
  const condemned: Obj[] = [];
  for (const pod of pods) {
    count(pod);
    if (podInOrdinalRange(set, pod)) replicas[getOrdinal(set, pod) - start] = pod;
    else if (getOrdinal(set, pod) >= 0) condemned.push(pod);
  }
  // newVersionedStatefulSetPod: below the partition pods stay at the current revision.
  const versioned = (ordinal: number): Obj => {
    const p = partition(currentSet);
    const rolling = currentSet.spec?.updateStrategy?.type === "RollingUpdate";
    const atCurrent =
      rolling &&
      (p === undefined ? ordinal < start + (set.status?.currentReplicas ?? 0) : ordinal < start + p);
    return atCurrent
      ? newStatefulSetPod(currentSet, ordinal, currentRevision.metadata.name)
      : newStatefulSetPod(updateSet, ordinal, updateRevision.metadata.name);
  };
  for (let i = 0; i < wanted; i++) replicas[i] ??= versioned(start + i);
  condemned.sort((a, b) => getOrdinal(set, a) - getOrdinal(set, b));

  const result = (): ControlResult => ({
    status,
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  });
  if (set.metadata.deletionTimestamp) return result();
  const monotonic = set.spec?.podManagementPolicy !== "Parallel";
  const firstUnhealthy = [...replicas, ...condemned].find((p) => !isHealthy(p));

  // Each replica in turn: true means "stop here for this pass" (monotonic waits).
  const processReplica = async (i: number): Promise<boolean> => {
    let replica = replicas[i]!;
    if (isFailed(replica) || isSucceeded(replica)) {
      if (!isTerminating(replica)) {
        await actions.deletePod(set, replica);
        uncount(replica);
        status.replicas--;
      }
      replica = replicas[i] = versioned(start + i);
    }
    if (!isCreated(replica)) {
      if (actions.claimsTerminating(set, replica)) return monotonic;
      const created = await actions.createPod(set, replica);
      if (created) {
        status.replicas++;
        if (getPodRevision(replica) === currentRevision.metadata.name) status.currentReplicas++;
        if (getPodRevision(replica) === updateRevision.metadata.name) status.updatedReplicas++;
      }
      return monotonic;
    }
    if (replica.status?.phase === "Pending") await actions.createMissingClaims(set, replica);
    if (isTerminating(replica) && monotonic) return true;
    if (!isRunningAndReady(replica) && monotonic) return true;
    if (!isRunningAndAvailable(replica, minReady, now) && monotonic) {
      waitForAvailable(replica);
      return true;
    }
    if (!isRunningAndAvailable(replica, minReady, now) && isRunningAndReady(replica))
      waitForAvailable(replica);
    await actions.retainClaims(set, replica, false);
    if (!identityMatches(set, replica)) await actions.updatePod(set, withIdentity(set, replica));
    return false;
  };

  if (monotonic) {
    for (let i = 0; i < wanted; i++) if (await processReplica(i)) return result();
  } else {
    const outcomes = await Promise.allSettled(replicas.map((_, i) => processReplica(i)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
  }

  // Scale down: highest ordinal first; one at a time unless Parallel.
  for (let t = condemned.length - 1; t >= 0; t--) {
    const pod = condemned[t]!;
    if (isTerminating(pod)) {
      if (monotonic) return result();
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && !isRunningAndReady(pod)) return result();
    if (monotonic && pod !== firstUnhealthy && !isRunningAndAvailable(pod, minReady, now)) {
      waitForAvailable(pod);
      return result();
    }
    await actions.retainClaims(set, pod, true);
    await actions.deletePod(set, pod);
    uncount(pod);
    if (monotonic) return result();
  }

  if (set.spec?.updateStrategy?.type === "OnDelete") return result();

  // Rolling update, from the highest ordinal down to the partition.
  const updateMin = partition(set) ?? 0;
  const maxUnavailableSpec = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (maxUnavailableSpec === undefined || maxUnavailableSpec === null) {
    for (let t = replicas.length - 1; t >= updateMin; t--) {
      const pod = replicas[t]!;
      if (getPodRevision(pod) !== updateRevision.metadata.name && !isTerminating(pod)) {
        await actions.deletePod(set, pod);
        uncount(pod);
        return result();
      }
      if (!isHealthy(pod)) return result();
    }
    return result();
  }
  const maxUnavailable = Math.max(1, scaledValue(maxUnavailableSpec, wanted, true));
  let unavailable = 0;
  for (const pod of replicas) if (!isHealthy(pod)) unavailable++;
  if (unavailable >= maxUnavailable) return result();
  const toDelete: Obj[] = [];
  for (let t = replicas.length - 1; t >= updateMin && toDelete.length < maxUnavailable - unavailable; t--) {
    const pod = replicas[t]!;
    if (getPodRevision(pod) !== updateRevision.metadata.name && !isTerminating(pod)) toDelete.push(pod);
  }
  for (const pod of toDelete) {
    await actions.deletePod(set, pod);
    uncount(pod);
  }
  return result();
}

/** completeRollingUpdate: once every replica is updated and ready, the update becomes current. */
export function completeRollingUpdate(set: Obj, status: StatefulSetStatus): void {
  if (
    set.spec?.updateStrategy?.type === "RollingUpdate" &&
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas
  ) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof StatusError && e.code === 409 && e.reason === "AlreadyExists";
