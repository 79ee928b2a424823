// The scheduling arithmetic of pkg/controller/cronjob/utils.go: which start time is due now,
// how many were missed, and when to look again.
import type { CronSchedule } from "../../api/validation/index.ts";
import { nextActivation, type WallClock } from "./schedule-time.ts";

/** cronjob_controllerv2.go nextScheduleDelta: requeue a little after the start time. */
export const nextScheduleDeltaMs = 100;

export type MissedSchedules = "none" | "few" | "many";

export interface ScheduleContext {
  schedule: CronSchedule;
  zone: WallClock;
  creationTimestamp: number;
  lastScheduleTime?: number;
  startingDeadlineSeconds?: number;
}

export interface MostRecent {
  earliest: number;
  mostRecent?: number;
  missed: MissedSchedules;
  error?: string;
}

function next(ctx: ScheduleContext, t: number): number | undefined {
  return nextActivation(ctx.schedule, new Date(t), ctx.zone)?.getTime();
}

/** utils.go mostRecentScheduleTime. */
export function mostRecentScheduleTime(
  ctx: ScheduleContext,
  now: number,
  includeStartingDeadlineSeconds: boolean,
): MostRecent {
  let earliest = ctx.lastScheduleTime ?? ctx.creationTimestamp;
  if (includeStartingDeadlineSeconds && ctx.startingDeadlineSeconds != null) {
    const deadline = now - ctx.startingDeadlineSeconds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = next(ctx, earliest);
  const t2 = t1 === undefined ? undefined : next(ctx, t1);
  if (t1 === undefined || t2 === undefined)
    return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  if (now < t1) return { earliest, missed: "none" };
  if (now < t2) return { earliest, mostRecent: t1, missed: "none" };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1)
    return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Start one interval early and let the schedule find the exact last time, which matters for
  // irregular schedules such as "30 6-16/4 * * 1-5" (as upstream).
  let t: number | undefined = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (t = next(ctx, t); t !== undefined && t <= now; t = next(ctx, t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > 100 ? "many" : "few";
  return { earliest, mostRecent, missed };
}

/** utils.go nextScheduleTimeDuration: how long until the controller should look again. */
export function nextScheduleDelay(ctx: ScheduleContext, now: number): number | undefined {
  const r = mostRecentScheduleTime(ctx, now, false);
  let from: number;
  if (r.error !== undefined) from = now;
  else if (r.mostRecent === undefined) from = r.missed === "none" ? r.earliest : now;
  else from = r.mostRecent;
  const t = next(ctx, from);
  return t === undefined ? undefined : t + nextScheduleDeltaMs - now;
}

/** getTimeHashInMinutes: Jobs are named after their scheduled minute, which also locks out duplicates. */
export function jobNameFor(cronJobName: string, scheduledTime: number): string {
  return `${cronJobName}-${Math.floor(scheduledTime / 1000 / 60)}`;
}
