// The pod-failure back-off of pkg/controller/job/backoff_utils.go: after n failures since the last
// success, new pods wait 10 s * 2^(n-1) (capped) from the last failure.
import type { KObject } from "../../apimachinery/meta.ts";

/** DefaultJobPodFailureBackOff */
export const defaultPodFailureBackoffMs = 10_000;
/** MaxJobPodFailureBackOff (10 minutes in the controller since 1.29; the docs still say six). */
export const maxPodFailureBackoffMs = 10 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

function time(s: unknown): number | undefined {
  return typeof s === "string" && s ? Date.parse(s) : undefined;
}

/** getFinishedTime: when the pod stopped, from its Ready=False condition, containers or deletion. */
export function podFinishedTime(pod: any): number {
  const s = pod.status ?? {};
  const phase = s.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    const ready = (s.conditions ?? []).find((c: any) => c.type === "Ready" && c.status === "False");
    const t = time(ready?.lastTransitionTime);
    if (t !== undefined) return t;
  }
  let latest: number | undefined;
  for (const c of [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])]) {
    const t = time(c.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  return time(pod.metadata?.deletionTimestamp) ?? time(pod.metadata?.creationTimestamp) ?? 0;
}

/** backoffStore: the per-Job failure record, kept in memory as upstream does. */
export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  get(key: string): BackoffRecord {
    return this.records.get(key) ?? { failuresAfterLastSuccess: 0 };
  }

  set(key: string, r: BackoffRecord): void {
    this.records.set(key, r);
  }

  remove(key: string): void {
    this.records.delete(key);
  }

  /** newBackoffRecord: the record after taking newly finished pods into account. */
  next(key: string, newSucceeded: KObject[], newFailed: KObject[]): BackoffRecord {
    const r = { ...this.get(key) };
    const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
    if (!newSucceeded.length) {
      if (!failedTimes.length) return r;
      r.failuresAfterLastSuccess += failedTimes.length;
      r.lastFailureTime = failedTimes.at(-1);
      return r;
    }
    const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
    r.failuresAfterLastSuccess = 0;
    r.lastFailureTime = undefined;
    for (let i = failedTimes.length - 1; i >= 0; i--) {
      if (failedTimes[i] <= lastSuccess) break;
      r.lastFailureTime ??= failedTimes[i];
      r.failuresAfterLastSuccess++;
    }
    return r;
  }
}

/** getRemainingTimeForFailuresCount */
export function remainingBackoffMs(r: BackoffRecord, now: number): number {
  if (r.failuresAfterLastSuccess === 0 || r.lastFailureTime === undefined) return 0;
  let backoff = defaultPodFailureBackoffMs;
  for (let i = 1; i < r.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= maxPodFailureBackoffMs) {
      backoff = maxPodFailureBackoffMs;
      break;
    }
  }
  const elapsed = now - r.lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}
