import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import { refFor } from "../refs.ts";

const jobsRef = refFor("batch", "jobs");

export interface TtlAfterFinishedControllerDeps {
  client: ApiClient;
  jobs: SharedInformer;
  clock: Clock;
  logger: Logger;
}

/** When the Job finished: the transition time of its True Complete or Failed condition. */
export function jobFinishTime(job: any): number | undefined {
  for (const c of job.status?.conditions ?? [])
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True")
      return c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
  return undefined;
}

function needsCleanup(job: any): boolean {
  return job.spec?.ttlSecondsAfterFinished != null && jobFinishTime(job) !== undefined;
}

/**
 * The TTL-after-finished controller (pkg/controller/ttlafterfinished): deletes a finished Job,
 * and through the garbage collector its pods, ttlSecondsAfterFinished after it finished.
 */
export class TtlAfterFinishedController {
  private readonly deps: TtlAfterFinishedControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly requeue: ClockRequeue;

  constructor(deps: TtlAfterFinishedControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    const enqueue = (j: KObject) => {
      if (!j.metadata?.deletionTimestamp && needsCleanup(j)) this.queue.add(objectKey(j));
    };
    deps.jobs.on({ add: enqueue, update: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.deps.jobs.waitForSync();
    signal.addEventListener("abort", () => this.requeue.stop());
    await runWorkers(
      this.queue,
      2,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.warn("ttl-after-finished sync failed", { job: key, error: (err as Error).message }),
    );
  }

  /** Milliseconds until the Job expires (0: expired), or undefined when it needs no clean-up. */
  private timeLeft(job: any): number | undefined {
    if (job.metadata?.deletionTimestamp || !needsCleanup(job)) return undefined;
    const expireAt = jobFinishTime(job)! + job.spec.ttlSecondsAfterFinished * 1000;
    return Math.max(0, expireAt - this.deps.clock.now().getTime());
  }

  async sync(key: string): Promise<void> {
    const cached = this.deps.jobs.get(key);
    if (!cached) return;
    const left = this.timeLeft(cached);
    if (left === undefined) return;
    if (left > 0) {
      this.requeue.after(key, left);
      return;
    }
    // The cache may be stale (the TTL changed, or the Job was re-created): check the live object.
    let fresh: any;
    try {
      fresh = await this.deps.client.get(jobsRef, cached.metadata!.namespace!, cached.metadata!.name!);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
    const freshLeft = this.timeLeft(fresh);
    if (freshLeft === undefined) return;
    if (freshLeft > 0) {
      this.requeue.after(key, freshLeft);
      return;
    }
    // ttlafterfinished_controller.go deletes with Foreground propagation and a uid precondition.
    await this.deps.client.delete(jobsRef, fresh.metadata.namespace, fresh.metadata.name, {
      propagationPolicy: "Foreground",
      preconditions: { uid: fresh.metadata.uid },
    });
  }
}
