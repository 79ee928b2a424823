import type { KObject } from "../../apimachinery/meta.ts";
import { labelSelectorFromMetav1, matches } from "../../apimachinery/selectors/index.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import { rfc3339 } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import { refFor } from "../refs.ts";
import {
  ControllerExpectations,
  ControllerRefManager,
  controllerUidIndex,
  controllerUidIndexer,
  getControllerOf,
  getPodFromTemplate,
  isNamespaceTerminating,
  isPodActive,
  isPodReady,
  newControllerRef,
  PodControl,
  podKey,
  recheckDeletionTimestamp,
  slowStartBatch,
  slowStartInitialBatchSize,
  sortActivePodsWithRanks,
} from "../util/index.ts";
import { BackoffStore, remainingBackoffMs } from "./backoff.ts";
import {
  addCompletionIndexEnv,
  completionIndex,
  completionIndexAnnotation,
  duplicatedIndexPods,
  firstPendingIndexes,
  formatIndexes,
  parseIndexes,
} from "./indexed.ts";
import { orphanPodsIndex, orphanPodsIndexer } from "../util/pod-indexes.ts";

export const jobTrackingFinalizer = "batch.kubernetes.io/job-tracking";
/** MaxUncountedPods and MaxPodCreateDeletePerSync */
const maxUncountedPods = 500;
const maxPodCreateDeletePerSync = 500;

const jobsRef = refFor("batch", "jobs");
const podsRef = refFor("", "pods");

export interface JobControllerDeps {
  client: ApiClient;
  jobs: SharedInformer;
  pods: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  workers?: number;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

interface SyncCtx {
  job: any;
  pods: KObject[];
  activePods: KObject[];
  finishedCondition?: Condition;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: Set<number>;
  succeededIndexes: Set<number>;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  expectedRmFinalizers: Set<string>;
  terminating: number;
  ready: number;
  backoffKey: string;
  newBackoff: ReturnType<BackoffStore["next"]>;
}

const phaseOf = (p: any): string | undefined => p.status?.phase;
const hasTrackingFinalizer = (p: KObject) => (p.metadata?.finalizers ?? []).includes(jobTrackingFinalizer);
const isIndexed = (job: any) => job.spec?.completionMode === "Indexed";
const suspended = (job: any) => job.spec?.suspend === true;

/** jobutil.IsJobFinished */
export function isJobFinished(job: any): boolean {
  return (job.status?.conditions ?? []).some(
    (c: Condition) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

// isPodFailed: with the default podReplacementPolicy a pod being deleted counts as failed.
function isPodFailed(p: any, job: any): boolean {
  if (phaseOf(p) === "Failed") return true;
  if (job.spec?.podFailurePolicy || job.spec?.podReplacementPolicy === "Failed") return false;
  return !!p.metadata?.deletionTimestamp && phaseOf(p) !== "Succeeded";
}

function isTerminating(p: any): boolean {
  return !!p.metadata?.deletionTimestamp && phaseOf(p) !== "Failed" && phaseOf(p) !== "Succeeded";
}

/**
 * The Job controller (pkg/controller/job/job_controller.go): runs pods until completions succeed,
 * at most parallelism at a time; counts finished pods through the job-tracking finalizer and
 * status.uncountedTerminatedPods; backs off after failures; fails the Job past backoffLimit or
 * activeDeadlineSeconds, with the interim FailureTarget / SuccessCriteriaMet conditions of 1.31+.
 */
export class JobController {
  private readonly deps: JobControllerDeps;
  private readonly queue = new WorkQueue();
  /** Pods whose Job is gone but which still carry the tracking finalizer (orphanQueue upstream). */
  private readonly orphanQueue = new WorkQueue();
  private readonly requeue: ClockRequeue;
  readonly expectations: ControllerExpectations;
  /** uidTrackingExpectations: pods whose finalizer removal we are waiting to observe, per Job key. */
  private readonly finalizerExpectations = new Map<string, Set<string>>();
  private readonly backoff = new BackoffStore();
  private readonly podControl: PodControl;

  constructor(deps: JobControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    this.expectations = new ControllerExpectations(deps.clock);
    this.podControl = new PodControl({ client: deps.client, recorder: deps.recorder });
    deps.pods.addIndexer(controllerUidIndex, controllerUidIndexer);
    deps.pods.addIndexer(orphanPodsIndex, orphanPodsIndexer);
    deps.jobs.on({
      add: (j) => this.queue.add(objectKey(j)),
      update: (j, old) => this.updateJob(j, old),
      delete: (j) => {
        this.queue.add(objectKey(j));
        // cleanupPodFinalizers: the Job's pods must not keep its finalizer forever.
        for (const p of deps.pods.byIndex(controllerUidIndex, j.metadata?.uid ?? ""))
          if (hasTrackingFinalizer(p)) this.orphanQueue.add(podKey(p));
      },
    });
    deps.pods.on({
      add: (p) => this.addPod(p),
      update: (p, old) => this.updatePod(p, old),
      delete: (p) => this.deletePod(p),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.jobs.waitForSync(), this.deps.pods.waitForSync()]);
    signal.addEventListener("abort", () => this.requeue.stop());
    await Promise.all([
      runWorkers(
        this.queue,
        this.deps.workers ?? 5,
        (key) => this.sync(key),
        signal,
        (key, err) => this.deps.logger.warn("job sync failed", { job: key, error: (err as Error).message }),
      ),
      runWorkers(
        this.orphanQueue,
        1,
        (key) => this.syncOrphanPod(key),
        signal,
        (key, err) =>
          this.deps.logger.warn("orphan pod sync failed", { pod: key, error: (err as Error).message }),
      ),
    ]);
  }

  /** syncOrphanPod: drops the tracking finalizer of a pod no unfinished Job owns. */
  async syncOrphanPod(key: string): Promise<void> {
    const pod = this.deps.pods.get(key);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind !== "Job" || ref.apiVersion !== "batch/v1") return;
      const owner = this.resolve(pod);
      if (owner && !isJobFinished(owner.job)) return;
    }
    try {
      await this.podControl.patchPod(pod.metadata!.namespace!, pod.metadata!.name!, rmFinalizerPatch);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  private enqueueIfOrphaned(pod: KObject): void {
    if (hasTrackingFinalizer(pod) && !this.resolve(pod)) this.orphanQueue.add(podKey(pod));
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private resolve(pod: KObject): { key: string; job: KObject } | undefined {
    const ref = getControllerOf(pod);
    if (ref?.kind !== "Job") return undefined;
    const key = `${pod.metadata?.namespace}/${ref.name}`;
    const job = this.deps.jobs.get(key);
    return job?.metadata?.uid === ref.uid ? { key, job } : undefined;
  }

  private orphanJobs(pod: KObject): KObject[] {
    return this.deps.jobs.list().filter((j: any) => {
      if (j.metadata?.namespace !== pod.metadata?.namespace || !j.spec?.selector) return false;
      const sel = labelSelectorFromMetav1(j.spec.selector);
      return Object.keys(pod.metadata?.labels ?? {}).length > 0 && matches(sel, pod.metadata?.labels);
    });
  }

  private finalizerRemovalObserved(key: string, uid: string | undefined): void {
    if (uid) this.finalizerExpectations.get(key)?.delete(uid);
  }

  private addPod(pod: KObject): void {
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod, false);
      return;
    }
    const owner = this.resolve(pod);
    if (owner) {
      this.expectations.creationObserved(owner.key);
      this.queue.add(owner.key);
      return;
    }
    this.enqueueIfOrphaned(pod);
    if (getControllerOf(pod)) return;
    for (const j of this.orphanJobs(pod)) this.queue.add(objectKey(j));
  }

  private updatePod(pod: KObject, old: KObject): void {
    if (pod.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod, false);
      return;
    }
    const removed = !hasTrackingFinalizer(pod);
    const oldOwner = this.resolve(old);
    const owner = this.resolve(pod);
    if (oldOwner && oldOwner.key !== owner?.key) {
      if (removed) this.finalizerRemovalObserved(oldOwner.key, pod.metadata?.uid);
      this.queue.add(oldOwner.key);
    }
    if (owner) {
      if (removed) this.finalizerRemovalObserved(owner.key, pod.metadata?.uid);
      this.queue.add(owner.key);
      return;
    }
    this.enqueueIfOrphaned(pod);
    if (getControllerOf(pod)) return;
    for (const j of this.orphanJobs(pod)) this.queue.add(objectKey(j));
  }

  private deletePod(pod: KObject, final = true): void {
    const owner = this.resolve(pod);
    if (!owner) {
      if (!final) this.enqueueIfOrphaned(pod);
      return;
    }
    this.expectations.deletionObserved(owner.key, podKey(pod));
    if (final || !hasTrackingFinalizer(pod)) this.finalizerRemovalObserved(owner.key, pod.metadata?.uid);
    this.queue.add(owner.key);
  }

  private updateJob(cur: any, old: any): void {
    const key = objectKey(cur);
    this.queue.add(key);
    // A changed activeDeadlineSeconds moves the deadline check.
    if (
      cur.spec?.activeDeadlineSeconds != null &&
      cur.spec.activeDeadlineSeconds !== old.spec?.activeDeadlineSeconds &&
      cur.status?.startTime &&
      !isJobFinished(cur)
    ) {
      const left = Date.parse(cur.status.startTime) + cur.spec.activeDeadlineSeconds * 1000 - this.now();
      this.requeue.after(key, Math.max(0, left));
    }
  }

  /** getPodsForJob: its own pods plus matching orphans, adopted with the tracking finalizer. */
  private async getPodsForJob(job: any): Promise<KObject[]> {
    const owned = this.deps.pods.byIndex(controllerUidIndex, job.metadata.uid);
    const orphans = this.deps.pods.byIndex(orphanPodsIndex, job.metadata.namespace);
    const candidates = [...owned, ...orphans];
    const manager = new ControllerRefManager({
      client: this.deps.client,
      controller: job,
      controllerApiVersion: "batch/v1",
      controllerKind: "Job",
      selector: labelSelectorFromMetav1(job.spec?.selector),
      childRef: podsRef,
      childKind: "Pod",
      finalizers: [jobTrackingFinalizer],
      canAdopt: recheckDeletionTimestamp(job, "Job", () =>
        this.deps.client.get(jobsRef, job.metadata.namespace, job.metadata.name),
      ),
    });
    const pods = await manager.claim(candidates);
    // Adoption does not add the finalizer; count adopted pods as tracked, as upstream does.
    return pods.map((p) =>
      getControllerOf(p)?.uid === job.metadata.uid || hasTrackingFinalizer(p)
        ? p
        : {
            ...p,
            metadata: {
              ...p.metadata,
              finalizers: [...(p.metadata?.finalizers ?? []), jobTrackingFinalizer],
            },
          },
    );
  }

  async sync(key: string): Promise<void> {
    const shared = this.deps.jobs.get(key);
    if (!shared) {
      this.expectations.deleteExpectations(key);
      this.finalizerExpectations.delete(key);
      this.backoff.remove(key);
      return;
    }
    if (isJobFinished(shared)) {
      this.backoff.remove(key);
      return;
    }
    const job: any = structuredClone({ ...shared, apiVersion: "batch/v1", kind: "Job" });
    const mode = job.spec?.completionMode;
    if (mode && mode !== "NonIndexed" && mode !== "Indexed") {
      this.deps.recorder.event(
        job,
        "Warning",
        "UnknownCompletionMode",
        "Skipped Job sync because completion mode is unknown",
      );
      return;
    }
    job.status ??= {};
    job.status.uncountedTerminatedPods ??= {};
    const satisfied = this.expectations.satisfiedExpectations(key);
    const pods = await this.getPodsForJob(job);
    const activePods = pods.filter(isPodActive);
    const uncounted = job.status.uncountedTerminatedPods;
    const ctx: SyncCtx = {
      job,
      pods,
      activePods,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: new Set(),
      succeededIndexes: new Set(),
      uncountedSucceeded: new Set(uncounted.succeeded ?? []),
      uncountedFailed: new Set(uncounted.failed ?? []),
      expectedRmFinalizers: new Set(this.finalizerExpectations.get(key) ?? []),
      terminating: pods.filter(isTerminating).length,
      ready: activePods.filter(isPodReady).length,
      backoffKey: key,
      newBackoff: { failuresAfterLastSuccess: 0 },
    };
    let active = activePods.length;
    const { succeeded: newSucceeded, failed: newFailed } = this.newFinishedPods(ctx);
    ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + ctx.uncountedSucceeded.size;
    ctx.failed = (job.status.failed ?? 0) + newFailed.length + ctx.uncountedFailed.size;
    const now = this.now();
    if (!job.status.startTime && !suspended(job)) job.status.startTime = rfc3339(new Date(now));
    ctx.newBackoff = this.backoff.next(key, newSucceeded, newFailed);

    let manageErr: unknown;
    const conditions: Condition[] = job.status.conditions ?? [];
    const successMet = conditions.find((c) => c.type === "SuccessCriteriaMet" && c.status === "True");
    if (successMet) ctx.finishedCondition = successMet;
    if (!ctx.finishedCondition) {
      const target = conditions.find((c) => c.type === "FailureTarget" && c.status === "True");
      if (target) ctx.finishedCondition = this.condition("Failed", target.reason, target.message);
    }
    if (!ctx.finishedCondition) {
      if (ctx.failed > job.spec.backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        ctx.finishedCondition = this.condition(
          "FailureTarget",
          "BackoffLimitExceeded",
          "Job has reached the specified backoff limit",
        );
      } else if (this.pastActiveDeadline(job)) {
        ctx.finishedCondition = this.condition(
          "FailureTarget",
          "DeadlineExceeded",
          "Job was active longer than specified deadline",
        );
      } else if (job.spec.activeDeadlineSeconds != null && !suspended(job)) {
        const left = Date.parse(job.status.startTime) + job.spec.activeDeadlineSeconds * 1000 - now;
        this.requeue.after(key, left);
      }
    }
    if (isIndexed(job)) {
      const completions = job.spec.completions ?? 0;
      ctx.prevSucceededIndexes = parseIndexes(job.status.completedIndexes, completions);
      ctx.succeededIndexes = new Set(ctx.prevSucceededIndexes);
      for (const p of pods) {
        const ix = completionIndex(p);
        if (phaseOf(p) === "Succeeded" && hasTrackingFinalizer(p) && ix !== undefined && ix < completions)
          ctx.succeededIndexes.add(ix);
      }
      ctx.succeeded = ctx.succeededIndexes.size;
    }

    let suspendCondChanged = false;
    if (ctx.finishedCondition) {
      const { deleted, deletedReady, error } = await this.deleteActivePods(job, ctx.activePods);
      if (deleted !== active || !satisfied) ctx.finishedCondition = undefined;
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageErr = error;
    } else {
      let manageCalled = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        const r = await this.manageJob(job, ctx);
        active = r.active;
        manageErr = r.error;
        manageCalled = true;
      }
      const completions = job.spec.completions;
      const complete =
        completions == null
          ? ctx.succeeded > 0 && active === 0
          : ctx.succeeded >= completions && active === 0;
      if (complete) {
        ctx.finishedCondition = this.condition(
          "SuccessCriteriaMet",
          "CompletionsReached",
          "Reached expected number of succeeded pods",
        );
      } else if (manageCalled) {
        if (suspended(job)) {
          if (this.ensureCondition(job, "Suspended", "True", "JobSuspended", "Job suspended")) {
            suspendCondChanged = true;
            this.deps.recorder.event(job, "Normal", "Suspended", "Job suspended");
          }
        } else if (this.ensureCondition(job, "Suspended", "False", "JobResumed", "Job resumed")) {
          suspendCondChanged = true;
          this.deps.recorder.event(job, "Normal", "Resumed", "Job resumed");
          // Resuming restarts the activeDeadlineSeconds clock.
          job.status.startTime = rfc3339(new Date(now));
        }
      }
    }

    const needsStatusUpdate =
      suspendCondChanged ||
      active !== (job.status.active ?? 0) ||
      ctx.ready !== job.status.ready ||
      ctx.terminating !== job.status.terminating;
    job.status.active = active;
    job.status.ready = ctx.ready;
    job.status.terminating = ctx.terminating;
    await this.trackJobStatusAndRemoveFinalizers(
      ctx,
      needsStatusUpdate || job.status.startTime !== (shared as any).status?.startTime,
    );
    if (manageErr) throw manageErr;
  }

  private condition(type: string, reason = "", message = ""): Condition {
    const t = rfc3339(this.deps.clock.now());
    return { type, status: "True", lastProbeTime: t, lastTransitionTime: t, reason, message };
  }

  /** ensureJobConditionStatus: true when the conditions changed. */
  private ensureCondition(job: any, type: string, status: string, reason: string, message: string): boolean {
    const conditions: Condition[] = (job.status.conditions ??= []);
    const t = rfc3339(this.deps.clock.now());
    const c = conditions.find((x) => x.type === type);
    if (c) {
      if (c.status === status && c.reason === reason && c.message === message) return false;
      if (c.status !== status) c.lastTransitionTime = t;
      Object.assign(c, { status, reason, message, lastProbeTime: t });
      return true;
    }
    // A condition that would be False is not added.
    if (status !== "True") return false;
    conditions.push({ type, status, lastProbeTime: t, lastTransitionTime: t, reason, message });
    return true;
  }

  private pastActiveDeadline(job: any): boolean {
    if (job.spec.activeDeadlineSeconds == null || !job.status.startTime || suspended(job)) return false;
    return this.now() - Date.parse(job.status.startTime) >= job.spec.activeDeadlineSeconds * 1000;
  }

  /** getNewFinishedPods: finished pods still carrying the finalizer and not yet in uncounted. */
  private newFinishedPods(ctx: SyncCtx): { succeeded: KObject[]; failed: KObject[] } {
    const valid = (p: KObject, uncounted: Set<string>) => {
      const uid = p.metadata?.uid ?? "";
      if (!hasTrackingFinalizer(p) || uncounted.has(uid) || ctx.expectedRmFinalizers.has(uid)) return false;
      if (isIndexed(ctx.job)) {
        const ix = completionIndex(p);
        if (ix === undefined || ix >= (ctx.job.spec.completions ?? 0)) return false;
      }
      return true;
    };
    return {
      succeeded: ctx.pods.filter((p) => valid(p, ctx.uncountedSucceeded) && phaseOf(p) === "Succeeded"),
      failed: ctx.pods.filter((p) => valid(p, ctx.uncountedFailed) && isPodFailed(p, ctx.job)),
    };
  }

  /** deleteActivePods: DELETE keeping finalizers, so the pods are counted once they stop. */
  private async deleteActivePods(
    job: any,
    pods: KObject[],
  ): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.podControl.deletePod(job.metadata.namespace, p.metadata!.name!, job);
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 404)) {
            error ??= e;
            return;
          }
        }
        deleted++;
        if (isPodReady(p)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, error };
  }

  /** deleteJobPods: scale-down and suspend remove the finalizer first, so the pods are not counted. */
  private async deleteJobPods(
    job: any,
    key: string,
    pods: KObject[],
  ): Promise<{ removed: number; ready: number; error?: unknown }> {
    let removed = 0;
    let ready = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          if (hasTrackingFinalizer(p))
            await this.podControl.patchPod(p.metadata!.namespace!, p.metadata!.name!, rmFinalizerPatch);
          await this.podControl.deletePod(job.metadata.namespace, p.metadata!.name!, job);
        } catch (e) {
          // The informer will not see this deletion.
          this.expectations.deletionObserved(key, podKey(p));
          if (!(e instanceof StatusError && e.code === 404)) {
            error ??= e;
            return;
          }
        }
        removed++;
        if (isPodReady(p)) ready++;
      }),
    );
    return { removed, ready, error };
  }

  /** manageJob: creates or deletes pods towards min(parallelism, remaining completions). */
  private async manageJob(job: any, ctx: SyncCtx): Promise<{ active: number; error?: unknown }> {
    const key = ctx.backoffKey;
    const active = ctx.activePods.length;
    const parallelism = job.spec.parallelism ?? 1;
    if (suspended(job)) {
      const rm = this.podsForRemoval(job, ctx.activePods, active);
      this.expectations.expectDeletions(key, rm.length);
      const { removed, ready, error } = await this.deleteJobPods(job, key, rm);
      ctx.terminating += removed;
      ctx.ready -= ready;
      return { active: active - removed, error };
    }
    let wantActive: number;
    if (job.spec.completions == null) wantActive = ctx.succeeded > 0 ? active : parallelism;
    else wantActive = Math.max(0, Math.min(job.spec.completions - ctx.succeeded, parallelism));

    const rm = this.podsForRemoval(job, ctx.activePods, Math.max(0, active - wantActive)).slice(
      0,
      maxPodCreateDeletePerSync,
    );
    if (rm.length) {
      this.expectations.expectDeletions(key, rm.length);
      const { removed, ready, error } = await this.deleteJobPods(job, key, rm);
      ctx.terminating += removed;
      ctx.ready -= ready;
      return { active: active - removed, error };
    }

    const replacing = job.spec.podReplacementPolicy === "Failed" ? ctx.terminating : 0;
    let diff = wantActive - replacing - active;
    if (diff <= 0) return { active };
    const wait = remainingBackoffMs(ctx.newBackoff, this.now());
    if (wait > 0) {
      // Upstream reports 0 active while backing off; the pods still running are reported instead.
      this.requeue.after(key, wait);
      return { active };
    }
    diff = Math.min(diff, maxPodCreateDeletePerSync);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      indexes = firstPendingIndexes(ctx.succeededIndexes, ctx.activePods, diff, job.spec.completions ?? 0);
      diff = indexes.length;
    }
    if (diff <= 0) return { active };
    const template = structuredClone(job.spec.template ?? {});
    template.metadata ??= {};
    if (isIndexed(job)) addCompletionIndexEnv((template.spec ??= {}));
    const finalizers: string[] = template.metadata.finalizers ?? [];
    if (!finalizers.includes(jobTrackingFinalizer))
      template.metadata.finalizers = [...finalizers, jobTrackingFinalizer];
    const controllerRef = newControllerRef(job, "batch/v1", "Job");
    this.expectations.expectCreations(key, diff);
    let next = 0;
    let failures = 0;
    const { successes, error } = await slowStartBatch(diff, slowStartInitialBatchSize, async () => {
      const ix = indexes[next++];
      const pod: any = getPodFromTemplate(template, job, controllerRef);
      if (ix !== undefined) {
        pod.metadata.annotations = { ...pod.metadata.annotations, [completionIndexAnnotation]: String(ix) };
        pod.metadata.labels = { ...pod.metadata.labels, [completionIndexAnnotation]: String(ix) };
        pod.metadata.generateName = `${job.metadata.name}-${ix}-`;
        pod.spec.hostname = `${job.metadata.name}-${ix}`;
      }
      try {
        await this.podControl.createPod(job.metadata.namespace, pod, job);
      } catch (e) {
        this.expectations.creationObserved(key);
        if (isNamespaceTerminating(e)) return;
        failures++;
        throw e;
      }
    });
    // Pods never attempted after a failed batch are not expected either.
    for (let i = 0; i < diff - successes - failures; i++) this.expectations.creationObserved(key);
    return { active: active + successes, error };
  }

  /** activePodsForRemoval: duplicates of an index first, then in controller.ActivePods order. */
  private podsForRemoval(job: any, pods: KObject[], atLeast: number): KObject[] {
    let rm: KObject[] = [];
    let left = pods;
    if (isIndexed(job)) ({ rm, left } = duplicatedIndexPods(pods, job.spec.completions ?? 0));
    if (rm.length < atLeast) {
      const sorted = sortActivePodsWithRanks(left, new Array(left.length).fill(0), this.deps.clock.now());
      rm = [...rm, ...sorted.slice(0, atLeast - rm.length)];
    }
    return rm;
  }

  private async updateStatus(job: any): Promise<any> {
    const body = structuredClone(job);
    // Counters are omitempty upstream; ready and terminating are pointers and stay.
    for (const f of ["active", "succeeded", "failed"]) if (!body.status[f]) delete body.status[f];
    const u = body.status.uncountedTerminatedPods;
    if (u) for (const f of ["succeeded", "failed"]) if (!u[f]?.length) delete u[f];
    const updated: any = await this.deps.client.update(
      jobsRef,
      job.metadata.namespace,
      job.metadata.name,
      body,
      "status",
    );
    job.metadata.resourceVersion = updated.metadata?.resourceVersion ?? job.metadata.resourceVersion;
    return job;
  }

  /**
   * trackJobStatusAndRemoveFinalizers: records finished pods in uncountedTerminatedPods, removes
   * their finalizers, moves them into the counters, then adds the terminal condition once no pod is
   * uncounted or terminating.
   */
  private async trackJobStatusAndRemoveFinalizers(ctx: SyncCtx, needsFlush: boolean): Promise<void> {
    const { job } = ctx;
    const indexed = isIndexed(job);
    const uncounted = job.status.uncountedTerminatedPods;
    uncounted.succeeded ??= [];
    uncounted.failed ??= [];
    const withFinalizer = new Set<string>();
    for (const p of ctx.pods) {
      const uid = p.metadata?.uid ?? "";
      if (hasTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) withFinalizer.add(uid);
    }
    if (cleanUncounted(job.status, withFinalizer)) needsFlush = true;
    const toRemove: KObject[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const p of ctx.pods) {
      const uid = p.metadata?.uid ?? "";
      if (!hasTrackingFinalizer(p) || ctx.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(p, job);
      const canRemove =
        !!job.metadata.deletionTimestamp || !!ctx.finishedCondition || phaseOf(p) === "Succeeded" || failed;
      if (!canRemove) continue;
      toRemove.push(p);
      if (phaseOf(p) === "Succeeded" && !ctx.uncountedFailed.has(uid)) {
        if (indexed) {
          const ix = completionIndex(p);
          if (ix !== undefined && ix < (job.spec.completions ?? 0) && !ctx.prevSucceededIndexes.has(ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!ctx.uncountedSucceeded.has(uid)) {
          needsFlush = true;
          uncounted.succeeded.push(uid);
        }
      } else if (failed || (ctx.finishedCondition && ctx.finishedCondition.type !== "SuccessCriteriaMet")) {
        // Once the Job is finishing, every pod that did not succeed counts as failed.
        const ix = completionIndex(p);
        if (
          !ctx.uncountedFailed.has(uid) &&
          (!indexed || (ix !== undefined && ix < (job.spec.completions ?? 0)))
        ) {
          needsFlush = true;
          uncounted.failed.push(uid);
        }
      }
      if (
        newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >=
        maxUncountedPods
      ) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      const all = new Set([...ctx.prevSucceededIndexes, ...newSucceededIndexes]);
      const s = formatIndexes(all);
      if (s !== (job.status.completedIndexes ?? "")) needsFlush = true;
      job.status.succeeded = all.size;
      job.status.completedIndexes = s;
    }
    let finished = ctx.finishedCondition;
    if (finished?.type === "FailureTarget") {
      (job.status.conditions ??= []).push(finished);
      needsFlush = true;
      finished = this.condition("Failed", finished.reason, finished.message);
    }
    if (finished?.type === "SuccessCriteriaMet") {
      const conds: Condition[] = (job.status.conditions ??= []);
      if (!conds.some((c) => c.type === "SuccessCriteriaMet" && c.status === "True")) {
        conds.push(finished);
        needsFlush = true;
      }
      finished = this.condition("Complete", finished.reason, finished.message);
    }

    // flushUncountedAndRemoveFinalizers
    if (needsFlush) {
      await this.updateStatus(job);
      this.backoff.set(ctx.backoffKey, ctx.newBackoff);
      needsFlush = false;
    }
    let rmError: unknown;
    if (toRemove.length) {
      const expected = this.finalizerExpectations.get(ctx.backoffKey) ?? new Set<string>();
      this.finalizerExpectations.set(ctx.backoffKey, expected);
      for (const p of toRemove) expected.add(p.metadata!.uid!);
      await Promise.all(
        toRemove.map(async (p) => {
          try {
            await this.podControl.patchPod(p.metadata!.namespace!, p.metadata!.name!, rmFinalizerPatch);
          } catch (e) {
            expected.delete(p.metadata!.uid!);
            if (!(e instanceof StatusError && e.code === 404)) {
              rmError ??= e;
              return;
            }
          }
          withFinalizer.delete(p.metadata!.uid!);
        }),
      );
    }
    if (cleanUncounted(job.status, withFinalizer)) needsFlush = true;
    if (rmError) {
      if (needsFlush) await this.updateStatus(job);
      throw rmError;
    }

    // enactJobFinished
    let jobFinished = false;
    if (finished && !reachedMax) {
      const pending = (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0);
      if (pending === 0 && ctx.terminating === 0) {
        this.ensureCondition(
          job,
          finished.type,
          finished.status,
          finished.reason ?? "",
          finished.message ?? "",
        );
        if (finished.type === "Complete") job.status.completionTime = finished.lastTransitionTime;
        jobFinished = true;
        needsFlush = true;
      }
    }
    if (needsFlush) {
      await this.updateStatus(job);
      if (jobFinished) this.recordJobFinished(job, finished!);
    }
  }

  private recordJobFinished(job: any, cond: Condition): void {
    if (cond.type === "Complete") {
      if (job.spec.completions != null && (job.status.succeeded ?? 0) > job.spec.completions)
        this.deps.recorder.event(
          job,
          "Warning",
          "TooManySucceededPods",
          "Too many succeeded pods running after completion count reached",
        );
      this.deps.recorder.event(job, "Normal", "Completed", "Job completed");
    } else {
      this.deps.recorder.event(job, "Warning", cond.reason ?? "", cond.message ?? "");
    }
  }
}

const rmFinalizerPatch = { metadata: { "$deleteFromPrimitiveList/finalizers": [jobTrackingFinalizer] } };

/** cleanUncountedPodsWithoutFinalizers: uncounted pods whose finalizer is gone move into the counters. */
function cleanUncounted(status: any, withFinalizer: Set<string>): boolean {
  let updated = false;
  const u = status.uncountedTerminatedPods;
  for (const f of ["succeeded", "failed"] as const) {
    const list: string[] = u[f] ?? [];
    const keep = list.filter((uid) => withFinalizer.has(uid));
    if (keep.length !== list.length) {
      updated = true;
      status[f] = (status[f] ?? 0) + list.length - keep.length;
      u[f] = keep;
    }
  }
  return updated;
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count as failures. */
function pastBackoffLimitOnFailure(job: any, pods: KObject[]): boolean {
  if (job.spec.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods as any[]) {
    if (phaseOf(p) !== "Running" && phaseOf(p) !== "Pending") continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])])
      restarts += c.restartCount ?? 0;
  }
  if (job.spec.backoffLimit === 0) return restarts > 0;
  return restarts >= job.spec.backoffLimit;
}
