// Ages as kubectl shows them: k8s.io/apimachinery/pkg/util/duration.HumanDuration and
// pkg/printers/internalversion/printers.go translateTimestampSince.

/** About two or three significant figures of a duration given in milliseconds ("45s", "2m3s", "3h2m", "2d3h", "3y45d"). */
export function humanDuration(ms: number): string {
  // Go truncates each unit toward zero; up to a second and a half in the future still reads as "0s".
  const seconds = Math.trunc(ms / 1000);
  if (!Number.isFinite(ms) || seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

const GO_ZERO_TIME = -62_135_596_800_000;

/** Milliseconds since the epoch, or undefined for a missing, unparsable or zero (0001-01-01) timestamp. */
export function parseTimestamp(ts: unknown): number | undefined {
  if (typeof ts !== "string" || ts === "") return undefined;
  const t = Date.parse(ts);
  // metav1.Time.IsZero: Go's zero time is 0001-01-01T00:00:00Z.
  if (Number.isNaN(t) || t <= GO_ZERO_TIME) return undefined;
  return t;
}

/** The age of a timestamp at `now`, or "<unknown>" when it is unset. */
export function translateTimestampSince(ts: unknown, now: Date): string {
  const t = parseTimestamp(ts);
  return t === undefined ? "<unknown>" : humanDuration(now.getTime() - t);
}
