import { parseCronSchedule, type CronSchedule } from "../../api/validation/index.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { getControllerOf, isNamespaceTerminating, newControllerRef } from "../util/index.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import {
  jobNameFor,
  mostRecentScheduleTime,
  nextScheduleDelay,
  type ScheduleContext,
} from "./most-recent-schedule.ts";
import { wallClockFor, type WallClock } from "./schedule-time.ts";
import { formatRfc1123z, formatRfc3339In } from "./time-format.ts";

export const cronJobScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** Index of Jobs by "namespace/name" of the CronJob that controls them. */
export const jobsByCronJobIndex = "cronjob-controller:byCronJob";

const jobsRef = refFor("batch", "jobs");
const cronJobsRef = refFor("batch", "cronjobs");

export interface CronJobControllerDeps {
  client: ApiClient;
  cronJobs: SharedInformer;
  jobs: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  workers?: number;
}

function jobsByCronJob(job: KObject): string[] {
  const ref = getControllerOf(job);
  return ref?.kind === "CronJob" ? [`${job.metadata?.namespace}/${ref.name}`] : [];
}

/** jobutil.FinishedCondition: the Complete or Failed condition that is True. */
export function finishedCondition(job: any): "Complete" | "Failed" | undefined {
  for (const c of job.status?.conditions ?? [])
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type;
  return undefined;
}

function time(s: string | null | undefined): number | undefined {
  return s ? Date.parse(s) : undefined;
}

/**
 * The CronJob controller (pkg/controller/cronjob/cronjob_controllerv2.go): creates a Job per
 * scheduled time, named after that minute; keeps status.active, lastScheduleTime and
 * lastSuccessfulTime; enforces the concurrency policy and the history limits; and requeues
 * itself for the next scheduled time on the injected clock.
 */
export class CronJobController {
  private readonly deps: CronJobControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly requeue: ClockRequeue;
  private readonly zones = new Map<string, WallClock | undefined>();

  constructor(deps: CronJobControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    deps.jobs.addIndexer(jobsByCronJobIndex, jobsByCronJob);
    deps.cronJobs.on({
      add: (cj) => this.queue.add(objectKey(cj)),
      update: (cj, old) => this.updateCronJob(cj, old),
      delete: (cj) => this.queue.add(objectKey(cj)),
    });
    const onJob = (job: KObject) => {
      const ref = getControllerOf(job);
      if (ref?.kind !== "CronJob") return;
      const cj = this.deps.cronJobs.get(`${job.metadata?.namespace}/${ref.name}`);
      if (cj?.metadata?.uid === ref.uid) this.queue.add(objectKey(cj));
    };
    deps.jobs.on({
      add: onJob,
      update: (job, old) => {
        if (job.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (oldRef && oldRef.uid !== getControllerOf(job)?.uid) onJob(old);
        onJob(job);
      },
      delete: onJob,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.cronJobs.waitForSync(), this.deps.jobs.waitForSync()]);
    signal.addEventListener("abort", () => this.requeue.stop());
    await runWorkers(
      this.queue,
      this.deps.workers ?? 5,
      async (key) => {
        const after = await this.sync(key);
        if (after !== undefined) this.requeue.after(key, after);
      },
      signal,
      (key, err) =>
        this.deps.logger.warn("cronjob sync failed", { cronjob: key, error: (err as Error).message }),
    );
  }

  private zone(name: string | undefined): WallClock | undefined {
    const key = name ?? "";
    if (!this.zones.has(key)) this.zones.set(key, wallClockFor(name));
    return this.zones.get(key);
  }

  // cronjob_controllerv2.go updateCronJob: a new schedule moves the requeue; anything else syncs now.
  private updateCronJob(cj: any, old: any): void {
    const key = objectKey(cj);
    if (cj.spec?.schedule !== old.spec?.schedule || cj.spec?.timeZone !== old.spec?.timeZone) {
      const parsed = this.parseSchedule(cj, false);
      if (!parsed || parsed.error !== undefined) {
        this.deps.recorder.event(
          this.withKind(cj),
          "Warning",
          "UnParseableCronJobSchedule",
          `unparseable schedule for cronjob: ${cj.spec?.schedule}`,
        );
        return;
      }
      const delay = nextScheduleDelay(this.scheduleContext(cj, parsed.schedule, parsed.zone), this.now());
      if (delay !== undefined) this.requeue.after(key, delay);
      return;
    }
    this.queue.add(key);
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private withKind(cj: KObject): KObject {
    return { ...cj, apiVersion: "batch/v1", kind: "CronJob" };
  }

  /** formatSchedule + cron.ParseStandard: the schedule with its zone, or undefined if unparseable. */
  private parseSchedule(
    cj: any,
    warn: boolean,
  ): { schedule: CronSchedule; zone: WallClock; error?: undefined } | { error: string } | undefined {
    const text: string = cj.spec?.schedule ?? "";
    let zoneName: string | undefined = cj.spec?.timeZone ?? undefined;
    if (text.includes("TZ")) {
      if (warn)
        this.deps.recorder.event(
          cj,
          "Warning",
          "UnsupportedSchedule",
          `CRON_TZ or TZ used in schedule ${JSON.stringify(text)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
        );
      const m = /^(?:CRON_)?TZ=(\S+)\s/.exec(text);
      zoneName = m?.[1];
    }
    const parsed = parseCronSchedule(text);
    if (parsed.error !== undefined || !parsed.schedule) return { error: parsed.error ?? "invalid schedule" };
    const zone = this.zone(zoneName);
    if (!zone) return { error: `provided bad location ${zoneName}: unknown time zone ${zoneName}` };
    return { schedule: parsed.schedule, zone };
  }

  private scheduleContext(cj: any, schedule: CronSchedule, zone: WallClock): ScheduleContext {
    return {
      schedule,
      zone,
      creationTimestamp: time(cj.metadata?.creationTimestamp) ?? this.now(),
      lastScheduleTime: time(cj.status?.lastScheduleTime),
      startingDeadlineSeconds: cj.spec?.startingDeadlineSeconds ?? undefined,
    };
  }

  /** Reconciles one CronJob; returns when to look at it again (ms), if at all. */
  async sync(key: string): Promise<number | undefined> {
    const shared = this.deps.cronJobs.get(key);
    if (!shared) return undefined;
    const jobs = this.deps.jobs.byIndex(jobsByCronJobIndex, key);
    const cj: any = structuredClone(this.withKind(shared));
    cj.status ??= {};
    const cleanedUp = await this.cleanupFinishedJobs(cj, jobs);
    let result: { requeueAfter?: number; updateStatus: boolean };
    let syncErr: unknown;
    try {
      result = await this.syncCronJob(cj, jobs);
    } catch (e) {
      syncErr = e;
      result = { updateStatus: false };
    }
    if (cleanedUp || result.updateStatus) {
      // status.active is omitempty upstream.
      if (!cj.status.active?.length) delete cj.status.active;
      await this.deps.client.update(cronJobsRef, cj.metadata.namespace, cj.metadata.name, cj, "status");
    }
    if (result.requeueAfter !== undefined) return result.requeueAfter;
    if (syncErr) throw syncErr;
    return undefined;
  }

  private async syncCronJob(
    cj: any,
    jobs: KObject[],
  ): Promise<{ requeueAfter?: number; updateStatus: boolean }> {
    const now = this.now();
    const { recorder } = this.deps;
    let updateStatus = false;
    const children = new Set<string>();
    cj.status.active ??= [];
    const inActive = (uid: string | undefined) => cj.status.active.some((r: any) => r.uid === uid);
    const removeActive = (uid: string | undefined) => {
      cj.status.active = cj.status.active.filter((r: any) => r.uid !== uid);
    };

    for (const j of jobs as any[]) {
      children.add(j.metadata.uid);
      const found = inActive(j.metadata.uid);
      const finished = finishedCondition(j);
      if (!found && !finished) {
        const fresh: any = await this.deps.client.get(cronJobsRef, cj.metadata.namespace, cj.metadata.name);
        if ((fresh.status?.active ?? []).some((r: any) => r.uid === j.metadata.uid)) {
          cj.status = structuredClone(fresh.status);
          cj.metadata.resourceVersion = fresh.metadata.resourceVersion;
          continue;
        }
        recorder.event(
          cj,
          "Warning",
          "UnexpectedJob",
          `Saw a job that the controller did not create or forgot: ${j.metadata.name}`,
        );
      } else if (finished) {
        if (found) {
          removeActive(j.metadata.uid);
          recorder.event(
            cj,
            "Normal",
            "SawCompletedJob",
            `Saw completed job: ${j.metadata.name}, condition: ${finished}`,
          );
          updateStatus = true;
        }
        if (finished === "Complete") {
          const done = time(j.status?.completionTime);
          const last = time(cj.status.lastSuccessfulTime);
          if (done !== undefined && (last === undefined || done > last)) {
            cj.status.lastSuccessfulTime = j.status.completionTime;
            updateStatus = true;
          }
        }
      }
    }

    // Active entries whose Job is gone (not merely missing from a slow cache) are dropped.
    for (const ref of [...cj.status.active]) {
      if (children.has(ref.uid)) continue;
      try {
        await this.deps.client.get(jobsRef, ref.namespace ?? cj.metadata.namespace, ref.name);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
        recorder.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
        removeActive(ref.uid);
        updateStatus = true;
      }
    }

    if (cj.metadata.deletionTimestamp) return { updateStatus };

    if (cj.spec?.timeZone != null && !this.zone(cj.spec.timeZone)) {
      recorder.event(
        cj,
        "Warning",
        "UnknownTimeZone",
        `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: unknown time zone ${cj.spec.timeZone}`,
      );
      return { updateStatus };
    }
    if (cj.spec?.suspend === true) return { updateStatus };

    const parsed = this.parseSchedule(cj, true);
    if (!parsed || parsed.error !== undefined) {
      recorder.event(
        cj,
        "Warning",
        "UnparseableSchedule",
        `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${parsed?.error}`,
      );
      return { updateStatus };
    }
    const ctx = this.scheduleContext(cj, parsed.schedule, parsed.zone);
    const recent = mostRecentScheduleTime(ctx, now, true);
    if (recent.error !== undefined) {
      recorder.event(
        cj,
        "Warning",
        "InvalidSchedule",
        `invalid schedule: ${cj.spec.schedule} : ${recent.error}`,
      );
      return { updateStatus };
    }
    const requeueAfter = () => nextScheduleDelay(this.scheduleContext(cj, parsed.schedule, parsed.zone), now);
    const scheduledTime = recent.mostRecent;
    if (scheduledTime === undefined || scheduledTime > now)
      return { requeueAfter: requeueAfter(), updateStatus };
    if (recent.missed === "many") {
      recorder.event(
        cj,
        "Warning",
        "TooManyMissedTimes",
        "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
      );
    }

    const deadline = cj.spec.startingDeadlineSeconds;
    if (deadline != null && scheduledTime + deadline * 1000 < now) {
      recorder.event(
        cj,
        "Warning",
        "MissSchedule",
        `Missed scheduled time to start a job: ${formatRfc1123z(scheduledTime)}`,
      );
      return { requeueAfter: requeueAfter(), updateStatus };
    }
    const name = jobNameFor(cj.metadata.name, scheduledTime);
    if (
      cj.status.active.some((r: any) => r.name === name) ||
      time(cj.status.lastScheduleTime) === scheduledTime
    ) {
      return { requeueAfter: requeueAfter(), updateStatus };
    }
    if (cj.spec.concurrencyPolicy === "Forbid" && cj.status.active.length > 0) {
      recorder.event(
        cj,
        "Normal",
        "JobAlreadyActive",
        "Not starting job because prior execution is running and concurrency policy is Forbid",
      );
      return { requeueAfter: requeueAfter(), updateStatus };
    }
    if (cj.spec.concurrencyPolicy === "Replace") {
      for (const ref of [...cj.status.active]) {
        let job: KObject;
        try {
          job = await this.deps.client.get(jobsRef, ref.namespace ?? cj.metadata.namespace, ref.name);
        } catch (e) {
          recorder.event(cj, "Warning", "FailedGet", `Get job: ${(e as Error).message}`);
          throw e;
        }
        if (!(await this.deleteJob(cj, job)))
          throw new Error(`could not replace job ${job.metadata?.namespace}/${job.metadata?.name}`);
        updateStatus = true;
      }
    }

    const request = this.jobFromTemplate(cj, scheduledTime, parsed.zone);
    let created: any;
    try {
      created = await this.deps.client.create(jobsRef, cj.metadata.namespace, request);
      recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
    } catch (e) {
      if (isNamespaceTerminating(e)) throw e;
      if (!(e instanceof StatusError && e.code === 409)) {
        recorder.event(cj, "Warning", "FailedCreate", `Error creating job: ${(e as Error).message}`);
        throw e;
      }
      // Created before but the status update was lost: take it into the active list again.
      created = await this.deps.client.get(jobsRef, cj.metadata.namespace, name);
      if (getControllerOf(created)?.uid !== cj.metadata.uid) return { updateStatus };
      if (inActive(created.metadata.uid)) return { updateStatus };
    }
    cj.status.active.push({
      kind: "Job",
      namespace: created.metadata.namespace,
      name: created.metadata.name,
      uid: created.metadata.uid,
      apiVersion: "batch/v1",
      resourceVersion: created.metadata.resourceVersion,
    });
    cj.status.lastScheduleTime = new Date(scheduledTime).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { requeueAfter: requeueAfter(), updateStatus: true };
  }

  /** getJobFromTemplate2 */
  jobFromTemplate(cj: any, scheduledTime: number, zone: WallClock): KObject {
    const tmpl = cj.spec?.jobTemplate ?? {};
    const labels = { ...(tmpl.metadata?.labels ?? {}) };
    const annotations: Record<string, string> = { ...(tmpl.metadata?.annotations ?? {}) };
    annotations[cronJobScheduledTimestampAnnotation] = formatRfc3339In(scheduledTime, zone);
    const metadata: any = {
      name: jobNameFor(cj.metadata.name, scheduledTime),
      annotations,
      ownerReferences: [newControllerRef(cj, "batch/v1", "CronJob")],
    };
    if (Object.keys(labels).length) metadata.labels = labels;
    return { apiVersion: "batch/v1", kind: "Job", metadata, spec: structuredClone(tmpl.spec ?? {}) };
  }

  /** cleanupFinishedJobs: keeps the newest successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs. */
  private async cleanupFinishedJobs(cj: any, jobs: KObject[]): Promise<boolean> {
    const successLimit = cj.spec?.successfulJobsHistoryLimit;
    const failedLimit = cj.spec?.failedJobsHistoryLimit;
    if (successLimit == null && failedLimit == null) return false;
    const succeeded = jobs.filter((j) => finishedCondition(j) === "Complete");
    const failed = jobs.filter((j) => finishedCondition(j) === "Failed");
    let updated = false;
    if (successLimit != null && (await this.removeOldestJobs(cj, succeeded, successLimit))) updated = true;
    if (failedLimit != null && (await this.removeOldestJobs(cj, failed, failedLimit))) updated = true;
    return updated;
  }

  private async removeOldestJobs(cj: any, jobs: any[], max: number): Promise<boolean> {
    const toDelete = jobs.length - max;
    if (toDelete <= 0) return false;
    // byJobStartTime: jobs without a start time sort last, ties by name.
    const sorted = [...jobs].sort((a, b) => {
      const ta = time(a.status?.startTime);
      const tb = time(b.status?.startTime);
      if (ta === undefined && tb !== undefined) return 1;
      if (ta !== undefined && tb === undefined) return -1;
      if (ta !== tb) return ta! - tb!;
      return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
    });
    let updated = false;
    for (const job of sorted.slice(0, toDelete)) if (await this.deleteJob(cj, job)) updated = true;
    return updated;
  }

  /** deleteJob: the Job (its pods follow in the background) and its active-list entry. */
  private async deleteJob(cj: any, job: KObject): Promise<boolean> {
    try {
      await this.deps.client.delete(jobsRef, job.metadata!.namespace!, job.metadata!.name!, {
        propagationPolicy: "Background",
      });
    } catch (e) {
      this.deps.recorder.event(cj, "Warning", "FailedDelete", `Deleted job: ${(e as Error).message}`);
      return false;
    }
    cj.status.active = (cj.status.active ?? []).filter((r: any) => r.uid !== job.metadata?.uid);
    this.deps.recorder.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata?.name}`);
    return true;
  }
}
