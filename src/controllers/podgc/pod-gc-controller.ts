import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";

export interface PodGCOptions {
  /** --terminated-pod-gc-threshold; 0 or less turns terminated-pod collection off. */
  terminatedPodThreshold: number;
  /** gcCheckPeriod */
  gcCheckPeriodMs: number;
  /** quarantineTime: how long a missing node may take to show up before its pods count as orphans. */
  quarantineMs: number;
}

export const defaultPodGCOptions: PodGCOptions = {
  terminatedPodThreshold: 12500,
  gcCheckPeriodMs: 20_000,
  quarantineMs: 40_000,
};

export interface PodGCDeps {
  client: ApiClient;
  pods: SharedInformer;
  nodes: SharedInformer;
  clock: Clock;
  logger: Logger;
  options?: Partial<PodGCOptions>;
}

interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

function phase(pod: KObject): string {
  return (pod.status as { phase?: string } | undefined)?.phase ?? "";
}

function nodeName(pod: KObject): string {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
}

function isTerminated(pod: KObject): boolean {
  const p = phase(pod);
  return p !== "Pending" && p !== "Running" && p !== "Unknown";
}

function isEvicted(pod: KObject): boolean {
  const s = pod.status as { phase?: string; reason?: string } | undefined;
  return s?.phase === "Failed" && s.reason === "Evicted";
}

/**
 * pkg/controller/podgc: every 20 s, deletes the oldest terminated pods above the threshold, pods
 * bound to nodes that are gone (after a quarantine and a GET to be sure), and terminating pods that
 * were never scheduled; non-terminal ones are first marked Failed, and all are deleted with grace 0.
 */
export class PodGCController {
  private readonly deps: PodGCDeps;
  readonly options: PodGCOptions;
  /** Missing node names and when their quarantine ends (the delaying "orphaned_pods_nodes" queue). */
  private readonly quarantine = new Map<string, number>();

  constructor(deps: PodGCDeps) {
    this.deps = deps;
    this.options = { ...defaultPodGCOptions, ...deps.options };
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.pods.waitForSync(), this.deps.nodes.waitForSync()]);
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      let timer: { cancel(): void } | undefined;
      const tick = async () => {
        try {
          await this.gc();
        } catch (e) {
          this.deps.logger.warn("pod garbage collection failed", { error: (e as Error).message });
        }
        if (!signal.aborted)
          timer = this.deps.clock.setTimeout(() => void tick(), this.options.gcCheckPeriodMs);
      };
      signal.addEventListener("abort", () => {
        timer?.cancel();
        resolve();
      });
      void tick();
    });
  }

  async gc(): Promise<void> {
    const pods = this.deps.pods.list();
    const nodes = this.deps.nodes.list();
    if (this.options.terminatedPodThreshold > 0) await this.gcTerminated(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: KObject[]): Promise<void> {
    const terminated = pods.filter(isTerminated);
    const deleteCount = terminated.length - this.options.terminatedPodThreshold;
    if (deleteCount <= 0) return;
    this.deps.logger.info("garbage collecting pods", { numPods: deleteCount });
    // Evicted pods first, then the oldest (byEvictionAndCreationTimestamp).
    terminated.sort((a, b) => {
      const ea = isEvicted(a);
      const eb = isEvicted(b);
      if (ea !== eb) return ea ? -1 : 1;
      const ta = Date.parse(a.metadata?.creationTimestamp ?? "") || 0;
      const tb = Date.parse(b.metadata?.creationTimestamp ?? "") || 0;
      if (ta !== tb) return ta - tb;
      return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
    });
    await this.all(terminated.slice(0, deleteCount), (p) => this.markFailedAndDeletePod(p));
  }

  private async gcOrphaned(pods: KObject[], nodes: KObject[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata!.name!));
    const now = this.deps.clock.now().getTime();
    for (const p of pods) {
      const n = nodeName(p);
      if (n && !existing.has(n) && !this.quarantine.has(n))
        this.quarantine.set(n, now + this.options.quarantineMs);
    }
    const deleted = new Set<string>();
    for (const [n, until] of [...this.quarantine]) {
      if (until > now) continue;
      this.quarantine.delete(n);
      if (existing.has(n)) continue;
      try {
        await this.deps.client.get(refFor("", "nodes"), "", n);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) deleted.add(n);
        else this.deps.logger.warn("error while getting node", { node: n, error: (e as Error).message });
      }
    }
    if (!deleted.size) return;
    const orphans = pods.filter((p) => deleted.has(nodeName(p)));
    await this.all(orphans, async (p) => {
      await this.markFailedAndDeletePod(p, {
        type: "DisruptionTarget",
        status: "True",
        reason: "DeletionByPodGC",
        message: "PodGC: node no longer exists",
      });
      this.deps.logger.info("forced deletion of orphaned Pod succeeded", { pod: key(p) });
    });
  }

  private async gcUnscheduledTerminating(pods: KObject[]): Promise<void> {
    const targets = pods.filter((p) => p.metadata?.deletionTimestamp && !nodeName(p));
    await this.all(targets, (p) => this.markFailedAndDeletePod(p));
  }

  private async all(pods: KObject[], fn: (p: KObject) => Promise<void>): Promise<void> {
    await Promise.all(
      pods.map((p) =>
        fn(p).catch((e: unknown) => {
          if (!(e instanceof StatusError && e.code === 404))
            this.deps.logger.warn("pod gc failed", { pod: key(p), error: (e as Error).message });
        }),
      ),
    );
  }

  private async markFailedAndDeletePod(pod: KObject, condition?: PodCondition): Promise<void> {
    const ref = refFor("", "pods");
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    this.deps.logger.info("PodGC is force deleting Pod", { pod: key(pod) });
    // A pod left Running by a vanished kubelet is marked Failed first, so its owners see it end.
    if (phase(pod) !== "Succeeded" && phase(pod) !== "Failed") {
      const status: Record<string, unknown> = {
        ...((pod.status ?? {}) as Record<string, unknown>),
        phase: "Failed",
      };
      if (condition) {
        const conds = ((status.conditions ?? []) as PodCondition[]).filter((c) => c.type !== condition.type);
        const prior = ((status.conditions ?? []) as PodCondition[]).find((c) => c.type === condition.type);
        const at =
          prior && prior.status === condition.status && prior.lastTransitionTime
            ? prior.lastTransitionTime
            : rfc3339(this.deps.clock.now());
        status.conditions = [...conds, { ...condition, lastProbeTime: null, lastTransitionTime: at }];
      }
      await this.deps.client.patch(ref, ns, name, { status }, "merge", "status");
    }
    await this.deps.client.delete(ref, ns, name, { gracePeriodSeconds: 0 });
  }
}

function key(p: KObject): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}
