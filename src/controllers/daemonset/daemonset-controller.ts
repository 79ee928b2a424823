import type { KObject } from "../../apimachinery/meta.ts";
import { isEverything, labelSelectorFromMetav1, matches } from "../../apimachinery/selectors/index.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import { computeHash } from "../util/pod-template-hash.ts";
import { orphanPodsIndex, orphanPodsIndexer } from "../util/pod-indexes.ts";
import { refFor } from "../refs.ts";
import {
  ControllerExpectations,
  ControllerRefManager,
  controllerUidIndex,
  controllerUidIndexer,
  getControllerOf,
  getPodFromTemplate,
  isNamespaceTerminating,
  isPodAvailable,
  isPodReady,
  newControllerRef,
  PodControl,
  podKey,
  recheckDeletionTimestamp,
  slowStartBatch,
  slowStartInitialBatchSize,
} from "../util/index.ts";
import {
  addDaemonPodTolerations,
  daemonPodSpec,
  nodeShouldRunDaemonPod,
  pinToNode,
  targetNodeName,
} from "./node-should-run.ts";
import { DaemonSetHistory } from "./history.ts";
import { allowsSurge, surgeCount, unavailableCount } from "./rolling-update-counts.ts";

export const controllerRevisionHashLabel = "controller-revision-hash";
export const templateGenerationLabel = "pod-template-generation";
const templateGenerationAnnotation = "deprecated.daemonset.template.generation";
/** BurstReplicas: at most this many creates or deletes per sync. */
const burstReplicas = 250;
/** failedPodsBackoff: flowcontrol.NewBackOff(1s, 15m) per DaemonSet and node. */
const failedPodBackoffInitialMs = 1000;
const failedPodBackoffMaxMs = 15 * 60_000;

const daemonSetsRef = refFor("apps", "daemonsets");
const podsRef = refFor("", "pods");

export interface DaemonSetControllerDeps {
  client: ApiClient;
  daemonSets: SharedInformer;
  pods: SharedInformer;
  nodes: SharedInformer;
  /** ControllerRevisions; without them no history is kept. */
  revisions?: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  workers?: number;
}

const creationTime = (p: KObject) => Date.parse(p.metadata?.creationTimestamp ?? "") || 0;

/** podByCreationTimestampAndPhase: running pods first, then oldest first, then by name. */
function byCreationAndPhase(a: any, b: any): number {
  const ra = a.status?.phase === "Running" ? 0 : 1;
  const rb = b.status?.phase === "Running" ? 0 : 1;
  if (ra !== rb) return ra - rb;
  const d = creationTime(a) - creationTime(b);
  if (d) return d;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function templateGeneration(ds: any): string | undefined {
  return ds.metadata?.annotations?.[templateGenerationAnnotation];
}

/** util.IsPodUpdated: the pod carries the current template hash (or template generation). */
function isPodUpdated(pod: KObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (
    (hash !== "" && labels[controllerRevisionHashLabel] === hash) ||
    (generation !== undefined && labels[templateGenerationLabel] === generation)
  );
}

/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per eligible node, pinned to it with
 * node affinity on metadata.name for the scheduler to bind; pods removed from nodes that stop
 * qualifying; RollingUpdate (maxUnavailable, maxSurge) and OnDelete on the template hash.
 */
export class DaemonSetController {
  private readonly deps: DaemonSetControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly requeue: ClockRequeue;
  readonly expectations: ControllerExpectations;
  private readonly podControl: PodControl;
  private readonly history: DaemonSetHistory | undefined;
  private readonly failedBackoff = new Map<string, { delay: number; last: number }>();

  constructor(deps: DaemonSetControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    this.expectations = new ControllerExpectations(deps.clock);
    this.podControl = new PodControl({ client: deps.client, recorder: deps.recorder });
    this.history = deps.revisions ? new DaemonSetHistory(deps.client, deps.revisions) : undefined;
    deps.pods.addIndexer(controllerUidIndex, controllerUidIndexer);
    deps.pods.addIndexer(orphanPodsIndex, orphanPodsIndexer);
    deps.daemonSets.on({
      add: (ds) => this.queue.add(objectKey(ds)),
      update: (ds) => this.queue.add(objectKey(ds)),
      delete: (ds) => {
        this.expectations.deleteExpectations(objectKey(ds));
        this.queue.add(objectKey(ds));
      },
    });
    deps.pods.on({
      add: (p) => this.addPod(p),
      update: (p, old) => this.updatePod(p, old),
      delete: (p) => this.deletePod(p),
    });
    deps.nodes.on({
      add: (n) => this.nodeChanged(n, undefined),
      update: (n, old) => this.nodeChanged(n, old),
      delete: () => {
        for (const ds of this.deps.daemonSets.list()) this.queue.add(objectKey(ds));
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.deps.daemonSets.waitForSync(),
      this.deps.revisions?.waitForSync(),
      this.deps.pods.waitForSync(),
      this.deps.nodes.waitForSync(),
    ]);
    signal.addEventListener("abort", () => this.requeue.stop());
    await runWorkers(
      this.queue,
      this.deps.workers ?? 2,
      (key) => this.sync(key),
      signal,
      (key, err) =>
        this.deps.logger.warn("daemonset sync failed", { daemonset: key, error: (err as Error).message }),
    );
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  private resolve(pod: KObject): string | undefined {
    const ref = getControllerOf(pod);
    if (ref?.kind !== "DaemonSet") return undefined;
    const key = `${pod.metadata?.namespace}/${ref.name}`;
    return this.deps.daemonSets.get(key)?.metadata?.uid === ref.uid ? key : undefined;
  }

  private orphanOwners(pod: KObject): string[] {
    if (!Object.keys(pod.metadata?.labels ?? {}).length) return [];
    return this.deps.daemonSets
      .list()
      .filter(
        (ds: any) =>
          ds.metadata?.namespace === pod.metadata?.namespace &&
          matches(labelSelectorFromMetav1(ds.spec?.selector), pod.metadata?.labels),
      )
      .map(objectKey);
  }

  private addPod(pod: KObject): void {
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    const key = this.resolve(pod);
    if (key) {
      this.expectations.creationObserved(key);
      this.queue.add(key);
    } else if (!getControllerOf(pod)) for (const k of this.orphanOwners(pod)) this.queue.add(k);
  }

  private updatePod(pod: KObject, old: KObject): void {
    if (pod.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
      // A graceful deletion has begun: count it as observed now, as upstream does.
      const key = this.resolve(pod);
      if (key) this.expectations.deletionObserved(key, podKey(pod));
    }
    const oldKey = this.resolve(old);
    const key = this.resolve(pod);
    if (oldKey && oldKey !== key) this.queue.add(oldKey);
    if (key) this.queue.add(key);
    else if (!getControllerOf(pod)) for (const k of this.orphanOwners(pod)) this.queue.add(k);
  }

  private deletePod(pod: KObject): void {
    const key = this.resolve(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  // updateNode: only a change in where daemons should run matters (not heartbeats).
  private nodeChanged(node: any, old: any | undefined): void {
    if (
      old &&
      JSON.stringify(old.metadata?.labels ?? {}) === JSON.stringify(node.metadata?.labels ?? {}) &&
      JSON.stringify(old.spec?.taints ?? []) === JSON.stringify(node.spec?.taints ?? [])
    )
      return;
    for (const ds of this.deps.daemonSets.list()) {
      const now = nodeShouldRunDaemonPod(node, ds);
      if (!old) {
        if (now.shouldRun) this.queue.add(objectKey(ds));
        continue;
      }
      const before = nodeShouldRunDaemonPod(old, ds);
      if (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning)
        this.queue.add(objectKey(ds));
    }
  }

  private async claimPods(ds: any): Promise<KObject[]> {
    const owned = this.deps.pods.byIndex(controllerUidIndex, ds.metadata.uid);
    const orphans = this.deps.pods.byIndex(orphanPodsIndex, ds.metadata.namespace);
    const manager = new ControllerRefManager({
      client: this.deps.client,
      controller: ds,
      controllerApiVersion: "apps/v1",
      controllerKind: "DaemonSet",
      selector: labelSelectorFromMetav1(ds.spec?.selector),
      childRef: podsRef,
      childKind: "Pod",
      canAdopt: recheckDeletionTimestamp(ds, "DaemonSet", () =>
        this.deps.client.get(daemonSetsRef, ds.metadata.namespace, ds.metadata.name),
      ),
    });
    return manager.claim([...owned, ...orphans]);
  }

  /** getNodesToDaemonPods; terminal pods already being deleted are left out unless asked for. */
  private nodesToPods(pods: KObject[], includeDeletedTerminal: boolean): Map<string, KObject[]> {
    const out = new Map<string, KObject[]>();
    for (const p of pods as any[]) {
      const terminal = p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
      if (!includeDeletedTerminal && terminal && p.metadata?.deletionTimestamp) continue;
      const node = targetNodeName(p);
      if (!node) continue;
      const list = out.get(node);
      if (list) list.push(p);
      else out.set(node, [p]);
    }
    return out;
  }

  async sync(key: string): Promise<void> {
    const shared = this.deps.daemonSets.get(key);
    if (!shared) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const ds: any = structuredClone({ ...shared, apiVersion: "apps/v1", kind: "DaemonSet" });
    const selector = labelSelectorFromMetav1(ds.spec?.selector);
    if (isEverything(selector)) {
      this.deps.recorder.event(
        ds,
        "Warning",
        "SelectingAll",
        "This daemon set is selecting all pods. A non-empty selector is required.",
      );
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount ?? undefined);
    const nodes = this.deps.nodes.list();
    const spec = daemonPodSpec(ds);
    const eligibility = new Map(nodes.map((n) => [n.metadata!.name!, nodeShouldRunDaemonPod(n, ds, spec)]));
    const pods = await this.claimPods(ds);
    await this.history?.construct(ds, hash);
    if (!this.expectations.satisfiedExpectations(key)) {
      await this.updateStatus(ds, nodes, eligibility, pods, hash);
      return;
    }
    let err: unknown;
    try {
      await this.manage(ds, key, nodes, eligibility, pods, hash);
      if (
        this.expectations.satisfiedExpectations(key) &&
        (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate"
      )
        await this.rollingUpdate(ds, key, nodes, eligibility, pods, hash);
    } catch (e) {
      err = e;
    }
    // The status reflects the cache; pods just created or deleted show up through the informer.
    await this.updateStatus(ds, nodes, eligibility, pods, hash);
    await this.history?.cleanup(ds, hash, pods);
    if (err) throw err;
  }

  private async manage(
    ds: any,
    key: string,
    nodes: KObject[],
    eligibility: Map<string, { shouldRun: boolean; shouldContinueRunning: boolean }>,
    pods: KObject[],
    hash: string,
  ): Promise<void> {
    const byNode = this.nodesToPods(pods, true);
    const nodesNeedingPods: string[] = [];
    const podsToDelete: string[] = [];
    for (const node of nodes) {
      const name = node.metadata!.name!;
      const r = this.podsShouldBeOnNode(ds, name, eligibility.get(name)!, byNode.get(name) ?? [], hash);
      nodesNeedingPods.push(...r.create);
      podsToDelete.push(...r.remove);
    }
    // getUnscheduledPodsWithoutNode: unbound pods aimed at nodes that no longer exist.
    for (const [name, list] of byNode) {
      if (eligibility.has(name)) continue;
      for (const p of list as any[])
        if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp) podsToDelete.push(p.metadata.name);
    }
    await this.syncNodes(ds, key, podsToDelete, nodesNeedingPods, hash);
  }

  /** podsShouldBeOnNode */
  private podsShouldBeOnNode(
    ds: any,
    node: string,
    e: { shouldRun: boolean; shouldContinueRunning: boolean },
    daemonPods: KObject[],
    hash: string,
  ): { create: string[]; remove: string[] } {
    const create: string[] = [];
    const remove: string[] = [];
    const exists = daemonPods.length > 0;
    if (e.shouldRun && !exists) {
      create.push(node);
    } else if (e.shouldContinueRunning) {
      const running: any[] = [];
      for (const p of daemonPods as any[]) {
        if (p.metadata.deletionTimestamp) continue;
        if (p.status?.phase === "Failed") {
          const bkey = `${ds.metadata.uid}/${ds.status?.observedGeneration ?? 0}/${node}`;
          const now = this.now().getTime();
          const b = this.failedBackoff.get(bkey);
          if (b && now - b.last < b.delay) {
            this.requeue.after(`${ds.metadata.namespace}/${ds.metadata.name}`, b.delay - (now - b.last));
            continue;
          }
          this.failedBackoff.set(bkey, {
            delay: b ? Math.min(b.delay * 2, failedPodBackoffMaxMs) : failedPodBackoffInitialMs,
            last: now,
          });
          this.deps.recorder.event(
            ds,
            "Warning",
            "FailedDaemonPod",
            `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${node}, will try to kill it`,
          );
          remove.push(p.metadata.name);
          continue;
        }
        running.push(p);
      }
      if (running.length > 1) {
        running.sort(byCreationAndPhase);
        if (!allowsSurge(ds)) {
          for (const p of running.slice(1)) remove.push(p.metadata.name);
        } else {
          // With surge, keep the oldest new pod and, until it is available, the oldest old one.
          let oldestNew: any;
          let oldestOld: any;
          for (const p of running) {
            if (p.metadata.labels?.[controllerRevisionHashLabel] === hash) {
              if (!oldestNew) {
                oldestNew = p;
                continue;
              }
            } else if (!oldestOld) {
              oldestOld = p;
              continue;
            }
            remove.push(p.metadata.name);
          }
          if (oldestNew && oldestOld) {
            if (!isPodReady(oldestOld)) remove.push(oldestOld.metadata.name);
            else if (isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, this.now()))
              remove.push(oldestOld.metadata.name);
          }
        }
      }
    } else if (exists) {
      for (const p of daemonPods as any[]) if (!p.metadata.deletionTimestamp) remove.push(p.metadata.name);
    }
    return { create, remove };
  }

  /** syncNodes: creates pinned pods in slow-start batches and deletes, with expectations. */
  private async syncNodes(
    ds: any,
    key: string,
    podsToDelete: string[],
    nodesNeedingPods: string[],
    hash: string,
  ) {
    const create = nodesNeedingPods.slice(0, burstReplicas);
    const remove = podsToDelete.slice(0, burstReplicas);
    this.expectations.setExpectations(key, create.length, remove.length);
    const template = structuredClone(ds.spec?.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...template.metadata.labels, [controllerRevisionHashLabel]: hash };
    const generation = templateGeneration(ds);
    if (generation !== undefined) template.metadata.labels[templateGenerationLabel] = generation;
    template.spec ??= {};
    addDaemonPodTolerations(template.spec);
    const controllerRef = newControllerRef(ds, "apps/v1", "DaemonSet");
    let next = 0;
    let failures = 0;
    const { successes, error } = await slowStartBatch(create.length, slowStartInitialBatchSize, async () => {
      const node = create[next++];
      const pod: any = getPodFromTemplate(template, ds, controllerRef);
      // Since 1.12 the default scheduler binds daemon pods; they are pinned by affinity, not nodeName.
      pinToNode(pod.spec, node);
      try {
        await this.podControl.createPod(ds.metadata.namespace, pod, ds);
      } catch (e) {
        this.expectations.creationObserved(key);
        if (isNamespaceTerminating(e)) return;
        failures++;
        throw e;
      }
    });
    for (let i = 0; i < create.length - successes - failures; i++) this.expectations.creationObserved(key);
    let deleteError: unknown;
    await Promise.all(
      remove.map(async (name) => {
        try {
          await this.podControl.deletePod(ds.metadata.namespace, name, ds);
        } catch (e) {
          this.expectations.deletionObserved(key);
          if (!(e instanceof StatusError && e.code === 404)) deleteError ??= e;
        }
      }),
    );
    if (error) throw error;
    if (deleteError) throw deleteError;
  }

  /** rollingUpdate (pkg/controller/daemon/update.go). */
  private async rollingUpdate(
    ds: any,
    key: string,
    nodes: KObject[],
    eligibility: Map<string, { shouldRun: boolean; shouldContinueRunning: boolean }>,
    pods: KObject[],
    hash: string,
  ): Promise<void> {
    const byNode = this.nodesToPods(pods, false);
    let desired = 0;
    for (const n of nodes) {
      const name = n.metadata!.name!;
      if (!eligibility.get(name)?.shouldRun) continue;
      desired++;
      if (!byNode.has(name)) byNode.set(name, []);
    }
    let maxUnavailable = unavailableCount(ds, desired);
    const maxSurge = surgeCount(ds, desired);
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const now = this.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const generation = templateGeneration(ds);
    const onNode = (list: KObject[]) => {
      let newPod: KObject | undefined;
      let oldPod: KObject | undefined;
      for (const p of list) {
        if (p.metadata?.deletionTimestamp) continue;
        if (isPodUpdated(p, hash, generation)) {
          if (newPod) return undefined;
          newPod = p;
        } else {
          if (oldPod) return undefined;
          oldPod = p;
        }
      }
      return { newPod, oldPod };
    };
    if (maxSurge === 0) {
      let numUnavailable = 0;
      const allowed: string[] = [];
      const candidates: string[] = [];
      for (const list of byNode.values()) {
        const r = onNode(list);
        if (!r) {
          numUnavailable++;
          continue;
        }
        const { newPod, oldPod } = r;
        if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
        else if (newPod) {
          if (!isPodAvailable(newPod, minReady, now)) numUnavailable++;
        } else if (!isPodAvailable(oldPod!, minReady, now)) allowed.push(oldPod!.metadata!.name!);
        else if (numUnavailable < maxUnavailable) candidates.push(oldPod!.metadata!.name!);
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      await this.syncNodes(ds, key, [...allowed, ...candidates.slice(0, remaining)], [], hash);
      return;
    }
    let numSurge = 0;
    const allowedNew: string[] = [];
    const candidateNew: string[] = [];
    const oldToDelete: string[] = [];
    for (const [node, list] of byNode) {
      const r = onNode(list);
      if (!r || !r.oldPod) continue;
      const { newPod, oldPod } = r;
      if (!newPod) {
        if (!isPodAvailable(oldPod, minReady, now)) allowedNew.push(node);
        else if (numSurge < maxSurge) candidateNew.push(node);
      } else if (!isPodAvailable(newPod, minReady, now)) numSurge++;
      else oldToDelete.push(oldPod.metadata!.name!);
    }
    const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
    await this.syncNodes(ds, key, oldToDelete, [...allowedNew, ...candidateNew.slice(0, remaining)], hash);
  }

  /** updateDaemonSetStatus */
  private async updateStatus(
    ds: any,
    nodes: KObject[],
    eligibility: Map<string, { shouldRun: boolean; shouldContinueRunning: boolean }>,
    pods: KObject[],
    hash: string,
  ): Promise<void> {
    const byNode = this.nodesToPods(pods, false);
    const now = this.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const generation = templateGeneration(ds);
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const n of nodes) {
      const name = n.metadata!.name!;
      const list = byNode.get(name) ?? [];
      const scheduled = list.length > 0;
      if (eligibility.get(name)?.shouldRun) {
        desired++;
        if (!scheduled) continue;
        current++;
        const pod = [...list].sort(byCreationAndPhase)[0];
        if (isPodReady(pod)) {
          ready++;
          if (isPodAvailable(pod, minReady, now)) available++;
        }
        if (isPodUpdated(pod, hash, generation)) updated++;
      } else if (scheduled) misscheduled++;
    }
    const status: Record<string, unknown> = {
      ...ds.status,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
    // omitempty fields of apps/v1 DaemonSetStatus.
    for (const f of ["observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable"])
      if (!status[f]) delete status[f];
    if (minReady > 0 && ready !== available) this.requeue.after(objectKey(ds), minReady * 1000);
    const before = JSON.stringify(sortKeys(ds.status ?? {}));
    if (before === JSON.stringify(sortKeys(status))) return;
    await this.deps.client.update(
      daemonSetsRef,
      ds.metadata.namespace,
      ds.metadata.name,
      { ...ds, status },
      "status",
    );
  }
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
