// ConfigMaps: pkg/printers/internalversion/printers.go printConfigMap.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const configMapPrinter: TablePrinter = {
  columns: [nameColumn, column("Data", "string", "The number of data and binaryData keys."), ageColumn],
  cells(cm, now) {
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [str(cm.metadata?.name), count, translateTimestampSince(cm.metadata?.creationTimestamp, now)];
  },
};
