import type { KObject } from "../apimachinery/meta.ts";
import type { EventRecorder } from "../client/event-recorder.ts";
import { objectKey } from "../client/informer.ts";
import type { ApiClient, SharedInformer } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { refFor } from "../controllers/refs.ts";
import { rfc3339, type Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { SchedulerCache } from "./cache.ts";
import { defaultFramework, type Framework } from "./framework.ts";
import { GenericScheduler } from "./generic-scheduler.ts";
import { isTerminal, podInfo } from "./pod-info.ts";
import {
  backoffFlushIntervalMs,
  SchedulingQueue,
  unschedulableFlushIntervalMs,
  type ClusterEvent,
  type QueuedPodInfo,
} from "./scheduling-queue.ts";
import type { PreemptionCandidate } from "./preemption.ts";
import type { Pod } from "./types.ts";

export const defaultSchedulerName = "default-scheduler";

export interface SchedulerDeps {
  client: ApiClient;
  pods: SharedInformer;
  nodes: SharedInformer;
  /** Claims, volumes and classes, for the VolumeBinding plugin (left out, pods with claims are not checked). */
  volumes?: { claims: SharedInformer; volumes: SharedInformer; classes: SharedInformer };
  clock: Clock;
  logger: Logger;
  /** Records as "default-scheduler". */
  recorder: Pick<EventRecorder, "event">;
  /** Tie-breaking between equally good nodes; Math.random unless a test pins it. */
  random?: () => number;
  /** 0 means upstream's adaptive share. */
  percentageOfNodesToScore?: number;
  /** Bindings (and failure write-backs) in flight at once. */
  parallelism?: number;
}

// Which plugins' rejections a cluster event can undo (each plugin's EventsToRegister).
const nodeAdded: ClusterEvent = { label: "NodeAdd" };
const assignedPodDeleted: ClusterEvent = {
  label: "AssignedPodDelete",
  plugins: ["NodeResourcesFit", "NodePorts"],
};

// Upstream caps an event's message at 1024 characters (schedule_one.go truncateMessage).
function truncateMessage(msg: string): string {
  const max = 1024;
  return msg.length <= max ? msg : `${msg.slice(0, max - 4)} ...`;
}

function assigned(p: KObject): boolean {
  return !!(p as Pod).spec?.nodeName;
}

/**
 * kube-scheduler: watches pods without a node, picks a node for each with the default plugins, and
 * binds it through pods/binding; pods that fit nowhere get a FailedScheduling event and a
 * PodScheduled=False condition and wait in the queue until the cluster changes.
 */
export class Scheduler {
  private readonly deps: SchedulerDeps;
  private readonly podsRef: ResourceRef = refFor("", "pods");
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  private readonly algorithm: GenericScheduler;
  private readonly parallelism: number;
  private readonly pending = new Set<Promise<void>>();
  private slotWaiters: Array<() => void> = [];

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
    this.queue = new SchedulingQueue(deps.clock);
    this.framework = defaultFramework(deps.volumes);
    if (deps.volumes) {
      const changed = (label: string) => () =>
        this.queue.moveAllToActiveOrBackoff({ label, plugins: ["VolumeBinding"] });
      const { claims, volumes, classes } = deps.volumes;
      claims.on({ add: changed("PersistentVolumeClaimAdd"), update: changed("PersistentVolumeClaimUpdate") });
      volumes.on({ add: changed("PersistentVolumeAdd"), update: changed("PersistentVolumeUpdate") });
      classes.on({ add: changed("StorageClassAdd") });
    }
    this.algorithm = new GenericScheduler(
      this.framework,
      deps.random ?? Math.random,
      deps.percentageOfNodesToScore,
    );
    this.parallelism = deps.parallelism ?? 1024;
    deps.nodes.on({
      add: (n) => this.onNodeAdd(n),
      update: (n, old) => this.onNodeUpdate(old, n),
      delete: (n) => this.cache.removeNode(n.metadata!.name!),
    });
    deps.pods.on({
      add: (p) => this.onPodAdd(p),
      update: (p, old) => this.onPodUpdate(old, p),
      delete: (p) => this.onPodDelete(p),
    });
    // Whatever the informers already hold (a shared informer may have synced before we subscribed).
    for (const n of deps.nodes.list()) this.cache.setNode(n);
    for (const p of deps.pods.list()) this.onPodAdd(p);
  }

  private responsible(p: KObject): boolean {
    const name = (p as Pod).spec?.schedulerName;
    return !name || name === defaultSchedulerName;
  }

  private onNodeAdd(n: KObject): void {
    this.cache.setNode(n);
    this.queue.moveAllToActiveOrBackoff(nodeAdded);
  }

  private onNodeUpdate(old: KObject, n: KObject): void {
    this.cache.setNode(n);
    const plugins: string[] = [];
    const o = old as any;
    const c = n as any;
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    if (!same(o.metadata?.labels, c.metadata?.labels)) plugins.push("NodeAffinity");
    if (!same(o.spec?.taints, c.spec?.taints)) plugins.push("TaintToleration", "NodeUnschedulable");
    if (!!o.spec?.unschedulable !== !!c.spec?.unschedulable) plugins.push("NodeUnschedulable");
    if (!same(o.status?.allocatable, c.status?.allocatable)) plugins.push("NodeResourcesFit");
    // Heartbeats and condition changes alone help no plugin, so they requeue nothing.
    if (plugins.length) this.queue.moveAllToActiveOrBackoff({ label: "NodeUpdate", plugins });
  }

  private onPodAdd(p: KObject): void {
    if (assigned(p)) {
      if (!isTerminal(p)) this.cache.addOrUpdatePod(podInfo(p));
    } else if (this.responsible(p) && !isTerminal(p)) this.queue.add(p);
  }

  private onPodUpdate(old: KObject, p: KObject): void {
    const key = objectKey(p);
    if (assigned(p)) {
      if (!assigned(old)) this.queue.delete(key);
      if (!isTerminal(p)) this.cache.addOrUpdatePod(podInfo(p));
      else if (!isTerminal(old)) {
        // A finished pod frees its node as a deleted one does.
        this.cache.removePod(key);
        this.queue.moveAllToActiveOrBackoff(assignedPodDeleted);
      }
      return;
    }
    if (!this.responsible(p) || isTerminal(p)) this.queue.delete(key);
    else this.queue.update(old, p);
  }

  private onPodDelete(p: KObject): void {
    const key = objectKey(p);
    this.queue.delete(key);
    const wasPlaced = this.cache.podNode(key) !== undefined;
    this.cache.removePod(key);
    if (wasPlaced) this.queue.moveAllToActiveOrBackoff(assignedPodDeleted);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.pods.waitForSync(), this.deps.nodes.waitForSync()]);
    if (signal.aborted) return;
    const timers: Array<{ cancel(): void }> = [];
    const every = (ms: number, fn: () => void) => {
      const tick = () => {
        fn();
        if (!signal.aborted) timers[idx] = this.deps.clock.setTimeout(tick, ms);
      };
      const idx = timers.length;
      timers.push(this.deps.clock.setTimeout(tick, ms));
    };
    every(backoffFlushIntervalMs, () => this.queue.flushBackoffCompleted());
    every(unschedulableFlushIntervalMs, () => this.queue.flushUnschedulableLeftover());
    const stop = () => {
      this.queue.close();
      for (const t of timers) t.cancel();
    };
    signal.addEventListener("abort", stop, { once: true });
    let sinceYield = 0;
    for (;;) {
      const info = await this.queue.pop();
      if (!info) break;
      this.schedule(info);
      if (this.pending.size >= this.parallelism) await new Promise<void>((r) => this.slotWaiters.push(r));
      // Decisions are synchronous; let informer events and binding responses in now and then.
      if (++sinceYield >= 32) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    await this.waitForIdle();
  }

  /** One scheduling cycle for the next queued pod, awaited to the end of its binding; false if none is queued. */
  async scheduleOne(): Promise<boolean> {
    const info = this.queue.tryPop();
    if (!info) return false;
    this.schedule(info);
    await this.waitForIdle();
    return true;
  }

  /** Waits for every binding and failure write-back started so far. */
  async waitForIdle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => {
      this.pending.delete(tracked);
      this.slotWaiters.shift()?.();
    });
    this.pending.add(tracked);
  }

  /** The scheduling cycle: decide synchronously, assume, then bind (or report) asynchronously. */
  private schedule(info: QueuedPodInfo): void {
    const latest = (this.deps.pods.get(info.key) ?? info.pod) as Pod;
    // skipPodSchedule: gone, being deleted, already bound or already assumed.
    if (
      !this.deps.pods.get(info.key) ||
      latest.metadata?.deletionTimestamp ||
      assigned(latest) ||
      this.cache.isAssumed(info.key)
    ) {
      this.queue.done(info.key);
      return;
    }
    const pi = podInfo(latest);
    const outcome = this.algorithm.schedule(pi, this.cache);
    if (outcome.node === undefined) {
      if (outcome.nominated) this.track(this.preempt(latest, outcome.nominated));
      this.track(
        this.handleFailure(
          info,
          latest,
          outcome.message,
          "Unschedulable",
          outcome.diagnosis?.unschedulablePlugins,
        ),
      );
      return;
    }
    this.cache.assumePod(pi, outcome.node);
    this.queue.done(info.key);
    this.track(this.bind(info, latest, outcome.node));
  }

  private async bind(info: QueuedPodInfo, pod: Pod, node: string): Promise<void> {
    const { namespace = "", name = "", uid } = pod.metadata ?? {};
    try {
      const binding = this.framework.volumeBinding;
      const nodeObj = this.deps.nodes.get(node);
      if (binding && nodeObj) {
        try {
          await binding.preBind(this.deps.client, podInfo(pod), nodeObj, this.deps.clock);
        } catch (e) {
          throw new Error(`running PreBind plugin "VolumeBinding": ${(e as Error).message}`, { cause: e });
        }
      }
      await this.deps.client.create(
        this.podsRef,
        namespace,
        {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name, namespace, uid },
          target: { kind: "Node", name: node },
        },
        { name, subresource: "binding" },
      );
    } catch (e) {
      this.cache.forgetPod(info.key);
      // The node's room is free again, which may help pods parked for lack of it.
      this.queue.moveAllToActiveOrBackoff(assignedPodDeleted);
      const latest = this.deps.pods.get(info.key) as Pod | undefined;
      if (!latest) return;
      await this.handleFailure(
        info,
        latest,
        (e as Error).message.startsWith("running PreBind")
          ? (e as Error).message
          : `running Bind plugin "DefaultBinder": ${(e as Error).message}`,
        "SchedulerError",
        undefined,
      );
      return;
    }
    this.deps.recorder.event(
      { ...pod, apiVersion: "v1", kind: "Pod" },
      "Normal",
      "Scheduled",
      `Successfully assigned ${namespace}/${name} to ${node}`,
    );
  }

  /**
   * prepareCandidate: the pod is nominated to the node and the victims are deleted; it is
   * scheduled there once they are gone (their deletion requeues it).
   */
  private async preempt(pod: Pod, candidate: PreemptionCandidate): Promise<void> {
    const { namespace = "", name = "", uid = "" } = pod.metadata ?? {};
    try {
      await this.deps.client.patch(
        this.podsRef,
        namespace,
        name,
        { status: { nominatedNodeName: candidate.node } },
        "strategic",
        "status",
      );
    } catch (e) {
      this.deps.logger.warn("error nominating pod", {
        pod: `${namespace}/${name}`,
        error: (e as Error).message,
      });
    }
    for (const victim of candidate.victims) {
      try {
        await this.deps.client.delete(this.podsRef, victim.namespace, victim.name, {
          preconditions: { uid: victim.uid },
        });
      } catch (e) {
        this.deps.logger.warn("error preempting pod", { pod: victim.key, error: (e as Error).message });
        continue;
      }
      this.deps.recorder.event(
        { ...victim.pod, apiVersion: "v1", kind: "Pod" },
        "Normal",
        "Preempted",
        `Preempted by pod ${uid} on node ${candidate.node}`,
      );
    }
  }

  /** handleSchedulingFailure: requeue, then a FailedScheduling event and the PodScheduled=False condition. */
  private async handleFailure(
    info: QueuedPodInfo,
    pod: Pod,
    message: string,
    reason: "Unschedulable" | "SchedulerError",
    rejectors: Set<string> | undefined,
  ): Promise<void> {
    const latest = this.deps.pods.get(info.key) as Pod | undefined;
    if (!latest || assigned(latest)) {
      this.queue.done(info.key);
      return;
    }
    this.queue.addUnschedulable(info, latest, rejectors, reason === "SchedulerError");
    this.deps.logger.debug("unable to schedule pod", { pod: info.key, reason: message });
    this.deps.recorder.event(
      { ...pod, apiVersion: "v1", kind: "Pod" },
      "Warning",
      "FailedScheduling",
      truncateMessage(message),
    );
    await this.updateCondition(latest, reason, message);
  }

  // updatePod: writes the condition only when it changes, through pods/status.
  private async updateCondition(pod: Pod, reason: string, message: string): Promise<void> {
    const cur = ((pod.status?.conditions ?? []) as any[]).find((c) => c.type === "PodScheduled");
    if (cur && cur.status === "False" && cur.reason === reason && cur.message === message) return;
    const condition = {
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: cur?.status === "False" ? cur.lastTransitionTime : rfc3339(this.deps.clock.now()),
      reason,
      message,
    };
    const { namespace = "", name = "" } = pod.metadata ?? {};
    try {
      await this.deps.client.patch(
        this.podsRef,
        namespace,
        name,
        { status: { conditions: [condition] } },
        "strategic",
        "status",
      );
    } catch (e) {
      this.deps.logger.warn("error updating pod condition", {
        pod: `${namespace}/${name}`,
        error: (e as Error).message,
      });
    }
  }
}
