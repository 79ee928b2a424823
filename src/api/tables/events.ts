// Events (core/v1 and events.k8s.io/v1): pkg/printers/internalversion/printers.go printEvent.
// Both versions convert to one internal Event, so events.k8s.io fields are mapped first
// (pkg/apis/events/v1/conversion.go).
import { column, nameColumn } from "./columns.ts";
import { int, str } from "./format.ts";
import { parseTimestamp, translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

interface CoreEvent {
  name: string;
  involvedObject: any;
  message: string;
  type: string;
  reason: string;
  source: any;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: any;
  reportingController: string;
  reportingInstance: string;
}

const isEventsV1 = (ev: any): boolean =>
  typeof ev.apiVersion === "string"
    ? ev.apiVersion.startsWith("events.k8s.io/")
    : "regarding" in ev || "note" in ev || "deprecatedSource" in ev || "deprecatedCount" in ev;

function toCoreEvent(ev: any): CoreEvent {
  const v1 = isEventsV1(ev);
  return {
    name: str(ev.metadata?.name),
    involvedObject: (v1 ? ev.regarding : ev.involvedObject) ?? {},
    message: str(v1 ? ev.note : ev.message),
    type: str(ev.type),
    reason: str(ev.reason),
    source: (v1 ? ev.deprecatedSource : ev.source) ?? {},
    firstTimestamp: v1 ? ev.deprecatedFirstTimestamp : ev.firstTimestamp,
    lastTimestamp: v1 ? ev.deprecatedLastTimestamp : ev.lastTimestamp,
    eventTime: ev.eventTime,
    count: int(v1 ? ev.deprecatedCount : ev.count),
    series: ev.series,
    // core/v1 spells the internal ReportingController "reportingComponent".
    reportingController: str(v1 ? ev.reportingController : ev.reportingComponent),
    reportingInstance: str(ev.reportingInstance),
  };
}

/** formatEventSource: component (or reporting controller), then ", host" (or reporting instance) when set. */
function eventSource(e: CoreEvent): string {
  const component = str(e.source.component) || e.reportingController;
  const instance = str(e.source.host) || e.reportingInstance;
  return instance === "" ? component : `${component}, ${instance}`;
}

const isSet = (ts: unknown): boolean => parseTimestamp(ts) !== undefined;

export const eventPrinter: TablePrinter = {
  // Upstream's one table whose Name column is neither first nor always shown.
  columns: [
    column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "string", "Type of this event (Normal, Warning)."),
    column(
      "Reason",
      "string",
      "A short, machine understandable string that gives the reason for this event.",
    ),
    column("Object", "string", "The object that this event is about."),
    column("Subobject", "string", "The part of the object the event is about, such as a container.", 1),
    column("Source", "string", "The component reporting this event.", 1),
    column("Message", "string", "A human-readable description of the status of this operation."),
    column("First Seen", "string", "The time at which the event was first recorded.", 1),
    column("Count", "string", "The number of times this event has occurred.", 1),
    { ...nameColumn, priority: 1 },
  ],
  cells(ev, now) {
    const e = toCoreEvent(ev);
    const firstSeen = isSet(e.firstTimestamp)
      ? translateTimestampSince(e.firstTimestamp, now)
      : translateTimestampSince(e.eventTime, now);
    let lastSeen = isSet(e.lastTimestamp) ? translateTimestampSince(e.lastTimestamp, now) : firstSeen;
    let count = e.count;
    if (e.series) {
      lastSeen = translateTimestampSince(e.series.lastObservedTime, now);
      count = int(e.series.count);
    } else if (count === 0) {
      // Singleton events don't have a count set in the new API.
      count = 1;
    }
    const kind = str(e.involvedObject.kind).toLowerCase();
    const name = str(e.involvedObject.name);
    return [
      lastSeen,
      e.type,
      e.reason,
      name === "" ? kind : `${kind}/${name}`,
      str(e.involvedObject.fieldPath),
      eventSource(e),
      e.message.trim(),
      firstSeen,
      count,
      e.name,
    ];
  },
};
