import type { KObject } from "../apimachinery/meta.ts";
import { objectKey } from "../client/informer.ts";
import type { Clock } from "../util/clock.ts";
import { Heap } from "./heap.ts";
import type { Pod } from "./types.ts";

// backend/queue/scheduling_queue.go defaults.
export const podInitialBackoffMs = 1_000;
export const podMaxBackoffMs = 10_000;
export const podMaxInUnschedulablePodsDurationMs = 5 * 60_000;
export const backoffFlushIntervalMs = 1_000;
export const unschedulableFlushIntervalMs = 30_000;

export interface QueuedPodInfo {
  key: string;
  pod: Pod;
  priority: number;
  /** When the pod last entered the queue; orders equal priorities and starts its back-off. */
  timestamp: number;
  attempts: number;
  /** Plugins that rejected it last time; empty means any cluster event may help. */
  unschedulablePlugins: Set<string>;
  /** The scheduling cycle in which it was last popped. */
  cycle: number;
  heapIndex: number;
}

type Where = "active" | "backoff" | "unschedulable" | "gated" | "inFlight";

/** A cluster change and the plugins whose rejections it may resolve (undefined: every plugin). */
export interface ClusterEvent {
  label: string;
  plugins?: readonly string[];
}

function priorityOf(pod: Pod): number {
  return typeof pod.spec?.priority === "number" ? pod.spec.priority : 0;
}

function isGated(pod: Pod): boolean {
  return (pod.spec?.schedulingGates?.length ?? 0) > 0;
}

// isPodUpdated: a change the scheduler could care about, i.e. not only status or bookkeeping.
function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {}) ||
    JSON.stringify(a.metadata?.annotations ?? {}) !== JSON.stringify(b.metadata?.annotations ?? {})
  );
}

/**
 * The scheduling queue (PriorityQueue): activeQ ordered by priority then age; backoffQ for pods waiting
 * out their back-off; unschedulablePods parked until a cluster event may help them or they have waited
 * five minutes.
 */
export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly active = new Heap<QueuedPodInfo>((a, b) =>
    a.priority !== b.priority ? a.priority > b.priority : a.timestamp < b.timestamp,
  );
  private readonly backoff = new Heap<QueuedPodInfo>((a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly where = new Map<string, { info: QueuedPodInfo; at: Where }>();
  private waiters: Array<() => void> = [];
  private closed = false;
  private schedulingCycle = 0;
  /** The cycle at which the last cluster event moved pods; pods failing in an earlier cycle go to backoff. */
  private moveRequestCycle = -1;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private newInfo(pod: Pod): QueuedPodInfo {
    return {
      key: objectKey(pod),
      pod,
      priority: priorityOf(pod),
      timestamp: this.now(),
      attempts: 0,
      unschedulablePlugins: new Set(),
      cycle: 0,
      heapIndex: -1,
    };
  }

  get length(): number {
    return this.where.size;
  }

  /** Where a pod is, for tests and diagnostics. */
  stateOf(key: string): Where | undefined {
    return this.where.get(key)?.at;
  }

  private place(info: QueuedPodInfo, at: Where): void {
    this.where.set(info.key, { info, at });
    if (at === "active") {
      this.active.push(info);
      this.waiters.shift()?.();
    } else if (at === "backoff") this.backoff.push(info);
    else if (at === "unschedulable" || at === "gated") this.unschedulable.set(info.key, info);
  }

  private unplace(key: string): QueuedPodInfo | undefined {
    const cur = this.where.get(key);
    if (!cur) return undefined;
    this.where.delete(key);
    if (cur.at === "active") this.active.remove(cur.info);
    else if (cur.at === "backoff") this.backoff.remove(cur.info);
    else if (cur.at === "unschedulable" || cur.at === "gated") this.unschedulable.delete(key);
    return cur.info;
  }

  /** A new pending pod. */
  add(obj: KObject): void {
    const pod = obj as Pod;
    if (this.where.has(objectKey(pod))) return this.update(pod, pod);
    const info = this.newInfo(pod);
    this.place(info, isGated(pod) ? "gated" : "active");
  }

  update(oldObj: KObject, newObj: KObject): void {
    const pod = newObj as Pod;
    const key = objectKey(pod);
    const cur = this.where.get(key);
    if (!cur) return this.add(pod);
    const { info, at } = cur;
    const changed = specOrLabelsChanged(oldObj as Pod, pod);
    info.pod = pod;
    info.priority = priorityOf(pod);
    if (at === "active") this.active.fix(info.heapIndex);
    else if (at === "backoff") this.backoff.fix(info.heapIndex);
    else if (at === "gated") {
      if (!isGated(pod)) {
        this.unplace(key);
        this.place(info, "active");
      }
    } else if (at === "unschedulable" && changed) {
      this.unplace(key);
      this.place(info, this.isBackingOff(info) ? "backoff" : "active");
    }
  }

  delete(key: string): void {
    this.unplace(key);
  }

  private backoffExpiry(info: QueuedPodInfo): number {
    let d = podInitialBackoffMs;
    for (let i = 1; i < info.attempts && d < podMaxBackoffMs; i++) d *= 2;
    return info.timestamp + Math.min(d, podMaxBackoffMs);
  }

  private isBackingOff(info: QueuedPodInfo): boolean {
    return this.backoffExpiry(info) > this.now();
  }

  /** The next pod to schedule, without waiting. */
  tryPop(): QueuedPodInfo | undefined {
    const info = this.active.pop();
    if (!info) return undefined;
    this.schedulingCycle++;
    info.attempts++;
    info.cycle = this.schedulingCycle;
    this.where.set(info.key, { info, at: "inFlight" });
    return info;
  }

  /** Waits for the next pod; undefined once closed. */
  async pop(): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const info = this.tryPop();
      if (info) return info;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) w();
    this.waiters = [];
  }

  /** The pod left the scheduling cycle (bound, or gone). */
  done(key: string): void {
    if (this.where.get(key)?.at === "inFlight") this.where.delete(key);
  }

  /**
   * Puts back a pod that failed: errors wait out their back-off; rejections park in unschedulablePods
   * unless a cluster event arrived while the pod was being scheduled (AddUnschedulableIfNotPresent).
   */
  addUnschedulable(
    info: QueuedPodInfo,
    pod: Pod,
    rejectors: Set<string> | undefined,
    isError: boolean,
  ): void {
    const cur = this.where.get(info.key);
    if (cur && cur.at !== "inFlight") return;
    this.where.delete(info.key);
    info.pod = pod;
    info.priority = priorityOf(pod);
    info.timestamp = this.now();
    info.unschedulablePlugins = rejectors ?? new Set();
    if (isError || this.moveRequestCycle >= info.cycle) this.place(info, "backoff");
    else this.place(info, "unschedulable");
  }

  /** MoveAllToActiveOrBackoffQueue for the parked pods this event may help. */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    this.moveRequestCycle = this.schedulingCycle;
    if (!this.unschedulable.size) return;
    for (const info of [...this.unschedulable.values()]) {
      if (this.where.get(info.key)?.at !== "unschedulable") continue;
      if (
        event.plugins &&
        info.unschedulablePlugins.size &&
        !event.plugins.some((p) => info.unschedulablePlugins.has(p))
      )
        continue;
      this.unplace(info.key);
      this.place(info, this.isBackingOff(info) ? "backoff" : "active");
    }
  }

  /** Moves pods whose back-off has ended to activeQ (flushBackoffQCompleted, every second). */
  flushBackoffCompleted(): void {
    const now = this.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top || this.backoffExpiry(top) > now) return;
      this.unplace(top.key);
      this.place(top, "active");
    }
  }

  /** Retries pods parked for longer than five minutes (flushUnschedulablePodsLeftover, every 30 s). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const info of [...this.unschedulable.values()]) {
      if (this.where.get(info.key)?.at !== "unschedulable") continue;
      if (now - info.timestamp <= podMaxInUnschedulablePodsDurationMs) continue;
      this.unplace(info.key);
      this.place(info, this.isBackingOff(info) ? "backoff" : "active");
    }
  }
}
