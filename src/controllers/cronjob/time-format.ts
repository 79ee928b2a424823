// Go time formats the CronJob controller puts into annotations and event messages.
import type { WallClock } from "./schedule-time.ts";

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

/** time.RFC3339 of an instant in a zone ("2024-01-01T09:00:00+09:00", "Z" when the offset is zero). */
export function formatRfc3339In(instantMs: number, zone: WallClock): string {
  const t = Math.floor(instantMs / 1000) * 1000;
  const wall = zone.toWall(t);
  const offsetMin = Math.round((wall - t) / 60_000);
  const base = new Date(wall).toISOString().replace(/\.\d{3}Z$/, "");
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? "-" : "+";
  return `${base}${sign}${pad(Math.trunc(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
}

const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
export function formatRfc1123z(instantMs: number): string {
  const d = new Date(instantMs);
  return (
    `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
