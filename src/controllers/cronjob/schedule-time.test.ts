import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCronSchedule } from "../../api/validation/index.ts";
import { mostRecentScheduleTime, nextScheduleDelay } from "./most-recent-schedule.ts";
import { nextActivation, wallClockFor } from "./schedule-time.ts";
import { formatRfc1123z, formatRfc3339In } from "./time-format.ts";

const sched = (s: string) => parseCronSchedule(s).schedule!;
const utc = wallClockFor("UTC")!;
const next = (s: string, after: string, zone = utc) =>
  nextActivation(sched(s), new Date(after), zone)?.toISOString();

test("the next activation is strictly after the given time", () => {
  assert.equal(next("*/15 * * * *", "2024-01-01T12:07:30Z"), "2024-01-01T12:15:00.000Z");
  assert.equal(next("*/15 * * * *", "2024-01-01T12:15:00Z"), "2024-01-01T12:30:00.000Z");
  assert.equal(next("0,15,30,45 * * * *", "2024-01-01T12:59:59.500Z"), "2024-01-01T13:00:00.000Z");
});

test("day, month and weekday fields, with cron's day-of-month OR day-of-week rule", () => {
  // 2024-01-01 is a Monday; the next Sunday is the 7th.
  assert.equal(next("0 3 * * 0", "2024-01-01T00:00:00Z"), "2024-01-07T03:00:00.000Z");
  assert.equal(next("0 0 1 * *", "2024-01-15T00:00:00Z"), "2024-02-01T00:00:00.000Z");
  // Both restricted: the 15th or any Friday (the 5th), whichever comes first.
  assert.equal(next("0 0 15 * 5", "2024-01-01T00:00:00Z"), "2024-01-05T00:00:00.000Z");
  assert.equal(next("0 0 29 2 *", "2024-03-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
  assert.equal(next("@yearly", "2024-06-01T00:00:00Z"), "2025-01-01T00:00:00.000Z");
  assert.equal(next("0 0 31 2 *", "2024-01-01T00:00:00Z"), undefined);
});

test("@every counts from the given time, in whole seconds", () => {
  assert.equal(next("@every 90m", "2024-01-01T00:00:00.700Z"), "2024-01-01T01:30:00.000Z");
});

test("schedules run on the wall clock of spec.timeZone", () => {
  const tokyo = wallClockFor("Asia/Tokyo")!;
  assert.equal(next("0 9 * * *", "2024-01-01T01:00:00Z", tokyo), "2024-01-02T00:00:00.000Z");
  const ny = wallClockFor("America/New_York")!;
  // Across the March 2024 change to daylight saving time: 09:00 EDT is 13:00Z.
  assert.equal(next("0 9 * * *", "2024-03-10T00:00:00Z", ny), "2024-03-10T13:00:00.000Z");
  assert.equal(next("0 9 * * *", "2024-03-09T00:00:00Z", ny), "2024-03-09T14:00:00.000Z");
  assert.equal(wallClockFor("Mars/Olympus_Mons"), undefined);
  assert.equal(formatRfc3339In(Date.parse("2024-01-02T00:00:00Z"), tokyo), "2024-01-02T09:00:00+09:00");
  assert.equal(formatRfc3339In(Date.parse("2024-01-02T00:00:00Z"), utc), "2024-01-02T00:00:00Z");
  assert.equal(formatRfc1123z(Date.parse("2024-01-02T03:04:05Z")), "Tue, 02 Jan 2024 03:04:05 +0000");
});

test("the most recent missed start time, the count of misses, and the requeue delay", () => {
  const ctx = {
    schedule: sched("*/1 * * * *"),
    zone: utc,
    creationTimestamp: Date.parse("2024-01-01T00:00:30Z"),
  };
  const at = (s: string) => Date.parse(s);
  assert.deepEqual(mostRecentScheduleTime(ctx, at("2024-01-01T00:00:50Z"), true), {
    earliest: ctx.creationTimestamp,
    missed: "none",
  });
  assert.equal(
    mostRecentScheduleTime(ctx, at("2024-01-01T00:01:10Z"), true).mostRecent,
    at("2024-01-01T00:01:00Z"),
  );
  const late = mostRecentScheduleTime(ctx, at("2024-01-01T00:05:10Z"), true);
  assert.equal(late.mostRecent, at("2024-01-01T00:05:00Z"));
  assert.equal(late.missed, "few");
  assert.equal(mostRecentScheduleTime(ctx, at("2024-01-01T03:00:10Z"), true).missed, "many");
  assert.equal(nextScheduleDelay(ctx, at("2024-01-01T00:00:50Z")), 10_100);
  // A deadline hides start times older than itself.
  const withDeadline = { ...ctx, startingDeadlineSeconds: 15 };
  assert.equal(mostRecentScheduleTime(withDeadline, at("2024-01-01T00:05:30Z"), true).mostRecent, undefined);
  assert.equal(
    mostRecentScheduleTime(withDeadline, at("2024-01-01T00:05:10Z"), true).mostRecent,
    at("2024-01-01T00:05:00Z"),
  );
});
