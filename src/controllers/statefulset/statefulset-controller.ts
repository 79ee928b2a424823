// The StatefulSet controller (pkg/controller/statefulset): pods with stable names and claims,
// created and deleted in order, rolled from the highest ordinal down, with the template's history
// kept in ControllerRevisions.
import type { KObject } from "../../apimachinery/meta.ts";
import { isEverything, labelSelectorFromMetav1 } from "../../apimachinery/selectors/index.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import {
  ControllerRefManager,
  controllerUidIndex,
  controllerUidIndexer,
  getControllerOf,
  recheckDeletionTimestamp,
} from "../util/index.ts";
import { orphanPodsIndex, orphanPodsIndexer } from "../util/pod-indexes.ts";
import {
  equalRevision,
  newRevision,
  nextRevision,
  sortRevisions,
  templatePatch,
} from "../history/controller-history.ts";
import { StatefulPodControl } from "./stateful-pod-control.ts";
import { getOrdinal, getPodRevision, type Obj } from "./stateful-pod.ts";
import {
  completeRollingUpdate,
  isAlreadyExists,
  updateStatefulSet,
  type StatefulSetStatus,
} from "./stateful-set-control.ts";

const setsRef = refFor("apps", "statefulsets");
const podsRef = refFor("", "pods");
const revisionsRef = refFor("apps", "controllerrevisions");

export interface StatefulSetControllerDeps {
  client: ApiClient;
  statefulSets: SharedInformer;
  pods: SharedInformer;
  revisions: SharedInformer;
  claims: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  workers?: number;
}

export class StatefulSetController {
  private readonly deps: StatefulSetControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly requeue: ClockRequeue;
  private readonly podControl: StatefulPodControl;

  constructor(deps: StatefulSetControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    this.podControl = new StatefulPodControl({
      client: deps.client,
      claims: deps.claims,
      recorder: deps.recorder,
    });
    deps.pods.addIndexer(controllerUidIndex, controllerUidIndexer);
    deps.pods.addIndexer(orphanPodsIndex, orphanPodsIndexer);
    deps.revisions.addIndexer(controllerUidIndex, controllerUidIndexer);
    const enqueue = (o: KObject) => this.queue.add(objectKey(o));
    deps.statefulSets.on({ add: enqueue, update: enqueue, delete: enqueue });
    deps.pods.on({
      add: (p) => this.podChanged(p),
      update: (p, old) => {
        if (p.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
        this.podChanged(old);
        this.podChanged(p);
      },
      delete: (p) => this.podChanged(p),
    });
    // A claim deleted under a pending pod is made again (createMissingPersistentVolumeClaims).
    deps.claims.on({
      delete: (c) => {
        for (const set of this.deps.statefulSets.list())
          if (set.metadata?.namespace === c.metadata?.namespace) this.queue.add(objectKey(set));
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(
      [this.deps.statefulSets, this.deps.pods, this.deps.revisions, this.deps.claims].map((i) =>
        i.waitForSync(),
      ),
    );
    signal.addEventListener("abort", () => this.requeue.stop());
    await runWorkers(
      this.queue,
      this.deps.workers ?? 2,
      (key) => this.sync(key),
      signal,
      (key, err) =>
        this.deps.logger.warn("statefulset sync failed", { statefulset: key, error: (err as Error).message }),
    );
  }

  private podChanged(pod: KObject): void {
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind !== "StatefulSet") return;
      const key = `${pod.metadata?.namespace}/${ref.name}`;
      if (this.deps.statefulSets.get(key)?.metadata?.uid === ref.uid) this.queue.add(key);
      return;
    }
    // An orphan: the sets whose selector matches may adopt it.
    for (const set of this.deps.statefulSets.list() as Obj[]) {
      if (set.metadata.namespace !== pod.metadata?.namespace) continue;
      const sel = labelSelectorFromMetav1(set.spec?.selector);
      if (!isEverything(sel) && getOrdinal(set, pod) >= 0) this.queue.add(objectKey(set as KObject));
    }
  }

  private manager(set: Obj, childRef: typeof podsRef, childKind: string): ControllerRefManager {
    return new ControllerRefManager({
      client: this.deps.client,
      controller: set as KObject,
      controllerApiVersion: "apps/v1",
      controllerKind: "StatefulSet",
      selector: labelSelectorFromMetav1(set.spec?.selector),
      childRef,
      childKind,
      canAdopt: recheckDeletionTimestamp(set as KObject, "StatefulSet", () =>
        this.deps.client.get(setsRef, set.metadata.namespace, set.metadata.name),
      ),
    });
  }

  private async claimPods(set: Obj): Promise<Obj[]> {
    const owned = this.deps.pods.byIndex(controllerUidIndex, set.metadata.uid);
    const orphans = this.deps.pods.byIndex(orphanPodsIndex, set.metadata.namespace);
    // isMemberOf: only pods named for this set are its pods.
    return (await this.manager(set, podsRef, "Pod").claim(
      [...owned, ...orphans],
      [(p) => getOrdinal(set, p) >= 0],
    )) as Obj[];
  }

  private async claimRevisions(set: Obj): Promise<Obj[]> {
    const owned = this.deps.revisions.byIndex(controllerUidIndex, set.metadata.uid);
    const orphans = this.deps.revisions
      .list()
      .filter((r) => r.metadata?.namespace === set.metadata.namespace && !getControllerOf(r));
    return (await this.manager(set, revisionsRef, "ControllerRevision").claim([
      ...owned,
      ...orphans,
    ])) as Obj[];
  }

  async sync(key: string): Promise<void> {
    const shared = this.deps.statefulSets.get(key);
    if (!shared) return;
    const set: Obj = structuredClone({ ...shared, apiVersion: "apps/v1", kind: "StatefulSet" });
    if (isEverything(labelSelectorFromMetav1(set.spec?.selector))) return;
    const pods = set.metadata.deletionTimestamp ? [] : await this.claimPods(set);
    const revisions = sortRevisions(await this.claimRevisions(set));
    const { current, update, collisionCount } = await this.getRevisions(set, revisions);
    const { status, requeueAfterMs } = await updateStatefulSet(
      set,
      current,
      update,
      collisionCount,
      pods,
      this.podControl,
      this.deps.clock.now(),
    );
    completeRollingUpdate(set, status);
    await this.writeStatus(set, status);
    await this.truncateHistory(set, pods, revisions, current, update);
    if (requeueAfterMs !== undefined) this.requeue.after(key, requeueAfterMs);
  }

  /** getStatefulSetRevisions: the current revision, and the update revision (created when new). */
  private async getRevisions(
    set: Obj,
    revisions: Obj[],
  ): Promise<{ current: Obj; update: Obj; collisionCount: number | undefined }> {
    let collisionCount: number | undefined = set.status?.collisionCount;
    const data = templatePatch(set);
    const candidate = newRevision(
      set,
      "StatefulSet",
      set.spec?.template?.metadata?.labels,
      data,
      nextRevision(revisions),
      collisionCount,
    );
    const equal = revisions.filter((r) => equalRevision(r, candidate));
    let update: Obj;
    if (equal.length && equal.at(-1)!.metadata.name === revisions.at(-1)?.metadata.name)
      update = equal.at(-1)!;
    else if (equal.length) {
      // A roll back to an earlier template: that revision becomes the newest.
      const r = structuredClone(equal.at(-1)!);
      r.revision = candidate.revision;
      update = (await this.deps.client.update(
        revisionsRef,
        set.metadata.namespace,
        r.metadata.name,
        r,
      )) as Obj;
    } else {
      for (;;) {
        const rev = newRevision(
          set,
          "StatefulSet",
          set.spec?.template?.metadata?.labels,
          data,
          candidate.revision,
          collisionCount,
        );
        try {
          update = (await this.deps.client.create(revisionsRef, set.metadata.namespace, rev)) as Obj;
          break;
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          const existing = (await this.deps.client.get(
            revisionsRef,
            set.metadata.namespace,
            rev.metadata.name,
          )) as Obj;
          if (
            equalRevision(existing, rev) &&
            existing.metadata.ownerReferences?.some((o: Obj) => o.uid === set.metadata.uid)
          ) {
            update = existing;
            break;
          }
          // A hash collision with someone else's revision: probe with the next count.
          collisionCount = (collisionCount ?? 0) + 1;
        }
      }
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async writeStatus(set: Obj, s: StatefulSetStatus): Promise<void> {
    const status: Obj = { replicas: s.replicas, availableReplicas: s.availableReplicas };
    if (s.observedGeneration) status.observedGeneration = s.observedGeneration;
    if (s.readyReplicas) status.readyReplicas = s.readyReplicas;
    if (s.currentReplicas) status.currentReplicas = s.currentReplicas;
    if (s.updatedReplicas) status.updatedReplicas = s.updatedReplicas;
    if (s.currentRevision) status.currentRevision = s.currentRevision;
    if (s.updateRevision) status.updateRevision = s.updateRevision;
    if (s.collisionCount !== undefined) status.collisionCount = s.collisionCount;
    if (set.status?.conditions) status.conditions = set.status.conditions;
    const order = Object.keys(status).sort();
    const same =
      JSON.stringify(order.map((k) => status[k])) === JSON.stringify(order.map((k) => set.status?.[k]));
    if (same && Object.keys(set.status ?? {}).length === order.length) return;
    let target = set;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.deps.client.update(
          setsRef,
          set.metadata.namespace,
          set.metadata.name,
          { ...target, status },
          "status",
        );
        return;
      } catch (e) {
        if (!(e instanceof StatusError) || e.code !== 409 || attempt === 1) {
          if (e instanceof StatusError && e.code === 404) return;
          throw e;
        }
        target = (await this.deps.client.get(setsRef, set.metadata.namespace, set.metadata.name)) as Obj;
      }
    }
  }

  /** truncateHistory: keep the revisions pods use and the revisionHistoryLimit newest others. */
  private async truncateHistory(
    set: Obj,
    pods: Obj[],
    revisions: Obj[],
    current: Obj,
    update: Obj,
  ): Promise<void> {
    const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(getPodRevision)]);
    const history = revisions.filter((r) => !live.has(r.metadata.name));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    for (const r of history.slice(0, Math.max(0, history.length - limit))) {
      try {
        await this.deps.client.delete(revisionsRef, set.metadata.namespace, r.metadata.name);
      } catch (e) {
        if (!(e instanceof StatusError) || e.code !== 404) throw e;
      }
    }
  }
}
