// PriorityClasses: printers.go printPriorityClass.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { int, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const priorityClassPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Value", "integer", "value represents the integer value of this priority class."),
    column(
      "Global-Default",
      "boolean",
      "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.",
    ),
    ageColumn,
    column(
      "PreemptionPolicy",
      "string",
      "preemptionPolicy is the Policy for preempting pods with lower priority.",
    ),
  ],
  cells: (pc, now) => [
    str(pc.metadata?.name),
    int(pc.value),
    pc.globalDefault === true,
    translateTimestampSince(pc.metadata?.creationTimestamp, now),
    str(pc.preemptionPolicy ?? "PreemptLowerPriority"),
  ],
};
