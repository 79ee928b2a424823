// events.k8s.io/v1 Event ↔ core/v1 Event, as pkg/apis/events/v1/conversion.go does it. Fields Go
// always serialises (structs, timestamps, core's reportingComponent/reportingInstance) are emitted
// with their zero value ({}, null, "") so responses read as upstream's do.

type Obj = Record<string, any>;

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== "" && v !== 0;

function copyIfPresent(out: Obj, key: string, v: unknown): void {
  if (present(v)) out[key] = v;
}

/** An events.k8s.io/v1 Event in core/v1 shape (apiVersion and kind are left to the caller). */
export function eventsV1ToCore(e: Obj): Obj {
  const out: Obj = {};
  if (e.metadata !== undefined) out.metadata = e.metadata;
  out.involvedObject = e.regarding ?? {};
  copyIfPresent(out, "reason", e.reason);
  copyIfPresent(out, "message", e.note);
  out.source = e.deprecatedSource ?? {};
  out.firstTimestamp = e.deprecatedFirstTimestamp ?? null;
  out.lastTimestamp = e.deprecatedLastTimestamp ?? null;
  copyIfPresent(out, "count", e.deprecatedCount);
  copyIfPresent(out, "type", e.type);
  out.eventTime = e.eventTime ?? null;
  if (e.series) out.series = e.series;
  copyIfPresent(out, "action", e.action);
  if (e.related) out.related = e.related;
  out.reportingComponent = e.reportingController ?? "";
  out.reportingInstance = e.reportingInstance ?? "";
  return out;
}

/** A core/v1 Event in events.k8s.io/v1 shape (apiVersion and kind are left to the caller). */
export function coreToEventsV1(e: Obj): Obj {
  const out: Obj = {};
  if (e.metadata !== undefined) out.metadata = e.metadata;
  out.eventTime = e.eventTime ?? null;
  if (e.series) out.series = e.series;
  copyIfPresent(out, "reportingController", e.reportingComponent);
  copyIfPresent(out, "reportingInstance", e.reportingInstance);
  copyIfPresent(out, "action", e.action);
  copyIfPresent(out, "reason", e.reason);
  out.regarding = e.involvedObject ?? {};
  if (e.related) out.related = e.related;
  copyIfPresent(out, "note", e.message);
  copyIfPresent(out, "type", e.type);
  out.deprecatedSource = e.source ?? {};
  out.deprecatedFirstTimestamp = e.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = e.lastTimestamp ?? null;
  copyIfPresent(out, "deprecatedCount", e.count);
  return out;
}
