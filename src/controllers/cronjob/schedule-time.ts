// When a CronJob schedule fires next: robfig/cron/v3's SpecSchedule.Next and
// ConstantDelaySchedule.Next, evaluated on the wall clock of a time zone.
import type { CronSchedule } from "../../api/validation/index.ts";

const minuteMs = 60_000;

/** Converts instants to the wall clock of one time zone and back. */
export interface WallClock {
  toWall(instantMs: number): number;
  fromWall(wallMs: number): number;
}

const utc: WallClock = { toWall: (t) => t, fromWall: (w) => w };

/**
 * A wall clock for an IANA zone name; undefined when Go's time.LoadLocation would fail.
 * "" and "Local" mean the zone of this process, as in the controller manager.
 */
export function wallClockFor(timeZone: string | undefined): WallClock | undefined {
  const tz = timeZone === undefined || timeZone === "" || timeZone === "Local" ? undefined : timeZone;
  if (tz === "UTC") return utc;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    return undefined;
  }
  if (fmt.resolvedOptions().timeZone === "UTC") return utc;
  const toWall = (t: number): number => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(t)))
      if (part.type !== "literal") p[part.type] = Number(part.value);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (((t % 1000) + 1000) % 1000);
  };
  return {
    toWall,
    fromWall: (w) => {
      const guess = w - (toWall(w) - w);
      return w - (toWall(guess) - guess);
    },
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.dom.has(d.getUTCDate());
  const dow = s.dow.has(d.getUTCDay());
  // robfig/cron: with a * in either day field both must match, otherwise either may.
  if (s.domStar || s.dowStar) return dom && dow;
  return dom || dow;
}

/**
 * The first activation strictly after `after` (robfig/cron Next), or undefined when there is
 * none within five years (cron returns the zero time then).
 */
export function nextActivation(s: CronSchedule, after: Date, zone: WallClock = utc): Date | undefined {
  const t = after.getTime();
  if (s.everyMs !== undefined) {
    // cron.Every rounds the delay down to whole seconds, at least one.
    const delay = Math.max(1000, s.everyMs - (s.everyMs % 1000));
    return new Date(t - (((t % 1000) + 1000) % 1000) + delay);
  }
  const startWall = zone.toWall(t);
  const limitYear = new Date(startWall).getUTCFullYear() + 5;
  let w = Math.floor(startWall / minuteMs) * minuteMs + minuteMs;
  for (;;) {
    const d = new Date(w);
    const y = d.getUTCFullYear();
    if (y > limitYear) return undefined;
    const mo = d.getUTCMonth();
    if (!s.month.has(mo + 1)) {
      w = Date.UTC(y, mo + 1, 1);
      continue;
    }
    if (!dayMatches(s, d)) {
      w = Date.UTC(y, mo, d.getUTCDate() + 1);
      continue;
    }
    if (!s.hour.has(d.getUTCHours())) {
      w = Date.UTC(y, mo, d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (!s.minute.has(d.getUTCMinutes())) {
      w += minuteMs;
      continue;
    }
    const instant = zone.fromWall(w);
    // A wall time repeated when clocks go back maps to an instant we may already have passed.
    if (instant > t) return new Date(instant);
    w += minuteMs;
  }
}
