// Namespaces: pkg/printers/internalversion/printers.go printNamespace.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const namespacePrinter: TablePrinter = {
  columns: [nameColumn, column("Status", "string", "The status of the namespace"), ageColumn],
  cells(ns, now) {
    return [
      str(ns.metadata?.name),
      str(ns.status?.phase),
      translateTimestampSince(ns.metadata?.creationTimestamp, now),
    ];
  },
};
