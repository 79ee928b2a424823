import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { getMatchingTolerations, nodeTaints, type Taint, type Toleration } from "./taints.ts";

export interface TaintEvictionDeps {
  client: ApiClient;
  nodes: SharedInformer;
  /** Needs the "spec.nodeName" index. */
  pods: SharedInformer;
  clock: Clock;
  logger: Logger;
  /** Reports as "taint-eviction-controller". */
  recorder: EventRecorder;
  podNodeNameIndex: string;
}

interface ScheduledEviction {
  createdAt: number;
  fireAt: number;
  timer: { cancel(): void };
}

function noExecuteTaints(node: KObject | undefined): Taint[] {
  return nodeTaints(node).filter((t) => t.effect === "NoExecute");
}

function tolerations(pod: KObject): Toleration[] {
  return ((pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? []) as Toleration[];
}

/** getMinTolerationTime: the shortest tolerationSeconds in ms, 0 for none or <= 0, -1 for forever. */
function minTolerationMs(used: Toleration[]): number {
  if (!used.length) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/**
 * pkg/controller/tainteviction: deletes pods from nodes with NoExecute taints they do not tolerate,
 * at once or after their tolerationSeconds; a removed taint cancels the pending deletion.
 */
export class TaintEvictionController {
  private readonly deps: TaintEvictionDeps;
  private readonly nodeQueue = new WorkQueue();
  private readonly podQueue = new WorkQueue();
  private readonly tainted = new Map<string, Taint[]>();
  private readonly evictions = new Map<string, ScheduledEviction>();

  constructor(deps: TaintEvictionDeps) {
    this.deps = deps;
    deps.nodes.on({
      add: (n) => this.nodeQueue.add(n.metadata!.name!),
      update: (n, old) => {
        if (JSON.stringify(noExecuteTaints(n)) !== JSON.stringify(noExecuteTaints(old)))
          this.nodeQueue.add(n.metadata!.name!);
      },
      delete: (n) => this.nodeQueue.add(n.metadata!.name!),
    });
    const podChanged = (p: KObject, old?: KObject) => {
      if (
        old &&
        JSON.stringify(tolerations(p)) === JSON.stringify(tolerations(old)) &&
        (p.spec as { nodeName?: string }).nodeName === (old.spec as { nodeName?: string }).nodeName
      )
        return;
      this.podQueue.add(objectKey(p));
    };
    deps.pods.on({
      add: (p) => podChanged(p),
      update: (p, old) => podChanged(p, old),
      delete: (p) => this.podQueue.add(objectKey(p)),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.nodes.waitForSync(), this.deps.pods.waitForSync()]);
    if (signal.aborted) return;
    const onError = (key: string, err: unknown) =>
      this.deps.logger.warn("taint eviction sync failed", { key, error: (err as Error).message });
    signal.addEventListener("abort", () => {
      for (const e of this.evictions.values()) e.timer.cancel();
    });
    await Promise.all([
      runWorkers(this.nodeQueue, 2, (k) => this.handleNodeUpdate(k), signal, onError),
      runWorkers(this.podQueue, 2, (k) => this.handlePodUpdate(k), signal, onError),
    ]);
  }

  /** Whether a deletion is pending for the pod (for tests). */
  scheduledAt(key: string): number | undefined {
    return this.evictions.get(key)?.fireAt;
  }

  async handleNodeUpdate(name: string): Promise<void> {
    const node = this.deps.nodes.get(name);
    if (!node) {
      this.tainted.delete(name);
      return;
    }
    const taints = noExecuteTaints(node);
    if (taints.length) this.tainted.set(name, taints);
    else this.tainted.delete(name);
    const pods = this.deps.pods.byIndex(this.deps.podNodeNameIndex, name);
    if (!pods.length) return;
    if (!taints.length) {
      for (const p of pods) this.cancel(objectKey(p));
      return;
    }
    const now = this.deps.clock.now().getTime();
    for (const p of pods) this.processPodOnNode(p, taints, now);
  }

  async handlePodUpdate(key: string): Promise<void> {
    const pod = this.deps.pods.get(key);
    if (!pod) {
      this.cancel(key);
      return;
    }
    const nodeName = (pod.spec as { nodeName?: string }).nodeName;
    if (!nodeName) return;
    const taints = this.tainted.get(nodeName);
    if (!taints) return;
    this.processPodOnNode(pod, taints, this.deps.clock.now().getTime());
  }

  private processPodOnNode(pod: KObject, taints: Taint[], now: number): void {
    const key = objectKey(pod);
    if (!taints.length) this.cancel(key);
    const { allTolerated, used } = getMatchingTolerations(taints, tolerations(pod));
    if (!allTolerated) {
      this.cancel(key);
      this.schedule(key, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      this.cancel(key);
      return;
    }
    let start = now;
    const trigger = now + min;
    const existing = this.evictions.get(key);
    if (existing) {
      // An earlier deadline stands; a later one restarts from the first sighting (taint_eviction.go).
      start = existing.createdAt;
      if (start + min < trigger) return;
      this.cancel(key);
    }
    this.schedule(key, start, trigger);
  }

  private schedule(key: string, createdAt: number, fireAt: number): void {
    const delay = Math.max(0, fireAt - this.deps.clock.now().getTime());
    const timer = this.deps.clock.setTimeout(() => void this.fire(key), delay);
    this.evictions.set(key, { createdAt, fireAt, timer });
  }

  private cancel(key: string): void {
    const e = this.evictions.get(key);
    if (!e) return;
    e.timer.cancel();
    this.evictions.delete(key);
    const [namespace, name] = key.split("/");
    this.deps.recorder.event(
      podRef(namespace, name),
      "Normal",
      "TaintManagerEviction",
      `Cancelling deletion of Pod ${key}`,
    );
  }

  private async fire(key: string): Promise<void> {
    this.evictions.delete(key);
    const [namespace, name] = key.split("/");
    this.deps.recorder.event(
      podRef(namespace, name),
      "Normal",
      "TaintManagerEviction",
      `Marking for deletion Pod ${key}`,
    );
    for (let i = 0; i < 5; i++) {
      try {
        await this.addConditionAndDeletePod(namespace, name);
        return;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return;
        this.deps.logger.warn("taint eviction failed", { pod: key, error: (e as Error).message });
      }
    }
  }

  private async addConditionAndDeletePod(namespace: string, name: string): Promise<void> {
    const ref = refFor("", "pods");
    const pod = await this.deps.client.get(ref, namespace, name);
    const status = (pod.status ??= {}) as { conditions?: Array<Record<string, unknown>> };
    const conds = (status.conditions ??= []);
    const existing = conds.find((c) => c.type === "DisruptionTarget");
    if (!existing || existing.status !== "True" || existing.reason !== "DeletionByTaintManager") {
      const cond = {
        type: "DisruptionTarget",
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: rfc3339(this.deps.clock.now()),
        reason: "DeletionByTaintManager",
        message: "Taint manager: deleting due to NoExecute taint",
      };
      status.conditions = [...conds.filter((c) => c.type !== "DisruptionTarget"), cond];
      await this.deps.client.update(ref, namespace, name, pod, "status");
    }
    await this.deps.client.delete(ref, namespace, name, {});
  }
}

function podRef(namespace: string, name: string): KObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { namespace, name } };
}
