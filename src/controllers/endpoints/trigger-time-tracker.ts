import type { KObject } from "../../apimachinery/meta.ts";
import { podTriggerTime } from "./pod-endpoints.ts";

/**
 * The value of endpoints.kubernetes.io/last-change-trigger-time: the earliest change (a pod's
 * readiness or creation, or the Service's creation) not yet reflected in a write
 * (pkg/controller/util/endpoint/trigger_time_tracker.go).
 */
export class TriggerTimeTracker {
  private readonly state = new Map<string, { service: string; pods: Map<string, string> }>();

  compute(key: string, svc: KObject, pods: KObject[]): string | undefined {
    const prev = this.state.get(key);
    const changed: string[] = [];
    const svcTime = svc.metadata?.creationTimestamp ?? "";
    if (!prev || prev.service !== svcTime) if (svcTime) changed.push(svcTime);
    const now = new Map<string, string>();
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      if (!t) continue;
      const podKey = pod.metadata?.name ?? "";
      now.set(podKey, t);
      if (prev?.pods.get(podKey) !== t) changed.push(t);
    }
    this.state.set(key, { service: svcTime, pods: now });
    let min: string | undefined;
    for (const t of changed) if (min === undefined || Date.parse(t) < Date.parse(min)) min = t;
    return min;
  }

  forget(key: string): void {
    this.state.delete(key);
  }
}
