// pkg/controller/deployment/deployment_controller.go: watches Deployments, ReplicaSets and Pods
// and runs syncDeployment for each changed Deployment.
import type { KObject } from "../../apimachinery/meta.ts";
import { type LabelSelector, labelSelectorFromMetav1, matches } from "../../apimachinery/selectors/index.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { controllerUidIndex, controllerUidIndexer, namespaceIndex, namespaceIndexer } from "../util/index.ts";
import { claimReplicaSets } from "./claim-replica-sets.ts";
import { deploymentsRef, podsRef, type Recorder, replicaSetsRef, type SyncContext } from "./context.ts";
import { controllerRefOf } from "./deployment-util.ts";
import { rolloutRecreate, type PodLike } from "./recreate.ts";
import { rolloutRolling } from "./rolling.ts";
import { getRollbackTo, rollback } from "./rollback.ts";
import { updateDeploymentStatus } from "./status-writer.ts";
import { checkPausedConditions, isScalingEvent, sync, syncStatusOnly } from "./sync.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

export interface DeploymentControllerDeps {
  client: ApiClient;
  informers: { for(ref: ResourceRef): SharedInformer };
  clock: Clock;
  logger: Logger;
  recorder: Recorder;
  /** Concurrent syncs (kube-controller-manager --concurrent-deployment-syncs, default 5). */
  workers?: number;
}

export class DeploymentController {
  readonly queue = new WorkQueue();
  private readonly deps: DeploymentControllerDeps;
  private readonly deployments: SharedInformer;
  private readonly replicaSets: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly ctx: SyncContext;

  constructor(deps: DeploymentControllerDeps) {
    this.deps = deps;
    this.deployments = deps.informers.for(deploymentsRef);
    this.replicaSets = deps.informers.for(replicaSetsRef);
    this.pods = deps.informers.for(podsRef);
    // The shared indexes (same names and functions as the other controllers use on these informers).
    this.deployments.addIndexer(namespaceIndex, namespaceIndexer);
    this.replicaSets.addIndexer(namespaceIndex, namespaceIndexer);
    this.replicaSets.addIndexer(controllerUidIndex, controllerUidIndexer);
    this.pods.addIndexer(controllerUidIndex, controllerUidIndexer);
    this.ctx = {
      client: deps.client,
      recorder: deps.recorder,
      clock: deps.clock,
      logger: deps.logger,
      getReplicaSet: (namespace, name) =>
        this.replicaSets.get(`${namespace}/${name}`) as ReplicaSet | undefined,
      enqueueAfter: (d, ms) => this.queue.addAfter(objectKey(d), ms),
      enqueueRateLimited: (d) => this.queue.addRateLimited(objectKey(d)),
    };

    const enqueue = (o: KObject) => this.queue.add(objectKey(o));
    this.deployments.on({ add: enqueue, update: enqueue, delete: enqueue });
    this.replicaSets.on({
      add: (rs) => this.addReplicaSet(rs as ReplicaSet),
      update: (cur, old) => this.updateReplicaSet(cur as ReplicaSet, old as ReplicaSet),
      delete: (rs) => this.deleteReplicaSet(rs as ReplicaSet),
    });
    this.pods.on({ delete: (pod) => this.deletePod(pod) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.deployments.waitForSync(),
      this.replicaSets.waitForSync(),
      this.pods.waitForSync(),
    ]);
    if (signal.aborted) return;
    await runWorkers(
      this.queue,
      this.deps.workers ?? 5,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.info("Error syncing deployment", { deployment: key, err: (err as Error).message }),
    );
  }

  // ---- event handlers: they only enqueue ----

  private resolveControllerRef(namespace: string | undefined, obj: KObject): Deployment | undefined {
    const ref = controllerRefOf(obj);
    if (!ref || ref.kind !== "Deployment") return undefined;
    const d = this.deployments.get(`${namespace}/${ref.name}`);
    return d && d.metadata?.uid === ref.uid ? (d as Deployment) : undefined;
  }

  /** Deployments whose selector matches an orphan RS (util.GetDeploymentsForReplicaSet). */
  private deploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const out: Deployment[] = [];
    for (const d of this.deployments.byIndex(namespaceIndex, rs.metadata?.namespace ?? "") as Deployment[]) {
      let sel;
      try {
        sel = labelSelectorFromMetav1(d.spec?.selector);
      } catch {
        continue;
      }
      if (sel.requirements.length === 0 || sel.nothing) continue;
      if (matches(sel, labels)) out.push(d);
    }
    return out;
  }

  private enqueueDeployment(d: Deployment | undefined): void {
    if (d) this.queue.add(objectKey(d));
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp) {
      // A restarted controller sees RSs already being deleted as adds.
      this.deleteReplicaSet(rs);
      return;
    }
    if (controllerRefOf(rs)) {
      this.enqueueDeployment(this.resolveControllerRef(rs.metadata?.namespace, rs));
      return;
    }
    for (const d of this.deploymentsForReplicaSet(rs)) this.enqueueDeployment(d);
  }

  private updateReplicaSet(cur: ReplicaSet, old: ReplicaSet): void {
    if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) this.enqueueDeployment(this.resolveControllerRef(old.metadata?.namespace, old));
    if (curRef) {
      this.enqueueDeployment(this.resolveControllerRef(cur.metadata?.namespace, cur));
      return;
    }
    const labelsChanged = JSON.stringify(cur.metadata?.labels) !== JSON.stringify(old.metadata?.labels);
    if (labelsChanged || refChanged)
      for (const d of this.deploymentsForReplicaSet(cur)) this.enqueueDeployment(d);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    this.enqueueDeployment(this.resolveControllerRef(rs.metadata?.namespace, rs));
  }

  /** A Recreate deployment waits for its last pod to go before it starts new ones. */
  private deletePod(pod: KObject): void {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== "ReplicaSet") return;
    const rs = this.replicaSets.get(`${pod.metadata?.namespace}/${ref.name}`);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.resolveControllerRef(rs.metadata?.namespace, rs);
    if (!d || d.spec?.strategy?.type !== "Recreate") return;
    const owned = this.replicaSets.byIndex(controllerUidIndex, d.metadata!.uid!);
    const numPods = owned.reduce(
      (n, r) => n + this.pods.byIndex(controllerUidIndex, r.metadata!.uid!).length,
      0,
    );
    if (numPods === 0) this.enqueueDeployment(d);
  }

  // ---- syncDeployment ----

  /**
   * The deployment's pods by owning RS uid (getPodMapForDeployment). Only Recreate needs them, so
   * only Recreate pays for walking them.
   */
  private podMap(selector: LabelSelector, rsList: ReplicaSet[]): Map<string, PodLike[]> {
    const podMap = new Map<string, PodLike[]>();
    for (const rs of rsList) {
      const uid = rs.metadata!.uid!;
      const pods = this.pods.byIndex(controllerUidIndex, uid);
      podMap.set(uid, pods.filter((p) => matches(selector, p.metadata?.labels)) as PodLike[]);
    }
    return podMap;
  }

  /** Reconciles one deployment ("namespace/name") from the caches. */
  async sync(key: string): Promise<void> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    const d = structuredClone(cached) as Deployment;
    d.spec ??= {};
    d.status ??= {};
    const { ctx } = this;

    const sel = d.spec.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      ctx.recorder.event(
        d,
        "Warning",
        "SelectingAll",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      if ((d.status.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status.observedGeneration = d.metadata!.generation;
        await updateDeploymentStatus(ctx, d).catch(() => undefined);
      }
      return;
    }
    const selector = labelSelectorFromMetav1(sel);

    const inNamespace = this.replicaSets.byIndex(namespaceIndex, d.metadata?.namespace ?? "") as ReplicaSet[];
    const rsList = await claimReplicaSets(ctx, d, selector, inNamespace);
    if (d.metadata?.deletionTimestamp) return syncStatusOnly(ctx, d, rsList);

    await checkPausedConditions(ctx, d);
    if (d.spec.paused) return sync(ctx, d, rsList);

    const rollbackTo = getRollbackTo(d);
    if (rollbackTo !== undefined) return rollback(ctx, d, rsList, rollbackTo);

    if (await isScalingEvent(ctx, d, rsList)) return sync(ctx, d, rsList);

    const type = d.spec.strategy?.type ?? "RollingUpdate";
    if (type === "Recreate") return rolloutRecreate(ctx, d, rsList, this.podMap(selector, rsList));
    if (type === "RollingUpdate") return rolloutRolling(ctx, d, rsList);
    throw new Error(`unexpected deployment strategy type: ${type}`);
  }
}
