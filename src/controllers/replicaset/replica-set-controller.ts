import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { LabelSelector } from "../../apimachinery/selectors/index.ts";
import { matches } from "../../apimachinery/selectors/index.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import {
  ControllerExpectations,
  ControllerRefManager,
  controllerUidIndex,
  controllerUidIndexer,
  getControllerOf,
  isNamespaceTerminating,
  isPodActive,
  isPodReady,
  namespaceIndex,
  namespaceIndexer,
  newControllerRef,
  PodControl,
  podKey,
  recheckDeletionTimestamp,
  slowStartBatch,
  slowStartInitialBatchSize,
  sortActivePodsWithRanks,
} from "../util/index.ts";
import type { ReplicaSetKind } from "./kinds.ts";
import {
  calculateStatus,
  desiredReplicas,
  minReadySeconds,
  statusUnchanged,
  type ReplicaSetStatus,
} from "./replica-set-status.ts";

/** replica_set.go BurstReplicas: at most this many creates or deletes per sync. */
export const burstReplicas = 500;

/** Pods without a controller, by namespace: the only pods besides its own that a sync looks at. */
const orphansByNamespaceIndex = "orphansByNamespace";

export interface ReplicaSetControllerDeps {
  kind: ReplicaSetKind;
  client: ApiClient;
  /** The shared pod informer and the informer of the kind's resource. */
  podInformer: SharedInformer;
  rsInformer: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  workers?: number;
  burstReplicas?: number;
}

/**
 * Keeps the number of pods matching a ReplicaSet's (or ReplicationController's) selector at
 * spec.replicas: adopts and releases pods, creates and deletes them, and reports status
 * (pkg/controller/replicaset/replica_set.go).
 */
export class ReplicaSetController {
  private readonly deps: ReplicaSetControllerDeps;
  readonly queue = new WorkQueue();
  readonly expectations: ControllerExpectations;
  private readonly podControl: PodControl;
  private readonly burst: number;

  constructor(deps: ReplicaSetControllerDeps) {
    this.deps = deps;
    this.burst = deps.burstReplicas ?? burstReplicas;
    this.expectations = new ControllerExpectations(deps.clock);
    this.podControl = new PodControl({ client: deps.client, recorder: deps.recorder });
    deps.podInformer.addIndexer(controllerUidIndex, controllerUidIndexer);
    deps.podInformer.addIndexer(orphansByNamespaceIndex, (p) =>
      getControllerOf(p) ? [] : [p.metadata?.namespace ?? ""],
    );
    deps.rsInformer.addIndexer(namespaceIndex, namespaceIndexer);
    deps.rsInformer.addIndexer(controllerUidIndex, controllerUidIndexer);
    deps.rsInformer.on({
      add: (rs) => this.queue.add(objectKey(rs)),
      update: (cur, old) => {
        if (cur.metadata?.uid !== old.metadata?.uid) this.deleteRS(old);
        this.queue.add(objectKey(cur));
      },
      delete: (rs) => this.deleteRS(rs),
    });
    deps.podInformer.on({
      add: (p) => this.addPod(p),
      update: (cur, old) => this.updatePod(cur, old),
      delete: (p) => this.deletePod(p),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { podInformer, rsInformer, logger, kind } = this.deps;
    await Promise.all([podInformer.waitForSync(), rsInformer.waitForSync()]);
    if (signal.aborted) return;
    await runWorkers(
      this.queue,
      this.deps.workers ?? 5,
      (k) => this.sync(k),
      signal,
      (key, err) => logger.warn(`error syncing ${kind.kind}`, { key, error: (err as Error).message }),
    );
  }

  private deleteRS(rs: KObject): void {
    const key = objectKey(rs);
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  /** The owner named by a controllerRef, if it is of our kind and the same object (same uid). */
  private resolveControllerRef(namespace: string, ref: { kind: string; name: string; uid: string }) {
    if (ref.kind !== this.deps.kind.kind) return undefined;
    const rs = this.deps.rsInformer.get(`${namespace}/${ref.name}`);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** Owners in the pod's namespace whose selector matches it (getPodReplicaSets). */
  private ownersMatching(pod: KObject): KObject[] {
    const out: KObject[] = [];
    for (const rs of this.deps.rsInformer.byIndex(namespaceIndex, pod.metadata?.namespace ?? "")) {
      let sel: LabelSelector;
      try {
        sel = this.deps.kind.selectorOf(rs);
      } catch {
        continue;
      }
      if (sel.requirements.length === 0) continue; // an empty selector matches nothing here, as upstream
      if (matches(sel, pod.metadata?.labels)) out.push(rs);
    }
    return out;
  }

  private addPod(pod: KObject): void {
    if (pod.metadata?.deletionTimestamp) {
      // A restarted controller can see a pod already being deleted: count it as a deletion.
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? "", ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: wake every owner that might adopt it.
    for (const rs of this.ownersMatching(pod)) this.queue.add(objectKey(rs));
  }

  private updatePod(cur: KObject, old: KObject): void {
    if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    const labelChanged =
      JSON.stringify(cur.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion: the kubelet removes the pod later, but it no longer counts now.
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    const ns = cur.metadata?.namespace ?? "";
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(ns, oldRef);
      if (rs) this.queue.add(objectKey(rs));
    }
    if (curRef) {
      const rs = this.resolveControllerRef(ns, curRef);
      if (!rs) return;
      const key = objectKey(rs);
      this.queue.add(key);
      // replica_set.go: a pod that became ready is available minReadySeconds later; look again then.
      const mrs = minReadySeconds(rs);
      if (!isPodReady(old) && isPodReady(cur) && mrs > 0) this.queue.addAfter(key, mrs * 1000 + 1000);
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.ownersMatching(cur)) this.queue.add(objectKey(rs));
  }

  private deletePod(pod: KObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? "", ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  /** syncReplicaSet */
  async sync(key: string): Promise<void> {
    const { kind, rsInformer, podInformer, logger } = this.deps;
    const cached = rsInformer.get(key);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    // Events name the owner by kind; list items carry no kind.
    const rs: KObject = { ...cached, apiVersion: kind.apiVersion, kind: kind.kind };
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector: LabelSelector;
    try {
      selector = kind.selectorOf(rs);
    } catch (e) {
      logger.warn("invalid selector", { key, error: (e as Error).message });
      return;
    }
    const ns = rs.metadata!.namespace ?? "";
    // Our own pods (some may need releasing) and the namespace's orphans (some may be adopted).
    const candidates = new Map<string, KObject>();
    for (const p of podInformer.byIndex(controllerUidIndex, rs.metadata!.uid!))
      candidates.set(objectKey(p), p);
    for (const p of podInformer.byIndex(orphansByNamespaceIndex, ns)) candidates.set(objectKey(p), p);
    const active = [...candidates.values()].filter((p) => p.metadata?.namespace === ns && isPodActive(p));
    const pods = await this.claimPods(rs, selector, active);

    let manageErr: unknown;
    if (needsSync && !rs.metadata!.deletionTimestamp) {
      try {
        await this.manageReplicas(key, pods, rs);
      } catch (e) {
        manageErr = e;
      }
    }
    const next = calculateStatus(rs, pods, manageErr, this.deps.clock.now());
    const updated = await this.updateStatus(rs, next);
    const st = (updated.status ?? {}) as ReplicaSetStatus;
    const mrs = minReadySeconds(updated);
    if (
      manageErr === undefined &&
      mrs > 0 &&
      st.readyReplicas === desiredReplicas(updated) &&
      st.availableReplicas !== desiredReplicas(updated)
    )
      this.queue.addAfter(key, mrs * 1000);
    if (manageErr !== undefined) throw manageErr;
  }

  private async claimPods(rs: KObject, selector: LabelSelector, pods: KObject[]): Promise<KObject[]> {
    const { client, kind } = this.deps;
    const m = rs.metadata!;
    const manager = new ControllerRefManager({
      client,
      controller: rs,
      controllerApiVersion: kind.apiVersion,
      controllerKind: kind.kind,
      selector,
      childRef: refFor("", "pods"),
      childKind: "Pod",
      // Adopting needs an uncached read: the owner may have just been deleted (kubernetes#42639).
      canAdopt: recheckDeletionTimestamp(rs, kind.kind, () => client.get(kind.ref, m.namespace!, m.name!)),
    });
    return manager.claim(pods);
  }

  private async manageReplicas(key: string, pods: KObject[], rs: KObject): Promise<void> {
    const ns = rs.metadata!.namespace!;
    let diff = pods.length - desiredReplicas(rs);
    if (diff < 0) {
      diff = Math.min(-diff, this.burst);
      // Expect before creating: the informer may report a pod before the create call returns.
      this.expectations.expectCreations(key, diff);
      const template = (rs.spec as { template?: object }).template ?? {};
      const ref = newControllerRef(rs, this.deps.kind.apiVersion, this.deps.kind.kind);
      const { successes, error } = await slowStartBatch(diff, slowStartInitialBatchSize, async () => {
        try {
          await this.podControl.createPods(ns, template, rs, ref);
        } catch (e) {
          // Every later create fails too while the namespace is torn down; not an error.
          if (isNamespaceTerminating(e)) return;
          throw e;
        }
      });
      // Pods never attempted will never be observed.
      for (let i = successes; i < diff; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, this.burst);
      const toDelete = this.podsToDelete(rs, pods, diff);
      this.expectations.expectDeletions(key, toDelete.map(podKey));
      const errors: unknown[] = [];
      await Promise.all(
        toDelete.map(async (p) => {
          try {
            await this.podControl.deletePod(ns, p.metadata!.name!, rs);
          } catch (e) {
            // The deletion will never be observed.
            this.expectations.deletionObserved(key, podKey(p));
            if (!(e instanceof StatusError && e.code === 404)) errors.push(e);
          }
        }),
      );
      if (errors.length) throw errors[0];
    }
  }

  /** getPodsToDelete: rank by related pods on the same node (pods of sibling ReplicaSets of one Deployment). */
  private podsToDelete(rs: KObject, pods: KObject[], diff: number): KObject[] {
    if (diff >= pods.length) return pods;
    const podsOnNode = new Map<string, number>();
    for (const p of this.relatedPods(rs)) {
      if (!isPodActive(p)) continue;
      const node = (p.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
      podsOnNode.set(node, (podsOnNode.get(node) ?? 0) + 1);
    }
    const ranks = pods.map(
      (p) => podsOnNode.get((p.spec as { nodeName?: string } | undefined)?.nodeName ?? "") ?? 0,
    );
    return sortActivePodsWithRanks(pods, ranks, this.deps.clock.now()).slice(0, diff);
  }

  /** getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller as this one. */
  private relatedPods(rs: KObject): KObject[] {
    const owner = getControllerOf(rs);
    if (!owner) return [];
    const seen = new Map<string, KObject>();
    for (const sibling of this.deps.rsInformer.byIndex(controllerUidIndex, owner.uid)) {
      let sel: LabelSelector;
      try {
        sel = this.deps.kind.selectorOf(sibling);
      } catch {
        continue;
      }
      const ns = sibling.metadata?.namespace ?? "";
      const candidates = [
        ...this.deps.podInformer.byIndex(controllerUidIndex, sibling.metadata!.uid!),
        ...this.deps.podInformer.byIndex(orphansByNamespaceIndex, ns),
      ];
      for (const p of candidates)
        if (p.metadata?.namespace === ns && matches(sel, p.metadata?.labels)) seen.set(p.metadata!.uid!, p);
    }
    return [...seen.values()];
  }

  /** updateReplicaSetStatus: a PUT of /status only when something changed; one retry on a fresh copy. */
  private async updateStatus(rs: KObject, next: ReplicaSetStatus): Promise<KObject> {
    if (statusUnchanged(rs, next)) return rs;
    const { client, kind } = this.deps;
    const m = rs.metadata!;
    const status = { ...next, observedGeneration: m.generation };
    let cur: KObject = rs;
    for (let attempt = 0; ; attempt++) {
      const body = { ...cur, apiVersion: kind.apiVersion, kind: kind.kind, status };
      try {
        return await client.update(kind.ref, m.namespace!, m.name!, body, "status");
      } catch (e) {
        if (attempt >= 1 || (e instanceof StatusError && e.code === 404)) throw e;
        cur = await client.get(kind.ref, m.namespace!, m.name!);
      }
    }
  }
}
