import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { RateLimitedTimedQueue, TokenBucket } from "./rate-limited-queue.ts";
import {
  nodeTaints,
  NotReadyTaintTemplate,
  swapNodeTaints,
  taintExists,
  TaintNodeNotReady,
  TaintNodeUnreachable,
  TaintNodeUnschedulable,
  UnreachableTaintTemplate,
  type Taint,
} from "./taints.ts";

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

interface NodeHealth {
  readyCondition?: NodeCondition;
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  leaseRenewTime?: number;
}

type ZoneState = "Initial" | "Normal" | "PartialDisruption" | "FullDisruption";

export interface NodeLifecycleOptions {
  nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period: for nodes that never posted a Ready condition. */
  nodeStartupGracePeriodMs: number;
  /** --node-monitor-period */
  nodeMonitorPeriodMs: number;
  /** --node-eviction-rate, --secondary-node-eviction-rate, --large-cluster-size-threshold, --unhealthy-zone-threshold */
  evictionLimiterQPS: number;
  secondaryEvictionLimiterQPS: number;
  largeClusterThreshold: number;
  unhealthyZoneThreshold: number;
}

export const defaultNodeLifecycleOptions: NodeLifecycleOptions = {
  nodeMonitorGracePeriodMs: 40_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeMonitorPeriodMs: 5_000,
  evictionLimiterQPS: 0.1,
  secondaryEvictionLimiterQPS: 0.01,
  largeClusterThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** scheduler.NodeEvictionPeriod: how often the NoExecute tainting queues are worked. */
const nodeEvictionPeriodMs = 100;

export interface NodeLifecycleDeps {
  client: ApiClient;
  nodes: SharedInformer;
  leases: SharedInformer;
  pods: SharedInformer;
  clock: Clock;
  logger: Logger;
  /** Reports as "node-controller". */
  recorder: EventRecorder;
  options?: Partial<NodeLifecycleOptions>;
}

// pkg/controller/nodelifecycle: conditions the kubelet stops posting become Unknown.
const monitoredConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

// nodeConditionToTaintKeyStatusMap
const conditionTaints: Record<string, Record<string, string>> = {
  Ready: { False: TaintNodeNotReady, Unknown: TaintNodeUnreachable },
  MemoryPressure: { True: "node.kubernetes.io/memory-pressure" },
  DiskPressure: { True: "node.kubernetes.io/disk-pressure" },
  NetworkUnavailable: { True: "node.kubernetes.io/network-unavailable" },
  PIDPressure: { True: "node.kubernetes.io/pid-pressure" },
};
const conditionTaintKeys = new Set(Object.values(conditionTaints).flatMap((m) => Object.values(m)));

export const podNodeNameIndex = "spec.nodeName";

function condition(node: KObject, type: string): NodeCondition | undefined {
  const conds = (node.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? [];
  return conds.find((c) => c.type === type);
}

function zoneKey(node: KObject): string {
  const l = node.metadata?.labels ?? {};
  const region = l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region || zone ? `${region}:\x00:${zone}` : "";
}

/**
 * The node lifecycle controller: marks nodes whose kubelet stopped posting (lease and status) as
 * Unknown, taints not-ready and unreachable nodes (NoSchedule from conditions, NoExecute rate
 * limited per zone), marks their pods not ready, and untaints nodes that come back.
 */
export class NodeLifecycleController {
  private readonly deps: NodeLifecycleDeps;
  readonly options: NodeLifecycleOptions;
  private readonly health = new Map<string, NodeHealth>();
  private readonly known = new Map<string, KObject>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();
  private readonly nodesToRetry = new Set<string>();
  private readonly noScheduleQueue = new WorkQueue();
  private readonly podQueue = new WorkQueue();

  constructor(deps: NodeLifecycleDeps) {
    this.deps = deps;
    this.options = { ...defaultNodeLifecycleOptions, ...deps.options };
    deps.pods.addIndexer(podNodeNameIndex, (p) => {
      const n = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      return n ? [n] : [];
    });
    const onNode = (n: KObject) => this.noScheduleQueue.add(n.metadata!.name!);
    deps.nodes.on({ add: onNode, update: onNode });
    deps.pods.on({
      add: (p) => this.podUpdated(undefined, p),
      update: (p, old) => this.podUpdated(old, p),
    });
  }

  private podUpdated(old: KObject | undefined, pod: KObject): void {
    const n = (pod.spec as { nodeName?: string }).nodeName;
    const was = (old?.spec as { nodeName?: string } | undefined)?.nodeName;
    if (n && n !== was) this.podQueue.add(objectKey(pod));
  }

  async run(signal: AbortSignal): Promise<void> {
    const { nodes, leases, pods, logger, clock } = this.deps;
    await Promise.all([nodes.waitForSync(), leases.waitForSync(), pods.waitForSync()]);
    if (signal.aborted) return;
    const loop = (periodMs: number, fn: () => Promise<void>, what: string) =>
      new Promise<void>((resolve) => {
        let timer: { cancel(): void } | undefined;
        const tick = async () => {
          try {
            await fn();
          } catch (e) {
            logger.warn(`${what} failed`, { error: (e as Error).message });
          }
          if (!signal.aborted) timer = clock.setTimeout(() => void tick(), periodMs);
        };
        signal.addEventListener("abort", () => {
          timer?.cancel();
          resolve();
        });
        void tick();
      });
    const onError = (what: string) => (key: string, err: unknown) =>
      logger.warn(`${what} failed`, { key, error: (err as Error).message });
    await Promise.all([
      loop(this.options.nodeMonitorPeriodMs, () => this.monitorNodeHealth(), "monitoring node health"),
      loop(nodeEvictionPeriodMs, () => this.doNoExecuteTaintingPass(), "tainting nodes"),
      runWorkers(
        this.noScheduleQueue,
        2,
        (k) => this.doNoScheduleTaintingPass(k),
        signal,
        onError("tainting node"),
      ),
      runWorkers(this.podQueue, 2, (k) => this.processPod(k), signal, onError("marking pod not ready")),
    ]);
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** The NoSchedule taints that mirror the node's conditions and spec.unschedulable. */
  async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.deps.nodes.get(name);
    if (!node) return;
    const want: Taint[] = [];
    const conds = (node.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? [];
    for (const c of conds) {
      const key = conditionTaints[c.type]?.[c.status];
      if (key) want.push({ key, effect: "NoSchedule" });
    }
    if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable)
      want.push({ key: TaintNodeUnschedulable, effect: "NoSchedule" });
    const have = nodeTaints(node).filter(
      (t) => t.effect === "NoSchedule" && (t.key === TaintNodeUnschedulable || conditionTaintKeys.has(t.key)),
    );
    const add = want.filter((w) => !have.some((h) => h.key === w.key));
    const del = have.filter((h) => !want.some((w) => w.key === h.key));
    if (!add.length && !del.length) return;
    if (!(await swapNodeTaints(this.deps, name, add, del)))
      throw new Error(`failed to swap taints of node ${name}`);
  }

  private tainter(zone: string): RateLimitedTimedQueue {
    let q = this.tainters.get(zone);
    if (!q) {
      q = new RateLimitedTimedQueue(
        this.deps.clock,
        new TokenBucket(this.deps.clock, this.options.evictionLimiterQPS, 1),
      );
      this.tainters.set(zone, q);
      this.zoneStates.set(zone, "Initial");
    }
    return q;
  }

  /** One pass of monitorNodeHealth: what the controller does every --node-monitor-period. */
  async monitorNodeHealth(): Promise<void> {
    const { nodes, recorder } = this.deps;
    const all = nodes.list();
    const seen = new Set<string>();
    for (const node of all) {
      const name = node.metadata!.name!;
      seen.add(name);
      this.tainter(zoneKey(node));
      if (!this.known.has(name)) {
        this.known.set(name, node);
        recorder.event(
          nodeRef(node),
          "Normal",
          "RegisteredNode",
          `Node ${name} event: Registered Node ${name} in Controller`,
        );
        await this.markNodeAsReachable(node);
      }
    }
    for (const [name, node] of this.known) {
      if (seen.has(name)) continue;
      recorder.event(
        nodeRef(node),
        "Normal",
        "RemovingNode",
        `Node ${name} event: Removing Node ${name} from Controller`,
      );
      this.known.delete(name);
      this.health.delete(name);
      for (const q of this.tainters.values()) q.remove(name);
    }

    const zoneConditions = new Map<string, Array<NodeCondition | undefined>>();
    for (const cached of all) {
      const name = cached.metadata!.name!;
      let observed: NodeCondition;
      let current: NodeCondition | undefined;
      let node = structuredClone(cached);
      try {
        ({ observed, current } = await this.tryUpdateNodeHealth(node));
      } catch {
        // The cached copy was stale: one more try from the API's copy.
        try {
          node = await this.deps.client.get(refFor("", "nodes"), "", name);
          ({ observed, current } = await this.tryUpdateNodeHealth(node));
        } catch (e) {
          this.deps.logger.warn("updating node health failed; no pods will be evicted", {
            node: name,
            error: (e as Error).message,
          });
          continue;
        }
      }
      if (!node.metadata?.labels?.["node.kubernetes.io/exclude-disruption"]) {
        const z = zoneKey(node);
        if (!zoneConditions.has(z)) zoneConditions.set(z, []);
        zoneConditions.get(z)!.push(current);
      }
      if (!current) continue;
      await this.processTaintBasedEviction(node, observed);
      const needsRetry = this.nodesToRetry.has(name);
      const becameNotReady = current.status !== "True" && observed.status === "True";
      if (becameNotReady)
        recorder.event(nodeRef(node), "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
      if (becameNotReady || (needsRetry && observed.status !== "True")) {
        try {
          await this.markPodsNotReady(this.podsOnNode(name), name);
        } catch {
          this.nodesToRetry.add(name);
          continue;
        }
      }
      this.nodesToRetry.delete(name);
    }
    await this.handleDisruption(zoneConditions, all);
  }

  private podsOnNode(name: string): KObject[] {
    return this.deps.pods.byIndex(podNodeNameIndex, name);
  }

  /** tryUpdateNodeHealth: the observed Ready condition before this pass, and the current one after. */
  private async tryUpdateNodeHealth(
    node: KObject,
  ): Promise<{ observed: NodeCondition; current: NodeCondition | undefined }> {
    const name = node.metadata!.name!;
    const created = Date.parse(node.metadata?.creationTimestamp ?? "") || this.now();
    let health = this.health.get(name);
    let current = condition(node, "Ready");
    let observed: NodeCondition;
    let gracePeriod: number;
    if (!current) {
      observed = {
        type: "Ready",
        status: "Unknown",
        lastHeartbeatTime: node.metadata?.creationTimestamp ?? undefined,
        lastTransitionTime: node.metadata?.creationTimestamp ?? undefined,
      };
      gracePeriod = this.options.nodeStartupGracePeriodMs;
      if (!health) health = { probeTimestamp: created, readyTransitionTimestamp: created };
    } else {
      observed = { ...current };
      gracePeriod = this.options.nodeMonitorGracePeriodMs;
    }
    const saved = health?.readyCondition;
    const now = this.now();
    if (!health) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now };
    } else if ((!saved && current) || (saved && !current)) {
      health = { ...health, probeTimestamp: now, readyTransitionTimestamp: now };
    } else if (saved && current && saved.lastHeartbeatTime !== current.lastHeartbeatTime) {
      const transition =
        saved.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = { ...health, probeTimestamp: now, readyTransitionTimestamp: transition };
    }
    health.readyCondition = current ? { ...current } : undefined;
    // A renewed lease counts as a heartbeat even when the status is older.
    const lease = this.deps.leases.get(`kube-node-lease/${name}`);
    const renew = Date.parse(((lease?.spec ?? {}) as { renewTime?: string }).renewTime ?? "");
    if (
      lease &&
      Number.isFinite(renew) &&
      (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)
    ) {
      health.leaseRenewTime = renew;
      health.probeTimestamp = now;
    }
    this.health.set(name, health);

    if (now > health.probeTimestamp + gracePeriod) {
      const nowStr = rfc3339(this.deps.clock.now());
      const status = (node.status ??= {}) as { conditions?: NodeCondition[] };
      status.conditions ??= [];
      for (const type of monitoredConditions) {
        const c = status.conditions.find((x) => x.type === type);
        if (!c) {
          status.conditions.push({
            type,
            status: "Unknown",
            reason: "NodeStatusNeverUpdated",
            message: "Kubelet never posted node status.",
            lastHeartbeatTime: node.metadata?.creationTimestamp ?? nowStr,
            lastTransitionTime: nowStr,
          });
        } else if (c.status !== "Unknown") {
          c.status = "Unknown";
          c.reason = "NodeStatusUnknown";
          c.message = "Kubelet stopped posting node status.";
          c.lastTransitionTime = nowStr;
        }
      }
      current = condition(node, "Ready");
      if (JSON.stringify(current) !== JSON.stringify(observed)) {
        await this.deps.client.update(refFor("", "nodes"), "", name, node, "status");
        health.readyCondition = current ? { ...current } : undefined;
        health.readyTransitionTimestamp = now;
      }
    }
    return { observed, current };
  }

  private async processTaintBasedEviction(node: KObject, observed: NodeCondition): Promise<void> {
    const name = node.metadata!.name!;
    const taints = nodeTaints(node);
    if (observed.status === "False") {
      if (taintExists(taints, UnreachableTaintTemplate))
        await swapNodeTaints(this.deps, name, [NotReadyTaintTemplate], [UnreachableTaintTemplate]);
      else this.markNodeForTainting(node, "False");
    } else if (observed.status === "Unknown") {
      if (taintExists(taints, NotReadyTaintTemplate))
        await swapNodeTaints(this.deps, name, [UnreachableTaintTemplate], [NotReadyTaintTemplate]);
      else this.markNodeForTainting(node, "Unknown");
    } else if (observed.status === "True") {
      await this.markNodeAsReachable(node);
    }
  }

  private markNodeForTainting(node: KObject, status: "False" | "Unknown"): boolean {
    const q = this.tainter(zoneKey(node));
    const name = node.metadata!.name!;
    const taints = nodeTaints(node);
    const template = status === "False" ? NotReadyTaintTemplate : UnreachableTaintTemplate;
    if (!taintExists(taints, template)) q.remove(name);
    return q.add(name, node.metadata?.uid ?? "");
  }

  private async markNodeAsReachable(node: KObject): Promise<boolean> {
    const name = node.metadata!.name!;
    const taints = nodeTaints(node);
    if (taintExists(taints, UnreachableTaintTemplate) || taintExists(taints, NotReadyTaintTemplate))
      await swapNodeTaints(this.deps, name, [], [UnreachableTaintTemplate, NotReadyTaintTemplate]);
    return this.tainter(zoneKey(node)).remove(name);
  }

  /** doNoExecuteTaintingPass: not-ready and unreachable nodes get their NoExecute taint, rate limited. */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const q of this.tainters.values()) {
      await q.try(async (name) => {
        const node = this.deps.nodes.get(name);
        if (!node) return { done: true, retryAfterMs: 0 };
        const ready = condition(node, "Ready");
        if (!ready) return { done: false, retryAfterMs: 50 };
        let add: Taint;
        let opposite: Taint;
        if (ready.status === "False") [add, opposite] = [NotReadyTaintTemplate, UnreachableTaintTemplate];
        else if (ready.status === "Unknown")
          [add, opposite] = [UnreachableTaintTemplate, NotReadyTaintTemplate];
        else return { done: true, retryAfterMs: 0 };
        const ok = await swapNodeTaints(this.deps, name, [add], [opposite]).catch(() => false);
        return { done: ok, retryAfterMs: 0 };
      });
    }
  }

  /** ComputeZoneState */
  private computeZoneState(conds: Array<NodeCondition | undefined>): { unhealthy: number; state: ZoneState } {
    let ready = 0;
    let notReady = 0;
    for (const c of conds) {
      if (c?.status === "True") ready++;
      else notReady++;
    }
    if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: "FullDisruption" };
    if (notReady > 2 && notReady / (notReady + ready) >= this.options.unhealthyZoneThreshold)
      return { unhealthy: notReady, state: "PartialDisruption" };
    return { unhealthy: notReady, state: "Normal" };
  }

  private setLimiterInZone(zone: string, size: number, state: ZoneState): void {
    const q = this.tainter(zone);
    if (state === "Normal" || state === "FullDisruption") q.limiter.swap(this.options.evictionLimiterQPS);
    else if (state === "PartialDisruption")
      q.limiter.swap(
        size > this.options.largeClusterThreshold ? this.options.secondaryEvictionLimiterQPS : 0,
      );
  }

  /** handleDisruption: when every zone is fully disrupted, the control plane (not the nodes) is suspect. */
  private async handleDisruption(
    zoneConditions: Map<string, Array<NodeCondition | undefined>>,
    nodes: KObject[],
  ): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const { state } = this.computeZoneState(conds);
      if (state !== "FullDisruption") allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, "Initial");
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== "FullDisruption") {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      this.deps.logger.info("all nodes are not ready: entering master disruption mode");
      for (const n of nodes) await this.markNodeAsReachable(n).catch(() => false);
      for (const zone of this.zoneStates.keys()) {
        this.tainter(zone).limiter.swap(0);
        this.zoneStates.set(zone, "FullDisruption");
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.deps.logger.info("some nodes are ready: exiting master disruption mode");
      const now = this.now();
      for (const n of nodes) {
        const h = this.health.get(n.metadata!.name!);
        if (h) {
          h.probeTimestamp = now;
          h.readyTransitionTimestamp = now;
        }
      }
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? "Normal";
        this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, state);
        this.zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone) ?? "Normal";
      if (state === next) continue;
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, next);
      this.zoneStates.set(zone, next);
    }
  }

  /** controller/util/node MarkPodsNotReady: Ready=False on each pod, a NodeNotReady event on each. */
  private async markPodsNotReady(pods: KObject[], nodeName: string): Promise<void> {
    const errs: unknown[] = [];
    const now = rfc3339(this.deps.clock.now());
    for (const p of pods) {
      if ((p.spec as { nodeName?: string }).nodeName !== nodeName) continue;
      const pod = structuredClone(p);
      const conds = ((pod.status as { conditions?: NodeCondition[] } | undefined)?.conditions ??
        []) as NodeCondition[];
      const ready = conds.find((c) => c.type === "Ready");
      if (!ready || ready.status === "False") continue;
      ready.status = "False";
      ready.lastTransitionTime = now;
      try {
        await this.deps.client.update(
          refFor("", "pods"),
          pod.metadata!.namespace!,
          pod.metadata!.name!,
          pod,
          "status",
        );
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        errs.push(e);
        continue;
      }
      this.deps.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready");
    }
    if (errs.length) throw errs[0];
  }

  /** processPod: a pod newly bound to a node that is not ready is marked not ready too. */
  async processPod(key: string): Promise<void> {
    const pod = this.deps.pods.get(key);
    if (!pod) return;
    const nodeName = (pod.spec as { nodeName?: string }).nodeName ?? "";
    const health = this.health.get(nodeName);
    if (!health?.readyCondition || !this.deps.nodes.get(nodeName)) return;
    if (health.readyCondition.status !== "True") await this.markPodsNotReady([pod], nodeName);
  }
}

function nodeRef(node: KObject): KObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name: node.metadata?.name, uid: node.metadata?.uid } };
}
